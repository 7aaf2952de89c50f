//! Exports as people have them, one class per test: each twin of a canonical file, written the
//! way a tool or a hand-kept sheet really writes it, must load to the same tables as the
//! canonical file, with the pipeline options the README documents.

mod common;

use std::path::{Path, PathBuf};

use common::{cli, stderr, MiniData};

/// Runs `pipeline` and returns its output folder.
fn run(pipeline: &Path) -> PathBuf {
    let output = cli(&["run", pipeline.to_str().unwrap(), "--quiet"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    pipeline.parent().unwrap().join("out")
}

/// Every `data/` table of two runs is the same (but `data_quality`, which names the files).
fn assert_same_tables(canonical: &Path, twin: &Path) {
    let mut compared = 0;
    for entry in std::fs::read_dir(canonical.join("data")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".csv") || name.starts_with("data_quality.") {
            continue;
        }
        let a = std::fs::read_to_string(&path).unwrap();
        let b = std::fs::read_to_string(twin.join("data").join(&name)).unwrap();
        assert_eq!(a, b, "{name} differs from the canonical run");
        compared += 1;
    }
    assert!(compared >= 14, "compared only {compared} tables");
}

fn edit(pipeline: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(pipeline).unwrap();
    assert!(text.contains(from), "{from:?} is not in the pipeline");
    std::fs::write(pipeline, text.replace(from, to)).unwrap();
}

fn canonical(name: &str) -> PathBuf {
    run(&MiniData::new().write(name))
}

#[test]
fn semicolons_a_title_block_and_windows_1252_load_like_the_canonical_file() {
    let expected = canonical("exports-semicolon-canonical");
    let p = MiniData::new().write("exports-semicolon");
    // A European Excel export: semicolons, Windows-1252, two title lines above the header.
    let text = "Contacts report\r\nExported 2026-11-01\r\n\
                contact_id;account_id;full_name;email;title;created_on;left_on\r\n\
                C1;A1;Ann Able;ann@acme.com;VP;2024-02-01;\r\n\
                C2;A2;Bob Baker;bob@beta.io;CTO;2025-01-01;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    std::fs::write(p.parent().unwrap().join("contacts.csv"), bytes).unwrap();
    edit(&p, "contacts = \"contacts.csv\"", "contacts = { path = \"contacts.csv\", skip_rows = 2 }");
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn a_utf16_tab_separated_file_loads_like_the_canonical_file() {
    let expected = canonical("exports-utf16-canonical");
    let p = MiniData::new().write("exports-utf16");
    // Microsoft Teams and Excel's "Unicode text": UTF-16 LE with a BOM, tabs.
    let text = "csm_id\tcsm_name\tteam\r\nS1\tSam One\tA\r\nS2\tSue Two\tB\r\n";
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(p.parent().unwrap().join("csms.txt"), bytes).unwrap();
    edit(&p, "csms = \"csms.csv\"", "csms = \"csms.txt\"");
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn where_skips_rows_and_says_how_many() {
    let expected = canonical("exports-where-canonical");
    // A recycle-bin duplicate of Ann with the same email and a newer CreatedDate: it must not
    // take Ann's usage, NPS and webinars.
    let p = MiniData::new().write("exports-where");
    let contacts = "contact_id,account_id,full_name,email,title,created_on,left_on,IsDeleted\n\
                    C1,A1,Ann Able,ann@acme.com,VP,2024-02-01,,false\n\
                    C2,A2,Bob Baker,bob@beta.io,CTO,2025-01-01,,\n\
                    C9,A1,Ann Able,ann@acme.com,VP,2026-01-01,,true\n";
    std::fs::write(p.parent().unwrap().join("contacts.csv"), contacts).unwrap();
    edit(
        &p,
        "contacts = \"contacts.csv\"",
        "contacts = { path = \"contacts.csv\", where = \"IsDeleted != true\" }",
    );
    let out = run(&p);
    assert_same_tables(&expected, &out);
    let run_json = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run_json.contains("contacts: 1 row skipped by `where` (IsDeleted != true)"), "{run_json}");
}

#[test]
fn where_as_a_table_keeps_the_listed_values() {
    let expected = canonical("exports-where-table-canonical");
    let p = MiniData::new().write("exports-where-table");
    let csms = "csm_id,csm_name,team,Title\nS1,Sam One,A,Customer Success Manager\n\
                S2,Sue Two,B,CSM\nU7,Integration User,,System Administrator\n";
    std::fs::write(p.parent().unwrap().join("csms.csv"), csms).unwrap();
    edit(
        &p,
        "csms = \"csms.csv\"",
        "csms = { path = \"csms.csv\", where = { Title = [\"Customer Success Manager\", \"CSM\"] } }",
    );
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn defaults_fill_blank_values_and_absent_columns() {
    let expected = canonical("exports-defaults-canonical");
    // A blank Type is common in real orgs; here the whole column is absent from a sheet.
    let p = MiniData::new().write("exports-defaults");
    let deals =
        "opportunity_id,account_id,stage,amount,created_on,closed_on,lead_source,referrer_contact_id\n\
                 O1,A2,won,5000,2024-11-01,2025-01-01,Referral,C1\n";
    std::fs::write(p.parent().unwrap().join("opportunities.csv"), deals).unwrap();
    edit(
        &p,
        "opportunities = \"opportunities.csv\"",
        "opportunities = { path = \"opportunities.csv\", defaults = { opportunity_type = \"new_business\" } }",
    );
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn a_sheet_without_ids_gets_row_ids() {
    // An advocacy tracker kept by hand has no id column; its rows become row-1, row-2, ...
    let p = MiniData::new().write("exports-row-id");
    let sheet = "contact_id,activity_type,status,requested_on,completed_on,opportunity_id\n\
                 C1,reference_call,completed,2024-12-01,2024-12-05,O1\n";
    std::fs::write(p.parent().unwrap().join("advocacy_activities.csv"), sheet).unwrap();
    edit(
        &p,
        "advocacy_activities = \"advocacy_activities.csv\"",
        "advocacy_activities = { path = \"advocacy_activities.csv\", row_id = true }",
    );
    let out = run(&p);
    let csqa = std::fs::read_to_string(out.join("data/csqa.csv")).unwrap();
    assert!(csqa.contains(",row-1,reference_call,"), "{csqa}");
}

#[test]
fn locale_dates_and_words_for_true_and_false_are_read_where_the_input_says() {
    let expected = canonical("exports-locale-canonical");
    let p = MiniData::new().write("exports-locale");
    let sheet =
        "webinar_id,webinar_title,held_on,contact_id,email,registered,attended,minutes_attended,role\n\
                 W1,Intro,10/09/2026,C1,,Registered,Joined,30,attendee\n";
    std::fs::write(p.parent().unwrap().join("webinar_attendance.csv"), sheet).unwrap();
    edit(
        &p,
        "webinar_attendance = \"webinar_attendance.csv\"",
        "webinar_attendance = { path = \"webinar_attendance.csv\", day_first = true, values = { attended = \
         { Joined = \"true\", \"No show\" = \"false\" }, registered = { Registered = \"true\" } } }",
    );
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn a_date_format_is_tried_first() {
    let expected = canonical("exports-date-format-canonical");
    let p = MiniData::new().write("exports-date-format");
    let usage = "contact_id,email,date,active_minutes,events\nC1,,10.10.2026,20,3\n";
    std::fs::write(p.parent().unwrap().join("usage.csv"), usage).unwrap();
    edit(&p, "usage = \"usage.csv\"", "usage = { path = \"usage.csv\", date_format = \"%d.%m.%Y\" }");
    assert_same_tables(&expected, &run(&p));
}

#[test]
fn a_folder_of_gzip_json_files_and_a_json_array_load_like_the_canonical_file() {
    use std::io::Write;
    let expected = canonical("exports-gzip-canonical");
    let p = MiniData::new().write("exports-gzip");
    let dir = p.parent().unwrap();
    // Amplitude-style: one gzip JSON-lines file per hour in a folder (with a README beside).
    let usage = dir.join("usage");
    std::fs::create_dir_all(&usage).unwrap();
    let lines = [
        "{\"contact_id\":\"C1\",\"date\":\"2026-10-10\",\"active_minutes\":12,\"events\":2}\n",
        "{\"contact_id\":\"C1\",\"date\":\"2026-10-10\",\"active_minutes\":8,\"events\":1}\n",
    ];
    for (hour, line) in lines.iter().enumerate() {
        let file = std::fs::File::create(usage.join(format!("2026-10-10_{hour}.json.gz"))).unwrap();
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        gz.write_all(line.as_bytes()).unwrap();
        gz.finish().unwrap();
    }
    std::fs::write(usage.join("README.txt"), "hourly export\n").unwrap();
    edit(&p, "usage = \"usage.csv\"", "usage = \"usage\"");
    // Mixpanel-style: a JSON array.
    let nps = "[{\"response_id\":\"R1\",\"contact_id\":\"C1\",\"responded_on\":\"2026-09-01\",\"score\":9}]";
    std::fs::write(dir.join("nps.json"), nps).unwrap();
    edit(&p, "nps_responses = \"nps_responses.csv\"", "nps_responses = \"nps.json\"");
    let out = run(&p);
    // Two rows of one contact-day: the same minutes (20) and events (3) as the canonical row.
    let health = std::fs::read_to_string(out.join("data/contact_health.csv")).unwrap();
    let canonical_health = std::fs::read_to_string(expected.join("data/contact_health.csv")).unwrap();
    assert_eq!(health, canonical_health);
    let quality = std::fs::read_to_string(out.join("data/data_quality.csv")).unwrap();
    assert!(quality.contains("usage,usage,2,2,0"), "{quality}");
}

#[test]
fn salesforce_15_character_ids_meet_their_18_character_twins() {
    // A report gives 15-character ids; the data export 18-character ones of the same records.
    let id18 = |id15: &str| advocacy::ingest::salesforce_id(id15);
    let (acct15, con15) = ("001Dn00000ABCDe", "003Dn00000XyZ12");
    assert_eq!(id18(acct15).len(), 18);
    // Salesforce's documented example: 001A0000006Vm9r -> 001A0000006Vm9rIAC.
    assert_eq!(id18("001A0000006Vm9r"), "001A0000006Vm9rIAC");
    let p = MiniData::new()
        .set(
            "accounts",
            &format!(
                "account_id,account_name,segment,industry,region,csm_id,customer_since,churned_on,arr\n\
                 {},Acme,SMB,Software,NA,S1,2024-01-15,,1000\nA2,Beta,SMB,Retail,NA,S2,2025-01-01,,2000\n",
                id18(acct15)
            ),
        )
        .set(
            "contacts",
            &format!(
                "contact_id,account_id,full_name,email,title,created_on,left_on\n\
                 {},{acct15},Ann Able,ann@acme.com,VP,2024-02-01,\nC2,A2,Bob Baker,bob@beta.io,CTO,2025-01-01,\n",
                id18(con15)
            ),
        )
        .write("exports-sfid");
    let dir = p.parent().unwrap();
    for table in [
        "advocacy_activities",
        "nps_responses",
        "webinar_attendance",
        "usage",
        "opportunities",
        "job_changes",
    ] {
        let file = dir.join(format!("{table}.csv"));
        let text = std::fs::read_to_string(&file).unwrap();
        let text = text.replace(",C1,", &format!(",{con15},")).replace("\nC1,", &format!("\n{con15},"));
        let text = text.replace(",A1,", &format!(",{acct15},"));
        std::fs::write(&file, text.replace(",C1\n", &format!(",{con15}\n"))).unwrap();
        edit(
            &p,
            &format!("{table} = \"{table}.csv\""),
            &format!("{table} = {{ path = \"{table}.csv\", salesforce_ids = true }}"),
        );
    }
    edit(&p, "contacts = \"contacts.csv\"", "contacts = { path = \"contacts.csv\", salesforce_ids = true }");
    let out = run(&p);
    let quality = std::fs::read_to_string(out.join("data/data_quality.csv")).unwrap();
    assert!(quality.lines().skip(1).all(|l| l.ends_with(",0")), "nothing is rejected: {quality}");
    let csqa = std::fs::read_to_string(out.join("data/csqa.csv")).unwrap();
    assert!(csqa.contains(&id18(con15)), "Ann's activity met her 18-character id: {csqa}");
}

#[test]
fn where_on_a_column_the_file_lacks_names_it() {
    let p = MiniData::new().write("exports-where-missing");
    edit(
        &p,
        "contacts = \"contacts.csv\"",
        "contacts = { path = \"contacts.csv\", where = \"IsDelete != true\" }",
    );
    let output = cli(&["run", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("`where` names the column `IsDelete`"), "{message}");
    assert!(message.contains("contacts.csv"), "{message}");
}

#[test]
fn a_run_that_finds_no_customers_says_so_loudly() {
    // The companies export calls it "Customer Since Date": the optional column is absent, so
    // without a warning every CSM would show 0 customers and the board would look quiet.
    let data = MiniData::new();
    let accounts = data
        .tables
        .iter()
        .find(|(t, _)| *t == "accounts")
        .unwrap()
        .1
        .replace("customer_since", "Customer Since Date");
    let p = data.set("accounts", &accounts).write("exports-no-customers");
    let output = cli(&["run", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("accounts.customer_since is empty in all 2 accepted rows"), "{message}");
    assert!(message.contains("no contact is active at an account that is a customer"), "{message}");
    let out = p.parent().unwrap().join("out");
    let run_json = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run_json.contains("accounts.customer_since is empty"), "{run_json}");
    let board = std::fs::read_to_string(out.join("board.md")).unwrap();
    assert!(board.contains("accounts.customer\\_since is empty"), "{board}");
}

#[test]
fn a_layout_column_the_file_lacks_is_noted() {
    let p = MiniData::new().write("exports-layout-note");
    let dir = p.parent().unwrap();
    // A HubSpot companies export without the ARR property.
    std::fs::write(
        dir.join("companies.csv"),
        "Record ID,Company name,Industry,Company owner,Became a Customer Date\n\
         A1,Acme,Software,Sam One,2024-01-15\nA2,Beta,Retail,Sue Two,2025-01-01\n",
    )
    .unwrap();
    edit(&p, "accounts = \"accounts.csv\"", "accounts = { path = \"companies.csv\", format = \"hubspot\" }");
    let out = run(&p);
    let run_json = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run_json.contains("accounts (hubspot layout): the file has no column for"), "{run_json}");
    assert!(run_json.contains("arr (looked for ARR, Annual recurring revenue)"), "{run_json}");
    // The owner's name was looked up to the CSM's id.
    let scorecard = std::fs::read_to_string(out.join("data/csm_scorecard.csv")).unwrap();
    assert!(scorecard.lines().any(|l| l.starts_with("S1,Sam One,A,1,")), "{scorecard}");
}

#[test]
fn mixed_currencies_are_converted_by_rates_or_refused() {
    // Salesforce multi-currency orgs export `CurrencyIsoCode` beside each amount.
    let deals = "opportunity_id,account_id,opportunity_type,stage,amount,created_on,closed_on,lead_source,referrer_contact_id,currency\n\
                 O1,A2,new_business,won,5000,2024-11-01,2025-01-01,Referral,C1,USD\n\
                 O2,A1,expansion,won,1000,2026-05-01,2026-06-01,,,EUR\n";
    let p = MiniData::new().set("opportunities", deals).write("exports-currency");
    let output = cli(&["run", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("opportunities.amount is in several currencies: EUR (1 rows), USD (1 rows)"),
        "{message}"
    );

    let text =
        std::fs::read_to_string(&p).unwrap() + "\n[currency]\nreporting = \"USD\"\nrates = { EUR = 1.1 }\n";
    std::fs::write(&p, text).unwrap();
    let out = run(&p);
    // 1000 EUR at 1.1 = 1100 USD, won in June 2026: the T12M won amount is 1100.
    let summary = std::fs::read_to_string(out.join("data/influence_summary.csv")).unwrap();
    let t12m = summary.lines().find(|l| l.starts_with("t12m,")).unwrap();
    assert!(t12m.contains(",1,1100.0,") || t12m.contains(",1,1100,"), "{t12m}");
    let run_json = std::fs::read_to_string(out.join("run.json")).unwrap();
    assert!(run_json.contains("opportunities.amount: converted to USD"), "{run_json}");
}

#[test]
fn a_hand_kept_tracker_names_people_by_email_and_companies_by_name() {
    let expected = canonical("exports-lookup-canonical");
    let p = MiniData::new().write("exports-lookup");
    let dir = p.parent().unwrap();
    // The advocacy tracker a CS team keeps in a sheet: no ids, people by email (any case).
    std::fs::write(
        dir.join("tracker.csv"),
        "Email,Activity,Status,Asked,Done,Deal\nANN@acme.com ,reference_call,completed,2024-12-01,2024-12-05,O1\n",
    )
    .unwrap();
    edit(
        &p,
        "advocacy_activities = \"advocacy_activities.csv\"",
        "advocacy_activities = { path = \"tracker.csv\", row_id = true, lookup = { contact_id = \"email\" }, columns = { \
         contact_id = \"Email\", activity_type = \"Activity\", status = \"Status\", requested_on = \"Asked\", \
         completed_on = \"Done\", opportunity_id = \"Deal\" } }",
    );
    // Contacts name their company, not its id.
    std::fs::write(
        dir.join("people.csv"),
        "contact_id,account_id,full_name,email,title,created_on,left_on\n\
         C1,ACME,Ann Able,ann@acme.com,VP,2024-02-01,\nC2,Beta,Bob Baker,bob@beta.io,CTO,2025-01-01,\n",
    )
    .unwrap();
    edit(
        &p,
        "contacts = \"contacts.csv\"",
        "contacts = { path = \"people.csv\", lookup = { account_id = \"account_name\" } }",
    );
    let out = run(&p);
    // Identical tables but the activity's id (row-1 here, ACT1 in the canonical file).
    for table in ["contact_health", "csm_scorecard", "influenced_opportunities", "referrers"] {
        let a = std::fs::read_to_string(expected.join(format!("data/{table}.csv"))).unwrap();
        let b = std::fs::read_to_string(out.join(format!("data/{table}.csv"))).unwrap();
        assert_eq!(a, b, "{table}");
    }
    let csqa = std::fs::read_to_string(out.join("data/csqa.csv")).unwrap();
    assert!(csqa.contains("C1,A1,S1,") && csqa.contains(",row-1,reference_call,"), "{csqa}");
}

#[test]
fn the_example_pipelines_of_each_crm_stack_run_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for stack in ["salesforce_stack", "hubspot_stack"] {
        let out = common::temp_dir(&format!("exports-{stack}")).join("out");
        let pipeline = root.join(format!("pipelines/{stack}.toml"));
        let output = cli(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        assert_eq!(output.status.code(), Some(0), "{stack}: {}", stderr(&output));
        let quality = std::fs::read_to_string(out.join("data/data_quality.csv")).unwrap();
        assert!(quality.lines().skip(1).all(|l| l.ends_with(",0")), "{stack}: nothing rejected: {quality}");
        // The CS team's one reference call made Ann a CSQA through the stack's own ids.
        let csqa = std::fs::read_to_string(out.join("data/csqa.csv")).unwrap();
        assert_eq!(csqa.lines().count(), 2, "{stack}: {csqa}");
    }
}

#[test]
fn label_rows_under_the_header_are_not_data() {
    let expected = canonical("exports-labels-canonical");
    let p = MiniData::new().write("exports-labels");
    // A survey tool's CSV: the question text and a units row under the header.
    let nps = "response_id,contact_id,email,responded_on,score,comment\n\
               Response ID,Contact,Email,Date,How likely are you to recommend us?,Why?\n\
               ,,,,0-10,\n\
               R1,C1,,2026-09-01,9,\n";
    std::fs::write(p.parent().unwrap().join("nps_responses.csv"), nps).unwrap();
    edit(
        &p,
        "nps_responses = \"nps_responses.csv\"",
        "nps_responses = { path = \"nps_responses.csv\", label_rows = 2 }",
    );
    let out = run(&p);
    assert_same_tables(&expected, &out);
    let quality = std::fs::read_to_string(out.join("data/data_quality.csv")).unwrap();
    assert!(quality.contains("nps_responses,nps_responses.csv,1,1,0"), "{quality}");
}

#[test]
fn a_row_id_pattern_numbers_rows_with_a_prefix_and_padding() {
    let p = MiniData::new().write("exports-row-id-pattern");
    let sheet = "contact_id,activity_type,status,requested_on,completed_on,opportunity_id\n\
                 C1,reference_call,completed,2024-12-01,2024-12-05,O1\n";
    std::fs::write(p.parent().unwrap().join("advocacy_activities.csv"), sheet).unwrap();
    edit(
        &p,
        "advocacy_activities = \"advocacy_activities.csv\"",
        "advocacy_activities = { path = \"advocacy_activities.csv\", row_id = \"ACT{:03}\" }",
    );
    let csqa = std::fs::read_to_string(run(&p).join("data/csqa.csv")).unwrap();
    assert!(csqa.contains(",ACT001,reference_call,"), "{csqa}");

    edit(&p, "row_id = \"ACT{:03}\"", "row_id = \"ACT-n\"");
    let output = cli(&["run", p.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`inputs.advocacy_activities.row_id` = \"ACT-n\""),
        "{}",
        stderr(&output)
    );
}
