//! Helpers shared by the integration tests: small datasets in temporary folders, running the
//! CLI, reading output tables.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;

/// A fresh, empty folder under the target directory.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn tiny_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny")
}

/// Runs the `advocacy` binary.
pub fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_advocacy"))
        .args(args)
        .env("CI", "true")
        .output()
        .expect("the binary runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// A small, fully valid dataset of all nine tables, as CSV text, that tests then spoil.
pub struct MiniData {
    pub tables: Vec<(&'static str, String)>,
    pub settings: String,
    pub as_of: String,
}

impl MiniData {
    pub fn new() -> MiniData {
        let tables = vec![
            ("csms", "csm_id,csm_name,team\nS1,Sam One,A\nS2,Sue Two,B\n"),
            (
                "accounts",
                "account_id,account_name,segment,industry,region,csm_id,customer_since,churned_on,arr\n\
                 A1,Acme,SMB,Software,NA,S1,2024-01-15,,1000\n\
                 A2,Beta,SMB,Retail,NA,S2,2025-01-01,,2000\n",
            ),
            (
                "contacts",
                "contact_id,account_id,full_name,email,title,created_on,left_on\n\
                 C1,A1,Ann Able,ann@acme.com,VP,2024-02-01,\n\
                 C2,A2,Bob Baker,bob@beta.io,CTO,2025-01-01,\n",
            ),
            (
                "opportunities",
                "opportunity_id,account_id,opportunity_type,stage,amount,created_on,closed_on,lead_source,referrer_contact_id\n\
                 O1,A2,new_business,won,5000,2024-11-01,2025-01-01,Referral,C1\n",
            ),
            (
                "advocacy_activities",
                "activity_id,contact_id,activity_type,status,requested_on,completed_on,opportunity_id\n\
                 ACT1,C1,reference_call,completed,2024-12-01,2024-12-05,O1\n",
            ),
            (
                "nps_responses",
                "response_id,contact_id,email,responded_on,score,comment\nR1,C1,,2026-09-01,9,\n",
            ),
            (
                "webinar_attendance",
                "webinar_id,webinar_title,held_on,contact_id,email,registered,attended,minutes_attended,role\n\
                 W1,Intro,2026-09-10,C1,,true,true,30,attendee\n",
            ),
            ("usage", "contact_id,email,date,active_minutes,events\nC1,,2026-10-10,20,3\n"),
            ("job_changes", "contact_id,moved_on,new_account_id,new_contact_id\nC2,2026-06-01,A1,\n"),
        ];
        MiniData {
            tables: tables.into_iter().map(|(n, t)| (n, t.to_string())).collect(),
            settings: "[quality]\nmax_reject_ratio = 1.0\n".to_string(),
            as_of: "2026-10-31".to_string(),
        }
    }

    /// Appends a data row to `table`.
    pub fn push(mut self, table: &str, row: &str) -> MiniData {
        let text = &mut self.tables.iter_mut().find(|(n, _)| *n == table).expect("known table").1;
        text.push_str(row);
        text.push('\n');
        self
    }

    /// Replaces a table's whole text.
    pub fn set(mut self, table: &str, text: &str) -> MiniData {
        self.tables.iter_mut().find(|(n, _)| *n == table).expect("known table").1 = text.to_string();
        self
    }

    /// Writes the CSVs and a pipeline file into a fresh folder; returns the pipeline path.
    pub fn write(&self, name: &str) -> PathBuf {
        let dir = temp_dir(name);
        let mut pipeline = format!("as_of = \"{}\"\nout = \"out\"\n\n[inputs]\n", self.as_of);
        for (table, text) in &self.tables {
            std::fs::write(dir.join(format!("{table}.csv")), text).unwrap();
            pipeline.push_str(&format!("{table} = \"{table}.csv\"\n"));
        }
        pipeline.push('\n');
        pipeline.push_str(&self.settings);
        let path = dir.join("pipeline.toml");
        std::fs::write(&path, pipeline).unwrap();
        path
    }
}

/// `(row, column, reason)` of every reject of `table` after validating `pipeline`.
pub fn rejects_of(pipeline: &Path, table: &str) -> Vec<(i64, String, String)> {
    let options =
        advocacy::RunOptions { pipeline: pipeline.to_path_buf(), quiet: true, ..Default::default() };
    let validation = advocacy::validate(&options).expect("validation runs");
    let quality = validation.quality.iter().find(|q| q.table.name() == table).expect("table loaded");
    let r = &quality.rejects;
    let rows = r.column("row").unwrap().i64().unwrap();
    let columns = r.column("column").unwrap().str().unwrap();
    let reasons = r.column("reason").unwrap().str().unwrap();
    (0..r.height())
        .map(|i| {
            (rows.get(i).unwrap(), columns.get(i).unwrap().to_string(), reasons.get(i).unwrap().to_string())
        })
        .collect()
}

/// Reads an output CSV with every column as text.
pub fn read_csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

/// The canonical headers of every table, for datasets written row by row.
pub const HEADERS: [(&str, &str); 9] = [
    ("csms", "csm_id,csm_name,team"),
    ("accounts", "account_id,account_name,segment,industry,region,csm_id,customer_since,churned_on,arr"),
    ("contacts", "contact_id,account_id,full_name,email,title,created_on,left_on"),
    (
        "opportunities",
        "opportunity_id,account_id,opportunity_type,stage,amount,created_on,closed_on,lead_source,referrer_contact_id",
    ),
    ("advocacy_activities", "activity_id,contact_id,activity_type,status,requested_on,completed_on,opportunity_id"),
    ("nps_responses", "response_id,contact_id,email,responded_on,score,comment"),
    (
        "webinar_attendance",
        "webinar_id,webinar_title,held_on,contact_id,email,registered,attended,minutes_attended,role",
    ),
    ("usage", "contact_id,email,date,active_minutes,events"),
    ("job_changes", "contact_id,moved_on,new_account_id,new_contact_id"),
];

impl MiniData {
    /// Every table with its header and no rows, as of 2026-10-31.
    pub fn empty() -> MiniData {
        MiniData {
            tables: HEADERS.iter().map(|(n, h)| (*n, format!("{h}\n"))).collect(),
            settings: "[quality]\nmax_reject_ratio = 1.0\n".to_string(),
            as_of: "2026-10-31".to_string(),
        }
    }

    /// Replaces the as-of date (2026-10-31 by default).
    pub fn dated(mut self, date: &str) -> MiniData {
        self.as_of = date.to_string();
        self
    }

    /// Appends several data rows to `table`.
    pub fn rows(mut self, table: &str, rows: &[&str]) -> MiniData {
        for row in rows {
            self = self.push(table, row);
        }
        self
    }

    /// Drops an optional input from the pipeline.
    pub fn without(mut self, table: &str) -> MiniData {
        self.tables.retain(|(n, _)| *n != table);
        self
    }

    pub fn setting(mut self, text: &str) -> MiniData {
        self.settings.push_str(text);
        self.settings.push('\n');
        self
    }

    /// Ingests and computes every metric table (plus the data-quality tables) in memory.
    pub fn compute(&self, name: &str) -> advocacy::metrics::Computed {
        compute(&self.write(name))
    }
}

pub fn compute(pipeline: &Path) -> advocacy::metrics::Computed {
    use advocacy::{calendar::Calendar, config::Pipeline, ingest, metrics};
    let p = Pipeline::load(pipeline).unwrap();
    let calendar = Calendar::new(p.as_of.expect("test pipelines set as_of"));
    let loaded = ingest::load(&p, &metrics::usage_windows(&calendar, &p.settings), &|_| {}).unwrap();
    let mut computed = metrics::compute(&loaded.tables, &calendar, &p, &Default::default(), &|_| {}).unwrap();
    computed.tables.extend(metrics::quality_tables(&loaded.quality, &computed.findings).unwrap());
    if let Some(dir) = &p.settings.history.dir {
        let snapshots = advocacy::history::snapshots(dir).unwrap();
        advocacy::history::add_tables(&snapshots, &calendar, p.settings.history.months, &mut computed)
            .unwrap();
    }
    computed
}

/// The hand-checked dataset's pipeline with an (empty) history folder, so that every table,
/// `history_monthly` and `restatements` included, is computed.
pub fn tiny_with_history() -> PathBuf {
    let dir = temp_dir("tiny-history");
    let tiny = tiny_dir();
    let text = std::fs::read_to_string(tiny.join("pipeline.toml"))
        .unwrap()
        .replace("inputs/", &format!("{}/inputs/", tiny.display()))
        .replace("out = \"../../../target/tiny-out\"", "out = \"out\"");
    let pipeline = dir.join("pipeline.toml");
    std::fs::write(&pipeline, format!("{text}\n[history]\ndir = \"history\"\n")).unwrap();
    pipeline
}

/// One output table by name.
pub fn table<'a>(computed: &'a advocacy::metrics::Computed, name: &str) -> &'a DataFrame {
    let table = advocacy::metrics::OutputTable::from_name(name).unwrap_or_else(|| panic!("no table {name}"));
    computed.table(table).unwrap_or_else(|| panic!("no table {name}"))
}

