//! Product usage: Pendo-style daily rollups, and raw event streams from Amplitude and Mixpanel
//! rolled up to the canonical daily `usage` rows.
//!
//! A person is named by a CRM id or an email: a user id containing `@` is read as an email,
//! anything else as a `contact_id`.
//!
//! Raw events: one usage row per person and UTC day, with `events` = the number of events and
//! `active_minutes` = the number of distinct clock minutes with at least one event (a person
//! clicking through a page for 90 seconds across two minutes is active for 2 minutes; idle time
//! between events counts for nothing). An event without a user or with a time that does not
//! parse is kept as its own row, so that it is rejected with its line number instead of
//! vanishing; `data_quality` therefore counts the daily rows plus those events.

use polars::prelude::*;

use super::{mapped, Layout, Recipe, Source};
use crate::config::InputSpec;
use crate::error::Result;
use crate::ingest::parse;
use crate::ingest::read::{self, RawTable, ROW};
use crate::vocab::schema::TableId;
use crate::vocab::Format;

fn is_email(user: Expr) -> Expr {
    user.map(
        |c| {
            let out: BooleanChunked = c.str()?.iter().map(|v| v.map(|s| s.contains('@'))).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

fn contact_of(user: Expr) -> Expr {
    when(is_email(user.clone())).then(lit(NULL).cast(DataType::String)).otherwise(user)
}

fn email_of(user: Expr) -> Expr {
    when(is_email(user.clone())).then(user).otherwise(lit(NULL).cast(DataType::String))
}

/// Pendo's daily rollup: `visitorId`, `accountId`, `day` (epoch milliseconds), `numEvents`,
/// `numMinutes`.
pub fn pendo_recipe() -> Recipe {
    Recipe {
        signature: &["visitorId", "day", "numMinutes"],
        sources: vec![
            ("contact_id", Source::Derived { needs: &["visitorId"], expr: contact_of(col("visitorId")) }),
            ("email", Source::Derived { needs: &["visitorId"], expr: email_of(col("visitorId")) }),
            ("date", Source::Column(&["day", "date"])),
            ("active_minutes", Source::Column(&["numMinutes"])),
            ("events", Source::Column(&["numEvents"])),
        ],
        values: vec![],
        locale_dates: false,
        formatted_amounts: false,
    }
}

const MINUTES_PER_DAY: i64 = 1440;

/// Minutes since the epoch (UTC) of an event time: Amplitude's `2024-03-29 14:05:09.123456`
/// (UTC), or Mixpanel's epoch seconds (milliseconds from 1e11).
fn event_minute(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let value: i64 = t.parse().ok()?;
        let seconds = if value >= 100_000_000_000 { value / 1000 } else { value };
        return Some(seconds.div_euclid(60));
    }
    let days = i64::from(parse::parse_date(&t[..t.len().min(10)])?);
    let (hours, minutes) = (t.get(11..13)?.parse::<i64>().ok()?, t.get(14..16)?.parse::<i64>().ok()?);
    if t.len() < 16 || hours > 23 || minutes > 59 || parse::parse_date(t).is_none() {
        return None;
    }
    Some(days * MINUTES_PER_DAY + hours * 60 + minutes)
}

fn minutes_of(text: Expr) -> Expr {
    text.map(
        |c| {
            let out: Int64Chunked = c.str()?.iter().map(|v| v.and_then(event_minute)).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
    )
}

/// The raw event exports: which fields carry the user, the time and the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Events {
    Amplitude,
    Mixpanel,
}

impl Events {
    fn layout(self) -> Layout {
        match self {
            Events::Amplitude => Layout::Amplitude,
            Events::Mixpanel => Layout::Mixpanel,
        }
    }
}

/// Anonymous product ids (UUIDs, device ids) mapped to a CRM person by an identity file:
/// a CSV whose first column is the product's id and whose second is a `contact_id` or an
/// `email` (as its header says). Ids the file does not list stay as they are.
fn identified(user: Expr, path: &std::path::Path, input: &InputSpec) -> Result<Expr> {
    let records = crate::ingest::prepare::records_of(path, input)?;
    let mut rows = records.into_iter().filter(|(_, r)| !r.is_empty());
    let (_, header) = rows.next().ok_or_else(|| {
        crate::error::Error::input(format!("identity map {}: the file is empty", path.display()))
    })?;
    let second = header.get(1).map(|h| h.trim().to_lowercase()).unwrap_or_default();
    if header.len() < 2 || !(second == "contact_id" || second == "email") {
        return Err(crate::error::Error::input(format!(
            "identity map {}: expected two columns, the product's id then `contact_id` or `email`; found {}",
            path.display(),
            header.join(", ")
        )));
    }
    let map: std::collections::HashMap<String, String> = rows
        .filter_map(|(_, r)| Some((r.first()?.trim().to_string(), r.get(1)?.trim().to_string())))
        .filter(|(from, to)| !from.is_empty() && !to.is_empty())
        .collect();
    Ok(super::text_map(user, move |s| Some(map.get(s.trim()).cloned().unwrap_or_else(|| s.to_string()))))
}

/// Rolls raw events up to daily usage rows.
pub fn events(shape: Events, table: TableId, input: &InputSpec) -> Result<(RawTable, InputSpec)> {
    let raw = read::open(
        table.name(),
        &input.path,
        &input.written,
        &crate::ingest::prepare::TextOptions::of(input),
    )?;
    let (user, time, event, vendor) = match shape {
        Events::Mixpanel => {
            // JSON lines arrive flattened (`properties.time`); Parquet keeps a struct.
            let property = |name: &str| {
                let flat = format!("properties.{name}");
                if raw.schema.contains(flat.as_str()) {
                    col(flat)
                } else {
                    col("properties").struct_().field_by_name(name)
                }
            };
            (
                property("distinct_id").cast(DataType::String),
                property("time").cast(DataType::String),
                col("event").cast(DataType::String),
                ["distinct_id", "time", "event"],
            )
        }
        Events::Amplitude => (
            col("user_id").cast(DataType::String),
            col("event_time").cast(DataType::String),
            col("event_type").cast(DataType::String),
            ["user_id", "event_time", "event_type"],
        ),
    };
    let events = raw
        .frame
        .select([col(ROW), user.alias(vendor[0]), time.alias(vendor[1]), event.alias(vendor[2])])
        .with_column(minutes_of(col(vendor[1])).alias(read::private("minute")));
    let readable = col(vendor[0]).is_not_null().and(col(read::private("minute")).is_not_null());
    let day = (col(read::private("minute")).floor_div(lit(MINUTES_PER_DAY)))
        .cast(DataType::Int32)
        .cast(DataType::Date);
    let rolled = events
        .clone()
        .filter(readable.clone())
        .group_by([col(vendor[0]), day.alias(read::private("day"))])
        .agg([
            col(ROW).min(),
            col(read::private("minute")).n_unique().cast(DataType::Float64).alias(read::private("active")),
            len().cast(DataType::Int64).alias(read::private("events")),
            // The source's own values, for rejects: the day's first event.
            col(vendor[1])
                .sort_by([col(ROW)], SortMultipleOptions::default())
                .first()
                .alias(read::private("time")),
            col(vendor[2])
                .sort_by([col(ROW)], SortMultipleOptions::default())
                .first()
                .alias(read::private("event")),
        ])
        .select([
            col(ROW),
            col(vendor[0]).alias(mapped("user")),
            col(read::private("day")).cast(DataType::String).alias(mapped("date")),
            col(read::private("active")).cast(DataType::String).alias(mapped("active_minutes")),
            col(read::private("events")).cast(DataType::String).alias(mapped("events")),
            col(vendor[0]),
            col(read::private("time")).alias(vendor[1]),
            col(read::private("event")).alias(vendor[2]),
        ]);
    let unreadable = events.filter(readable.not()).select([
        col(ROW),
        col(vendor[0]).alias(mapped("user")),
        col(vendor[1]).alias(mapped("date")),
        lit("0").alias(mapped("active_minutes")),
        lit("1").alias(mapped("events")),
        col(vendor[0]),
        col(vendor[1]),
        col(vendor[2]),
    ]);
    let user = match &input.identities {
        Some(path) => identified(col(mapped("user")), path, input)?,
        None => col(mapped("user")),
    };
    let mut frame = concat([rolled, unreadable], UnionArgs::default())
        .map_err(|e| read::unreadable(table.name(), &input.written, &e))?
        .with_columns([
            contact_of(user.clone()).alias(mapped("contact_id")),
            email_of(user).alias(mapped("email")),
        ]);
    let schema = frame.collect_schema().map_err(|e| read::unreadable(table.name(), &input.written, &e))?;
    let columns = ["contact_id", "email", "date", "active_minutes", "events"]
        .iter()
        .map(|c| (c.to_string(), mapped(c)))
        .collect();
    let raw = RawTable {
        files: raw.files,
        schema: schema.as_ref().clone().into_iter().filter(|(n, _)| n.as_str() != ROW).collect(),
        file_columns: vendor.iter().map(|c| c.to_string()).collect(),
        frame,
        malformed: Vec::new(),
        keep: raw.keep,
        notes: Vec::new(),
    };
    Ok((raw, InputSpec { columns, format: Some(Format::Vendor(shape.layout())), ..input.clone() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times() {
        // 2024-03-29 is day 19811 since 1970-01-01.
        assert_eq!(event_minute("2024-03-29 14:05:09.123456"), Some(19811 * 1440 + 14 * 60 + 5));
        assert_eq!(event_minute("1711721109"), Some(1711721109 / 60));
        assert_eq!(event_minute("1711721109000"), Some(1711721109 / 60));
        assert_eq!(event_minute("yesterday"), None);
        assert_eq!(event_minute("2024-03-29"), None, "a date alone has no minute");
    }
}
