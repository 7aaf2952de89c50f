//! Trends and history (SPEC.md 6): `health_monthly` on hand-made data, the history store's
//! snapshots, `history_monthly` and `restatements`, and `backfill`.

mod common;

use std::path::{Path, PathBuf};

use common::{cli, compute, number_at, stderr, table, temp_dir, MiniData};
use polars::prelude::*;

/// The rows of an output CSV as text cells (no cell here holds a comma).
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("missing {}", path.display()));
    text.lines().skip(1).map(|line| line.split(',').map(str::to_string).collect()).collect()
}

/// Runs `advocacy run` as of `as_of`; panics with stderr when it fails.
fn run(pipeline: &Path, as_of: &str) {
    let output = cli(&["run", pipeline.to_str().unwrap(), "--as-of", as_of, "-q"]);
    assert!(output.status.success(), "run as of {as_of}: {}", stderr(&output));
}

fn out_table(pipeline: &Path, name: &str) -> Vec<Vec<String>> {
    csv_rows(&pipeline.parent().unwrap().join("out/data").join(format!("{name}.csv")))
}

fn history_dir(pipeline: &Path) -> PathBuf {
    pipeline.parent().unwrap().join("history")
}

/// Folders and files in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// One account that becomes a customer on 2026-06-15 and one contact created on 2026-08-01,
/// who completes a reference call on 2026-09-10 (her CSQA) and is asked twice more in
/// October. One open deal (a required table may not be empty).
fn late_starter() -> MiniData {
    MiniData::empty()
        .rows("csms", &["S1,Sam One,A"])
        .rows("accounts", &["A1,Acme,SMB,Software,NA,S1,2026-06-15,,1000"])
        .rows("contacts", &["C1,A1,Ann Able,ann@acme.com,VP,2026-08-01,"])
        .rows("opportunities", &["O1,A1,expansion,open,500,2026-09-01,,,"])
        .rows(
            "advocacy_activities",
            &[
                "ACT1,C1,reference_call,completed,2026-09-01,2026-09-10,",
                "ACT2,C1,review,pending,2026-10-01,,",
                "ACT3,C1,case_study,pending,2026-10-02,,",
            ],
        )
}

#[test]
fn health_monthly_has_null_means_and_coverage_where_nobody_is_counted() {
    let computed = late_starter().compute("health-monthly-empty");
    let monthly = table(&computed, "health_monthly");
    assert_eq!(monthly.height(), 12);
    let row = |month: &str| {
        let months = monthly.column("month").unwrap().str().unwrap().clone();
        let found = months.iter().position(|m| m == Some(month));
        found.unwrap()
    };
    let value = |month: &str, column: &str| number_at(monthly, row(month), column);

    // November 2025: no customer, no contact. A mean over no rows and a share of no accounts
    // are null, never 0.
    assert_eq!(value("2025-11", "contacts"), Some(0.0));
    assert_eq!(value("2025-11", "mean_score"), None);
    assert_eq!(value("2025-11", "accounts"), Some(0.0));
    assert_eq!(value("2025-11", "coverage"), None);
    // June 2026: A1 is a customer from the 15th, C1 does not exist yet: one account, no
    // contact, coverage 0 / 1 = 0.
    assert_eq!(value("2026-06", "contacts"), Some(0.0));
    assert_eq!(value("2026-06", "mean_score"), None);
    assert_eq!(value("2026-06", "accounts"), Some(1.0));
    assert_eq!(value("2026-06", "coverage"), Some(0.0));
    // August: C1 exists with every component 0 (no NPS, so the weights renormalise over
    // usage, engagement and advocacy): score 0, at risk.
    assert_eq!(value("2026-08", "mean_score"), Some(0.0));
    assert_eq!(value("2026-08", "at_risk"), Some(1.0));
    assert_eq!(value("2026-08", "active_csqas"), Some(0.0));
    // September 30: one completed activity in the year -> advocacy 1 / 2 = 0.5, score
    // 100 * 0.20 * 0.5 / (0.30 + 0.15 + 0.20) = 15.384615...; C1 qualified on 09-10, so the
    // one account is covered.
    common::assert_close(value("2026-09", "mean_score"), 100.0 * 0.2 * 0.5 / 0.65);
    assert_eq!(value("2026-09", "active_csqas"), Some(1.0));
    assert_eq!(value("2026-09", "accounts_with_csqa"), Some(1.0));
    assert_eq!(value("2026-09", "coverage"), Some(1.0));
    // Fatigue as of each month-end: on 09-30 one ask in 90 days; on 10-31 three (09-01,
    // 10-01, 10-02), which is fatigue_max_asks.
    assert_eq!(value("2026-09", "fatigued"), Some(0.0));
    assert_eq!(value("2026-10", "fatigued"), Some(1.0));
}

