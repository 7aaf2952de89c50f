//! Properties that must hold for any data and any as-of date, checked on generated data at
//! twelve month ends: the attribution models reconcile, points add up to scores, headline
//! numbers trace back to deal rows, and every input row is accounted for.

mod common;

use common::{cli, compute, table, temp_dir};
use polars::prelude::*;

fn sum(df: &DataFrame, column: &str) -> f64 {
    df.column(column).unwrap().cast(&DataType::Float64).unwrap().f64().unwrap().sum().unwrap_or(0.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn every_t12m_run_reconciles() {
    let dir = temp_dir("invariants");
    let data = dir.join("data");
    let output = cli(&["generate", "--out", data.to_str().unwrap(), "--scale", "0.3", "--seed", "11"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let base = std::fs::read_to_string(data.join("pipeline.toml")).unwrap();
    for month in 1..=12 {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, month, 1).unwrap() + chrono::Months::new(1)
            - chrono::Days::new(1);
        let text = base.replace("as_of = \"2026-10-31\"", &format!("as_of = \"{as_of}\""));
        let pipeline = data.join(format!("p{month}.toml"));
        std::fs::write(&pipeline, text).unwrap();
        let computed = compute(&pipeline);

        // The five attribution models each credit exactly the won amount of T12M deals with
        // touches, as listed in influenced_opportunities.
        let by_type = table(&computed, "influence_by_activity_type");
        let deals = table(&computed, "influenced_opportunities");
        let touched_won = deals
            .clone()
            .lazy()
            .filter(col("stage").eq(lit("won")).and(col("touches").gt(lit(0))))
            .collect()
            .unwrap();
        let expected = sum(&touched_won, "amount");
        for column in [
            "even_split_amount",
            "first_touch_amount",
            "last_touch_amount",
            "u_shaped_amount",
            "time_decay_amount",
        ] {
            assert!(
                close(sum(by_type, column), expected),
                "{as_of} {column}: {} != {expected}",
                sum(by_type, column)
            );
        }
        assert!(expected > 0.0 || month < 3, "{as_of}: some touched deal should have been won");

        // The T12M summary is the sum of the deal rows.
        let summary = table(&computed, "influence_summary");
        let t12m = summary.clone().lazy().filter(col("window").eq(lit("t12m"))).collect().unwrap();
        let won = deals.clone().lazy().filter(col("stage").eq(lit("won"))).collect().unwrap();
        let influenced_won = won.clone().lazy().filter(col("influenced")).collect().unwrap();
        assert!(close(sum(&t12m, "won_amount"), sum(&won, "amount")), "{as_of} won_amount");
        assert!(
            close(sum(&t12m, "influenced_won_amount"), sum(&influenced_won, "amount")),
            "{as_of} influenced"
        );
        assert_eq!(sum(&t12m, "won") as usize, won.height());

        // CSM credit never exceeds the even split (touches by contacts of CSM-less accounts
        // are credited to nobody).
        let card = table(&computed, "csm_scorecard");
        assert!(sum(card, "influenced_amount_t12m") <= sum(by_type, "even_split_amount") + 1e-6);

        // Health points add up to the score, and delta points to the delta.
        let health = table(&computed, "contact_health");
        let points = ["nps_points", "usage_points", "engagement_points", "advocacy_points"];
        let deltas =
            ["nps_delta_points", "usage_delta_points", "engagement_delta_points", "advocacy_delta_points"];
        let column = |name: &str| health.column(name).unwrap().f64().unwrap().clone();
        for i in 0..health.height() {
            let total: f64 = points.iter().map(|p| column(p).get(i).unwrap()).sum();
            assert!(close(total, column("score").get(i).unwrap()), "{as_of} row {i}");
            if let Some(delta) = column("score_delta").get(i) {
                let total: f64 = deltas.iter().map(|p| column(p).get(i).unwrap()).sum();
                assert!(close(total, delta), "{as_of} row {i} delta");
            }
        }

        // Every row read is accepted or rejected; generated data is clean.
        let quality = table(&computed, "data_quality");
        assert_eq!(sum(quality, "rows_read"), sum(quality, "rows_accepted") + sum(quality, "rows_rejected"));
        assert_eq!(sum(quality, "rows_rejected"), 0.0, "generated data passes validation");
    }
}
