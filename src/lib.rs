//! advocacy: the numbers and reports of a customer-advocacy program, from the exports a B2B
//! company already has.
//!
//! The data flows one way:
//! pipeline file → [`config`] → [`ingest`] (read, check, resolve identities) → [`metrics`]
//! → [`report`] (HTML and Markdown from the metric tables) → [`output`] (tables, rejects,
//! reports and `run.json`, published atomically). [`vocab`] is the floor they all stand on.
//! `ARCHITECTURE.md` describes each part and where to add a metric, a layout or a report.

pub mod calendar;
pub mod cli;
pub mod config;
pub mod error;
pub mod generate;
pub mod history;
pub mod ingest;
pub mod metrics;
pub mod output;
pub mod progress;
pub mod provenance;
pub mod report;
pub mod vocab;

use std::path::PathBuf;

use chrono::NaiveDate;
use polars::prelude::DataFrame;

use calendar::Calendar;
use config::Pipeline;
use error::{Error, Result};
use ingest::TableQuality;
use output::Bundle;
use progress::Stages;
use provenance::{Hashes, RunRecord};
use vocab::schema;

/// What `advocacy run` and `advocacy validate` are asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub pipeline: PathBuf,
    /// Overrides the pipeline file's `as_of`.
    pub as_of: Option<NaiveDate>,
    /// Overrides the pipeline file's `out`.
    pub out: Option<PathBuf>,
    /// No progress lines even on a terminal.
    pub quiet: bool,
    /// Accept an as-of date after today (a board pack about days that have not happened is
    /// refused otherwise).
    pub allow_future: bool,
}

/// What a successful run wrote.
#[derive(Debug)]
pub struct RunSummary {
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub quality: Vec<TableQuality>,
    /// Things the reader of the reports must know (stale inputs), also in `run.json`.
    pub warnings: Vec<String>,
}

/// The checked pipeline, the as-of date, the output folder and the files a run reads.
struct Plan {
    pipeline: Pipeline,
    calendar: Calendar,
    out: PathBuf,
    files: Vec<(schema::TableId, Vec<PathBuf>)>,
    /// What the output folder may not contain: the pipeline file and the inputs.
    protected: Vec<PathBuf>,
}

/// Everything `run` and `validate` do before the output folder: load and check the pipeline,
/// resolve the as-of date (refusing a future one), list the inputs.
fn plan(options: &RunOptions) -> Result<Plan> {
    let pipeline = Pipeline::load(&options.pipeline)?;
    let as_of = resolve_as_of(options, &pipeline);
    let today = chrono::Utc::now().date_naive();
    if as_of > today && !options.allow_future {
        return Err(Error::config(format!(
            "the as-of date {as_of} is after today ({today}): a report about days that have not \
             happened would look final; pass --allow-future if that is what you want"
        )));
    }
    let calendar = Calendar::new(as_of);
    let out = options.out.clone().unwrap_or_else(|| pipeline.out.clone());
    let files = provenance::input_files(&pipeline)?;
    let mut protected = vec![pipeline.path.clone()];
    protected.extend(pipeline.inputs.iter().map(|(_, input)| input.path.clone()));
    protected.extend(files.iter().flat_map(|(_, f)| f.iter().cloned()));
    protected.extend(pipeline.settings.reports.templates.iter().cloned());
    protected.extend(pipeline.inputs.iter().filter_map(|(_, input)| input.identities.clone()));
    if let Some(dir) = &pipeline.settings.history.dir {
        // Each run replaces its output folder whole: history inside it would be lost, and
        // an output folder inside the history folder is not a snapshot.
        protected.push(dir.clone());
        if config::normalize(&std::path::absolute(&out).unwrap_or(out.clone()))
            .starts_with(config::normalize(&std::path::absolute(dir).unwrap_or(dir.clone())))
        {
            return Err(Error::config(format!(
                "`history.dir` ({}) contains the output folder {}; keep the output folder outside the history",
                dir.display(),
                out.display()
            )));
        }
    }
    Ok(Plan { pipeline, calendar, out, files, protected })
}

