//! The same data as CSV, Parquet, Arrow IPC and JSON lines loads to identical tables, with the
//! same rejects; typed Parquet (dates as dates, numbers as numbers) loads like text.

mod common;

use std::path::{Path, PathBuf};

use advocacy::calendar::{Calendar, Window};
use advocacy::config::Pipeline;
use advocacy::ingest::{self, Loaded};
use advocacy::vocab::schema::TableId;
use chrono::NaiveDate;
use common::{cli, read_csv, temp_dir, tiny_dir};
use polars::prelude::*;

fn load(pipeline: &Path) -> Loaded {
    let pipeline = Pipeline::load(pipeline).unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let window = Window { start: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), end: as_of };
    let _ = Calendar::new(as_of);
    ingest::load(&pipeline, window, &|_| {}).unwrap()
}

/// Writes the tiny inputs in `ext` format (every column as text) with a pipeline file.
fn convert_tiny(ext: &str) -> PathBuf {
    let dir = temp_dir(&format!("formats-{ext}"));
    let mut pipeline = String::from("[inputs]\n");
    for table in TableId::ALL.map(TableId::name) {
        let mut df = read_csv(&tiny_dir().join("inputs").join(format!("{table}.csv")));
        let path = dir.join(format!("{table}.{ext}"));
        let file = std::fs::File::create(&path).unwrap();
        match ext {
            "parquet" => {
                ParquetWriter::new(file).finish(&mut df).unwrap();
            }
            "arrow" => IpcWriter::new(file).finish(&mut df).unwrap(),
            "jsonl" => JsonWriter::new(file).with_json_format(JsonFormat::JsonLines).finish(&mut df).unwrap(),
            _ => unreachable!(),
        }
        pipeline.push_str(&format!("{table} = \"{table}.{ext}\"\n"));
    }
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, pipeline).unwrap();
    path
}

fn in_order(df: &DataFrame) -> DataFrame {
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    df.sort(columns, SortMultipleOptions::default()).unwrap()
}

fn assert_same(a: &Loaded, b: &Loaded, what: &str) {
    let pairs = [
        ("csms", &a.tables.csms, &b.tables.csms),
        ("accounts", &a.tables.accounts, &b.tables.accounts),
        ("contacts", &a.tables.contacts, &b.tables.contacts),
        ("opportunities", &a.tables.opportunities, &b.tables.opportunities),
        ("advocacy_activities", &a.tables.activities, &b.tables.activities),
    ];
    for (name, x, y) in pairs {
        assert!(x.equals_missing(y), "{what}: {name} differs:\n{x}\n{y}");
    }
    let optional = [
        ("nps", &a.tables.nps, &b.tables.nps),
        ("webinars", &a.tables.webinars, &b.tables.webinars),
        ("usage", &a.tables.usage, &b.tables.usage),
        ("job_changes", &a.tables.job_changes, &b.tables.job_changes),
    ];
    for (name, x, y) in optional {
        // Usage rows come out of a streaming pass in no particular order: compare them as sets.
        let (x, y) = (in_order(x.as_ref().unwrap()), in_order(y.as_ref().unwrap()));
        assert!(x.equals_missing(&y), "{what}: {name} differs:\n{x}\n{y}");
    }
    for (qa, qb) in a.quality.iter().zip(&b.quality) {
        assert_eq!(
            (qa.rows_read, qa.rows_rejected),
            (qb.rows_read, qb.rows_rejected),
            "{what}: {:?}",
            qa.table
        );
        let key = |df: &DataFrame| df.select(["row", "column", "reason"]).unwrap();
        assert!(key(&qa.rejects).equals_missing(&key(&qb.rejects)), "{what}: rejects of {:?}", qa.table);
    }
}

#[test]
fn tiny_inputs_load_identically_from_every_format() {
    let csv = load(&tiny_dir().join("pipeline.toml"));
    assert!(csv.tables.accounts.height() == 9, "the tiny accounts: 9 accepted");
    for ext in ["parquet", "arrow", "jsonl"] {
        let other = load(&convert_tiny(ext));
        assert_same(&csv, &other, ext);
    }
}

