//! Typed views of the output tables, as the reports read them. Reports show nothing that is not
//! in these tables (plus the run's provenance), so every number in a report can be found in a
//! `data/` file.
//!
//! Each row type names its table once (`impl Rows`) and its fields are the table's column names;
//! [`super::rows`] decodes them. The few fields that are not columns are marked
//! `skip_deserializing` and derived below from the columns read.

use serde::{Deserialize, Deserializer, Serialize};

use super::rows::{rows, Rows};
use crate::error::{Error, Result};
use crate::metrics::{Computed, OutputTable};
use crate::vocab::{Component, Tier};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Month {
    pub month: String,
    pub webinar_registrations: Option<f64>,
    pub webinar_attendances: Option<f64>,
    pub attendance_rate: Option<f64>,
    pub accounts_reached: Option<f64>,
    pub nps_responses: Option<f64>,
    pub nps: Option<f64>,
    pub new_csqas: i64,
    pub active_csqas: i64,
    pub influenced_amount: f64,
    pub referral_amount: f64,
}

/// One row of `health_monthly`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HealthMonth {
    pub month: String,
    pub contacts: i64,
    pub mean_score: Option<f64>,
    pub champion: i64,
    pub advocate: i64,
    pub neutral: i64,
    pub at_risk: i64,
    pub accounts: i64,
    pub coverage: Option<f64>,
    pub active_csqas: i64,
}

/// One row of `history_monthly`: a month as it was published (nulls where the snapshot
/// lacked the number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub as_of: String,
    pub contacts: Option<i64>,
    pub champion: Option<i64>,
    pub advocate: Option<i64>,
    pub neutral: Option<i64>,
    pub at_risk: Option<i64>,
    pub coverage: Option<f64>,
    pub active_csqas: Option<i64>,
    pub influenced_won_amount: Option<f64>,
    pub sourced_amount: Option<f64>,
}

/// One row of `restatements`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Restatement {
    pub as_of: String,
    pub metric: String,
    pub published: Option<f64>,
    pub current: Option<f64>,
    pub change: Option<f64>,
}

