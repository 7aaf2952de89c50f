//! The metrics of SPEC.md section 3, one module per family. Each takes plain accepted tables
//! and settings and returns output tables; none of them touches a file.

pub mod asks;
pub mod backtest;
pub mod candidates;
pub mod coverage;
pub mod csqa;
pub mod exprs;
pub mod health;
pub mod influence;
pub mod monthly;
pub mod program;
pub mod quality;
pub mod references;
pub mod referral;
pub mod retention;
pub mod scorecard;
pub mod second_order;
pub mod tables;
pub mod usage;

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::calendar::{Calendar, Window};
use crate::config::{Pipeline, Settings};
use crate::error::{Error, Result};
use crate::ingest::{TableQuality, Tables};
use crate::vocab::schema::TableId;
use quality::Finding;
pub use tables::OutputTable;

/// The metric tables of one run, plus what the data-quality tables and `run.json` need.
pub struct Computed {
    /// Output tables by registry entry; iterated in output order.
    pub tables: BTreeMap<OutputTable, DataFrame>,
    pub findings: Vec<Finding>,
    /// Parts that could not be computed and why.
    pub notes: Vec<String>,
    /// Each CSM's active CSQAs per month-end snapshot of the history (and D), read from the
    /// snapshots' `csm_scorecard` for the CSM report; empty without history.
    pub csm_history: Vec<(chrono::NaiveDate, Vec<(String, i64)>)>,
}

impl Computed {
    pub fn table(&self, table: OutputTable) -> Option<&DataFrame> {
        self.tables.get(&table)
    }

    /// A table the caller needs: its absence is a bug.
    pub fn get(&self, table: OutputTable) -> Result<&DataFrame> {
        self.table(table).ok_or_else(|| Error::internal(format!("the run computed no {table} table")))
    }

    /// Adds (or replaces) a table.
    pub fn insert(&mut self, table: OutputTable, df: DataFrame) {
        self.tables.insert(table, df);
    }

    /// The tables with their file names, in output order.
    pub fn into_named(self) -> Vec<(String, DataFrame)> {
        self.tables.into_iter().map(|(t, df)| (t.name().to_string(), df)).collect()
    }
}

/// The usage windows the metrics read: the health usage window as of D, as of D_prev and as
/// of every month-end of `health_monthly`, and the candidates' tenure usage window as of D.
/// Ingestion sums usage over exactly these windows (see `ingest::usage`).
pub fn usage_windows(calendar: &Calendar, settings: &Settings) -> Vec<Window> {
    let health = |d| Window::last_days(d, settings.health.usage_window_days);
    let mut windows = vec![
        health(calendar.as_of),
        health(calendar.prev_as_of()),
        calendar.last_days(settings.candidates.tenure_usage_window_days),
    ];
    windows.extend(monthly::month_ends(calendar, settings).into_iter().map(health));
    windows.extend(backtest::snapshot_dates(calendar, &settings.backtest).into_iter().map(health));
    let mut unique = Vec::with_capacity(windows.len());
    for w in windows {
        if !unique.contains(&w) {
            unique.push(w);
        }
    }
    unique
}

/// What the metrics of one date can reuse from those of another over the same inputs: health
/// scores by date, and the backtest's slices by snapshot date. A backfill computes each once.
#[derive(Default)]
pub struct Memo {
    pub scores: health::Scores,
    pub slices: backtest::Slices,
}