/// The last row of `health_monthly` is this run's `contact_health`, and every month's
/// `active_csqas` is `program_monthly`'s.
fn check_monthly_agrees(computed: &advocacy::metrics::Computed, label: &str) {
    let monthly = table(computed, "health_monthly");
    let health = table(computed, "contact_health");
    let program = table(computed, "program_monthly");
    let last = monthly.height() - 1;
    assert_eq!(number_at(monthly, last, "contacts"), Some(health.height() as f64), "{label}");
    let mean = health.column("score").unwrap().f64().unwrap().mean();
    assert_eq!(number_at(monthly, last, "mean_score"), mean, "{label}: mean_score");
    for tier in ["champion", "advocate", "neutral", "at_risk"] {
        let count = health.column("tier").unwrap().str().unwrap().iter().filter(|t| *t == Some(tier)).count();
        assert_eq!(number_at(monthly, last, tier), Some(count as f64), "{label}: {tier}");
    }
    let fatigued = health.column("fatigued").unwrap().bool().unwrap().sum().unwrap_or(0);
    assert_eq!(number_at(monthly, last, "fatigued"), Some(f64::from(fatigued)), "{label}: fatigued");
    let coverage = table(computed, "account_coverage");
    assert_eq!(number_at(monthly, last, "accounts"), Some(coverage.height() as f64), "{label}: accounts");
    assert_eq!(program.height(), monthly.height());
    for i in 0..monthly.height() {
        assert_eq!(
            number_at(monthly, i, "active_csqas"),
            number_at(program, i, "active_csqas"),
            "{label}: month {i}"
        );
    }
    assert!(number_at(monthly, last, "contacts").unwrap() > 0.0, "{label}: the sample has contacts");
}

#[test]
fn health_monthly_agrees_with_contact_health_and_program_monthly_on_the_sample() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly_board.toml");
    let base = std::fs::read_to_string(&sample).unwrap();
    let dir = temp_dir("sample-monthly");
    for as_of in ["2026-10-31", "2026-06-30", "2026-03-15", "2025-12-31"] {
        // The same pipeline, with its paths made absolute, as of another date.
        let text = base
            .replace("as_of = \"2026-10-31\"", &format!("as_of = \"{as_of}\""))
            .replace("\"../", &format!("\"{}/", env!("CARGO_MANIFEST_DIR")));
        let pipeline = dir.join(format!("sample-{as_of}.toml"));
        std::fs::write(&pipeline, text).unwrap();
        check_monthly_agrees(&compute(&pipeline), as_of);
    }
}

/// Two accounts of one CSM, one contact each. C1 (A1) qualified in March and scores
/// 100 * 0.2 * 0.5 / 0.65 = 15.384615 on 09-30; C2 (A2) scores 0. One deal won in
/// September: O1, 1,000 at A1, no touch, no referral.
fn two_accounts() -> MiniData {
    MiniData::empty()
        .rows("csms", &["S1,Sam One,A"])
        .rows(
            "accounts",
            &["A1,Acme,SMB,Software,NA,S1,2025-01-01,,1000", "A2,Beta,SMB,Retail,NA,S1,2025-01-01,,500"],
        )
        .rows(
            "contacts",
            &["C1,A1,Ann Able,ann@acme.com,VP,2025-01-01,", "C2,A2,Bob Baker,bob@beta.io,CTO,2025-01-01,"],
        )
        .rows("opportunities", &["O1,A1,new_business,won,1000,2026-08-01,2026-09-05,,"])
        .rows("advocacy_activities", &["ACT1,C1,reference_call,completed,2026-03-01,2026-03-10,"])
        .setting("[history]\ndir = \"history\"")
}

