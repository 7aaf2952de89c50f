//! One small case per reject reason (SPEC.md "Bad input"), plus the order in which checks win
//! when a row has several problems. Each case appends one bad row to an otherwise valid
//! dataset and asserts its (row, column, reason).

mod common;

use advocacy::vocab::schema::TableId;
use common::{rejects_of, MiniData};

fn reject(row: i64, column: &str, reason: &str) -> Vec<(i64, String, String)> {
    vec![(row, column.to_string(), reason.to_string())]
}

fn check(name: &str, table: &str, row: &str, expected: Vec<(i64, String, String)>) {
    let pipeline = MiniData::new().push(table, row).write(name);
    assert_eq!(rejects_of(&pipeline, table), expected, "{name}");
}

#[test]
fn the_clean_dataset_rejects_nothing() {
    let pipeline = MiniData::new().write("clean");
    for table in TableId::ALL.map(TableId::name) {
        assert_eq!(rejects_of(&pipeline, table), vec![], "{table}");
    }
}

#[test]
fn missing_required() {
    check("mr-name", "accounts", "A3,,SMB,,,S1,2025-01-01,,0", reject(3, "account_name", "missing_required"));
    check(
        "mr-blank",
        "accounts",
        "A3,   ,SMB,,,S1,2025-01-01,,0",
        reject(3, "account_name", "missing_required"),
    );
    // closed_on is required once a deal is won or lost...
    check(
        "mr-closed",
        "opportunities",
        "O2,A1,expansion,won,100,2026-01-01,,,",
        reject(2, "closed_on", "missing_required"),
    );
    // ...and completed_on once an activity is completed.
    check(
        "mr-completed",
        "advocacy_activities",
        "ACT2,C1,review,completed,2026-01-01,,",
        reject(2, "completed_on", "missing_required"),
    );
    // A row that names nobody is reported on contact_id.
    check("mr-nobody", "nps_responses", "R2,,,2026-09-01,8,", reject(2, "contact_id", "missing_required"));
}

#[test]
fn an_open_deal_needs_no_closed_on_and_a_pending_activity_no_completed_on() {
    check("open", "opportunities", "O2,A1,expansion,open,100,2026-01-01,,,", vec![]);
    check("pending", "advocacy_activities", "ACT2,C1,review,pending,2026-01-01,,", vec![]);
}

#[test]
fn invalid_date() {
    check(
        "date-month",
        "contacts",
        "C3,A1,X,x@acme.com,,2026-13-01,",
        reject(3, "created_on", "invalid_date"),
    );
    check("date-dmy", "usage", "C1,,31/12/2025,5,1", reject(2, "date", "invalid_date"));
    check("date-unpadded", "usage", "C1,,2025-2-3,5,1", reject(2, "date", "invalid_date"));
    check("date-8digits", "nps_responses", "R2,C1,,20260231,9,", reject(2, "responded_on", "invalid_date"));
}

#[test]
fn invalid_number() {
    check(
        "num-thousands",
        "opportunities",
        "O2,A1,expansion,open,\"12,000\",2026-01-01,,,",
        reject(2, "amount", "invalid_number"),
    );
    check(
        "num-k",
        "opportunities",
        "O2,A1,expansion,open,12k,2026-01-01,,,",
        reject(2, "amount", "invalid_number"),
    );
    check("num-nan", "usage", "C1,,2026-10-11,NaN,1", reject(2, "active_minutes", "invalid_number"));
    check("num-inf", "accounts", "A3,Gamma,SMB,,,S1,2025-01-01,,inf", reject(3, "arr", "invalid_number"));
    check("num-int", "nps_responses", "R2,C1,,2026-09-02,7.5,", reject(2, "score", "invalid_number"));
    check("num-events", "usage", "C1,,2026-10-11,5,2.5", reject(2, "events", "invalid_number"));
    check("num-int-ok", "nps_responses", "R2,C1,,2026-09-02,7.0,", vec![]);
}