/// What a run computed, ready to publish: tables, rejects, reports.
struct Outcome {
    bundle: Bundle,
    notes: Vec<String>,
    warnings: Vec<String>,
    quality: Vec<TableQuality>,
    /// Set when a table rejected more rows than `[quality] max_reject_ratio` allows; the
    /// bundle then holds only diagnostics.
    over_limit: Option<String>,
}

/// Reads and checks every input; warns when they end before the as-of date.
fn load(plan: &Plan, stages: &Stages) -> Result<(ingest::Loaded, Vec<String>)> {
    let usage_windows = metrics::usage_windows(&plan.calendar, &plan.pipeline.settings);
    let loaded = ingest::load(&plan.pipeline, &usage_windows, &|stage| stages.begin(stage))?;
    let mut warnings = freshness_warnings(&loaded.tables, &plan.calendar);
    warnings.extend(empty_column_warnings(&loaded.tables));
    for warning in &warnings {
        stages.warn(warning);
    }
    Ok((loaded, warnings))
}

/// Computes every table and report from the loaded inputs, writing nothing.
fn compute(
    plan: &Plan,
    loaded: ingest::Loaded,
    mut warnings: Vec<String>,
    hashes: &Hashes,
    stages: &Stages,
) -> Result<Outcome> {
    let (pipeline, calendar) = (&plan.pipeline, &plan.calendar);
    let mut bundle = Bundle {
        rejects: loaded.quality.iter().map(|q| (q.table.name().to_string(), q.rejects.clone())).collect(),
        ..Bundle::default()
    };
    let over_limit = over_reject_limit(&loaded.quality, pipeline.settings.quality.max_reject_ratio);
    if over_limit.is_some() {
        bundle.tables = metrics::quality_tables(&loaded.quality, &[])?
            .into_iter()
            .map(|(t, df)| (t.name().to_string(), df))
            .collect();
        return Ok(Outcome { bundle, notes: loaded.notes, warnings, quality: loaded.quality, over_limit });
    }
    let snapshots = match &pipeline.settings.history.dir {
        Some(dir) => Some(history::snapshots(dir)?),
        None => None,
    };
    let memo = metrics::Memo::default();
    let mut computed = tables_as_of(
        &loaded.tables,
        &loaded.quality,
        calendar,
        pipeline,
        &memo,
        snapshots.as_deref(),
        &|stage| stages.begin(stage),
    )?;
    if let Some(warning) = empty_population_warning(&loaded.tables, &computed, calendar)? {
        stages.warn(&warning);
        warnings.push(warning);
    }
    stages.begin("rendering reports");
    for (path, contents) in report::render(&computed, calendar, pipeline, hashes, &warnings)? {
        bundle.add_file(path, contents);
    }
    let mut notes = loaded.notes;
    notes.append(&mut computed.notes);
    bundle.tables = computed.into_named();
    Ok(Outcome { bundle, notes, warnings, quality: loaded.quality, over_limit: None })
}

/// Every data table of a run as of `calendar`: the metrics, the data-quality tables and, when
/// the pipeline keeps history (`snapshots` is the history folder's content),
/// `history_monthly` and `restatements`.
fn tables_as_of(
    tables: &ingest::Tables,
    quality: &[TableQuality],
    calendar: &Calendar,
    pipeline: &Pipeline,
    memo: &metrics::Memo,
    snapshots: Option<&[history::Snapshot]>,
    progress: &dyn Fn(&str),
) -> Result<metrics::Computed> {
    let mut computed = metrics::compute(tables, calendar, pipeline, memo, progress)?;
    computed.tables.extend(metrics::quality_tables(quality, &computed.findings)?);
    if let Some(snapshots) = snapshots {
        progress("reading the history");
        history::add_tables(snapshots, calendar, pipeline.settings.history.months, &mut computed)?;
    }
    Ok(computed)
}