/// A month of the board's trend charts: this run's numbers for the months it computes, the
/// published history before them.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// `YYYY-MM`.
    pub month: String,
    pub active_csqas: Option<i64>,
    /// Contacts per tier, in tier order (champion first); `None` where history lacks them.
    pub tiers: Option<[i64; 4]>,
    pub coverage: Option<f64>,
    pub influenced_amount: Option<f64>,
    pub referral_amount: Option<f64>,
    /// From a history snapshot (as published), not computed by this run.
    pub published: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub window: String,
    pub start_date: String,
    pub end_date: String,
    pub won: i64,
    pub won_amount: f64,
    pub lost: i64,
    pub influenced_won: i64,
    pub influenced_won_amount: f64,
    pub influenced_share: Option<f64>,
    pub sourced_amount: f64,
    pub win_rate_influenced: Option<f64>,
    pub win_rate_other: Option<f64>,
    pub median_cycle_days_influenced: Option<f64>,
    pub median_cycle_days_other: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Funnel {
    pub source: String,
    pub created: i64,
    pub won: i64,
    pub lost: i64,
    pub open: i64,
    pub win_rate: Option<f64>,
    pub win_rate_ci_low: Option<f64>,
    pub win_rate_ci_high: Option<f64>,
    pub conversion: Option<f64>,
    pub median_cycle_days: Option<f64>,
    pub mean_won_amount: Option<f64>,
    pub conversion_lift: Option<f64>,
    pub win_rate_lift: Option<f64>,
    pub cycle_reduction: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Retention {
    pub source: String,
    pub cohort_size: i64,
    pub retained: i64,
    pub retention_rate: Option<f64>,
    pub retention_lift: Option<f64>,
    pub churn_reduction: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Referrer {
    pub contact_id: String,
    pub full_name: String,
    pub account_name: String,
    pub csm_id: String,
    pub referrals: i64,
    pub won: i64,
    pub won_amount: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Move {
    pub contact_id: String,
    pub full_name: String,
    pub old_account_name: String,
    pub new_account_name: String,
    pub moved_on: String,
    pub old_account_id: String,
    pub new_account_id: String,
    pub new_account_already_customer: bool,
    pub repurchased: Option<bool>,
    pub repurchase_amount: Option<f64>,
    pub referrals: i64,
    pub referral_amount: f64,
    pub sales_action: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecondOrder {
    pub champions_moved: i64,
    pub moved_to_customers: i64,
    pub eligible: i64,
    pub repurchased: i64,
    pub repurchase_rate: Option<f64>,
    pub repurchase_amount: f64,
    pub referrals: i64,
    pub referrals_won: i64,
    pub referral_amount: f64,
    pub referral_conversion: Option<f64>,
    pub second_order_revenue: f64,
    pub annual_logo_churn: Option<f64>,
    pub expected_lifetime_years: Option<f64>,
    pub second_order_value: Option<f64>,
    pub sales_actions: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CsmRow {
    pub csm_id: String,
    pub csm_name: String,
    pub team: String,
    pub accounts: i64,
    pub arr: f64,
    pub contacts: i64,
    pub new_csqas: i64,
    pub new_csqas_prev: i64,
    pub new_csqas_t12m: i64,
    pub active_csqas: i64,
    pub coverage: Option<f64>,
    pub csqas_per_10_accounts: Option<f64>,
    pub median_days_to_csqa: Option<f64>,
    pub mean_health: Option<f64>,
    pub influenced_amount_t12m: f64,
    /// Null for a CSM with fewer than `csqa.min_accounts_for_rank` accounts.
    pub rank: Option<i64>,
    pub asks_t12m: i64,
    pub acceptance_rate_t12m: Option<f64>,
    /// New CSQAs in T12M per 10 accounts: the creation rate, normalised like the active stock.
    pub new_csqas_t12m_per_10_accounts: Option<f64>,
    pub rank_in_team: Option<i64>,
    /// The CSM's accounts with a single active CSQA, by ARR (from `account_coverage`).
    #[serde(skip_deserializing)]
    pub single_threaded: Vec<CoverageRow>,
}

/// One row of `reference_matches`, with the names the report shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReferenceMatch {
    pub opportunity_id: String,
    pub account_id: String,
    pub account_name: String,
    pub amount: f64,
    pub rank: i64,
    pub contact_id: String,
    pub full_name: String,
    pub reference_account_id: String,
    pub reference_account_name: String,
    pub match_points: i64,
    /// `industry;segment` read as `["industry", "segment"]`.
    #[serde(deserialize_with = "trigger_list")]
    pub matched: Vec<String>,
    pub score: Option<f64>,
    pub tier: String,
    pub last_asked_on: Option<String>,
}

/// One row of `asks`, with last year's numbers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AskRow {
    pub scope: String,
    pub activity_type: Option<String>,
    pub asks: i64,
    pub asked_contacts: i64,
    pub completed: i64,
    pub declined: i64,
    pub pending: i64,
    pub acceptance_rate: Option<f64>,
    pub median_days_to_complete: Option<f64>,
    pub over_asks: i64,
    pub over_ask_share: Option<f64>,
    pub asks_prev_t12m: i64,
    pub acceptance_rate_prev_t12m: Option<f64>,
}

/// One row of `advocate_retention`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cohort {
    pub cohort: String,
    pub accounts: i64,
    pub retained: i64,
    pub retention_rate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub expansion_amount: f64,
    pub expansion_per_account: Option<f64>,
    pub retention_lift: Option<f64>,
    pub churn_reduction: Option<f64>,
}

/// The one row of `influenced_pipeline`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pipeline {
    pub open_deals: i64,
    pub open_amount: f64,
    pub touched: i64,
    pub touched_amount: f64,
    pub referral: i64,
    pub referral_amount: f64,
    pub influenced: i64,
    pub influenced_amount: f64,
    pub influenced_share: Option<f64>,
}

/// One row of `influence_by_activity_type`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attribution {
    pub activity_type: String,
    pub touches: i64,
    pub opportunities: i64,
    pub even_split_amount: f64,
    pub first_touch_amount: f64,
    pub last_touch_amount: f64,
    pub u_shaped_amount: f64,
    pub time_decay_amount: f64,
}

