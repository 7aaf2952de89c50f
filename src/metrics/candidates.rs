//! `advocate_candidates`: who to recruit next (SPEC.md 3.6).
//!
//! Contacts in `contact_health` with score >= 60, not `fatigued` and not an active CSQA, with at
//! least one trigger on D:
//! - `promoter`: an NPS score >= 9 in the last 90 days;
//! - `webinars`: >= 2 distinct webinars attended in the last 180 days;
//! - `six_months`: account tenure `D - customer_since` from 180 to 270 days inclusive and >= 30
//!   active minutes in the last 30 days (never true without a usage input);
//! - `renewed` / `expanded`: a won renewal / expansion on the account closed in the last 90
//!   days.
//!
//! `triggers` lists them in that order joined by `;`. Sorted by score desc, then contact_id.

use polars::prelude::*;

use super::exprs::{date, days_between, for_threshold, order, stage_as_of, within};
use super::health::webinars_attended;
use super::usage::Minutes;
use crate::calendar::Calendar;
use crate::config::CandidateSettings;
use crate::ingest::Tables;
use crate::vocab::Stage;

pub fn advocate_candidates(
    tables: &Tables,
    calendar: &Calendar,
    s: &CandidateSettings,
    health: &DataFrame,
    csqa: &DataFrame,
    minutes: Option<&Minutes>,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let key = || [col("contact_id")];
    let left = || JoinArgs::new(JoinType::Left);
    let flag = |name: &str| col(name).fill_null(lit(false));

    let active_csqas = csqa.clone().lazy().filter(col("active")).select([col("contact_id")]);
    let mut frame = health
        .clone()
        .lazy()
        .filter(for_threshold(col("score")).gt_eq(lit(s.min_score)).and(col("fatigued").not()))
        .join(active_csqas, key(), key(), JoinArgs::new(JoinType::Anti))
        // Only the columns the output carries: the joins below then add their trigger columns
        // (`promoter`, `webinars`, `minutes`, ...) to a known set, whatever health grows.
        .select([
            col("contact_id"),
            col("account_id"),
            col("csm_id"),
            col("score"),
            col("tier"),
            col("full_name"),
            col("account_name"),
        ]);

    let promoter = match &tables.nps {
        Some(nps) => {
            let promoters = nps
                .clone()
                .lazy()
                .filter(
                    within(col("responded_on"), calendar.last_days(s.promoter_window_days))
                        .and(col("score").gt_eq(lit(s.promoter_score))),
                )
                .select([col("contact_id")])
                .unique(None, UniqueKeepStrategy::Any)
                .with_column(lit(true).alias("promoter"));
            frame = frame.join(promoters, key(), key(), left());
            flag("promoter")
        }
        None => lit(false),
    };
    let webinars = match &tables.webinars {
        Some(webinars) => {
            let attended = webinars_attended(webinars, calendar.last_days(s.webinars_window_days));
            frame = frame.join(attended, key(), key(), left());
            col("webinars").fill_null(lit(0)).gt_eq(lit(s.webinars_min))
        }
        None => lit(false),
    };
    let tenure = days_between(date(d), col("customer_since"));
    let in_tenure = tenure
        .clone()
        .gt_eq(lit(i64::from(s.tenure_min_days)))
        .and(tenure.lt_eq(lit(i64::from(s.tenure_max_days))));
    let accounts = tables.accounts.clone().lazy().select([col("account_id"), col("customer_since")]);
    frame = frame.join(accounts, [col("account_id")], [col("account_id")], left());
    let six_months = match minutes {
        Some(minutes) => {
            frame = frame.join(
                minutes.over(calendar.last_days(s.tenure_usage_window_days)),
                key(),
                key(),
                left(),
            );
            in_tenure.and(for_threshold(col("minutes").fill_null(lit(0.0))).gt_eq(lit(s.tenure_min_minutes)))
        }
        None => lit(false),
    };
    let won_recently = |kind: &str, name: &str| {
        tables
            .opportunities
            .clone()
            .lazy()
            .filter(
                col("opportunity_type")
                    .eq(lit(kind))
                    .and(stage_as_of(d).eq(Stage::Won.lit()))
                    .and(within(col("closed_on"), calendar.last_days(s.deal_window_days))),
            )
            .select([col("account_id")])
            .unique(None, UniqueKeepStrategy::Any)
            .with_column(lit(true).alias(name))
    };
    frame = frame
        .join(won_recently("renewal", "renewed"), [col("account_id")], [col("account_id")], left())
        .join(won_recently("expansion", "expanded"), [col("account_id")], [col("account_id")], left());

    let named =
        |fired: Expr, name: &str| when(fired).then(lit(name)).otherwise(lit(NULL).cast(DataType::String));
    let triggers = concat_str(
        [
            named(promoter, "promoter"),
            named(webinars, "webinars"),
            named(six_months, "six_months"),
            named(flag("renewed"), "renewed"),
            named(flag("expanded"), "expanded"),
        ],
        ";",
        true,
    );
    frame
        .with_column(triggers.alias("triggers"))
        .filter(col("triggers").str().len_bytes().gt(lit(0)))
        .select([
            col("contact_id"),
            col("account_id"),
            col("csm_id"),
            col("score"),
            col("tier"),
            col("triggers"),
            col("full_name"),
            col("account_name"),
        ])
        .sort(["score", "contact_id"], order(&[true, false]))
        .collect()
}
