//! The ground floor: the words every other module shares. The canonical input tables and their
//! columns ([`schema`]), the spellings of the values the spec names (stages, opportunity types,
//! activity statuses, webinar roles, health tiers and components), the vendor layouts a
//! pipeline file may name, and the exact sums ([`exact`]).
//!
//! Nothing here imports another module of this crate, so `config`, `ingest`, `metrics` and
//! `report` can all use it without reaching up or sideways. A value the spec spells (`"won"`,
//! `"champion"`) is written once, here; code compares against [`Stage::Won.lit()`] and never
//! against a string literal of its own.

pub mod exact;
pub mod schema;

use polars::prelude::Expr;

/// An enumeration of spec spellings: each variant has exactly one canonical text.
macro_rules! spelled {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in the spec's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling, as it appears in accepted tables and outputs.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value with exactly its canonical spelling, if `text` is one.
            pub fn from_canonical(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            /// The canonical spelling as a polars literal, for comparisons in expressions.
            pub fn lit(self) -> Expr {
                polars::prelude::lit(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

spelled! {
    /// `opportunities.stage`.
    Stage { Open = "open", Won = "won", Lost = "lost" }
}

spelled! {
    /// `opportunities.opportunity_type`.
    OpportunityType { NewBusiness = "new_business", Expansion = "expansion", Renewal = "renewal" }
}

spelled! {
    /// `advocacy_activities.status`.
    Status { Completed = "completed", Pending = "pending", Declined = "declined" }
}

spelled! {
    /// `webinar_attendance.role`; a blank role is an attendee.
    Role { Attendee = "attendee", Panelist = "panelist", Host = "host" }
}

spelled! {
    /// Health tiers, best first (SPEC.md 3.1).
    Tier { Champion = "champion", Advocate = "advocate", Neutral = "neutral", AtRisk = "at_risk" }
}

spelled! {
    /// The four health components, in the spec's order; output columns are
    /// `<component>_component`, `<component>_points`, `<component>_delta_points`.
    Component { Nps = "nps", Usage = "usage", Engagement = "engagement", Advocacy = "advocacy" }
}

spelled! {
    /// A vendor export layout a pipeline file can name with `[inputs.<table>] format`
    /// (`canonical` is the absence of one). What each reads and how is in
    /// `ingest::adapters`, one exhaustive match per layout.
    Layout {
        /// Salesforce data export or API extract: API field names (`Id`, `AccountId`, ...).
        Salesforce = "salesforce",
        /// A Salesforce report exported as CSV: field labels, locale dates, footer lines.
        SalesforceReport = "salesforce_report",
        /// HubSpot CRM exports of companies, contacts and deals.
        Hubspot = "hubspot",
        /// Zoom webinar attendee reports.
        Zoom = "zoom",
        /// Microsoft Teams attendance reports (UTF-16, tabs, numbered sections).
        Teams = "teams",
        /// A Qualtrics survey export (three header rows).
        Qualtrics = "qualtrics",
        /// A SurveyMonkey export (two header rows).
        SurveyMonkey = "surveymonkey",
        /// A plain survey CSV: `email`, `score`, `date`.
        SurveyCsv = "survey_csv",
        /// Pendo-style daily usage rollups.
        Pendo = "pendo",
        /// Amplitude raw events (JSON lines).
        Amplitude = "amplitude",
        /// Mixpanel raw events (JSON lines).
        Mixpanel = "mixpanel",
    }
}

impl Stage {
    /// Won or lost.
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Won | Stage::Lost)
    }
}

impl Layout {
    /// The canonical tables this layout can fill.
    pub fn tables(self) -> &'static [schema::TableId] {
        use schema::TableId::*;
        match self {
            Layout::Salesforce | Layout::Hubspot => &[Csms, Accounts, Contacts, Opportunities],
            Layout::SalesforceReport => &[Accounts, Contacts, Opportunities],
            Layout::Zoom | Layout::Teams => &[WebinarAttendance],
            Layout::Qualtrics | Layout::SurveyMonkey | Layout::SurveyCsv => &[NpsResponses],
            Layout::Pendo | Layout::Amplitude | Layout::Mixpanel => &[Usage],
        }
    }
}

/// How an input is laid out: the canonical columns, or a vendor's export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Canonical,
    Vendor(Layout),
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Canonical => "canonical",
            Format::Vendor(layout) => layout.as_str(),
        }
    }

    /// Every name a pipeline file may give, `canonical` first.
    pub fn names() -> impl Iterator<Item = &'static str> {
        std::iter::once("canonical").chain(Layout::ALL.iter().map(|l| l.as_str()))
    }

    pub fn from_name(name: &str) -> Option<Format> {
        if name == "canonical" {
            return Some(Format::Canonical);
        }
        Layout::from_canonical(name).map(Format::Vendor)
    }
}

/// true/false, yes/no, 1/0, y/n in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" => Some(true),
        "false" | "no" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// The 18-character, case-safe form of a 15-character Salesforce id (the form data exports
/// and the API use; reports show 15). Other text is returned unchanged.
///
/// Salesforce's suffix: for each 5-character chunk, a 5-bit number whose bit `i` is set when
/// character `i` is an upper-case letter, written as a character of `A..Z0..5`.
pub fn salesforce_id(id: &str) -> String {
    if id.len() != 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return id.to_string();
    }
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    let mut out = id.to_string();
    for chunk in id.as_bytes().chunks(5) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0usize, |acc, (i, b)| acc | (usize::from(b.is_ascii_uppercase()) << i));
        out.push(char::from(ALPHABET[bits]));
    }
    out
}

/// An enumeration value ignoring case, `-`, `_` and spaces: how input spellings are matched.
pub fn normalize_enum(text: &str) -> String {
    text.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).flat_map(char::to_lowercase).collect()
}

/// `new_business`, `expansion` or `renewal` for any accepted spelling of an opportunity type.
pub fn canonical_opportunity_type(text: &str) -> Option<OpportunityType> {
    let normalized = normalize_enum(text);
    OpportunityType::ALL.iter().copied().find(|t| normalize_enum(t.as_str()) == normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_are_unique() {
        for tier in Tier::ALL {
            assert_eq!(Tier::from_canonical(tier.as_str()), Some(*tier));
        }
        let mut names: Vec<&str> = Format::names().collect();
        let all = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all, "two layouts share a name");
        assert_eq!(Format::from_name("canonical"), Some(Format::Canonical));
        assert_eq!(Format::from_name("zoom"), Some(Format::Vendor(Layout::Zoom)));
        assert_eq!(Format::from_name("Zoom"), None);
    }

    #[test]
    fn opportunity_types_match_forgivingly() {
        assert_eq!(canonical_opportunity_type("New Business"), Some(OpportunityType::NewBusiness));
        assert_eq!(canonical_opportunity_type("new-business"), Some(OpportunityType::NewBusiness));
        assert_eq!(canonical_opportunity_type("upsell"), None);
    }
}
