//! CRM layouts: Salesforce data exports (API field names), Salesforce report exports (field
//! labels, locale dates, footer lines) and HubSpot exports (companies, contacts, deals).
//!
//! Standard fields are mapped by default; organisation-specific fields (a CSM field, customer
//! since, churn date, ARR, the referring contact) are picked up under their common custom names
//! when present, and otherwise mapped with the pipeline's `columns`.

use polars::prelude::*;

use super::text;
use super::{frame_from_records, text_map, Recipe, Source, VendorFrame};
use crate::config::InputSpec;
use crate::error::{Error, Result};
use crate::ingest::read;
use crate::vocab::schema::TableId;
use crate::vocab::{OpportunityType, Stage};

/// Salesforce `Type` and HubSpot `Deal Type` spellings.
const DEAL_TYPES: &[(&str, &str)] = &[
    ("New Customer", OpportunityType::NewBusiness.as_str()),
    ("New", OpportunityType::NewBusiness.as_str()),
    ("newbusiness", OpportunityType::NewBusiness.as_str()),
    ("Existing Customer - Upgrade", OpportunityType::Expansion.as_str()),
    ("Existing Business", OpportunityType::Expansion.as_str()),
    ("existingbusiness", OpportunityType::Expansion.as_str()),
    ("Upsell", OpportunityType::Expansion.as_str()),
    ("Upgrade", OpportunityType::Expansion.as_str()),
    ("Existing Customer - Renewal", OpportunityType::Renewal.as_str()),
];

/// `won` when the won flag is true, `lost` when closed, else `open`; with only a stage
/// name, "Closed Won" and "Closed Lost" (any spelling) are closed and every other stage is open.
fn stage(won: &'static str, closed: &'static str) -> Expr {
    let truthy = |c: &str| {
        col(c)
            .cast(DataType::String)
            .str()
            .to_lowercase()
            .is_in(lit(Series::new("t".into(), ["true", "1", "yes"])).implode(false), false)
    };
    when(truthy(won))
        .then(Stage::Won.lit())
        .when(truthy(closed))
        .then(Stage::Lost.lit())
        .otherwise(Stage::Open.lit())
}

fn stage_from_name(column: &'static str) -> Expr {
    text_map(col(column), |s| {
        let key = crate::vocab::normalize_enum(s);
        Some(
            match key.as_str() {
                "closedwon" | "won" => Stage::Won.as_str(),
                "closedlost" | "lost" => Stage::Lost.as_str(),
                _ => Stage::Open.as_str(),
            }
            .to_string(),
        )
    })
}

/// The date a deal closed: only for closed deals (an open deal's close date is a forecast).
fn close_date(date: &'static str, closed: &'static str) -> Expr {
    let truthy = col(closed)
        .cast(DataType::String)
        .str()
        .to_lowercase()
        .is_in(lit(Series::new("t".into(), ["true", "1", "yes"])).implode(false), false);
    when(truthy).then(col(date).cast(DataType::String)).otherwise(lit(NULL).cast(DataType::String))
}

/// The first id of a `;`-separated list (HubSpot associations: the primary company first).
fn first_of_list(column: &'static str) -> Expr {
    text_map(col(column), |s| s.split(';').map(str::trim).find(|p| !p.is_empty()).map(str::to_string))
}

fn full_name(first: &'static str, last: &'static str) -> Expr {
    concat_str([col(first), col(last)], " ", true)
}

