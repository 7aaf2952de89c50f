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

use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::{nearest, Error, Result};
use crate::ingest::schema::TableId;

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
    /// A vendor layout name (`salesforce`, `hubspot`, `zoom`, ...); `None` is the canonical
    /// layout of SPEC.md section 2.
    pub format: Option<String>,
    /// Canonical column name -> column name in the file.
    pub columns: BTreeMap<String, String>,
    /// Canonical column name -> (value in the file -> canonical value), for stages, types,
    /// statuses and roles spelled the organisation's own way.
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Vendor layouts with numeric locale dates read them day first (`29/3/2024`) instead of
    /// month first (`3/29/2024`).
    pub day_first: bool,
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
}

impl Default for CsqaSettings {
    fn default() -> Self {
        CsqaSettings { qualifying_types: Vec::new(), min_nps: 7, nps_window_days: 365 }
    }
}

/// `[influence]`: advocate-influenced revenue (SPEC.md 3.3).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InfluenceSettings {
    /// Opportunity types in scope: `["new_business", "expansion"]`. Any spelling the
    /// opportunities table accepts (`"New Business"`); held in canonical form once checked.
    pub types: Vec<String>,
}

impl Default for InfluenceSettings {
    fn default() -> Self {
        InfluenceSettings { types: vec!["new_business".into(), "expansion".into()] }
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
    format: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    day_first: bool,
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
                    Error::config(format!(
                        "{where_}: `as_of` is {text:?}; expected a date written YYYY-MM-DD"
                    ))
                })?)
            }
        };
        let out = normalize(&base_dir.join(raw.out.as_deref().unwrap_or("out")));

        let inputs = raw.inputs.into_specs(&base_dir);
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
        };
        if let Some(templates) = settings.reports.templates.take() {
            settings.reports.templates = Some(normalize(&base_dir.join(templates)));
        }
        settings.check().map_err(|msg| Error::config(format!("{where_}: {msg}")))?;
        Ok(Pipeline { path: path.to_path_buf(), base_dir, as_of, out, inputs, settings })
    }

    pub fn input(&self, table: TableId) -> Option<&InputSpec> {
        self.inputs.iter().find(|(t, _)| *t == table).map(|(_, spec)| spec)
    }
}

impl RawInputs {
    fn into_specs(self, base_dir: &Path) -> Vec<(TableId, InputSpec)> {
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
        let mut specs: Vec<(TableId, InputSpec)> = by_table
            .into_iter()
            .filter_map(|(table, raw)| raw.map(|r| (table, r.0.into_spec(base_dir))))
            .collect();
        specs.sort_by_key(|(table, _)| TableId::ALL.iter().position(|t| t == table));
        specs
    }
}

impl RawInput {
    fn into_spec(self, base_dir: &Path) -> InputSpec {
        InputSpec {
            path: normalize(&base_dir.join(&self.path)),
            written: self.path,
            format: self.format,
            columns: self.columns,
            values: self.values,
            day_first: self.day_first,
        }
    }
}