/// ARR and account counts by coverage risk, from `account_coverage`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageTotals {
    pub accounts: i64,
    pub arr: f64,
    pub no_advocate: i64,
    pub no_advocate_arr: f64,
    pub single_threaded: i64,
    pub single_threaded_arr: f64,
    pub champion_left: i64,
    pub champion_left_arr: f64,
}

/// A deal and its suggested references, for the references report.
#[derive(Debug, Clone, Serialize)]
pub struct DealReferences {
    pub opportunity_id: String,
    pub account_name: String,
    pub amount: f64,
    pub references: Vec<ReferenceMatch>,
}

/// One row of `backtest_snapshots`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestSnapshot {
    pub outcome: String,
    pub snapshot: String,
    pub units: i64,
    pub positives: i64,
    pub rate: Option<f64>,
    pub auc: Option<f64>,
}

/// One row of `backtest_models`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestModel {
    pub outcome: String,
    pub model: String,
    pub units: i64,
    pub positives: i64,
    pub auc: Option<f64>,
    pub auc_train: Option<f64>,
    pub auc_test: Option<f64>,
    pub w_nps: Option<f64>,
    pub w_usage: Option<f64>,
    pub w_engagement: Option<f64>,
    pub w_advocacy: Option<f64>,
}

/// One row of `backtest_tiers`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestTier {
    pub outcome: String,
    pub tier: String,
    pub units: i64,
    pub positives: i64,
    pub rate: Option<f64>,
    pub lift: Option<f64>,
}

