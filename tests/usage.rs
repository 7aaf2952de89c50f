//! The usage pass sums minutes exactly, whatever their values, order or split over rows and
//! files, and resolves email-keyed rows to the contacts they name.

mod common;

use advocacy::calendar::Window;
use advocacy::config::Pipeline;
use advocacy::ingest;
use common::MiniData;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// Minutes per contact over October 2026, loaded from `usage` rows.
fn october(name: &str, rows: &[&str]) -> Vec<(String, f64)> {
    let mut data = MiniData::new().set("usage", "contact_id,email,date,active_minutes,events\n");
    data = data.rows("usage", rows);
    let pipeline = Pipeline::load(&data.write(name)).unwrap();
    let window = Window { start: day("2026-10-01"), end: day("2026-10-31") };
    let loaded = ingest::load(&pipeline, &[window], &|_| {}).unwrap();
    let sums = loaded.tables.usage.unwrap().over(window).unwrap();
    let ids = sums.column("contact_id").unwrap().str().unwrap().clone();
    let minutes = sums.column("minutes").unwrap().f64().unwrap().clone();
    ids.iter().zip(minutes.iter()).map(|(i, m)| (i.unwrap().to_string(), m.unwrap())).collect()
}

#[test]
fn sums_are_exact_and_do_not_depend_on_order() {
    // C1: ten rows of 0.1 minutes. Added in order, floats give 0.9999999999999999; the exact
    // sum of the ten doubles nearest 0.1 is 1.0000000000000000555..., which rounds to 1.0.
    let tenths: Vec<String> = (1..=10).map(|d| format!("C1,,2026-10-{d:02},0.1,1")).collect();
    let tenths: Vec<&str> = tenths.iter().map(String::as_str).collect();
    assert_eq!(october("usage-tenths", &tenths), [("C1".to_string(), 1.0)]);

    // C2 has values the fixed-point path cannot hold: 3e-20 (bits far below 2^-60) and
    // 70,000.25 (beyond 2^16), plus 0.5 that it can: 70,000.75 + 3e-20 rounds to 70,000.75.
    // C1 on its own: 3e-20 + 2e-20 = 5e-20, to the nearest double of the exact sum.
    let odd = [
        "C2,,2026-10-03,3e-20,0",
        "C2,,2026-10-04,70000.25,0",
        "C2,,2026-10-05,0.5,0",
        "C1,,2026-10-06,3e-20,0",
        "C1,,2026-10-07,2e-20,0",
    ];
    let got = october("usage-odd", &odd);
    assert_eq!(got[0].0, "C1");
    assert_eq!(got[0].1, 3e-20 + 2e-20, "one addition of two doubles is already correctly rounded");
    assert_eq!(got[1], ("C2".to_string(), 70000.75));

    // Rows outside the window and rejected rows count for nothing; same-day rows add up.
    let mixed = [
        "C1,,2026-09-30,100,0",
        "C1,,2026-10-31,1.25,0",
        "C1,,2026-10-31,2.5,0",
        "C1,,2026-11-01,100,0",
        "C1,,2026-10-15,-4,0",
        "C9,,2026-10-15,7,0",
    ];
    assert_eq!(october("usage-mixed", &mixed), [("C1".to_string(), 3.75)]);
}

#[test]
fn email_keyed_rows_resolve_whatever_their_case_and_spacing() {
    // ann@acme.com is C1, bob@beta.io is C2 (MiniData's contacts). A row with a contact id is
    // that contact's whatever its email says; an unknown email is rejected.
    let rows = [
        ",\"  ANN@Acme.com \",2026-10-02,4,0",
        ",Bob@Beta.IO,2026-10-02,8,0",
        "C2,ann@acme.com,2026-10-03,16,0",
        ",\tann@acme.com,2026-10-04,1,0",
        ",nobody@acme.com,2026-10-05,1000,0",
    ];
    assert_eq!(october("usage-emails", &rows), [("C1".to_string(), 5.0), ("C2".to_string(), 24.0)]);
    let pipeline = MiniData::new()
        .set("usage", "contact_id,email,date,active_minutes,events\n")
        .rows("usage", &rows)
        .write("usage-emails-rejects");
    let rejects = common::rejects_of(&pipeline, "usage");
    assert_eq!(rejects, [(5, "email".to_string(), "unmatched_contact".to_string())]);
}
