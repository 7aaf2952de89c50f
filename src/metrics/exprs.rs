//! Expressions every metric family shares: date literals, windows, and the point-in-time
//! reading of today's snapshot as of an earlier date (SPEC.md section 1):
//! - an opportunity whose `closed_on` is after the as-of date is open on it;
//! - an activity completed after the as-of date is not completed on it;
//! - churn and departures after the as-of date have not happened.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::{epoch_days, Window};
use crate::vocab::{Stage, Status};

/// A date literal (polars `Date`).
pub fn date(d: NaiveDate) -> Expr {
    lit(epoch_days(d)).cast(DataType::Date)
}

/// `expr` within the inclusive window.
pub fn within(expr: Expr, window: Window) -> Expr {
    expr.clone().gt_eq(date(window.start)).and(expr.lt_eq(date(window.end)))
}

/// An account is an active customer on `d`: `customer_since <= d` and not churned by then.
pub fn customer_on(d: NaiveDate) -> Expr {
    col("customer_since").lt_eq(date(d)).and(col("churned_on").is_null().or(col("churned_on").gt(date(d))))
}

/// A contact is active on `d`: created by then (or of unknown creation) and not yet left.
pub fn contact_active_on(d: NaiveDate) -> Expr {
    let created = col("created_on").is_null().or(col("created_on").lt_eq(date(d)));
    created.and(col("left_on").is_null().or(col("left_on").gt(date(d))))
}

/// The stage of an opportunity as of `d`: won or lost only once closed by `d`.
pub fn stage_as_of(d: NaiveDate) -> Expr {
    let closed = col("stage").eq(Stage::Won.lit()).or(col("stage").eq(Stage::Lost.lit()));
    when(closed.and(col("closed_on").lt_eq(date(d)))).then(col("stage")).otherwise(Stage::Open.lit())
}

/// Completed by `d`.
pub fn completed_by(d: NaiveDate) -> Expr {
    col("status").eq(Status::Completed.lit()).and(col("completed_on").lt_eq(date(d)))
}

/// `numerator / denominator`, null when the denominator is 0 (never NaN or infinity).
pub fn ratio(numerator: Expr, denominator: Expr) -> Expr {
    when(denominator.clone().eq(lit(0)))
        .then(lit(NULL).cast(DataType::Float64))
        .otherwise(numerator.cast(DataType::Float64) / denominator.cast(DataType::Float64))
}

/// `expr / divisor`, divided exactly. Polars divides by a scalar by multiplying with its
/// reciprocal, which is one unit in the last place off for values such as 7 / 10; the spec's
/// numbers (an NPS of 7 is 0.7) are true quotients.
pub fn divide_by(expr: Expr, divisor: f64) -> Expr {
    expr.cast(DataType::Float64).map(
        move |c| {
            let values = c.f64()?;
            Ok(values.apply_values(|v| v / divisor).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Float64)),
    )
}

/// A number rounded to 6 decimals, which is what thresholds are tested on, so that a score
/// that is 80 up to float error is 80.
pub fn for_threshold(expr: Expr) -> Expr {
    expr.round(6, RoundMode::HalfToEven)
}

/// Days between two date expressions (`later - earlier`) as a whole number.
pub fn days_between(later: Expr, earlier: Expr) -> Expr {
    later.cast(DataType::Int32).cast(DataType::Int64) - earlier.cast(DataType::Int32).cast(DataType::Int64)
}

/// A month key (`year * 12 + month - 1`) for grouping dates by calendar month.
pub fn month_key(expr: Expr) -> Expr {
    expr.clone().dt().year().cast(DataType::Int32) * lit(12) + expr.dt().month().cast(DataType::Int32)
        - lit(1)
}

pub fn month_key_of(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year() * 12 + d.month() as i32 - 1
}

/// The sort options for "descending, then ascending" style multi-key orders.
pub fn order(descending: &[bool]) -> SortMultipleOptions {
    SortMultipleOptions::default()
        .with_order_descending_multi(descending.to_vec())
        .with_nulls_last(true)
        .with_maintain_order(true)
}

/// Runs several plans as one query, so that polars shares their common inputs and runs them
/// side by side.
pub fn collect_all(plans: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    let Some(first) = plans.first() else { return Ok(Vec::new()) };
    let optimizations = first.get_current_optimizations();
    let plans = plans.into_iter().map(|plan| plan.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Auto, optimizations)
}
