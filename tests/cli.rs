//! The command line as a user meets it: exit codes, atomic output, `validate`, determinism.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cli, stderr, MiniData};

/// Every file under `dir` with its bytes.
fn snapshot_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// `run.json` without its timings, which are the only part allowed to change between runs.
fn without_timings(run_json: &[u8]) -> String {
    let mut value: serde_json::Value = serde_json::from_slice(run_json).unwrap();
    value.as_object_mut().unwrap().remove("timings_ms");
    value.to_string()
}

#[test]
fn a_failed_run_keeps_the_previous_output() {
    let pipeline = MiniData::new().write("atomic");
    let dir = pipeline.parent().unwrap();
    let out = dir.join("out");
    let first = cli(&["run", pipeline.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot_tree(&out);
    assert!(before.contains_key("run.json") && before.contains_key("data/data_quality.csv"));

    // A broken export: a third of csms rejected, over the default 5%.
    let mut broken = std::fs::read_to_string(dir.join("csms.csv")).unwrap();
    broken.push_str("S1,Duplicate,B\n");
    std::fs::write(dir.join("csms.csv"), broken).unwrap();
    let text = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("max_reject_ratio = 1.0", "max_reject_ratio = 0.05");
    std::fs::write(&pipeline, text).unwrap();
    let failed = cli(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    assert_eq!(snapshot_tree(&out), before, "the previous output is untouched");
    let diagnostics = dir.join("out.failed");
    let rejects = std::fs::read_to_string(diagnostics.join("rejects/csms.csv")).unwrap();
    assert_eq!(rejects, "row,column,reason,csm_id,csm_name,team\n3,csm_id,duplicate_id,S1,Duplicate,B\n");
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(diagnostics.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["status"], "failed");
    assert!(run["error"].as_str().unwrap().contains("csms rejected 1 of 3 rows"));
    assert!(diagnostics.join("data/data_quality.csv").exists());

    // A file-level error writes nothing at all.
    std::fs::remove_file(dir.join("contacts.csv")).unwrap();
    let missing = cli(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(snapshot_tree(&out), before);

    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    // The lock file stays (removing a lock file races with the next run that opens it).
    assert_eq!(leftovers, [".out.lock"], "no staging folders left behind: {leftovers:?}");
}

#[test]
fn two_runs_write_byte_identical_files_apart_from_timings() {
    let pipeline = MiniData::new().write("determinism");
    let files = run_twice_identically(&pipeline, pipeline.parent().unwrap());
    assert!(files.contains_key("board.html") && files.contains_key("data/contact_health.parquet"));
}

/// Runs `pipeline` twice, into `dir/a` and `dir/b`, asserts that both runs wrote the same files
/// byte for byte (run.json apart from its timings) and returns the files of the first.
fn run_twice_identically(pipeline: &Path, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut trees = Vec::new();
    for name in ["a", "b"] {
        let out = dir.join(name);
        let output = cli(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        trees.push(snapshot_tree(&out));
    }
    let (mut a, mut b) = (trees.remove(0), trees.remove(0));
    assert_eq!(
        without_timings(&a.remove("run.json").unwrap()),
        without_timings(&b.remove("run.json").unwrap())
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between runs");
    }
    a
}

#[test]
fn as_of_comes_from_the_flag_then_the_pipeline_file() {
    let pipeline = MiniData::new().write("as-of");
    let out = pipeline.parent().unwrap().join("out");
    assert!(cli(&["run", pipeline.to_str().unwrap()]).status.success());
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["as_of"], "2026-10-31");
    assert_eq!(run["period"]["start"], "2026-10-01");
    assert!(cli(&["run", pipeline.to_str().unwrap(), "--as-of", "2026-06-15"]).status.success());
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["as_of"], "2026-06-15");
    assert_eq!(run["previous_period"]["end"], "2026-05-31");
    assert_eq!(run["pipeline"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(run["inputs"][0]["table"], "csms");
    assert_eq!(run["inputs"][0]["files"][0]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn validate_prints_the_quality_table_and_writes_nothing() {
    let pipeline = MiniData::new().push("usage", "C1,,yesterday,5,1").write("validate");
    let output = cli(&["validate", pipeline.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    let usage = text.lines().find(|l| l.starts_with("usage")).unwrap();
    let cells: Vec<&str> = usage.split_whitespace().collect();
    assert_eq!(cells, ["usage", "usage.csv", "2", "1", "1", "invalid_date", "1"]);
    assert!(!pipeline.parent().unwrap().join("out").exists());

    let mut strict = MiniData::new().push("usage", "C1,,yesterday,5,1");
    strict.settings = String::new();
    let pipeline = strict.write("validate-strict");
    let output = cli(&["validate", pipeline.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stdout.clone()).unwrap().contains("usage"),
        "the table is printed before failing"
    );
    assert!(stderr(&output).contains("usage rejected 1 of 2 rows (50.0%)"), "{}", stderr(&output));
}

#[test]
fn help_and_version_exit_zero_and_unknown_commands_exit_one() {
    let help = cli(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    for command in ["run", "validate", "generate"] {
        assert!(text.contains(command), "{text}");
    }
    assert_eq!(cli(&["--version"]).status.code(), Some(0));
    assert_eq!(cli(&["frobnicate"]).status.code(), Some(1));
    assert_eq!(cli(&["run"]).status.code(), Some(1), "a missing argument is a usage error");
    assert_eq!(cli(&["run", "/nonexistent/pipeline.toml"]).status.code(), Some(1));
}

#[test]
fn generation_is_deterministic() {
    let dir = common::temp_dir("generate");
    for name in ["a", "b"] {
        let out = dir.join(name);
        assert!(cli(&["generate", "--out", out.to_str().unwrap(), "--scale", "0.05", "--seed", "7"])
            .status
            .success());
    }
    assert_eq!(snapshot_tree(&dir.join("a")), snapshot_tree(&dir.join("b")));
    let other = dir.join("c");
    assert!(cli(&["generate", "--out", other.to_str().unwrap(), "--scale", "0.05", "--seed", "8"])
        .status
        .success());
    assert_ne!(snapshot_tree(&dir.join("a"))["contacts.csv"], snapshot_tree(&other)["contacts.csv"]);
}

#[test]
fn the_sample_pipeline_is_deterministic() {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly_board.toml");
    let files = run_twice_identically(&pipeline, &common::temp_dir("sample-determinism"));
    assert!(files.len() > 30, "tables in CSV and Parquet, rejects and reports: {}", files.len());
}

#[test]
fn fractional_usage_sums_are_the_same_on_every_run() {
    // Many rows per contact and day with decimal minutes, whose float sum depends on the order
    // of addition.
    let mut usage = String::new();
    for i in 0..20_000 {
        let day = 2 + i % 29;
        usage.push_str(&format!("C1,,2026-10-{day:02},{}.{},1\n", i % 7, i % 10));
    }
    let mut data = MiniData::new();
    data = data.set("usage", &format!("contact_id,email,date,active_minutes,events\n{usage}"));
    let pipeline = data.write("fractional");
    let dir = pipeline.parent().unwrap();
    let mut health = Vec::new();
    for name in ["a", "b", "c"] {
        let out = dir.join(name);
        assert!(cli(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()]).status.success());
        health.push(std::fs::read(out.join("data/contact_health.csv")).unwrap());
    }
    assert!(health[0] == health[1] && health[1] == health[2]);
}