/// `advocacy run`: reads, checks, computes and publishes everything atomically.
pub fn run(options: &RunOptions) -> Result<RunSummary> {
    let stages = Stages::new(options.quiet);
    stages.begin("reading the pipeline file");
    let plan = plan(options)?;
    // The output folder is checked and locked before any work, and so is the history
    // folder: it is read for the history tables and written once the output is published.
    let claim = output::claim(&plan.out, &plan.protected)?;
    let store = match &plan.pipeline.settings.history.dir {
        Some(dir) => Some(history::Store::open(dir, &|message| stages.warn(message))?),
        None => None,
    };
    // Inputs are hashed on another thread while they are read.
    let hashing = {
        let (path, base) = (plan.pipeline.path.clone(), plan.pipeline.base_dir.clone());
        let files = plan.files.clone();
        std::thread::spawn(move || provenance::hash_files(&path, &base, &files))
    };
    let (loaded, warnings) = load(&plan, &stages)?;
    let hashes = hashing.join().map_err(|_| Error::internal("the hashing thread panicked"))??;
    let hashes = hashes.only_read(&plan.pipeline.base_dir, &loaded.quality);
    let mut outcome = compute(&plan, loaded, warnings, &hashes, &stages)?;

    // run.json is written last, so that its timings include writing everything else.
    let record = |outputs, notes, warnings, error| {
        let record = RunRecord {
            pipeline: &plan.pipeline,
            calendar: &plan.calendar,
            hashes: &hashes,
            quality: &outcome.quality,
            outputs,
            notes,
            warnings,
            error,
            timings: stages.timings(),
            total_ms: stages.total_ms(),
        };
        vec![("run.json".into(), record.to_json().into_bytes())]
    };
    let outputs = table_sizes(&outcome.bundle);
    let (notes, warnings) = (outcome.notes.clone(), outcome.warnings.clone());
    if let Some(message) = outcome.over_limit.clone() {
        stages.begin("writing diagnostics");
        let failed = message.clone();
        let diagnostics = output::publish_failed(&claim, &mut outcome.bundle, || {
            record(outputs, Vec::new(), warnings, Some(failed))
        })?;
        return Err(Error::RejectRatio {
            message: format!(
                "{message}\nnothing was published; the rejected rows are in {}",
                diagnostics.join("rejects").display()
            ),
            diagnostics,
        });
    }
    stages.begin("writing outputs");
    output::publish(&claim, &mut outcome.bundle, || record(outputs, notes, warnings.clone(), None))?;
    if let Some(store) = &store {
        let run_json = outcome
            .bundle
            .files
            .iter()
            .find(|(path, _)| path.as_os_str() == "run.json")
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| Error::internal("the published output has no run.json"))?;
        store.write(plan.calendar.as_of, &mut outcome.bundle.tables, &run_json).map_err(|e| {
            Error::Input(format!(
                "the output was published to {}, but the history snapshot was not written: {e}",
                plan.out.display()
            ))
        })?;
    }
    Ok(RunSummary { out: plan.out, as_of: plan.calendar.as_of, quality: outcome.quality, warnings })
}

/// What `advocacy backfill` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct BackfillOptions {
    pub pipeline: PathBuf,
    /// The last date to write; overrides the pipeline file's `as_of`.
    pub as_of: Option<NaiveDate>,
    /// How many month-ends to write.
    pub months: u32,
    pub quiet: bool,
    pub allow_future: bool,
}

