//! NPS survey exports: Qualtrics (three header rows: column ids, question texts, import
//! metadata), SurveyMonkey (two header rows: question texts, answer labels), and a plain
//! survey CSV with `email`, `score` and `date`.
//!
//! The NPS question is found by its shape: in Qualtrics the column that has a `<column>_NPS_GROUP`
//! companion, in SurveyMonkey the question that asks how likely someone is to recommend. A
//! comment is the first later question asking for a reason. Either can be named with the
//! pipeline's `columns` instead. Row numbers in rejects count data rows after the header rows.

use polars::prelude::*;

use super::{frame_from_records, text_map, Recipe, Source, VendorFrame};
use crate::config::InputSpec;
use crate::error::Result;
use crate::ingest::read::{self, ROW};

/// Reads a survey export whose header spans several rows; keeps the question texts.
pub fn read_with_header_rows(extra: usize, input: &InputSpec) -> Result<VendorFrame> {
    let files = read::expand("nps_responses", &input.path, &input.written, read::any_file)?;
    let mut header: Vec<String> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for file in &files {
        let records = crate::ingest::prepare::records_of(file, input)?;
        // Qualtrics' legacy exporter: `V1..Vn` names over a row of real names (`ResponseID`,
        // `ExternalDataReference`, ...), and no third row.
        let legacy = extra == 2 && is_legacy_qualtrics(&records);
        let extra = if legacy { 1 } else { extra };
        if records.len() <= extra {
            continue;
        }
        let names: Vec<String> = if legacy {
            records[0].1.iter().zip(&records[1].1).map(|(v, name)| legacy_name(v, name)).collect()
        } else {
            records[0].1.iter().map(|f| f.trim().to_string()).collect()
        };
        if header.is_empty() {
            header = names;
            labels = records[1].1.iter().map(|f| f.trim().to_string()).collect();
        }
        for (_, record) in records.into_iter().skip(1 + extra) {
            if !record.iter().all(|f| f.trim().is_empty()) {
                rows.push((rows.len() + 1, record));
            }
        }
    }
    let frame = frame_from_records(&header, &rows)?;
    Ok(VendorFrame { files, frame, labels })
}

fn is_legacy_qualtrics(records: &[(usize, Vec<String>)]) -> bool {
    records.first().is_some_and(|(_, r)| r.first().is_some_and(|f| f.trim() == "V1"))
        && records.get(1).is_some_and(|(_, r)| r.iter().any(|f| f.trim() == "ResponseID"))
}

/// A legacy column's name: the real name under a `V<n>` placeholder, the question id (`Q1`)
/// otherwise.
fn legacy_name(placeholder: &str, name: &str) -> String {
    let placeholder = placeholder.trim();
    let numbered =
        placeholder.strip_prefix('V').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match name.trim() {
        // The modern spelling, so that one recipe reads both.
        "ResponseID" if numbered => "ResponseId".to_string(),
        name if numbered => name.to_string(),
        _ => placeholder.to_string(),
    }
}

/// The leading whole number of an answer such as `10 - Extremely likely`.
fn leading_number(column: &str) -> Expr {
    text_map(col(column), |s| {
        let digits: String = s.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
        Some(if digits.is_empty() { s.trim().to_string() } else { digits })
    })
}

