//! `advocacy generate`: deterministic, realistic synthetic exports of the nine canonical
//! tables (see [`world`] for the patterns they carry), plus a `pipeline.toml` that runs on them.
//!
//! Size grows linearly with the scale: at scale 1 about 300 accounts, 2,000 contacts and
//! 300,000 usage rows. Usage is generated one day at a time and written as it goes (one
//! Parquet file per month, or one CSV), so memory stays flat at any scale.
//!
//! Every value is valid: the generated data passes validation with no rejects. Spellings still
//! vary the way real exports do (`Closed Won` and `won`, datetimes with `Z`, people named only
//! by email), so the readers are exercised.

mod names;
mod rng;
mod shapes;
mod vendor;
mod world;

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::{epoch_days, from_epoch_days};
use crate::error::{Error, Result};
use crate::vocab::schema::TableId;
use rng::mix;
use world::{Kind, World};

pub struct Options {
    pub out: PathBuf,
    pub scale: f64,
    pub seed: u64,
    pub format: GenerateFormat,
    /// Canonical tables, or the same company as its vendors' exports.
    pub layout: GenerateLayout,
    /// The day the exports were taken.
    pub snapshot: NaiveDate,
    /// Add the shapes of real exports (see [`shapes`]): email-keyed rows with typing noise,
    /// unknown people, split contact-days.
    pub realistic: bool,
    /// Parquet usage as one file per month, or one large file.
    pub usage_files: UsageFiles,
}

/// How Parquet usage is laid out: a folder of monthly files, or one file of many row groups
/// (as a warehouse export or a product-analytics dump arrives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UsageFiles {
    Monthly,
    Single,
}

/// Rows per row group of the single usage file (polars' writers default to much larger
/// groups; exports from warehouses and Spark come in groups of this order).
const USAGE_ROW_GROUP: usize = 122_880;

/// Which tables `generate` writes: the canonical ones, or the same company as its tools export it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenerateLayout {
    Canonical,
    Vendor,
}

/// The file format of the canonical tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenerateFormat {
    Csv,
    Parquet,
}

/// Days of daily usage before the snapshot (a little over 16 months).
pub(crate) const USAGE_DAYS: i32 = 490;

/// Writes the exports and returns a one-line summary.
pub fn write(options: &Options) -> Result<String> {
    if !(options.scale > 0.0 && options.scale.is_finite()) {
        return Err(Error::config(format!("--scale must be a positive number, not {}", options.scale)));
    }
    fs::create_dir_all(&options.out).map_err(|e| io_error(&options.out, e))?;
    let snapshot = epoch_days(options.snapshot);
    let world = world::simulate(options.scale, options.seed, snapshot);
    if options.layout == GenerateLayout::Vendor {
        let counts = vendor::write(&world, options)?;
        fs::write(options.out.join("pipeline.toml"), vendor_pipeline_file(options))
            .map_err(|e| io_error(&options.out, e))?;
        let listed: Vec<String> = counts.iter().map(|(name, n)| format!("{name} {n}")).collect();
        return Ok(format!("wrote {} (vendor layouts): {}", options.out.display(), listed.join(", ")));
    }
    let ext = match options.format {
        GenerateFormat::Csv => "csv",
        GenerateFormat::Parquet => "parquet",
    };
    let tables = [
        ("csms", csms(&world)?),
        ("accounts", accounts(&world)?),
        ("contacts", contacts(&world)?),
        ("opportunities", opportunities(&world)?),
        ("advocacy_activities", activities(&world)?),
        ("nps_responses", nps(&world, options)?),
        ("webinar_attendance", attendance(&world, options)?),
        ("job_changes", job_changes(&world)?),
    ];
    let mut counts = Vec::new();
    for (name, mut df) in tables {
        write_table(&options.out.join(format!("{name}.{ext}")), &mut df, options.format)?;
        counts.push((name, df.height()));
    }
    let usage_rows = write_usage(&world, options)?;
    counts.push(("usage", usage_rows));
    let usage_path = match (options.format, options.usage_files) {
        (GenerateFormat::Csv, _) => "usage.csv",
        (GenerateFormat::Parquet, UsageFiles::Monthly) => "usage",
        (GenerateFormat::Parquet, UsageFiles::Single) => "usage.parquet",
    };
    fs::write(options.out.join("pipeline.toml"), pipeline_file(ext, usage_path, options))
        .map_err(|e| io_error(&options.out, e))?;
    let listed: Vec<String> = counts.iter().map(|(name, n)| format!("{name} {n}")).collect();
    Ok(format!("wrote {} ({}): {}", options.out.display(), ext, listed.join(", ")))
}