/// The row of `df` whose first column is `key`.
fn row_of(df: &DataFrame, key: &str) -> usize {
    let first = df.select_at_idx(0).unwrap().cast(&DataType::String).unwrap();
    let keys = first.str().unwrap();
    (0..df.height()).find(|&i| keys.get(i) == Some(key)).unwrap_or_else(|| panic!("no row {key} in\n{df}"))
}

/// The value in `column` of the row keyed `key` (first column), as text; None for null.
pub fn text(df: &DataFrame, key: &str, column: &str) -> Option<String> {
    let i = row_of(df, key);
    let c =
        df.column(column).unwrap_or_else(|_| panic!("no column {column}")).cast(&DataType::String).unwrap();
    c.str().unwrap().get(i).map(str::to_string)
}

pub fn number(df: &DataFrame, key: &str, column: &str) -> Option<f64> {
    let i = row_of(df, key);
    let c =
        df.column(column).unwrap_or_else(|_| panic!("no column {column}")).cast(&DataType::Float64).unwrap();
    c.f64().unwrap().get(i)
}

pub fn flag(df: &DataFrame, key: &str, column: &str) -> Option<bool> {
    let i = row_of(df, key);
    df.column(column).unwrap_or_else(|_| panic!("no column {column}")).bool().unwrap().get(i)
}

