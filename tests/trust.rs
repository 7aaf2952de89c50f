//! The promises of README "Bad input", one test per class of failure found by outside testers
//! (issue 10): each failed on the code before it, named by what it protects.

mod common;

use std::path::{Path, PathBuf};

use common::{cli, read_csv, rejects_of, stderr, MiniData};
use polars::prelude::*;

fn run(pipeline: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", pipeline.to_str().unwrap()];
    args.extend(extra);
    cli(&args)
}

fn dir_of(pipeline: &Path) -> PathBuf {
    pipeline.parent().unwrap().to_path_buf()
}

fn set_pipeline(pipeline: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(pipeline).unwrap().replace(from, to);
    std::fs::write(pipeline, text).unwrap();
}

fn write_parquet(path: &Path, mut df: DataFrame) {
    ParquetWriter::new(std::fs::File::create(path).unwrap()).finish(&mut df).unwrap();
}

// ---- 1. data loss ---------------------------------------------------------------------------

#[test]
fn out_dot_never_deletes_the_exports_or_the_pipeline() {
    let p = MiniData::new().write("trust-dot");
    set_pipeline(&p, "out = \"out\"", "out = \".\"");
    let before: Vec<_> = std::fs::read_dir(dir_of(&p)).unwrap().map(|e| e.unwrap().file_name()).collect();
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("refusing to write the output folder"), "{}", stderr(&output));
    let after: Vec<_> = std::fs::read_dir(dir_of(&p)).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "nothing in the exports folder changed");
}