fn pipeline_file(ext: &str, usage_path: &str, options: &Options) -> String {
    let as_of = crate::calendar::default_as_of(options.snapshot);
    let mut text = format!(
        "# Written by `advocacy generate --scale {} --seed {}`: synthetic exports as of {}.\n\
         as_of = \"{as_of}\"\nout = \"out\"\n\n[inputs]\n",
        options.scale, options.seed, options.snapshot
    );
    for table in TableId::ALL {
        let name = table.name();
        let path = if table == TableId::Usage { usage_path.to_string() } else { format!("{name}.{ext}") };
        text.push_str(&format!("{name} = \"{path}\"\n"));
    }
    text
}

/// The pipeline that reads `--layout vendor` exports (paths relative to `prefix`).
pub fn vendor_pipeline(prefix: &str, out: &str, header: &str) -> String {
    format!(
        r#"{header}as_of = "2026-10-31"
out = "{out}"

# Salesforce data export (Setup > Data Export): standard fields map by default; the custom
# fields this org uses (Customer_Since__c, Churn_Date__c, ARR__c, Segment__c, Region__c,
# Referrer_Contact__c) are picked up by name.
[inputs.csms]
path = "{prefix}salesforce/User.csv"
format = "salesforce"

[inputs.accounts]
path = "{prefix}salesforce/Account.csv"
format = "salesforce"

[inputs.contacts]
path = "{prefix}salesforce/Contact.csv"
format = "salesforce"

[inputs.opportunities]
path = "{prefix}salesforce/Opportunity.csv"
format = "salesforce"

# The advocacy team's spreadsheet: its own headers and status words, mapped without code.
[inputs.advocacy_activities]
path = "{prefix}advocacy_tracker.csv"
salesforce_ids = true
row_id = "ACT{{:07}}"
columns = {{ contact_id = "Advocate (Contact ID)", activity_type = "Activity", status = "Status", requested_on = "Asked on", completed_on = "Done on", opportunity_id = "Deal ID" }}

[inputs.advocacy_activities.values.status]
"Done" = "completed"
"Asked" = "pending"
"Said no" = "declined"

# Qualtrics: Data & Analysis > Export > CSV (with "use choice text" off).
[inputs.nps_responses]
path = "{prefix}qualtrics/nps_export.csv"
format = "qualtrics"

# Zoom: Reports > Webinars > Attendee report, one CSV per webinar in a folder.
[inputs.webinar_attendance]
path = "{prefix}zoom"
format = "zoom"

# Pendo: a daily visitor rollup (Data Sync or an aggregation export), monthly Parquet files.
[inputs.usage]
path = "{prefix}pendo"
format = "pendo"

# A job-change tracking tool's export, with its own headers.
[inputs.job_changes]
path = "{prefix}job_changes.csv"
columns = {{ contact_id = "Person CRM ID", moved_on = "Job Change Detected", new_account_id = "New Company CRM ID", new_contact_id = "New Person CRM ID" }}

[reports]
company = "Northwind Cloud"
"#
    )
}

fn vendor_pipeline_file(options: &Options) -> String {
    let header = format!(
        "# Written by `advocacy generate --layout vendor --scale {} --seed {}`: vendor exports as of {}.\n",
        options.scale, options.seed, options.snapshot
    );
    vendor_pipeline("", "out", &header)
}