/// Asserts `actual` is `expected` to 1e-9 relative.
#[track_caller]
pub fn assert_close(actual: Option<f64>, expected: f64) {
    let a = actual.expect("a number, not null");
    assert!((a - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{a} != {expected}");
}

/// The first column's values, in order.
pub fn keys(df: &DataFrame) -> Vec<String> {
    let first = df.select_at_idx(0).unwrap().cast(&DataType::String).unwrap();
    first.str().unwrap().iter().map(|v| v.unwrap_or("").to_string()).collect()
}

/// The value in `column` at row `i`, as a number.
pub fn number_at(df: &DataFrame, i: usize, column: &str) -> Option<f64> {
    let c =
        df.column(column).unwrap_or_else(|_| panic!("no column {column}")).cast(&DataType::Float64).unwrap();
    c.f64().unwrap().get(i)
}

/// One window per day of 2023 to 2026: usage summed per contact and day.
pub fn usage_days() -> Vec<advocacy::calendar::Window> {
    let first = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .map(|d| advocacy::calendar::Window { start: d, end: d })
        .collect()
}

/// Loads every input of a pipeline, usage summed per contact and day (see [`usage_rows`]).
pub fn load_all(pipeline: &Path) -> advocacy::ingest::Loaded {
    use advocacy::{config::Pipeline, ingest};
    let p = Pipeline::load(pipeline).unwrap();
    ingest::load(&p, &usage_days(), &|_| {}).unwrap()
}

/// The usage of a pipeline loaded by [`load_all`] as `contact_id`, `date`, `minutes` rows:
/// one per contact and day with usage, sorted.
pub fn usage_rows(loaded: &advocacy::ingest::Loaded) -> DataFrame {
    let usage = loaded.tables.usage.as_ref().expect("usage is configured");
    let mut days = Vec::new();
    for window in usage_days() {
        let sums = usage.over(window).unwrap();
        let n = sums.height();
        let date = Column::new("date".into(), vec![window.start; n]);
        days.push(sums.hstack(&[date]).unwrap().select(["contact_id", "date", "minutes"]).unwrap());
    }
    let mut all = days.remove(0);
    for day in days {
        all.vstack_mut(&day).unwrap();
    }
    all.sort(["contact_id", "date"], SortMultipleOptions::default()).unwrap()
}
