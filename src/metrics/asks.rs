//! `asks` (SPEC.md 8.1): how often advocates are asked, how often they say yes, how long it
//! takes, and how many asks went to people who were already over-asked.
//!
//! Over activities with `requested_on` in T12M, with statuses as of D (only completion is
//! dated: an activity completed after D is pending; a decline is taken from the snapshot):
//! one `all` row and one row per `activity_type`, with `asks`, `asked_contacts`, `completed`,
//! `declined`, `pending` (the rest), `acceptance_rate = completed / (completed + declined)`,
//! `median_days_to_complete` (`completed_on - requested_on` over the completed), `over_asks`
//! and `over_ask_share = over_asks / asks`.
//!
//! An ask is an over-ask when its contact already had at least `fatigue_max_asks` other asks
//! (any type, status and date) with `requested_on` in the last `fatigue_window_days` days as of
//! the day before it: `r - N <= x <= r - 1`, so asks on the same day never count.
//!
//! Sorted: the `all` row, then `asks` desc, then `activity_type`. After the spec's columns,
//! for the board's "against last year": `asks_prev_t12m` and `acceptance_rate_prev_t12m`, the
//! same numbers as a run as of D − 365 computes them.

use polars::prelude::*;

use super::exprs::{completed_by, days_between, order, ratio, within};
use crate::calendar::Calendar;
use crate::config::HealthSettings;
use crate::ingest::Tables;
use crate::vocab::Status;

/// The asks of T12M, one row each: `activity_id`, `contact_id`, `activity_type`,
/// `requested_on`, the status as of D (`completed`, `declined`), `days_to_complete`, and
/// `over_ask`.
pub fn asks_t12m(tables: &Tables, calendar: &Calendar, s: &HealthSettings) -> PolarsResult<LazyFrame> {
    let d = calendar.as_of;
    let window = i64::from(s.fatigue_window_days);
    let all_asks = tables
        .activities
        .clone()
        .lazy()
        .filter(col("requested_on").is_not_null())
        .select([col("contact_id"), col("requested_on").alias("earlier_on")]);
    let asks =
        tables.activities.clone().lazy().filter(within(col("requested_on"), calendar.t12m())).select([
            col("activity_id"),
            col("contact_id"),
            col("activity_type"),
            col("requested_on"),
            completed_by(d).alias("completed"),
            col("status").eq(Status::Declined.lit()).alias("declined"),
            when(completed_by(d))
                .then(days_between(col("completed_on"), col("requested_on")))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("days_to_complete"),
        ]);
    // The other asks of the same contact in [r - N, r - 1]: an ask is never in its own window.
    let before = days_between(col("requested_on"), col("earlier_on"));
    let prior = asks
        .clone()
        .select([col("activity_id"), col("contact_id"), col("requested_on")])
        .join(all_asks, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Inner))
        .filter(before.clone().gt_eq(lit(1i64)).and(before.lt_eq(lit(window))))
        .group_by([col("activity_id")])
        .agg([len().cast(DataType::Int64).alias("prior")]);
    Ok(asks
        .join(prior, [col("activity_id")], [col("activity_id")], JoinArgs::new(JoinType::Left))
        .with_column(
            col("prior").fill_null(lit(0i64)).gt_eq(lit(i64::from(s.fatigue_max_asks))).alias("over_ask"),
        ))
}

/// The aggregates of one group of asks.
fn measures() -> Vec<Expr> {
    let count = |flag: &str| col(flag).cast(DataType::Int64).sum();
    vec![
        len().cast(DataType::Int64).alias("asks"),
        col("contact_id").n_unique().cast(DataType::Int64).alias("asked_contacts"),
        count("completed").alias("completed"),
        count("declined").alias("declined"),
        col("days_to_complete").cast(DataType::Float64).median().alias("median_days_to_complete"),
        count("over_ask").alias("over_asks"),
    ]
}

/// The columns of the table, from the aggregates.
fn finish() -> Vec<Expr> {
    vec![
        col("scope"),
        col("activity_type"),
        col("asks"),
        col("asked_contacts"),
        col("completed"),
        col("declined"),
        (col("asks") - col("completed") - col("declined")).alias("pending"),
        ratio(col("completed"), col("completed") + col("declined")).alias("acceptance_rate"),
        col("median_days_to_complete"),
        col("over_asks"),
        ratio(col("over_asks"), col("asks")).alias("over_ask_share"),
    ]
}

/// The `asks` table from this run's asks (`asks_t12m` collected, shared with [`by_csm`]).
pub fn asks(
    tables: &Tables,
    calendar: &Calendar,
    s: &HealthSettings,
    asks_now: &DataFrame,
) -> PolarsResult<DataFrame> {
    let mut now = asks_of(asks_now.clone())?;
    let year_ago = Calendar::new(calendar.as_of - chrono::Days::new(365));
    let year_ago = asks_of(asks_t12m(tables, &year_ago, s)?.collect()?)?;
    let key = |df: &DataFrame| -> PolarsResult<Vec<Option<String>>> {
        Ok(df.column("activity_type")?.str()?.iter().map(|v| v.map(str::to_string)).collect())
    };
    let (keys_now, keys_then) = (key(&now)?, key(&year_ago)?);
    let then_asks = year_ago.column("asks")?.i64()?.clone();
    let then_rate = year_ago.column("acceptance_rate")?.f64()?.clone();
    let row_then = |k: &Option<String>| keys_then.iter().position(|t| t == k);
    let prev_asks: Vec<i64> =
        keys_now.iter().map(|k| row_then(k).and_then(|i| then_asks.get(i)).unwrap_or(0)).collect();
    let prev_rate: Vec<Option<f64>> =
        keys_now.iter().map(|k| row_then(k).and_then(|i| then_rate.get(i))).collect();
    now.with_column(Column::new("asks_prev_t12m".into(), prev_asks))?;
    now.with_column(Column::new("acceptance_rate_prev_t12m".into(), prev_rate))?;
    Ok(now)
}

/// The spec's columns of `asks` from the asks of one T12M ([`asks_t12m`]).
fn asks_of(asks: DataFrame) -> PolarsResult<DataFrame> {
    let all = asks
        .clone()
        .lazy()
        .select(measures())
        .with_columns([lit("all").alias("scope"), lit(NULL).cast(DataType::String).alias("activity_type")])
        .select(finish());
    let by_type = asks
        .lazy()
        .group_by([col("activity_type")])
        .agg(measures())
        .with_column(lit("type").alias("scope"))
        .select(finish())
        .sort(["asks", "activity_type"], order(&[true, false]));
    concat([all, by_type], UnionArgs::default())?.collect()
}

/// `asks_t12m` and `acceptance_rate_t12m` per CSM: the asks of contacts whose account's
/// current `csm_id` is the CSM, whatever the account's status on D.
pub fn by_csm(tables: &Tables, asks_now: &DataFrame) -> LazyFrame {
    let owners = tables.contacts.clone().lazy().select([col("contact_id"), col("account_id")]).join(
        tables.accounts.clone().lazy().select([col("account_id"), col("csm_id")]),
        [col("account_id")],
        [col("account_id")],
        JoinArgs::new(JoinType::Inner),
    );
    let count = |flag: &str| col(flag).cast(DataType::Int64).sum();
    asks_now
        .clone()
        .lazy()
        .join(owners, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Inner))
        .filter(col("csm_id").is_not_null())
        .group_by([col("csm_id")])
        .agg([
            len().cast(DataType::Int64).alias("asks_t12m"),
            ratio(count("completed"), count("completed") + count("declined")).alias("acceptance_rate_t12m"),
        ])
}
