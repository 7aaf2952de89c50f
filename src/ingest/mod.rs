//! Ingestion: read every configured export, check every row, resolve who each row is about,
//! and hand the metrics plain, typed, accepted tables, with every rejected row accounted for.
//!
//! Tables are checked in the spec's order (csms, accounts, contacts, opportunities,
//! advocacy_activities, then the rest) so that references are checked against the accepted
//! rows of the tables before them.

pub mod adapters;
pub mod identity;
pub mod keys;
pub mod parse;
pub mod prepare;
pub mod read;
pub mod usage;

pub mod validate;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::calendar::Window;
use crate::config::{self, normalize, InputSpec, Pipeline};
use crate::error::{self, Error, Result};
use crate::vocab::schema::TableId;
use crate::vocab::{Format, Layout};
use validate::{References, Validated};

/// The accepted rows of every configured table, typed and with canonical column names.
#[derive(Clone)]
pub struct Tables {
    pub csms: DataFrame,
    pub accounts: DataFrame,
    pub contacts: DataFrame,
    pub opportunities: DataFrame,
    pub activities: DataFrame,
    pub nps: Option<DataFrame>,
    /// One row per contact and webinar (several rows merged as the spec says).
    pub webinars: Option<DataFrame>,
    /// Accepted usage, summed per contact over the windows the metrics read (see
    /// [`usage`]): several rows for one contact and day add up exactly as merging them would.
    pub usage: Option<usage::UsageSums>,
    pub job_changes: Option<DataFrame>,
}

impl Tables {
    /// The latest date anywhere in the accepted inputs (every date column of every table),
    /// or `None` when there is none.
    pub fn latest_date(&self) -> Option<chrono::NaiveDate> {
        let frames = [
            Some(&self.csms),
            Some(&self.accounts),
            Some(&self.contacts),
            Some(&self.opportunities),
            Some(&self.activities),
            self.nps.as_ref(),
            self.webinars.as_ref(),
            self.job_changes.as_ref(),
        ];
        frames
            .into_iter()
            .flatten()
            .flat_map(|df| df.columns().iter().filter(|c| c.dtype() == &DataType::Date))
            .filter_map(|c| c.to_physical_repr().i32().ok().and_then(|days| days.max()))
            .chain(self.usage.as_ref().and_then(|u| u.latest))
            .max()
            .map(crate::calendar::from_epoch_days)
    }
}

/// What happened to one input's rows.
#[derive(Debug, Clone)]
pub struct TableQuality {
    pub table: TableId,
    /// The input's path relative to the folder that holds the inputs.
    pub file: String,
    pub files: Vec<PathBuf>,
    pub rows_read: u64,
    pub rows_rejected: u64,
    /// Rows per reject reason, plus findings that do not reject a row.
    pub reasons: BTreeMap<String, u64>,
    /// `rejects/<table>.csv`.
    pub rejects: DataFrame,
}

impl TableQuality {
    pub fn rows_accepted(&self) -> u64 {
        self.rows_read - self.rows_rejected
    }

    pub fn reject_ratio(&self) -> f64 {
        if self.rows_read == 0 {
            0.0
        } else {
            self.rows_rejected as f64 / self.rows_read as f64
        }
    }
}

pub struct Loaded {
    pub tables: Tables,
    pub quality: Vec<TableQuality>,
    /// What reading skipped or could not find, for `run.json` and the reports.
    pub notes: Vec<String>,
}

