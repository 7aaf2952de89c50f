//! The nine canonical input tables of SPEC.md section 2: their columns in the spec's order,
//! which are required, how each value is parsed, and what each reference points at.
//!
//! The column order here is the order the row checks run in ("column by column in the order
//! of the table"), whatever order the file has its columns in.

/// A canonical input table, in the order the spec validates them: a table's references are
/// checked against the accepted rows of the tables before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableId {
    Csms,
    Accounts,
    Contacts,
    Opportunities,
    AdvocacyActivities,
    NpsResponses,
    WebinarAttendance,
    Usage,
    JobChanges,
}

impl TableId {
    pub const ALL: [TableId; 9] = [
        TableId::Csms,
        TableId::Accounts,
        TableId::Contacts,
        TableId::Opportunities,
        TableId::AdvocacyActivities,
        TableId::NpsResponses,
        TableId::WebinarAttendance,
        TableId::Usage,
        TableId::JobChanges,
    ];

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn required(self) -> bool {
        !matches!(
            self,
            TableId::NpsResponses | TableId::WebinarAttendance | TableId::Usage | TableId::JobChanges
        )
    }

    pub fn spec(self) -> &'static TableSpec {
        match self {
            TableId::Csms => &CSMS,
            TableId::Accounts => &ACCOUNTS,
            TableId::Contacts => &CONTACTS,
            TableId::Opportunities => &OPPORTUNITIES,
            TableId::AdvocacyActivities => &ADVOCACY_ACTIVITIES,
            TableId::NpsResponses => &NPS_RESPONSES,
            TableId::WebinarAttendance => &WEBINAR_ATTENDANCE,
            TableId::Usage => &USAGE,
            TableId::JobChanges => &JOB_CHANGES,
        }
    }
}

/// How a column's values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Trimmed text (ids, names, free text such as `activity_type`).
    Text,
    /// A calendar date in any spelling of SPEC.md section 1.
    Date,
    /// A finite number.
    Float,
    /// A whole number (`7` or `7.0`, not `7.5`).
    Integer,
    /// true/false, yes/no, 1/0, y/n in any case.
    Bool,
    /// One of a fixed set of values, matched ignoring case, `-`, `_` and spaces.
    Enum(EnumKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumKind {
    OpportunityType,
    Stage,
    Status,
    Role,
}

impl EnumKind {
    /// The canonical spellings of this enumeration.
    pub fn values(self) -> Vec<&'static str> {
        fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
            all.iter().map(|v| name(*v)).collect()
        }
        match self {
            EnumKind::OpportunityType => names(vocab::OpportunityType::ALL, vocab::OpportunityType::as_str),
            EnumKind::Stage => names(vocab::Stage::ALL, vocab::Stage::as_str),
            EnumKind::Status => names(vocab::Status::ALL, vocab::Status::as_str),
            EnumKind::Role => names(vocab::Role::ALL, vocab::Role::as_str),
        }
    }

    /// The canonical value for a spelling already passed through [`vocab::normalize_enum`]:
    /// a canonical spelling, or Salesforce's `Closed Won` / `Closed Lost` for stages.
    pub fn canonical(self, normalized: &str) -> Option<&'static str> {
        let alias = match (self, normalized) {
            (EnumKind::Stage, "closedwon") => Some(vocab::Stage::Won.as_str()),
            (EnumKind::Stage, "closedlost") => Some(vocab::Stage::Lost.as_str()),
            _ => None,
        };
        alias.or_else(|| self.values().into_iter().find(|v| vocab::normalize_enum(v) == normalized))
    }
}

/// The table a reference column points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Csm,
    Account,
    Opportunity,
    Contact,
}

impl Ref {
    pub fn table(self) -> TableId {
        match self {
            Ref::Csm => TableId::Csms,
            Ref::Account => TableId::Accounts,
            Ref::Opportunity => TableId::Opportunities,
            Ref::Contact => TableId::Contacts,
        }
    }

