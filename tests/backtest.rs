//! The backtest of the health score (SPEC.md 7) on a hand-made dataset, with the arithmetic
//! in comments, and on the sample data (does the planted pattern show?).

mod common;

use std::path::Path;

use common::{assert_close, compute, number_at, table, MiniData};
use polars::prelude::*;

/// The row of `df` whose `a` and `b` columns hold these values.
fn row(df: &DataFrame, a: (&str, &str), b: (&str, &str)) -> usize {
    let text = |name: &str| df.column(name).unwrap().cast(&DataType::String).unwrap().str().unwrap().clone();
    let (first, second) = (text(a.0), text(b.0));
    (0..df.height())
        .find(|&i| first.get(i) == Some(a.1) && second.get(i) == Some(b.1))
        .unwrap_or_else(|| panic!("no row {a:?} {b:?} in\n{df}"))
}

/// Five accounts, one contact each except A1 (C1 and C2). Only NPS (weight 0.35) and advocacy
/// (0.20) are configured, so scores are `100 * (0.35 * nps + 0.2 * advocacy) / 0.55` with an
/// NPS, `100 * advocacy` without. NPS on 2026-06-01: C1 9, C3 3, C4 6, C5 8 (C2 and C6 none).
/// A3 churns on 2026-08-30 and A4 on 2026-09-01; C6 completes reviews on 2026-08-30 and
/// 2026-10-01. `[backtest] months = 3, horizon_days = 30`: t + 30 <= 2026-10-31 gives the
/// snapshot dates 07-31, 08-31, 09-30; three dates, so the first two are the training half.
fn panel() -> MiniData {
    MiniData::empty()
        .without("usage")
        .without("webinar_attendance")
        .rows("csms", &["S1,Sam One,A"])
        .rows(
            "accounts",
            &[
                "A1,One,SMB,Software,NA,S1,2024-01-01,,100",
                "A2,Two,SMB,Software,NA,S1,2024-01-01,,100",
                "A3,Three,SMB,Software,NA,S1,2024-01-01,2026-08-30,100",
                "A4,Four,SMB,Software,NA,S1,2024-01-01,2026-09-01,100",
                "A5,Five,SMB,Software,NA,S1,2024-01-01,,100",
            ],
        )
        .rows(
            "contacts",
            &[
                "C1,A1,c1,,,2024-01-01,",
                "C2,A1,c2,,,2024-01-01,",
                "C3,A2,c3,,,2024-01-01,",
                "C4,A3,c4,,,2024-01-01,",
                "C5,A4,c5,,,2024-01-01,",
                "C6,A5,c6,,,2024-01-01,",
            ],
        )
        .rows(
            "nps_responses",
            &["R1,C1,,2026-06-01,9,", "R3,C3,,2026-06-01,3,", "R4,C4,,2026-06-01,6,", "R5,C5,,2026-06-01,8,"],
        )
        .rows(
            "advocacy_activities",
            &["X1,C6,review,completed,,2026-08-30,", "X2,C6,review,completed,,2026-10-01,"],
        )
        .rows("opportunities", &["O1,A1,renewal,open,1,2026-01-01,,,"])
        .setting("[backtest]\nmonths = 3\nhorizon_days = 30")
}