/// Qualtrics: the NPS question is the column that has a `_NPS_GROUP` twin; the comment is the
/// next question whose label asks for a reason.
pub fn qualtrics(vendor: &VendorFrame) -> Recipe {
    let names: Vec<String> = vendor.frame.get_column_names().iter().map(|c| c.to_string()).collect();
    let label =
        |i: usize| vendor.labels.get(i.saturating_sub(1)).map(|l| l.to_lowercase()).unwrap_or_default();
    // The frame's first column is the row number, so column i of `names` is label i - 1.
    let position = |name: &str| names.iter().position(|n| n == name);
    // The NPS question has a `_NPS_GROUP` twin when it was built as Qualtrics' NPS question
    // type; a plain 0-10 question is found by its text instead.
    let score = names
        .iter()
        .find(|n| names.contains(&format!("{n}_NPS_GROUP")))
        .cloned()
        .or_else(|| (1..names.len()).find(|&i| label(i).contains("recommend")).map(|i| names[i].clone()));
    let comment = score.as_deref().and_then(position).and_then(|start| {
        (start + 1..names.len()).find(|&i| {
            let l = label(i);
            !names[i].ends_with("_NPS_GROUP")
                && (l.contains("reason") || l.contains("why") || l.contains("comment"))
        })
    });
    let mut sources = vec![
        ("response_id", Source::Column(&["ResponseId", "ResponseID"])),
        ("contact_id", Source::Column(&["ExternalReference", "ExternalDataReference"])),
        ("email", Source::Column(&["RecipientEmail", "EmailAddress"])),
        ("responded_on", Source::Column(&["RecordedDate", "EndDate"])),
    ];
    if let Some(score) = score {
        sources.push(("score", Source::Found { expr: col(score.as_str()), column: score }));
    }
    if let Some(i) = comment {
        sources.push(("comment", Source::Found { expr: col(names[i].as_str()), column: names[i].clone() }));
    }
    Recipe {
        signature: &["ResponseId"],
        sources,
        values: vec![],
        locale_dates: false,
        formatted_amounts: false,
    }
}

/// SurveyMonkey: the NPS question is the one that says "recommend"; answers may carry their
/// label (`10 - Extremely likely`).
pub fn surveymonkey(vendor: &VendorFrame) -> Recipe {
    let names: Vec<String> = vendor.frame.get_column_names().iter().map(|c| c.to_string()).collect();
    let label =
        |i: usize| vendor.labels.get(i.saturating_sub(1)).map(|l| l.to_lowercase()).unwrap_or_default();
    // The frame's first column is the row number, so column i of `names` is label i - 1.
    let position = |name: &str| names.iter().position(|n| n == name);
    let score = names.iter().find(|n| n.to_lowercase().contains("recommend")).cloned();
    let comment = score.as_deref().and_then(position).and_then(|start| {
        (start + 1..names.len()).find(|&i| {
            let n = names[i].to_lowercase();
            n.contains("reason") || n.contains("why") || label(i).contains("open-ended")
        })
    });
    let mut sources = vec![
        ("response_id", Source::Column(&["Respondent ID"])),
        // Where a web-link collector carries the CRM id (`?c=<id>`): Custom Data 1.
        ("contact_id", Source::Column(&["Custom Data 1", "Custom Data"])),
        ("email", Source::Column(&["Email Address"])),
        ("responded_on", Source::Column(&["End Date", "Start Date"])),
    ];
    if let Some(score) = score {
        sources.push(("score", Source::Found { expr: leading_number(&score), column: score }));
    }
    if let Some(i) = comment {
        sources.push(("comment", Source::Found { expr: col(names[i].as_str()), column: names[i].clone() }));
    }
    Recipe {
        signature: &["Respondent ID"],
        sources,
        values: vec![],
        locale_dates: true,
        formatted_amounts: false,
    }
}

/// A plain survey CSV with `email`, `score` and `date`.
pub fn survey_csv() -> Recipe {
    Recipe {
        signature: &["email", "score", "date"],
        sources: vec![
            ("response_id", Source::Column(&["response_id", "id"])),
            (
                "response_id",
                Source::Derived {
                    needs: &[],
                    expr: concat_str([lit("row-"), col(ROW).cast(DataType::String)], "", false),
                },
            ),
            ("contact_id", Source::Column(&["contact_id"])),
            ("email", Source::Column(&["email"])),
            ("responded_on", Source::Column(&["date"])),
            ("score", Source::Column(&["score"])),
            ("comment", Source::Column(&["comment", "reason"])),
        ],
        values: vec![],
        locale_dates: false,
        formatted_amounts: false,
    }
}
