//! Microsoft Teams attendance reports (Meeting > Attendance > Download, or a webinar's
//! Reports tab): UTF-16 text, tab-separated, in numbered sections: `1. Summary` (one
//! `key<TAB>value` per line: `Meeting title`, `Start time`, ...), `2. Participants` (one row per
//! person: `Name`, `First Join`, `Last Leave`, `In-Meeting Duration`, `Email`, `Role`), then
//! `3. In-Meeting Activities` (each join, not read: the participant rows already sum them).
//! Point at a folder of reports, one per meeting.
//!
//! A participant attended; the report does not say who registered, so `registered` takes the
//! spec's default. `Organizer` is the host (the company's staff, skipped like Zoom's host),
//! `Presenter` and `Co-organizer` are panelists, `Attendee` attendees.

use polars::prelude::*;

use super::{frame_from_records, text_map, Recipe, Source, VendorFrame};
use crate::config::InputSpec;
use crate::error::{Error, Result};
use crate::ingest::read;
use crate::vocab::Role;

pub fn read(input: &InputSpec) -> Result<VendorFrame> {
    let files = read::expand("webinar_attendance", &input.path, &input.written, read::any_file)?;
    let columns: Vec<String> =
        ["Meeting title", "Start time", "Name", "Email", "In-Meeting Duration", "Role"]
            .map(String::from)
            .into();
    let mut rows = Vec::new();
    for file in &files {
        // Tab-separated unless the input says otherwise (the first lines have no separator to
        // sniff).
        let text = crate::ingest::prepare::decoded(file, input.encoding)?;
        let separator = char::from(input.delimiter.unwrap_or(b'\t'));
        let records = super::text::records_with(&text, separator);
        let section =
            |title: &str| records.iter().position(|(_, r)| r.first().is_some_and(|f| f.trim() == title));
        let (summary, participants) = match (section("1. Summary"), section("2. Participants")) {
            (Some(summary), Some(participants)) if summary < participants => (summary, participants),
            _ => {
                return Err(Error::input(format!(
                    "input `webinar_attendance` ({}): expected a Teams attendance report with the sections \
                 \"1. Summary\" and \"2. Participants\"",
                    file.display()
                )))
            }
        };
        let value = |key: &str| {
            records[summary + 1..participants]
                .iter()
                .find(|(_, r)| r.first().is_some_and(|f| f.trim() == key))
                .and_then(|(_, r)| r.get(1))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        // `10/12/25, 4:58:10 PM`: the comma after the date is not part of a locale date.
        let (title, start) = (value("Meeting title"), value("Start time").replacen(", ", " ", 1));
        let Some((_, header)) = records.get(participants + 1) else { continue };
        let at = |name: &str| header.iter().position(|h| h.trim() == name);
        let (name, email, duration, role) =
            (at("Name"), at("Email").or(at("Participant ID (UPN)")), at("In-Meeting Duration"), at("Role"));
        for (_, record) in records.iter().skip(participants + 2) {
            if record.iter().all(|f| f.trim().is_empty()) || record[0].trim().starts_with("3.") {
                break;
            }
            let cell = |i: Option<usize>| {
                i.and_then(|i| record.get(i)).map(|v| v.trim().to_string()).unwrap_or_default()
            };
            rows.push((
                rows.len() + 1,
                vec![title.clone(), start.clone(), cell(name), cell(email), cell(duration), cell(role)],
            ));
        }
    }
    let frame = frame_from_records(&columns, &rows)?;
    Ok(VendorFrame { files, frame, labels: Vec::new() })
}

/// `1h 4m 21s`, `59m`, `45s` as minutes.
fn minutes(text: &str) -> Option<String> {
    let mut total = 0.0;
    let mut any = false;
    for part in text.split_whitespace() {
        let (number, unit) = part.split_at(part.find(|c: char| c.is_alphabetic())?);
        let n: f64 = number.parse().ok()?;
        total += match unit {
            "h" => n * 60.0,
            "m" => n,
            "s" => n / 60.0,
            _ => return None,
        };
        any = true;
    }
    any.then(|| format!("{}", (total * 100.0).round() / 100.0))
}

fn role(text: &str) -> Option<String> {
    Some(
        match text.trim().to_lowercase().as_str() {
            "organizer" => Role::Host,
            "presenter" | "co-organizer" => Role::Panelist,
            _ => Role::Attendee,
        }
        .as_str()
        .to_string(),
    )
}

pub fn recipe() -> Recipe {
    Recipe {
        signature: &["Meeting title", "Start time", "Email"],
        sources: vec![
            (
                "webinar_id",
                Source::Derived {
                    needs: &["Meeting title", "Start time"],
                    expr: concat_str([col("Meeting title"), col("Start time")], " @ ", true),
                },
            ),
            ("webinar_title", Source::Column(&["Meeting title"])),
            ("held_on", Source::Column(&["Start time"])),
            ("email", Source::Column(&["Email"])),
            ("attended", Source::Derived { needs: &["Email"], expr: lit("true") }),
            (
                "minutes_attended",
                Source::Derived {
                    needs: &["In-Meeting Duration"],
                    expr: text_map(col("In-Meeting Duration"), minutes),
                },
            ),
            ("role", Source::Derived { needs: &["Role"], expr: text_map(col("Role"), role) }),
        ],
        values: vec![],
        locale_dates: true,
        formatted_amounts: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_roles_read_as_teams_writes_them() {
        assert_eq!(minutes("1h 4m 21s").as_deref(), Some("64.35"));
        assert_eq!(minutes("59m").as_deref(), Some("59"));
        assert_eq!(minutes("45s").as_deref(), Some("0.75"));
        assert_eq!(minutes("soon"), None);
        assert_eq!(role("Organizer").as_deref(), Some("host"));
        assert_eq!(role("Presenter").as_deref(), Some("panelist"));
        assert_eq!(role("Attendee").as_deref(), Some("attendee"));
    }
}
