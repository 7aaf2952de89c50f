//! The output-table registry against the contract: `tests/data/COLUMNS.md` is a copy of
//! `COLUMNS.md`, and every registered table must have its name, key, row order and columns;
//! every report row type must read only columns its table has. A column renamed in a metric
//! fails here rather than in a board pack.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use advocacy::metrics::OutputTable;
use advocacy::report::data::{
    AskRow, Attribution, BacktestModel, BacktestSnapshot, BacktestTier, Candidate, Cohort, CoverageRow,
    CsmRow, Funnel, HealthMonth, Month, Move, Person, Pipeline, Published, Quality, Reason, ReferenceMatch,
    Referrer, Restatement, Retention, SecondOrder, Summary,
};
use advocacy::report::rows::{field_names, Rows};

/// Tables of COLUMNS.md that no metric writes yet (SPEC.md v2, sections 6 to 9). Remove a
/// name when its table lands; the test fails if a listed table is registered.
const PENDING_TABLES: &[&str] = &[];

/// Columns of COLUMNS.md that the v2 metrics add to v1 tables, not written yet.
const PENDING_COLUMNS: &[(&str, &str)] = &[];

/// One row of COLUMNS.md's table list.
#[derive(Debug)]
struct Contract {
    key: Vec<String>,
    order: String,
    columns: Vec<String>,
}

/// Removes parenthesised notes: "rank (v2: ranked first)" -> "rank".
fn without_notes(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ").replace(" ,", ",")
}

/// Splits on commas outside parentheses.
fn top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth) = (Vec::new(), String::new(), 0);
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

fn contracts() -> BTreeMap<String, Contract> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/COLUMNS.md"))
        .expect("tests/data/COLUMNS.md");
    let mut out = BTreeMap::new();
    for line in
        text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| table") && !l.starts_with("| code"))
    {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let [name, key, order, columns] = cells[..] else { continue };
        let name = name.split_whitespace().next().unwrap().to_string();
        let key = without_notes(key);
        let key = if key.is_empty() { Vec::new() } else { key.split(", ").map(str::to_string).collect() };
        let columns = top_level(columns)
            .iter()
            .map(|part| {
                let start = part.find(|c: char| c.is_ascii_lowercase()).expect("a column name");
                part[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
            })
            .collect();
        out.insert(name, Contract { key, order: without_notes(order), columns });
    }
    out
}

#[test]
fn the_contract_parses_into_every_table() {
    let contracts = contracts();
    // 15 v1 tables and 11 v2 tables; a parse that loses rows would prove nothing below.
    assert_eq!(contracts.len(), 26, "{:?}", contracts.keys());
    assert_eq!(contracts["referrers"].order, "won_amount desc, referrals desc, contact_id");
    assert_eq!(contracts["second_order"].key, ["contact_id", "moved_on", "new_account_id"]);
    assert!(contracts["second_order_summary"].key.is_empty());
    assert_eq!(contracts["csqa"].columns[3], "qualified_on");
}

#[test]
fn every_registered_table_has_its_contract_name_key_and_order() {
    let contracts = contracts();
    for table in OutputTable::ALL {
        let def = table.def();
        let contract = contracts.get(def.name).unwrap_or_else(|| panic!("{} is not in COLUMNS.md", def.name));
        assert_eq!(def.key, contract.key, "{} key", def.name);
        assert_eq!(def.order, contract.order, "{} row order", def.name);
        assert!(
            !PENDING_TABLES.contains(&def.name),
            "{} is registered: take it off PENDING_TABLES",
            def.name
        );
    }
    for name in contracts.keys() {
        let registered = OutputTable::from_name(name).is_some();
        assert!(
            registered || PENDING_TABLES.contains(&name.as_str()),
            "COLUMNS.md's {name} is not registered"
        );
    }
}

#[test]
fn every_table_of_a_run_has_the_contract_columns_in_order() {
    let contracts = contracts();
    let computed = common::compute(&common::tiny_with_history());
    assert_eq!(
        computed.tables.len(),
        OutputTable::ALL.len(),
        "a run with history writes every registered table"
    );
    for (table, df) in &computed.tables {
        let name = table.name();
        let written: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
        let expected: Vec<&String> = contracts[name]
            .columns
            .iter()
            .filter(|c| !PENDING_COLUMNS.contains(&(name, c.as_str())))
            .collect();
        // The contract's columns first and in order; names for the reports may follow.
        let head: Vec<&String> = written.iter().take(expected.len()).collect();
        assert_eq!(head, expected, "{name} columns");
        for pending in PENDING_COLUMNS.iter().filter(|(t, _)| *t == name) {
            assert!(
                !written.iter().any(|c| c == pending.1),
                "{name}.{} is written: take it off PENDING_COLUMNS",
                pending.1
            );
        }
    }
}

/// The fields of `T` that its table does not have, on the tiny run.
fn unread<T: Rows>(computed: &advocacy::metrics::Computed) -> Vec<&'static str> {
    let df = computed.get(T::TABLE).unwrap();
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    field_names::<T>().into_iter().filter(|f| !columns.iter().any(|c| c == f)).collect()
}

#[test]
fn every_report_row_type_reads_columns_its_table_has() {
    let computed = common::compute(&common::tiny_with_history());
    let missing = [
        ("Month", unread::<Month>(&computed)),
        ("Summary", unread::<Summary>(&computed)),
        ("Funnel", unread::<Funnel>(&computed)),
        ("Retention", unread::<Retention>(&computed)),
        ("Referrer", unread::<Referrer>(&computed)),
        ("Move", unread::<Move>(&computed)),
        ("SecondOrder", unread::<SecondOrder>(&computed)),
        ("CsmRow", unread::<CsmRow>(&computed)),
        ("Person", unread::<Person>(&computed)),
        ("Candidate", unread::<Candidate>(&computed)),
        ("Quality", unread::<Quality>(&computed)),
        ("Reason", unread::<Reason>(&computed)),
        ("HealthMonth", unread::<HealthMonth>(&computed)),
        ("Published", unread::<Published>(&computed)),
        ("Restatement", unread::<Restatement>(&computed)),
        ("CoverageRow", unread::<CoverageRow>(&computed)),
        ("ReferenceMatch", unread::<ReferenceMatch>(&computed)),
        ("AskRow", unread::<AskRow>(&computed)),
        ("Cohort", unread::<Cohort>(&computed)),
        ("Pipeline", unread::<Pipeline>(&computed)),
        ("Attribution", unread::<Attribution>(&computed)),
        ("BacktestSnapshot", unread::<BacktestSnapshot>(&computed)),
        ("BacktestModel", unread::<BacktestModel>(&computed)),
        ("BacktestTier", unread::<BacktestTier>(&computed)),
    ];
    for (row, fields) in missing {
        assert!(fields.is_empty(), "{row} reads columns its table lacks: {fields:?}");
    }
    // The probe sees real fields: a row type that read nothing would pass the loop above.
    assert_eq!(field_names::<Retention>().len(), 6);
    assert!(!field_names::<CsmRow>().contains(&"new_per_10_accounts"), "derived fields are not read");
}
