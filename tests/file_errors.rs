//! Every file-level and configuration error, as the user sees it: exit code and message,
//! compared with checked-in snapshots in `tests/snapshots/errors/` (temporary paths masked).
//!
//! Regenerate the snapshots after an intended change with:
//! `UPDATE_SNAPSHOTS=1 cargo test --test file_errors`

mod common;

use std::path::Path;

use common::{cli, stderr, MiniData};

fn snapshot(name: &str, pipeline: &Path, args: &[&str]) {
    let dir = pipeline.parent().unwrap();
    let path = pipeline.to_str().unwrap();
    let mut full = vec![args[0], path];
    full.extend(&args[1..]);
    let output = cli(&full);
    let text = format!("exit code: {}\n{}", output.status.code().unwrap_or(-1), stderr(&output))
        .replace(dir.to_str().unwrap(), "<DIR>");
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/errors").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&file)
        .unwrap_or_else(|_| panic!("no snapshot {}; run with UPDATE_SNAPSHOTS=1", file.display()));
    assert_eq!(text, expected, "snapshot {name}");
}

fn remove_file(pipeline: &Path, file: &str) {
    std::fs::remove_file(pipeline.parent().unwrap().join(file)).unwrap();
}

#[test]
fn missing_file() {
    let p = MiniData::new().write("err-missing");
    remove_file(&p, "accounts.csv");
    snapshot("missing_file", &p, &["run"]);
}

#[test]
fn unknown_format() {
    let p = MiniData::new().write("err-format");
    let text = std::fs::read_to_string(&p).unwrap().replace("accounts.csv", "accounts.xlsx");
    std::fs::write(&p, text).unwrap();
    std::fs::write(p.parent().unwrap().join("accounts.xlsx"), "not really a workbook").unwrap();
    snapshot("unknown_format", &p, &["run"]);
}

#[test]
fn missing_required_column_names_what_was_found_and_the_nearest() {
    let p =
        MiniData::new().set("accounts", "acount_id,account_name,csm_id\nA1,Acme,S1\n").write("err-column");
    snapshot("missing_column", &p, &["validate"]);
}

#[test]
fn neither_contact_id_nor_email_column() {
    let p = MiniData::new().set("usage", "person,date,active_minutes\nC1,2026-10-10,5\n").write("err-person");
    snapshot("no_contact_or_email_column", &p, &["run"]);
}

#[test]
fn empty_required_table() {
    let p = MiniData::new()
        .set("contacts", "contact_id,account_id,full_name,email,title,created_on,left_on\n")
        .write("err-empty");
    snapshot("empty_required_table", &p, &["run"]);
}

#[test]
fn unreadable_file() {
    let p = MiniData::new().write("err-unreadable");
    let text = std::fs::read_to_string(&p).unwrap().replace("usage.csv", "usage.parquet");
    std::fs::write(&p, text).unwrap();
    std::fs::write(p.parent().unwrap().join("usage.parquet"), "this is not parquet").unwrap();
    snapshot("unreadable_file", &p, &["run"]);
}

#[test]
fn duplicated_header() {
    let p = MiniData::new().set("csms", "csm_id,csm_name,csm_id\nS1,Sam,S1\n").write("err-header");
    snapshot("duplicated_header", &p, &["run"]);
}

#[test]
fn glob_without_matches() {
    let p = MiniData::new().write("err-glob");
    let text = std::fs::read_to_string(&p).unwrap().replace("usage.csv", "usage/*.parquet");
    std::fs::write(&p, text).unwrap();
    snapshot("glob_without_matches", &p, &["run"]);
}

#[test]
fn unknown_pipeline_key() {
    let mut data = MiniData::new();
    data.settings = "[health]\nusage_target_minute = 200\n".into();
    let p = data.write("err-key");
    snapshot("unknown_pipeline_key", &p, &["run"]);
}

#[test]
fn missing_required_input_in_the_pipeline() {
    let p = MiniData::new().write("err-input");
    let text = std::fs::read_to_string(&p).unwrap().replace("csms = \"csms.csv\"\n", "");
    std::fs::write(&p, text).unwrap();
    snapshot("missing_required_input", &p, &["run"]);
}

#[test]
fn bad_as_of_flag() {
    let p = MiniData::new().write("err-asof");
    snapshot("bad_as_of_flag", &p, &["run", "--as-of", "31/10/2026"]);
}

#[test]
fn too_many_rejects() {
    let mut data = MiniData::new().push("csms", "S1,Sam Again,B");
    data.settings = "[quality]\nmax_reject_ratio = 0.05\n".into();
    let p = data.write("err-ratio");
    snapshot("too_many_rejects", &p, &["run"]);
}
