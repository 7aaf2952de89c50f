//! `advocacy generate --layout vendor`: the same simulated company, written the way its tools
//! export it, so that a pipeline reading vendor layouts can be checked against the canonical
//! one table by table:
//! - `salesforce/`: a Salesforce data export (`User`, `Account`, `Contact`, `Opportunity`),
//!   every field quoted, ISO datetimes with milliseconds and `Z`, custom fields for customer
//!   since, churn date, ARR, segment, region and the referring contact; with the recycle bin
//!   (`IsDeleted = true` duplicates), users who are not CSMs, and `User.csv` in Windows-1252;
//! - `advocacy_tracker.csv`: the team's hand-kept spreadsheet, with its own headers and words,
//!   no id column, and 15-character ids copied from Salesforce reports;
//! - `zoom/`: one Zoom attendee report per webinar;
//! - `qualtrics/nps_export.csv`: a Qualtrics export with its three header rows;
//! - `pendo/`: Pendo daily event rollups as monthly gzip JSON-lines files (`day` in epoch
//!   milliseconds);
//! - `job_changes.csv`: a job-change tool's export, with its own headers.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::world::{Kind, World};
use super::{for_usage_on, io_error, month_ranges, Options, USAGE_DAYS};
use crate::calendar::from_epoch_days;
use crate::error::Result;

/// Writes the vendor-layout exports; returns rows (or files) per export for the summary.
pub fn write(w: &World, options: &Options) -> Result<Vec<(String, usize)>> {
    let out = &options.out;
    let salesforce = out.join("salesforce");
    fs::create_dir_all(&salesforce).map_err(|e| io_error(&salesforce, e))?;
    let tables: [(&str, Vec<Vec<String>>); 6] = [
        ("salesforce/User.csv", users(w)),
        ("salesforce/Account.csv", accounts(w)),
        ("salesforce/Contact.csv", contacts(w)),
        ("salesforce/Opportunity.csv", opportunities(w)),
        ("advocacy_tracker.csv", tracker(w)),
        ("job_changes.csv", job_changes(w)),
    ];
    let mut counts = Vec::new();
    for (name, rows) in tables {
        // Salesforce's weekly export and Excel write Windows-1252 where a name needs it.
        let cp1252 = name == "salesforce/User.csv";
        counts.push((name.to_string(), write_csv(&out.join(name), &rows, cp1252)?));
    }
    counts.push(("zoom/".to_string(), zoom_reports(w, &out.join("zoom"))?));
    let qualtrics = out.join("qualtrics");
    fs::create_dir_all(&qualtrics).map_err(|e| io_error(&qualtrics, e))?;
    fs::write(qualtrics.join("nps_export.csv"), qualtrics_export(w)).map_err(|e| io_error(&qualtrics, e))?;
    counts.push(("qualtrics/nps_export.csv".to_string(), w.nps.len()));
    counts.push(("pendo/".to_string(), pendo(w, options)?));
    Ok(counts)
}

/// One CSV line with every field quoted, as Salesforce writes them.
fn line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
    quoted.join(",") + "\n"
}

fn write_csv(path: &Path, rows: &[Vec<String>], cp1252: bool) -> Result<usize> {
    let text: String = rows.iter().map(|r| line(r)).collect();
    let bytes =
        if cp1252 { encoding_rs::WINDOWS_1252.encode(&text).0.into_owned() } else { text.into_bytes() };
    fs::write(path, bytes).map_err(|e| io_error(path, e))?;
    Ok(rows.len().saturating_sub(1))
}

fn day(d: i32) -> String {
    from_epoch_days(d).to_string()
}

fn opt_day(d: Option<i32>) -> String {
    d.map(day).unwrap_or_default()
}

