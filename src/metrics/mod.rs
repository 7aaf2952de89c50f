//! The metrics of SPEC.md section 3, one module per family. Each takes plain accepted tables
//! and settings and returns output tables; none of them touches a file.

pub mod candidates;
pub mod csqa;
pub mod exact;
pub mod frames;
pub mod health;
pub mod influence;
pub mod program;
pub mod quality;
pub mod referral;
pub mod scorecard;
pub mod second_order;
pub mod usage;

use polars::prelude::*;

use crate::calendar::{Calendar, Window};
use crate::config::{Pipeline, Settings};
use crate::error::Result;
use crate::ingest::schema::TableId;
use crate::ingest::{TableQuality, Tables};
use quality::Finding;

/// The metric tables of one run, plus what the data-quality tables and `run.json` need.
pub struct Computed {
    /// Output tables in the spec's order.
    pub tables: Vec<(String, DataFrame)>,
    pub findings: Vec<Finding>,
    /// Parts that could not be computed and why.
    pub notes: Vec<String>,
}

impl Computed {
    pub fn table(&self, name: &str) -> Option<&DataFrame> {
        self.tables.iter().find(|(n, _)| n == name).map(|(_, df)| df)
    }
}

/// The usage windows the metrics read: the health usage window as of D and as of D_prev, and
/// the candidates' tenure usage window as of D.
fn usage_windows(calendar: &Calendar, settings: &Settings) -> [Window; 3] {
    [
        calendar.last_days(settings.health.usage_window_days),
        Window::last_days(calendar.prev_as_of(), settings.health.usage_window_days),
        calendar.last_days(settings.candidates.tenure_usage_window_days),
    ]
}

/// The days of usage any metric reads (all of [`usage_windows`]): ingestion keeps only these.
pub fn usage_window(calendar: &Calendar, settings: &Settings) -> Window {
    let start = usage_windows(calendar, settings).iter().map(|w| w.start).min().unwrap_or(calendar.as_of);
    Window { start, end: calendar.as_of }
}

/// Computes every metric table; `progress` is told each family as it starts.
pub fn compute(
    tables: &Tables,
    calendar: &Calendar,
    pipeline: &Pipeline,
    progress: &dyn Fn(&str),
) -> Result<Computed> {
    let s = &pipeline.settings;
    progress("metrics: health scores");
    let minutes = usage::Minutes::new(tables.usage.as_ref(), &usage_windows(calendar, s))?;
    let contact_health = health::contact_health(tables, calendar, &s.health, minutes.as_ref())?;
    progress("metrics: CSQAs");
    let csqa = csqa::csqa(tables, calendar, &s.csqa)?;
    progress("metrics: influenced revenue");
    let influence = influence::analyse(tables, calendar, s)?;
    let influenced_by_csm = influence::by_csm(&influence, tables, calendar)?;
    let influence_tables = [
        ("influenced_opportunities", influence::influenced_opportunities(&influence, calendar)?),
        ("influence_summary", influence::influence_summary(&influence, calendar)?),
        ("influence_by_activity_type", influence::by_activity_type(&influence, calendar)?),
    ];
    progress("metrics: CSM scorecard");
    let scorecard = scorecard::csm_scorecard(tables, calendar, &csqa, &contact_health, &influenced_by_csm)?;
    progress("metrics: referrals");
    let referral_tables = [
        ("referral_funnel", referral::referral_funnel(tables, calendar, &s.referral)?),
        ("referral_retention", referral::referral_retention(tables, calendar, &s.referral)?),
        ("referrers", referral::referrers(tables, calendar)?),
    ];
    progress("metrics: second-order customers");
    let second_order = second_order::second_order(tables, calendar, &s.second_order, &csqa)?;
    let second_order_summary =
        second_order::second_order_summary(tables, calendar, &s.second_order, &second_order)?;
    progress("metrics: candidates and program reach");
    let candidates = candidates::advocate_candidates(
        tables,
        calendar,
        &s.candidates,
        &contact_health,
        &csqa,
        minutes.as_ref(),
    )?;
    let program = program::program_monthly(tables, calendar, s.program.months, &csqa, &influence)?;

    let mut tables_out =
        vec![("contact_health", contact_health), ("csqa", csqa), ("csm_scorecard", scorecard)];
    tables_out.extend(influence_tables);
    tables_out.extend(referral_tables);
    tables_out.extend([
        ("second_order", second_order),
        ("second_order_summary", second_order_summary),
        ("advocate_candidates", candidates),
        ("program_monthly", program),
    ]);
    let findings = vec![Finding {
        table: TableId::AdvocacyActivities,
        reason: "touch_outside_deal",
        rows: influence.outside_deal,
    }];
    Ok(Computed {
        tables: tables_out.into_iter().map(|(n, df)| (n.to_string(), df)).collect(),
        findings,
        notes: unavailable(tables),
    })
}

/// What an optional input that is not configured takes away: never a silent zero.
fn unavailable(tables: &Tables) -> Vec<String> {
    let mut notes = Vec::new();
    if tables.nps.is_none() {
        notes.push(
            "nps_responses is not configured: nps_component is null (health weights renormalised over the \
             other components), CSQAs need no NPS check, no promoter trigger, program NPS is null"
                .to_string(),
        );
    }
    if tables.usage.is_none() {
        notes.push(
            "usage is not configured: usage_component is null (health weights renormalised over the other \
             components) and the six_months candidate trigger never fires"
                .to_string(),
        );
    }
    if tables.webinars.is_none() {
        notes.push(
            "webinar_attendance is not configured: engagement_component is null (health weights renormalised \
             over the other components), no webinars trigger, program webinar columns are null"
                .to_string(),
        );
    }
    if tables.job_changes.is_none() {
        notes.push("job_changes is not configured: second_order has no rows".to_string());
    }
    notes
}

/// `data_quality` and `data_quality_reasons`.
pub fn quality_tables(quality: &[TableQuality], findings: &[Finding]) -> Result<Vec<(String, DataFrame)>> {
    Ok(vec![
        ("data_quality".to_string(), quality::data_quality(quality)?),
        ("data_quality_reasons".to_string(), quality::data_quality_reasons(quality, findings)?),
    ])
}
