//! The pipeline file: where the exports are, the as-of date, the output folder, and every
//! weight, window and threshold of SPEC.md section 3 with its default.
//!
//! Parsing happens in two steps: serde reads the TOML into `Raw*` structs (strict: an unknown
//! key is an error that names its line and column and the nearest valid key), then
//! [`Pipeline::load`] resolves paths and dates and checks values, so later code never
//! re-checks strings.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use toml::Spanned;

use crate::error::{nearest, Error, Result};
use crate::vocab::schema::{Kind, TableId};
use crate::vocab::Format;

/// A validated pipeline file.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// The pipeline file itself (for the hash in `run.json`).
    pub path: PathBuf,
    /// The folder the pipeline file is in; relative paths inside it start here.
    pub base_dir: PathBuf,
    pub as_of: Option<NaiveDate>,
    pub out: PathBuf,
    /// Configured inputs in the order the spec checks them (csms, accounts, contacts, ...).
    pub inputs: Vec<(TableId, InputSpec)>,
    pub settings: Settings,
}

/// One configured input file (or folder or glob of Parquet files).
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// Resolved path (relative paths start at the pipeline file's folder).
    pub path: PathBuf,
    /// The path as written in the pipeline file, for messages and reports.
    pub written: String,
    /// The layout the pipeline file names: `canonical` (SPEC.md section 2) or a vendor's
    /// (`salesforce`, `hubspot`, `zoom`, ...); `None`: recognised from the file.
    pub format: Option<Format>,
    /// Canonical column name -> column name in the file.
    pub columns: BTreeMap<String, String>,
    /// Canonical column name -> (value in the file -> canonical value), for stages, types,
    /// statuses and roles spelled the organisation's own way.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Numeric locale dates (`3/29/2024`, `29/3/2024`): `Some(true)` reads them day first,
    /// `Some(false)` month first. Unset: vendor layouts read them month first, canonical
    /// inputs accept only the spellings of SPEC.md section 1.
    pub day_first: Option<bool>,
    /// A chrono format (`%d.%m.%Y`) tried before the standard date spellings.
    pub date_format: Option<String>,
    /// The text encoding of CSV and text exports; `None`: detected (BOM, else UTF-8, else
    /// Windows-1252).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The CSV field separator; `None`: sniffed from the header (comma, semicolon or tab).
    pub delimiter: Option<u8>,
    /// Lines to skip before the header (a title block above the table).
    pub skip_rows: usize,
    /// Lines right after the header that are not data (labels, units): skipped; row numbers
    /// count the data rows after them.
    pub label_rows: usize,
    /// Rows to keep, by the file's own columns (`where = "IsDeleted != true"`).
    pub filters: Vec<Filter>,
    /// Canonical column -> value for blank cells (`defaults = { opportunity_type = "new_business" }`).
    pub defaults: BTreeMap<String, String>,
    /// The table's id is made from the row number (`row-17`, or a pattern's `ACT0000017`)
    /// when the file has none.
    pub row_id: Option<RowId>,
    /// 15-character Salesforce ids are extended to their 18-character form (always on for the
    /// Salesforce layouts).
    pub salesforce_ids: bool,
    /// Reference column -> a column of the referenced table whose value the file carries
    /// instead of the id (`lookup = { account_id = "account_name" }`). A value that is already
    /// an id stays; one that matches no row, or two, is left as written and rejected.
    pub lookup: BTreeMap<String, String>,
    /// Raw event layouts: a CSV mapping anonymous product ids to a `contact_id` or `email`.
    pub identities: Option<PathBuf>,
}

/// Ids made from row numbers: `prefix` then the 1-based data row, zero-padded to `width`
/// (`row_id = true` is `row-1`, `row-2`; `row_id = "ACT{:07}"` is `ACT0000001`).
#[derive(Debug, Clone, PartialEq)]
pub struct RowId {
    pub prefix: String,
    pub width: usize,
}

impl RowId {
    /// `PREFIX{}` or `PREFIX{:0W}`.
    fn parse(pattern: &str) -> Option<RowId> {
        let (prefix, rest) = pattern.split_once('{')?;
        let spec = rest.strip_suffix('}')?;
        let width = match spec {
            "" => 0,
            _ => spec.strip_prefix(":0")?.parse().ok()?,
        };
        Some(RowId { prefix: prefix.to_string(), width })
    }

    pub fn id(&self, row: u32) -> String {
        format!("{}{:0width$}", self.prefix, row, width = self.width)
    }
}

/// One row filter of `[inputs.x] where`: keeps the rows whose `column` (a column of the file)
/// equals one of `values` (`Eq`) or none of them (`Ne`). Text is compared trimmed and ignoring
/// case; `true`/`false` also match the other boolean spellings (yes/no, 1/0).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: String,
    pub keep_equal: bool,
    pub values: Vec<String>,
}

impl Filter {
    /// `Title = "CSM"`, `IsDeleted != true`, joined by ` and `.
    pub fn parse_all(text: &str) -> std::result::Result<Vec<Filter>, String> {
        text.split(" and ")
            .map(|part| {
                let (column, keep_equal, value) = if let Some((c, v)) = part.split_once("!=") {
                    (c, false, v)
                } else if let Some((c, v)) = part.split_once('=') {
                    (c, true, v.strip_prefix('=').unwrap_or(v))
                } else {
                    return Err(format!("{part:?} is not `Column = value` or `Column != value`"));
                };
                let column = column.trim().trim_matches('`').to_string();
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
                if column.is_empty() {
                    return Err(format!("{part:?} names no column"));
                }
                Ok(Filter { column, keep_equal, values: vec![value] })
            })
            .collect()
    }

    /// A short description for notes: `IsDeleted != true`.
    pub fn describe(&self) -> String {
        let op = if self.keep_equal { "=" } else { "!=" };
        format!("{} {op} {}", self.column, self.values.join(" or "))
    }
}

/// Every tunable number of the metrics, one pipeline-file table per field. Field docs give
/// the default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub health: HealthSettings,
    pub csqa: CsqaSettings,
    pub influence: InfluenceSettings,
    pub referral: ReferralSettings,
    pub second_order: SecondOrderSettings,
    pub candidates: CandidateSettings,
    pub program: ProgramSettings,
    pub quality: QualitySettings,
    pub reports: ReportSettings,
    pub currency: CurrencySettings,
    pub history: HistorySettings,
    pub coverage: CoverageSettings,
    pub references: ReferenceSettings,
    pub backtest: BacktestSettings,
}

