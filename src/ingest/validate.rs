//! Row checks of SPEC.md "Bad input: a clear error, and nothing lost".
//!
//! Each row gets at most one reason: the first check that fails, in this order:
//! 1. `missing_required` (column by column; also `closed_on` of a won/lost deal,
//!    `completed_on` of a completed activity, and neither `contact_id` nor `email`);
//! 2. parse checks column by column (`invalid_date`, `invalid_number`, `invalid_bool`,
//!    `invalid_value`);
//! 3. `out_of_range`, then `closed_before_created`, `churned_before_customer_since`;
//! 4. `duplicate_id` (an id already seen in an earlier row that passed 1-3);
//! 5. references column by column against the accepted rows of the referenced table.
//!
//! The whole table is checked with vectorised expressions: every check is an expression that
//! is its own index where it fails and null elsewhere, and `coalesce` over them in order is the
//! first failing check. Only rejected rows ever turn that index back into text.

use std::sync::Arc;

use polars::prelude::*;

use super::adapters::text_map;
use super::keys::{self, ContactIndex, KeyIndex};
use super::parse::{self, EnumReader};
use super::read::{private, RawTable, ROW};
use crate::config::InputSpec;
use crate::error::{nearest, Error, Result};
use crate::vocab::schema::{Column as Spec, Kind, Ref, TableId};
use crate::vocab::{Role, Stage, Status};

/// The index of the first failing check, null for an accepted row.
pub const CHECK: &str = "\u{1}check";
/// The position of the contact a row is about, among the accepted contacts (tables that
/// name people by `contact_id` or `email`; see `ingest::keys`).
pub const CONTACT_POSITION: &str = "\u{1}contact_position";

/// Accepted keys of the tables checked so far, for reference checks.
#[derive(Default, Clone)]
pub struct References {
    pub csms: Option<Arc<KeyIndex>>,
    pub accounts: Option<Arc<KeyIndex>>,
    pub opportunities: Option<Arc<KeyIndex>>,
    /// Contacts by id and by email key.
    pub contacts: Option<Arc<ContactIndex>>,
}

impl References {
    fn keys(&self, to: Ref) -> Option<Arc<KeyIndex>> {
        match to {
            Ref::Csm => self.csms.clone(),
            Ref::Account => self.accounts.clone(),
            Ref::Opportunity => self.opportunities.clone(),
            Ref::Contact => self.contacts.as_ref().map(|c| c.ids.clone()),
        }
    }
}

/// A table with every row checked, still lazy.
pub struct Validated {
    pub table: TableId,
    /// The file's columns, [`ROW`], the parsed columns and [`CHECK`].
    pub frame: LazyFrame,
    /// `(column, reason)` for every check index.
    pub checks: Vec<(String, &'static str)>,
    /// The file's own column names, in file order.
    pub raw_columns: Vec<String>,
    /// The accepted table's columns, with canonical names.
    accepted: Vec<Expr>,
    /// Keeps the decoded copy the frame reads, if any, until the rows are collected.
    pub keep: Option<std::sync::Arc<tempfile::TempPath>>,
}

impl Validated {
    /// The accepted rows with canonical column names and types, in file order.
    pub fn accepted(&self, frame: LazyFrame) -> LazyFrame {
        frame
            .filter(col(CHECK).is_null())
            .sort([ROW], SortMultipleOptions::default())
            .select(self.accepted.clone())
    }

    /// The accepted rows in no particular order (for large tables that are aggregated).
    pub fn accepted_unordered(&self, frame: LazyFrame) -> LazyFrame {
        frame.filter(col(CHECK).is_null()).select(self.accepted.clone())
    }

    /// The accepted value of the canonical column `name` (meaningful where [`CHECK`] is null),
    /// under that name; to be re-aliased when the file has a column of the same name.
    pub fn accepted_value(&self, name: &str) -> Option<Expr> {
        let i = self.table.spec().columns.iter().position(|c| c.name == name)?;
        self.accepted.get(i).cloned()
    }

    /// The rejected rows: [`ROW`], [`CHECK`] and the file's values as text.
    pub fn rejected(&self, frame: LazyFrame) -> LazyFrame {
        frame.filter(col(CHECK).is_not_null()).select(self.rejected_columns())
    }

