//! Zoom webinar attendee reports (Reports > Webinars > Attendee report, CSV).
//!
//! A report is several small tables in one file: a preamble ("Attendee Report", "Report
//! Generated:"), the webinar's own line (Topic, Webinar ID, Actual Start Time, ...), then the
//! "Host Details", "Panelist Details" and "Attendee Details" sections, each with its own header.
//! Lines carry padding commas; `--` marks an empty value (a registrant who never joined);
//! someone who joined twice has two rows, whose minutes add up when rows are merged; booleans
//! are Yes/No; dates read like `Mar 22, 2025 19:13:27`. A folder or glob of reports (one per
//! webinar) is one input.
//!
//! Each person row becomes an attendance row of the report's webinar, by email. An attendee with
//! a registration time registered; hosts, panelists and walk-ins did not, so they count as
//! attendances only.

use super::text;
use super::{frame_from_records, Recipe, Source, VendorFrame};
use crate::config::InputSpec;
use crate::error::{Error, Result};
use crate::ingest::read;
use crate::vocab::Role;
use polars::prelude::*;

const SECTIONS: [(&str, &str); 3] = [
    ("Host Details", Role::Host.as_str()),
    ("Panelist Details", Role::Panelist.as_str()),
    ("Attendee Details", Role::Attendee.as_str()),
];

pub fn read(input: &InputSpec) -> Result<VendorFrame> {
    let files = read::expand("webinar_attendance", &input.path, &input.written, read::any_file)?;
    let mut columns: Vec<String> = vec![
        "File".into(),
        "Topic".into(),
        "Webinar ID".into(),
        "Actual Start Time".into(),
        "Section".into(),
    ];
    let mut rows: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for file in &files {
        let records = crate::ingest::prepare::records_of(file, input)?;
        let webinar = webinar_line(&records).ok_or_else(|| {
            Error::input(format!(
                "input `webinar_attendance` ({}): expected a Zoom attendee report with a line under \
                 \"Topic, Webinar ID, Actual Start Time\"; found none",
                file.display()
            ))
        })?;
        let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let mut section: Option<&str> = None;
        let mut header: Vec<String> = Vec::new();
        for (_, record) in &records {
            let fields = text::trimmed(record);
            if let Some((_, role)) =
                SECTIONS.iter().find(|(label, _)| fields.first().map(String::as_str) == Some(*label))
            {
                section = Some(role);
                header.clear();
                continue;
            }
            let Some(role) = section else { continue };
            if fields.is_empty() {
                continue;
            }
            if header.is_empty() {
                header = fields;
                for h in &header {
                    if !columns.contains(h) {
                        columns.push(h.clone());
                    }
                }
                continue;
            }
            let mut row = vec![
                ("File".to_string(), name.clone()),
                ("Topic".to_string(), webinar.0.clone()),
                ("Webinar ID".to_string(), webinar.1.clone()),
                ("Actual Start Time".to_string(), webinar.2.clone()),
                ("Section".to_string(), role.to_string()),
            ];
            row.extend(header.iter().cloned().zip(record.iter().map(|f| f.trim().to_string())));
            rows.push((rows.len() + 1, row));
        }
    }
    let table: Vec<(usize, Vec<String>)> = rows
        .into_iter()
        .map(|(n, row)| {
            let values = columns
                .iter()
                .map(|c| row.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default())
                .collect();
            (n, values)
        })
        .collect();
    let frame = frame_from_records(&columns, &table)?;
    Ok(VendorFrame { files, frame, labels: Vec::new() })
}

/// `(topic, webinar id, actual start time)` from the line under the webinar's header.
fn webinar_line(records: &[(usize, Vec<String>)]) -> Option<(String, String, String)> {
    let position = records.iter().position(|(_, r)| r.iter().any(|f| f.trim() == "Webinar ID"))?;
    let header = text::trimmed(&records[position].1);
    let values = &records.get(position + 1)?.1;
    let get = |name: &str| {
        header.iter().position(|h| h == name).and_then(|i| values.get(i)).map(|v| v.trim().to_string())
    };
    Some((
        get("Topic").unwrap_or_default(),
        get("Webinar ID")?,
        get("Actual Start Time").or_else(|| get("Start Time"))?,
    ))
}

pub fn recipe() -> Recipe {
    Recipe {
        signature: &["Webinar ID", "Actual Start Time", "Section", "Attended", "Email"],
        sources: vec![
            (
                "webinar_id",
                Source::Derived {
                    needs: &["Webinar ID"],
                    expr: super::text_map(col("Webinar ID"), |s| Some(s.replace(' ', ""))),
                },
            ),
            ("webinar_title", Source::Column(&["Topic"])),
            ("held_on", Source::Column(&["Actual Start Time"])),
            ("email", Source::Column(&["Email"])),
            // An attendee registered when the report gives a registration time; `--` is a
            // walk-in (joined without registering). Panelists are registered, as the spec's
            // default for rows without the column.
            (
                "registered",
                Source::Derived {
                    needs: &["Section", "Registration Time"],
                    expr: {
                        let time = col("Registration Time");
                        let walk_in = time.clone().is_null().or(time
                            .clone()
                            .str()
                            .strip_chars(lit(NULL))
                            .eq(lit("--")));
                        when(col("Section").eq(Role::Attendee.lit()).and(walk_in))
                            .then(lit("false"))
                            .otherwise(lit("true"))
                    },
                },
            ),
            ("registered", Source::Derived { needs: &["Section"], expr: lit("true") }),
            ("attended", Source::Column(&["Attended"])),
            ("minutes_attended", Source::Column(&["Time in Session (minutes)", "Duration (Minutes)"])),
            ("role", Source::Column(&["Section"])),
        ],
        values: vec![],
        locale_dates: true,
        formatted_amounts: false,
    }
}