/// `[health]`: the advocate health score (SPEC.md 3.1).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HealthSettings {
    /// `[health.weights]`: nps 0.35, usage 0.30, engagement 0.15, advocacy 0.20.
    pub weights: HealthWeights,
    /// NPS responses count when given in the last N days: 365.
    pub nps_window_days: u32,
    /// Usage minutes are summed over the last N days: 30.
    pub usage_window_days: u32,
    /// Minutes in the usage window that make the usage component 1: 300.
    pub usage_target_minutes: f64,
    /// Webinars attended in the last N days count: 180.
    pub webinar_window_days: u32,
    /// Distinct webinars attended that make the engagement component 1: 2.
    pub webinar_target: f64,
    /// Completed advocacy activities in the last N days count: 365.
    pub advocacy_window_days: u32,
    /// Completed activities that make the advocacy component 1: 2.
    pub advocacy_target: f64,
    /// Asks (activities by `requested_on`) in the last N days count towards fatigue: 90.
    pub fatigue_window_days: u32,
    /// A contact asked at least this often in the fatigue window is `fatigued`: 3.
    pub fatigue_max_asks: u32,
    /// `[health.tiers]`: champion >= 80, advocate >= 60, neutral >= 40, else at_risk.
    pub tiers: Tiers,
}

impl Default for HealthSettings {
    fn default() -> Self {
        HealthSettings {
            weights: HealthWeights::default(),
            nps_window_days: 365,
            usage_window_days: 30,
            usage_target_minutes: 300.0,
            webinar_window_days: 180,
            webinar_target: 2.0,
            advocacy_window_days: 365,
            advocacy_target: 2.0,
            fatigue_window_days: 90,
            fatigue_max_asks: 3,
            tiers: Tiers::default(),
        }
    }
}

/// `[health.weights]`: relative weights of the four health components.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HealthWeights {
    /// 0.35.
    pub nps: f64,
    /// 0.30.
    pub usage: f64,
    /// 0.15.
    pub engagement: f64,
    /// 0.20.
    pub advocacy: f64,
}

impl Default for HealthWeights {
    fn default() -> Self {
        HealthWeights { nps: 0.35, usage: 0.30, engagement: 0.15, advocacy: 0.20 }
    }
}

/// `[health.tiers]`: lower bounds of the score tiers.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Tiers {
    /// 80.
    pub champion: f64,
    /// 60.
    pub advocate: f64,
    /// 40.
    pub neutral: f64,
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers { champion: 80.0, advocate: 60.0, neutral: 40.0 }
    }
}

/// `[csqa]`: CS Qualified Advocates (SPEC.md 3.2).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CsqaSettings {
    /// Activity types that can qualify a contact; empty means every type: `[]`.
    pub qualifying_types: Vec<String>,
    /// The latest NPS in the window, if any, must be at least this: 7.
    pub min_nps: i64,
    /// The NPS window looked at on the qualifying date: 365 days.
    pub nps_window_days: u32,
    /// CSMs with fewer active-customer accounts are not ranked (their ratios rest on too few
    /// accounts): 5.
    pub min_accounts_for_rank: u32,
}

impl Default for CsqaSettings {
    fn default() -> Self {
        CsqaSettings {
            qualifying_types: Vec::new(),
            min_nps: 7,
            nps_window_days: 365,
            min_accounts_for_rank: 5,
        }
    }
}

/// `[influence]`: advocate-influenced revenue (SPEC.md 3.3).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InfluenceSettings {
    /// Opportunity types in scope: `["new_business", "expansion"]`. Any spelling the
    /// opportunities table accepts (`"New Business"`); held in canonical form once checked.
    pub types: Vec<String>,
    /// Time-decay attribution: a touch this many days before the close weighs half as much
    /// as one on the day: 7.
    pub half_life_days: f64,
}

impl Default for InfluenceSettings {
    fn default() -> Self {
        InfluenceSettings { types: vec!["new_business".into(), "expansion".into()], half_life_days: 7.0 }
    }
}

/// `[references]`: suggested references for open deals (SPEC.md 8.2).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReferenceSettings {
    /// References suggested per deal: 3.
    pub per_deal: u32,
    /// Minimum health score of a reference: 60.
    pub min_score: f64,
    /// A contact asked (any activity requested) in the last N days rests: 30.
    pub rest_days: u32,
    /// Minimum match points (industry 2, segment 1, region 1): 1.
    pub min_match: u32,
    /// A contact is suggested for at most this many deals: 2.
    pub max_deals_per_contact: u32,
}

impl Default for ReferenceSettings {
    fn default() -> Self {
        ReferenceSettings {
            per_deal: 3,
            min_score: 60.0,
            rest_days: 30,
            min_match: 1,
            max_deals_per_contact: 2,
        }
    }
}

/// `[referral]`: referral conversion and retention (SPEC.md 3.4).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralSettings {
    /// `lower(trim(lead_source))` values that make a deal a referral:
    /// `["referral", "customer referral", "advocate referral"]`.
    pub lead_sources: Vec<String>,
    /// An account is retained when it has not churned this many days after its first won
    /// deal; the cohort is first deals closed in `(D - 2N, D - N]`: 365.
    pub retention_days: u32,
}

impl Default for ReferralSettings {
    fn default() -> Self {
        ReferralSettings {
            lead_sources: vec!["referral".into(), "customer referral".into(), "advocate referral".into()],
            retention_days: 365,
        }
    }
}

/// `[second_order]`: champions who change jobs (SPEC.md 3.5).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SecondOrderSettings {
    /// A repurchase must close within this many days of the move: 730.
    pub repurchase_window_days: u32,
    /// Champions who moved in the last N days to a non-customer are on the sales list: 90.
    pub action_window_days: u32,
    /// Gross margin applied to second-order revenue: 0.8.
    pub gross_margin: f64,
    /// Cap on the expected customer lifetime, in years: 10.
    pub max_lifetime_years: f64,
}

impl Default for SecondOrderSettings {
    fn default() -> Self {
        SecondOrderSettings {
            repurchase_window_days: 730,
            action_window_days: 90,
            gross_margin: 0.8,
            max_lifetime_years: 10.0,
        }
    }
}

