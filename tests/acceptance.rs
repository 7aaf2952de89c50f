//! The hand-checked acceptance dataset (`tests/data/tiny`, derivations in its EXPECTED.md),
//! run as of 2026-10-31 with `[quality] max_reject_ratio = 1.0`, against the expected output
//! tables of an independent implementation: same columns (extra columns may follow), same rows
//! in the same order, same values (numbers to 1e-9 relative), and the same rejects.

mod common;

use std::path::Path;

use advocacy::ingest::adapters::text::records;
use common::{cli, stderr, temp_dir, tiny_dir};

/// The records of a CSV file, blank lines left out. The tool's own hand-written CSV reader
/// (the one for vendor exports), so that the comparison does not depend on polars.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("missing {}", path.display()));
    records(&text).into_iter().map(|(_, record)| record).filter(|r| !r.is_empty()).collect()
}

fn same_value(expected: &str, got: &str) -> bool {
    if expected == got {
        return true;
    }
    match (expected.parse::<f64>(), got.parse::<f64>()) {
        (Ok(e), Ok(g)) => (e - g).abs() <= 1e-9 * e.abs().max(1.0),
        _ => false,
    }
}

fn compare(expected: &Path, got: &Path) -> Vec<String> {
    let (e, g) = (rows(expected), rows(got));
    let name = expected.file_name().unwrap().to_string_lossy();
    let mut problems = Vec::new();
    let header = &e[0];
    if g[0].len() < header.len() || &g[0][..header.len()] != header.as_slice() {
        return vec![format!("{name}: header {:?}, expected {:?}", g[0], header)];
    }
    if e.len() != g.len() {
        problems.push(format!("{name}: {} rows, expected {}", g.len() - 1, e.len() - 1));
    }
    for (i, (er, gr)) in e.iter().zip(&g).enumerate().skip(1) {
        for (j, column) in header.iter().enumerate() {
            let got = gr.get(j).map(String::as_str).unwrap_or("<missing>");
            if !same_value(&er[j], got) {
                problems.push(format!("{name} row {i} {column}: expected {:?}, got {:?}", er[j], got));
            }
        }
    }
    problems
}

#[test]
fn the_tiny_dataset_matches_the_reference_outputs() {
    let out = temp_dir("acceptance").join("out");
    let pipeline = tiny_dir().join("pipeline.toml");
    let output = cli(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let expected = tiny_dir().join("expected");
    let mut problems = Vec::new();
    let mut compared = 0;
    for entry in std::fs::read_dir(&expected).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            problems.extend(compare(&path, &out.join("data").join(path.file_name().unwrap())));
            assert!(out.join("data").join(path.with_extension("parquet").file_name().unwrap()).exists());
            compared += 1;
        }
    }
    for entry in std::fs::read_dir(expected.join("rejects")).unwrap() {
        let path = entry.unwrap().path();
        problems.extend(compare(&path, &out.join("rejects").join(path.file_name().unwrap())));
        compared += 1;
    }
    assert_eq!(compared, 24 + 9, "every output table and every rejects file is compared");
    assert!(problems.is_empty(), "{} differences:\n{}", problems.len(), problems.join("\n"));
}