/// Replaces the data rows of one input file of a written pipeline.
fn rewrite(pipeline: &Path, table: &str, rows: &[&str]) {
    let header = common::HEADERS.iter().find(|(t, _)| *t == table).unwrap().1;
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(pipeline.parent().unwrap().join(format!("{table}.csv")), text).unwrap();
}

#[test]
fn nothing_restates_when_nothing_changed() {
    let pipeline = two_accounts().write("history-unchanged");
    run(&pipeline, "2026-09-30");
    run(&pipeline, "2026-10-31");
    assert_eq!(
        names_in(&history_dir(&pipeline)),
        [".advocacy-history.lock", "as_of=2026-09-30", "as_of=2026-10-31"]
    );
    let monthly = out_table(&pipeline, "history_monthly");
    // As published on 09-30: 2 contacts, mean (15.384615 + 0) / 2, both at risk, 2 accounts,
    // coverage 1 / 2, 1 active CSQA, none new in September, 1,000 won, nothing influenced.
    assert_eq!(monthly[0][0], "2026-09-30");
    assert_eq!(monthly[0][1], "2");
    common::assert_close(monthly[0][2].parse().ok(), 100.0 * 0.2 * 0.5 / 0.65 / 2.0);
    assert_eq!(monthly[0][3..].join(","), "0,0,0,2,2,0.5,1,0,1000.0,0.0,0.0");
    assert_eq!(monthly[1][0], "2026-10-31", "D's row is this run's");
    assert!(out_table(&pipeline, "restatements").is_empty());
    let board = std::fs::read_to_string(pipeline.parent().unwrap().join("out/board.md")).unwrap();
    assert!(board.contains("Nothing published for the last 12 months has changed since it was published."));
}

#[test]
fn a_late_deal_restates_the_month_it_closed_in() {
    let pipeline = two_accounts().write("history-late-deal");
    run(&pipeline, "2026-09-30");
    // O2 (3,000, closed 09-25) is entered in October.
    rewrite(
        &pipeline,
        "opportunities",
        &[
            "O1,A1,new_business,won,1000,2026-08-01,2026-09-05,,",
            "O2,A2,new_business,won,3000,2026-08-15,2026-09-25,,",
        ],
    );
    run(&pipeline, "2026-10-31");
    // September's won amount was 1,000 when published and is 1,000 + 3,000 now.
    assert_eq!(
        out_table(&pipeline, "restatements"),
        [["2026-09-30", "won_amount", "1000.0", "4000.0", "3000.0"]]
    );
}

#[test]
fn a_corrected_churn_date_restates_the_health_of_that_month() {
    let pipeline = two_accounts().write("history-churn");
    run(&pipeline, "2026-09-30");
    // The CRM learns in October that A2 churned on 09-15: on 09-30 only A1 and C1 count.
    rewrite(
        &pipeline,
        "accounts",
        &[
            "A1,Acme,SMB,Software,NA,S1,2025-01-01,,1000",
            "A2,Beta,SMB,Retail,NA,S1,2025-01-01,2026-09-15,500",
        ],
    );
    run(&pipeline, "2026-10-31");
    let restated = out_table(&pipeline, "restatements");
    let metrics: Vec<&str> = restated.iter().map(|r| r[1].as_str()).collect();
    // In string order: accounts 2 -> 1, at_risk 2 -> 1, contacts 2 -> 1, coverage 1/2 -> 1/1,
    // mean_score 7.692308 -> 15.384615 (C1 alone). active_csqas (C1) and the deals stay.
    assert_eq!(metrics, ["accounts", "at_risk", "contacts", "coverage", "mean_score"]);
    assert_eq!(restated[0][2..], ["2.0", "1.0", "-1.0"].map(String::from));
    assert_eq!(restated[3][2..], ["0.5", "1.0", "0.5"].map(String::from));
    let score = 100.0 * 0.2 * 0.5 / 0.65;
    common::assert_close(restated[4][2].parse().ok(), score / 2.0);
    common::assert_close(restated[4][3].parse().ok(), score);
    common::assert_close(restated[4][4].parse().ok(), score / 2.0);
}