/// `[candidates]`: who to recruit next (SPEC.md 3.6).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CandidateSettings {
    /// Minimum health score: 60.
    pub min_score: f64,
    /// `promoter`: an NPS score of at least this...: 9.
    pub promoter_score: i64,
    /// ...given in the last N days: 90.
    pub promoter_window_days: u32,
    /// `webinars`: at least this many distinct webinars attended...: 2.
    pub webinars_min: u32,
    /// ...in the last N days: 180.
    pub webinars_window_days: u32,
    /// `six_months`: account tenure from this many days...: 180.
    pub tenure_min_days: u32,
    /// ...to this many days, inclusive: 270.
    pub tenure_max_days: u32,
    /// ...and at least this many active minutes...: 30.
    pub tenure_min_minutes: f64,
    /// ...in the last N days: 30.
    pub tenure_usage_window_days: u32,
    /// `renewed` / `expanded`: a won renewal / expansion closed in the last N days: 90.
    pub deal_window_days: u32,
}

impl Default for CandidateSettings {
    fn default() -> Self {
        CandidateSettings {
            min_score: 60.0,
            promoter_score: 9,
            promoter_window_days: 90,
            webinars_min: 2,
            webinars_window_days: 180,
            tenure_min_days: 180,
            tenure_max_days: 270,
            tenure_min_minutes: 30.0,
            tenure_usage_window_days: 30,
            deal_window_days: 90,
        }
    }
}

/// `[program]`: program reach by month (SPEC.md 3.7).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProgramSettings {
    /// Number of calendar months shown, ending with the period's month: 12.
    pub months: u32,
}

impl Default for ProgramSettings {
    fn default() -> Self {
        ProgramSettings { months: 12 }
    }
}

/// `[backtest]`: does the health score predict what happened next (SPEC.md 7)?
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BacktestSettings {
    /// Snapshot dates: the last N month-ends `t` with `t + horizon_days <= D`: 12.
    pub months: u32,
    /// What happened in `(t, t + H]` is the outcome: 180 days.
    pub horizon_days: u32,
    /// The weight grid's step; `1 / step` must be a whole number: 0.1.
    pub weight_step: f64,
    /// The outcome the weight grid is searched for: `churn` (or `advocacy`, `expansion`).
    pub optimize: String,
}

impl Default for BacktestSettings {
    fn default() -> Self {
        BacktestSettings { months: 12, horizon_days: 180, weight_step: 0.1, optimize: "churn".into() }
    }
}

/// `[coverage]`: accounts hanging on one person (SPEC.md 8.3).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CoverageSettings {
    /// A CSQA who left or moved in the last N days counts as departed: 90.
    pub departure_window_days: u32,
}

impl Default for CoverageSettings {
    fn default() -> Self {
        CoverageSettings { departure_window_days: 90 }
    }
}

/// `[history]`: the snapshots each run keeps of what it published (SPEC.md 6.2).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HistorySettings {
    /// The history folder (relative to the pipeline file): unset, no history. Every
    /// successful run writes `<dir>/as_of=<D>/`.
    pub dir: Option<PathBuf>,
    /// Calendar months of `history_monthly`, ending with D's month: 24.
    pub months: u32,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings { dir: None, months: 24 }
    }
}

/// `[quality]`: when a bad export stops the run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QualitySettings {
    /// The run fails (exit 2) when any table rejects more than this share of its rows: 0.05.
    pub max_reject_ratio: f64,
}

impl Default for QualitySettings {
    fn default() -> Self {
        QualitySettings { max_reject_ratio: 0.05 }
    }
}

/// `[currency]`: amounts in several currencies (Salesforce `CurrencyIsoCode`) converted to
/// one reporting currency. Without rates, an input in more than one currency is an error.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CurrencySettings {
    /// The reporting currency's code (`"USD"`): amounts in it, or with no currency, are kept.
    pub reporting: Option<String>,
    /// Code -> reporting-currency units per unit (`{ EUR = 1.08, GBP = 1.27 }`).
    pub rates: BTreeMap<String, f64>,
}

/// `[reports]`: how the reports look.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// The company name shown in report titles: "Customer advocacy" when unset.
    pub company: Option<String>,
    /// A folder of templates (relative to the pipeline file) that replaces the built-in ones
    /// file by file: unset.
    pub templates: Option<PathBuf>,
    /// How many rows the report tables show (top referrers, movers, candidates): 10.
    pub top_n: usize,
    /// The symbol written before money amounts (one reporting currency): "$".
    pub currency: String,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { company: None, templates: None, top_n: 10, currency: "$".to_string() }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    #[serde(default)]
    as_of: Option<DateValue>,
    #[serde(default)]
    out: Option<String>,
    inputs: RawInputs,
    #[serde(default)]
    health: HealthSettings,
    #[serde(default)]
    csqa: CsqaSettings,
    #[serde(default)]
    influence: InfluenceSettings,
    #[serde(default)]
    referral: ReferralSettings,
    #[serde(default)]
    second_order: SecondOrderSettings,
    #[serde(default)]
    candidates: CandidateSettings,
    #[serde(default)]
    program: ProgramSettings,
    #[serde(default)]
    quality: QualitySettings,
    #[serde(default)]
    reports: ReportSettings,
    #[serde(default)]
    currency: CurrencySettings,
    #[serde(default)]
    history: HistorySettings,
    #[serde(default)]
    coverage: CoverageSettings,
    #[serde(default)]
    references: ReferenceSettings,
    #[serde(default)]
    backtest: BacktestSettings,
}

/// `as_of` may be written as a string (`"2026-10-31"`) or a TOML date (`2026-10-31`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateValue {
    Text(String),
    Toml(toml::value::Datetime),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    accounts: Option<RawInputOrPath>,
    csms: Option<RawInputOrPath>,
    contacts: Option<RawInputOrPath>,
    opportunities: Option<RawInputOrPath>,
    advocacy_activities: Option<RawInputOrPath>,
    nps_responses: Option<RawInputOrPath>,
    webinar_attendance: Option<RawInputOrPath>,
    usage: Option<RawInputOrPath>,
    job_changes: Option<RawInputOrPath>,
}

/// An input is a bare path or a table with `path`, `format`, `columns` and `values`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    path: String,
    #[serde(default)]
    format: Option<Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    values: BTreeMap<Spanned<String>, BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    day_first: Option<bool>,
    #[serde(default)]
    date_format: Option<String>,
    #[serde(default)]
    encoding: Option<Spanned<String>>,
    #[serde(default)]
    delimiter: Option<Spanned<String>>,
    #[serde(default)]
    skip_rows: usize,
    #[serde(default)]
    label_rows: usize,
    #[serde(default, rename = "where")]
    filters: Option<Spanned<RawFilter>>,
    #[serde(default)]
    defaults: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    row_id: Option<Spanned<RawRowId>>,
    #[serde(default)]
    salesforce_ids: bool,
    #[serde(default)]
    lookup: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    identities: Option<String>,
}

