//! Vendor layouts: the exports people really have (Salesforce, HubSpot, Zoom, Qualtrics,
//! SurveyMonkey, Pendo, Amplitude, Mixpanel) read onto the canonical tables, so that checks,
//! rejects and metrics are the same whatever the source.
//!
//! An adapter turns a vendor file into a raw table that keeps the vendor's own columns (rejects
//! show those, as they appear in the file) and adds one derived column per canonical column it
//! can fill. Each layout knows, per canonical column, where the value comes from (candidate
//! vendor column names, or an expression over several columns); a pipeline's
//! `columns = { ... }` overrides any of them, and the layout's text fixes (locale dates,
//! formatted amounts, `--` for empty) apply to overridden columns too. Stage, type, status and
//! role spellings go through the layout's value map, then the pipeline's `values`.

mod crm;
mod product;
mod surveys;
mod teams;
pub mod text;
mod zoom;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use super::prepare::TextOptions;
use super::read::{self, RawTable, ROW};
use crate::config::InputSpec;
use crate::error::{nearest, Error, Result};
use crate::vocab::schema::{Kind, TableId};
use crate::vocab::Format;

pub use crate::vocab::Layout;

/// What one layout does: how it is recognised, how its files are read and what its columns
/// mean. [`def`] gives one per [`Layout`], in one exhaustive match, so a new layout that is
/// not wired in does not compile.
pub struct LayoutDef {
    /// Detection order among the layouts that read the same table: lower is tried first.
    pub priority: u8,
    /// Whether an input's first file looks like this layout's export.
    pub detect: fn(&Probe) -> bool,
    pub read: Read,
}

/// How a layout turns its files into canonical rows.
pub enum Read {
    /// Read as a table of vendor text columns, then map by the recipe.
    Mapped {
        frame: fn(TableId, &InputSpec) -> Result<VendorFrame>,
        recipe: fn(TableId, &VendorFrame) -> Recipe,
    },
    /// Raw events, rolled up to daily usage rows by the layout itself.
    Events(product::Events),
}

/// What detection sees of an input's first file.
pub struct Probe<'a> {
    pub file: &'a Path,
    /// The header's column names.
    pub names: &'a [String],
    /// The first 4 KiB as text.
    pub head: &'a str,
}

impl Probe<'_> {
    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|c| c == name)
    }
}

