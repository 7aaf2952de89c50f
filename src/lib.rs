//! advocacy: the numbers and reports of a customer-advocacy program, from the exports a B2B
//! company already has.
//!
//! The data flows one way:
//! pipeline file → [`config`] → [`ingest`] (read, check, resolve identities) → [`metrics`]
//! → [`output`] (tables, rejects, reports, `run.json`).

pub mod calendar;
pub mod cli;
pub mod config;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod metrics;
pub mod output;
pub mod progress;
pub mod provenance;
pub mod report;

use std::path::PathBuf;

use chrono::NaiveDate;

use calendar::Calendar;
use config::Pipeline;
use error::{Error, Result};
use ingest::TableQuality;
use output::Bundle;
use progress::Stages;
use provenance::RunRecord;

/// What `advocacy run` and `advocacy validate` are asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub pipeline: PathBuf,
    /// Overrides the pipeline file's `as_of`.
    pub as_of: Option<NaiveDate>,
    /// Overrides the pipeline file's `out`.
    pub out: Option<PathBuf>,
    /// No progress lines even on a terminal.
    pub quiet: bool,
}

/// What a successful run wrote.
#[derive(Debug)]
pub struct RunSummary {
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub quality: Vec<TableQuality>,
}

/// `advocacy run`: reads, checks, computes and publishes everything atomically.
pub fn run(options: &RunOptions) -> Result<RunSummary> {
    let stages = Stages::new(options.quiet);
    stages.begin("reading the pipeline file");
    let pipeline = Pipeline::load(&options.pipeline)?;
    let calendar = Calendar::new(resolve_as_of(options, &pipeline));
    let out = options.out.clone().unwrap_or_else(|| pipeline.out.clone());

    let files = provenance::input_files(&pipeline)?;
    let hashing = {
        let (path, base) = (pipeline.path.clone(), pipeline.base_dir.clone());
        let files = files.clone();
        std::thread::spawn(move || provenance::hash_files(&path, &base, &files))
    };
    let usage_window = metrics::usage_window(&calendar, &pipeline.settings);
    let loaded = ingest::load(&pipeline, usage_window, &|stage| stages.begin(stage))?;
    let hashes = hashing.join().map_err(|_| Error::internal("the hashing thread panicked"))??;

    // run.json is written last, so that its timings include writing everything else.
    let run_json = |outputs, notes, error| {
        let record = RunRecord {
            pipeline: &pipeline,
            calendar: &calendar,
            hashes: &hashes,
            quality: &loaded.quality,
            outputs,
            notes,
            error,
            timings: stages.timings(),
            total_ms: stages.total_ms(),
        };
        vec![("run.json".into(), record.to_json().into_bytes())]
    };

    let over_limit = over_reject_limit(&loaded.quality, pipeline.settings.quality.max_reject_ratio);
    let mut bundle = Bundle {
        rejects: loaded.quality.iter().map(|q| (q.table.name().to_string(), q.rejects.clone())).collect(),
        ..Bundle::default()
    };

    if let Some(message) = over_limit {
        bundle.tables = metrics::quality_tables(&loaded.quality, &[])?;
        stages.begin("writing diagnostics");
        let outputs = table_sizes(&bundle);
        let diagnostics = output::publish_failed(&out, &mut bundle, || {
            run_json(outputs, Vec::new(), Some(message.clone()))
        })?;
        return Err(Error::RejectRatio {
            message: format!(
                "{message}\nnothing was published; the rejected rows are in {}",
                diagnostics.join("rejects").display()
            ),
            diagnostics,
        });
    }

    let mut computed = metrics::compute(&loaded.tables, &calendar, &pipeline, &|stage| stages.begin(stage))?;
    computed.tables.extend(metrics::quality_tables(&loaded.quality, &computed.findings)?);

    stages.begin("rendering reports");
    for (path, contents) in report::render(&computed, &calendar, &pipeline, &hashes)? {
        bundle.add_file(path, contents);
    }
    bundle.tables = computed.tables;

    stages.begin("writing outputs");
    let outputs = table_sizes(&bundle);
    output::publish(&out, &mut bundle, || run_json(outputs, computed.notes, None))?;
    Ok(RunSummary { out, as_of: calendar.as_of, quality: loaded.quality })
}

/// What `advocacy validate` found.
pub struct Validation {
    pub quality: Vec<TableQuality>,
    /// Set when a table rejects more rows than `[quality] max_reject_ratio` allows.
    pub over_limit: Option<Error>,
}

/// `advocacy validate`: checks every input and reports, writing nothing.
pub fn validate(options: &RunOptions) -> Result<Validation> {
    let stages = Stages::new(options.quiet);
    let pipeline = Pipeline::load(&options.pipeline)?;
    let calendar = Calendar::new(resolve_as_of(options, &pipeline));
    let usage_window = metrics::usage_window(&calendar, &pipeline.settings);
    let loaded = ingest::load(&pipeline, usage_window, &|stage| stages.begin(stage))?;
    let over_limit = over_reject_limit(&loaded.quality, pipeline.settings.quality.max_reject_ratio)
        .map(|message| Error::RejectRatio { message, diagnostics: PathBuf::new() });
    Ok(Validation { quality: loaded.quality, over_limit })
}

/// CLI flag, then pipeline file, then the last day of the previous month.
fn resolve_as_of(options: &RunOptions, pipeline: &Pipeline) -> NaiveDate {
    options
        .as_of
        .or(pipeline.as_of)
        .unwrap_or_else(|| calendar::default_as_of(chrono::Utc::now().date_naive()))
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