fn write_table(path: &Path, df: &mut DataFrame, format: GenerateFormat) -> Result<()> {
    let file = fs::File::create(path).map_err(|e| io_error(path, e))?;
    match format {
        GenerateFormat::Csv => CsvWriter::new(BufWriter::new(file)).finish(df)?,
        GenerateFormat::Parquet => {
            ParquetWriter::new(file).finish(df)?;
        }
    }
    Ok(())
}

pub(crate) fn io_error(path: &Path, err: std::io::Error) -> Error {
    Error::internal(format!("cannot write {}: {err}", path.display()))
}

/// A date column from optional epoch days.
fn dates(name: &str, values: impl Iterator<Item = Option<i32>>) -> Column {
    Int32Chunked::from_iter_options(name.into(), values).into_date().into_column()
}

/// A stable pseudo-random choice for `key`, so a row's spelling never depends on row order.
fn variant<'a>(key: &str, choices: &[&'a str]) -> &'a str {
    let h = key.bytes().fold(0u64, |acc, b| mix(acc ^ u64::from(b)));
    choices[(h % choices.len() as u64) as usize]
}

fn csms(w: &World) -> PolarsResult<DataFrame> {
    df! {
        "csm_id" => w.csms.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        "csm_name" => w.csms.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "team" => w.csms.iter().map(|c| c.team).collect::<Vec<_>>(),
    }
}

fn accounts(w: &World) -> PolarsResult<DataFrame> {
    let a = &w.accounts;
    DataFrame::new_infer_height(vec![
        Column::new("account_id".into(), a.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()),
        Column::new("account_name".into(), a.iter().map(|x| x.name.as_str()).collect::<Vec<_>>()),
        Column::new("segment".into(), a.iter().map(|x| x.segment).collect::<Vec<_>>()),
        Column::new("industry".into(), a.iter().map(|x| x.industry).collect::<Vec<_>>()),
        Column::new("region".into(), a.iter().map(|x| x.region).collect::<Vec<_>>()),
        Column::new(
            "csm_id".into(),
            a.iter().map(|x| x.csm.map(|c| w.csms[c].id.as_str())).collect::<Vec<_>>(),
        ),
        dates("customer_since", a.iter().map(|x| x.customer_since)),
        dates("churned_on", a.iter().map(|x| x.churned_on)),
        Column::new("arr".into(), a.iter().map(|x| x.arr).collect::<Vec<_>>()),
    ])
}

