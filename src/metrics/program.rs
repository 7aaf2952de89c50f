//! `program_monthly`: program reach by calendar month (SPEC.md 3.7).
//!
//! Twelve months ending with the period's month (cut at D):
//! - by `held_on` month: `webinar_registrations` (person-webinar pairs registered),
//!   `webinar_attendances` (pairs attended; a walk-in counts here only, so the rate can
//!   exceed 1), `attendance_rate` = attendances / registrations, `accounts_reached` (distinct
//!   accounts of attendees, through the contact's account);
//! - by `responded_on` month: `nps_responses` and
//!   `nps = 100 * (promoters - detractors) / responses` (promoter 9-10, detractor 0-6);
//! - `new_csqas` (qualified in the month) and `active_csqas` (qualified by and active on the
//!   month's last day, or D);
//! - over in-scope deals won with `closed_on` in the month: `influenced_amount`,
//!   `referral_amount`, and (after the spec's columns) `won_amount`.

use polars::prelude::*;

use super::exprs::{contact_active_on, customer_on, date, month_key, month_key_of, ratio, within};
use super::influence::{self, Influence};
use crate::calendar::{Calendar, Window};
use crate::ingest::Tables;

pub fn program_monthly(
    tables: &Tables,
    calendar: &Calendar,
    months: u32,
    csqa: &DataFrame,
    influence: &Influence,
) -> PolarsResult<DataFrame> {
    let months = calendar.months(months);
    let span = Window { start: months[0].window.start, end: calendar.as_of };
    let key = || [col("month_key")];
    let left = || JoinArgs::new(JoinType::Left);

    // Active CSQAs on each month's last day: one pass, one expression per month.
    let people = csqa
        .clone()
        .lazy()
        .select([col("contact_id"), col("account_id"), col("qualified_on")])
        .join(
            tables.contacts.clone().lazy().select([col("contact_id"), col("created_on"), col("left_on")]),
            [col("contact_id")],
            [col("contact_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            tables.accounts.clone().lazy().select([
                col("account_id"),
                col("customer_since"),
                col("churned_on"),
            ]),
            [col("account_id")],
            [col("account_id")],
            JoinArgs::new(JoinType::Inner),
        );
    let active_counts = people
        .select(
            months
                .iter()
                .map(|m| {
                    let end = m.window.end;
                    col("qualified_on")
                        .lt_eq(date(end))
                        .and(contact_active_on(end))
                        .and(customer_on(end))
                        .cast(DataType::Int64)
                        .sum()
                        .alias(m.label.as_str())
                })
                .collect::<Vec<_>>(),
        )
        .collect()?;
    let active: Vec<i64> = months
        .iter()
        .map(|m| Ok(active_counts.column(m.label.as_str())?.i64()?.get(0).unwrap_or(0)))
        .collect::<PolarsResult<_>>()?;

    let mut frame = df! {
        "month" => months.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(),
        "month_key" => months.iter().map(|m| month_key_of(m.window.start)).collect::<Vec<_>>(),
        "active_csqas" => active,
    }?
    .lazy();

    let (registrations, attendances, reached) = match &tables.webinars {
        Some(webinars) => {
            let by_month = webinars
                .clone()
                .lazy()
                .filter(within(col("held_on"), span))
                .join(
                    tables.contacts.clone().lazy().select([col("contact_id"), col("account_id")]),
                    [col("contact_id")],
                    [col("contact_id")],
                    left(),
                )
                .group_by([month_key(col("held_on")).alias("month_key")])
                .agg([
                    col("registered").cast(DataType::Int64).sum().alias("registrations"),
                    col("attended").cast(DataType::Int64).sum().alias("attendances"),
                    col("account_id")
                        .filter(col("attended"))
                        .n_unique()
                        .cast(DataType::Int64)
                        .alias("reached"),
                ]);
            frame = frame.join(by_month, key(), key(), left());
            (count("registrations"), count("attendances"), count("reached"))
        }
        None => (null_int(), null_int(), null_int()),
    };
    let (responses, nps) = match &tables.nps {
        Some(nps) => {
            let by_month = nps
                .clone()
                .lazy()
                .filter(within(col("responded_on"), span))
                .group_by([month_key(col("responded_on")).alias("month_key")])
                .agg([
                    len().cast(DataType::Int64).alias("responses"),
                    (col("score").gt_eq(lit(9)).cast(DataType::Int64).sum()
                        - col("score").lt_eq(lit(6)).cast(DataType::Int64).sum())
                    .alias("net"),
                ]);
            frame = frame.join(by_month, key(), key(), left());
            (count("responses"), ratio(lit(100.0) * col("net"), count("responses")))
        }
        None => (null_int(), lit(NULL).cast(DataType::Float64)),
    };
    let new_csqas = csqa
        .clone()
        .lazy()
        .filter(within(col("qualified_on"), span))
        .group_by([month_key(col("qualified_on")).alias("month_key")])
        .agg([len().cast(DataType::Int64).alias("new_csqas")]);
    frame = frame.join(new_csqas, key(), key(), left()).join(
        influence::won_by_month(influence, span),
        key(),
        key(),
        left(),
    );

    frame
        .select([
            col("month"),
            registrations.clone().alias("webinar_registrations"),
            attendances.clone().alias("webinar_attendances"),
            ratio(attendances, registrations).alias("attendance_rate"),
            reached.alias("accounts_reached"),
            responses.alias("nps_responses"),
            nps.alias("nps"),
            count("new_csqas").alias("new_csqas"),
            col("active_csqas"),
            col("influenced_amount").fill_null(lit(0.0)),
            col("referral_amount").fill_null(lit(0.0)),
            // After the spec's columns: every in-scope deal won in the month, what the
            // influenced share is of (and what restatements compare `won_amount` with).
            col("won_amount").fill_null(lit(0.0)),
        ])
        .sort(["month"], SortMultipleOptions::default())
        .collect()
}

/// A per-month count: 0 for a month without rows.
fn count(name: &str) -> Expr {
    col(name).fill_null(lit(0i64))
}

/// A count that cannot be computed because its input is not configured.
fn null_int() -> Expr {
    lit(NULL).cast(DataType::Int64)
}