/// Reads and checks every input of `pipeline`. Usage is kept only as sums per contact over
/// `usage_windows` (the windows the metrics read), but every row is still checked and counted.
pub fn load(pipeline: &Pipeline, usage_windows: &[Window], progress: &dyn Fn(&str)) -> Result<Loaded> {
    let files_root = inputs_root(pipeline);
    let mut refs = References::default();
    let mut accepted: BTreeMap<TableId, DataFrame> = BTreeMap::new();
    let mut quality = Vec::new();
    let mut notes = Vec::new();
    // Salesforce's User.csv lists every user (admins, integration users, sales): without a
    // `where`, the CSMs are the users who own an account.
    let mut salesforce_users = false;
    let mut usage_sums = None;

    for (table, input) in &pipeline.inputs {
        progress(&format!("reading {}", table.name()));
        // A vendor layout maps its file onto canonical columns; `input` then names them.
        let (raw, input) = match adapters::open(*table, input)? {
            Some((raw, mapped)) => (raw, std::borrow::Cow::Owned(mapped)),
            None => (
                read::open(table.name(), &input.path, &input.written, &prepare::TextOptions::of(input))?,
                std::borrow::Cow::Borrowed(input),
            ),
        };
        let files = raw.files.clone();
        notes.extend(raw.notes.iter().cloned());
        let (raw, skipped) = filtered(*table, raw, &input)?;
        let raw = looked_up(*table, raw, &input, &accepted)?;
        if let Some(note) = skipped {
            notes.push(note);
        }
        let validated = validate::validate(*table, raw, &input, &refs)?;
        let (rows, rows_read, rejected) = if *table == TableId::Usage {
            let contacts = refs.contacts.as_ref().map(|c| c.ids.clone());
            let contacts = contacts.ok_or_else(|| Error::internal("usage is checked before contacts"))?;
            let pass = usage::pass(&validated, usage_windows, contacts)
                .map_err(|e| read::unreadable("usage", &input.written, &e))?;
            usage_sums = Some(pass.sums);
            (DataFrame::empty(), pass.rows_read, pass.rejected)
        } else {
            collect_table(&validated, &input)?
        };
        if rows_read == 0 && table.required() {
            return Err(Error::input(format!(
                "input `{}` ({}) has no data rows; it is a required table",
                table.name(),
                input.written
            )));
        }
        let rejects = validated.reject_table(&rejected)?;
        quality.push(TableQuality {
            table: *table,
            file: relative_to(&input.path, &files_root),
            files,
            rows_read,
            rows_rejected: rejects.height() as u64,
            reasons: count_reasons(&rejects)?,
            rejects,
        });
        let index = |id: &str| -> Result<Option<Arc<keys::KeyIndex>>> {
            Ok(Some(Arc::new(keys::KeyIndex::new(rows.column(id)?.str()?))))
        };
        match table {
            TableId::Csms => refs.csms = index("csm_id")?,
            TableId::Accounts => refs.accounts = index("account_id")?,
            TableId::Opportunities => refs.opportunities = index("opportunity_id")?,
            TableId::Contacts => {
                let emails = identity::email_map(&rows)?;
                refs.contacts = Some(Arc::new(keys::ContactIndex::new(&rows, &emails)?));
            }
            _ => {}
        }
        accepted.insert(*table, rows);
        if *table == TableId::Csms {
            salesforce_users = input.format == Some(Format::Vendor(Layout::Salesforce))
                && pipeline.input(TableId::Csms).is_some_and(|i| i.filters.is_empty());
        }
        if *table == TableId::Accounts && salesforce_users {
            if let Some(note) = keep_account_owners(&mut accepted, &mut quality)? {
                notes.push(note);
            }
        }
    }

    for (table, column) in [(TableId::Accounts, "arr"), (TableId::Opportunities, "amount")] {
        if let Some(rows) = accepted.get_mut(&table) {
            if let Some(note) = in_reporting_currency(table, rows, column, &pipeline.settings.currency)? {
                notes.push(note);
            }
        }
    }
    let mut take = |t: TableId| accepted.remove(&t);
    let required = |t: TableId, df: Option<DataFrame>| {
        df.ok_or_else(|| Error::internal(format!("required table {} was not loaded", t.name())))
    };
    let webinars = match take(TableId::WebinarAttendance) {
        Some(rows) => Some(
            identity::merge_webinar_rows(rows.lazy())
                .sort(["contact_id", "webinar_id"], SortMultipleOptions::default())
                .collect()?,
        ),
        None => None,
    };
    let tables = Tables {
        csms: required(TableId::Csms, take(TableId::Csms))?,
        accounts: required(TableId::Accounts, take(TableId::Accounts))?,
        contacts: required(TableId::Contacts, take(TableId::Contacts))?,
        opportunities: required(TableId::Opportunities, take(TableId::Opportunities))?,
        activities: required(TableId::AdvocacyActivities, take(TableId::AdvocacyActivities))?,
        nps: take(TableId::NpsResponses),
        webinars,
        usage: usage_sums,
        job_changes: take(TableId::JobChanges),
    };
    Ok(Loaded { tables, quality, notes })
}