#[test]
fn invalid_bool() {
    check(
        "bool",
        "webinar_attendance",
        "W2,X,2026-09-10,C1,,true,maybe,,",
        reject(2, "attended", "invalid_bool"),
    );
    check(
        "bool-reg",
        "webinar_attendance",
        "W2,X,2026-09-10,C1,,t,yes,,",
        reject(2, "registered", "invalid_bool"),
    );
}

#[test]
fn invalid_value() {
    check(
        "stage",
        "opportunities",
        "O2,A1,expansion,Negotiation,100,2026-01-01,,,",
        reject(2, "stage", "invalid_value"),
    );
    check(
        "type",
        "opportunities",
        "O2,A1,upsell,open,100,2026-01-01,,,",
        reject(2, "opportunity_type", "invalid_value"),
    );
    check("status", "advocacy_activities", "ACT2,C1,review,done,,,", reject(2, "status", "invalid_value"));
    check(
        "role",
        "webinar_attendance",
        "W2,X,2026-09-10,C1,,true,true,5,speaker",
        reject(2, "role", "invalid_value"),
    );
}

#[test]
fn spellings_of_enumerations_are_accepted() {
    check("spell-1", "opportunities", "O2,A1,New Business,Closed Won,100,2026-01-01,2026-02-01,,", vec![]);
    check("spell-2", "opportunities", "O2,A1,EXPANSION,closed-lost,100,2026-01-01,2026-02-01,,", vec![]);
    check("spell-3", "webinar_attendance", "W2,X,2026-09-10,C1,,Y,N,,Panelist", vec![]);
}

#[test]
fn out_of_range() {
    check("arr", "accounts", "A3,Gamma,SMB,,,S1,2025-01-01,,-5", reject(3, "arr", "out_of_range"));
    check(
        "amount",
        "opportunities",
        "O2,A1,expansion,open,-1,2026-01-01,,,",
        reject(2, "amount", "out_of_range"),
    );
    check("minutes", "usage", "C1,,2026-10-11,-3,0", reject(2, "active_minutes", "out_of_range"));
    check("score-high", "nps_responses", "R2,C1,,2026-09-02,11,", reject(2, "score", "out_of_range"));
    check("score-low", "nps_responses", "R2,C1,,2026-09-02,-1,", reject(2, "score", "out_of_range"));
    check("score-edges", "nps_responses", "R2,C1,,2026-09-02,0,", vec![]);
}

#[test]
fn closed_before_created() {
    check(
        "cbc",
        "opportunities",
        "O2,A1,expansion,lost,100,2026-05-01,2026-04-01,,",
        reject(2, "closed_on", "closed_before_created"),
    );
    check("cbc-same-day", "opportunities", "O2,A1,expansion,lost,100,2026-05-01,2026-05-01,,", vec![]);
}

#[test]
fn churned_before_customer_since() {
    check(
        "churn",
        "accounts",
        "A3,Gamma,SMB,,,S1,2025-05-01,2025-04-01,0",
        reject(3, "churned_on", "churned_before_customer_since"),
    );
}

#[test]
fn duplicate_id() {
    check("dup", "csms", "S1,Sam Again,B", reject(3, "csm_id", "duplicate_id"));
    check("dup-trimmed", "csms", " S1 ,Sam Again,B", reject(3, "csm_id", "duplicate_id"));
}

#[test]
fn an_earlier_row_that_failed_does_not_make_a_duplicate() {
    let pipeline = MiniData::new()
        .push("accounts", "A3,,SMB,,,S1,2025-01-01,,0")
        .push("accounts", "A3,Gamma,SMB,,,S1,2025-01-01,,0")
        .write("dup-first-failed");
    assert_eq!(rejects_of(&pipeline, "accounts"), reject(3, "account_name", "missing_required"));
}

#[test]
fn unknown_references() {
    check("csm", "accounts", "A3,Gamma,SMB,,,S9,2025-01-01,,0", reject(3, "csm_id", "unknown_csm"));
    check("account", "contacts", "C3,A9,X,x@x.com,,,", reject(3, "account_id", "unknown_account"));
    check("new-account", "job_changes", "C1,2026-01-01,A99,", reject(2, "new_account_id", "unknown_account"));
    check(
        "opportunity",
        "advocacy_activities",
        "ACT2,C1,review,completed,,2026-01-02,O9",
        reject(2, "opportunity_id", "unknown_opportunity"),
    );
}

