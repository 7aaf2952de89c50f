//! The reports: `board.html`/`board.md` (the monthly board pack), `csm.html`/`csm.md` (the CSM
//! comparison) and `index.html` (the dashboard a scheduled job publishes), rendered from
//! templates with charts drawn as inline SVG. Markdown reports link the same charts as files
//! in `charts/`. Everything shown comes from the output tables and the run's provenance.

pub mod charts;
pub mod data;
pub mod format;
pub mod narrative;
pub mod rows;
pub mod templates;

use std::collections::BTreeMap;
use std::path::PathBuf;

use minijinja::context;
use minijinja::value::Value;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::config::Pipeline;
use crate::error::Result;
use crate::metrics::Computed;
use crate::provenance::{Hashes, VERSION};
use charts::Chart;
use data::{Person, ReportData};
use templates::Templates;

/// Where a run's inputs came from, for the reports' footers.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub table: String,
    pub path: String,
    /// The first 12 hex digits of the file's SHA-256 (of each file for a folder or glob).
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
struct Provenance {
    as_of: String,
    version: String,
    pipeline: String,
    pipeline_sha256: String,
    sources: Vec<Source>,
}

fn provenance(pipeline: &Pipeline, calendar: &Calendar, hashes: &Hashes) -> Provenance {
    let short = |sha: &str| sha.chars().take(12).collect::<String>();
    let sources = hashes
        .inputs
        .iter()
        .flat_map(|(table, files)| {
            files.iter().map(move |(path, sha)| Source {
                table: table.name().to_string(),
                path: path.clone(),
                sha256: short(sha),
            })
        })
        .collect();
    Provenance {
        as_of: calendar.as_of.to_string(),
        version: VERSION.to_string(),
        pipeline: pipeline.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        pipeline_sha256: short(&hashes.pipeline),
        sources,
    }
}

fn chart_value(c: &Chart) -> Value {
    context! {
        id => c.id,
        title => c.title,
        alt => c.alt,
        // A path, not text: Markdown must not escape its underscores.
        file => Value::from_safe_string(c.file()),
        // Inline in HTML5 an SVG needs no namespace, so the page names no URL at all.
        svg => Value::from_safe_string(c.svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)),
    }
}

/// "October 2026" (`long`) or "Oct 2026": the month `d` falls in.
fn month_of(d: chrono::NaiveDate, long: bool) -> String {
    format::month_label(&d.format("%Y-%m").to_string(), long)
}

/// The contacts whose score moved most, largest move first.
fn biggest_moves<'a>(people: impl Iterator<Item = &'a Person>, n: usize) -> Vec<&'a Person> {
    let mut moved: Vec<&Person> = people.filter(|p| p.score_delta.is_some_and(|d| d.abs() >= 0.05)).collect();
    moved.sort_by(|a, b| {
        let (da, db) = (a.score_delta.unwrap_or(0.0).abs(), b.score_delta.unwrap_or(0.0).abs());
        db.total_cmp(&da).then(a.contact_id.cmp(&b.contact_id))
    });
    moved.truncate(n);
    moved
}

/// The references report lists the largest deals only; `references.csv` and
/// `data/reference_matches.csv` have every one (a large company has tens of thousands).
const REFERENCE_DEALS_SHOWN: usize = 200;

/// The suggested references as a CRM import file: `opportunity_id,contact_id,rank`, one row
/// per suggestion in deal order (cells that a spreadsheet would run as formulas are quoted).
fn crm_import(deals: &[data::DealReferences]) -> Vec<u8> {
    let cell = |v: &str| {
        let v = crate::output::safe_cell(v).unwrap_or_else(|| v.to_string());
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v
        }
    };
    let mut text = String::from("opportunity_id,contact_id,rank\n");
    for deal in deals {
        for r in &deal.references {
            text.push_str(&format!("{},{},{}\n", cell(&r.opportunity_id), cell(&r.contact_id), r.rank));
        }
    }
    text.into_bytes()
}