/// Converts `column` to the reporting currency by `[currency]`, when the rows carry a
/// `currency`. Mixed currencies without rates, or a currency without a rate, are an error:
/// adding euros to dollars would give a number that looks right and is not.
fn in_reporting_currency(
    table: TableId,
    rows: &mut DataFrame,
    column: &str,
    settings: &config::CurrencySettings,
) -> Result<Option<String>> {
    let codes = rows.column("currency")?.str()?.clone();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for code in codes.iter().flatten() {
        *counts.entry(code.trim().to_uppercase()).or_default() += 1;
    }
    let reporting = settings.reporting.as_deref().map(str::to_uppercase);
    let foreign: Vec<(&String, &usize)> =
        counts.iter().filter(|(code, _)| Some(code.as_str()) != reporting.as_deref()).collect();
    if foreign.is_empty() || (reporting.is_none() && counts.len() == 1) {
        return Ok(None);
    }
    let listed = || counts.iter().map(|(c, n)| format!("{c} ({n} rows)")).collect::<Vec<_>>().join(", ");
    if settings.rates.is_empty() {
        let what =
            if counts.len() > 1 { "several currencies" } else { "a currency other than the reporting one" };
        return Err(Error::input(format!(
            "{}.{column} is in {what}: {}; add a [currency] table to the pipeline file with \
             `reporting = \"USD\"` and `rates = {{ EUR = 1.08 }}` (reporting-currency units per unit)",
            table.name(),
            listed()
        )));
    }
    let rates: std::collections::HashMap<String, f64> =
        settings.rates.iter().map(|(code, rate)| (code.to_uppercase(), *rate)).collect();
    if let Some((missing, _)) = foreign.iter().find(|(code, _)| !rates.contains_key(code.as_str())) {
        return Err(Error::config(format!(
            "{}.{column} has amounts in {missing}, which `currency.rates` does not list; it lists {}",
            table.name(),
            settings.rates.keys().cloned().collect::<Vec<_>>().join(", ")
        )));
    }
    let factor: Float64Chunked = codes
        .iter()
        .map(|code| Some(code.map_or(1.0, |c| rates.get(&c.trim().to_uppercase()).copied().unwrap_or(1.0))))
        .collect();
    let converted = (rows.column(column)?.as_materialized_series() * &factor.into_series())?;
    rows.with_column(converted.with_name(column.into()).into_column())?;
    Ok(Some(format!(
        "{}.{column}: converted to {} at [currency] rates ({})",
        table.name(),
        reporting.unwrap_or_default(),
        listed()
    )))
}

/// Keeps the CSMs that some accepted account names; the others are skipped like `where`
/// rows (not data, not rejects), and counted in a note.
fn keep_account_owners(
    accepted: &mut BTreeMap<TableId, DataFrame>,
    quality: &mut [TableQuality],
) -> Result<Option<String>> {
    let (Some(csms), Some(accounts)) = (accepted.get(&TableId::Csms), accepted.get(&TableId::Accounts))
    else {
        return Ok(None);
    };
    let owners = accounts.clone().lazy().select([col("csm_id")]).filter(col("csm_id").is_not_null());
    let kept = csms
        .clone()
        .lazy()
        .join(
            owners.unique(None, UniqueKeepStrategy::First),
            [col("csm_id")],
            [col("csm_id")],
            JoinArgs::new(JoinType::Semi),
        )
        .collect()?;
    let dropped = csms.height() - kept.height();
    accepted.insert(TableId::Csms, kept);
    if dropped == 0 {
        return Ok(None);
    }
    if let Some(q) = quality.iter_mut().find(|q| q.table == TableId::Csms) {
        q.rows_read -= dropped as u64;
    }
    Ok(Some(format!(
        "csms: {dropped} Salesforce user{} own no account (administrators, integration users, sales) and \
         are not CSMs; set [inputs.csms] where to choose the CSMs yourself",
        if dropped == 1 { "" } else { "s" }
    )))
}

pub use crate::vocab::salesforce_id;

/// Applies the input's row filters (its own `where` and its layout's) to the file's rows.
/// Skipped rows are not data: they are counted in a note for `run.json`, not as rejects.
fn filtered(
    table: TableId,
    mut raw: read::RawTable,
    input: &InputSpec,
) -> Result<(read::RawTable, Option<String>)> {
    if input.filters.is_empty() {
        return Ok((raw, None));
    }
    let mut keep = lit(true);
    for filter in &input.filters {
        if !raw.schema.contains(filter.column.as_str()) {
            let hint = error::nearest(&filter.column, raw.file_columns.iter().map(String::as_str))
                .map(|n| format!("; the nearest is `{n}`"))
                .unwrap_or_default();
            return Err(Error::input(format!(
                "input `{}` ({}): `where` names the column `{}`, which the file does not have{hint}",
                table.name(),
                input.written,
                filter.column
            )));
        }
        keep = keep.and(matches(filter));
    }
    let counted = raw
        .frame
        .clone()
        .select([keep.clone().not().cast(DataType::UInt32).sum().alias("skipped")])
        .collect()
        .map_err(|e| read::unreadable(table.name(), &input.written, &e))?;
    let skipped = counted.column("skipped").ok().and_then(|c| c.u32().ok()?.get(0)).unwrap_or(0);
    raw.frame = raw.frame.filter(keep);
    let described: Vec<String> = input.filters.iter().map(|f| f.describe()).collect();
    let note = (skipped > 0).then(|| {
        format!(
            "{}: {skipped} row{} skipped by `where` ({}); they are neither accepted nor rejected",
            table.name(),
            if skipped == 1 { "" } else { "s" },
            described.join(" and ")
        )
    });
    Ok((raw, note))
}