impl Settings {
    /// Value checks serde cannot express, and spellings made canonical (opportunity types).
    /// Returns a message naming the setting.
    fn check(&mut self) -> std::result::Result<(), String> {
        let w = &self.health.weights;
        for (name, value) in [
            ("health.weights.nps", w.nps),
            ("health.weights.usage", w.usage),
            ("health.weights.engagement", w.engagement),
            ("health.weights.advocacy", w.advocacy),
        ] {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(format!("`{name}` is {value}; expected a number >= 0"));
            }
        }
        if w.nps + w.usage + w.engagement + w.advocacy <= 0.0 {
            return Err("the [health.weights] sum to 0; at least one must be positive".into());
        }
        for (name, value) in [
            ("health.usage_target_minutes", self.health.usage_target_minutes),
            ("health.webinar_target", self.health.webinar_target),
            ("health.advocacy_target", self.health.advocacy_target),
        ] {
            if !(value > 0.0 && value.is_finite()) {
                return Err(format!("`{name}` is {value}; expected a number > 0"));
            }
        }
        for (name, value) in [
            ("health.nps_window_days", self.health.nps_window_days),
            ("health.usage_window_days", self.health.usage_window_days),
            ("health.webinar_window_days", self.health.webinar_window_days),
            ("health.advocacy_window_days", self.health.advocacy_window_days),
            ("health.fatigue_window_days", self.health.fatigue_window_days),
            ("csqa.nps_window_days", self.csqa.nps_window_days),
            ("referral.retention_days", self.referral.retention_days),
            ("second_order.repurchase_window_days", self.second_order.repurchase_window_days),
            ("second_order.action_window_days", self.second_order.action_window_days),
            ("candidates.promoter_window_days", self.candidates.promoter_window_days),
            ("candidates.webinars_window_days", self.candidates.webinars_window_days),
            ("candidates.tenure_usage_window_days", self.candidates.tenure_usage_window_days),
            ("candidates.deal_window_days", self.candidates.deal_window_days),
            ("program.months", self.program.months),
        ] {
            if value == 0 {
                return Err(format!("`{name}` is 0; expected at least 1"));
            }
        }
        let t = &self.health.tiers;
        if !(t.champion >= t.advocate && t.advocate >= t.neutral) {
            return Err("[health.tiers] must satisfy champion >= advocate >= neutral".into());
        }
        if self.candidates.tenure_min_days > self.candidates.tenure_max_days {
            return Err("`candidates.tenure_min_days` is above `candidates.tenure_max_days`".into());
        }
        let q = self.quality.max_reject_ratio;
        if !(0.0..=1.0).contains(&q) {
            return Err(format!("`quality.max_reject_ratio` is {q}; expected a number from 0 to 1"));
        }
        let m = self.second_order.gross_margin;
        if !(0.0..=1.0).contains(&m) {
            return Err(format!("`second_order.gross_margin` is {m}; expected a number from 0 to 1"));
        }
        if self.second_order.max_lifetime_years.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return Err("`second_order.max_lifetime_years` must be > 0".into());
        }
        for t in &mut self.influence.types {
            match crate::ingest::parse::canonical_opportunity_type(t) {
                Some(canonical) => *t = canonical.to_string(),
                None => {
                    return Err(format!(
                        "`influence.types` has {t:?}; expected new_business, expansion or renewal"
                    ))
                }
            }
        }
        Ok(())
    }
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

/// Parses a zero-padded `YYYY-MM-DD`.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Turns a TOML error into a message with the file, line and column, and for an unknown key
/// the nearest valid one.
fn describe_toml_error(path: &Path, text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim();
    let location = err.span().map(|span| line_and_column(text, span.start));
    let mut out = match location {
        Some((line, col)) => format!("{}:{line}:{col}: {message}", path.display()),
        None => format!("{}: {message}", path.display()),
    };
    if let Some(hint) = unknown_key_hint(message) {
        out.push_str(&format!("; did you mean `{hint}`?"));
    }
    out
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
    fn an_input_can_be_a_table_with_a_layout_and_column_map() {
        let text = format!(
            "{MINIMAL}\n[inputs.usage]\npath = \"usage/*.parquet\"\nformat = \"pendo\"\n\
             columns = {{ contact_id = \"visitorId\" }}\n\
             [inputs.usage.values.role]\n\"Co-host\" = \"host\"\n"
        );
        let p = parse(&text).unwrap();
        let spec = p.input(TableId::Usage).unwrap();
        assert_eq!(spec.written, "usage/*.parquet");
        assert_eq!(spec.format.as_deref(), Some("pendo"));
        assert_eq!(spec.columns["contact_id"], "visitorId");
        assert_eq!(spec.values["role"]["Co-host"], "host");
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
        assert!(err.to_string().contains("expected a date written YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn bad_values_are_refused_with_the_setting_name() {
        let err = parse(&format!("{MINIMAL}\n[quality]\nmax_reject_ratio = 1.5\n")).unwrap_err();
        assert!(err.to_string().contains("quality.max_reject_ratio"), "{err}");
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
