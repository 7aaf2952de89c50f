//! Referral conversion: `referral_funnel`, `referral_retention`, `referrers` (SPEC.md 3.4).
//!
//! `referral_funnel`, over new-business deals created in T12M, one row each for referral and
//! other deals: created, won, lost, open (as of D); `win_rate = won / (won + lost)` with a 95%
//! Wilson interval (z = 1.96); `conversion = won / created`; median `cycle_days` of won deals;
//! mean won amount. On the referral row: `conversion_lift = conversion_r / conversion_o - 1`,
//! `win_rate_lift = win_rate_r / win_rate_o - 1`, `cycle_reduction = 1 - median_r / median_o`.
//!
//! `referral_retention`: accounts whose first won new-business deal (by `closed_on`, then id)
//! closed in `(D - 730, D - 365]`, split by whether that deal was a referral; retained when not
//! churned within 365 days of it. `retention_lift = rate_r / rate_o - 1` and
//! `churn_reduction = 1 - (1 - rate_r) / (1 - rate_o)` on the referral row.
//!
//! `referrers`: per referring contact, referrals (any type) created in T12M, won, won amount.

use chrono::Days;
use polars::prelude::*;

use super::exprs::{days_between, order, stage_as_of, within};
use super::influence::is_referral;
use crate::calendar::{Calendar, Window};
use crate::config::ReferralSettings;
use crate::ingest::Tables;
use crate::vocab::exact;
use crate::vocab::{OpportunityType, Stage};

pub const Z: f64 = 1.96;

/// The 95% Wilson score interval of `successes` out of `trials` (null for no trials).
pub fn wilson(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let (k, n) = (successes as f64, trials as f64);
    let p = k / n;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denominator;
    let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some((center - half, center + half))
}

/// `a / b`, None when b is 0 or either is missing.
fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

fn count(n: i64, d: i64) -> Option<f64> {
    div(Some(n as f64), Some(d as f64))
}

/// The row of a per-source aggregate (grouped by `referral`) for referral or other deals;
/// none when there were no such deals.
fn source_row(aggregate: &DataFrame, referral: bool) -> PolarsResult<Option<usize>> {
    let flags = aggregate.column("referral")?.bool()?;
    Ok((0..aggregate.height()).find(|&i| flags.get(i) == Some(referral)))
}

/// Per-source aggregates of the funnel, read back from polars.
struct Side {
    created: i64,
    won: i64,
    lost: i64,
    open: i64,
    median_cycle: Option<f64>,
    mean_won: Option<f64>,
}

pub fn referral_funnel(
    tables: &Tables,
    calendar: &Calendar,
    s: &ReferralSettings,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let stage = col("stage_now");
    let won = stage.clone().eq(Stage::Won.lit());
    let sides = tables
        .opportunities
        .clone()
        .lazy()
        .filter(
            col("opportunity_type")
                .eq(OpportunityType::NewBusiness.lit())
                .and(within(col("created_on"), calendar.t12m())),
        )
        .with_columns([stage_as_of(d).alias("stage_now"), is_referral(&s.lead_sources).alias("referral")])
        .group_by([col("referral")])
        .agg([
            len().cast(DataType::Int64).alias("created"),
            won.clone().cast(DataType::Int64).sum().alias("won"),
            stage.clone().eq(Stage::Lost.lit()).cast(DataType::Int64).sum().alias("lost"),
            stage.eq(Stage::Open.lit()).cast(DataType::Int64).sum().alias("open"),
            days_between(col("closed_on"), col("created_on"))
                .filter(won.clone())
                .cast(DataType::Float64)
                .median()
                .alias("median_cycle"),
            exact::mean(col("amount").filter(won)).alias("mean_won"),
        ])
        .collect()?;
    let side = |referral: bool| -> PolarsResult<Side> {
        let Some(i) = source_row(&sides, referral)? else {
            return Ok(Side { created: 0, won: 0, lost: 0, open: 0, median_cycle: None, mean_won: None });
        };
        let int = |name: &str| -> PolarsResult<i64> { Ok(sides.column(name)?.i64()?.get(i).unwrap_or(0)) };
        let float = |name: &str| -> PolarsResult<Option<f64>> { Ok(sides.column(name)?.f64()?.get(i)) };
        Ok(Side {
            created: int("created")?,
            won: int("won")?,
            lost: int("lost")?,
            open: int("open")?,
            median_cycle: float("median_cycle")?,
            mean_won: float("mean_won")?,
        })
    };
    let (r, o) = (side(true)?, side(false)?);
    let win_rate = |x: &Side| count(x.won, x.won + x.lost);
    let conversion = |x: &Side| count(x.won, x.created);
    let ci = |x: &Side| wilson(x.won as u64, (x.won + x.lost) as u64);
    let minus_one = |v: Option<f64>| v.map(|v| v - 1.0);
    df! {
        "source" => ["referral", "other"],
        "created" => [r.created, o.created],
        "won" => [r.won, o.won],
        "lost" => [r.lost, o.lost],
        "open" => [r.open, o.open],
        "win_rate" => [win_rate(&r), win_rate(&o)],
        "win_rate_ci_low" => [ci(&r).map(|c| c.0), ci(&o).map(|c| c.0)],
        "win_rate_ci_high" => [ci(&r).map(|c| c.1), ci(&o).map(|c| c.1)],
        "conversion" => [conversion(&r), conversion(&o)],
        "median_cycle_days" => [r.median_cycle, o.median_cycle],
        "mean_won_amount" => [r.mean_won, o.mean_won],
        "conversion_lift" => [minus_one(div(conversion(&r), conversion(&o))), None],
        "win_rate_lift" => [minus_one(div(win_rate(&r), win_rate(&o))), None],
        "cycle_reduction" => [div(r.median_cycle, o.median_cycle).map(|v| 1.0 - v), None],
    }
}