    /// The reject reason when the referenced row is not among the accepted ones.
    pub fn reason(self) -> &'static str {
        match self {
            Ref::Csm => "unknown_csm",
            Ref::Account => "unknown_account",
            Ref::Opportunity => "unknown_opportunity",
            Ref::Contact => "unmatched_contact",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub reference: Option<Ref>,
}

const fn col(name: &'static str, kind: Kind, required: bool) -> Column {
    Column { name, kind, required, reference: None }
}

const fn reference(name: &'static str, required: bool, to: Ref) -> Column {
    Column { name, kind: Kind::Text, required, reference: Some(to) }
}

const R: bool = true;
const O: bool = false;

#[derive(Debug)]
pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The unique id column, if the table has one.
    pub id: Option<&'static str>,
    /// Rows name their person by `contact_id` or, failing that, by `email`.
    pub contact_or_email: bool,
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

use super as vocab;
use EnumKind::*;
use Kind::*;

static CSMS: TableSpec = TableSpec {
    name: "csms",
    columns: &[col("csm_id", Text, R), col("csm_name", Text, R), col("team", Text, O)],
    id: Some("csm_id"),
    contact_or_email: false,
};

static ACCOUNTS: TableSpec = TableSpec {
    name: "accounts",
    columns: &[
        col("account_id", Text, R),
        col("account_name", Text, R),
        col("segment", Text, O),
        col("industry", Text, O),
        col("region", Text, O),
        reference("csm_id", O, Ref::Csm),
        col("customer_since", Date, O),
        col("churned_on", Date, O),
        col("arr", Float, O),
        // Not in SPEC.md's table: the currency of `arr` when an export mixes currencies.
        col("currency", Text, O),
    ],
    id: Some("account_id"),
    contact_or_email: false,
};

static CONTACTS: TableSpec = TableSpec {
    name: "contacts",
    columns: &[
        col("contact_id", Text, R),
        reference("account_id", R, Ref::Account),
        col("full_name", Text, O),
        col("email", Text, O),
        col("title", Text, O),
        col("created_on", Date, O),
        col("left_on", Date, O),
    ],
    id: Some("contact_id"),
    contact_or_email: false,
};

static OPPORTUNITIES: TableSpec = TableSpec {
    name: "opportunities",
    columns: &[
        col("opportunity_id", Text, R),
        reference("account_id", R, Ref::Account),
        col("opportunity_type", Enum(OpportunityType), R),
        col("stage", Enum(Stage), R),
        col("amount", Float, R),
        col("created_on", Date, R),
        col("closed_on", Date, O),
        col("lead_source", Text, O),
        reference("referrer_contact_id", O, Ref::Contact),
        // Not in SPEC.md's table: the currency of `amount` when an export mixes currencies.
        col("currency", Text, O),
    ],
    id: Some("opportunity_id"),
    contact_or_email: false,
};

static ADVOCACY_ACTIVITIES: TableSpec = TableSpec {
    name: "advocacy_activities",
    columns: &[
        col("activity_id", Text, R),
        reference("contact_id", R, Ref::Contact),
        col("activity_type", Text, R),
        col("status", Enum(Status), R),
        col("requested_on", Date, O),
        col("completed_on", Date, O),
        reference("opportunity_id", O, Ref::Opportunity),
    ],
    id: Some("activity_id"),
    contact_or_email: false,
};

static NPS_RESPONSES: TableSpec = TableSpec {
    name: "nps_responses",
    columns: &[
        col("response_id", Text, R),
        reference("contact_id", O, Ref::Contact),
        col("email", Text, O),
        col("responded_on", Date, R),
        col("score", Integer, R),
        col("comment", Text, O),
    ],
    id: Some("response_id"),
    contact_or_email: true,
};

static WEBINAR_ATTENDANCE: TableSpec = TableSpec {
    name: "webinar_attendance",
    columns: &[
        col("webinar_id", Text, R),
        col("webinar_title", Text, O),
        col("held_on", Date, R),
        reference("contact_id", O, Ref::Contact),
        col("email", Text, O),
        col("registered", Bool, O),
        col("attended", Bool, R),
        col("minutes_attended", Float, O),
        col("role", Enum(Role), O),
    ],
    id: None,
    contact_or_email: true,
};

static USAGE: TableSpec = TableSpec {
    name: "usage",
    columns: &[
        reference("contact_id", O, Ref::Contact),
        col("email", Text, O),
        col("date", Date, R),
        col("active_minutes", Float, R),
        col("events", Integer, O),
    ],
    id: None,
    contact_or_email: true,
};

static JOB_CHANGES: TableSpec = TableSpec {
    name: "job_changes",
    columns: &[
        reference("contact_id", R, Ref::Contact),
        col("moved_on", Date, R),
        reference("new_account_id", R, Ref::Account),
        reference("new_contact_id", O, Ref::Contact),
    ],
    id: None,
    contact_or_email: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_only_point_at_tables_checked_earlier() {
        for table in TableId::ALL {
            for column in table.spec().columns {
                if let Some(to) = column.reference {
                    assert!(to.table() < table, "{}.{} points forward", table.name(), column.name);
                }
            }
        }
    }

    #[test]
    fn every_id_column_is_a_required_column() {
        for table in TableId::ALL {
            if let Some(id) = table.spec().id {
                assert!(table.spec().column(id).unwrap().required, "{}", table.name());
            }
        }
    }
}
