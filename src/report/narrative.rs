//! The board pack's sentences, written from the numbers. Each one says what happened, compares
//! it with the previous period or a published benchmark, and falls back to a plain statement
//! when a number cannot be computed (a zero denominator is "n/a", never a made-up figure).

use serde::Serialize;

use super::data::{Month, ReportData};
use super::format::{money_short, month_label, number, percent};

/// Published benchmarks the board pack quotes next to the program's own numbers.
pub mod benchmark {
    /// Referred B2B deals convert about 70% better...
    pub const CONVERSION_LIFT: f64 = 0.70;
    /// ...and close about 69% faster.
    pub const CYCLE_REDUCTION: f64 = 0.69;
    /// Referred customers retain about 37% better.
    pub const RETENTION_LIFT: f64 = 0.37;
    /// About 10% of champions' new companies buy.
    pub const REPURCHASE_RATE: f64 = 0.10;
    /// About 1 in 3 champions' referrals convert.
    pub const REFERRAL_CONVERSION: f64 = 1.0 / 3.0;
}

/// A headline number with its comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub label: String,
    pub value: String,
    /// The comparison line (previous period, share, or benchmark).
    pub detail: String,
    /// `up`, `down` or `flat` against the previous period; empty when not comparable.
    pub trend: String,
}

fn trend(now: Option<f64>, before: Option<f64>) -> String {
    match (now, before) {
        (Some(a), Some(b)) if a > b + 1e-9 => "up".into(),
        (Some(a), Some(b)) if a < b - 1e-9 => "down".into(),
        (Some(_), Some(_)) => "flat".into(),
        _ => String::new(),
    }
}

/// "up from", "down from", or "the same as".
fn versus(now: f64, before: f64) -> &'static str {
    if now > before {
        "up from"
    } else if now < before {
        "down from"
    } else {
        "the same as"
    }
}

fn better_or_worse(lift: f64, better: &str, worse: &str) -> String {
    if lift >= 0.0 {
        format!("{} {better}", percent(Some(lift), 0))
    } else {
        format!("{} {worse}", percent(Some(-lift), 0))
    }
}

/// NPS over every month shown, weighted by responses (`sum(nps * responses) / sum(responses)`,
/// which is promoters minus detractors per 100 responses), and the number of responses.
pub fn nps_over(months: &[Month]) -> Option<(f64, f64)> {
    let (net, responses) = months
        .iter()
        .filter_map(|m| Some((m.nps? * m.nps_responses? / 100.0, m.nps_responses?)))
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    (responses > 0.0).then(|| (100.0 * net / responses, responses))
}

