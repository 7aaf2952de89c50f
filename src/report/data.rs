//! Typed views of the output tables, as the reports read them. Reports show nothing that is not
//! in these tables (plus the run's provenance), so every number in a report can be found in a
//! `data/` file.

use polars::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::metrics::Computed;

/// Column readers over a small output table.
struct Table<'a> {
    name: &'a str,
    df: &'a DataFrame,
}

impl<'a> Table<'a> {
    fn of(computed: &'a Computed, name: &'a str) -> Result<Table<'a>> {
        let df = computed.table(name).ok_or_else(|| Error::internal(format!("report needs table {name}")))?;
        Ok(Table { name, df })
    }

    fn height(&self) -> usize {
        self.df.height()
    }

    fn column(&self, column: &str) -> Result<Column> {
        self.df
            .column(column)
            .cloned()
            .map_err(|_| Error::internal(format!("{} has no column {column}", self.name)))
    }

    fn f64(&self, column: &str) -> Result<Vec<Option<f64>>> {
        Ok(self.column(column)?.cast(&DataType::Float64)?.f64()?.iter().collect())
    }

    fn i64(&self, column: &str) -> Result<Vec<i64>> {
        Ok(self.column(column)?.cast(&DataType::Int64)?.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
    }

    fn text(&self, column: &str) -> Result<Vec<Option<String>>> {
        Ok(self
            .column(column)?
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    }

    fn bool(&self, column: &str) -> Result<Vec<Option<bool>>> {
        Ok(self.column(column)?.bool()?.iter().collect())
    }
}

fn text_or(values: Vec<Option<String>>, default: &str) -> Vec<String> {
    values.into_iter().map(|v| v.unwrap_or_else(|| default.to_string())).collect()
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
        Ok(ReportData {
            months: months(computed)?,
            summary: summary(computed)?,
            funnel: funnel(computed)?,
            retention: retention(computed)?,
            referrers: referrers(computed)?,
            moves: moves(computed)?,
            second_order: second_order(computed)?,
            scorecard: scorecard(computed)?,
            people: people(computed)?,
            candidates: candidates(computed)?,
            quality: quality(computed)?,
            tiers: tiers(computed)?,
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
    let t = Table::of(c, "program_monthly")?;
    let (month, reg, att, rate, reached) = (
        text_or(t.text("month")?, ""),
        t.f64("webinar_registrations")?,
        t.f64("webinar_attendances")?,
        t.f64("attendance_rate")?,
        t.f64("accounts_reached")?,
    );
    let (responses, nps, new, active) =
        (t.f64("nps_responses")?, t.f64("nps")?, t.i64("new_csqas")?, t.i64("active_csqas")?);
    let (influenced, referral) = (t.f64("influenced_amount")?, t.f64("referral_amount")?);
    Ok((0..t.height())
        .map(|i| Month {
            month: month[i].clone(),
            webinar_registrations: reg[i],
            webinar_attendances: att[i],
            attendance_rate: rate[i],
            accounts_reached: reached[i],
            nps_responses: responses[i],
            nps: nps[i],
            new_csqas: new[i],
            active_csqas: active[i],
            influenced_amount: influenced[i].unwrap_or(0.0),
            referral_amount: referral[i].unwrap_or(0.0),
        })
        .collect())
}

fn summary(c: &Computed) -> Result<Vec<Summary>> {
    let t = Table::of(c, "influence_summary")?;
    let (window, start, end) = (
        text_or(t.text("window")?, ""),
        text_or(t.text("start_date")?, ""),
        text_or(t.text("end_date")?, ""),
    );
    let (won, won_amount, lost) = (t.i64("won")?, t.f64("won_amount")?, t.i64("lost")?);
    let (iw, iwa, share, sourced) = (
        t.i64("influenced_won")?,
        t.f64("influenced_won_amount")?,
        t.f64("influenced_share")?,
        t.f64("sourced_amount")?,
    );
    let (wri, wro, mi, mo) = (
        t.f64("win_rate_influenced")?,
        t.f64("win_rate_other")?,
        t.f64("median_cycle_days_influenced")?,
        t.f64("median_cycle_days_other")?,
    );
    Ok((0..t.height())
        .map(|i| Summary {
            window: window[i].clone(),
            start_date: start[i].clone(),
            end_date: end[i].clone(),
            won: won[i],
            won_amount: won_amount[i].unwrap_or(0.0),
            lost: lost[i],
            influenced_won: iw[i],
            influenced_won_amount: iwa[i].unwrap_or(0.0),
            influenced_share: share[i],
            sourced_amount: sourced[i].unwrap_or(0.0),
            win_rate_influenced: wri[i],
            win_rate_other: wro[i],
            median_cycle_days_influenced: mi[i],
            median_cycle_days_other: mo[i],
        })
        .collect())
}

fn funnel(c: &Computed) -> Result<Vec<Funnel>> {
    let t = Table::of(c, "referral_funnel")?;
    let source = text_or(t.text("source")?, "");
    let (created, won, lost, open) = (t.i64("created")?, t.i64("won")?, t.i64("lost")?, t.i64("open")?);
    let (rate, low, high, conversion) =
        (t.f64("win_rate")?, t.f64("win_rate_ci_low")?, t.f64("win_rate_ci_high")?, t.f64("conversion")?);
    let (cycle, mean) = (t.f64("median_cycle_days")?, t.f64("mean_won_amount")?);
    let (cl, wl, cr) = (t.f64("conversion_lift")?, t.f64("win_rate_lift")?, t.f64("cycle_reduction")?);
    Ok((0..t.height())
        .map(|i| Funnel {
            source: source[i].clone(),
            created: created[i],
            won: won[i],
            lost: lost[i],
            open: open[i],
            win_rate: rate[i],
            win_rate_ci_low: low[i],
            win_rate_ci_high: high[i],
            conversion: conversion[i],
            median_cycle_days: cycle[i],
            mean_won_amount: mean[i],
            conversion_lift: cl[i],
            win_rate_lift: wl[i],
            cycle_reduction: cr[i],
        })
        .collect())
}

fn retention(c: &Computed) -> Result<Vec<Retention>> {
    let t = Table::of(c, "referral_retention")?;
    let source = text_or(t.text("source")?, "");
    let (size, retained, rate) = (t.i64("cohort_size")?, t.i64("retained")?, t.f64("retention_rate")?);
    let (lift, churn) = (t.f64("retention_lift")?, t.f64("churn_reduction")?);
    Ok((0..t.height())
        .map(|i| Retention {
            source: source[i].clone(),
            cohort_size: size[i],
            retained: retained[i],
            retention_rate: rate[i],
            retention_lift: lift[i],
            churn_reduction: churn[i],
        })
        .collect())
}

fn referrers(c: &Computed) -> Result<Vec<Referrer>> {
    let t = Table::of(c, "referrers")?;
    let (id, name, account, csm) = (
        text_or(t.text("contact_id")?, ""),
        text_or(t.text("full_name")?, ""),
        text_or(t.text("account_name")?, ""),
        text_or(t.text("csm_id")?, ""),
    );
    let (referrals, won, amount) = (t.i64("referrals")?, t.i64("won")?, t.f64("won_amount")?);
    Ok((0..t.height())
        .map(|i| Referrer {
            contact_id: id[i].clone(),
            full_name: name[i].clone(),
            account_name: account[i].clone(),
            csm_id: csm[i].clone(),
            referrals: referrals[i],
            won: won[i],
            won_amount: amount[i].unwrap_or(0.0),
        })
        .collect())
}

fn moves(c: &Computed) -> Result<Vec<Move>> {
    let t = Table::of(c, "second_order")?;
    let (id, moved, old, new) = (
        text_or(t.text("contact_id")?, ""),
        text_or(t.text("moved_on")?, ""),
        text_or(t.text("old_account_id")?, ""),
        text_or(t.text("new_account_id")?, ""),
    );
    let (already, repurchased, amount) =
        (t.bool("new_account_already_customer")?, t.bool("repurchased")?, t.f64("repurchase_amount")?);
    let (referrals, referral_amount, action) =
        (t.i64("referrals")?, t.f64("referral_amount")?, t.bool("sales_action")?);
    let (name, old_name, new_name) = (
        text_or(t.text("full_name")?, ""),
        text_or(t.text("old_account_name")?, ""),
        text_or(t.text("new_account_name")?, ""),
    );
    Ok((0..t.height())
        .map(|i| Move {
            contact_id: id[i].clone(),
            full_name: name[i].clone(),
            old_account_name: old_name[i].clone(),
            new_account_name: new_name[i].clone(),
            moved_on: moved[i].clone(),
            old_account_id: old[i].clone(),
            new_account_id: new[i].clone(),
            new_account_already_customer: already[i].unwrap_or(false),
            repurchased: repurchased[i],
            repurchase_amount: amount[i],
            referrals: referrals[i],
            referral_amount: referral_amount[i].unwrap_or(0.0),
            sales_action: action[i].unwrap_or(false),
        })
        .collect())
}

fn second_order(c: &Computed) -> Result<SecondOrder> {
    let t = Table::of(c, "second_order_summary")?;
    let int = |name: &str| -> Result<i64> { Ok(t.i64(name)?.first().copied().unwrap_or(0)) };
    let float = |name: &str| -> Result<Option<f64>> { Ok(t.f64(name)?.first().copied().flatten()) };
    Ok(SecondOrder {
        champions_moved: int("champions_moved")?,
        moved_to_customers: int("moved_to_customers")?,
        eligible: int("eligible")?,
        repurchased: int("repurchased")?,
        repurchase_rate: float("repurchase_rate")?,
        repurchase_amount: float("repurchase_amount")?.unwrap_or(0.0),
        referrals: int("referrals")?,
        referrals_won: int("referrals_won")?,
        referral_amount: float("referral_amount")?.unwrap_or(0.0),
        referral_conversion: float("referral_conversion")?,
        second_order_revenue: float("second_order_revenue")?.unwrap_or(0.0),
        annual_logo_churn: float("annual_logo_churn")?,
        expected_lifetime_years: float("expected_lifetime_years")?,
        second_order_value: float("second_order_value")?,
        sales_actions: int("sales_actions")?,
    })
}

fn scorecard(c: &Computed) -> Result<Vec<CsmRow>> {
    let t = Table::of(c, "csm_scorecard")?;
    let (id, name, team) =
        (text_or(t.text("csm_id")?, ""), text_or(t.text("csm_name")?, ""), text_or(t.text("team")?, ""));
    let (accounts, arr, contacts) = (t.i64("accounts")?, t.f64("arr")?, t.i64("contacts")?);
    let (new, prev, t12m, active) =
        (t.i64("new_csqas")?, t.i64("new_csqas_prev")?, t.i64("new_csqas_t12m")?, t.i64("active_csqas")?);
    let (coverage, per10, median, health) = (
        t.f64("coverage")?,
        t.f64("csqas_per_10_accounts")?,
        t.f64("median_days_to_csqa")?,
        t.f64("mean_health")?,
    );
    let (influenced, rank) = (t.f64("influenced_amount_t12m")?, t.i64("rank")?);
    Ok((0..t.height())
        .map(|i| CsmRow {
            csm_id: id[i].clone(),
            csm_name: name[i].clone(),
            team: team[i].clone(),
            accounts: accounts[i],
            arr: arr[i].unwrap_or(0.0),
            contacts: contacts[i],
            new_csqas: new[i],
            new_csqas_prev: prev[i],
            new_csqas_t12m: t12m[i],
            active_csqas: active[i],
            coverage: coverage[i],
            csqas_per_10_accounts: per10[i],
            new_per_10_accounts: (accounts[i] > 0).then(|| 10.0 * t12m[i] as f64 / accounts[i] as f64),
            median_days_to_csqa: median[i],
            mean_health: health[i],
            influenced_amount_t12m: influenced[i].unwrap_or(0.0),
            rank: rank[i],
        })
        .collect())
}

const COMPONENTS: [(&str, &str); 4] =
    [("nps", "NPS"), ("usage", "usage"), ("engagement", "webinars"), ("advocacy", "advocacy")];

fn people(c: &Computed) -> Result<Vec<Person>> {
    let t = Table::of(c, "contact_health")?;
    let (id, name, account, csm) = (
        text_or(t.text("contact_id")?, ""),
        text_or(t.text("full_name")?, ""),
        text_or(t.text("account_name")?, ""),
        t.text("csm_id")?,
    );
    let (score, tier, fatigued) = (t.f64("score")?, text_or(t.text("tier")?, ""), t.bool("fatigued")?);
    let (prev, delta, tier_prev) = (t.f64("score_prev")?, t.f64("score_delta")?, t.text("tier_prev")?);
    let deltas: Vec<Vec<Option<f64>>> =
        COMPONENTS.iter().map(|(c, _)| t.f64(&format!("{c}_delta_points"))).collect::<Result<_>>()?;
    Ok((0..t.height())
        .map(|i| {
            let mut movers: Vec<Contribution> = COMPONENTS
                .iter()
                .zip(&deltas)
                .filter_map(|((_, label), d)| {
                    d[i].map(|points| Contribution { component: label.to_string(), points })
                })
                .filter(|c| c.points.abs() >= 0.05)
                .collect();
            movers.sort_by(|a, b| {
                b.points.abs().total_cmp(&a.points.abs()).then(a.component.cmp(&b.component))
            });
            Person {
                contact_id: id[i].clone(),
                full_name: name[i].clone(),
                account_name: account[i].clone(),
                csm_id: csm[i].clone(),
                score: score[i],
                tier: tier[i].clone(),
                fatigued: fatigued[i].unwrap_or(false),
                score_prev: prev[i],
                score_delta: delta[i],
                tier_prev: tier_prev[i].clone(),
                movers,
            }
        })
        .collect())
}

fn candidates(c: &Computed) -> Result<Vec<Candidate>> {
    let t = Table::of(c, "advocate_candidates")?;
    let (id, name, account, csm) = (
        text_or(t.text("contact_id")?, ""),
        text_or(t.text("full_name")?, ""),
        text_or(t.text("account_name")?, ""),
        t.text("csm_id")?,
    );
    let (score, tier, triggers) =
        (t.f64("score")?, text_or(t.text("tier")?, ""), text_or(t.text("triggers")?, ""));
    Ok((0..t.height())
        .map(|i| Candidate {
            contact_id: id[i].clone(),
            full_name: name[i].clone(),
            account_name: account[i].clone(),
            csm_id: csm[i].clone(),
            score: score[i],
            tier: tier[i].clone(),
            triggers: triggers[i].split(';').filter(|s| !s.is_empty()).map(|s| s.replace('_', " ")).collect(),
        })
        .collect())
}

fn quality(c: &Computed) -> Result<Vec<Quality>> {
    let t = Table::of(c, "data_quality")?;
    let r = Table::of(c, "data_quality_reasons")?;
    let (rt, reason, rows) = (text_or(r.text("table")?, ""), text_or(r.text("reason")?, ""), r.i64("rows")?);
    let (table, file) = (text_or(t.text("table")?, ""), text_or(t.text("file")?, ""));
    let (read, accepted, rejected) = (t.i64("rows_read")?, t.i64("rows_accepted")?, t.i64("rows_rejected")?);
    Ok((0..t.height())
        .map(|i| Quality {
            table: table[i].clone(),
            file: file[i].clone(),
            rows_read: read[i],
            rows_accepted: accepted[i],
            rows_rejected: rejected[i],
            reasons: (0..r.height())
                .filter(|&j| rt[j] == table[i])
                .map(|j| {
                    format!(
                        "{} ({})",
                        reason[j].replace('_', " "),
                        crate::report::format::thousands(rows[j] as f64)
                    )
                })
                .collect(),
        })
        .collect())
}

pub const TIERS: [&str; 4] = ["champion", "advocate", "neutral", "at_risk"];

fn tiers(c: &Computed) -> Result<Vec<(String, i64, i64)>> {
    let t = Table::of(c, "contact_health")?;
    let (now, prev) = (t.text("tier")?, t.text("tier_prev")?);
    Ok(TIERS
        .iter()
        .map(|tier| {
            let count =
                |v: &[Option<String>]| v.iter().filter(|x| x.as_deref() == Some(*tier)).count() as i64;
            (tier.to_string(), count(&now), count(&prev))
        })
        .collect())
}