/// The layout table.
pub fn def(layout: Layout) -> LayoutDef {
    use Read::{Events, Mapped};
    match layout {
        Layout::Salesforce => LayoutDef {
            priority: 2,
            detect: |p| p.has("Id") && (p.has("Name") || p.has("AccountId")),
            read: Mapped { frame: read_table, recipe: |table, _| crm::salesforce(table) },
        },
        Layout::SalesforceReport => LayoutDef {
            priority: 0,
            detect: |p| {
                let text = crate::ingest::prepare::decoded(p.file, None).unwrap_or_default();
                text.contains("Grand Totals") || text.contains("salesforce.com, inc.")
            },
            read: Mapped {
                frame: |_, input| crm::read_report(input),
                recipe: |table, _| crm::salesforce_report(table),
            },
        },
        Layout::Hubspot => LayoutDef {
            priority: 1,
            // Object exports have `Record ID`; the users export (Settings > Users & Teams) has
            // names and emails only.
            detect: |p| {
                p.has("Record ID")
                    || (p.has("Email") && (p.has("First name") || p.has("First Name")) && !p.has("Id"))
            },
            read: Mapped { frame: read_table, recipe: |table, _| crm::hubspot(table) },
        },
        Layout::Zoom => LayoutDef {
            priority: 0,
            detect: |p| p.head.contains("Webinar ID") && p.head.contains("Attendee"),
            read: Mapped { frame: |_, input| zoom::read(input), recipe: |_, _| zoom::recipe() },
        },
        Layout::Teams => LayoutDef {
            priority: 1,
            detect: |p| p.head.contains("1. Summary") && p.head.contains("Meeting title"),
            read: Mapped { frame: |_, input| teams::read(input), recipe: |_, _| teams::recipe() },
        },
        Layout::Qualtrics => LayoutDef {
            priority: 0,
            detect: |p| {
                (p.has("ResponseId") && p.head.contains("ImportId"))
                    || (p.has("V1") && p.head.contains("ResponseID"))
            },
            read: Mapped {
                frame: |_, input| surveys::read_with_header_rows(2, input),
                recipe: |_, vendor| surveys::qualtrics(vendor),
            },
        },
        Layout::SurveyMonkey => LayoutDef {
            priority: 1,
            detect: |p| p.has("Respondent ID"),
            read: Mapped {
                frame: |_, input| surveys::read_with_header_rows(1, input),
                recipe: |_, vendor| surveys::surveymonkey(vendor),
            },
        },
        Layout::SurveyCsv => LayoutDef {
            priority: 2,
            detect: |p| p.has("email") && p.has("score") && p.has("date"),
            read: Mapped { frame: read_table, recipe: |_, _| surveys::survey_csv() },
        },
        Layout::Pendo => LayoutDef {
            priority: 0,
            detect: |p| p.has("visitorId") && p.has("numMinutes"),
            read: Mapped { frame: read_table, recipe: |_, _| product::pendo_recipe() },
        },
        Layout::Amplitude => LayoutDef {
            priority: 1,
            detect: |p| p.has("user_id") && p.has("event_time"),
            read: Events(product::Events::Amplitude),
        },
        Layout::Mixpanel => LayoutDef {
            priority: 2,
            detect: |p| p.has("properties") && p.has("event"),
            read: Events(product::Events::Mixpanel),
        },
    }
}

/// Where a canonical column's value comes from in a vendor file.
pub enum Source {
    /// The first of these vendor columns that the file has.
    Column(&'static [&'static str]),
    /// An expression over vendor columns, used when all of `needs` are present.
    Derived { needs: &'static [&'static str], expr: Expr },
    /// A column found at run time (a survey's NPS question), possibly transformed.
    Found { column: String, expr: Expr },
}

/// What a layout says about one canonical table.
pub struct Recipe {
    /// Columns a file must have to be this layout (for detection and its error message).
    pub signature: &'static [&'static str],
    /// Canonical column -> its source, for the columns the layout can fill.
    pub sources: Vec<(&'static str, Source)>,
    /// Canonical column -> (vendor spelling -> canonical value).
    pub values: Vec<(&'static str, &'static [(&'static str, &'static str)])>,
    /// Locale dates (month first unless the input says `day_first`).
    pub locale_dates: bool,
    /// Amounts with currency symbols and thousands separators.
    pub formatted_amounts: bool,
}

/// A vendor file read as text columns, before mapping.
pub struct VendorFrame {
    pub files: Vec<PathBuf>,
    /// Vendor columns (text) plus [`ROW`].
    pub frame: DataFrame,
    /// A second header row of labels (survey question texts), by column, when the file has one.
    pub labels: Vec<String>,
}

/// Opens `input` through its layout, if it names one or its file is recognisably a vendor
/// export; `None` means the canonical layout.
pub fn open(table: TableId, input: &InputSpec) -> Result<Option<(RawTable, InputSpec)>> {
    let layout = match input.format {
        Some(Format::Canonical) => None,
        Some(Format::Vendor(layout)) => Some(layout),
        None => detect(table, input)?,
    };
    let Some(layout) = layout else { return Ok(None) };
    let (raw, input) = match def(layout).read {
        Read::Events(shape) => product::events(shape, table, input)?,
        Read::Mapped { frame, recipe } => {
            let vendor = frame(table, input)?;
            let recipe = recipe(table, &vendor);
            map(layout, table, input, vendor, &recipe)?
        }
    };
    Ok(Some((raw, input)))
}