/// `advocacy backfill`: the snapshots that runs as of each of the last `months` month-ends up
/// to D would have written, reading the inputs once. Oldest first, so that each snapshot's
/// `history_monthly` and `restatements` read the ones before it exactly as a run as of that
/// date would. No reports, no output folder. Returns the dates written.
pub fn backfill(options: &BackfillOptions) -> Result<Vec<NaiveDate>> {
    let stages = Stages::new(options.quiet);
    stages.begin("reading the pipeline file");
    let run_options = RunOptions {
        pipeline: options.pipeline.clone(),
        as_of: options.as_of,
        quiet: options.quiet,
        allow_future: options.allow_future,
        ..RunOptions::default()
    };
    let plan = plan(&run_options)?;
    let Some(dir) = plan.pipeline.settings.history.dir.clone() else {
        return Err(Error::config(format!(
            "{}: backfill writes history snapshots, but the pipeline has no `history.dir`; add\n\n[history]\ndir = \"history\"",
            plan.pipeline.path.display()
        )));
    };
    if options.months == 0 {
        return Err(Error::config("--months must be at least 1"));
    }
    let dates = history::backfill_dates(plan.calendar.as_of, options.months);
    let store = history::Store::open(&dir, &|message| stages.warn(message))?;
    let hashes = provenance::hash_files(&plan.pipeline.path, &plan.pipeline.base_dir, &plan.files)?;

    // One read of the inputs, summing usage over every window any of the dates needs.
    let mut windows = Vec::new();
    for d in &dates {
        for w in metrics::usage_windows(&Calendar::new(*d), &plan.pipeline.settings) {
            if !windows.contains(&w) {
                windows.push(w);
            }
        }
    }
    let loaded = ingest::load(&plan.pipeline, &windows, &|stage| stages.begin(stage))?;
    let hashes = hashes.only_read(&plan.pipeline.base_dir, &loaded.quality);
    if let Some(message) = over_reject_limit(&loaded.quality, plan.pipeline.settings.quality.max_reject_ratio)
    {
        return Err(Error::RejectRatio {
            message: format!("{message}\nno snapshot was written; `advocacy run` writes the rejected rows"),
            diagnostics: PathBuf::new(),
        });
    }
    let memo = metrics::Memo::default();
    for (i, d) in dates.iter().enumerate() {
        stages.begin(&format!("snapshot as of {d} ({} of {})", i + 1, dates.len()));
        let calendar = Calendar::new(*d);
        let snapshots = store.snapshots()?;
        let computed = tables_as_of(
            &loaded.tables,
            &loaded.quality,
            &calendar,
            &plan.pipeline,
            &memo,
            Some(&snapshots),
            &|_| {},
        )?;
        let mut notes = loaded.notes.clone();
        notes.extend(computed.notes.iter().cloned());
        let mut tables = computed.into_named();
        let outputs = tables.iter().map(|(name, df)| (name.clone(), df.height())).collect();
        let record = RunRecord {
            pipeline: &plan.pipeline,
            calendar: &calendar,
            hashes: &hashes,
            quality: &loaded.quality,
            outputs,
            notes,
            warnings: freshness_warnings(&loaded.tables, &calendar),
            error: None,
            timings: stages.timings(),
            total_ms: stages.total_ms(),
        };
        store.write(*d, &mut tables, record.to_json().as_bytes())?;
    }
    Ok(dates)
}

/// What `advocacy validate` found.
pub struct Validation {
    pub quality: Vec<TableQuality>,
    pub warnings: Vec<String>,
    /// Set when a table rejects more rows than `[quality] max_reject_ratio` allows.
    pub over_limit: Option<Error>,
}

/// `advocacy validate`: everything `run` does (the output-folder check, every input, the
/// metrics, the templates, serialising every table) except writing, so that it fails exactly
/// where `run` would.
pub fn validate(options: &RunOptions) -> Result<Validation> {
    let stages = Stages::new(options.quiet);
    let plan = plan(options)?;
    output::check_target(&plan.out, &plan.protected)?;
    let hashes = provenance::hash_files(&plan.pipeline.path, &plan.pipeline.base_dir, &plan.files)?;
    let (loaded, warnings) = load(&plan, &stages)?;
    let hashes = hashes.only_read(&plan.pipeline.base_dir, &loaded.quality);
    let mut outcome = compute(&plan, loaded, warnings, &hashes, &stages)?;
    outcome.bundle.render_in_memory()?;
    let over_limit =
        outcome.over_limit.map(|message| Error::RejectRatio { message, diagnostics: PathBuf::new() });
    Ok(Validation { quality: outcome.quality, warnings: outcome.warnings, over_limit })
}

/// CLI flag, then pipeline file, then the last day of the previous month.
fn resolve_as_of(options: &RunOptions, pipeline: &Pipeline) -> NaiveDate {
    options
        .as_of
        .or(pipeline.as_of)
        .unwrap_or_else(|| calendar::default_as_of(chrono::Utc::now().date_naive()))
}