/// A Salesforce data export or API extract.
pub fn salesforce(table: TableId) -> Recipe {
    let (signature, sources, values): (&'static [&'static str], Vec<(&'static str, Source)>, _) = match table
    {
        TableId::Csms => (
            &["Id"],
            vec![
                ("csm_id", Source::Column(&["Id"])),
                ("csm_name", Source::Column(&["Name"])),
                (
                    "csm_name",
                    Source::Derived {
                        needs: &["FirstName", "LastName"],
                        expr: full_name("FirstName", "LastName"),
                    },
                ),
                ("team", Source::Column(&["Department", "UserRole.Name", "Title"])),
            ],
            vec![],
        ),
        TableId::Accounts => (
            &["Id", "Name"],
            vec![
                ("account_id", Source::Column(&["Id"])),
                ("account_name", Source::Column(&["Name"])),
                ("segment", Source::Column(&["Segment__c", "Customer_Segment__c"])),
                ("industry", Source::Column(&["Industry"])),
                ("region", Source::Column(&["Region__c", "BillingCountry"])),
                ("csm_id", Source::Column(&["CSM__c", "Customer_Success_Manager__c", "OwnerId"])),
                ("customer_since", Source::Column(&["Customer_Since__c"])),
                ("churned_on", Source::Column(&["Churn_Date__c", "Churned_On__c"])),
                ("arr", Source::Column(&["ARR__c", "Annual_Recurring_Revenue__c"])),
                ("currency", Source::Column(&["CurrencyIsoCode"])),
            ],
            vec![],
        ),
        TableId::Contacts => (
            &["Id", "AccountId"],
            vec![
                ("contact_id", Source::Column(&["Id"])),
                ("account_id", Source::Column(&["AccountId"])),
                ("full_name", Source::Column(&["Name"])),
                (
                    "full_name",
                    Source::Derived {
                        needs: &["FirstName", "LastName"],
                        expr: full_name("FirstName", "LastName"),
                    },
                ),
                ("email", Source::Column(&["Email"])),
                ("title", Source::Column(&["Title"])),
                ("created_on", Source::Column(&["CreatedDate"])),
                ("left_on", Source::Column(&["Left_Company_Date__c", "Left_On__c"])),
            ],
            vec![],
        ),
        _ => (
            &["Id", "AccountId", "StageName", "Amount", "CreatedDate"],
            vec![
                ("opportunity_id", Source::Column(&["Id"])),
                ("account_id", Source::Column(&["AccountId"])),
                ("opportunity_type", Source::Column(&["Type"])),
                (
                    "stage",
                    Source::Derived { needs: &["IsWon", "IsClosed"], expr: stage("IsWon", "IsClosed") },
                ),
                ("stage", Source::Derived { needs: &["StageName"], expr: stage_from_name("StageName") }),
                ("amount", Source::Column(&["Amount"])),
                ("created_on", Source::Column(&["CreatedDate"])),
                (
                    "closed_on",
                    Source::Derived {
                        needs: &["CloseDate", "IsClosed"],
                        expr: close_date("CloseDate", "IsClosed"),
                    },
                ),
                ("closed_on", Source::Column(&["CloseDate"])),
                ("lead_source", Source::Column(&["LeadSource"])),
                ("referrer_contact_id", Source::Column(&["Referrer_Contact__c", "Referred_By__c"])),
                ("currency", Source::Column(&["CurrencyIsoCode"])),
            ],
            vec![("opportunity_type", DEAL_TYPES)],
        ),
    };
    Recipe { signature, sources, values, locale_dates: false, formatted_amounts: false }
}

/// A Salesforce report exported as CSV.
pub fn salesforce_report(table: TableId) -> Recipe {
    let (signature, sources, values): (&'static [&'static str], Vec<(&'static str, Source)>, _) = match table
    {
        TableId::Accounts => (
            &["Account ID", "Account Name"],
            vec![
                ("account_id", Source::Column(&["Account ID"])),
                ("account_name", Source::Column(&["Account Name"])),
                ("segment", Source::Column(&["Segment"])),
                ("industry", Source::Column(&["Industry"])),
                ("region", Source::Column(&["Region", "Billing Country"])),
                (
                    "csm_id",
                    Source::Column(&["CSM", "Customer Success Manager", "Account Owner ID", "Account Owner"]),
                ),
                ("customer_since", Source::Column(&["Customer Since"])),
                ("churned_on", Source::Column(&["Churn Date", "Churned On"])),
                ("arr", Source::Column(&["ARR", "Annual Recurring Revenue"])),
            ],
            vec![],
        ),
        TableId::Contacts => (
            &["Contact ID", "Account ID"],
            vec![
                ("contact_id", Source::Column(&["Contact ID"])),
                ("account_id", Source::Column(&["Account ID"])),
                (
                    "full_name",
                    Source::Derived {
                        needs: &["First Name", "Last Name"],
                        expr: full_name("First Name", "Last Name"),
                    },
                ),
                ("full_name", Source::Column(&["Full Name", "Contact Name", "Name"])),
                ("email", Source::Column(&["Email"])),
                ("title", Source::Column(&["Title"])),
                ("created_on", Source::Column(&["Created Date"])),
                ("left_on", Source::Column(&["Left Company Date", "Left On"])),
            ],
            vec![],
        ),
        _ => (
            &["Opportunity ID", "Account ID", "Amount", "Created Date"],
            vec![
                ("opportunity_id", Source::Column(&["Opportunity ID"])),
                ("account_id", Source::Column(&["Account ID"])),
                ("opportunity_type", Source::Column(&["Type", "Opportunity Type"])),
                ("stage", Source::Derived { needs: &["Won", "Closed"], expr: stage("Won", "Closed") }),
                ("stage", Source::Derived { needs: &["Stage"], expr: stage_from_name("Stage") }),
                ("amount", Source::Column(&["Amount"])),
                ("created_on", Source::Column(&["Created Date"])),
                (
                    "closed_on",
                    Source::Derived {
                        needs: &["Close Date", "Closed"],
                        expr: close_date("Close Date", "Closed"),
                    },
                ),
                ("closed_on", Source::Column(&["Close Date"])),
                ("lead_source", Source::Column(&["Lead Source"])),
                ("referrer_contact_id", Source::Column(&["Referrer Contact ID", "Referrer Contact"])),
                ("currency", Source::Column(&["Opportunity Currency", "Currency"])),
            ],
            vec![("opportunity_type", DEAL_TYPES)],
        ),
    };
    Recipe { signature, sources, values, locale_dates: true, formatted_amounts: true }
}

/// HubSpot CRM exports.
pub fn hubspot(table: TableId) -> Recipe {
    let (signature, sources, values): (&'static [&'static str], Vec<(&'static str, Source)>, _) = match table
    {
        TableId::Csms => (
            &["Email"],
            vec![
                ("csm_id", Source::Column(&["User ID", "Email"])),
                ("csm_name", Source::Column(&["Name"])),
                (
                    "csm_name",
                    Source::Derived {
                        needs: &["First name", "Last name"],
                        expr: full_name("First name", "Last name"),
                    },
                ),
                (
                    "csm_name",
                    Source::Derived {
                        needs: &["First Name", "Last Name"],
                        expr: full_name("First Name", "Last Name"),
                    },
                ),
                ("team", Source::Column(&["Primary team", "Primary Team", "Team", "Teams"])),
            ],
            vec![],
        ),
        TableId::Accounts => (
            &["Record ID", "Company name"],
            vec![
                ("account_id", Source::Column(&["Record ID"])),
                ("account_name", Source::Column(&["Company name", "Name"])),
                ("segment", Source::Column(&["Segment"])),
                ("industry", Source::Column(&["Industry"])),
                ("region", Source::Column(&["Region", "Country/Region"])),
                ("csm_id", Source::Column(&["Customer Success Manager", "CSM", "Company owner"])),
                (
                    "customer_since",
                    Source::Column(&["Became a Customer Date", "Customer Since", "Customer since"]),
                ),
                ("churned_on", Source::Column(&["Churn Date", "Churned Date"])),
                ("arr", Source::Column(&["ARR", "Annual recurring revenue"])),
            ],
            vec![],
        ),
        TableId::Contacts => (
            &["Record ID"],
            vec![
                ("contact_id", Source::Column(&["Record ID"])),
                ("account_id", Source::Column(&["Primary Associated Company ID", "Associated Company ID"])),
                (
                    "account_id",
                    Source::Derived {
                        needs: &["Associated Company IDs"],
                        expr: first_of_list("Associated Company IDs"),
                    },
                ),
                (
                    "full_name",
                    Source::Derived {
                        needs: &["First Name", "Last Name"],
                        expr: full_name("First Name", "Last Name"),
                    },
                ),
                ("email", Source::Column(&["Email"])),
                ("title", Source::Column(&["Job Title"])),
                ("created_on", Source::Column(&["Create Date"])),
                ("left_on", Source::Column(&["Left Company Date"])),
            ],
            vec![],
        ),
        _ => (
            &["Record ID", "Deal Stage", "Amount", "Associated Company IDs"],
            vec![
                ("opportunity_id", Source::Column(&["Record ID"])),
                (
                    "account_id",
                    Source::Derived {
                        needs: &["Associated Company IDs"],
                        expr: first_of_list("Associated Company IDs"),
                    },
                ),
                ("opportunity_type", Source::Column(&["Deal Type"])),
                ("stage", Source::Derived { needs: &["Deal Stage"], expr: stage_from_name("Deal Stage") }),
                ("amount", Source::Column(&["Amount"])),
                ("created_on", Source::Column(&["Create Date"])),
                ("closed_on", Source::Column(&["Close Date"])),
                ("lead_source", Source::Column(&["Lead Source", "Deal source", "Original Source Type"])),
                ("referrer_contact_id", Source::Column(&["Referrer Contact ID", "Referred By Contact ID"])),
                ("currency", Source::Column(&["Currency", "Deal currency code"])),
            ],
            vec![("opportunity_type", DEAL_TYPES)],
        ),
    };
    Recipe { signature, sources, values, locale_dates: false, formatted_amounts: false }
}

/// A Salesforce report export: the header, the data rows, then (after a blank line) the lines
/// a report appends, "Grand Totals (n records)", the confidentiality and copyright lines,
/// which are not data and are dropped.
pub fn read_report(input: &InputSpec) -> Result<VendorFrame> {
    let files = read::expand("input", &input.path, &input.written, read::any_file)?;
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for file in &files {
        let mut records = crate::ingest::prepare::records_of(file, input)?.into_iter();
        let Some((_, names)) = records.find(|(_, r)| !r.is_empty()) else { continue };
        let names = text::trimmed(&names);
        if header.is_empty() {
            header = names;
        } else if names != header {
            return Err(Error::input(format!(
                "input ({}): its header differs from the first file's ({})",
                file.display(),
                header.join(", ")
            )));
        }
        for (_, record) in records.by_ref() {
            if record.is_empty() || record.iter().all(|f| f.trim().is_empty()) || is_footer(&record) {
                break;
            }
            rows.push((rows.len() + 1, record));
        }
    }
    let frame = frame_from_records(&header, &rows)?;
    Ok(VendorFrame { files, frame, labels: Vec::new() })
}

fn is_footer(record: &[String]) -> bool {
    let first = record.first().map(|f| f.trim()).unwrap_or("");
    first.starts_with("Grand Totals")
        || first.starts_with("Confidential Information")
        || first.starts_with("Copyright")
}