#[test]
fn a_rerun_replaces_the_snapshot_of_its_date_whole() {
    let pipeline = two_accounts().write("history-rerun");
    run(&pipeline, "2026-09-30");
    let snapshot = history_dir(&pipeline).join("as_of=2026-09-30");
    // A file this tool did not write, inside its own snapshot, goes with the snapshot.
    std::fs::write(snapshot.join("stale.parquet"), b"old").unwrap();
    rewrite(
        &pipeline,
        "opportunities",
        &[
            "O1,A1,new_business,won,1000,2026-08-01,2026-09-05,,",
            "O2,A2,new_business,won,3000,2026-08-15,2026-09-25,,",
        ],
    );
    run(&pipeline, "2026-09-30");
    assert_eq!(
        names_in(&history_dir(&pipeline)),
        [".advocacy-history.lock", "as_of=2026-09-30"],
        "no staging left"
    );
    assert!(!snapshot.join("stale.parquet").exists(), "replaced whole");
    let summary =
        ParquetReader::new(std::fs::File::open(snapshot.join("influence_summary.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(number_at(&summary, 0, "won_amount"), Some(4000.0), "the new snapshot's September");
    // The snapshot's tables are the bytes of data/*.parquet.
    let data = pipeline.parent().unwrap().join("out/data");
    for name in ["contact_health", "history_monthly", "restatements", "account_coverage"] {
        let file = format!("{name}.parquet");
        assert_eq!(
            std::fs::read(snapshot.join(&file)).unwrap(),
            std::fs::read(data.join(&file)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_snapshot_missing_a_column_or_a_table_reads_as_null() {
    let pipeline = two_accounts().write("history-old-snapshot");
    run(&pipeline, "2026-09-30");
    // As an older version would have written it: contact_health without `tier`, and no
    // account_coverage table at all.
    let snapshot = history_dir(&pipeline).join("as_of=2026-09-30");
    let path = snapshot.join("contact_health.parquet");
    let health = ParquetReader::new(std::fs::File::open(&path).unwrap()).finish().unwrap();
    let mut old = health.select(["contact_id", "score"]).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut old).unwrap();
    std::fs::remove_file(snapshot.join("account_coverage.parquet")).unwrap();
    run(&pipeline, "2026-10-31");

    let monthly = out_table(&pipeline, "history_monthly");
    // contacts and mean_score are still read; the tiers, accounts and coverage are null.
    assert_eq!(monthly[0][..2], ["2026-09-30", "2"].map(String::from));
    assert_eq!(monthly[0][3..9], ["", "", "", "", "", ""].map(String::from));
    assert_eq!(monthly[0][9], "1", "active_csqas from csqa");
    // Published null, current known: a restatement with a null change.
    let restated = out_table(&pipeline, "restatements");
    let expected = [
        ("accounts", "2"),
        ("advocate", "0"),
        ("at_risk", "2"),
        ("champion", "0"),
        ("coverage", "0.5"),
        ("neutral", "0"),
    ];
    assert_eq!(restated.len(), expected.len(), "{restated:?}");
    for (row, (metric, current)) in restated.iter().zip(expected) {
        let current = if current.contains('.') { current.to_string() } else { format!("{current}.0") };
        assert_eq!(row[1..], [metric.to_string(), String::new(), current, String::new()]);
    }
}

#[test]
fn a_stray_folder_in_the_history_is_an_error_naming_it() {
    let pipeline = two_accounts().write("history-stray");
    let history = history_dir(&pipeline);
    std::fs::create_dir_all(history.join("notes")).unwrap();
    // Plain files and dot-folders are not snapshots and are left alone.
    std::fs::write(history.join("README.md"), "our history").unwrap();
    std::fs::create_dir_all(history.join(".git")).unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("notes/"), "{}", stderr(&output));
    assert!(!pipeline.parent().unwrap().join("out").exists(), "nothing published");
    std::fs::remove_dir(history.join("notes")).unwrap();
    // A folder that looks like a snapshot but names no date is refused too.
    std::fs::create_dir_all(history.join("as_of=2026-13-01")).unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("as_of=2026-13-01"), "{}", stderr(&output));
    std::fs::remove_dir(history.join("as_of=2026-13-01")).unwrap();
    run(&pipeline, "2026-10-31");
    assert_eq!(std::fs::read_to_string(history.join("README.md")).unwrap(), "our history");
    assert!(history.join(".git").is_dir());
}

#[test]
fn a_failed_run_writes_no_snapshot() {
    // With the default reject limit of 5%, a table that rejects one row of two fails the run.
    let pipeline = two_accounts()
        .rows("opportunities", &["O9,A1,new_business,won,-5,2026-08-01,2026-09-05,,"])
        .write("history-failed");
    std::fs::write(
        &pipeline,
        std::fs::read_to_string(&pipeline)
            .unwrap()
            .replace("max_reject_ratio = 1.0", "max_reject_ratio = 0.05"),
    )
    .unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let history = history_dir(&pipeline);
    assert!(!history.exists() || names_in(&history).iter().all(|n| n.starts_with('.')));
}

#[test]
fn a_folder_that_is_not_our_snapshot_is_never_replaced() {
    let pipeline = two_accounts().write("history-foreign");
    let foreign = history_dir(&pipeline).join("as_of=2026-09-30");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("mine.txt"), "keep").unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "--as-of", "2026-09-30", "-q"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(foreign.join("mine.txt")).unwrap(), "keep");
}

#[test]
fn history_inside_the_output_folder_is_refused() {
    let pipeline = two_accounts().write("history-inside-out");
    let text =
        std::fs::read_to_string(&pipeline).unwrap().replace("dir = \"history\"", "dir = \"out/history\"");
    std::fs::write(&pipeline, text).unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("history"), "{}", stderr(&output));
}

#[test]
fn concurrent_runs_on_one_history_take_turns() {
    let pipeline = two_accounts().write("history-concurrent");
    let dir = pipeline.parent().unwrap();
    // Two runs with their own output folders, started together.
    let spawn = |as_of: &str, out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_advocacy"))
            .args([
                "run",
                pipeline.to_str().unwrap(),
                "--as-of",
                as_of,
                "--out",
                dir.join(out).to_str().unwrap(),
                "-q",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("2026-09-30", "out-a"), spawn("2026-10-31", "out-b"));
    for child in [a, b] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(
        names_in(&history_dir(&pipeline)),
        [".advocacy-history.lock", "as_of=2026-09-30", "as_of=2026-10-31"]
    );
    for snapshot in ["as_of=2026-09-30", "as_of=2026-10-31"] {
        let names = names_in(&history_dir(&pipeline).join(snapshot));
        // Every table and run.json.
        let tables = advocacy::metrics::OutputTable::ALL.len();
        assert!(
            names.contains(&"run.json".to_string()) && names.len() == tables + 1,
            "{snapshot}: {names:?}"
        );
    }
}

/// Every Parquet file of a snapshot folder, by name.
fn snapshot_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    names_in(folder)
        .into_iter()
        .filter(|n| n.ends_with(".parquet"))
        .map(|n| (n.clone(), std::fs::read(folder.join(&n)).unwrap()))
        .collect()
}

#[test]
fn backfill_writes_what_plain_runs_would_have() {
    // The hand-checked dataset, with a history folder.
    let pipeline = common::tiny_with_history();
    let dir = pipeline.parent().unwrap().to_path_buf();
    let output = cli(&["backfill", pipeline.to_str().unwrap(), "--months", "4", "-q"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let history = dir.join("history");
    assert_eq!(
        names_in(&history),
        [
            ".advocacy-history.lock",
            "as_of=2026-07-31",
            "as_of=2026-08-31",
            "as_of=2026-09-30",
            "as_of=2026-10-31"
        ]
    );
    assert!(!dir.join("out").exists(), "backfill writes no reports");

    // A copy of the history without the last two snapshots, then plain runs as of those
    // dates, in order: each snapshot is the backfill's, byte for byte.
    let copy = dir.join("plain");
    std::fs::create_dir_all(&copy).unwrap();
    for name in ["as_of=2026-07-31", "as_of=2026-08-31"] {
        std::fs::create_dir_all(copy.join(name)).unwrap();
        for (file, bytes) in snapshot_files(&history.join(name)) {
            std::fs::write(copy.join(name).join(file), bytes).unwrap();
        }
        std::fs::copy(history.join(name).join("run.json"), copy.join(name).join("run.json")).unwrap();
    }
    let plain = dir.join("plain.toml");
    std::fs::write(
        &plain,
        std::fs::read_to_string(&pipeline).unwrap().replace("dir = \"history\"", "dir = \"plain\""),
    )
    .unwrap();
    for as_of in ["2026-09-30", "2026-10-31"] {
        run(&plain, as_of);
        let name = format!("as_of={as_of}");
        let (backfilled, ran) = (snapshot_files(&history.join(&name)), snapshot_files(&copy.join(&name)));
        assert_eq!(backfilled.len(), ran.len());
        assert!(backfilled.len() >= 19, "every table: {}", backfilled.len());
        for ((name_a, a), (name_b, b)) in backfilled.iter().zip(&ran) {
            assert_eq!(name_a, name_b);
            assert!(a == b, "{as_of} {name_a} differs between backfill and run");
        }
    }
    // history_monthly of the last snapshot reads the three before it.
    let monthly = csv_rows(&dir.join("out/data/history_monthly.csv"));
    let dates: Vec<&str> = monthly.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(dates, ["2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31"]);
    assert!(csv_rows(&dir.join("out/data/restatements.csv")).is_empty(), "same inputs, nothing restated");
}

#[test]
fn backfill_needs_a_history_folder() {
    let pipeline = MiniData::new().write("backfill-no-history");
    let output = cli(&["backfill", pipeline.to_str().unwrap(), "-q"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("history.dir"), "{}", stderr(&output));
}

#[test]
fn folders_left_by_killed_runs_are_cleaned_and_foreign_ones_kept() {
    let pipeline = two_accounts().write("history-stale");
    let history = history_dir(&pipeline);
    // A staging folder of a run killed while writing (it carries the marker), and an old
    // snapshot moved aside by a run killed during the swap (it carries our run.json).
    let staging = history.join(".as_of=2026-09-30.tmp-999999");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join(".advocacy-staging"), "").unwrap();
    let aside = history.join(".as_of=2026-08-31.old-999999");
    std::fs::create_dir_all(&aside).unwrap();
    std::fs::write(aside.join("run.json"), r#"{"tool": "advocacy"}"#).unwrap();
    // A dot-folder of someone else's, with a similar name: left alone.
    let foreign = history.join(".as_of=notes.tmp-1");
    std::fs::create_dir_all(&foreign).unwrap();
    run(&pipeline, "2026-10-31");
    assert!(!staging.exists() && !aside.exists(), "{:?}", names_in(&history));
    assert!(foreign.is_dir());
}

#[test]
fn a_corrupt_snapshot_table_is_an_input_error_naming_it() {
    let pipeline = two_accounts().write("history-corrupt");
    run(&pipeline, "2026-09-30");
    let path = history_dir(&pipeline).join("as_of=2026-09-30/contact_health.parquet");
    std::fs::write(&path, b"PAR1 not really parquet PAR1").unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap(), "--as-of", "2026-10-31", "-q"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("contact_health.parquet"), "{}", stderr(&output));
    assert!(history_dir(&pipeline).join("as_of=2026-09-30").is_dir(), "the snapshot is left alone");
}
