//! Command-line definitions (clap) only; `main.rs` maps them onto the library.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use crate::generate::{GenerateFormat, GenerateLayout, UsageFiles};

#[derive(Debug, Parser)]
#[command(
    name = "advocacy",
    version,
    about = "Customer-advocacy analytics from CRM, survey, webinar and product-usage exports",
    long_about = "Turns the exports a B2B company already has (CRM accounts, contacts, \
                  opportunities and advocacy activities; NPS; webinar attendance; product usage) \
                  into advocate health scores, CS Qualified Advocates per CSM, advocate-influenced \
                  revenue, referral conversion, second-order customer value, and board-ready \
                  HTML and Markdown reports.\n\n\
                  Exit codes: 0 success, 1 usage or configuration error, 2 input data error, \
                  3 internal error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a pipeline: check every input, compute every metric, write tables and reports.
    ///
    /// Outputs are written to a staging folder and swapped into place only when complete; a
    /// run that fails on data writes its diagnostics to <OUT>.failed/ instead.
    Run {
        /// The pipeline file (TOML).
        pipeline: PathBuf,
        /// The as-of date D (YYYY-MM-DD); overrides the pipeline file's `as_of`. Default: the
        /// last day of the previous month.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// The output folder; overrides the pipeline file's `out`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print no progress lines (warnings still print).
        #[arg(long, short)]
        quiet: bool,
        /// Accept an as-of date after today.
        #[arg(long)]
        allow_future: bool,
    },
    /// Do everything `run` does but write: check the output folder, every input, the metrics
    /// and the templates, then print the data-quality table.
    ///
    /// Exits with the code `run` would: 1 for a configuration problem (or an output folder
    /// `run` would refuse), 2 on a file-level problem or when a table rejects more rows than
    /// [quality] max_reject_ratio allows.
    Validate {
        /// The pipeline file (TOML).
        pipeline: PathBuf,
        /// The as-of date D (YYYY-MM-DD); overrides the pipeline file's `as_of`.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// The output folder `run` would write; overrides the pipeline file's `out`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Accept an as-of date after today.
        #[arg(long)]
        allow_future: bool,
    },
    /// Write the history snapshots that runs as of each of the last N month-ends would have
    /// written, reading the inputs once (needs `[history] dir` in the pipeline file).
    ///
    /// Snapshots are written oldest first into <history.dir>/as_of=YYYY-MM-DD/, each the same
    /// tables a plain `run --as-of` that date writes; a snapshot of the same date is replaced
    /// whole. No reports and no output folder are written.
    Backfill {
        /// The pipeline file (TOML).
        pipeline: PathBuf,
        /// How many month-ends to write, ending with D (D itself when it is a month-end, else
        /// the month-end before it).
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=600))]
        months: u32,
        /// The as-of date D (YYYY-MM-DD); overrides the pipeline file's `as_of`. Default: the
        /// last day of the previous month.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<NaiveDate>,
        /// Print no progress lines (warnings still print).
        #[arg(long, short)]
        quiet: bool,
        /// Accept an as-of date after today.
        #[arg(long)]
        allow_future: bool,
    },
    /// Write a deterministic, realistic synthetic set of the nine canonical exports.
    ///
    /// Scale 1 is about 300 accounts, 2,000 contacts and 300,000 usage rows; size grows
    /// linearly with --scale. The same scale and seed always give the same files.
    Generate {
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Size multiplier (fractions allowed, e.g. 0.1).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Random seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// File format of the exports (canonical layout).
        #[arg(long, value_enum, default_value_t = GenerateFormat::Csv)]
        format: GenerateFormat,
        /// Canonical tables, or the same company written as its tools export it (Salesforce,
        /// a spreadsheet, Zoom, Qualtrics, Pendo, a job-change tool).
        #[arg(long, value_enum, default_value_t = GenerateLayout::Canonical)]
        layout: GenerateLayout,
        /// The day the exports were taken; data runs up to it. Runs as of the end of the
        /// previous month then see a few weeks of "future" rows, as real exports do.
        #[arg(long, value_parser = parse_date, default_value = "2026-11-15")]
        snapshot: NaiveDate,
        /// Write the shapes real exports have: about 12% of usage rows and the webinar and
        /// NPS rows keyed only by an email with case and whitespace noise, some rows about
        /// people the CRM does not know (rejected), and contact-days split over two rows. The
        /// metric tables are the same as without it.
        #[arg(long)]
        realistic: bool,
        /// Parquet usage as a folder of monthly files, or one large file of many row groups.
        #[arg(long, value_enum, default_value_t = UsageFiles::Monthly)]
        usage_files: UsageFiles,
    },
}

/// `"2026-13-01": month 13 is out of range (1 to 12)`, or the expected shape.
fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::config::parse_iso_date(text).ok_or_else(|| crate::config::describe_bad_date(text))
}