#[test]
fn unmatched_contacts() {
    check(
        "activity",
        "advocacy_activities",
        "ACT2,C9,review,pending,,,",
        reject(2, "contact_id", "unmatched_contact"),
    );
    check(
        "email",
        "nps_responses",
        "R2,,nobody@nowhere.com,2026-09-02,8,",
        reject(2, "email", "unmatched_contact"),
    );
    check(
        "referrer",
        "opportunities",
        "O2,A1,new_business,open,100,2026-01-01,,,C9",
        reject(2, "referrer_contact_id", "unmatched_contact"),
    );
    check(
        "new-contact",
        "job_changes",
        "C1,2026-01-01,A2,C9",
        reject(2, "new_contact_id", "unmatched_contact"),
    );
    // An unknown contact_id is not rescued by a known email.
    check(
        "no-fallback",
        "usage",
        "C9,ann@acme.com,2026-10-11,5,1",
        reject(2, "contact_id", "unmatched_contact"),
    );
    // A known email, in any case and with spaces, matches.
    check("email-ok", "usage", ",\"  ANN@Acme.com \",2026-10-11,5,1", vec![]);
}

#[test]
fn a_rejected_account_also_rejects_the_contacts_that_point_at_it() {
    let pipeline = MiniData::new()
        .push("accounts", "A3,Gamma,SMB,,,S1,2025-01-01,,-5")
        .push("contacts", "C3,A3,X,x@gamma.com,,,")
        .write("cascade");
    assert_eq!(rejects_of(&pipeline, "accounts"), reject(3, "arr", "out_of_range"));
    assert_eq!(rejects_of(&pipeline, "contacts"), reject(3, "account_id", "unknown_account"));
}

#[test]
fn the_first_failing_check_wins() {
    // missing_required (step 1) beats out_of_range (step 3).
    check(
        "order-1",
        "opportunities",
        "O2,A1,expansion,won,-1,2026-05-01,,,",
        reject(2, "closed_on", "missing_required"),
    );
    // Parse checks go column by column in the spec's order: amount before created_on.
    check(
        "order-2",
        "opportunities",
        "O2,A1,expansion,open,ten,someday,,,",
        reject(2, "amount", "invalid_number"),
    );
    // A parse failure beats a duplicate id and an unknown account.
    check(
        "order-3",
        "opportunities",
        "O1,A9,expansion,open,x,2026-05-01,,,",
        reject(2, "amount", "invalid_number"),
    );
    // A duplicate beats an unknown reference; references go column by column.
    check(
        "order-4",
        "opportunities",
        "O1,A9,expansion,open,1,2026-05-01,,,",
        reject(2, "opportunity_id", "duplicate_id"),
    );
    check(
        "order-5",
        "advocacy_activities",
        "ACT2,C9,review,completed,,2026-01-02,O9",
        reject(2, "contact_id", "unmatched_contact"),
    );
}

#[test]
fn rejects_keep_the_values_as_they_appear_in_the_file() {
    let pipeline =
        MiniData::new().push("nps_responses", "R2,,\"  Nobody@X.com \",2026-09-02,8,\"so, so\"").write("raw");
    let options = advocacy::RunOptions { pipeline, quiet: true, ..Default::default() };
    let validation = advocacy::validate(&options).unwrap();
    let nps = validation.quality.iter().find(|q| q.table.name() == "nps_responses").unwrap();
    let columns: Vec<&str> = nps.rejects.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        columns,
        ["row", "column", "reason", "response_id", "contact_id", "email", "responded_on", "score", "comment"]
    );
    let email = nps.rejects.column("email").unwrap().str().unwrap().get(0).unwrap().to_string();
    assert_eq!(email, "  Nobody@X.com ");
    let comment = nps.rejects.column("comment").unwrap().str().unwrap().get(0).unwrap().to_string();
    assert_eq!(comment, "so, so");
}
