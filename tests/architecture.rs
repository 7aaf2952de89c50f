//! The structure rules of ARCHITECTURE.md, checked on the source: each module imports only
//! the floors below it, spec spellings are written once (in `vocab`), and report code never
//! names a table by a string.

use std::path::{Path, PathBuf};

use advocacy::vocab::{Component, OpportunityType, Role, Stage, Status, Tier};

/// Each top-level module and the crate modules it may use. A module may always use itself.
const FLOORS: &[(&str, &[&str])] = &[
    ("vocab", &[]),
    ("calendar", &[]),
    ("error", &[]),
    ("progress", &[]),
    ("config", &["vocab", "calendar", "error"]),
    ("generate", &["vocab", "calendar", "error"]),
    ("ingest", &["vocab", "calendar", "error", "config"]),
    ("metrics", &["vocab", "calendar", "error", "config", "ingest"]),
    ("provenance", &["vocab", "calendar", "error", "config", "ingest"]),
    ("output", &["vocab", "calendar", "error", "config"]),
    ("history", &["vocab", "calendar", "error", "config", "ingest", "metrics", "output"]),
    ("report", &["vocab", "calendar", "error", "config", "ingest", "metrics", "provenance", "output"]),
    ("cli", &["vocab", "calendar", "config", "generate"]),
];

fn sources(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The crate modules a file names (`crate::config::...`), outside comments.
fn uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn every_module_imports_only_the_floors_below_it() {
    let mut checked = 0;
    for (module, allowed) in FLOORS {
        let files = sources(module);
        assert!(!files.is_empty(), "no source for {module}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for used in uses(&text) {
                assert!(
                    used == *module || allowed.contains(&used.as_str()),
                    "{} uses crate::{used}, which is not below {module}",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "the scan found only {checked} imports: it is not reading the source");
}

#[test]
fn spec_spellings_are_written_only_in_vocab() {
    let mut spellings: Vec<&str> = Vec::new();
    spellings.extend(Stage::ALL.iter().map(|v| v.as_str()));
    spellings.extend(OpportunityType::ALL.iter().map(|v| v.as_str()));
    spellings.extend(Status::ALL.iter().map(|v| v.as_str()));
    spellings.extend(Role::ALL.iter().map(|v| v.as_str()));
    spellings.extend(Tier::ALL.iter().map(|v| v.as_str()));
    spellings.extend(Component::ALL.iter().map(|v| v.as_str()));
    for module in ["config", "ingest", "metrics", "report"] {
        for file in sources(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            // Tests may spell values as a user writes them.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for spelling in &spellings {
                let literal = format!("lit(\"{spelling}\")");
                assert!(!code.contains(&literal), "{} compares with {literal}", file.display());
            }
        }
    }
}

#[test]
fn reports_never_name_a_table_by_a_string() {
    for file in sources("report") {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("Table::of(c, \""), "{}", file.display());
        assert!(!text.contains(".table(\""), "{} looks a table up by name", file.display());
    }
}

#[test]
fn errors_keep_their_sources() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/error.rs")).unwrap();
    assert!(!text.contains("impl From<std::io::Error> for Error"), "an I/O error needs its path");
    assert!(!text.contains("Error::Internal(err.to_string())"), "a source was flattened to a string");
}