#[test]
fn the_backtest_on_hand_made_data() {
    let computed = panel().compute("backtest");
    let snapshots = table(&computed, "backtest_snapshots");
    let at = |outcome: &str, date: &str, column: &str| {
        number_at(snapshots, row(snapshots, ("outcome", outcome), ("snapshot", date)), column)
    };
    // Contact scores: C1 100 * 0.315 / 0.55 = 57.27, C3 19.09, C4 38.18, C5 50.91, C2 0; C6
    // 0 on 07-31, then 100 * 0.5 = 50 once her first review is in the year.
    //
    // advocacy on 07-31: six contacts; C6 is positive (her review of 08-30 is exactly 30 days
    // later, inside the horizon). Her 0 ties C2's 0 and is below the four others:
    // AUC 0.5 / 5 = 0.1.
    assert_eq!(at("advocacy", "2026-07-31", "units"), Some(6.0));
    assert_eq!(at("advocacy", "2026-07-31", "positives"), Some(1.0));
    assert_close(at("advocacy", "2026-07-31", "auc"), 0.1);
    // On 08-31 (C4's account churned on 08-30): five contacts; C6's review of 10-01 is 31 days
    // later, one day past the horizon, so nobody is positive: the AUC is null, not 0.5.
    assert_eq!(at("advocacy", "2026-08-31", "units"), Some(5.0));
    assert_eq!(at("advocacy", "2026-08-31", "positives"), Some(0.0));
    assert_eq!(at("advocacy", "2026-08-31", "auc"), None);
    // On 09-30: C1 57.27, C2 0, C3 19.09 and C6 50 (positive): above two of three -> 2/3.
    assert_close(at("advocacy", "2026-09-30", "auc"), 2.0 / 3.0);

    // churn on 07-31: account scores are their contacts' means: A1 (57.27 + 0) / 2 = 28.64,
    // A2 19.09, A3 38.18 (churns 08-30, exactly t + 30: positive), A4 50.91 (churns 09-01, one
    // day too late), A5 0. A lower score should predict churn: only A4 is above A3 -> 1/4.
    assert_eq!(at("churn", "2026-07-31", "units"), Some(5.0));
    assert_close(at("churn", "2026-07-31", "auc"), 0.25);
    // On 08-31: A1 28.64, A2 19.09, A4 50.91 (positive), A5 50: the churner scores highest -> 0.
    assert_close(at("churn", "2026-08-31", "auc"), 0.0);
    assert_eq!(at("churn", "2026-09-30", "auc"), None);

    let models = table(&computed, "backtest_models");
    let model = |outcome: &str, name: &str, column: &str| {
        number_at(models, row(models, ("outcome", outcome), ("model", name)), column)
    };
    // Pooled churn, 12 units, 2 positives, 10 negatives: A3 (38.18) is below A4@07-31 50.91
    // and A5@08-31, A5@09-30 (50): 3 wins; A4@08-31 (50.91) ties A4@07-31: 0.5. 3.5 / 20.
    assert_eq!(model("churn", "score", "units"), Some(12.0));
    assert_close(model("churn", "score", "auc"), 3.5 / 20.0);
    // Training half (07-31, 08-31; 7 negatives): A3 wins over A4@07-31 and A5@08-31, A4@08-31
    // ties once: 2.5 / 14. The test half has no churner: null.
    assert_close(model("churn", "score", "auc_train"), 2.5 / 14.0);
    assert_eq!(model("churn", "score", "auc_test"), None);
    // NPS alone: an account's value is the mean of its contacts' non-null values (A1 0.9 from
    // C1 only); A5 has none and is left out: 9 units. A3 (0.6) is below A1 (0.9) three times
    // and A4@07-31 (0.8): 4; A4@08-31 (0.8) below A1 three times and tied once: 3.5. 7.5 / 14.
    assert_eq!(model("churn", "nps", "units"), Some(9.0));
    assert_close(model("churn", "nps", "auc"), 7.5 / 14.0);
    // The grid (churn is optimised): usage and engagement are not configured, so only the
    // NPS and advocacy weights change scores. Without advocacy weight A5 has no score: those
    // vectors are skipped. With NPS weight 0 every NPS contact scores 0 in training, A5 50 on
    // 08-31: both churners tie 6 negatives and are below A5: (3 + 1) * 2 / 14 = 8/14, better
    // than any vector with NPS weight (at most 3.5 / 14). Among the vectors with NPS 0 and
    // advocacy > 0 the distance to (0.35, 0.3, 0.15, 0.2) is at least 0.7 (engagement is 0.1
    // or 0.2 away from 0.15), reached by several; the largest usage weight among them wins:
    // (0, 0.6, 0.2, 0.2).
    assert_close(model("churn", "best_weights", "auc_train"), 8.0 / 14.0);
    let weights: Vec<Option<f64>> = ["w_nps", "w_usage", "w_engagement", "w_advocacy"]
        .iter()
        .map(|w| model("churn", "best_weights", w).map(|v| (v * 10.0).round() / 10.0))
        .collect();
    assert_eq!(weights, [Some(0.0), Some(0.6), Some(0.2), Some(0.2)]);
    // Only the optimised outcome has a best_weights row.
    assert_eq!(models.height(), 3 * 5 + 1);

    // Tiers (churn): at risk (< 40) A1, A2 three times each, A3, A5@07-31: 8 units, 1 churner;
    // neutral (40 to 60) A4 twice, A5 twice: 4 units, 1 churner. Overall 2 / 12:
    // lifts (1/8) / (1/6) - 1 = -0.25 and (1/4) / (1/6) - 1 = 0.5; empty tiers are null.
    let tiers = table(&computed, "backtest_tiers");
    let tier =
        |name: &str, column: &str| number_at(tiers, row(tiers, ("outcome", "churn"), ("tier", name)), column);
    assert_eq!(tier("at_risk", "units"), Some(8.0));
    assert_close(tier("at_risk", "lift"), -0.25);
    assert_close(tier("neutral", "lift"), 0.5);
    assert_eq!(tier("champion", "units"), Some(0.0));
    assert_eq!(tier("champion", "rate"), None);
    assert_eq!(tiers.height(), 12, "all four tiers of every outcome");
}

#[test]
fn too_little_history_gives_empty_rows_not_numbers() {
    // D = 2026-10-31 with a horizon of 3,000 days: the snapshot dates are long before any
    // data. Every outcome still has its rows; no AUC is made up.
    let computed =
        MiniData::new().setting("[backtest]\nmonths = 2\nhorizon_days = 3000").compute("backtest-none");
    let snapshots = table(&computed, "backtest_snapshots");
    assert_eq!(snapshots.height(), 3 * 2);
    assert!(snapshots.column("auc").unwrap().f64().unwrap().iter().all(|v| v.is_none()));
    let models = table(&computed, "backtest_models");
    assert!(models.column("auc").unwrap().f64().unwrap().iter().all(|v| v.is_none()));
}

#[test]
fn on_the_sample_the_score_predicts_advocacy_and_churn_better_than_chance() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly_board.toml");
    let computed = compute(&sample);
    let models = table(&computed, "backtest_models");
    let auc = |outcome: &str| {
        number_at(models, row(models, ("outcome", outcome), ("model", "score")), "auc").unwrap()
    };
    // The generator plants the pattern: engaged contacts become advocates, and accounts fade
    // (usage, NPS) for half a year before they churn. README "Does the score predict?" quotes
    // these numbers: 0.65 and 0.67, well clear of the coin toss's 0.5.
    assert!(auc("advocacy") > 0.6, "advocacy AUC {}", auc("advocacy"));
    assert!(auc("churn") > 0.6, "churn AUC {}", auc("churn"));
}
