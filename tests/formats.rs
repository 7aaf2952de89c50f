//! The same data as CSV, Parquet, Arrow IPC and JSON lines loads to identical tables, with the
//! same rejects; typed Parquet (dates as dates, numbers as numbers) loads like text.

mod common;

use std::path::{Path, PathBuf};

use advocacy::config::Pipeline;
use advocacy::ingest::{self, Loaded};
use advocacy::vocab::schema::TableId;
use common::{cli, read_csv, temp_dir, tiny_dir};
use polars::prelude::*;

fn load(pipeline: &Path) -> Loaded {
    let pipeline = Pipeline::load(pipeline).unwrap();
    ingest::load(&pipeline, &common::usage_days(), &|_| {}).unwrap()
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
        ("job_changes", &a.tables.job_changes, &b.tables.job_changes),
    ];
    for (name, x, y) in optional {
        let (x, y) = (in_order(x.as_ref().unwrap()), in_order(y.as_ref().unwrap()));
        assert!(x.equals_missing(&y), "{what}: {name} differs:\n{x}\n{y}");
    }
    let (x, y) = (common::usage_rows(a), common::usage_rows(b));
    assert!(x.equals_missing(&y), "{what}: usage differs:\n{x}\n{y}");
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
    assert!(common::usage_rows(&csv).height() > 1000, "usage is summed per contact-day");
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
    let usage = common::usage_rows;
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

/// `generate --realistic` writes what real exports look like (email-keyed usage, webinar and
/// NPS rows with case and whitespace noise, people the CRM does not know, contact-days split
/// over two rows), and the same company as the clean data: every metric table must come out
/// the same, as CSV, as monthly Parquet files and as one large Parquet file.
#[test]
fn realistic_shapes_give_the_clean_metrics() {
    let dir = temp_dir("formats-realistic");
    let cases: [(&str, &[&str]); 4] = [
        ("clean", &["--format", "parquet"]),
        ("csv", &["--format", "csv", "--realistic"]),
        ("monthly", &["--format", "parquet", "--realistic"]),
        ("single", &["--format", "parquet", "--realistic", "--usage-files", "single"]),
    ];
    for (name, flags) in cases {
        let out = dir.join(name);
        let mut args = vec!["generate", "--out", out.to_str().unwrap(), "--scale", "0.1"];
        args.extend_from_slice(flags);
        let status = cli(&args);
        assert!(status.status.success(), "{}", common::stderr(&status));
        let run = cli(&["run", out.join("pipeline.toml").to_str().unwrap(), "--quiet"]);
        assert!(run.status.success(), "{name}: {}", common::stderr(&run));
    }
    let data = |name: &str| dir.join(name).join("out/data");
    let single = dir.join("single/usage.parquet");
    let groups = polars::io::parquet::read::ParquetReader::new(std::fs::File::open(&single).unwrap())
        .get_metadata()
        .unwrap()
        .row_groups
        .len();
    let quality = read_csv(&data("single").join("data_quality.csv"));
    let usage_at = quality.column("table").unwrap().str().unwrap().iter().position(|t| t == Some("usage"));
    let read = quality.column("rows_read").unwrap().cast(&DataType::Int64).unwrap();
    let usage_rows = read.i64().unwrap().get(usage_at.unwrap()).unwrap() as usize;
    // Row groups of 122,880 rows: ceil(rows / 122,880) of them.
    assert_eq!(groups, usage_rows.div_ceil(122_880), "{usage_rows} usage rows");
    let mut tables: Vec<String> = std::fs::read_dir(data("clean"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".csv") && !n.starts_with("data_quality"))
        .collect();
    tables.sort();
    assert!(tables.len() >= 10, "{tables:?}");
    for name in ["csv", "monthly", "single"] {
        for table in &tables {
            let (a, b) = (
                std::fs::read(data("clean").join(table)).unwrap(),
                std::fs::read(data(name).join(table)).unwrap(),
            );
            assert!(a == b, "{name}: {table} differs from the clean data's");
        }
        // The only rejects are the people the CRM does not know, found by their email.
        let reasons = read_csv(&data(name).join("data_quality_reasons.csv"));
        let reason = reasons.column("reason").unwrap().str().unwrap().clone();
        assert!(reason.iter().all(|r| r == Some("unmatched_contact")), "{name}: {reasons}");
        let tables_rejected = reasons.column("table").unwrap().str().unwrap().clone();
        for table in ["usage", "webinar_attendance"] {
            assert!(tables_rejected.iter().any(|t| t == Some(table)), "{name}: no {table} rejects");
        }
    }
}