/// A warning when the as-of date is after the latest date anywhere in the inputs: the
/// reports would otherwise present days nobody has data for as if they were quiet.
fn freshness_warnings(tables: &ingest::Tables, calendar: &Calendar) -> Vec<String> {
    match tables.latest_date() {
        Some(latest) if latest < calendar.as_of => vec![format!(
            "the inputs hold data through {} only, {} days before the as-of date {}: numbers after \
             that day are unknown, not zero",
            report::format::day(latest),
            (calendar.as_of - latest).num_days(),
            report::format::day(calendar.as_of)
        )],
        _ => Vec::new(),
    }
}

/// Columns the metrics stand on that are empty in every accepted row: a run that would
/// otherwise look like a quiet program (every CSM at 0 accounts, no health scores) says why.
fn empty_column_warnings(tables: &ingest::Tables) -> Vec<String> {
    let checks: [(&DataFrame, &str, &str, &str); 3] = [
        (
            &tables.accounts,
            "accounts",
            "customer_since",
            "no account is a customer, so no contact has a health score or a CSQA",
        ),
        (&tables.accounts, "accounts", "csm_id", "no account has a CSM, so every CSM has 0 accounts"),
        (&tables.accounts, "accounts", "arr", "ARR is unknown everywhere, so ARR sums are 0"),
    ];
    checks
        .iter()
        .filter(|(df, _, column, _)| {
            df.height() > 0 && df.column(column).is_ok_and(|c| c.null_count() == c.len())
        })
        .map(|(df, table, column, effect)| {
            format!(
                "{table}.{column} is empty in all {} accepted rows: {effect}; if the export has it under \
                 another name, map it with [inputs.{table}.columns]",
                df.height()
            )
        })
        .collect()
}

/// An empty health population (no active contact at an active customer on D) while contacts
/// were read: every people metric would be empty.
fn empty_population_warning(
    tables: &ingest::Tables,
    computed: &metrics::Computed,
    calendar: &Calendar,
) -> Result<Option<String>> {
    let health = computed.get(metrics::OutputTable::ContactHealth)?;
    Ok((health.height() == 0 && tables.contacts.height() > 0).then(|| {
        format!(
            "no contact is active at an account that is a customer on {}: contact_health, csqa and the \
             CSM numbers are empty although {} contacts were read; check accounts.customer_since and churned_on",
            report::format::day(calendar.as_of),
            tables.contacts.height()
        )
    }))
}

/// A message naming every table that rejects more than `limit` of its rows, if any does.
fn over_reject_limit(quality: &[TableQuality], limit: f64) -> Option<String> {
    let over: Vec<String> = quality
        .iter()
        .filter(|q| q.reject_ratio() > limit)
        .map(|q| {
            format!(
                "{} rejected {} of {} rows ({:.1}%)",
                q.table.name(),
                q.rows_rejected,
                q.rows_read,
                100.0 * q.reject_ratio()
            )
        })
        .collect();
    (!over.is_empty()).then(|| {
        format!("too many rejected rows (limit [quality] max_reject_ratio = {limit}): {}", over.join("; "))
    })
}

fn table_sizes(bundle: &Bundle) -> Vec<(String, usize)> {
    bundle.tables.iter().map(|(name, df)| (name.clone(), df.height())).collect()
}

/// Renders the data-quality table for a terminal (used by `advocacy validate`).
pub fn quality_text(quality: &[TableQuality]) -> String {
    let mut rows = vec![[
        "table".to_string(),
        "file".to_string(),
        "read".to_string(),
        "accepted".to_string(),
        "rejected".to_string(),
        "reasons".to_string(),
    ]];
    for q in quality {
        let reasons: Vec<String> = q.reasons.iter().map(|(r, n)| format!("{r} {n}")).collect();
        rows.push([
            q.table.name().to_string(),
            q.file.clone(),
            q.rows_read.to_string(),
            q.rows_accepted().to_string(),
            q.rows_rejected.to_string(),
            reasons.join(", "),
        ]);
    }
    let widths: Vec<usize> =
        (0..6).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| match i {
                2..=4 => format!("{cell:>width$}", width = widths[i]),
                5 => cell.clone(),
                _ => format!("{cell:<width$}", width = widths[i]),
            })
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}