/// Renders every report; returns the files to write, by path relative to the output folder.
pub fn render(
    computed: &Computed,
    calendar: &Calendar,
    pipeline: &Pipeline,
    hashes: &Hashes,
    warnings: &[String],
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let settings = &pipeline.settings.reports;
    let currency = settings.currency.as_str();
    let data = ReportData::read(computed)?;
    let templates = Templates::new(settings.templates.as_deref(), currency)?;
    // Titles read "<company>: customer advocacy"; without a company, just "Customer advocacy".
    let company = settings.company.clone().unwrap_or_default();
    let top_n = settings.top_n;

    let funnel = (data.funnel_row("referral"), data.funnel_row("other"));
    let board_charts = [
        charts::revenue_by_month(&data.months, currency),
        charts::csqas_by_month(&data.months),
        charts::health_tiers(&data.tiers),
        match funnel {
            (Some(r), Some(o)) => charts::referral_vs_other(r, o),
            _ => None,
        },
        charts::program_reach(&data.months),
        charts::trend_csqas(&data.trends),
        charts::trend_tiers(&data.trends),
        charts::trend_coverage(&data.trends),
        charts::trend_revenue(&data.trends, currency),
    ];
    let comparison = charts::csm_comparison(&data.scorecard);
    let backtest_charts = [
        charts::tier_rates("advocacy", "Became advocates", &data.backtest_tiers),
        charts::tier_rates("churn", "Churned", &data.backtest_tiers),
        charts::tier_rates("expansion", "Expanded", &data.backtest_tiers),
    ];
    let story = narrative::backtest_story(&data, &pipeline.settings);
    let chart_map: BTreeMap<String, Value> = board_charts
        .iter()
        .chain(std::iter::once(&comparison))
        .chain(backtest_charts.iter())
        .flatten()
        .map(|c| (c.id.clone(), chart_value(c)))
        .collect();
    let chart_or_none = |id: &str| chart_map.get(id).cloned().unwrap_or(Value::from(()));

    let window = |name: &str| data.window(name).map(Value::from_serialize).unwrap_or(Value::from(()));
    let tiers: Vec<Value> = data
        .tiers
        .iter()
        .map(|(tier, now, prev)| context! { tier => tier.replace('_', " "), now => now, prev => prev })
        .collect();
    let common = context! {
        company => company,
        currency => currency,
        as_of => calendar.as_of.to_string(),
        as_of_label => format::day(calendar.as_of),
        period_label => month_of(calendar.period.start, true),
        prev_label => month_of(calendar.prev_period.start, true),
        period_short => month_of(calendar.period.start, false),
        prev_short => month_of(calendar.prev_period.start, false),
        t12m_label => format!("{} to {}", format::day(calendar.t12m().start), format::day(calendar.t12m().end)),
        provenance => Value::from_serialize(provenance(pipeline, calendar, hashes)),
        warnings => Value::from_serialize(warnings),
        quality => Value::from_serialize(&data.quality),
        quality_note => narrative::quality_note(&data),
        kpis => Value::from_serialize(narrative::kpis(&data, currency)),
        benchmarks => context! {
            conversion_lift => narrative::benchmark::CONVERSION_LIFT,
            cycle_reduction => narrative::benchmark::CYCLE_REDUCTION,
            retention_lift => narrative::benchmark::RETENTION_LIFT,
            repurchase_rate => narrative::benchmark::REPURCHASE_RATE,
            referral_conversion => narrative::benchmark::REFERRAL_CONVERSION,
        },
    };

    let board = context! {
        ..common.clone(),
        ..context! {
            sentences => narrative::sentences(&data, currency, pipeline.settings.second_order.gross_margin),
            charts => context! {
                revenue => chart_or_none("revenue_by_month"),
                csqas => chart_or_none("csqas_by_month"),
                tiers => chart_or_none("health_tiers"),
                referral => chart_or_none("referral_vs_other"),
                reach => chart_or_none("program_reach"),
                trend_csqas => chart_or_none("trend_csqas"),
                trend_tiers => chart_or_none("trend_tiers"),
                trend_coverage => chart_or_none("trend_coverage"),
                trend_revenue => chart_or_none("trend_revenue"),
            },
            trends => Value::from_serialize(&data.trends),
            trend_from_history => data.trends.iter().any(|t| t.published),
            keeps_history => data.history.is_some(),
            history_rows => data.history.as_ref().map_or(0, Vec::len),
            restated => narrative::restated(&data, currency),
            asks => data.asks.iter().find(|a| a.scope == "all").map(Value::from_serialize),
            ask_types => Value::from_serialize(data.asks.iter().filter(|a| a.scope != "all").collect::<Vec<_>>()),
            cohorts => Value::from_serialize(&data.cohorts),
            pipeline => data.pipeline.as_ref().map(Value::from_serialize),
            attribution => Value::from_serialize(&data.attribution),
            coverage => Value::from_serialize(&data.coverage),
            references_deals => data.deals.len(),
            backtest_sentence => story.board.clone(),
            fatigue_max_asks => pipeline.settings.health.fatigue_max_asks,
            half_life_days => pipeline.settings.influence.half_life_days,
            months => Value::from_serialize(&data.months),
            period => window("period"),
            prev_period => window("prev_period"),
            t12m => window("t12m"),
            funnel => Value::from_serialize(&data.funnel),
            retention => Value::from_serialize(&data.retention),
            referrers => Value::from_serialize(data.referrers.iter().take(top_n).collect::<Vec<_>>()),
            actions => Value::from_serialize(data.moves.iter().filter(|m| m.sales_action).collect::<Vec<_>>()),
            second_order => Value::from_serialize(&data.second_order),
            tiers => tiers,
            contacts_scored => data.people.len(),
        }
    };

    // Each CSM's people, grouped once (a large company has hundreds of CSMs).
    let mut people_of: BTreeMap<&str, Vec<&Person>> = BTreeMap::new();
    for p in &data.people {
        if let Some(csm) = p.csm_id.as_deref() {
            people_of.entry(csm).or_default().push(p);
        }
    }
    let mut candidates_of: BTreeMap<&str, Vec<&data::Candidate>> = BTreeMap::new();
    for c in &data.candidates {
        if let Some(csm) = c.csm_id.as_deref() {
            candidates_of.entry(csm).or_default().push(c);
        }
    }
    // Each CSM's active CSQAs at every month-end the history holds (and D).
    let history_months: Vec<String> = computed.csm_history.iter().map(|(d, _)| month_of(*d, false)).collect();
    let csm_series = |csm: &str| -> Vec<Option<i64>> {
        computed
            .csm_history
            .iter()
            .map(|(_, counts)| counts.iter().find(|(id, _)| id == csm).map(|(_, n)| *n))
            .collect()
    };
    let csms: Vec<Value> = data
        .scorecard
        .iter()
        .map(|row| {
            let series = csm_series(&row.csm_id);
            let known: Vec<(String, i64)> = history_months
                .iter()
                .zip(&series)
                .filter_map(|(month, n)| Some((month.clone(), (*n)?)))
                .collect();
            let history = context! {
                sparkline => charts::sparkline(&series).map(Value::from_safe_string),
                first => known.first().map(|(m, n)| context! { month => m, value => n }),
                last => known.last().map(|(m, n)| context! { month => m, value => n }),
                values => known.iter().map(|(m, n)| format!("{m}: {n}")).collect::<Vec<_>>(),
                months => known.len(),
            };
            let people = people_of.get(row.csm_id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let candidates: Vec<_> =
                candidates_of.get(row.csm_id.as_str()).into_iter().flatten().take(top_n).collect();
            let fatigued: Vec<&Person> = people.iter().copied().filter(|p| p.fatigued).collect();
            let moves = biggest_moves(people.iter().copied(), top_n);
            context! {
                row => Value::from_serialize(row),
                history => history,
                candidates => Value::from_serialize(&candidates),
                fatigued => Value::from_serialize(&fatigued),
                moves => Value::from_serialize(&moves),
            }
        })
        .collect();
    let csm = context! {
        ..common.clone(),
        ..context! {
            scorecard => Value::from_serialize(&data.scorecard),
            chart => chart_or_none("csm_comparison"),
            csms => csms,
            top_n => top_n,
            history_months => history_months.len(),
            min_accounts_for_rank => pipeline.settings.csqa.min_accounts_for_rank,
        }
    };
    let references = context! {
        ..common.clone(),
        ..context! {
            deals => Value::from_serialize(data.deals.iter().take(REFERENCE_DEALS_SHOWN).collect::<Vec<_>>()),
            matched_deals => data.deals.len(),
            open_deals => data.pipeline.as_ref().map_or(0, |p| p.open_deals),
            references_settings => Value::from_serialize(&pipeline.settings.references),
            fatigue_max_asks => pipeline.settings.health.fatigue_max_asks,
        }
    };
    let backtest = context! {
        ..common.clone(),
        ..context! {
            story => Value::from_serialize(&story),
            charts => context! {
                advocacy => chart_or_none("backtest_advocacy"),
                churn => chart_or_none("backtest_churn"),
                expansion => chart_or_none("backtest_expansion"),
            },
        }
    };
    let index = context! {
        ..common,
        ..context! {
            tables => computed.tables.iter().map(|(table, df)| context!{name => table.name(), rows => df.height()}).collect::<Vec<_>>(),
        }
    };

    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("board.html".into(), templates.render("board.html", &board)?.into_bytes()),
        ("board.md".into(), templates.render("board.md", &board)?.into_bytes()),
        ("csm.html".into(), templates.render("csm.html", &csm)?.into_bytes()),
        ("csm.md".into(), templates.render("csm.md", &csm)?.into_bytes()),
        ("index.html".into(), templates.render("index.html", &index)?.into_bytes()),
        ("references.html".into(), templates.render("references.html", &references)?.into_bytes()),
        ("references.md".into(), templates.render("references.md", &references)?.into_bytes()),
        ("references.csv".into(), crm_import(&data.deals)),
        ("backtest.html".into(), templates.render("backtest.html", &backtest)?.into_bytes()),
        ("backtest.md".into(), templates.render("backtest.md", &backtest)?.into_bytes()),
    ];
    for chart in
        board_charts.iter().chain(std::iter::once(&comparison)).chain(backtest_charts.iter()).flatten()
    {
        files.push((PathBuf::from(chart.file()), chart.svg.clone().into_bytes()));
    }
    Ok(files)
}
