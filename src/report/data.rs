//! Typed views of the output tables, as the reports read them. Reports show nothing that is not
//! in these tables (plus the run's provenance), so every number in a report can be found in a
//! `data/` file.

use polars::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::metrics::Computed;

/// An output table as the reports read it: row by row, cells picked by column name.
struct Table<'a> {
    name: &'a str,
    df: &'a DataFrame,
}

/// A column cast once to the type the reports read it as.
enum Cells {
    Number(Float64Chunked),
    Count(Int64Chunked),
    Text(StringChunked),
    Flag(BooleanChunked),
}

/// One row of a [`Table`].
struct Row<'t> {
    table: &'t str,
    columns: &'t [(PlSmallStr, Cells)],
    i: usize,
}

impl<'a> Table<'a> {
    fn of(computed: &'a Computed, name: &'a str) -> Result<Table<'a>> {
        let df = computed.table(name).ok_or_else(|| Error::internal(format!("report needs table {name}")))?;
        Ok(Table { name, df })
    }

    /// One value a row, built by `read`.
    fn rows<T>(&self, read: impl Fn(&Row) -> Result<T>) -> Result<Vec<T>> {
        let columns = self
            .df
            .columns()
            .iter()
            .map(|column| Ok((column.name().clone(), Cells::of(column)?)))
            .collect::<Result<Vec<_>>>()?;
        (0..self.df.height()).map(|i| read(&Row { table: self.name, columns: &columns, i })).collect()
    }
}

impl Cells {
    fn of(column: &Column) -> Result<Cells> {
        let column = column.rechunk();
        Ok(match column.dtype() {
            DataType::Boolean => Cells::Flag(column.bool()?.clone()),
            DataType::Float32 | DataType::Float64 => {
                Cells::Number(column.cast(&DataType::Float64)?.f64()?.clone())
            }
            dtype if dtype.is_integer() => Cells::Count(column.cast(&DataType::Int64)?.i64()?.clone()),
            _ => Cells::Text(column.cast(&DataType::String)?.str()?.clone()),
        })
    }
}

impl Row<'_> {
    fn cells(&self, column: &str) -> Result<&Cells> {
        self.columns
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, cells)| cells)
            .ok_or_else(|| Error::internal(format!("{} has no column {column}", self.table)))
    }

    fn f64(&self, column: &str) -> Result<Option<f64>> {
        Ok(match self.cells(column)? {
            Cells::Number(values) => values.get(self.i),
            Cells::Count(values) => values.get(self.i).map(|v| v as f64),
            _ => return Err(self.mistyped(column, "a number")),
        })
    }

    /// A sum of money or a count: null reads as zero.
    fn amount(&self, column: &str) -> Result<f64> {
        Ok(self.f64(column)?.unwrap_or(0.0))
    }

    fn i64(&self, column: &str) -> Result<i64> {
        match self.cells(column)? {
            Cells::Count(values) => Ok(values.get(self.i).unwrap_or(0)),
            _ => Err(self.mistyped(column, "an integer")),
        }
    }

    fn maybe_text(&self, column: &str) -> Result<Option<String>> {
        match self.cells(column)? {
            Cells::Text(values) => Ok(values.get(self.i).map(str::to_string)),
            _ => Err(self.mistyped(column, "text")),
        }
    }

    /// Text, with null read as the empty string.
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.maybe_text(column)?.unwrap_or_default())
    }

    fn flag(&self, column: &str) -> Result<Option<bool>> {
        match self.cells(column)? {
            Cells::Flag(values) => Ok(values.get(self.i)),
            _ => Err(self.mistyped(column, "true/false")),
        }
    }

    fn mistyped(&self, column: &str, expected: &str) -> Error {
        Error::internal(format!("{}.{column} is not {expected}", self.table))
    }
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Retention {
    pub source: String,
    pub cohort_size: i64,
    pub retained: i64,
    pub retention_rate: Option<f64>,
    pub retention_lift: Option<f64>,
    pub churn_reduction: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Referrer {
    pub contact_id: String,
    pub full_name: String,
    pub account_name: String,
    pub csm_id: String,
    pub referrals: i64,
    pub won: i64,
    pub won_amount: f64,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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
    /// New CSQAs in T12M per 10 accounts: the creation rate, normalised like the active stock.
    pub new_per_10_accounts: Option<f64>,
    pub median_days_to_csqa: Option<f64>,
    pub mean_health: Option<f64>,
    pub influenced_amount_t12m: f64,
    pub rank: i64,
}

#[derive(Debug, Clone, Serialize)]
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
    /// Points each component added to the score's move, largest first.
    pub movers: Vec<Contribution>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    pub component: String,
    pub points: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub contact_id: String,
    pub full_name: String,
    pub account_name: String,
    pub csm_id: Option<String>,
    pub score: Option<f64>,
    pub tier: String,
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    pub table: String,
    pub file: String,
    pub rows_read: i64,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    /// `reason (rows)` for every reason of this table.
    pub reasons: Vec<String>,
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
}