#[test]
fn typed_parquet_loads_like_csv() {
    let dir = temp_dir("formats-generated");
    for format in ["csv", "parquet"] {
        let out = dir.join(format);
        let status =
            cli(&["generate", "--out", out.to_str().unwrap(), "--scale", "0.05", "--format", format]);
        assert!(status.status.success(), "{}", common::stderr(&status));
    }
    let csv = load(&dir.join("csv/pipeline.toml"));
    let parquet = load(&dir.join("parquet/pipeline.toml"));
    assert!(csv.tables.usage.as_ref().unwrap().height() > 1000, "usage is rolled up per contact-day");
    assert_same(&csv, &parquet, "generated csv vs parquet");
    for q in &csv.quality {
        assert_eq!(q.rows_rejected, 0, "generated {} has rejects", q.table.name());
    }
}

#[test]
fn usage_can_be_a_folder_or_a_glob_of_parquet_files() {
    let dir = temp_dir("formats-folder");
    let out = dir.join("data");
    assert!(cli(&["generate", "--out", out.to_str().unwrap(), "--scale", "0.02", "--format", "parquet"])
        .status
        .success());
    let folder = load(&out.join("pipeline.toml"));
    let text = std::fs::read_to_string(out.join("pipeline.toml"))
        .unwrap()
        .replace("usage = \"usage\"", "usage = \"usage/usage-*.parquet\"");
    std::fs::write(out.join("glob.toml"), text).unwrap();
    let glob = load(&out.join("glob.toml"));
    let usage = |l: &Loaded| in_order(l.tables.usage.as_ref().unwrap());
    assert!(usage(&folder).equals_missing(&usage(&glob)));
    let files = std::fs::read_dir(out.join("usage")).unwrap().count();
    assert!(files > 12, "one file per month over 16 months, got {files}");
    let q = folder.quality.iter().find(|q| q.table.name() == "usage").unwrap();
    assert_eq!(q.file, "usage");
    assert_eq!(q.files.len(), files);
}

#[test]
fn typed_parquet_values_are_still_checked() {
    // A typed float column can hold NaN and infinity; a typed date column cannot be invalid,
    // but can be blank.
    let dir = temp_dir("formats-typed-checks");
    let mut usage = df! {
        "contact_id" => ["C01", "C01", "C01", "C01"],
        "date" => [Some(20738i32), Some(20739), None, Some(20740)],
        "active_minutes" => [5.0f64, f64::NAN, 3.0, f64::INFINITY],
        "events" => [1i64, 2, 3, 4],
    }
    .unwrap();
    usage.apply("date", |c| c.cast(&DataType::Date).unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(dir.join("usage.parquet")).unwrap()).finish(&mut usage).unwrap();
    let tiny = tiny_dir().join("inputs");
    let mut pipeline = String::from("[inputs]\nusage = \"usage.parquet\"\n");
    for table in ["accounts", "csms", "contacts", "opportunities", "advocacy_activities"] {
        pipeline.push_str(&format!("{table} = {:?}\n", tiny.join(format!("{table}.csv")).to_string_lossy()));
    }
    std::fs::write(dir.join("pipeline.toml"), pipeline).unwrap();
    let loaded = load(&dir.join("pipeline.toml"));
    let q = loaded.quality.iter().find(|q| q.table.name() == "usage").unwrap();
    let r = &q.rejects;
    let got: Vec<(i64, String, String)> = (0..r.height())
        .map(|i| {
            (
                r.column("row").unwrap().i64().unwrap().get(i).unwrap(),
                r.column("column").unwrap().str().unwrap().get(i).unwrap().to_string(),
                r.column("reason").unwrap().str().unwrap().get(i).unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, "active_minutes".to_string(), "invalid_number".to_string()),
            (3, "date".to_string(), "missing_required".to_string()),
            (4, "active_minutes".to_string(), "invalid_number".to_string()),
        ]
    );
    assert_eq!(r.column("active_minutes").unwrap().str().unwrap().get(0), Some("NaN"), "values as they were");
}