/// `row_id = true` or a pattern such as `"ACT{:07}"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRowId {
    On(bool),
    Pattern(String),
}

/// `where = "IsDeleted != true"` or `where = { Title = "Customer Success Manager" }` (a list
/// of values keeps rows equal to any of them).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawFilter {
    Text(String),
    Table(BTreeMap<String, OneOrMany>),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Bool(bool),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for RawInputOrPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InputVisitor;
        impl<'de> Visitor<'de> for InputVisitor {
            type Value = RawInputOrPath;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path, or a table with `path` and optionally `format`, `columns`, `values`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawInputOrPath(RawInput { path: v.to_string(), ..RawInput::default() }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawInput::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawInputOrPath)
            }
        }
        deserializer.deserialize_any(InputVisitor)
    }
}

/// Wrapper so that both spellings of an input deserialize into [`RawInput`] while keeping
/// serde's located errors for unknown keys inside the table form.
#[derive(Debug)]
struct RawInputOrPath(RawInput);

impl Pipeline {
    /// Reads and validates a pipeline file.
    pub fn load(path: &Path) -> Result<Pipeline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("cannot read pipeline file {}: {e}", path.display())))?;
        Pipeline::parse(&text, path)
    }

    /// Validates pipeline text as if it were read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Pipeline> {
        let raw: RawPipeline =
            toml::from_str(text).map_err(|e| Error::config(describe_toml_error(path, text, &e)))?;
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let where_ = path.display();

        let as_of = match raw.as_of {
            None => None,
            Some(value) => {
                let text = match value {
                    DateValue::Text(s) => s,
                    DateValue::Toml(d) => d.to_string(),
                };
                Some(parse_iso_date(&text).ok_or_else(|| {
                    Error::config(format!("{where_}: `as_of`: {}", describe_bad_date(&text)))
                })?)
            }
        };
        let out = normalize(&base_dir.join(raw.out.as_deref().unwrap_or("out")));

        let located = |span: std::ops::Range<usize>, message: String| {
            let (line, col) = line_and_column(text, span.start);
            Error::config(format!("{where_}:{line}:{col}: {message}"))
        };
        let inputs = raw.inputs.into_specs(&base_dir, &located)?;
        for required in TableId::ALL.iter().filter(|t| t.required()) {
            if !inputs.iter().any(|(t, _)| t == required) {
                return Err(Error::config(format!(
                    "{where_}: [inputs] has no `{}`; the required inputs are {}",
                    required.name(),
                    TableId::ALL
                        .iter()
                        .filter(|t| t.required())
                        .map(|t| format!("`{}`", t.name()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let mut settings = Settings {
            health: raw.health,
            csqa: raw.csqa,
            influence: raw.influence,
            referral: raw.referral,
            second_order: raw.second_order,
            candidates: raw.candidates,
            program: raw.program,
            quality: raw.quality,
            reports: raw.reports,
            currency: raw.currency,
            history: raw.history,
            coverage: raw.coverage,
            references: raw.references,
            backtest: raw.backtest,
        };
        if let Some(dir) = settings.history.dir.take() {
            settings.history.dir = Some(normalize(&base_dir.join(dir)));
        }
        if let Some(templates) = settings.reports.templates.take() {
            let folder = normalize(&base_dir.join(templates));
            if !folder.is_dir() {
                return Err(Error::config(format!(
                    "{where_}: `reports.templates`: {} is not a folder; copy reports/ from the \
                     repository and point at it",
                    folder.display()
                )));
            }
            settings.reports.templates = Some(folder);
        }
        settings.check().map_err(|(key, message)| match key_span(text, key) {
            Some(span) => located(span, message),
            None => Error::config(format!("{where_}: {message}")),
        })?;
        Ok(Pipeline { path: path.to_path_buf(), base_dir, as_of, out, inputs, settings })
    }

    pub fn input(&self, table: TableId) -> Option<&InputSpec> {
        self.inputs.iter().find(|(t, _)| *t == table).map(|(_, spec)| spec)
    }
}

/// An error at a place in the pipeline text.
type Located<'a> = dyn Fn(std::ops::Range<usize>, String) -> Error + 'a;

impl RawInputs {
    fn into_specs(self, base_dir: &Path, located: &Located) -> Result<Vec<(TableId, InputSpec)>> {
        let RawInputs {
            accounts,
            csms,
            contacts,
            opportunities,
            advocacy_activities,
            nps_responses,
            webinar_attendance,
            usage,
            job_changes,
        } = self;
        let by_table = [
            (TableId::Accounts, accounts),
            (TableId::Csms, csms),
            (TableId::Contacts, contacts),
            (TableId::Opportunities, opportunities),
            (TableId::AdvocacyActivities, advocacy_activities),
            (TableId::NpsResponses, nps_responses),
            (TableId::WebinarAttendance, webinar_attendance),
            (TableId::Usage, usage),
            (TableId::JobChanges, job_changes),
        ];
        let mut specs = Vec::new();
        for (table, raw) in by_table {
            if let Some(raw) = raw {
                specs.push((table, raw.0.into_spec(table, base_dir, located)?));
            }
        }
        specs.sort_by_key(|(table, _)| TableId::ALL.iter().position(|t| t == table));
        Ok(specs)
    }
}

impl RawInput {
    /// The input, checked against its table: a known layout that reads this table, column
    /// and value maps that name the table's columns, value maps onto canonical spellings.
    fn into_spec(self, table: TableId, base_dir: &Path, located: &Located) -> Result<InputSpec> {
        let name = table.name();
        let format = match self.format {
            None => None,
            Some(written) => {
                let format = Format::from_name(written.get_ref()).ok_or_else(|| {
                    let hint = nearest(written.get_ref(), Format::names())
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    located(
                        written.span(),
                        format!(
                            "[inputs.{name}] format = {:?} is not a known layout; layouts are {}{hint}",
                            written.get_ref(),
                            Format::names().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
                if let Format::Vendor(layout) = format {
                    if !layout.tables().contains(&table) {
                        return Err(located(
                            written.span(),
                            format!(
                                "[inputs.{name}] format = {:?}: the {layout} layout reads {}",
                                written.get_ref(),
                                layout.tables().iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
                            ),
                        ));
                    }
                }
                Some(format)
            }
        };
        let spec = table.spec();
        let column_named = |key: &Spanned<String>| {
            spec.column(key.get_ref()).ok_or_else(|| {
                let hint = nearest(key.get_ref(), spec.columns.iter().map(|c| c.name))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                located(
                    key.span(),
                    format!(
                        "[inputs.{name}] maps `{}`, which is not a column of {name}{hint}",
                        key.get_ref()
                    ),
                )
            })
        };
        let mut columns = BTreeMap::new();
        for (key, file_column) in self.columns {
            column_named(&key)?;
            columns.insert(key.into_inner(), file_column);
        }
        let mut values = BTreeMap::new();
        for (key, map) in self.values {
            let kind = match column_named(&key)?.kind {
                Kind::Enum(kind) => Some(kind),
                Kind::Bool => None,
                _ => {
                    return Err(located(
                        key.span(),
                        format!(
                            "[inputs.{name}.values.{}]: value maps apply to stage, opportunity_type, \
                             status, role and true/false columns only",
                            key.get_ref()
                        ),
                    ))
                }
            };
            let mut checked = BTreeMap::new();
            for (from, to) in map {
                let valid = match kind {
                    Some(kind) => kind.canonical(&crate::vocab::normalize_enum(to.get_ref())).is_some(),
                    None => crate::vocab::parse_bool(to.get_ref()).is_some(),
                };
                if !valid {
                    let expected = match kind {
                        Some(kind) => kind.values().join(", "),
                        None => "true, false".to_string(),
                    };
                    return Err(located(
                        to.span(),
                        format!(
                            "[inputs.{name}.values.{}] maps {from:?} to {:?}, which is not a valid value; \
                             expected one of {}",
                            key.get_ref(),
                            to.get_ref(),
                            expected
                        ),
                    ));
                }
                checked.insert(from, to.into_inner());
            }
            values.insert(key.into_inner(), checked);
        }
        let encoding = match self.encoding {
            None => None,
            Some(written) if written.get_ref().eq_ignore_ascii_case("auto") => None,
            Some(written) => {
                Some(encoding_rs::Encoding::for_label(written.get_ref().as_bytes()).ok_or_else(|| {
                    located(
                        written.span(),
                        format!(
                            "`inputs.{name}.encoding` = {:?} is not an encoding; use utf-8, utf-16, \
                         windows-1252, iso-8859-1 or auto",
                            written.get_ref()
                        ),
                    )
                })?)
            }
        };
        let delimiter = match self.delimiter {
            None => None,
            Some(written) => Some(match written.get_ref().as_str() {
                "," | "comma" => b',',
                ";" | "semicolon" => b';',
                "\t" | "tab" => b'\t',
                "|" | "pipe" => b'|',
                other => {
                    return Err(located(
                        written.span(),
                        format!(
                            "`inputs.{name}.delimiter` = {other:?}; expected \",\", \";\", \"\\t\" or \"|\""
                        ),
                    ))
                }
            }),
        };
        let filters = match self.filters {
            None => Vec::new(),
            Some(spanned) => {
                let span = spanned.span();
                match spanned.into_inner() {
                    RawFilter::Text(text) => Filter::parse_all(&text)
                        .map_err(|e| located(span, format!("`inputs.{name}.where`: {e}")))?,
                    RawFilter::Table(map) => map
                        .into_iter()
                        .map(|(column, value)| Filter {
                            column,
                            keep_equal: true,
                            values: match value {
                                OneOrMany::One(v) => vec![v],
                                OneOrMany::Bool(b) => vec![b.to_string()],
                                OneOrMany::Many(v) => v,
                            },
                        })
                        .collect(),
                }
            }
        };
        let mut defaults = BTreeMap::new();
        for (key, value) in self.defaults {
            column_named(&key)?;
            defaults.insert(key.into_inner(), value);
        }
        let mut lookup = BTreeMap::new();
        for (key, by) in self.lookup {
            let Some(to) = column_named(&key)?.reference else {
                return Err(located(
                    key.span(),
                    format!("`inputs.{name}.lookup.{}`: lookups apply to reference columns", key.get_ref()),
                ));
            };
            let target = to.table().spec();
            if target.column(by.get_ref()).is_none() {
                let hint = nearest(by.get_ref(), target.columns.iter().map(|c| c.name))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(located(
                    by.span(),
                    format!(
                        "`inputs.{name}.lookup.{}` = {:?} is not a column of {}{hint}",
                        key.get_ref(),
                        by.get_ref(),
                        target.name
                    ),
                ));
            }
            lookup.insert(key.into_inner(), by.into_inner());
        }
        let row_id = match self.row_id {
            None => None,
            Some(spanned) => {
                let span = spanned.span();
                match spanned.into_inner() {
                    RawRowId::On(false) => None,
                    RawRowId::On(true) => Some(RowId { prefix: "row-".into(), width: 0 }),
                    RawRowId::Pattern(pattern) => Some(RowId::parse(&pattern).ok_or_else(|| {
                        located(
                            span,
                            format!(
                                "`inputs.{name}.row_id` = {pattern:?}; expected true or a pattern such as \
                                 \"ACT{{:07}}\" (a prefix, then {{}} or {{:0<width>}} for the row number)"
                            ),
                        )
                    })?),
                }
            }
        };
        if row_id.is_some() && spec.id.is_none() {
            return Err(Error::config(format!(
                "`inputs.{name}.row_id`: {name} has no id column; row ids apply to tables with one"
            )));
        }
        Ok(InputSpec {
            path: normalize(&base_dir.join(&self.path)),
            written: self.path,
            format,
            columns,
            values,
            day_first: self.day_first,
            date_format: self.date_format,
            encoding,
            delimiter,
            skip_rows: self.skip_rows,
            label_rows: self.label_rows,
            filters,
            defaults,
            row_id,
            salesforce_ids: self.salesforce_ids,
            lookup,
            identities: self.identities.map(|p| normalize(&base_dir.join(p))),
        })
    }
}

impl Settings {
    /// Value checks serde cannot express, and spellings made canonical (opportunity types).
    /// Returns a message naming the setting.
    fn check(&mut self) -> std::result::Result<(), (&'static str, String)> {
        for (key, value) in self.numbers() {
            check_range(key, value).map_err(|message| (key, message))?;
        }
        let w = &self.health.weights;
        if w.nps + w.usage + w.engagement + w.advocacy <= 0.0 {
            return Err((
                "health.weights",
                "the [health.weights] sum to 0; at least one must be positive".into(),
            ));
        }
        let steps = 1.0 / self.backtest.weight_step;
        if (steps - steps.round()).abs() > 1e-9 {
            return Err((
                "backtest.weight_step",
                format!(
                    "`backtest.weight_step` is {}; 1 / step must be a whole number (0.1, 0.05, 0.25, ...)",
                    self.backtest.weight_step
                ),
            ));
        }
        if !["churn", "advocacy", "expansion"].contains(&self.backtest.optimize.as_str()) {
            return Err((
                "backtest.optimize",
                format!(
                    "`backtest.optimize` is {:?}; expected churn, advocacy or expansion",
                    self.backtest.optimize
                ),
            ));
        }
        let t = &self.health.tiers;
        if !(t.champion >= t.advocate && t.advocate >= t.neutral) {
            return Err((
                "health.tiers",
                "[health.tiers] must satisfy champion >= advocate >= neutral".into(),
            ));
        }
        for (code, rate) in &self.currency.rates {
            if !(rate.is_finite() && *rate > 0.0) {
                return Err((
                    "currency.rates",
                    format!("`currency.rates.{code}` is {rate}; expected a number above 0"),
                ));
            }
        }
        if !self.currency.rates.is_empty() && self.currency.reporting.is_none() {
            return Err(("currency", "[currency] has rates but no `reporting` currency".into()));
        }
        if self.candidates.tenure_min_days > self.candidates.tenure_max_days {
            return Err((
                "candidates.tenure_min_days",
                "`candidates.tenure_min_days` is above `candidates.tenure_max_days`".into(),
            ));
        }
        for t in &mut self.influence.types {
            match crate::vocab::canonical_opportunity_type(t) {
                Some(canonical) => *t = canonical.to_string(),
                None => {
                    return Err((
                        "influence.types",
                        format!("`influence.types` has {t:?}; expected new_business, expansion or renewal"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Every numeric setting by its pipeline-file key, as a float, for the range checks.
    fn numbers(&self) -> Vec<(&'static str, f64)> {
        let (h, w, t) = (&self.health, &self.health.weights, &self.health.tiers);
        let (c, so) = (&self.candidates, &self.second_order);
        vec![
            ("health.weights.nps", w.nps),
            ("health.weights.usage", w.usage),
            ("health.weights.engagement", w.engagement),
            ("health.weights.advocacy", w.advocacy),
            ("health.nps_window_days", h.nps_window_days.into()),
            ("health.usage_window_days", h.usage_window_days.into()),
            ("health.usage_target_minutes", h.usage_target_minutes),
            ("health.webinar_window_days", h.webinar_window_days.into()),
            ("health.webinar_target", h.webinar_target),
            ("health.advocacy_window_days", h.advocacy_window_days.into()),
            ("health.advocacy_target", h.advocacy_target),
            ("health.fatigue_window_days", h.fatigue_window_days.into()),
            ("health.fatigue_max_asks", h.fatigue_max_asks.into()),
            ("health.tiers.champion", t.champion),
            ("health.tiers.advocate", t.advocate),
            ("health.tiers.neutral", t.neutral),
            ("csqa.min_nps", self.csqa.min_nps as f64),
            ("csqa.nps_window_days", self.csqa.nps_window_days.into()),
            ("referral.retention_days", self.referral.retention_days.into()),
            ("second_order.repurchase_window_days", so.repurchase_window_days.into()),
            ("second_order.action_window_days", so.action_window_days.into()),
            ("second_order.gross_margin", so.gross_margin),
            ("second_order.max_lifetime_years", so.max_lifetime_years),
            ("candidates.min_score", c.min_score),
            ("candidates.promoter_score", c.promoter_score as f64),
            ("candidates.promoter_window_days", c.promoter_window_days.into()),
            ("candidates.webinars_min", c.webinars_min.into()),
            ("candidates.webinars_window_days", c.webinars_window_days.into()),
            ("candidates.tenure_min_days", c.tenure_min_days.into()),
            ("candidates.tenure_max_days", c.tenure_max_days.into()),
            ("candidates.tenure_min_minutes", c.tenure_min_minutes),
            ("candidates.tenure_usage_window_days", c.tenure_usage_window_days.into()),
            ("candidates.deal_window_days", c.deal_window_days.into()),
            ("program.months", self.program.months.into()),
            ("history.months", self.history.months.into()),
            ("coverage.departure_window_days", self.coverage.departure_window_days.into()),
            ("csqa.min_accounts_for_rank", self.csqa.min_accounts_for_rank.into()),
            ("influence.half_life_days", self.influence.half_life_days),
            ("references.per_deal", self.references.per_deal.into()),
            ("references.min_score", self.references.min_score),
            ("references.rest_days", self.references.rest_days.into()),
            ("references.min_match", self.references.min_match.into()),
            ("references.max_deals_per_contact", self.references.max_deals_per_contact.into()),
            ("backtest.months", self.backtest.months.into()),
            ("backtest.horizon_days", self.backtest.horizon_days.into()),
            ("backtest.weight_step", self.backtest.weight_step),
            ("quality.max_reject_ratio", self.quality.max_reject_ratio),
            ("reports.top_n", self.reports.top_n as f64),
        ]
    }
}

/// The accepted range of a numeric setting: `(min, max, whole)`. Windows stay within a
/// century so that date arithmetic cannot overflow; weights, targets and shares within what
/// the formulas can add up without overflowing. README's settings table lists the same.
pub fn range_of(key: &str) -> Option<(f64, f64, bool)> {
    const DAYS: (f64, f64, bool) = (1.0, 36_500.0, true);
    Some(match key {
        k if k.starts_with("health.weights.") => (0.0, 1_000.0, false),
        k if k.ends_with("_days") && k != "candidates.tenure_min_days" && k != "influence.half_life_days" => {
            DAYS
        }
        "candidates.tenure_min_days" => (0.0, 36_500.0, true),
        "health.usage_target_minutes" | "health.webinar_target" | "health.advocacy_target" => {
            (1e-9, 1e9, false)
        }
        "health.fatigue_max_asks" => (1.0, 1_000_000.0, true),
        k if k.starts_with("health.tiers.") => (0.0, 100.0, false),
        "csqa.min_nps" | "candidates.promoter_score" => (0.0, 10.0, true),
        "second_order.gross_margin" | "quality.max_reject_ratio" => (0.0, 1.0, false),
        "second_order.max_lifetime_years" => (1e-9, 1_000.0, false),
        "candidates.min_score" => (0.0, 100.0, false),
        "candidates.webinars_min" => (0.0, 1_000_000.0, true),
        "candidates.tenure_min_minutes" => (0.0, 1e9, false),
        "program.months" | "history.months" => (1.0, 600.0, true),
        "csqa.min_accounts_for_rank" => (0.0, 1_000_000.0, true),
        "influence.half_life_days" => (1e-9, 36_500.0, false),
        "references.per_deal" | "references.max_deals_per_contact" => (1.0, 1_000.0, true),
        "references.min_score" => (0.0, 100.0, false),
        "references.min_match" => (0.0, 4.0, true),
        "backtest.months" => (1.0, 600.0, true),
        "backtest.weight_step" => (0.05, 1.0, false),
        "reports.top_n" => (1.0, 100_000.0, true),
        _ => return None,
    })
}

/// `value` within [`range_of`] `key`, or a message naming the key.
fn check_range(key: &str, value: f64) -> std::result::Result<(), String> {
    let Some((min, max, whole)) = range_of(key) else { return Ok(()) };
    if (min..=max).contains(&value) {
        return Ok(());
    }
    Err(format!("`{key}` is {value}; expected {}", describe_range(min, max, whole)))
}

fn describe_range(min: f64, max: f64, whole: bool) -> String {
    let kind = if whole { "a whole number" } else { "a number" };
    let min = if min > 0.0 && min < 1e-6 { "above 0".to_string() } else { format!("from {min}") };
    format!("{kind} {min} to {max}")
}

/// Removes `.` and `name/..` pairs without touching the file system, so that paths read the
/// way a user expects (`out/monthly`, not `pipelines/../out/monthly`).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Parses a zero-padded `YYYY-MM-DD` within the years the tool accepts anywhere (1900 to
/// 2200).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (crate::calendar::FIRST_YEAR..=crate::calendar::LAST_YEAR).contains(&d.year()))
}

/// Why `text` is not an as-of date, in words: the shape, or the part that is out of range.
pub fn describe_bad_date(text: &str) -> String {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return format!("{text:?} is not a date written YYYY-MM-DD");
    }
    let (year, month, day) =
        (text[0..4].parse::<i32>(), text[5..7].parse::<u32>(), text[8..10].parse::<u32>());
    let (Ok(year), Ok(month), Ok(day)) = (year, month, day) else {
        return format!("{text:?} is not a date written YYYY-MM-DD");
    };
    if !(1..=12).contains(&month) {
        return format!("{text:?} is not a valid date: month {month} is out of range (1 to 12)");
    }
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return format!("{text:?} is not a valid date: day {day} is out of range for {year}-{month:02}");
    }
    format!(
        "{text:?} is not a valid date: the year is out of range ({} to {})",
        crate::calendar::FIRST_YEAR,
        crate::calendar::LAST_YEAR
    )
}

/// Turns a TOML error into a message with the file, line and column, and for an unknown key
/// the nearest valid one.
fn describe_toml_error(path: &Path, text: &str, err: &toml::de::Error) -> String {
    let raw = err.message().trim();
    let key = err.span().and_then(|span| key_at(text, span.start));
    let message = match &key {
        Some(key) => describe_value_error(key, raw).unwrap_or_else(|| raw.to_string()),
        None => raw.to_string(),
    };
    let location = err.span().map(|span| line_and_column(text, span.start));
    let mut out = match location {
        Some((line, col)) => format!("{}:{line}:{col}: {message}", path.display()),
        None => format!("{}: {message}", path.display()),
    };
    if let Some(hint) = unknown_key_hint(raw) {
        out.push_str(&format!("; did you mean `{hint}`?"));
    }
    out
}

/// serde's "invalid type: string \"0.35\", expected f64" or "invalid value: integer `-1`,
/// expected u32" as a sentence about the key: "`health.weights.nps` must be a number, not
/// the string \"0.35\"".
fn describe_value_error(key: &str, message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.rsplit_once(", expected ")?;
        let wanted = match expected {
            "f64" | "f32" => "a number".to_string(),
            e if e.starts_with('u') || e.starts_with('i') && e.len() <= 5 => match range_of(key) {
                Some((min, max, whole)) => describe_range(min, max, whole),
                None => "a whole number".to_string(),
            },
            "a boolean" | "bool" => "true or false".to_string(),
            "a string" | "a borrowed string" => "text in quotes".to_string(),
            "a sequence" => "a list such as [\"a\", \"b\"]".to_string(),
            other => other.to_string(),
        };
        return Some(format!("`{key}` must be {wanted}, not {found}"));
    }
    if let Some(rest) = message.strip_prefix("invalid value: integer `") {
        let (value, _) = rest.split_once('`')?;
        let (min, max, whole) = range_of(key)?;
        return Some(format!("`{key}` is {value}; expected {}", describe_range(min, max, whole)));
    }
    None
}

/// Where the dotted key's value (or table) is written in the pipeline text.
fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = doc.as_item();
    for part in key.split('.') {
        item = item.get(part)?;
    }
    item.span()
}

/// The dotted key (`health.weights.nps`) whose value spans `offset` in the pipeline text.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut path = Vec::new();
    find_key(doc.as_item(), offset, &mut path).then(|| path.join("."))
}

fn find_key(item: &toml_edit::Item, offset: usize, path: &mut Vec<String>) -> bool {
    let entries: Vec<(String, toml_edit::Item)> = match item {
        toml_edit::Item::Table(table) => table.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        toml_edit::Item::Value(toml_edit::Value::InlineTable(table)) => {
            table.iter().map(|(k, v)| (k.to_string(), toml_edit::Item::Value(v.clone()))).collect()
        }
        _ => return false,
    };
    for (key, child) in entries {
        path.push(key);
        let hit = match &child {
            toml_edit::Item::Table(_) => find_key(&child, offset, path),
            // The value spans the offset: this key, or a key inside it (an inline table).
            _ if child.span().is_some_and(|s| s.contains(&offset)) => {
                find_key(&child, offset, path);
                true
            }
            _ => false,
        };
        if hit {
            return true;
        }
        path.pop();
    }
    false
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a` or `b`"),
/// the expected name nearest to `x`.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    nearest(unknown, names).map(str::to_string)
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
as_of = "2026-10-31"
out = "out/monthly"

[inputs]
accounts = "../sample_data/accounts.csv"
csms = "../sample_data/csms.csv"
contacts = "../sample_data/contacts.csv"
opportunities = "../sample_data/opportunities.csv"
advocacy_activities = "../sample_data/advocacy_activities.csv"
"#;

    fn parse(text: &str) -> Result<Pipeline> {
        Pipeline::parse(text, Path::new("pipelines/p.toml"))
    }

    #[test]
    fn the_minimal_pipeline_gets_every_default() {
        let p = parse(MINIMAL).unwrap();
        assert_eq!(p.as_of, parse_iso_date("2026-10-31"));
        assert_eq!(p.out, Path::new("pipelines/out/monthly"));
        assert_eq!(p.inputs.len(), 5);
        assert_eq!(p.inputs[0].0, TableId::Csms, "inputs are kept in the spec's check order");
        assert_eq!(p.input(TableId::Accounts).unwrap().path, Path::new("sample_data/accounts.csv"));
        assert_eq!(p.settings, Settings::default());
        assert_eq!(p.settings.health.weights.nps, 0.35);
        assert_eq!(p.settings.quality.max_reject_ratio, 0.05);
    }

    #[test]
    fn inputs_are_checked_at_load_with_their_place_in_the_file() {
        // MINIMAL has 10 lines after its leading newline; the [inputs.usage] table starts on
        // line 12, so `format` is on line 14 and its value starts at column 10.
        let input = |body: &str| format!("{MINIMAL}\n[inputs.usage]\npath = \"u.csv\"\n{body}\n");
        let err = parse(&input("format = \"pendoo\"")).unwrap_err().to_string();
        assert!(err.starts_with("pipelines/p.toml:14:10: [inputs.usage] format = \"pendoo\""), "{err}");
        assert!(err.contains("did you mean `pendo`?"), "{err}");
        let err = parse(&input("format = \"zoom\"")).unwrap_err().to_string();
        assert!(err.contains("14:10") && err.contains("the zoom layout reads webinar_attendance"), "{err}");
        let err = parse(&input("columns = { contact = \"visitorId\" }")).unwrap_err().to_string();
        assert!(err.contains("14:13") && err.contains("did you mean `contact_id`?"), "{err}");
        let err = parse(&input("values = { date = { a = \"b\" } }")).unwrap_err().to_string();
        assert!(err.contains("value maps apply to stage"), "{err}");
        let roles =
            "[inputs.webinar_attendance]\npath = \"w.csv\"\n[inputs.webinar_attendance.values.role]\n";
        let err = parse(&format!("{MINIMAL}\n{roles}\"Co\" = \"cohost\"\n")).unwrap_err().to_string();
        assert!(err.contains("maps \"Co\" to \"cohost\", which is not a valid value"), "{err}");
        assert!(err.contains("expected one of attendee, panelist, host"), "{err}");
        let err = parse(&format!("{MINIMAL}\n[reports]\ntemplates = \"no/such/folder\"\n")).unwrap_err();
        assert!(err.to_string().contains("`reports.templates`"), "{err}");
    }

    #[test]
    fn an_input_can_be_a_table_with_a_layout_and_column_map() {
        let text = format!(
            "{MINIMAL}\n[inputs.usage]\npath = \"usage/*.parquet\"\nformat = \"pendo\"\n\
             columns = {{ contact_id = \"visitorId\" }}\n\
             [inputs.webinar_attendance]\npath = \"zoom/\"\n\
             [inputs.webinar_attendance.values.role]\n\"Co-host\" = \"host\"\n"
        );
        let p = parse(&text).unwrap();
        let spec = p.input(TableId::Usage).unwrap();
        assert_eq!(spec.written, "usage/*.parquet");
        assert_eq!(spec.format, Some(Format::Vendor(crate::vocab::Layout::Pendo)));
        assert_eq!(spec.columns["contact_id"], "visitorId");
        let webinars = p.input(TableId::WebinarAttendance).unwrap();
        assert_eq!(webinars.values["role"]["Co-host"], "host");
        let err =
            parse(&format!("{MINIMAL}\n[inputs.usage]\npath = \"u.csv\"\nformt = \"x\"\n")).unwrap_err();
        assert!(err.to_string().contains("did you mean `format`?"), "{err}");
    }

    #[test]
    fn an_unknown_key_names_its_line_column_and_nearest_key() {
        let text = format!("{MINIMAL}\n[health]\nusage_target_minute = 200\n");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("unknown field `usage_target_minute`"), "{err}");
        assert!(err.contains("did you mean `usage_target_minutes`?"), "{err}");
        assert_eq!(err.split(':').nth(1), Some("13"), "line 13 in {err}");
    }

    #[test]
    fn an_unknown_top_level_table_is_an_error() {
        let err = parse(&format!("{MINIMAL}\n[helth]\n")).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("did you mean `health`?"), "{err}");
    }

    #[test]
    fn a_missing_required_input_is_named() {
        let text = MINIMAL.replace("csms = \"../sample_data/csms.csv\"\n", "");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("[inputs] has no `csms`"), "{err}");
    }

    #[test]
    fn as_of_accepts_a_toml_date_and_rejects_other_spellings() {
        let text = MINIMAL.replace("\"2026-10-31\"", "2026-10-31");
        assert_eq!(parse(&text).unwrap().as_of, parse_iso_date("2026-10-31"));
        let err = parse(&MINIMAL.replace("2026-10-31", "31/10/2026")).unwrap_err();
        assert!(err.to_string().contains("is not a date written YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_name() {
        let err = parse(&format!("{MINIMAL}\n[quality]\nmax_reject_ratio = 1.5\n")).unwrap_err();
        assert!(err.to_string().contains("quality.max_reject_ratio"), "{err}");
        // MINIMAL ends on line 11; [quality] is line 13, the value 1.5 starts at column 20.
        assert!(err.to_string().starts_with("pipelines/p.toml:13:20: "), "{err}");
        let err = parse(&format!(
            "{MINIMAL}\n[health.weights]\nnps = 0\nusage = 0\nengagement = 0\nadvocacy = 0\n"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("sum to 0"), "{err}");
        let err = parse(&format!("{MINIMAL}\n[influence]\ntypes = [\"upsell\"]\n")).unwrap_err();
        assert!(err.to_string().contains("influence.types"), "{err}");
    }

    #[test]
    fn opportunity_types_are_read_in_any_accepted_spelling() {
        let pipeline =
            parse(&format!("{MINIMAL}\n[influence]\ntypes = [\"New Business\", \"renewal\"]\n")).unwrap();
        assert_eq!(pipeline.settings.influence.types, ["new_business", "renewal"]);
    }
}