/// One row of `account_coverage`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CoverageRow {
    pub account_id: String,
    pub account_name: String,
    pub csm_id: Option<String>,
    pub arr: f64,
    pub contacts: i64,
    pub active_csqas: i64,
    pub champions: i64,
    pub departed_csqas: i64,
    pub risk: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    pub contact_id: String,
    pub full_name: String,
    pub account_name: String,
    pub csm_id: Option<String>,
    pub score: Option<f64>,
    pub tier: String,
    pub fatigued: bool,
    pub score_prev: Option<f64>,
    pub score_delta: Option<f64>,
    pub tier_prev: Option<String>,
    #[serde(skip_serializing)]
    pub nps_delta_points: Option<f64>,
    #[serde(skip_serializing)]
    pub usage_delta_points: Option<f64>,
    #[serde(skip_serializing)]
    pub engagement_delta_points: Option<f64>,
    #[serde(skip_serializing)]
    pub advocacy_delta_points: Option<f64>,
    /// Points each component added to the score's move, largest first.
    #[serde(skip_deserializing)]
    pub movers: Vec<Contribution>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contribution {
    pub component: String,
    pub points: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Candidate {
    pub contact_id: String,
    pub full_name: String,
    pub account_name: String,
    pub csm_id: Option<String>,
    pub score: Option<f64>,
    pub tier: String,
    /// `promoter;webinars` read as `["promoter", "webinars"]` (underscores as spaces).
    #[serde(deserialize_with = "trigger_list")]
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Quality {
    pub table: String,
    pub file: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    /// `reason (rows)` for every reason of this table.
    #[serde(skip_deserializing)]
    pub reasons: Vec<String>,
}

impl Rows for Month {
    const TABLE: OutputTable = OutputTable::ProgramMonthly;
}
impl Rows for ReferenceMatch {
    const TABLE: OutputTable = OutputTable::ReferenceMatches;
}
impl Rows for AskRow {
    const TABLE: OutputTable = OutputTable::Asks;
}
impl Rows for Cohort {
    const TABLE: OutputTable = OutputTable::AdvocateRetention;
}
impl Rows for Pipeline {
    const TABLE: OutputTable = OutputTable::InfluencedPipeline;
}
impl Rows for Attribution {
    const TABLE: OutputTable = OutputTable::InfluenceByActivityType;
}
impl Rows for BacktestSnapshot {
    const TABLE: OutputTable = OutputTable::BacktestSnapshots;
}
impl Rows for BacktestModel {
    const TABLE: OutputTable = OutputTable::BacktestModels;
}
impl Rows for BacktestTier {
    const TABLE: OutputTable = OutputTable::BacktestTiers;
}
impl Rows for CoverageRow {
    const TABLE: OutputTable = OutputTable::AccountCoverage;
}
impl Rows for HealthMonth {
    const TABLE: OutputTable = OutputTable::HealthMonthly;
}
impl Rows for Published {
    const TABLE: OutputTable = OutputTable::HistoryMonthly;
}
impl Rows for Restatement {
    const TABLE: OutputTable = OutputTable::Restatements;
}
impl Rows for Summary {
    const TABLE: OutputTable = OutputTable::InfluenceSummary;
}
impl Rows for Funnel {
    const TABLE: OutputTable = OutputTable::ReferralFunnel;
}
impl Rows for Retention {
    const TABLE: OutputTable = OutputTable::ReferralRetention;
}
impl Rows for Referrer {
    const TABLE: OutputTable = OutputTable::Referrers;
}
impl Rows for Move {
    const TABLE: OutputTable = OutputTable::SecondOrder;
}
impl Rows for SecondOrder {
    const TABLE: OutputTable = OutputTable::SecondOrderSummary;
}
impl Rows for CsmRow {
    const TABLE: OutputTable = OutputTable::CsmScorecard;
}
impl Rows for Person {
    const TABLE: OutputTable = OutputTable::ContactHealth;
}
impl Rows for Candidate {
    const TABLE: OutputTable = OutputTable::AdvocateCandidates;
}
impl Rows for Quality {
    const TABLE: OutputTable = OutputTable::DataQuality;
}

/// One row of `data_quality_reasons`.
#[derive(Debug, Clone, Deserialize)]
pub struct Reason {
    pub table: String,
    pub reason: String,
    pub rows: i64,
}

impl Rows for Reason {
    const TABLE: OutputTable = OutputTable::DataQualityReasons;
}

fn trigger_list<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    let text = Option::<String>::deserialize(d)?.unwrap_or_default();
    Ok(text.split(';').filter(|s| !s.is_empty()).map(|s| s.replace('_', " ")).collect())
}

/// Everything the reports read, from the output tables.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub months: Vec<Month>,
    pub summary: Vec<Summary>,
    pub funnel: Vec<Funnel>,
    pub retention: Vec<Retention>,
    pub referrers: Vec<Referrer>,
    pub moves: Vec<Move>,
    pub second_order: SecondOrder,
    pub scorecard: Vec<CsmRow>,
    pub people: Vec<Person>,
    pub candidates: Vec<Candidate>,
    pub quality: Vec<Quality>,
    /// `(tier, contacts)` on D and on D_prev, in tier order.
    pub tiers: Vec<(String, i64, i64)>,
    pub health_months: Vec<HealthMonth>,
    /// `history_monthly`, when the pipeline keeps history.
    pub history: Option<Vec<Published>>,
    pub restatements: Vec<Restatement>,
    /// The trend charts' months, oldest first (see [`Trend`]).
    pub trends: Vec<Trend>,
    pub asks: Vec<AskRow>,
    pub cohorts: Vec<Cohort>,
    pub pipeline: Option<Pipeline>,
    pub attribution: Vec<Attribution>,
    pub coverage: CoverageTotals,
    /// Open deals with their suggested references, in deal order.
    pub deals: Vec<DealReferences>,
    pub backtest_snapshots: Vec<BacktestSnapshot>,
    pub backtest_models: Vec<BacktestModel>,
    pub backtest_tiers: Vec<BacktestTier>,
}