fn contacts(w: &World) -> PolarsResult<DataFrame> {
    let c = &w.contacts;
    DataFrame::new_infer_height(vec![
        Column::new("contact_id".into(), c.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()),
        Column::new(
            "account_id".into(),
            c.iter().map(|x| w.accounts[x.account].id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("full_name".into(), c.iter().map(|x| x.full_name.as_str()).collect::<Vec<_>>()),
        Column::new("email".into(), c.iter().map(|x| x.email.as_str()).collect::<Vec<_>>()),
        Column::new("title".into(), c.iter().map(|x| x.title).collect::<Vec<_>>()),
        dates("created_on", c.iter().map(|x| x.created_on)),
        dates("left_on", c.iter().map(|x| x.left_on)),
    ])
}

fn opportunities(w: &World) -> PolarsResult<DataFrame> {
    let o = &w.opportunities;
    let kind = |x: &world::Opportunity| match x.kind {
        Kind::NewBusiness => variant(&x.id, &["New Business", "new_business"]),
        Kind::Expansion => variant(&x.id, &["Expansion", "expansion"]),
        Kind::Renewal => variant(&x.id, &["Renewal", "renewal"]),
    };
    let stage = |x: &world::Opportunity| match x.won {
        Some(true) => variant(&x.id, &["Closed Won", "won"]),
        Some(false) => variant(&x.id, &["Closed Lost", "lost"]),
        None => "open",
    };
    let source = lead_source;
    DataFrame::new_infer_height(vec![
        Column::new("opportunity_id".into(), o.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()),
        Column::new(
            "account_id".into(),
            o.iter().map(|x| w.accounts[x.account].id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("opportunity_type".into(), o.iter().map(kind).collect::<Vec<_>>()),
        Column::new("stage".into(), o.iter().map(stage).collect::<Vec<_>>()),
        Column::new("amount".into(), o.iter().map(|x| x.amount).collect::<Vec<_>>()),
        dates("created_on", o.iter().map(|x| Some(x.created_on))),
        dates("closed_on", o.iter().map(|x| x.closed_on)),
        Column::new("lead_source".into(), o.iter().map(source).collect::<Vec<_>>()),
        Column::new(
            "referrer_contact_id".into(),
            o.iter().map(|x| x.referrer.map(|c| w.contacts[c].id.as_str())).collect::<Vec<_>>(),
        ),
    ])
}

/// A deal's lead source as the CRM spells it.
pub(crate) fn lead_source(x: &world::Opportunity) -> Option<&'static str> {
    match (x.kind, x.referral) {
        (Kind::Renewal, _) => None,
        (_, true) => Some(variant(&x.id, &["Referral", "Customer Referral", "Advocate Referral"])),
        (_, false) => Some(variant(&x.id, &["Website", "Outbound", "Event", "Partner", "Paid Search"])),
    }
}

/// Activities with their ids, sorted by the day things happened, as an activity log is.
pub(crate) fn activities_in_order(w: &World) -> Vec<(String, &world::Activity)> {
    let mut order: Vec<usize> = (0..w.activities.len()).collect();
    order.sort_by_key(|&i| {
        let a = &w.activities[i];
        (a.requested_on.or(a.completed_on), i)
    });
    order.iter().enumerate().map(|(n, &i)| (format!("ACT{:07}", n + 1), &w.activities[i])).collect()
}

/// Emails that more than one contact has. Rows about those people are written by email in
/// every layout, so that each layout resolves them to the same contact.
pub(crate) fn shared_emails(w: &World) -> std::collections::HashSet<&str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for c in &w.contacts {
        *counts.entry(c.email.as_str()).or_default() += 1;
    }
    counts.into_iter().filter(|(_, n)| *n > 1).map(|(e, _)| e).collect()
}

fn activities(w: &World) -> PolarsResult<DataFrame> {
    let ordered = activities_in_order(w);
    let a: Vec<&world::Activity> = ordered.iter().map(|(_, a)| *a).collect();
    DataFrame::new_infer_height(vec![
        Column::new("activity_id".into(), ordered.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>()),
        Column::new(
            "contact_id".into(),
            a.iter().map(|x| w.contacts[x.contact].id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("activity_type".into(), a.iter().map(|x| x.kind).collect::<Vec<_>>()),
        Column::new("status".into(), a.iter().map(|x| x.status).collect::<Vec<_>>()),
        dates("requested_on", a.iter().map(|x| x.requested_on)),
        dates("completed_on", a.iter().map(|x| x.completed_on)),
        Column::new(
            "opportunity_id".into(),
            a.iter().map(|x| x.opportunity.map(|o| w.opportunities[o].id.as_str())).collect::<Vec<_>>(),
        ),
    ])
}

fn nps(w: &World, options: &Options) -> PolarsResult<DataFrame> {
    let r = &w.nps;
    let noisy = |i: usize, email: String| {
        if options.realistic {
            shapes::noisy_email(&email, i as u64)
        } else {
            email.to_uppercase()
        }
    };
    let responded = |x: &world::NpsResponse| {
        let day = from_epoch_days(x.responded_on);
        match x.time_of_day {
            Some(s) => format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60),
            None => day.to_string(),
        }
    };
    let (mut ids, mut contact_ids, mut emails, mut dates, mut scores, mut comments) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, x) in r.iter().enumerate() {
        ids.push(format!("R{:07}", i + 1));
        contact_ids.push((!x.by_email).then(|| w.contacts[x.contact].id.clone()));
        emails.push(x.by_email.then(|| noisy(i, w.contacts[x.contact].email.clone())));
        dates.push(responded(x));
        scores.push(x.score);
        comments.push(x.comment);
        // A response from somebody the CRM does not know (forwarded survey, personal address).
        if options.realistic && shapes::unknown_after(options.seed, 1, i) {
            ids.push(format!("RX{:07}", i + 1));
            contact_ids.push(None);
            emails.push(Some(shapes::unknown_email(&w.contacts[x.contact], i)));
            dates.push(responded(x));
            scores.push(x.score);
            comments.push(None);
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("response_id".into(), ids),
        Column::new("contact_id".into(), contact_ids),
        Column::new("email".into(), emails),
        Column::new("responded_on".into(), dates),
        Column::new("score".into(), scores),
        Column::new("comment".into(), comments),
    ])
}

fn attendance(w: &World, options: &Options) -> PolarsResult<DataFrame> {
    let shared = shared_emails(w);
    let by_email =
        |x: &world::Attendance| x.by_email || shared.contains(w.contacts[x.contact].email.as_str());
    let mut rows: Vec<(&world::Webinar, Option<&str>, Option<String>, &world::Attendance)> = Vec::new();
    for (i, x) in w.attendance.iter().enumerate() {
        let webinar = &w.webinars[x.webinar];
        let contact = &w.contacts[x.contact];
        // Noise never changes which contact an email resolves to (trimmed, lower-cased).
        let email = by_email(x).then(|| match options.realistic {
            true => shapes::noisy_email(&contact.email, i as u64),
            false => contact.email.clone(),
        });
        rows.push((webinar, (!by_email(x)).then_some(contact.id.as_str()), email, x));
        // A walk-in the CRM does not know, at the same webinar.
        if options.realistic && shapes::unknown_after(options.seed, 2, i) {
            rows.push((webinar, None, Some(shapes::unknown_email(contact, i)), x));
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("webinar_id".into(), rows.iter().map(|r| r.0.id.as_str()).collect::<Vec<_>>()),
        Column::new("webinar_title".into(), rows.iter().map(|r| r.0.title.as_str()).collect::<Vec<_>>()),
        dates("held_on", rows.iter().map(|r| Some(r.0.held_on))),
        Column::new("contact_id".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Column::new("email".into(), rows.iter().map(|r| r.2.as_deref()).collect::<Vec<_>>()),
        Column::new("registered".into(), rows.iter().map(|r| r.3.registered).collect::<Vec<_>>()),
        Column::new("attended".into(), rows.iter().map(|r| r.3.attended).collect::<Vec<_>>()),
        Column::new("minutes_attended".into(), rows.iter().map(|r| r.3.minutes).collect::<Vec<_>>()),
        Column::new("role".into(), rows.iter().map(|r| r.3.role).collect::<Vec<_>>()),
    ])
}

fn job_changes(w: &World) -> PolarsResult<DataFrame> {
    let j = &w.job_changes;
    DataFrame::new_infer_height(vec![
        Column::new(
            "contact_id".into(),
            j.iter().map(|x| w.contacts[x.contact].id.as_str()).collect::<Vec<_>>(),
        ),
        dates("moved_on", j.iter().map(|x| Some(x.moved_on))),
        Column::new(
            "new_account_id".into(),
            j.iter().map(|x| w.accounts[x.new_account].id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "new_contact_id".into(),
            j.iter().map(|x| x.new_contact.map(|c| w.contacts[c].id.as_str())).collect::<Vec<_>>(),
        ),
    ])
}

/// One usage row as written: a contact id, or only an email.
struct UsageRow<'w> {
    contact_id: Option<&'w str>,
    email: Option<String>,
    day: i32,
    minutes: f64,
    events: i64,
}

/// Daily usage, day by day (so that each row group covers few days and a date filter can skip
/// most of them): one Parquet file per month, one large Parquet file, or one CSV.
fn write_usage(w: &World, options: &Options) -> Result<usize> {
    let first = w.snapshot - USAGE_DAYS + 1;
    let shapes = options.realistic.then(|| shapes::Shapes::new(w, options.seed));
    let email_column = options.realistic;
    let mut total = 0;
    match (options.format, options.usage_files) {
        (GenerateFormat::Parquet, UsageFiles::Monthly) => {
            let folder = options.out.join("usage");
            clear_usage_folder(&folder)?;
            for (label, start, end) in month_ranges(first, w.snapshot) {
                let mut rows = Vec::new();
                for day in start..=end {
                    usage_rows_on(w, options.seed, shapes.as_ref(), day, &mut |row| rows.push(row));
                }
                total += rows.len();
                let mut df = usage_frame(&rows, email_column)?;
                write_table(&folder.join(format!("usage-{label}.parquet")), &mut df, options.format)?;
            }
        }
        (GenerateFormat::Parquet, UsageFiles::Single) => {
            let path = options.out.join("usage.parquet");
            let file = fs::File::create(&path).map_err(|e| io_error(&path, e))?;
            let schema = usage_frame(&[], email_column)?.schema().clone();
            let mut writer =
                ParquetWriter::new(file).with_row_group_size(Some(USAGE_ROW_GROUP)).batched(&schema)?;
            let mut rows = Vec::new();
            for day in first..=w.snapshot {
                usage_rows_on(w, options.seed, shapes.as_ref(), day, &mut |row| rows.push(row));
                while rows.len() >= USAGE_ROW_GROUP || (day == w.snapshot && !rows.is_empty()) {
                    let rest = rows.split_off(rows.len().min(USAGE_ROW_GROUP));
                    total += rows.len();
                    writer.write_batch(&usage_frame(&rows, email_column)?)?;
                    rows = rest;
                }
            }
            writer.finish()?;
        }
        (GenerateFormat::Csv, _) => {
            let path = options.out.join("usage.csv");
            let file = fs::File::create(&path).map_err(|e| io_error(&path, e))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let mut write = || -> std::io::Result<()> {
                if email_column {
                    writeln!(out, "contact_id,email,date,active_minutes,events")?;
                } else {
                    writeln!(out, "contact_id,date,active_minutes,events")?;
                }
                for day in first..=w.snapshot {
                    let date = from_epoch_days(day);
                    let mut result = Ok(());
                    usage_rows_on(w, options.seed, shapes.as_ref(), day, &mut |row| {
                        total += 1;
                        let id = row.contact_id.unwrap_or_default();
                        let (minutes, events) = (row.minutes, row.events);
                        if result.is_ok() {
                            result = match &row.email {
                                _ if !email_column => writeln!(out, "{id},{date},{minutes},{events}"),
                                Some(email) => writeln!(out, "{id},\"{email}\",{date},{minutes},{events}"),
                                None => writeln!(out, "{id},,{date},{minutes},{events}"),
                            };
                        }
                    });
                    result?;
                }
                out.flush()
            };
            write().map_err(|e| io_error(&path, e))?;
        }
    }
    Ok(total)
}

/// Removes the monthly files an earlier `generate` wrote into `folder`, and refuses a folder
/// that holds anything else: it is not ours to delete, and the run would read it as usage.
fn clear_usage_folder(folder: &Path) -> Result<()> {
    let ours = |name: &str| {
        name.strip_prefix("usage-").and_then(|n| n.strip_suffix(".parquet")).is_some_and(|month| {
            month.len() == 7 && NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_ok()
        })
    };
    if folder.exists() {
        let entries = fs::read_dir(folder).map_err(|e| io_error(folder, e))?;
        for entry in entries {
            let path = entry.map_err(|e| io_error(folder, e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !(path.is_file() && ours(name)) {
                return Err(Error::config(format!(
                    "{} holds {name}, which `advocacy generate` did not write; choose an empty --out folder",
                    folder.display()
                )));
            }
        }
        for entry in fs::read_dir(folder).map_err(|e| io_error(folder, e))? {
            let path = entry.map_err(|e| io_error(folder, e))?.path();
            fs::remove_file(&path).map_err(|e| io_error(&path, e))?;
        }
    }
    fs::create_dir_all(folder).map_err(|e| io_error(folder, e))
}

/// Calls `emit` for every contact with usage on `day`.
pub(crate) fn for_usage_on<'w, E>(
    w: &'w World,
    seed: u64,
    day: i32,
    mut emit: impl FnMut(&'w world::Contact, f64, i64) -> Result<(), E>,
) -> Result<(), E> {
    for (i, contact) in w.contacts.iter().enumerate() {
        if let Some((minutes, events)) = world::usage_on(seed, i, contact, &w.accounts[contact.account], day)
        {
            emit(contact, minutes, events)?;
        }
    }
    Ok(())
}

/// The rows one day of usage is written as: one per contact with usage, or with
/// `--realistic` the shapes of [`shapes`] (email-keyed rows, split days, unknown people).
fn usage_rows_on<'w>(
    w: &'w World,
    seed: u64,
    shapes: Option<&shapes::Shapes>,
    day: i32,
    emit: &mut dyn FnMut(UsageRow<'w>),
) {
    for (i, contact) in w.contacts.iter().enumerate() {
        let Some((minutes, events)) = world::usage_on(seed, i, contact, &w.accounts[contact.account], day)
        else {
            continue;
        };
        let Some(shapes) = shapes else {
            emit(UsageRow { contact_id: Some(&contact.id), email: None, day, minutes, events });
            continue;
        };
        let by_email = shapes.usage_by_email(i);
        let key = (i as u64) << 20 | day as u64 & 0xF_FFFF;
        for (minutes, events) in shapes::day_rows(seed, i, day, minutes, events) {
            let (contact_id, email) = match by_email {
                true => (None, Some(shapes::noisy_email(&contact.email, key))),
                false => (Some(contact.id.as_str()), None),
            };
            emit(UsageRow { contact_id, email, day, minutes, events });
        }
        if shapes::unknown_after(seed, 3, key as usize) {
            let email = Some(shapes::unknown_email(contact, i));
            emit(UsageRow { contact_id: None, email, day, minutes, events });
        }
    }
}

fn usage_frame(rows: &[UsageRow], email_column: bool) -> PolarsResult<DataFrame> {
    let mut columns =
        vec![Column::new("contact_id".into(), rows.iter().map(|r| r.contact_id).collect::<Vec<_>>())];
    if email_column {
        columns
            .push(Column::new("email".into(), rows.iter().map(|r| r.email.as_deref()).collect::<Vec<_>>()));
    }
    columns.extend([
        Int32Chunked::from_vec("date".into(), rows.iter().map(|r| r.day).collect()).into_date().into_column(),
        Column::new("active_minutes".into(), rows.iter().map(|r| r.minutes).collect::<Vec<_>>()),
        Column::new("events".into(), rows.iter().map(|r| r.events).collect::<Vec<_>>()),
    ]);
    DataFrame::new(rows.len(), columns)
}

/// `(YYYY-MM, first day, last day)` of each calendar month touching `[first, last]`.
pub(crate) fn month_ranges(first: i32, last: i32) -> Vec<(String, i32, i32)> {
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let date = from_epoch_days(start);
        let next = crate::calendar::first_of_month(date) + chrono::Months::new(1);
        let end = (epoch_days(next) - 1).min(last);
        out.push((date.format("%Y-%m").to_string(), start, end));
        start = end + 1;
    }
    out
}