#[test]
fn an_existing_folder_the_tool_did_not_write_is_refused() {
    let p = MiniData::new().write("trust-foreign");
    let documents = dir_of(&p).join("Documents");
    std::fs::create_dir_all(&documents).unwrap();
    std::fs::write(documents.join("plan.txt"), "mine").unwrap();
    let output = run(&p, &["--out", documents.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("was not written by advocacy"), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(documents.join("plan.txt")).unwrap(), "mine");
    // validate agrees with run
    let output = cli(&["validate", p.to_str().unwrap(), "--out", documents.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn an_output_folder_from_an_earlier_run_is_replaced() {
    let p = MiniData::new().write("trust-rerun");
    assert!(run(&p, &[]).status.success());
    let output = run(&p, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest = std::fs::read_to_string(dir_of(&p).join("out/.advocacy-manifest")).unwrap();
    assert!(manifest.lines().any(|l| l == "run.json") && manifest.lines().any(|l| l == "board.html"));
}

// ---- 2 and 3. panics and silently wrong values ----------------------------------------------

#[test]
fn far_out_epoch_dates_are_invalid_not_wrapped_or_a_panic() {
    let p = MiniData::new()
        .push("contacts", "C3,A1,Far Out,far@acme.com,VP,-9500000000000000,")
        .push("contacts", "C4,A1,Wrapped,wrap@acme.com,VP,99999999999999,")
        .write("trust-epoch");
    let rejects = rejects_of(&p, "contacts");
    assert_eq!(
        rejects,
        [
            (3, "created_on".to_string(), "invalid_date".to_string()),
            (4, "created_on".into(), "invalid_date".into())
        ]
    );
    let output = run(&p, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_short_csv_row_is_rejected_not_padded_with_nulls() {
    // The account row lost its last two fields (churned_on, arr): accepting it would drop ARR.
    let p = MiniData::new().push("accounts", "A3,Gamma,SMB,Retail,NA,S1,2024-01-01").write("trust-short");
    assert_eq!(rejects_of(&p, "accounts"), [(3, "churned_on".to_string(), "wrong_field_count".to_string())]);
}

#[test]
fn blank_lines_are_skipped_not_counted_as_rejects() {
    let p = MiniData::new()
        .set("csms", "csm_id,csm_name,team\nS1,Sam One,A\n\nS2,Sue Two,B\n\n")
        .write("trust-blank");
    assert_eq!(rejects_of(&p, "csms"), []);
    let output = run(&p, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let quality = read_csv(&dir_of(&p).join("out/data/data_quality.csv"));
    let read = quality.column("rows_read").unwrap().str().unwrap().get(0).unwrap().to_string();
    assert_eq!(read, "2", "two csm rows, blank lines not counted");
}

#[test]
fn parquet_decimals_huge_unsigned_scores_and_far_dates_are_read_or_rejected() {
    let p = MiniData::new().write("trust-parquet");
    let dir = dir_of(&p);
    // Amounts as decimal128(14,2), a usual money type.
    let opportunities = df!(
        "opportunity_id" => ["O1"], "account_id" => ["A2"], "opportunity_type" => ["new_business"],
        "stage" => ["won"], "amount" => [5000.25f64], "created_on" => ["2024-11-01"],
        "closed_on" => ["2025-01-01"], "lead_source" => ["Referral"], "referrer_contact_id" => ["C1"],
    )
    .unwrap()
    .lazy()
    .with_column(col("amount").cast(DataType::Decimal(14, 2)))
    .collect()
    .unwrap();
    write_parquet(&dir.join("opportunities.parquet"), opportunities);
    // A uint64 score of 2^63 + 5 does not fit: invalid, not null-and-accepted.
    let nps = df!(
        "response_id" => ["R1", "R2"], "contact_id" => ["C1", "C1"],
        "responded_on" => ["2026-09-01", "2026-09-02"], "score" => [9u64, (1u64 << 63) + 5],
    )
    .unwrap();
    write_parquet(&dir.join("nps_responses.parquet"), nps);
    // A date32 of -2e9 days: invalid_date, and its reject row is still written.
    let usage = df!("contact_id" => ["C1", "C1"], "date" => [20_371i32, -2_000_000_000], "active_minutes" => [20.0, 5.0])
        .unwrap()
        .lazy()
        .with_column(col("date").cast(DataType::Date))
        .collect()
        .unwrap();
    write_parquet(&dir.join("usage.parquet"), usage);
    for table in ["opportunities", "nps_responses", "usage"] {
        set_pipeline(&p, &format!("{table}.csv"), &format!("{table}.parquet"));
    }
    assert_eq!(rejects_of(&p, "opportunities"), []);
    assert_eq!(rejects_of(&p, "nps_responses"), [(2, "score".to_string(), "invalid_number".to_string())]);
    assert_eq!(rejects_of(&p, "usage"), [(2, "date".to_string(), "invalid_date".to_string())]);
    let output = run(&p, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let usage_rejects = std::fs::read_to_string(dir.join("out/rejects/usage.csv")).unwrap();
    assert!(usage_rejects.contains("-2000000000 (days since 1970-01-01)"), "{usage_rejects}");
    let summary = read_csv(&dir.join("out/data/influence_summary.csv"));
    let t12m = summary.column("won_amount").unwrap().str().unwrap().get(2).unwrap().to_string();
    assert_eq!(t12m, "0.0", "the one won deal closed 2025-01-01, outside T12M");
}

#[test]
fn json_lines_with_a_bom_huge_integers_and_a_truncated_line() {
    let p = MiniData::new().write("trust-json");
    let dir = dir_of(&p);
    set_pipeline(&p, "nps_responses.csv", "nps_responses.jsonl");
    // A BOM and an integer beyond i64: read, and the score rejected.
    std::fs::write(
        dir.join("nps_responses.jsonl"),
        "\u{feff}{\"response_id\":\"R1\",\"contact_id\":\"C1\",\"responded_on\":\"2026-09-01\",\"score\":9}\n\
         {\"response_id\":\"R2\",\"contact_id\":\"C1\",\"responded_on\":\"2026-09-01\",\"score\":99999999999999999999999}\n",
    )
    .unwrap();
    assert_eq!(rejects_of(&p, "nps_responses"), [(2, "score".to_string(), "invalid_number".to_string())]);
    // A line cut off mid-object: a file error naming the line.
    std::fs::write(
        dir.join("nps_responses.jsonl"),
        "{\"response_id\":\"R1\",\"contact_id\":\"C1\"}\n{\"response_id\":\"R2\",\"con",
    )
    .unwrap();
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("nps_responses.jsonl") && message.contains("line 2 is not a complete JSON object"),
        "{message}"
    );
}

#[test]
fn out_of_range_settings_are_config_errors_naming_the_key() {
    for (setting, key) in [
        ("[health]\nnps_window_days = 4000000000\n", "health.nps_window_days"),
        ("[program]\nmonths = 4000000000\n", "program.months"),
        (
            "[health.weights]\nnps = 1e308\nusage = 1e308\nengagement = 1e308\nadvocacy = 1e308\n",
            "health.weights.nps",
        ),
        ("[candidates]\nmin_score = nan\n", "candidates.min_score"),
        ("[health]\nnps_window_days = -1\n", "health.nps_window_days"),
    ] {
        let mut data = MiniData::new();
        data.settings = format!("{}\n{setting}", data.settings);
        let p = data.write("trust-range");
        for command in ["run", "validate"] {
            let output = cli(&[command, p.to_str().unwrap()]);
            assert_eq!(output.status.code(), Some(1), "{command} {setting}: {}", stderr(&output));
            assert!(stderr(&output).contains(&format!("`{key}`")), "{setting}: {}", stderr(&output));
        }
    }
}

// ---- 4. internal names ----------------------------------------------------------------------

#[test]
fn a_file_cannot_forge_an_identity_through_internal_column_names() {
    // The row names no contact and an email nobody has; its `__email_contact` column claims C2.
    let p = MiniData::new()
        .set(
            "nps_responses",
            "response_id,contact_id,email,responded_on,score,comment,__email_contact,__check\n\
             R1,,nobody@evil.example,2026-09-01,0,,C2,\n",
        )
        .write("trust-forge");
    assert_eq!(rejects_of(&p, "nps_responses"), [(1, "email".to_string(), "unmatched_contact".to_string())]);
}

#[test]
fn reject_columns_named_row_and_row_value_both_survive() {
    let p = MiniData::new()
        .set("csms", "csm_id,csm_name,team,row,row_value\nS1,Sam One,A,x,y\nS1,Dup,B,p,q\nS2,Sue Two,B,,\n")
        .write("trust-row");
    assert!(run(&p, &[]).status.success());
    let rejects = std::fs::read_to_string(dir_of(&p).join("out/rejects/csms.csv")).unwrap();
    assert_eq!(
        rejects.lines().next().unwrap(),
        "row,column,reason,csm_id,csm_name,team,row_value_value,row_value"
    );
}

// ---- 5. formula injection -------------------------------------------------------------------

#[test]
fn csv_cells_cannot_become_spreadsheet_formulas() {
    let p = MiniData::new()
        .set(
            "accounts",
            "account_id,account_name,segment,industry,region,csm_id,customer_since,churned_on,arr\n\
             A1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",SMB,Software,NA,S1,2024-01-15,,1000\n\
             A2,@SUM(A1),SMB,Retail,NA,S2,2025-01-01,,2000\n\
             A3,\"\t=1+1\",SMB,Retail,NA,S9,2025-01-01,,-5\n",
        )
        // A referral by C1 (at A1) created in T12M, so that A1's name is in referrers.
        .push("opportunities", "O2,A2,new_business,open,100,2026-10-01,,,C1")
        .write("trust-formula");
    assert!(run(&p, &[]).status.success());
    let out = dir_of(&p).join("out");
    let referrers = std::fs::read_to_string(out.join("data/referrers.csv")).unwrap();
    assert!(referrers.contains("'=HYPERLINK"), "{referrers}");
    let rejects = std::fs::read_to_string(out.join("rejects/accounts.csv")).unwrap();
    assert!(rejects.contains("'\t=1+1") && rejects.contains(",-5"), "numbers stay numbers: {rejects}");
    for entry in std::fs::read_dir(out.join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains(",=") && !text.contains("\n="), "{}", path.display());
        }
    }
    // Parquet keeps the true value.
    let parquet = ParquetReader::new(std::fs::File::open(out.join("data/referrers.parquet")).unwrap())
        .finish()
        .unwrap();
    let names: Vec<Option<&str>> = parquet.column("account_name").unwrap().str().unwrap().iter().collect();
    assert!(names.iter().flatten().any(|n| n.starts_with("=HYPERLINK")), "{names:?}");
}

// ---- 8. messages ----------------------------------------------------------------------------

#[test]
fn a_wrong_type_in_the_pipeline_file_names_the_key() {
    let mut data = MiniData::new();
    data.settings = format!("{}\n[health.weights]\nnps = \"0.35\"\n", data.settings);
    let p = data.write("trust-type");
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`health.weights.nps` must be a number, not string \"0.35\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_windows_1252_file_is_read_as_such_unless_the_pipeline_says_utf8() {
    let p = MiniData::new().write("trust-cp1252");
    // "Müller" in Windows-1252 on line 3, as Excel and many CRMs write it.
    std::fs::write(dir_of(&p).join("csms.csv"), b"csm_id,csm_name,team\nS1,Sam One,A\nS2,M\xfcller,B\n")
        .unwrap();
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let scorecard = std::fs::read_to_string(dir_of(&p).join("out/data/csm_scorecard.csv")).unwrap();
    assert!(scorecard.contains("Müller"), "{scorecard}");

    // Told the file is UTF-8, the run refuses it and names the line and the likely encoding.
    set_pipeline(&p, "csms = \"csms.csv\"", "csms = { path = \"csms.csv\", encoding = \"utf-8\" }");
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("line 3 is not UTF-8") && message.contains("Windows-1252"), "{message}");
}

#[test]
fn an_as_of_with_month_13_says_the_month_is_out_of_range() {
    let p = MiniData::new().write("trust-month");
    let output = run(&p, &["--as-of", "2026-13-01"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("month 13 is out of range"), "{}", stderr(&output));
}

#[test]
fn an_unwritable_output_location_is_an_environment_error_with_the_path() {
    // The output's parent is a file: the user's environment, exit 2, not an internal error.
    let p = MiniData::new().write("trust-unwritable");
    let file = dir_of(&p).join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("out");
    let output = run(&p, &["--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(file.to_str().unwrap()), "{}", stderr(&output));
}

// ---- 9. freshness ---------------------------------------------------------------------------

#[test]
fn a_future_as_of_is_refused_unless_asked() {
    let p = MiniData::new().write("trust-future");
    let output = run(&p, &["--as-of", "2199-01-31"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--allow-future"), "{}", stderr(&output));
    let output = run(&p, &["--as-of", "2199-01-31", "--allow-future"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn stale_inputs_warn_on_stderr_in_run_json_and_on_the_board() {
    // The newest date in the mini data is the usage day 2026-10-10; D is 2026-10-31.
    let p = MiniData::new().write("trust-stale");
    let output = run(&p, &[]);
    assert!(output.status.success());
    let expected = "the inputs hold data through 10 Oct 2026 only, 21 days before the as-of date 31 Oct 2026";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
    let out = dir_of(&p).join("out");
    let run_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert!(run_json["warnings"][0].as_str().unwrap().contains(expected));
    assert!(std::fs::read_to_string(out.join("board.md")).unwrap().contains(expected));
    assert!(std::fs::read_to_string(out.join("board.html")).unwrap().contains(expected));
}

#[test]
fn run_json_hashes_the_files_that_were_read_and_no_others() {
    // A canonical folder input reads its Parquet files only; a README beside them is neither
    // read nor listed as an input in run.json.
    let p = MiniData::new().write("trust-hashes");
    let usage = dir_of(&p).join("usage");
    std::fs::create_dir_all(&usage).unwrap();
    let good = df!("contact_id" => ["C1"], "date" => ["2026-10-10"], "active_minutes" => [5.0]).unwrap();
    write_parquet(&usage.join("2026-10.parquet"), good);
    std::fs::write(usage.join("README.md"), "what these files are\n").unwrap();
    set_pipeline(&p, "usage = \"usage.csv\"", "usage = { path = \"usage\", format = \"canonical\" }");
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let run_json = std::fs::read_to_string(dir_of(&p).join("out/run.json")).unwrap();
    assert!(run_json.contains("usage/2026-10.parquet"), "{run_json}");
    assert!(!run_json.contains("README.md"), "{run_json}");
}

#[test]
fn a_broken_file_in_a_parquet_folder_is_named() {
    let p = MiniData::new().write("trust-folder");
    let usage = dir_of(&p).join("usage");
    std::fs::create_dir_all(&usage).unwrap();
    let good = df!("contact_id" => ["C1"], "date" => ["2026-10-10"], "active_minutes" => [5.0]).unwrap();
    write_parquet(&usage.join("2026-09.parquet"), good);
    std::fs::write(usage.join("2026-10.parquet"), b"PAR1 this is not a parquet file").unwrap();
    set_pipeline(&p, "usage = \"usage.csv\"", "usage = \"usage\"");
    let output = run(&p, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("2026-10.parquet"), "{}", stderr(&output));
}

#[test]
fn validate_checks_the_report_templates_as_run_does() {
    let mut data = MiniData::new();
    data.settings = format!("{}\n[reports]\ntemplates = \"templates\"\n", data.settings);
    let p = data.write("trust-templates");
    let templates = dir_of(&p).join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("board.md"), "{{ no_such_variable }}\n").unwrap();
    let run_code = run(&p, &[]).status.code();
    let validate = cli(&["validate", p.to_str().unwrap()]);
    assert_eq!(validate.status.code(), run_code, "{}", stderr(&validate));
    assert_eq!(run_code, Some(1));
    assert!(stderr(&validate).contains("board.md"), "{}", stderr(&validate));
}