/// Computes every metric table; `progress` is told each family as it starts. `memo` holds
/// what runs as of several dates over the same inputs share.
pub fn compute(
    tables: &Tables,
    calendar: &Calendar,
    pipeline: &Pipeline,
    memo: &Memo,
    progress: &dyn Fn(&str),
) -> Result<Computed> {
    let s = &pipeline.settings;
    let scores = &memo.scores;
    progress("metrics: health scores");
    let minutes = usage::Minutes::new(tables.usage.as_ref(), &usage_windows(calendar, s))?;
    // Every date health is scored at, in one parallel batch: D (the last month-end of
    // health_monthly), D_prev and the other month-ends.
    let mut dates = monthly::month_ends(calendar, s);
    dates.push(calendar.prev_as_of());
    dates.extend(backtest::snapshot_dates(calendar, &s.backtest));
    scores.ensure(tables, &dates, &s.health, minutes.as_ref())?;
    let contact_health = health::contact_health(tables, calendar, &s.health, minutes.as_ref(), scores)?;
    progress("metrics: CSQAs");
    let csqa = csqa::csqa(tables, calendar, &s.csqa)?;
    progress("metrics: influenced revenue");
    let influence = influence::analyse(tables, calendar, s)?;
    let influenced_by_csm = influence::by_csm(&influence, tables, calendar)?;
    let influence_tables = [
        (OutputTable::InfluencedOpportunities, influence::influenced_opportunities(&influence, calendar)?),
        (OutputTable::InfluenceSummary, influence::influence_summary(&influence, calendar)?),
        (
            OutputTable::InfluenceByActivityType,
            influence::by_activity_type(&influence, calendar, s.influence.half_life_days)?,
        ),
        (OutputTable::InfluencedPipeline, influence::influenced_pipeline(&influence, calendar)?),
    ];
    progress("metrics: CSM scorecard");
    // The asks of T12M, read by the scorecard and by the asks table.
    let ask_rows = asks::asks_t12m(tables, calendar, &s.health)?.collect()?;
    let scorecard = scorecard::csm_scorecard(
        tables,
        calendar,
        &csqa,
        &contact_health,
        &influenced_by_csm,
        asks::by_csm(tables, &ask_rows),
        s.csqa.min_accounts_for_rank,
    )?;
    progress("metrics: referrals");
    let referral_tables = [
        (OutputTable::ReferralFunnel, referral::referral_funnel(tables, calendar, &s.referral)?),
        (OutputTable::ReferralRetention, referral::referral_retention(tables, calendar, &s.referral)?),
        (OutputTable::Referrers, referral::referrers(tables, calendar)?),
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
    progress("metrics: health by month and account coverage");
    let health_monthly = monthly::health_monthly(tables, calendar, s, minutes.as_ref(), scores, &csqa)?;
    let coverage = coverage::account_coverage(tables, calendar, &s.coverage, &contact_health, &csqa)?;
    progress("metrics: asks, references and retention");
    let asks = asks::asks(tables, calendar, &s.health, &ask_rows)?;
    let references =
        references::reference_matches(tables, calendar, &s.references, &influence, &contact_health)?;
    let retention = retention::advocate_retention(tables, calendar, &csqa)?;
    progress("metrics: backtest of the health score");
    let [backtest_snapshots, backtest_models, backtest_tiers] =
        backtest::backtest(tables, calendar, s, minutes.as_ref(), scores, &memo.slices)?;

    let mut out = BTreeMap::from([
        (OutputTable::ContactHealth, contact_health),
        (OutputTable::Csqa, csqa),
        (OutputTable::CsmScorecard, scorecard),
        (OutputTable::SecondOrder, second_order),
        (OutputTable::SecondOrderSummary, second_order_summary),
        (OutputTable::AdvocateCandidates, candidates),
        (OutputTable::ProgramMonthly, program),
        (OutputTable::HealthMonthly, health_monthly),
        (OutputTable::AccountCoverage, coverage),
        (OutputTable::Asks, asks),
        (OutputTable::ReferenceMatches, references),
        (OutputTable::AdvocateRetention, retention),
        (OutputTable::BacktestSnapshots, backtest_snapshots),
        (OutputTable::BacktestModels, backtest_models),
        (OutputTable::BacktestTiers, backtest_tiers),
    ]);
    out.extend(influence_tables);
    out.extend(referral_tables);
    let findings = vec![Finding {
        table: TableId::AdvocacyActivities,
        reason: "touch_outside_deal",
        rows: influence.outside_deal,
    }];
    Ok(Computed { tables: out, findings, notes: unavailable(tables), csm_history: Vec::new() })
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
pub fn quality_tables(
    quality: &[TableQuality],
    findings: &[Finding],
) -> Result<[(OutputTable, DataFrame); 2]> {
    Ok([
        (OutputTable::DataQuality, quality::data_quality(quality)?),
        (OutputTable::DataQualityReasons, quality::data_quality_reasons(quality, findings)?),
    ])
}