/// A Salesforce datetime: `2024-03-29T00:00:00.000Z`.
fn stamp(d: Option<i32>) -> String {
    d.map(|d| format!("{}T00:00:00.000Z", day(d))).unwrap_or_default()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

/// Every user of the org, as Salesforce lists them: the CSMs, and an administrator and an
/// integration user who own no account (the layout skips them).
fn users(w: &World) -> Vec<Vec<String>> {
    let mut rows = vec![strings(&["Id", "Name", "Department", "IsActive"])];
    rows.extend(w.csms.iter().map(|c| vec![c.id.clone(), c.name.clone(), c.team.to_string(), "true".into()]));
    rows.push(strings(&["USR-ADMIN", "Zoë Système", "IT", "true"]));
    rows.push(strings(&["USR-INTEGRATION", "Integration User", "", "true"]));
    rows
}

fn accounts(w: &World) -> Vec<Vec<String>> {
    let mut rows = vec![strings(&[
        "Id",
        "IsDeleted",
        "Name",
        "Type",
        "Industry",
        "Region__c",
        "OwnerId",
        "Segment__c",
        "Customer_Since__c",
        "Churn_Date__c",
        "ARR__c",
    ])];
    rows.extend(w.accounts.iter().map(|a| {
        let kind = if a.churned_on.is_some() {
            "Former Customer"
        } else if a.customer_since.is_some() {
            "Customer"
        } else {
            "Prospect"
        };
        vec![
            a.id.clone(),
            "false".into(),
            a.name.clone(),
            kind.into(),
            a.industry.into(),
            a.region.into(),
            a.csm.map(|c| w.csms[c].id.clone()).unwrap_or_default(),
            a.segment.into(),
            opt_day(a.customer_since),
            opt_day(a.churned_on),
            format!("{:.1}", a.arr),
        ]
    }));
    recycle_bin(&mut rows, 40);
    rows
}

/// Adds the recycle bin: a deleted copy of every `every`-th record (a merged duplicate), with
/// its own id and `IsDeleted = true`. Data exports include them; the layout skips them.
fn recycle_bin(rows: &mut Vec<Vec<String>>, every: usize) {
    let deleted: Vec<Vec<String>> = rows
        .iter()
        .skip(1)
        .step_by(every)
        .map(|row| {
            let mut copy = row.clone();
            copy[0] = format!("{}-DELETED", copy[0]);
            copy[1] = "true".into();
            copy
        })
        .collect();
    rows.extend(deleted);
}

fn contacts(w: &World) -> Vec<Vec<String>> {
    let mut rows = vec![strings(&[
        "Id",
        "IsDeleted",
        "AccountId",
        "FirstName",
        "LastName",
        "Name",
        "Email",
        "Title",
        "CreatedDate",
        "Left_Company_Date__c",
    ])];
    rows.extend(w.contacts.iter().map(|c| {
        let (first, last) = c.full_name.split_once(' ').unwrap_or((&c.full_name, ""));
        vec![
            c.id.clone(),
            "false".into(),
            w.accounts[c.account].id.clone(),
            first.into(),
            last.into(),
            c.full_name.clone(),
            c.email.clone(),
            c.title.into(),
            stamp(c.created_on),
            opt_day(c.left_on),
        ]
    }));
    // A deleted duplicate keeps the email and has a newer CreatedDate: were it read, it would
    // win email matching and take the live contact's usage, webinars and NPS.
    recycle_bin(&mut rows, 25);
    for row in rows.iter_mut().filter(|r| r[1] == "true") {
        row[8] = "2026-11-01T09:00:00.000Z".into();
    }
    rows
}

fn opportunities(w: &World) -> Vec<Vec<String>> {
    let mut rows = vec![strings(&[
        "Id",
        "IsDeleted",
        "AccountId",
        "Name",
        "Type",
        "StageName",
        "IsWon",
        "IsClosed",
        "Amount",
        "CreatedDate",
        "CloseDate",
        "LeadSource",
        "Referrer_Contact__c",
    ])];
    rows.extend(w.opportunities.iter().map(|o| {
        let account = &w.accounts[o.account];
        let kind = match o.kind {
            Kind::NewBusiness => "New Customer",
            Kind::Expansion => "Existing Customer - Upgrade",
            Kind::Renewal => "Renewal",
        };
        let (stage, won, closed) = match o.won {
            Some(true) => ("Closed Won", "true", "true"),
            Some(false) => ("Closed Lost", "false", "true"),
            None => ("Negotiation/Review", "false", "false"),
        };
        // An open deal's close date is a forecast; the adapter ignores it.
        let close = o.closed_on.unwrap_or(o.created_on + 90);
        let source = super::lead_source(o).unwrap_or_default();
        vec![
            o.id.clone(),
            "false".into(),
            account.id.clone(),
            format!("{} - {}", account.name, kind),
            kind.into(),
            stage.into(),
            won.into(),
            closed.into(),
            format!("{:.1}", o.amount),
            stamp(Some(o.created_on)),
            day(close),
            source.to_string(),
            o.referrer.map(|c| w.contacts[c].id.clone()).unwrap_or_default(),
        ]
    }));
    // Deleted deals, Closed Won among them: read, they would inflate won revenue.
    recycle_bin(&mut rows, 30);
    rows
}

/// The spreadsheet an advocacy team keeps by hand: its own headers and status words, no id
/// column, and the 15-character ids people copy from Salesforce reports.
fn tracker(w: &World) -> Vec<Vec<String>> {
    let mut rows =
        vec![strings(&["Advocate (Contact ID)", "Activity", "Status", "Asked on", "Done on", "Deal ID"])];
    // No id column, as hand-kept sheets go: row n is the activity `ACT<n>` (the pipeline's
    // `row_id = "ACT{:07}"`).
    for (_, a) in super::activities_in_order(w) {
        let status = match a.status {
            "completed" => "Done",
            "pending" => "Asked",
            _ => "Said no",
        };
        rows.push(vec![
            report_id(&w.contacts[a.contact].id),
            a.kind.into(),
            status.into(),
            opt_day(a.requested_on),
            opt_day(a.completed_on),
            a.opportunity.map(|o| report_id(&w.opportunities[o].id)).unwrap_or_default(),
        ]);
    }
    rows
}

/// The 15-character form of an id, as Salesforce reports show it.
fn report_id(id: &str) -> String {
    id.chars().take(15).collect()
}

fn job_changes(w: &World) -> Vec<Vec<String>> {
    let mut rows = vec![strings(&[
        "Person CRM ID",
        "Full Name",
        "Job Change Detected",
        "New Company CRM ID",
        "New Person CRM ID",
    ])];
    rows.extend(w.job_changes.iter().map(|j| {
        vec![
            w.contacts[j.contact].id.clone(),
            w.contacts[j.contact].full_name.clone(),
            day(j.moved_on),
            w.accounts[j.new_account].id.clone(),
            j.new_contact.map(|c| w.contacts[c].id.clone()).unwrap_or_default(),
        ]
    }));
    rows
}

/// `Oct 12, 2025 17:00:05`.
fn zoom_time(d: i32, seconds: i32) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        from_epoch_days(d).format("%b %-d, %Y"),
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One attendee report per webinar, in Zoom's sectioned layout.
fn zoom_reports(w: &World, folder: &Path) -> Result<usize> {
    fs::create_dir_all(folder).map_err(|e| io_error(folder, e))?;
    let start = 17 * 3600;
    for (i, webinar) in w.webinars.iter().enumerate() {
        let rows: Vec<_> = w.attendance.iter().filter(|a| a.webinar == i).collect();
        let registered = rows.iter().filter(|a| a.registered).count();
        let viewers = rows.iter().filter(|a| a.attended).count();
        let mut text = String::from("Attendee Report\n");
        let _ = writeln!(text, "Report Generated:,\"{}\",", zoom_time(webinar.held_on + 1, 9 * 3600));
        text.push_str(
            "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled registrations,\
             Unique Viewers,Total Users,Max Concurrent Views,\n",
        );
        let _ = writeln!(
            text,
            "{},{},\"{}\",60,{registered},0,{viewers},{},{viewers},",
            csv_field(&webinar.title),
            webinar.id,
            zoom_time(webinar.held_on, start),
            rows.len()
        );
        let session = |a: &super::world::Attendance| -> (String, String, String) {
            if a.attended {
                let join = start + 60;
                (
                    format!("\"{}\"", zoom_time(webinar.held_on, join)),
                    format!("\"{}\"", zoom_time(webinar.held_on, join + (a.minutes as i32) * 60)),
                    format!("{}", a.minutes),
                )
            } else {
                ("--".into(), "--".into(), "--".into())
            }
        };
        text.push_str("Host Details,\nAttended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,\n");
        text.push_str("Panelist Details,\nAttended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,\n");
        for a in rows.iter().filter(|a| a.role == "panelist") {
            let c = &w.contacts[a.contact];
            let (join, leave, minutes) = session(a);
            let _ = writeln!(
                text,
                "{},{},{},{join},{leave},{minutes},Yes,,",
                if a.attended { "Yes" } else { "No" },
                csv_field(&c.full_name),
                c.email
            );
        }
        text.push_str("Attendee Details,\nAttended,User Name (Original Name),First Name,Last Name,Email,Registration Time,Approval Status,Join Time,Leave Time,Time in Session (minutes),Is Guest,Country/Region Name,\n");
        for a in rows.iter().filter(|a| a.role != "panelist") {
            let c = &w.contacts[a.contact];
            let (first, last) = c.full_name.split_once(' ').unwrap_or((&c.full_name, ""));
            let (join, leave, minutes) = session(a);
            let (registration, approval) = if a.registered {
                (format!("\"{}\"", zoom_time(webinar.held_on - 7, 10 * 3600)), "approved")
            } else {
                (String::new(), "")
            };
            let _ = writeln!(
                text,
                "{},{},{},{},{},{registration},{approval},{join},{leave},{minutes},Yes,,",
                if a.attended { "Yes" } else { "No" },
                csv_field(&c.full_name),
                csv_field(first),
                csv_field(last),
                c.email
            );
        }
        let path = folder.join(format!("{}_attendee_report.csv", webinar.id));
        fs::write(&path, text).map_err(|e| io_error(&path, e))?;
    }
    Ok(w.webinars.len())
}

/// A Qualtrics export: column ids, question texts, import metadata, then responses.
fn qualtrics_export(w: &World) -> String {
    let ids = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
        "Q1",
        "Q1_NPS_GROUP",
        "Q2",
    ];
    let questions = [
        "Start Date",
        "End Date",
        "Response Type",
        "IP Address",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Last Name",
        "Recipient First Name",
        "Recipient Email",
        "External Data Reference",
        "Location Latitude",
        "Location Longitude",
        "Distribution Channel",
        "User Language",
        "How likely are you to recommend us to a friend or colleague?",
        "How likely are you to recommend us to a friend or colleague? - Group",
        "What is the main reason for your score?",
    ];
    let imports = [
        "startDate",
        "endDate",
        "status",
        "ipAddress",
        "progress",
        "duration",
        "finished",
        "recordedDate",
        "_recordId",
        "recipientLastName",
        "recipientFirstName",
        "recipientEmail",
        "externalDataReference",
        "locationLatitude",
        "locationLongitude",
        "distributionChannel",
        "userLanguage",
        "QID1",
        "QID1_NPS_GROUP",
        "QID2_TEXT",
    ];
    let mut text = ids.join(",") + "\n";
    text.push_str(&questions.iter().map(|q| csv_field(q)).collect::<Vec<_>>().join(","));
    text.push('\n');
    text.push_str(
        &imports
            .iter()
            .map(|i| csv_field(&format!("{{\"ImportId\":\"{i}\"}}")))
            .collect::<Vec<_>>()
            .join(","),
    );
    text.push('\n');
    for (n, r) in w.nps.iter().enumerate() {
        let c = &w.contacts[r.contact];
        let (first, last) = c.full_name.split_once(' ').unwrap_or((&c.full_name, ""));
        let seconds = r.time_of_day.unwrap_or(12 * 3600);
        let time = format!(
            "{} {:02}:{:02}:{:02}",
            day(r.responded_on),
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
        let group = match r.score {
            9..=10 => "Promoter",
            7..=8 => "Passive",
            _ => "Detractor",
        };
        let email = if r.by_email { c.email.to_uppercase() } else { c.email.clone() };
        let reference = if r.by_email { String::new() } else { c.id.clone() };
        let fields = [
            time.clone(),
            time.clone(),
            "IP Address".into(),
            "203.0.113.10".into(),
            "100".into(),
            "75".into(),
            "True".into(),
            time,
            format!("R{:07}", n + 1),
            last.into(),
            first.into(),
            email,
            reference,
            String::new(),
            String::new(),
            "email".into(),
            "EN".into(),
            r.score.to_string(),
            group.into(),
            r.comment.unwrap_or("").to_string(),
        ];
        text.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    text
}

/// Pendo daily rollups, one Parquet file per month.
fn pendo(w: &World, options: &Options) -> Result<usize> {
    let folder = options.out.join("pendo");
    if folder.exists() {
        fs::remove_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    }
    fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
    let mut files = 0;
    for (label, start, end) in month_ranges(w.snapshot - USAGE_DAYS + 1, w.snapshot) {
        let (mut visitors, mut accounts, mut days, mut events, mut minutes) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for d in start..=end {
            for_usage_on(w, options.seed, d, |contact, m, e| -> std::result::Result<(), ()> {
                visitors.push(contact.id.as_str());
                accounts.push(w.accounts[contact.account].id.as_str());
                days.push(i64::from(d) * 86_400_000);
                events.push(e);
                minutes.push(m);
                Ok(())
            })
            .ok();
        }
        // Pendo's event rollups as an export job delivers them: gzip JSON lines, a file a month.
        let path = folder.join(format!("pendo-events-{label}.json.gz"));
        let file = fs::File::create(&path).map_err(|e| io_error(&path, e))?;
        let mut gz =
            flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::default());
        for i in 0..visitors.len() {
            let row = serde_json::json!({
                "visitorId": visitors[i],
                "accountId": accounts[i],
                "day": days[i],
                "numEvents": events[i],
                "numMinutes": minutes[i],
            });
            std::io::Write::write_all(&mut gz, format!("{row}\n").as_bytes())
                .map_err(|e| io_error(&path, e))?;
        }
        gz.finish().map_err(|e| io_error(&path, e))?;
        files += 1;
    }
    Ok(files)
}
