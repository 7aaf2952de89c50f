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
        let mut pipeline = String::from("as_of = \"2026-10-31\"\nout = \"out\"\n\n[inputs]\n");
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
        advocacy::RunOptions { pipeline: pipeline.to_path_buf(), as_of: None, out: None, quiet: true };
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