pub fn referral_retention(
    tables: &Tables,
    calendar: &Calendar,
    s: &ReferralSettings,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let n = u64::from(s.retention_days);
    let cohort_window = Window { start: d - Days::new(2 * n - 1), end: d - Days::new(n) };
    let firsts = tables
        .opportunities
        .clone()
        .lazy()
        .filter(
            col("opportunity_type")
                .eq(OpportunityType::NewBusiness.lit())
                .and(stage_as_of(d).eq(Stage::Won.lit())),
        )
        .with_column(is_referral(&s.lead_sources).alias("referral"))
        .sort(["account_id", "closed_on", "opportunity_id"], SortMultipleOptions::default())
        .unique_stable(Some(cols(["account_id"])), UniqueKeepStrategy::First)
        .filter(within(col("closed_on"), cohort_window))
        .join(
            tables.accounts.clone().lazy().select([col("account_id"), col("churned_on")]),
            [col("account_id")],
            [col("account_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .with_column(
            col("churned_on")
                .is_null()
                .or(days_between(col("churned_on"), col("closed_on")).gt(lit(n as i64)))
                .alias("retained"),
        )
        .group_by([col("referral")])
        .agg([
            len().cast(DataType::Int64).alias("cohort"),
            col("retained").cast(DataType::Int64).sum().alias("retained"),
        ])
        .collect()?;
    let side = |referral: bool| -> PolarsResult<(i64, i64)> {
        Ok(match source_row(&firsts, referral)? {
            Some(i) => (
                firsts.column("cohort")?.i64()?.get(i).unwrap_or(0),
                firsts.column("retained")?.i64()?.get(i).unwrap_or(0),
            ),
            None => (0, 0),
        })
    };
    let ((rc, rr), (oc, or)) = (side(true)?, side(false)?);
    let (rate_r, rate_o) = (count(rr, rc), count(or, oc));
    let lift = div(rate_r, rate_o).map(|v| v - 1.0);
    let churn_reduction = match (rate_r, rate_o) {
        (Some(r), Some(o)) => div(Some(1.0 - r), Some(1.0 - o)).map(|v| 1.0 - v),
        _ => None,
    };
    df! {
        "source" => ["referral", "other"],
        "cohort_size" => [rc, oc],
        "retained" => [rr, or],
        "retention_rate" => [rate_r, rate_o],
        "retention_lift" => [lift, None],
        "churn_reduction" => [churn_reduction, None],
    }
}

pub fn referrers(tables: &Tables, calendar: &Calendar) -> PolarsResult<DataFrame> {
    let won = stage_as_of(calendar.as_of).eq(Stage::Won.lit());
    tables
        .opportunities
        .clone()
        .lazy()
        .filter(col("referrer_contact_id").is_not_null().and(within(col("created_on"), calendar.t12m())))
        .group_by([col("referrer_contact_id").alias("contact_id")])
        .agg([
            len().cast(DataType::Int64).alias("referrals"),
            won.clone().cast(DataType::Int64).sum().alias("won"),
            exact::sum(when(won).then(col("amount")).otherwise(lit(0.0))).alias("won_amount"),
        ])
        .join(
            tables.contacts.clone().lazy().select([col("contact_id"), col("full_name"), col("account_id")]),
            [col("contact_id")],
            [col("contact_id")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            tables.accounts.clone().lazy().select([col("account_id"), col("account_name"), col("csm_id")]),
            [col("account_id")],
            [col("account_id")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("contact_id"),
            col("full_name"),
            col("account_id"),
            col("account_name"),
            col("csm_id"),
            col("referrals"),
            col("won"),
            col("won_amount"),
        ])
        .sort(["won_amount", "referrals", "contact_id"], order(&[true, true, false]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_hand_computation() {
        // 1 win in 3: p = 1/3, z² = 3.8416.
        // center = (1/3 + 3.8416/6) / (1 + 3.8416/3) = 0.973600 / 2.280533 = 0.426921
        // half = 1.96 / 2.280533 * sqrt(2/27 + 3.8416/36) = 0.859449 * sqrt(0.180785) = 0.365431
        let (low, high) = wilson(1, 3).unwrap();
        assert!((low - 0.061490).abs() < 1e-6, "{low}");
        assert!((high - 0.792345).abs() < 1e-6, "{high}");
        // 1 in 4: center = (0.25 + 0.4802) / 1.9604 = 0.372475;
        // half = 0.999796 * sqrt(0.046875 + 0.060025) = 0.326889
        let (low, high) = wilson(1, 4).unwrap();
        assert!((low - 0.045586).abs() < 1e-6, "{low}");
        assert!((high - 0.699364).abs() < 1e-6, "{high}");
        assert_eq!(wilson(0, 0), None);
        let (low, high) = wilson(0, 5).unwrap();
        assert!(low.abs() < 1e-12, "{low}");
        assert!(high > 0.4 && high < 0.44, "{high}");
    }
}