    /// The columns of [`Validated::rejected`]'s rows.
    pub fn rejected_columns(&self) -> Vec<Expr> {
        let mut columns = vec![col(ROW), col(CHECK)];
        columns.extend(self.raw_columns.iter().map(|c| {
            parse::map_expr(col(c.as_str()), parse::source_text, DataType::String).alias(c.as_str())
        }));
        columns
    }

    /// No rejected rows, in [`Validated::rejected`]'s shape.
    pub fn no_rejects(&self) -> PolarsResult<DataFrame> {
        let mut columns = vec![
            Column::new_empty(ROW.into(), &IDX_DTYPE),
            Column::new_empty(CHECK.into(), &DataType::UInt32),
        ];
        columns
            .extend(self.raw_columns.iter().map(|c| Column::new_empty(c.as_str().into(), &DataType::String)));
        DataFrame::new(0, columns)
    }

    /// Turns collected rejected rows into `rejects/<table>.csv` form: `row`, `column`,
    /// `reason`, then the row's values.
    pub fn reject_table(&self, rejected: &DataFrame) -> Result<DataFrame> {
        let rejected = rejected.sort([ROW], SortMultipleOptions::default())?;
        let codes = rejected.column(CHECK)?.cast(&DataType::UInt32)?;
        let codes = codes.u32()?;
        let check = |i: Option<u32>| i.map(|i| &self.checks[i as usize]);
        let column: StringChunked = codes.iter().map(|i| check(i).map(|c| c.0.as_str())).collect();
        let reason: StringChunked = codes.iter().map(|i| check(i).map(|c| c.1)).collect();
        let mut columns = vec![
            rejected.column(ROW)?.cast(&DataType::Int64)?.with_name("row".into()),
            column.with_name("column".into()).into_column(),
            reason.with_name("reason".into()).into_column(),
        ];
        let mut taken: std::collections::HashSet<String> =
            ["row", "column", "reason"].iter().map(|s| s.to_string()).collect();
        taken.extend(self.raw_columns.iter().cloned());
        for name in &self.raw_columns {
            // A file column called `row`, `column` or `reason` is written as `row_value` (or
            // `row_value_value` when the file also has `row_value`, and so on).
            let mut out_name = name.clone();
            if matches!(name.as_str(), "row" | "column" | "reason") {
                out_name.push_str("_value");
                while taken.contains(&out_name) {
                    out_name.push_str("_value");
                }
                taken.insert(out_name.clone());
            }
            columns.push(rejected.column(name)?.clone().with_name(out_name.into()));
        }
        Ok(DataFrame::new_infer_height(columns)?)
    }
}

/// `index` where `condition` holds, null elsewhere (a null condition does not fail).
fn fails(condition: Expr, index: usize) -> Expr {
    when(condition.fill_null(lit(false))).then(lit(index as u32)).otherwise(lit(NULL).cast(DataType::UInt32))
}

/// A column's source in the file: the pipeline's column map, else the canonical name.
fn source_name<'a>(input: &'a InputSpec, column: &'a str) -> &'a str {
    input.columns.get(column).map_or(column, String::as_str)
}

/// Internal names for a canonical column once cleaned and parsed.
fn cleaned(name: &str) -> String {
    private(&format!("c_{name}"))
}
fn parsed(name: &str) -> String {
    private(&format!("p_{name}"))
}

/// The input's own spellings made standard, on a text column: its date format or locale
/// dates, its words for true and false, 15-character Salesforce ids extended.
fn rewritten(clean: Expr, c: &Spec, input: &InputSpec) -> Expr {
    match c.kind {
        Kind::Date if input.date_format.is_some() || input.day_first.is_some() => {
            let (format, day_first) = (input.date_format.clone(), input.day_first);
            text_map(clean, move |s| {
                let from_format = format
                    .as_deref()
                    .and_then(|f| chrono::NaiveDate::parse_from_str(s, f).ok())
                    .map(|d| d.format("%Y-%m-%d").to_string());
                Some(from_format.unwrap_or_else(|| match day_first {
                    Some(day_first) => super::adapters::text::iso_date(s, day_first),
                    None => s.to_string(),
                }))
            })
        }
        Kind::Bool if input.values.contains_key(c.name) => {
            let words: std::collections::HashMap<String, String> = input.values[c.name]
                .iter()
                .map(|(from, to)| (crate::vocab::normalize_enum(from), to.clone()))
                .collect();
            text_map(clean, move |s| {
                Some(words.get(&crate::vocab::normalize_enum(s)).cloned().unwrap_or_else(|| s.to_string()))
            })
        }
        Kind::Text if input.salesforce_ids && (c.reference.is_some() || c.name.ends_with("_id")) => {
            text_map(clean, |s| Some(super::salesforce_id(s)))
        }
        _ => clean,
    }
}

/// Checks every row of `raw` as the input `table`.
pub fn validate(table: TableId, raw: RawTable, input: &InputSpec, refs: &References) -> Result<Validated> {
    let spec = table.spec();
    let keep = raw.keep.clone();
    let present = |c: &Spec| raw.schema.contains(source_name(input, c.name));
    check_required_columns(table, &raw, input)?;

    // Stage 1: clean every canonical column (absent optional columns are null). Text is
    // trimmed; a column that already has a typed value (a Parquet date, number) is used as is.
    let dtype_of = |c: &Spec| raw.schema.get(source_name(input, c.name)).cloned();
    let mut stage = Vec::new();
    for c in spec.columns {
        let source = if present(c) {
            col(source_name(input, c.name))
        } else if let Some(row_id) = input.row_id.clone().filter(|_| spec.id == Some(c.name)) {
            // Sheets without ids: the row number is the id.
            text_map(col(ROW).cast(DataType::String), move |row| Some(row_id.id(row.parse().unwrap_or(0))))
        } else {
            lit(NULL).cast(DataType::String)
        };
        let text_source = dtype_of(c).filter(|_| present(c)).is_none_or(|d| d == DataType::String);
        let mut clean = match (c.kind, dtype_of(c)) {
            (Kind::Text, _) => parse::map_expr(source, parse::clean_text, DataType::String),
            (_, Some(dtype)) if dtype != DataType::String && present(c) => source,
            _ => source.map(parse::clean, |_, f| Ok(f.clone())),
        };
        if text_source {
            clean = rewritten(clean, c, input);
        }
        if let Some(default) = input.defaults.get(c.name) {
            clean = clean.fill_null(lit(default.clone()));
        }
        stage.push(clean.alias(cleaned(c.name)));
    }
    let mut frame = raw.frame.with_columns(stage);

    // Stage 2: parse typed columns, and say when a value does not parse. Values that arrive
    // with the right type cannot fail (a float can still be NaN or infinite).
    let mut stage = Vec::new();
    let mut unparsed: Vec<(&'static str, Expr)> = Vec::new();
    for c in spec.columns {
        let value = col(cleaned(c.name));
        let dtype = dtype_of(c).filter(|_| present(c)).unwrap_or(DataType::String);
        let generic = || value.clone().is_not_null().and(col(parsed(c.name)).is_null());
        let (parsed_expr, invalid) = match c.kind {
            Kind::Text => continue,
            Kind::Date => (parse::map_expr(value.clone(), parse::to_date, DataType::Date), Some(generic())),
            Kind::Float if dtype.is_float() => {
                let bad = value.clone().is_not_null().and(value.clone().is_finite().not());
                (value.clone().cast(DataType::Float64), Some(bad))
            }
            Kind::Float if dtype.is_integer() => (value.clone().cast(DataType::Float64), None),
            Kind::Float => {
                (parse::map_expr(value.clone(), parse::to_float, DataType::Float64), Some(generic()))
            }
            // A typed integer that does not fit in i64 (a uint64 above 2^63) becomes null on the
            // cast: invalid, not blank.
            Kind::Integer if dtype.is_integer() => (value.clone().cast(DataType::Int64), Some(generic())),
            Kind::Integer => {
                (parse::map_expr(value.clone(), parse::to_integer, DataType::Int64), Some(generic()))
            }
            Kind::Bool if dtype == DataType::Boolean => (value.clone(), None),
            Kind::Bool => {
                (parse::map_expr(value.clone(), parse::to_bool, DataType::Boolean), Some(generic()))
            }
            Kind::Enum(kind) => {
                let reader = EnumReader::new(kind, input.values.get(c.name)).map_err(|msg| {
                    Error::config(format!("[inputs.{}.values.{}] {msg}", table.name(), c.name))
                })?;
                (parse::enum_expr(value.clone(), reader), Some(generic()))
            }
        };
        stage.push(parsed_expr.alias(parsed(c.name)));
        if let Some(invalid) = invalid {
            unparsed.push((c.name, invalid));
        }
    }
    frame = frame.with_columns(stage);

    // Check 0: a CSV row with the wrong number of fields is rejected before anything is read
    // from it (its values are shifted or missing).
    let mut checks: Vec<(String, &'static str)> = Vec::new();
    let mut conditions: Vec<Expr> = Vec::new();
    let mut add = |checks: &mut Vec<_>, condition: Expr, column: &str, reason: &'static str| {
        conditions.push(fails(condition, checks.len()));
        checks.push((column.to_string(), reason));
    };
    let mut by_column: std::collections::BTreeMap<&str, Vec<u32>> = std::collections::BTreeMap::new();
    for m in &raw.malformed {
        by_column.entry(m.column.as_str()).or_default().push(m.row);
    }
    for (column, rows) in by_column {
        let rows = Series::new("rows".into(), rows).cast(&DataType::UInt32).map_err(Error::from)?;
        let ragged = col(ROW).cast(DataType::UInt32).is_in(lit(rows).implode(false), false);
        add(&mut checks, ragged, column, "wrong_field_count");
    }

    for c in spec.columns {
        let blank = col(cleaned(c.name)).is_null();
        if c.required {
            add(&mut checks, blank.clone(), c.name, "missing_required");
        }
        match (table, c.name) {
            (t, "contact_id") if t.spec().contact_or_email => {
                let no_email = col(cleaned("email")).is_null();
                add(&mut checks, blank.and(no_email), "contact_id", "missing_required");
            }
            (TableId::Opportunities, "closed_on") => {
                let closed =
                    col(parsed("stage")).eq(Stage::Won.lit()).or(col(parsed("stage")).eq(Stage::Lost.lit()));
                add(&mut checks, closed.and(blank), c.name, "missing_required");
            }
            (TableId::AdvocacyActivities, "completed_on") => {
                let completed = col(parsed("status")).eq(Status::Completed.lit());
                add(&mut checks, completed.and(blank), c.name, "missing_required");
            }
            _ => {}
        }
    }
    for (name, invalid) in unparsed {
        let reason = match spec.column(name).map(|c| c.kind) {
            Some(Kind::Date) => "invalid_date",
            Some(Kind::Float | Kind::Integer) => "invalid_number",
            Some(Kind::Bool) => "invalid_bool",
            _ => "invalid_value",
        };
        add(&mut checks, invalid, name, reason);
    }
    let p = |name: &str| col(parsed(name));
    match table {
        TableId::Accounts => {
            add(&mut checks, p("arr").lt(lit(0.0)), "arr", "out_of_range");
            let before = p("churned_on").lt(p("customer_since"));
            add(&mut checks, before, "churned_on", "churned_before_customer_since");
        }
        TableId::Opportunities => {
            add(&mut checks, p("amount").lt(lit(0.0)), "amount", "out_of_range");
            let before = p("closed_on").lt(p("created_on"));
            add(&mut checks, before, "closed_on", "closed_before_created");
        }
        TableId::NpsResponses => {
            let outside = p("score").lt(lit(0i64)).or(p("score").gt(lit(10i64)));
            add(&mut checks, outside, "score", "out_of_range");
        }
        TableId::Usage => {
            add(&mut checks, p("active_minutes").lt(lit(0.0)), "active_minutes", "out_of_range");
        }
        _ => {}
    }
    let first_three = coalesce(&conditions);
    frame = frame.with_column(first_three.alias(CHECK));

    // Check 4: among rows that passed 1-3, an id seen before is a duplicate. This needs the
    // file's row order, so it runs before any join.
    if let Some(id) = spec.id {
        let passed = col(CHECK).is_null();
        let candidate = when(passed.clone()).then(col(cleaned(id))).otherwise(lit(NULL));
        let repeat = passed.and(candidate.is_first_distinct().not());
        let duplicate = fails(repeat, checks.len());
        checks.push((id.to_string(), "duplicate_id"));
        frame = frame.with_column(coalesce(&[col(CHECK), duplicate]).alias(CHECK));
    }

    // Check 5: references, column by column, each one lookup in the referenced table's index.
    let has_email = spec.contact_or_email && raw.schema.contains(source_name(input, "email"));
    let mut reference_checks = vec![col(CHECK)];
    let mut contacts = None;
    for c in spec.columns {
        let Some(to) = c.reference else { continue };
        let missing = || Error::internal(format!("{} is checked before {}", table.name(), to.table().name()));
        let given = col(cleaned(c.name)).is_not_null();
        if spec.contact_or_email && c.name == "contact_id" {
            // Who the row is about: its contact_id, or else its email.
            let index = refs.contacts.clone().ok_or_else(missing)?;
            let email = if has_email { col(cleaned("email")) } else { lit(NULL).cast(DataType::String) };
            frame = frame.with_column(
                keys::contact_position(col(cleaned(c.name)), email, index.clone()).alias(CONTACT_POSITION),
            );
            let unresolved = col(CONTACT_POSITION).is_null();
            reference_checks.push(fails(given.clone().and(unresolved.clone()), checks.len()));
            checks.push((c.name.to_string(), to.reason()));
            if has_email {
                reference_checks.push(fails(given.not().and(unresolved), checks.len()));
                checks.push(("email".to_string(), to.reason()));
            }
            contacts = Some(index);
            continue;
        }
        let index = refs.keys(to).ok_or_else(missing)?;
        let unknown = given.and(keys::known(col(cleaned(c.name)), index).not());
        reference_checks.push(fails(unknown, checks.len()));
        checks.push((c.name.to_string(), to.reason()));
    }
    frame = frame.with_column(coalesce(&reference_checks).alias(CHECK));

    let accepted = accepted_columns(table, contacts);
    let raw_columns = raw.file_columns.clone();
    Ok(Validated { table, frame, checks, raw_columns, accepted, keep })
}

/// The canonical columns of an accepted row, with the spec's defaults filled in; tables about
/// people also keep [`CONTACT_POSITION`].
fn accepted_columns(table: TableId, contacts: Option<Arc<ContactIndex>>) -> Vec<Expr> {
    let spec = table.spec();
    spec.columns
        .iter()
        .map(|c| {
            let value = match c.kind {
                Kind::Text => col(cleaned(c.name)),
                _ => col(parsed(c.name)),
            };
            let value = match (table, c.name) {
                (t, "contact_id") if t.spec().contact_or_email => match &contacts {
                    Some(index) => keys::id_at(col(CONTACT_POSITION), index.ids.clone()),
                    None => value,
                },
                (TableId::Accounts, "arr") => value.fill_null(lit(0.0)),
                (TableId::WebinarAttendance, "registered") => value.fill_null(lit(true)),
                (TableId::WebinarAttendance, "role") => value.fill_null(Role::Attendee.lit()),
                _ => value,
            };
            value.alias(c.name)
        })
        .chain((table == TableId::Usage && contacts.is_some()).then(|| col(CONTACT_POSITION)))
        .collect()
}

/// A required column absent from the file is a file-level error naming what was found and
/// the nearest name.
fn check_required_columns(table: TableId, raw: &RawTable, input: &InputSpec) -> Result<()> {
    let spec = table.spec();
    // The file's own columns: what a user can map (never a layout's internal ones).
    let found: Vec<&str> = raw.file_columns.iter().map(String::as_str).collect();
    let missing = |canonical: &str| -> Error {
        let source = source_name(input, canonical);
        let internal = source.starts_with(super::read::PRIVATE);
        let name = if internal { canonical } else { source };
        let hint = nearest(name, found.iter().copied())
            .map(|n| format!("; the nearest is `{n}`"))
            .unwrap_or_default();
        let mapped = if name != canonical { format!(" (mapped from `{name}`)") } else { String::new() };
        Error::input(format!(
            "input `{}` ({}): required column `{canonical}`{mapped} is missing; found columns: {}{hint}. \
             If the file has it under another name, map it: [inputs.{}.columns] {canonical} = \"<column in the file>\"",
            table.name(),
            input.written,
            found.join(", "),
            table.name()
        ))
    };
    let supplied =
        |c: &Spec| input.defaults.contains_key(c.name) || (input.row_id.is_some() && spec.id == Some(c.name));
    for c in spec.columns.iter().filter(|c| c.required && !supplied(c)) {
        if !raw.schema.contains(source_name(input, c.name)) {
            return Err(missing(c.name));
        }
    }
    if spec.contact_or_email
        && !raw.schema.contains(source_name(input, "contact_id"))
        && !raw.schema.contains(source_name(input, "email"))
    {
        let hint = nearest("contact_id", found.iter().copied())
            .or_else(|| nearest("email", found.iter().copied()))
            .map(|n| format!("; the nearest is `{n}`"))
            .unwrap_or_default();
        return Err(Error::input(format!(
            "input `{}` ({}): needs a `contact_id` or an `email` column; found columns: {}{hint}",
            table.name(),
            input.written,
            found.join(", ")
        )));
    }
    Ok(())
}