impl ReportData {
    pub fn read(computed: &Computed) -> Result<ReportData> {
        let people = people(computed)?;
        let months: Vec<Month> = rows(computed)?;
        let health_months: Vec<HealthMonth> = rows(computed)?;
        let history: Option<Vec<Published>> =
            computed.table(OutputTable::HistoryMonthly).is_some().then(|| rows(computed)).transpose()?;
        let restatements: Vec<Restatement> =
            if computed.table(OutputTable::Restatements).is_some() { rows(computed)? } else { Vec::new() };
        let coverage: Vec<CoverageRow> = rows(computed)?;
        Ok(ReportData {
            backtest_snapshots: rows(computed)?,
            backtest_models: rows(computed)?,
            backtest_tiers: rows(computed)?,
            asks: rows(computed)?,
            cohorts: rows(computed)?,
            pipeline: rows(computed)?.into_iter().next(),
            attribution: rows(computed)?,
            coverage: coverage_totals(&coverage),
            deals: deals(rows(computed)?),
            trends: trends(&months, &health_months, history.as_deref()),
            health_months,
            history,
            restatements,
            tiers: tiers(&people),
            people,
            months,
            summary: rows(computed)?,
            funnel: rows(computed)?,
            retention: rows(computed)?,
            referrers: rows(computed)?,
            moves: rows(computed)?,
            second_order: rows(computed)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::internal("second_order_summary has no row"))?,
            scorecard: scorecard(computed)?,
            candidates: rows(computed)?,
            quality: quality(computed)?,
        })
    }

    pub fn window(&self, name: &str) -> Option<&Summary> {
        self.summary.iter().find(|s| s.window == name)
    }

    pub fn funnel_row(&self, source: &str) -> Option<&Funnel> {
        self.funnel.iter().find(|f| f.source == source)
    }

    pub fn retention_row(&self, source: &str) -> Option<&Retention> {
        self.retention.iter().find(|f| f.source == source)
    }
}

fn scorecard(c: &Computed) -> Result<Vec<CsmRow>> {
    let mut csms: Vec<CsmRow> = rows(c)?;
    let coverage: Vec<CoverageRow> = rows(c)?;
    for csm in &mut csms {
        // account_coverage is sorted by arr desc, so each CSM's list is too.
        csm.single_threaded = coverage
            .iter()
            .filter(|a| a.csm_id.as_deref() == Some(csm.csm_id.as_str()) && a.active_csqas == 1)
            .cloned()
            .collect();
    }
    Ok(csms)
}

/// How each component is called in a sentence.
fn component_label(component: Component) -> &'static str {
    match component {
        Component::Nps => "NPS",
        Component::Usage => "usage",
        Component::Engagement => "webinars",
        Component::Advocacy => "advocacy",
    }
}

fn people(c: &Computed) -> Result<Vec<Person>> {
    let mut people: Vec<Person> = rows(c)?;
    for person in &mut people {
        let deltas = [
            (Component::Nps, person.nps_delta_points),
            (Component::Usage, person.usage_delta_points),
            (Component::Engagement, person.engagement_delta_points),
            (Component::Advocacy, person.advocacy_delta_points),
        ];
        let mut movers: Vec<Contribution> = deltas
            .into_iter()
            .filter_map(|(component, points)| {
                let points = points.filter(|p| p.abs() >= 0.05)?;
                Some(Contribution { component: component_label(component).to_string(), points })
            })
            .collect();
        movers.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()).then(a.component.cmp(&b.component)));
        person.movers = movers;
    }
    Ok(people)
}

fn quality(c: &Computed) -> Result<Vec<Quality>> {
    let reasons: Vec<Reason> = rows(c)?;
    let mut tables: Vec<Quality> = rows(c)?;
    for table in &mut tables {
        table.reasons = reasons
            .iter()
            .filter(|r| r.table == table.table)
            .map(|r| {
                format!(
                    "{} ({})",
                    r.reason.replace('_', " "),
                    crate::report::format::thousands(r.rows as f64)
                )
            })
            .collect();
    }
    Ok(tables)
}