/// `1 referral`, `2 referrals`.
fn count_of(n: i64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The two program months the board compares: the period's month and the one before.
fn this_and_last(months: &[Month]) -> (Option<&Month>, Option<&Month>) {
    let n = months.len();
    (months.last(), n.checked_sub(2).and_then(|i| months.get(i)))
}

pub fn kpis(data: &ReportData, currency: &str) -> Vec<Kpi> {
    let (now, before) = this_and_last(&data.months);
    let prev_label = before.map(|m| month_label(&m.month, true)).unwrap_or_default();
    let mut kpis = Vec::new();
    if let (Some(now), Some(before)) = (now, before) {
        kpis.push(Kpi {
            label: "New CSQAs".into(),
            value: number(Some(now.new_csqas as f64), 0),
            detail: format!("{} in {prev_label}", before.new_csqas),
            trend: trend(Some(now.new_csqas as f64), Some(before.new_csqas as f64)),
        });
        kpis.push(Kpi {
            label: "Active CSQAs".into(),
            value: number(Some(now.active_csqas as f64), 0),
            detail: format!("{} at the end of {prev_label}", before.active_csqas),
            trend: trend(Some(now.active_csqas as f64), Some(before.active_csqas as f64)),
        });
    }
    if let (Some(p), Some(q)) = (data.window("period"), data.window("prev_period")) {
        kpis.push(Kpi {
            label: "Influenced revenue".into(),
            value: money_short(Some(p.influenced_won_amount), currency),
            detail: format!(
                "{} of won revenue; {} in {prev_label}",
                percent(p.influenced_share, 0),
                money_short(Some(q.influenced_won_amount), currency)
            ),
            trend: trend(Some(p.influenced_won_amount), Some(q.influenced_won_amount)),
        });
        kpis.push(Kpi {
            label: "Referral-sourced revenue".into(),
            value: money_short(Some(p.sourced_amount), currency),
            detail: format!("{} in {prev_label}", money_short(Some(q.sourced_amount), currency)),
            trend: trend(Some(p.sourced_amount), Some(q.sourced_amount)),
        });
    }
    if let Some(r) = data.funnel_row("referral") {
        kpis.push(Kpi {
            label: "Referral conversion lift".into(),
            value: r.conversion_lift.map(|v| format!("{:+.0}%", v * 100.0)).unwrap_or_else(|| "n/a".into()),
            detail: format!("last 12 months; benchmark +{:.0}%", benchmark::CONVERSION_LIFT * 100.0),
            trend: String::new(),
        });
        kpis.push(Kpi {
            label: "Referral cycle reduction".into(),
            value: percent(r.cycle_reduction, 0),
            detail: format!("faster to close; benchmark {:.0}%", benchmark::CYCLE_REDUCTION * 100.0),
            trend: String::new(),
        });
    }
    if let Some((nps, responses)) = nps_over(&data.months) {
        let latest = now.map(|m| match m.nps {
            Some(v) => format!("{}: {}", month_label(&m.month, true), number(Some(v), 0)),
            None => format!("no responses in {}", month_label(&m.month, true)),
        });
        kpis.push(Kpi {
            label: "NPS, last 12 months".into(),
            value: number(Some(nps), 0),
            detail: format!("{} responses; {}", number(Some(responses), 0), latest.unwrap_or_default()),
            trend: String::new(),
        });
    }
    let s = &data.second_order;
    kpis.push(Kpi {
        label: "Second-order revenue".into(),
        value: money_short(Some(s.second_order_revenue), currency),
        detail: format!("value {}", money_short(s.second_order_value, currency)),
        trend: String::new(),
    });
    kpis
}

pub fn sentences(data: &ReportData, currency: &str, gross_margin: f64) -> Vec<String> {
    let mut out = Vec::new();
    let money = |v: f64| money_short(Some(v), currency);
    let (now, before) = this_and_last(&data.months);
    if let (Some(now), Some(before)) = (now, before) {
        let (this, last) = (month_label(&now.month, true), month_label(&before.month, true));
        out.push(format!(
            "{} in {this}, {} {} in {last}; {} are active at month end.",
            count_of(now.new_csqas, "new CS Qualified Advocate", "new CS Qualified Advocates"),
            versus(now.new_csqas as f64, before.new_csqas as f64),
            before.new_csqas,
            now.active_csqas
        ));
    }
    if let Some(p) = data.window("period") {
        let this = now.map(|m| month_label(&m.month, true)).unwrap_or_default();
        if p.won_amount > 0.0 {
            out.push(format!(
                "Advocates influenced {} of the {} won in {this} ({}); referrals sourced {}.",
                money(p.influenced_won_amount),
                money(p.won_amount),
                percent(p.influenced_share, 0),
                money(p.sourced_amount)
            ));
        } else {
            out.push(format!("No in-scope deals were won in {this}."));
        }
    }
    if let Some(t) = data.window("t12m") {
        if t.won_amount > 0.0 {
            let rates = match (t.win_rate_influenced, t.win_rate_other) {
                (Some(a), Some(b)) => format!(
                    "; influenced deals were won {} of the time against {} for the rest",
                    percent(Some(a), 0),
                    percent(Some(b), 0)
                ),
                _ => String::new(),
            };
            out.push(format!(
                "Over the last 12 months advocates influenced {} of won revenue ({} of {}){rates}.",
                percent(t.influenced_share, 0),
                money(t.influenced_won_amount),
                money(t.won_amount)
            ));
        }
    }
    if let (Some(r), Some(o)) = (data.funnel_row("referral"), data.funnel_row("other")) {
        match r.conversion_lift {
            Some(lift) => out.push(format!(
                "Referral deals converted {} than other deals ({} of referral deals won against {}); the \
                 published benchmark is {:.0}% better.",
                better_or_worse(lift, "better", "worse"),
                percent(r.conversion, 0),
                percent(o.conversion, 0),
                benchmark::CONVERSION_LIFT * 100.0
            )),
            None => out.push(
                "There were not enough new-business deals in the last 12 months to compare referral conversion."
                    .into(),
            ),
        }
        if let Some(reduction) = r.cycle_reduction {
            out.push(format!(
                "Won referral deals closed {} (median {} days against {}); the benchmark is {:.0}% faster.",
                better_or_worse(reduction, "faster", "slower"),
                number(r.median_cycle_days, 0),
                number(o.median_cycle_days, 0),
                benchmark::CYCLE_REDUCTION * 100.0
            ));
        }
    }
    if let (Some(r), Some(o)) = (data.retention_row("referral"), data.retention_row("other")) {
        if r.cohort_size > 0 && o.cohort_size > 0 {
            let churn = match r.churn_reduction {
                Some(c) if c >= 1.0 - 1e-9 => ": no referred customer churned".to_string(),
                Some(c) => format!(", so referred customers churned {}", better_or_worse(c, "less", "more")),
                None => String::new(),
            };
            out.push(format!(
                "In their first year {} of referred customers stayed against {} of others{churn}; the \
                 benchmark is about {:.0}% better retention.",
                percent(r.retention_rate, 0),
                percent(o.retention_rate, 0),
                benchmark::RETENTION_LIFT * 100.0
            ));
        }
    }
    if let Some((nps, responses)) = nps_over(&data.months) {
        let latest = match now.and_then(|m| m.nps.map(|v| (m, v))) {
            Some((m, v)) => format!("; {} alone scored {}", month_label(&m.month, true), number(Some(v), 0)),
            None => String::new(),
        };
        out.push(format!(
            "NPS over the last 12 months is {} from {} responses{latest}.",
            number(Some(nps), 0),
            number(Some(responses), 0)
        ));
    }
    let s = &data.second_order;
    if s.champions_moved > 0 {
        let lifetime = match (s.expected_lifetime_years, s.second_order_value) {
            (Some(years), Some(value)) => format!(
                ", worth {} over an expected {}-year customer life at {} gross margin",
                money(value),
                number(Some(years), 1),
                percent(Some(gross_margin), 0)
            ),
            _ => String::new(),
        };
        let referrals = if s.referrals > 0 {
            format!(
                " Their {} won {} ({}; benchmark about 1 in 3).",
                count_of(s.referrals, "referral", "referrals"),
                s.referrals_won,
                percent(s.referral_conversion, 0)
            )
        } else {
            " They have not referred anyone since moving.".to_string()
        };
        out.push(format!(
            "{} changed jobs; {} went to companies that were not yet customers and {} of those bought ({}; \
             benchmark about {:.0}%).{referrals} Second-order revenue is {}{lifetime}.",
            count_of(s.champions_moved, "champion", "champions"),
            s.eligible,
            s.repurchased,
            percent(s.repurchase_rate, 0),
            benchmark::REPURCHASE_RATE * 100.0,
            money(s.second_order_revenue)
        ));
    } else {
        out.push("No champion has changed jobs yet.".into());
    }
    out
}

/// The data-quality footnote.
pub fn quality_note(data: &ReportData) -> String {
    let read: i64 = data.quality.iter().map(|q| q.rows_read).sum();
    let rejected: i64 = data.quality.iter().map(|q| q.rows_rejected).sum();
    let tables = data.quality.len();
    if rejected == 0 {
        format!("All {} rows of the {tables} inputs passed the checks.", number(Some(read as f64), 0))
    } else {
        let worst: Vec<String> = data
            .quality
            .iter()
            .filter(|q| q.rows_rejected > 0)
            .map(|q| format!("{} {}", q.table.replace('_', " "), number(Some(q.rows_rejected as f64), 0)))
            .collect();
        format!(
            "{} of {} rows were set aside by the checks ({}); they are listed with the reason in rejects/.",
            number(Some(rejected as f64), 0),
            number(Some(read as f64), 0),
            worst.join(", ")
        )
    }
}

/// What a `history_monthly` metric is called in a sentence, and how its values are written.
fn restated_metric(metric: &str) -> (&'static str, Shown) {
    match metric {
        "contacts" => ("number of scored contacts", Shown::Count),
        "mean_score" => ("mean health score", Shown::Score),
        "champion" => ("number of champions", Shown::Count),
        "advocate" => ("number of advocates (health tier)", Shown::Count),
        "neutral" => ("number of neutral contacts", Shown::Count),
        "at_risk" => ("number of at-risk contacts", Shown::Count),
        "accounts" => ("number of customer accounts", Shown::Count),
        "coverage" => ("share of accounts with an advocate", Shown::Share),
        "active_csqas" => ("active CSQA count", Shown::Count),
        "new_csqas" => ("new CSQA count", Shown::Count),
        "won_amount" => ("won revenue", Shown::Money),
        "influenced_won_amount" => ("influenced revenue", Shown::Money),
        "sourced_amount" => ("referral-sourced revenue", Shown::Money),
        _ => ("value", Shown::Score),
    }
}

#[derive(Clone, Copy)]
enum Shown {
    Count,
    Score,
    ScoreExact,
    Share,
    ShareExact,
    Money,
    MoneyExact,
}

impl Shown {
    /// The same kind of value, written to the unit (cents, 0.001 points, 0.01%).
    fn exact(self) -> Shown {
        match self {
            Shown::Money => Shown::MoneyExact,
            Shown::Score => Shown::ScoreExact,
            Shown::Share => Shown::ShareExact,
            other => other,
        }
    }

    fn write(self, value: Option<f64>, currency: &str) -> String {
        match self {
            Shown::Count => number(value, 0),
            Shown::Score => number(value, 1),
            Shown::Share => percent(value, 1),
            Shown::Money => money_short(value, currency),
            Shown::ScoreExact => number(value, 3),
            Shown::ShareExact => percent(value, 2),
            Shown::MoneyExact => super::format::money(value, currency),
        }
    }
}

/// One sentence per restatement: "September 2026's influenced revenue was $48K when
/// published; it is now $56K." A value the snapshot did not have reads "not published".
pub fn restated(data: &ReportData, currency: &str) -> Vec<String> {
    data.restatements
        .iter()
        .map(|r| {
            let month = month_label(r.as_of.get(..7).unwrap_or(&r.as_of), true);
            let (name, mut shown) = restated_metric(&r.metric);
            // A change too small for the short form is written in full.
            if shown.write(r.published, currency) == shown.write(r.current, currency) {
                shown = shown.exact();
            }
            let then = match r.published {
                Some(_) => format!("was {} when published", shown.write(r.published, currency)),
                None => "was not in the published snapshot".to_string(),
            };
            format!("{month}'s {name} {then}; it is now {}.", shown.write(r.current, currency))
        })
        .collect()
}

/// What the backtest report says about one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestOutcome {
    pub outcome: String,
    pub title: String,
    /// False when there is too little history or no positive to judge by.
    pub judged: bool,
    pub sentences: Vec<String>,
    /// The weights to paste into the pipeline file, when the grid found better ones.
    pub paste: Option<String>,
}

