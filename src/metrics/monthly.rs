//! `health_monthly` (SPEC.md 6.1): the health distribution, coverage and active CSQAs at the
//! end of each month of `program_monthly`, as a run as of that day would compute them.
//!
//! For each month, `m` is its last day, or D for the period's month:
//! - `contacts`, `mean_score` (null when no contacts), the four tier counts and `fatigued`:
//!   the rows of `contact_health` as of `m`;
//! - `accounts`: accounts that are active customers on `m`; `accounts_with_csqa`: those with a
//!   CSQA active on `m`; `coverage = accounts_with_csqa / accounts` (null with no accounts);
//! - `active_csqas`: CSQAs active on `m`, the same count as `program_monthly.active_csqas`.
//!
//! A CSQA as of `m` is a CSQA as of D with `qualified_on <= m`: whether an activity qualifies
//! depends only on what was true on its own date, which a run as of `m` already knows.

use polars::prelude::*;

use super::csqa;
use super::exprs::customer_on;
use super::health::Scores;
use super::usage::Minutes;
use crate::calendar::Calendar;
use crate::config::Settings;
use crate::ingest::Tables;
use crate::vocab::Tier;

/// The month-ends `health_monthly` reads scores at, oldest first (the last is D).
pub fn month_ends(calendar: &Calendar, s: &Settings) -> Vec<chrono::NaiveDate> {
    calendar.months(s.program.months).iter().map(|m| m.window.end).collect()
}

pub fn health_monthly(
    tables: &Tables,
    calendar: &Calendar,
    s: &Settings,
    minutes: Option<&Minutes>,
    scores: &Scores,
    csqa: &DataFrame,
) -> PolarsResult<DataFrame> {
    let months = calendar.months(s.program.months);
    let ends = month_ends(calendar, s);
    scores.ensure(tables, &ends, &s.health, minutes)?;
    let tier_count = |tier: Tier| col("tier").eq(tier.lit()).cast(DataType::Int64).sum();
    let mut parts = Vec::with_capacity(months.len());
    for end in &ends {
        let health = scores.on(tables, *end, &s.health, minutes)?.lazy().select([
            len().cast(DataType::Int64).alias("contacts"),
            col("score").mean().alias("mean_score"),
            tier_count(Tier::Champion).alias("champion"),
            tier_count(Tier::Advocate).alias("advocate"),
            tier_count(Tier::Neutral).alias("neutral"),
            tier_count(Tier::AtRisk).alias("at_risk"),
            col("fatigued").cast(DataType::Int64).sum().alias("fatigued"),
        ]);
        let accounts = tables
            .accounts
            .clone()
            .lazy()
            .filter(customer_on(*end))
            .select([len().cast(DataType::Int64).alias("accounts")]);
        let active = csqa::active_on(csqa, tables, *end).select([
            col("account_id").n_unique().cast(DataType::Int64).alias("accounts_with_csqa"),
            len().cast(DataType::Int64).alias("active_csqas"),
        ]);
        parts.extend([health, accounts, active]);
    }
    // One row per month: its three one-row frames side by side.
    let parts = super::exprs::collect_all(parts)?;
    let mut rows: Option<DataFrame> = None;
    for (month, frames) in months.iter().zip(parts.chunks(3)) {
        let mut row = DataFrame::new_infer_height(vec![Column::new("month".into(), [month.label.as_str()])])?;
        for frame in frames {
            row = row.hstack(frame.columns())?;
        }
        match rows.as_mut() {
            Some(all) => {
                all.vstack_mut(&row)?;
            }
            None => rows = Some(row),
        }
    }
    let rows = rows.ok_or_else(|| polars_err!(ComputeError: "program.months is at least 1"))?;
    rows.lazy()
        .select([
            col("month"),
            col("contacts"),
            col("mean_score"),
            col("champion"),
            col("advocate"),
            col("neutral"),
            col("at_risk"),
            col("fatigued"),
            col("accounts"),
            col("accounts_with_csqa"),
            super::exprs::ratio(col("accounts_with_csqa"), col("accounts")).alias("coverage"),
            col("active_csqas"),
        ])
        .collect()
}