/// The trend months: the published history (month-end snapshots) before the months this run
/// computes, then this run's `health_monthly` and `program_monthly` months. Where both exist
/// this run's numbers win: they include what was entered late, and the board's
/// "restated" box lists every month where they differ from what was published.
fn trends(months: &[Month], health: &[HealthMonth], history: Option<&[Published]>) -> Vec<Trend> {
    let first_computed = months.first().map(|m| m.month.clone()).unwrap_or_default();
    let mut trends: Vec<Trend> = history
        .unwrap_or_default()
        .iter()
        .filter(|p| p.as_of.get(..7).is_some_and(|m| m < first_computed.as_str()))
        .map(|p| Trend {
            month: p.as_of[..7].to_string(),
            active_csqas: p.active_csqas,
            tiers: match (p.champion, p.advocate, p.neutral, p.at_risk) {
                (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
                _ => None,
            },
            coverage: p.coverage,
            influenced_amount: p.influenced_won_amount,
            referral_amount: p.sourced_amount,
            published: true,
        })
        .collect();
    // Months the history has no snapshot for stay on the axis, empty.
    if let Some(first) = trends.first().map(|t| t.month.clone()) {
        let mut filled = Vec::new();
        let mut month = first;
        while month < first_computed {
            let found = trends.iter().find(|t| t.month == month).cloned();
            filled.push(found.unwrap_or(Trend {
                month: month.clone(),
                active_csqas: None,
                tiers: None,
                coverage: None,
                influenced_amount: None,
                referral_amount: None,
                published: true,
            }));
            month = next_month(&month);
        }
        trends = filled;
    }
    for m in months {
        let h = health.iter().find(|h| h.month == m.month);
        trends.push(Trend {
            month: m.month.clone(),
            active_csqas: Some(m.active_csqas),
            tiers: h.map(|h| [h.champion, h.advocate, h.neutral, h.at_risk]),
            coverage: h.and_then(|h| h.coverage),
            influenced_amount: Some(m.influenced_amount),
            referral_amount: Some(m.referral_amount),
            published: false,
        });
    }
    trends
}

fn coverage_totals(rows: &[CoverageRow]) -> CoverageTotals {
    let mut t = CoverageTotals::default();
    for row in rows {
        t.accounts += 1;
        t.arr += row.arr;
        let risks: Vec<&str> = row.risk.as_deref().unwrap_or("").split(';').collect();
        if risks.contains(&"no_advocate") {
            t.no_advocate += 1;
            t.no_advocate_arr += row.arr;
        }
        if risks.contains(&"single_threaded") {
            t.single_threaded += 1;
            t.single_threaded_arr += row.arr;
        }
        if risks.contains(&"champion_left") {
            t.champion_left += 1;
            t.champion_left_arr += row.arr;
        }
    }
    t
}

/// Reference rows grouped by deal, keeping the table's deal order.
fn deals(matches: Vec<ReferenceMatch>) -> Vec<DealReferences> {
    let mut deals: Vec<DealReferences> = Vec::new();
    for m in matches {
        match deals.last_mut() {
            Some(deal) if deal.opportunity_id == m.opportunity_id => deal.references.push(m),
            _ => deals.push(DealReferences {
                opportunity_id: m.opportunity_id.clone(),
                account_name: m.account_name.clone(),
                amount: m.amount,
                references: vec![m],
            }),
        }
    }
    deals
}

/// `2026-12` -> `2027-01`.
fn next_month(month: &str) -> String {
    let (year, m) = month.split_once('-').unwrap_or((month, "1"));
    let (year, m): (i32, u32) = (year.parse().unwrap_or(0), m.parse().unwrap_or(1));
    if m >= 12 {
        format!("{:04}-01", year + 1)
    } else {
        format!("{year:04}-{:02}", m + 1)
    }
}

/// `(tier, contacts on D, contacts on D_prev)`, counted from the people already read.
fn tiers(people: &[Person]) -> Vec<(String, i64, i64)> {
    Tier::ALL
        .iter()
        .map(|tier| {
            let now = people.iter().filter(|p| p.tier == tier.as_str()).count() as i64;
            let prev = people.iter().filter(|p| p.tier_prev.as_deref() == Some(tier.as_str())).count() as i64;
            (tier.to_string(), now, prev)
        })
        .collect()
}
