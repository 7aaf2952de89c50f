//! Vendor layouts: hand-written fixtures in each vendor's documented export format (with its
//! quirks) load to the same canonical tables as their canonical twins.

mod common;

use std::path::{Path, PathBuf};

use advocacy::ingest::Loaded;
use common::{cli, load_all, stderr, temp_dir};
use polars::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/vendors")
}

/// A pipeline whose inputs are the canonical base tables, with `overrides` replacing some
/// inputs (each a TOML value: a path string or an inline table).
fn pipeline(name: &str, overrides: &[(&str, String)]) -> PathBuf {
    let base = fixtures().join("base");
    let mut inputs: Vec<(String, String)> =
        ["csms", "accounts", "contacts", "opportunities", "advocacy_activities"]
            .iter()
            .map(|t| (t.to_string(), format!("{:?}", base.join(format!("{t}.csv")).to_string_lossy())))
            .collect();
    for (table, value) in overrides {
        inputs.retain(|(t, _)| t != table);
        inputs.push((table.to_string(), value.clone()));
    }
    let mut text = String::from("as_of = \"2026-10-31\"\nout = \"out\"\n\n[inputs]\n");
    inputs.sort_by_key(|(t, _)| {
        ["csms", "accounts", "contacts", "opportunities", "advocacy_activities"].iter().position(|x| x == t)
    });
    for (table, value) in inputs {
        text.push_str(&format!("{table} = {value}\n"));
    }
    text.push_str("\n[quality]\nmax_reject_ratio = 1.0\n");
    let path = temp_dir(name).join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn file(relative: &str) -> String {
    format!("{:?}", fixtures().join(relative).to_string_lossy())
}

fn layout(relative: &str, format: &str) -> String {
    format!("{{ path = {}, format = \"{format}\" }}", file(relative))
}

fn table(loaded: &Loaded, name: &str) -> DataFrame {
    let t = &loaded.tables;
    match name {
        "csms" => t.csms.clone(),
        "accounts" => t.accounts.clone(),
        "contacts" => t.contacts.clone(),
        "opportunities" => t.opportunities.clone(),
        "nps_responses" => t.nps.clone().unwrap(),
        "webinar_attendance" => t.webinars.clone().unwrap(),
        // Minutes per contact and day: what every usage metric reads.
        "usage" => common::usage_rows(loaded),
        other => panic!("{other}"),
    }
}

fn rejects(loaded: &Loaded, name: &str) -> Vec<(i64, String, String)> {
    let q = loaded.quality.iter().find(|q| q.table.name() == name).unwrap();
    let r = &q.rejects;
    (0..r.height())
        .map(|i| {
            (
                r.column("row").unwrap().i64().unwrap().get(i).unwrap(),
                r.column("column").unwrap().str().unwrap().get(i).unwrap().to_string(),
                r.column("reason").unwrap().str().unwrap().get(i).unwrap().to_string(),
            )
        })
        .collect()
}

/// Rows in a fixed order (usage rows come out of a streaming pass in no particular order).
fn in_order(df: &DataFrame) -> DataFrame {
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    df.sort(columns, SortMultipleOptions::default()).unwrap()
}

/// Loads the vendor pipeline and its canonical twin and compares the given tables.
fn same_as_twin(name: &str, vendor: &[(&str, String)], twin: &[(&str, String)], tables: &[&str]) -> Loaded {
    let from_vendor = load_all(&pipeline(&format!("{name}-vendor"), vendor));
    let from_twin = load_all(&pipeline(&format!("{name}-twin"), twin));
    for t in tables {
        let (a, b) = (in_order(&table(&from_vendor, t)), in_order(&table(&from_twin, t)));
        assert!(a.equals_missing(&b), "{name}: {t} differs\nvendor:\n{a}\ncanonical twin:\n{b}");
        assert!(rejects(&from_twin, t).is_empty(), "{name}: the twin of {t} is clean");
    }
    from_vendor
}

#[test]
fn salesforce_data_export() {
    let vendor = [
        ("csms", layout("salesforce/User.csv", "salesforce")),
        ("accounts", layout("salesforce/Account.csv", "salesforce")),
        ("contacts", layout("salesforce/Contact.csv", "salesforce")),
        ("opportunities", layout("salesforce/Opportunity.csv", "salesforce")),
    ];
    let twin = [("opportunities", file("twins/opportunities.csv"))];
    let loaded =
        same_as_twin("salesforce", &vendor, &twin, &["csms", "accounts", "contacts", "opportunities"]);
    for t in ["csms", "accounts", "contacts", "opportunities"] {
        assert!(rejects(&loaded, t).is_empty(), "{t}: {:?}", rejects(&loaded, t));
    }
}

/// A Salesforce org as Data Loader exports it (`tests/data/vendors/salesforce_org/`): API
/// field names, 18-character ids, `IsDeleted` rows from the recycle bin (a duplicate of Ann
/// with her email and a newer `CreatedDate`, a deleted Closed Won deal, a deleted account),
/// `User.csv` with every user of the org and `FirstName`/`LastName` but no `Name`, a blank
/// `Type`; and a contacts report in Windows-1252 with 15-character ids.
#[test]
fn a_salesforce_org_export_loads_without_hand_editing() {
    let org =
        |f: &str| format!("{{ path = {}, format = \"salesforce\" }}", file(&format!("salesforce_org/{f}")));
    let vendor = [
        ("csms", org("User.csv")),
        ("accounts", org("Account.csv")),
        ("contacts", org("Contact.csv")),
        (
            "opportunities",
            format!(
                "{{ path = {}, format = \"salesforce\", defaults = {{ opportunity_type = \"new_business\" }} }}",
                file("salesforce_org/Opportunity.csv")
            ),
        ),
        (
            "advocacy_activities",
            format!("{{ path = {}, salesforce_ids = true }}", file("salesforce_org/twin_activities.csv")),
        ),
    ];
    let twin = [
        ("csms", file("salesforce_org/twin_csms.csv")),
        ("accounts", file("salesforce_org/twin_accounts.csv")),
        ("contacts", file("salesforce_org/twin_contacts.csv")),
        ("opportunities", file("salesforce_org/twin_opportunities.csv")),
        (
            "advocacy_activities",
            format!("{{ path = {}, salesforce_ids = true }}", file("salesforce_org/twin_activities.csv")),
        ),
    ];
    let loaded =
        same_as_twin("salesforce-org", &vendor, &twin, &["csms", "accounts", "contacts", "opportunities"]);
    for t in ["csms", "accounts", "contacts", "opportunities", "advocacy_activities"] {
        assert!(rejects(&loaded, t).is_empty(), "{t}: {:?}", rejects(&loaded, t));
    }
    // The skipped rows are said, not silent: 1 deleted account, 1 contact, 1 deal; 3 users
    // who own no account.
    let notes = loaded.notes.join("\n");
    for expected in [
        "accounts: 1 row skipped by `where` (IsDeleted != true)",
        "contacts: 1 row skipped by `where` (IsDeleted != true)",
        "opportunities: 1 row skipped by `where` (IsDeleted != true)",
        "csms: 3 Salesforce users own no account",
    ] {
        assert!(notes.contains(expected), "{expected}: {notes}");
    }

    // The report's 15-character ids meet the data export's 18-character ones.
    let report = [
        ("csms", org("User.csv")),
        ("accounts", org("Account.csv")),
        (
            "contacts",
            format!(
                "{{ path = {}, format = \"salesforce_report\" }}",
                file("salesforce_org/contacts_report.csv")
            ),
        ),
        ("opportunities", file("salesforce_org/twin_opportunities.csv")),
    ];
    let twin = [
        ("csms", file("salesforce_org/twin_csms.csv")),
        ("accounts", file("salesforce_org/twin_accounts.csv")),
        ("contacts", file("salesforce_org/twin_contacts_report.csv")),
        ("opportunities", file("salesforce_org/twin_opportunities.csv")),
    ];
    same_as_twin("salesforce-org-report", &report, &twin, &["contacts"]);
}

#[test]
fn salesforce_report_exports_with_locale_dates_and_footers() {
    let vendor = [
        ("accounts", layout("salesforce_report/accounts_report.csv", "salesforce_report")),
        // No format named: recognised by its report footer.
        ("contacts", file("salesforce_report/contacts_report.csv")),
        ("opportunities", layout("salesforce_report/opportunities_report.csv", "salesforce_report")),
    ];
    let twin = [("opportunities", file("twins/opportunities.csv"))];
    let loaded = same_as_twin("sf-report", &vendor, &twin, &["accounts", "contacts", "opportunities"]);
    let q = loaded.quality.iter().find(|q| q.table.name() == "opportunities").unwrap();
    assert_eq!(q.rows_read, 4, "the Grand Totals, subtotal and copyright lines are not rows");
}

#[test]
fn hubspot_exports() {
    let vendor = [
        ("accounts", layout("hubspot/companies.csv", "hubspot")),
        ("contacts", layout("hubspot/contacts.csv", "hubspot")),
        // Recognised by its Record ID column.
        ("opportunities", file("hubspot/deals.csv")),
    ];
    let twin = [("opportunities", file("twins/opportunities.csv"))];
    same_as_twin("hubspot", &vendor, &twin, &["accounts", "contacts", "opportunities"]);
}

/// A HubSpot portal as its exports come (`tests/data/vendors/hubspot_portal/`): numeric record
/// ids, the users export (names and emails, no ids), companies whose owner is a person's name
/// and whose date is `Customer Since`, contacts with `Primary Associated Company ID`, a deal
/// with no type (filled by `defaults`).
#[test]
fn a_hubspot_portal_export_loads_without_hand_editing() {
    let portal =
        |f: &str| format!("{{ path = {}, format = \"hubspot\" }}", file(&format!("hubspot_portal/{f}")));
    let vendor = [
        ("csms", portal("users.csv")),
        ("accounts", portal("companies.csv")),
        ("contacts", portal("contacts.csv")),
        (
            "opportunities",
            format!(
                "{{ path = {}, format = \"hubspot\", defaults = {{ opportunity_type = \"new_business\" }} }}",
                file("hubspot_portal/deals.csv")
            ),
        ),
    ];
    let twin = [
        ("csms", file("hubspot_portal/twin_csms.csv")),
        ("accounts", file("hubspot_portal/twin_accounts.csv")),
        ("contacts", file("hubspot_portal/twin_contacts.csv")),
        ("opportunities", file("hubspot_portal/twin_opportunities.csv")),
    ];
    let loaded =
        same_as_twin("hubspot-portal", &vendor, &twin, &["csms", "accounts", "contacts", "opportunities"]);
    for t in ["csms", "accounts", "contacts", "opportunities"] {
        assert!(rejects(&loaded, t).is_empty(), "{t}: {:?}", rejects(&loaded, t));
    }
}

#[test]
fn zoom_attendee_reports_in_a_folder() {
    let vendor = [("webinar_attendance", layout("zoom/reports", "zoom"))];
    let twin = [("webinar_attendance", file("twins/webinar_attendance.csv"))];
    let loaded = same_as_twin("zoom", &vendor, &twin, &["webinar_attendance"]);
    let webinars = table(&loaded, "webinar_attendance");
    // Bob joined twice (29 + 25 minutes): one merged row; the registrant who never joined
    // (`--` join time) is registered and not attended; Cat walked in (`--` registration
    // time): attended, not registered; Ann the panelist is registered. The two host rows are
    // the company's own staff: skipped and noted, not rejected. 7 rows read, 6 after merging.
    assert_eq!(webinars.height(), 6);
    let q = loaded.quality.iter().find(|q| q.table.name() == "webinar_attendance").unwrap();
    assert_eq!((q.rows_read, q.rows_rejected), (7, 0));
    assert!(loaded
        .notes
        .iter()
        .any(|n| n.contains("webinar_attendance: 2 rows skipped by `where` (Section != host)")));
}

/// A Microsoft Teams attendance report as downloaded (UTF-16 with a BOM, tabs, numbered
/// sections), recognised without naming a layout: the organizer is staff and skipped, the
/// presenter a panelist, durations such as `54m 30s` read as minutes.
#[test]
fn a_teams_attendance_report_loads_as_downloaded() {
    let vendor = [("webinar_attendance", file("teams"))];
    let twin = [("webinar_attendance", file("twins/webinar_attendance_teams.csv"))];
    let loaded = same_as_twin("teams", &vendor, &twin, &["webinar_attendance"]);
    assert!(rejects(&loaded, "webinar_attendance").is_empty());
    assert!(loaded
        .notes
        .iter()
        .any(|n| n.contains("webinar_attendance: 1 row skipped by `where` (Role != Organizer)")));
}

#[test]
fn survey_exports() {
    for (name, vendor, twin) in [
        ("qualtrics", layout("surveys/qualtrics.csv", "qualtrics"), "twins/nps_qualtrics.csv"),
        ("surveymonkey", layout("surveys/surveymonkey.csv", "surveymonkey"), "twins/nps_surveymonkey.csv"),
        ("survey-csv", file("surveys/scores.csv"), "twins/nps_survey_csv.csv"),
    ] {
        let loaded = same_as_twin(
            name,
            &[("nps_responses", vendor)],
            &[("nps_responses", file(twin))],
            &["nps_responses"],
        );
        assert!(rejects(&loaded, "nps_responses").is_empty(), "{name}");
    }
}

#[test]
fn pendo_daily_rollups() {
    let vendor = [("usage", file("product/pendo.csv"))];
    let twin = [("usage", file("twins/usage_pendo.csv"))];
    same_as_twin("pendo", &vendor, &twin, &["usage"]);
}

#[test]
fn raw_event_streams_roll_up_and_keep_unreadable_events() {
    for (name, vendor) in
        [("amplitude", file("product/amplitude.jsonl")), ("mixpanel", file("product/mixpanel.jsonl"))]
    {
        // C1: three events in minutes 14:05, 14:05 and 14:07 -> 2 active minutes, 3 events.
        // bob@acme.com: one event at 23:59:59.999 on 10-11 (UTC) -> 1 minute.
        let loaded = same_as_twin(
            name,
            &[("usage", vendor)],
            &[("usage", file("twins/usage_events.csv"))],
            &["usage"],
        );
        // Line 5 has no user, line 6 a time that does not parse: rejected, not dropped.
        assert_eq!(
            rejects(&loaded, "usage"),
            [
                (5, "contact_id".to_string(), "missing_required".to_string()),
                (6, "date".to_string(), "invalid_date".to_string())
            ],
            "{name}"
        );
    }
}

#[test]
fn survey_exports_as_real_surveys_are_built() {
    // A Qualtrics 0-10 question built as a plain question (no `_NPS_GROUP` column) is found
    // by its text, in the current and the legacy export; a SurveyMonkey web-link collector carries the CRM id in Custom Data 1 and
    // no email.
    for (name, vendor, twin) in [
        (
            "qualtrics-plain",
            layout("surveys/qualtrics_plain_question.csv", "qualtrics"),
            "twins/nps_qualtrics.csv",
        ),
        (
            "surveymonkey-weblink",
            layout("surveys/surveymonkey_weblink.csv", "surveymonkey"),
            "twins/nps_surveymonkey_weblink.csv",
        ),
    ] {
        let loaded = same_as_twin(
            name,
            &[("nps_responses", vendor)],
            &[("nps_responses", file(twin))],
            &["nps_responses"],
        );
        assert!(
            rejects(&loaded, "nps_responses").is_empty(),
            "{name}: {:?}",
            rejects(&loaded, "nps_responses")
        );
    }
}

#[test]
fn an_amplitude_export_folder_of_hourly_gzip_files_with_anonymous_ids() {
    // Amplitude's Export API gives one gzip JSON-lines file per hour; user ids are the
    // product's UUIDs, mapped to CRM contacts by an identity file. No `format`: the layout is
    // recognised from the first gzip file's keys.
    let vendor = format!(
        "{{ path = {}, identities = {} }}",
        file("product/amplitude_export"),
        file("product/amplitude_identities.csv")
    );
    let loaded = same_as_twin(
        "amplitude-export",
        &[("usage", vendor)],
        &[("usage", file("twins/usage_anonymous.csv"))],
        &["usage"],
    );
    // Rows 5 and 6 (counted across the files in name order) are unreadable; row 7 is a day of
    // events by a product id the identity file does not know. The rejects show the events' own
    // values, not blanks, for rolled-up days too.
    let q = loaded.quality.iter().find(|q| q.table.name() == "usage").unwrap();
    assert_eq!(
        rejects(&loaded, "usage").iter().map(|r| (r.0, r.2.as_str())).collect::<Vec<_>>(),
        [(5, "missing_required"), (6, "invalid_date"), (7, "unmatched_contact")]
    );
    let unknown = q.rejects.column("user_id").unwrap().str().unwrap().get(2).map(str::to_string);
    assert_eq!(unknown.as_deref(), Some("0c9e7d41-2b6a-4f85-9e13-7a4d6c8b5f20"));
    let when = q.rejects.column("event_time").unwrap().str().unwrap().get(2).map(str::to_string);
    assert_eq!(when.as_deref(), Some("2025-10-12 09:15:00.000000"));
    let time = q.rejects.column("event_time").unwrap().str().unwrap().get(1).map(str::to_string);
    assert_eq!(time.as_deref(), Some("not a time"));
    let user = q.rejects.column("user_id").unwrap().str().unwrap().get(1).map(str::to_string);
    assert_eq!(user.as_deref(), Some("C3"));
}

#[test]
fn a_file_that_does_not_match_its_layout_says_what_was_expected() {
    let p = pipeline("wrong-layout", &[("opportunities", layout("base/opportunities.csv", "salesforce"))]);
    let output = cli(&["validate", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("expected the salesforce layout"), "{message}");
    assert!(message.contains("found columns: opportunity_id, account_id"), "{message}");

    let p = pipeline("unknown-layout", &[("usage", layout("product/pendo.csv", "pendoo"))]);
    let output = cli(&["validate", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("did you mean `pendo`?"), "{}", stderr(&output));

    let p = pipeline("zoom-not", &[("webinar_attendance", layout("surveys/scores.csv", "zoom"))]);
    let output = cli(&["validate", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected a Zoom attendee report"), "{}", stderr(&output));
}

#[test]
fn the_vendor_example_gives_the_canonical_metric_tables() {
    // The same simulated company, once as canonical tables and once as a Salesforce export,
    // a spreadsheet, Zoom reports, a Qualtrics export, Pendo Parquet files and a job-change
    // tool's CSV.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let canonical = common::compute(&root.join("pipelines/monthly_board.toml"));
    let vendor = common::compute(&root.join("pipelines/vendor_exports.toml"));
    let mut compared = 0;
    for (name, df) in &canonical.tables {
        if name.name().starts_with("data_quality") {
            continue; // file names differ, by design
        }
        let other = vendor.table(*name).unwrap_or_else(|| panic!("no {name} from the vendor exports"));
        assert!(df.height() > 0, "{name} is empty: the comparison would prove nothing");
        assert!(df.equals_missing(other), "{name} differs between the canonical and the vendor exports");
        compared += 1;
    }
    // Every table but the two data-quality ones and the two that need a history folder.
    assert_eq!(compared, advocacy::metrics::OutputTable::ALL.len() - 4);
    let rows = |c: &advocacy::metrics::Computed| {
        let q = c.table(advocacy::metrics::OutputTable::DataQuality).unwrap();
        q.column("rows_accepted").unwrap().i64().unwrap().into_no_null_iter().collect::<Vec<_>>()
    };
    assert_eq!(rows(&canonical), rows(&vendor), "every row arrives through the vendor layouts");
}