/// Rewrites reference columns that carry another key of the referenced table (a company
/// name, a person's email) to that table's id, by `[inputs.x] lookup`. A value that is an id
/// already stays; a key that matches no accepted row, or more than one, stays as written, so
/// the row is rejected with the file's own value.
fn looked_up(
    table: TableId,
    mut raw: read::RawTable,
    input: &InputSpec,
    accepted: &BTreeMap<TableId, DataFrame>,
) -> Result<read::RawTable> {
    for (column, by) in &input.lookup {
        let Some(target) = table.spec().column(column).and_then(|c| c.reference).map(|r| r.table()) else {
            continue;
        };
        let (Some(rows), Some(id)) = (accepted.get(&target), target.spec().id) else { continue };
        let source = input.columns.get(column).map_or(column.as_str(), String::as_str).to_string();
        if !raw.schema.contains(source.as_str()) {
            continue;
        }
        let key = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        let id_values = rows.column(id)?.cast(&DataType::String)?;
        let key_values = rows.column(by)?.cast(&DataType::String)?;
        let ids: std::collections::HashSet<String> =
            id_values.str()?.iter().flatten().map(str::to_string).collect();
        let mut by_key: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
        for (id, value) in id_values.str()?.iter().zip(key_values.str()?.iter()) {
            if let (Some(id), Some(value)) = (id, value) {
                by_key
                    .entry(key(value))
                    .and_modify(|found| {
                        if found.as_deref() != Some(id) {
                            *found = None; // two rows share the key: ambiguous
                        }
                    })
                    .or_insert_with(|| Some(id.to_string()));
            }
        }
        let rewrite = move |s: &str| {
            if ids.contains(s) {
                return Some(s.to_string());
            }
            Some(by_key.get(&key(s)).cloned().flatten().unwrap_or_else(|| s.to_string()))
        };
        raw.frame =
            raw.frame.with_column(adapters::text_map(col(source.as_str()), rewrite).alias(source.as_str()));
    }
    Ok(raw)
}

/// Whether a row passes one filter (a blank cell equals nothing).
fn matches(filter: &config::Filter) -> Expr {
    let wanted: Vec<String> = filter.values.iter().map(|v| v.trim().to_lowercase()).collect();
    let keep_equal = filter.keep_equal;
    col(filter.column.as_str()).cast(DataType::String).map(
        move |c| {
            let out: BooleanChunked = c
                .str()?
                .iter()
                .map(|v| {
                    let equal = v.is_some_and(|v| {
                        let v = v.trim().to_lowercase();
                        wanted.iter().any(|w| {
                            *w == v || matches!((parse::parse_bool(w), parse::parse_bool(&v)), (Some(a), Some(b)) if a == b)
                        })
                    });
                    Some(equal == keep_equal)
                })
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::Boolean)),
    )
}

/// A small table: checked in memory in one pass, then split.
fn collect_table(validated: &Validated, input: &InputSpec) -> Result<(DataFrame, u64, DataFrame)> {
    let checked = read::guard(|| validated.frame.clone().collect())
        .map_err(|e| read::unreadable(validated.table.name(), &input.written, &e))?;
    let rows_read = checked.height() as u64;
    let rows = validated.accepted(checked.clone().lazy()).collect()?;
    let rejected = validated.rejected(checked.lazy()).collect()?;
    Ok((rows, rows_read, rejected))
}

fn count_reasons(rejects: &DataFrame) -> Result<BTreeMap<String, u64>> {
    let mut counts = BTreeMap::new();
    for reason in rejects.column("reason")?.str()?.iter().flatten() {
        *counts.entry(reason.to_string()).or_insert(0) += 1;
    }
    Ok(counts)
}

/// The folder that holds every input (their deepest common folder), so that data-quality
/// tables name files the way a user sees them in the exports folder.
fn inputs_root(pipeline: &Pipeline) -> PathBuf {
    let folders: Vec<PathBuf> = pipeline
        .inputs
        .iter()
        .map(|(_, input)| normalize(input.path.parent().unwrap_or(Path::new(""))))
        .collect();
    let Some(first) = folders.first() else { return PathBuf::new() };
    let mut root: Vec<Component> = first.components().collect();
    for folder in &folders[1..] {
        let common = root.iter().zip(folder.components()).take_while(|(a, b)| **a == *b).count();
        root.truncate(common);
    }
    root.iter().collect()
}

fn relative_to(path: &Path, root: &Path) -> String {
    let path = normalize(path);
    path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/")
}
