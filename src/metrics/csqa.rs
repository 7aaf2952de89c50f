//! CS Qualified Advocates, `csqa` (SPEC.md 3.2).
//!
//! A contact qualifies on the earliest `completed_on` (<= D) among their completed activities
//! of a qualifying type such that, on that date, (a) the contact's account is an active
//! customer and (b) the contact's latest NPS response in the last 365 days as of that date
//! (same-day ties: the higher score), if any, is at least 7. The qualifying activity is the
//! one with the smallest `activity_id` on that date. The contact need not be active then.
//!
//! A CSQA is credited to the account's current CSM and is `active` on D when the contact is
//! active and the account an active customer on D.
//! `days_to_csqa = qualified_on - max(customer_since, created_on)`, the contact's
//! `created_on` only when known: how long this person took to become an advocate.

use polars::prelude::*;

use super::exprs::{completed_by, contact_active_on, customer_on, date, days_between, order};
use crate::calendar::Calendar;
use crate::config::CsqaSettings;
use crate::ingest::Tables;

/// The `csqa` table, sorted by `contact_id`.
pub fn csqa(tables: &Tables, calendar: &Calendar, s: &CsqaSettings) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let mut completed = tables.activities.clone().lazy().filter(completed_by(d));
    if !s.qualifying_types.is_empty() {
        let types = Series::new("types".into(), s.qualifying_types.clone());
        completed = completed.filter(col("activity_type").is_in(lit(types).implode(false), false));
    }
    let accounts = tables.accounts.clone().lazy().select([
        col("account_id"),
        col("csm_id"),
        col("customer_since"),
        col("churned_on"),
    ]);
    let contacts = tables.contacts.clone().lazy().select([
        col("contact_id"),
        col("account_id"),
        col("created_on"),
        col("left_on"),
    ]);
    // Activities done while the contact's account was a customer.
    let candidates = completed
        .select([col("activity_id"), col("contact_id"), col("activity_type"), col("completed_on")])
        .join(
            contacts.clone().select([col("contact_id"), col("account_id")]),
            [col("contact_id")],
            [col("contact_id")],
            inner(),
        )
        .join(accounts.clone(), [col("account_id")], [col("account_id")], inner())
        .filter(
            col("customer_since")
                .lt_eq(col("completed_on"))
                .and(col("churned_on").is_null().or(col("churned_on").gt(col("completed_on")))),
        );

    // The latest NPS score as of each candidate's date, if any.
    let candidates = match &tables.nps {
        Some(nps) => {
            let responses = nps.clone().lazy().select([col("contact_id"), col("responded_on"), col("score")]);
            let window = lit(i64::from(s.nps_window_days));
            let latest = candidates
                .clone()
                .select([col("activity_id"), col("contact_id"), col("completed_on")])
                .join(responses, [col("contact_id")], [col("contact_id")], inner())
                .filter(
                    col("responded_on")
                        .lt_eq(col("completed_on"))
                        .and(days_between(col("completed_on"), col("responded_on")).lt(window)),
                )
                .group_by([col("activity_id")])
                .agg([col("score")
                    .sort_by([col("responded_on"), col("score")], SortMultipleOptions::default())
                    .last()
                    .alias("latest_score")]);
            candidates
                .join(latest, [col("activity_id")], [col("activity_id")], JoinArgs::new(JoinType::Left))
                .filter(col("latest_score").is_null().or(col("latest_score").gt_eq(lit(s.min_nps))))
        }
        None => candidates,
    };

    let active = contact_active_on(d).and(customer_on(d));
    let start = when(col("created_on").is_not_null().and(col("created_on").gt(col("customer_since"))))
        .then(col("created_on"))
        .otherwise(col("customer_since"));
    candidates
        .sort(["contact_id", "completed_on", "activity_id"], order(&[false, false, false]))
        .unique_stable(Some(cols(["contact_id"])), UniqueKeepStrategy::First)
        .select([
            col("contact_id"),
            col("completed_on").alias("qualified_on"),
            col("activity_id"),
            col("activity_type"),
        ])
        .join(contacts, [col("contact_id")], [col("contact_id")], inner())
        .join(accounts, [col("account_id")], [col("account_id")], inner())
        .select([
            col("contact_id"),
            col("account_id"),
            col("csm_id"),
            col("qualified_on"),
            col("activity_id"),
            col("activity_type"),
            days_between(col("qualified_on"), start).alias("days_to_csqa"),
            active.alias("active"),
        ])
        .sort(["contact_id"], SortMultipleOptions::default())
        .collect()
}

/// CSQAs qualified by `d` and active on `d` (contact active, account an active customer).
pub fn active_on(csqa: &DataFrame, tables: &Tables, d: chrono::NaiveDate) -> LazyFrame {
    let accounts =
        tables.accounts.clone().lazy().select([col("account_id"), col("customer_since"), col("churned_on")]);
    let contacts =
        tables.contacts.clone().lazy().select([col("contact_id"), col("created_on"), col("left_on")]);
    csqa.clone()
        .lazy()
        .select([col("contact_id"), col("account_id"), col("csm_id"), col("qualified_on")])
        .filter(col("qualified_on").lt_eq(date(d)))
        .join(contacts, [col("contact_id")], [col("contact_id")], inner())
        .join(accounts, [col("account_id")], [col("account_id")], inner())
        .filter(contact_active_on(d).and(customer_on(d)))
}

fn inner() -> JoinArgs {
    JoinArgs::new(JoinType::Inner)
}