/// A vendor file that is a plain table (any format), read as text.
fn read_table(table: TableId, input: &InputSpec) -> Result<VendorFrame> {
    let raw = read::open(table.name(), &input.path, &input.written, &TextOptions::of(input))?;
    let frame = raw
        .frame
        .select(
            std::iter::once(col(ROW))
                .chain(raw.file_columns.iter().map(|c| col(c.as_str()).cast(DataType::String)))
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(|e| read::unreadable(table.name(), &input.written, &e))?;
    Ok(VendorFrame { files: raw.files, frame, labels: Vec::new() })
}

/// The name of the column that carries a canonical column's value after mapping.
pub fn mapped(canonical: &str) -> String {
    read::private(&format!("canonical_{canonical}"))
}

/// Applies a recipe (and the pipeline's overrides) to a vendor frame.
fn map(
    layout: Layout,
    table: TableId,
    input: &InputSpec,
    vendor: VendorFrame,
    recipe: &Recipe,
) -> Result<(RawTable, InputSpec)> {
    let columns: Vec<String> =
        vendor.frame.get_column_names().iter().map(|c| c.to_string()).filter(|c| c != ROW).collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    // A signature column the user's `columns` replaces (by mapping the canonical column it
    // would fill) is not missing: the user's map wins over the layout's expectations.
    let replaced = |name: &str| {
        recipe.sources.iter().any(|(canonical, source)| {
            input.columns.contains_key(*canonical)
                && match source {
                    Source::Column(names) => names.contains(&name),
                    Source::Derived { needs, .. } => needs.contains(&name),
                    Source::Found { column, .. } => column == name,
                }
        })
    };
    let missing: Vec<&str> = recipe.signature.iter().copied().filter(|c| !has(c) && !replaced(c)).collect();
    if !missing.is_empty() {
        return Err(Error::input(format!(
            "input `{}` ({}): expected the {} layout, which has the columns {}; missing {}; found columns: {}. \
             If the file names them otherwise, map them with [inputs.{}.columns]",
            table.name(),
            input.written,
            layout,
            recipe.signature.join(", "),
            missing.join(", "),
            columns.join(", "),
            table.name()
        )));
    }
    let spec = table.spec();
    let mut absent = Vec::new();
    let mut derived = Vec::new();
    let mut canonical_columns = BTreeMap::new();
    for column in spec.columns {
        let source = if let Some(user) = input.columns.get(column.name) {
            if !has(user) {
                let hint = nearest(user, columns.iter().map(String::as_str))
                    .map(|n| format!("; the nearest is `{n}`"))
                    .unwrap_or_default();
                return Err(Error::input(format!(
                    "input `{}` ({}): [inputs.{}.columns] maps {} to `{user}`, which the file does not have{hint}",
                    table.name(),
                    input.written,
                    table.name(),
                    column.name
                )));
            }
            Some(col(user.as_str()))
        } else {
            // The first listed source whose columns the file has.
            recipe.sources.iter().filter(|(c, _)| *c == column.name).find_map(|(_, source)| match source {
                Source::Column(names) => names.iter().find(|n| has(n)).map(|n| col(*n)),
                Source::Derived { needs, expr } => needs.iter().all(|n| has(n)).then(|| expr.clone()),
                Source::Found { column, expr } => has(column).then(|| expr.clone()),
            })
        };
        let Some(expr) = source else {
            let known: Vec<&str> = recipe
                .sources
                .iter()
                .filter(|(c, _)| *c == column.name)
                .flat_map(|(_, source)| match source {
                    Source::Column(names) => names.to_vec(),
                    Source::Derived { needs, .. } => needs.to_vec(),
                    Source::Found { .. } => Vec::new(),
                })
                .collect();
            // Only multi-currency orgs export a currency: its absence is normal.
            if !known.is_empty() && column.name != "currency" {
                absent.push(format!("{} (looked for {})", column.name, known.join(", ")));
            }
            continue;
        };
        let fixed = fix_text(expr, column.kind, recipe, input.day_first.unwrap_or(false));
        derived.push(fixed.alias(mapped(column.name)));
        canonical_columns.insert(column.name.to_string(), mapped(column.name));
    }
    let frame = vendor.frame.lazy().with_columns(derived);
    let mut frame = frame;
    let schema = frame.collect_schema().map_err(|e| read::unreadable(table.name(), &input.written, &e))?;
    let mut values = input.values.clone();
    for (column, pairs) in &recipe.values {
        let entry = values.entry(column.to_string()).or_default();
        for (from, to) in pairs.iter() {
            entry.entry(from.to_string()).or_insert_with(|| to.to_string());
        }
    }
    let raw = RawTable {
        files: vendor.files,
        schema: schema.as_ref().clone().into_iter().filter(|(n, _)| n.as_str() != ROW).collect(),
        file_columns: columns.clone(),
        frame,
        malformed: Vec::new(),
        keep: None,
        notes: if absent.is_empty() {
            Vec::new()
        } else {
            vec![format!(
                "{} ({layout} layout): the file has no column for {}; those values are empty. Map them with \
                 [inputs.{}.columns] if the export names them otherwise",
                table.name(),
                absent.join("; "),
                table.name()
            )]
        },
    };
    let mut input = InputSpec {
        columns: canonical_columns,
        values,
        format: Some(Format::Vendor(layout)),
        ..input.clone()
    };
    layout_defaults(layout, table, &mut input, &has);
    Ok((raw, input))
}

/// What a layout does by default where the vendor's meaning is unambiguous; the pipeline's own
/// settings win. Salesforce: records in the recycle bin (`IsDeleted`) are not data, and
/// 15-character report ids are extended to the 18-character ids of data exports. HubSpot:
/// a company's owner is a person's name, looked up in the users export. Zoom: the host's rows
/// are skipped (staff, not customers).
fn layout_defaults(layout: Layout, table: TableId, input: &mut InputSpec, has: &dyn Fn(&str) -> bool) {
    match layout {
        Layout::Salesforce | Layout::SalesforceReport => {
            input.salesforce_ids = true;
            if has("IsDeleted") && !input.filters.iter().any(|f| f.column == "IsDeleted") {
                input.filters.push(crate::config::Filter {
                    column: "IsDeleted".into(),
                    keep_equal: false,
                    values: vec!["true".into()],
                });
            }
        }
        Layout::Hubspot if table == TableId::Accounts => {
            input.lookup.entry("csm_id".into()).or_insert_with(|| "csm_name".into());
        }
        Layout::Zoom | Layout::Teams => {
            // The host (Teams: the organizer) is the company's own staff, not a customer.
            let column = if layout == Layout::Zoom { "Section" } else { "Role" };
            let host = if layout == Layout::Zoom { crate::vocab::Role::Host.as_str() } else { "Organizer" };
            if has(column) && !input.filters.iter().any(|f| f.column == column) {
                input.filters.push(crate::config::Filter {
                    column: column.into(),
                    keep_equal: false,
                    values: vec![host.into()],
                });
            }
        }
        Layout::Hubspot
        | Layout::Qualtrics
        | Layout::SurveyMonkey
        | Layout::SurveyCsv
        | Layout::Pendo
        | Layout::Amplitude
        | Layout::Mixpanel => {}
    }
}

/// The layout's text fixes for a column of the given kind: `--` and blanks are empty; locale
/// dates become ISO; formatted amounts become plain numbers.
fn fix_text(expr: Expr, kind: Kind, recipe: &Recipe, day_first: bool) -> Expr {
    let locale_dates = recipe.locale_dates;
    let amounts = recipe.formatted_amounts;
    text_map(expr, move |s| {
        let s = s.trim();
        if s.is_empty() || s == "--" {
            return None;
        }
        Some(match kind {
            Kind::Date if locale_dates => text::iso_date(s, day_first),
            Kind::Float if amounts => text::plain_amount(s),
            _ => s.to_string(),
        })
    })
}

/// Applies `f` to every text value of `expr` (null stays null).
pub fn text_map(expr: Expr, f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Expr {
    let f = Arc::new(f);
    expr.cast(DataType::String).map(
        move |c| {
            let out: StringChunked = c.str()?.iter().map(|v| v.and_then(|s| f(s))).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// A text vendor table from parsed records: `header` names the columns, each row keeps its
/// source row number.
pub fn frame_from_records(header: &[String], rows: &[(usize, Vec<String>)]) -> PolarsResult<DataFrame> {
    let mut columns =
        vec![Column::new(ROW.into(), rows.iter().map(|(n, _)| *n as u32).collect::<Vec<u32>>())];
    let mut seen = std::collections::HashSet::new();
    for (i, name) in header.iter().enumerate() {
        let name = read::file_column_name(name);
        let mut name = if name.is_empty() { format!("column_{}", i + 1) } else { name };
        while !seen.insert(name.clone()) {
            name.push('_');
        }
        let values: Vec<Option<String>> = rows
            .iter()
            .map(|(_, r)| r.get(i).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
            .collect();
        columns.push(Column::new(name.into(), values));
    }
    DataFrame::new_infer_height(columns)
}

/// Recognises a vendor export when no layout is named and the file does not have the
/// canonical required columns.
fn detect(table: TableId, input: &InputSpec) -> Result<Option<Layout>> {
    // The first data file, as the canonical reader would pick it (a README beside is not one);
    // a folder of vendor reports with other extensions falls back to its first file.
    let files = match read::expand(table.name(), &input.path, &input.written, read::data_file) {
        Ok(files) => files,
        Err(_) => read::expand(table.name(), &input.path, &input.written, read::any_file)?,
    };
    let first = &files[0];
    let names = header_names(first, input.skip_rows);
    let has = |n: &str| names.iter().any(|c| c == n);
    let canonical = table.spec().columns.iter().filter(|c| c.required).all(|c| has(c.name))
        && (!table.spec().contact_or_email || has("contact_id") || has("email"));
    if canonical {
        return Ok(None);
    }
    let head: String = crate::ingest::prepare::head_text(first).chars().take(4096).collect();
    let probe = Probe { file: first, names: &names, head: &head };
    let mut candidates: Vec<(u8, Layout)> = Layout::ALL
        .iter()
        .filter(|layout| layout.tables().contains(&table))
        .map(|&layout| (def(layout).priority, layout))
        .collect();
    candidates.sort();
    Ok(candidates.into_iter().map(|(_, layout)| layout).find(|&layout| (def(layout).detect)(&probe)))
}

/// Column names of a file's header, from its first 64 KiB (CSV: the first record after
/// `skip_rows`; JSON: the first object's keys; Parquet and Arrow: the schema), gzip or not.
fn header_names(file: &Path, skip_rows: usize) -> Vec<String> {
    use crate::ingest::prepare;
    match prepare::format_of(file) {
        Some(read::Format::Csv) | None => prepare::csv_header(file, skip_rows),
        Some(read::Format::JsonLines) => {
            let head = prepare::head_text(file);
            // JSON lines, or an array whose first element starts after the bracket.
            let first = head.trim_start().trim_start_matches('[').trim_start();
            let mut stream = serde_json::Deserializer::from_str(first).into_iter::<serde_json::Value>();
            match stream.next() {
                Some(Ok(serde_json::Value::Object(object))) => object.keys().cloned().collect(),
                _ => Vec::new(),
            }
        }
        Some(read::Format::Parquet | read::Format::Ipc) => {
            read::open("input", file, &file.to_string_lossy(), &TextOptions::default())
                .map(|raw| raw.file_columns)
                .unwrap_or_default()
        }
    }
}