impl ReportData {
    pub fn read(computed: &Computed) -> Result<ReportData> {
        let people = people(computed)?;
        Ok(ReportData {
            tiers: tiers(&people),
            people,
            months: months(computed)?,
            summary: summary(computed)?,
            funnel: funnel(computed)?,
            retention: retention(computed)?,
            referrers: referrers(computed)?,
            moves: moves(computed)?,
            second_order: second_order(computed)?,
            scorecard: scorecard(computed)?,
            candidates: candidates(computed)?,
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

fn months(c: &Computed) -> Result<Vec<Month>> {
    Table::of(c, "program_monthly")?.rows(|r| {
        Ok(Month {
            month: r.text("month")?,
            webinar_registrations: r.f64("webinar_registrations")?,
            webinar_attendances: r.f64("webinar_attendances")?,
            attendance_rate: r.f64("attendance_rate")?,
            accounts_reached: r.f64("accounts_reached")?,
            nps_responses: r.f64("nps_responses")?,
            nps: r.f64("nps")?,
            new_csqas: r.i64("new_csqas")?,
            active_csqas: r.i64("active_csqas")?,
            influenced_amount: r.amount("influenced_amount")?,
            referral_amount: r.amount("referral_amount")?,
        })
    })
}

fn summary(c: &Computed) -> Result<Vec<Summary>> {
    Table::of(c, "influence_summary")?.rows(|r| {
        Ok(Summary {
            window: r.text("window")?,
            start_date: r.text("start_date")?,
            end_date: r.text("end_date")?,
            won: r.i64("won")?,
            won_amount: r.amount("won_amount")?,
            lost: r.i64("lost")?,
            influenced_won: r.i64("influenced_won")?,
            influenced_won_amount: r.amount("influenced_won_amount")?,
            influenced_share: r.f64("influenced_share")?,
            sourced_amount: r.amount("sourced_amount")?,
            win_rate_influenced: r.f64("win_rate_influenced")?,
            win_rate_other: r.f64("win_rate_other")?,
            median_cycle_days_influenced: r.f64("median_cycle_days_influenced")?,
            median_cycle_days_other: r.f64("median_cycle_days_other")?,
        })
    })
}

fn funnel(c: &Computed) -> Result<Vec<Funnel>> {
    Table::of(c, "referral_funnel")?.rows(|r| {
        Ok(Funnel {
            source: r.text("source")?,
            created: r.i64("created")?,
            won: r.i64("won")?,
            lost: r.i64("lost")?,
            open: r.i64("open")?,
            win_rate: r.f64("win_rate")?,
            win_rate_ci_low: r.f64("win_rate_ci_low")?,
            win_rate_ci_high: r.f64("win_rate_ci_high")?,
            conversion: r.f64("conversion")?,
            median_cycle_days: r.f64("median_cycle_days")?,
            mean_won_amount: r.f64("mean_won_amount")?,
            conversion_lift: r.f64("conversion_lift")?,
            win_rate_lift: r.f64("win_rate_lift")?,
            cycle_reduction: r.f64("cycle_reduction")?,
        })
    })
}

fn retention(c: &Computed) -> Result<Vec<Retention>> {
    Table::of(c, "referral_retention")?.rows(|r| {
        Ok(Retention {
            source: r.text("source")?,
            cohort_size: r.i64("cohort_size")?,
            retained: r.i64("retained")?,
            retention_rate: r.f64("retention_rate")?,
            retention_lift: r.f64("retention_lift")?,
            churn_reduction: r.f64("churn_reduction")?,
        })
    })
}

fn referrers(c: &Computed) -> Result<Vec<Referrer>> {
    Table::of(c, "referrers")?.rows(|r| {
        Ok(Referrer {
            contact_id: r.text("contact_id")?,
            full_name: r.text("full_name")?,
            account_name: r.text("account_name")?,
            csm_id: r.text("csm_id")?,
            referrals: r.i64("referrals")?,
            won: r.i64("won")?,
            won_amount: r.amount("won_amount")?,
        })
    })
}

fn moves(c: &Computed) -> Result<Vec<Move>> {
    Table::of(c, "second_order")?.rows(|r| {
        Ok(Move {
            contact_id: r.text("contact_id")?,
            full_name: r.text("full_name")?,
            old_account_name: r.text("old_account_name")?,
            new_account_name: r.text("new_account_name")?,
            moved_on: r.text("moved_on")?,
            old_account_id: r.text("old_account_id")?,
            new_account_id: r.text("new_account_id")?,
            new_account_already_customer: r.flag("new_account_already_customer")?.unwrap_or(false),
            repurchased: r.flag("repurchased")?,
            repurchase_amount: r.f64("repurchase_amount")?,
            referrals: r.i64("referrals")?,
            referral_amount: r.amount("referral_amount")?,
            sales_action: r.flag("sales_action")?.unwrap_or(false),
        })
    })
}

fn second_order(c: &Computed) -> Result<SecondOrder> {
    let rows = Table::of(c, "second_order_summary")?.rows(|r| {
        Ok(SecondOrder {
            champions_moved: r.i64("champions_moved")?,
            moved_to_customers: r.i64("moved_to_customers")?,
            eligible: r.i64("eligible")?,
            repurchased: r.i64("repurchased")?,
            repurchase_rate: r.f64("repurchase_rate")?,
            repurchase_amount: r.amount("repurchase_amount")?,
            referrals: r.i64("referrals")?,
            referrals_won: r.i64("referrals_won")?,
            referral_amount: r.amount("referral_amount")?,
            referral_conversion: r.f64("referral_conversion")?,
            second_order_revenue: r.amount("second_order_revenue")?,
            annual_logo_churn: r.f64("annual_logo_churn")?,
            expected_lifetime_years: r.f64("expected_lifetime_years")?,
            second_order_value: r.f64("second_order_value")?,
            sales_actions: r.i64("sales_actions")?,
        })
    })?;
    rows.into_iter().next().ok_or_else(|| Error::internal("second_order_summary has no row"))
}

fn scorecard(c: &Computed) -> Result<Vec<CsmRow>> {
    Table::of(c, "csm_scorecard")?.rows(|r| {
        let (accounts, t12m) = (r.i64("accounts")?, r.i64("new_csqas_t12m")?);
        Ok(CsmRow {
            csm_id: r.text("csm_id")?,
            csm_name: r.text("csm_name")?,
            team: r.text("team")?,
            accounts,
            arr: r.amount("arr")?,
            contacts: r.i64("contacts")?,
            new_csqas: r.i64("new_csqas")?,
            new_csqas_prev: r.i64("new_csqas_prev")?,
            new_csqas_t12m: t12m,
            active_csqas: r.i64("active_csqas")?,
            coverage: r.f64("coverage")?,
            csqas_per_10_accounts: r.f64("csqas_per_10_accounts")?,
            new_per_10_accounts: (accounts > 0).then(|| 10.0 * t12m as f64 / accounts as f64),
            median_days_to_csqa: r.f64("median_days_to_csqa")?,
            mean_health: r.f64("mean_health")?,
            influenced_amount_t12m: r.amount("influenced_amount_t12m")?,
            rank: r.i64("rank")?,
        })
    })
}

const COMPONENTS: [(&str, &str); 4] =
    [("nps", "NPS"), ("usage", "usage"), ("engagement", "webinars"), ("advocacy", "advocacy")];

fn people(c: &Computed) -> Result<Vec<Person>> {
    let points: Vec<String> = COMPONENTS.iter().map(|(c, _)| format!("{c}_delta_points")).collect();
    Table::of(c, "contact_health")?.rows(|r| {
        let mut movers = Vec::new();
        for ((_, label), column) in COMPONENTS.iter().zip(&points) {
            match r.f64(column)? {
                Some(points) if points.abs() >= 0.05 => {
                    movers.push(Contribution { component: label.to_string(), points })
                }
                _ => {}
            }
        }
        movers.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()).then(a.component.cmp(&b.component)));
        Ok(Person {
            contact_id: r.text("contact_id")?,
            full_name: r.text("full_name")?,
            account_name: r.text("account_name")?,
            csm_id: r.maybe_text("csm_id")?,
            score: r.f64("score")?,
            tier: r.text("tier")?,
            fatigued: r.flag("fatigued")?.unwrap_or(false),
            score_prev: r.f64("score_prev")?,
            score_delta: r.f64("score_delta")?,
            tier_prev: r.maybe_text("tier_prev")?,
            movers,
        })
    })
}

fn candidates(c: &Computed) -> Result<Vec<Candidate>> {
    Table::of(c, "advocate_candidates")?.rows(|r| {
        Ok(Candidate {
            contact_id: r.text("contact_id")?,
            full_name: r.text("full_name")?,
            account_name: r.text("account_name")?,
            csm_id: r.maybe_text("csm_id")?,
            score: r.f64("score")?,
            tier: r.text("tier")?,
            triggers: r
                .text("triggers")?
                .split(';')
                .filter(|s| !s.is_empty())
                .map(|s| s.replace('_', " "))
                .collect(),
        })
    })
}

fn quality(c: &Computed) -> Result<Vec<Quality>> {
    let reasons = Table::of(c, "data_quality_reasons")?.rows(|r| {
        let rows = crate::report::format::thousands(r.i64("rows")? as f64);
        Ok((r.text("table")?, format!("{} ({rows})", r.text("reason")?.replace('_', " "))))
    })?;
    Table::of(c, "data_quality")?.rows(|r| {
        let table = r.text("table")?;
        Ok(Quality {
            reasons: reasons.iter().filter(|(t, _)| *t == table).map(|(_, reason)| reason.clone()).collect(),
            table,
            file: r.text("file")?,
            rows_read: r.i64("rows_read")?,
            rows_accepted: r.i64("rows_accepted")?,
            rows_rejected: r.i64("rows_rejected")?,
        })
    })
}

pub const TIERS: [&str; 4] = ["champion", "advocate", "neutral", "at_risk"];

/// `(tier, contacts on D, contacts on D_prev)`, counted from the people already read.
fn tiers(people: &[Person]) -> Vec<(String, i64, i64)> {
    TIERS
        .iter()
        .map(|tier| {
            let now = people.iter().filter(|p| p.tier == *tier).count() as i64;
            let prev = people.iter().filter(|p| p.tier_prev.as_deref() == Some(*tier)).count() as i64;
            (tier.to_string(), now, prev)
        })
        .collect()
}