/// The backtest report's story: one part per outcome, and the board's one sentence.
#[derive(Debug, Clone, Serialize)]
pub struct BacktestStory {
    pub dates: usize,
    pub span: String,
    pub horizon_days: u32,
    pub outcomes: Vec<BacktestOutcome>,
    pub board: String,
}

/// "in 65 of 100 pairs": an AUC as pairs out of 100.
fn pairs(auc: f64) -> String {
    format!("{} of 100", (auc * 100.0).round() as i64)
}

/// How strong a ranking an AUC is, in words.
fn verdict(auc: f64) -> &'static str {
    match auc {
        a if a >= 0.7 => "a useful signal",
        a if a >= 0.6 => "a modest signal",
        a if a >= 0.55 => "a weak signal",
        a if a > 0.45 => "no better than a coin toss",
        _ => "the wrong way round",
    }
}

pub fn backtest_story(data: &ReportData, settings: &crate::config::Settings) -> BacktestStory {
    let b = &settings.backtest;
    let mut dates: Vec<&str> = data.backtest_snapshots.iter().map(|s| s.snapshot.as_str()).collect();
    dates.sort();
    dates.dedup();
    let span = match (dates.first(), dates.last()) {
        (Some(first), Some(last)) => format!(
            "{} to {}",
            month_label(first.get(..7).unwrap_or(first), false),
            month_label(last.get(..7).unwrap_or(last), false)
        ),
        _ => String::new(),
    };
    let h = b.horizon_days;
    let model = |outcome: &str, name: &str| {
        data.backtest_models.iter().find(|m| m.outcome == outcome && m.model == name)
    };
    let mut outcomes = Vec::new();
    let mut board = Vec::new();
    for outcome in ["advocacy", "churn", "expansion"] {
        let (title, unit, event, direction) = match outcome {
            "advocacy" => ("Who became an advocate", "contact", "completed an advocacy activity", "higher"),
            "churn" => ("Which accounts churned", "account", "churned", "lower"),
            _ => ("Which accounts expanded", "account", "won an expansion deal", "higher"),
        };
        let mut sentences = Vec::new();
        let Some(score) = model(outcome, "score") else { continue };
        let judged = dates.len() >= 2 && score.positives > 0 && score.auc.is_some();
        if !judged {
            sentences.push(if dates.len() < 2 {
                format!(
                    "Too little history to judge: a backtest needs at least two month-ends that are {h} days or \
                     more before the as-of date, and the inputs give {}.",
                    dates.len()
                )
            } else {
                format!("No {unit} {event} within {h} days of any of the {} month-ends, so there is nothing to predict yet.", dates.len())
            });
            outcomes.push(BacktestOutcome {
                outcome: outcome.into(),
                title: title.into(),
                judged,
                sentences,
                paste: None,
            });
            continue;
        }
        let auc = score.auc.unwrap_or(0.5);
        sentences.push(format!(
            "In {} pairs of {} {unit} that {event} within {h} days and one that did not, the first had the {direction} \
             health score at the month-end before (AUC {}): {}. Over {} {unit}-months, {} positive.",
            pairs(auc),
            if unit == "account" { "an" } else { "a" },
            number(Some(auc), 2),
            verdict(auc),
            number(Some(score.units as f64), 0),
            number(Some(score.positives as f64), 0)
        ));
        let tiers: Vec<&super::data::BacktestTier> =
            data.backtest_tiers.iter().filter(|t| t.outcome == outcome && t.units > 0).collect();
        if let (Some(top), Some(bottom)) = (tiers.first(), tiers.last()) {
            if top.tier != bottom.tier {
                sentences.push(format!(
                    "{} {}s {} at a rate of {} ({} of {}); {} {}s at {} ({} of {}).",
                    capitalise(&top.tier.replace('_', " ")),
                    unit,
                    event,
                    percent(top.rate, 0),
                    top.positives,
                    number(Some(top.units as f64), 0),
                    bottom.tier.replace('_', " "),
                    unit,
                    percent(bottom.rate, 0),
                    bottom.positives,
                    number(Some(bottom.units as f64), 0)
                ));
            }
        }
        let mut components: Vec<(&str, f64, i64)> = ["nps", "usage", "engagement", "advocacy"]
            .iter()
            .filter_map(|c| model(outcome, c).and_then(|m| Some((*c, m.auc?, m.units))))
            .collect();
        components.sort_by(|a, b| b.1.total_cmp(&a.1));
        if let (Some(best), Some(worst)) = (components.first(), components.last()) {
            let name = |c: &str| match c {
                "nps" => "NPS",
                "usage" => "Product usage",
                "engagement" => "Webinar attendance",
                _ => "Advocacy activity",
            };
            sentences.push(format!(
                "{} carried the most signal on its own (AUC {} over {} {unit}-months with a value){}.",
                name(best.0),
                number(Some(best.1), 2),
                number(Some(best.2 as f64), 0),
                if components.len() > 1 {
                    format!("; {} the least ({})", name(worst.0).to_lowercase(), number(Some(worst.1), 2))
                } else {
                    String::new()
                }
            ));
        }
        let mut paste = None;
        if let Some(best) = model(outcome, "best_weights") {
            let steps = (1.0 / b.weight_step).round() as u64;
            let vectors = (steps + 1) * (steps + 2) * (steps + 3) / 6;
            let train = dates.len().div_ceil(2);
            let weights = format!(
                "NPS {}, usage {}, webinars {}, advocacy {}",
                number(best.w_nps, 2),
                number(best.w_usage, 2),
                number(best.w_engagement, 2),
                number(best.w_advocacy, 2)
            );
            match (best.auc_test, score.auc_test) {
                (Some(better), Some(configured)) => {
                    let gained = better - configured;
                    sentences.push(format!(
                        "Of {vectors} weight vectors, the one that ranked the first {train} month-ends best ({weights}) \
                         scores AUC {} on the later {} against {} with the configured weights: {}.",
                        number(Some(better), 2),
                        dates.len() - train,
                        number(Some(configured), 2),
                        if gained > 0.005 {
                            "a real gain, worth trying"
                        } else if gained >= -0.005 {
                            "no gain; keep the configured weights"
                        } else {
                            "worse on the later months, so it fitted noise; keep the configured weights"
                        }
                    ));
                    if gained > 0.005 {
                        paste = Some(format!(
                            "[health.weights]\nnps = {}\nusage = {}\nengagement = {}\nadvocacy = {}\n",
                            best.w_nps.unwrap_or(0.0),
                            best.w_usage.unwrap_or(0.0),
                            best.w_engagement.unwrap_or(0.0),
                            best.w_advocacy.unwrap_or(0.0)
                        ));
                    }
                }
                _ => sentences.push(format!(
                    "The later {} month-ends hold no {unit} that {event}, so the weight search ({weights} fitted the first {train}) cannot be checked.",
                    dates.len() - train
                )),
            }
        }
        if outcome != "expansion" {
            board.push(format!(
                "ranked future {} {} in {} pairs",
                if outcome == "churn" { "churners" } else { "advocates" },
                if outcome == "churn" { "below others" } else { "above others" },
                pairs(auc)
            ));
        }
        outcomes.push(BacktestOutcome {
            outcome: outcome.into(),
            title: title.into(),
            judged,
            sentences,
            paste,
        });
    }
    let board = if board.is_empty() {
        "There is not yet enough history to test whether the health score predicts advocacy or churn."
            .to_string()
    } else {
        format!("Backtest over the month-ends {span}: the health score {}.", board.join(" and "))
    };
    BacktestStory { dates: dates.len(), span, horizon_days: h, outcomes, board }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
