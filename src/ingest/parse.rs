//! Value parsing exactly as SPEC.md section 1 spells it, as pure functions on text, and the
//! column functions that apply them to a whole polars column at once.
//!
//! A column function never fails on a bad value: it returns null there, and the validator
//! tells "blank" from "does not parse" by comparing with the input's nulls.

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;

use crate::vocab::schema::EnumKind;

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 for a date value in any accepted spelling:
/// `YYYY-MM-DD`; `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]` with an optional `Z`, `±HH`, `±HHMM`
/// or `±HH:MM` (converted to UTC; a naive datetime keeps its date part); exactly 8 unsigned
/// digits as `YYYYMMDD`; any other integer as Unix epoch seconds, or milliseconds when its
/// absolute value is at least 1e11. A date outside the years 1900 to 2200 is not a date.
pub fn parse_date(text: &str) -> Option<i32> {
    parse_any_date(text).filter(|d| crate::calendar::in_range(i64::from(*d)))
}

fn parse_any_date(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        if b.len() == 8 {
            return ymd(num(&b[0..4])?, num(&b[4..6])?, num(&b[6..8])?);
        }
        let value: i64 = text.parse().ok()?;
        return epoch_to_days(value);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let days = ymd(num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?)?;
    if b.len() == 10 {
        return Some(days);
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let (seconds_of_day, rest) = parse_time(&b[11..])?;
    let offset = parse_offset(rest)?;
    match offset {
        None => Some(days),
        Some(offset_seconds) => {
            let utc = i64::from(days) * SECONDS_PER_DAY + seconds_of_day - offset_seconds;
            i32::try_from(utc.div_euclid(SECONDS_PER_DAY)).ok()
        }
    }
}

/// `HH:MM[:SS[.fraction]]`, returning the seconds of the day and what follows.
fn parse_time(b: &[u8]) -> Option<(i64, &[u8])> {
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let hours = num(&b[0..2])?;
    let minutes = num(&b[3..5])?;
    let mut rest = &b[5..];
    let mut seconds = 0;
    if rest.first() == Some(&b':') {
        seconds = num(rest.get(1..3)?)?;
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let fraction = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            rest = &rest[1 + fraction..];
        }
    }
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some((i64::from(hours * 3600 + minutes * 60 + seconds), rest))
}

/// Nothing (naive), `Z`, `±HH`, `±HHMM` or `±HH:MM`, as seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<Option<i64>> {
    let sign = match b.first() {
        None => return Some(None),
        Some(b'Z' | b'z') if b.len() == 1 => return Some(Some(0)),
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    let (hours, minutes) = match &b[1..] {
        [h1, h2] => (num(&[*h1, *h2])?, 0),
        [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
        [h1, h2, b':', m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(Some(sign * i64::from(hours * 3600 + minutes * 60)))
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

fn ymd(year: u32, month: u32, day: u32) -> Option<i32> {
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(crate::calendar::epoch_days(date))
}

/// Unix epoch seconds, or milliseconds when `|value| >= 1e11`, to days (UTC); `None` outside
/// the accepted years (never a wrapped-around value).
pub fn epoch_to_days(value: i64) -> Option<i32> {
    let seconds = if value.unsigned_abs() >= 100_000_000_000 { value.div_euclid(1000) } else { value };
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    crate::calendar::in_range(days).then_some(days as i32)
}

/// How many of a datetime's units make a day.
fn units_per_day(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 86_400_000_000_000,
        TimeUnit::Microseconds => 86_400_000_000,
        TimeUnit::Milliseconds => 86_400_000,
    }
}

/// A typed date or datetime's day number, when it is within the accepted years.
fn day_in_range(days: i64) -> Option<i32> {
    crate::calendar::in_range(days).then_some(days as i32)
}

/// A date given as a whole number (a typed integer column): `YYYYMMDD` when it has exactly
/// 8 digits and is not negative, else epoch seconds or milliseconds.
pub fn integer_date(value: i64) -> Option<i32> {
    if (10_000_000..=99_999_999).contains(&value) {
        let v = value as u32;
        return ymd(v / 10_000, v / 100 % 100, v % 100).filter(|d| crate::calendar::in_range(i64::from(*d)));
    }
    epoch_to_days(value)
}

/// A finite number; thousands separators, `NaN` and `inf` are not numbers.
pub fn parse_number(text: &str) -> Option<f64> {
    let lower = text.as_bytes();
    if lower.iter().any(|c| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E')) {
        return None; // inf, NaN, 12k, ten
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A whole number: `7` and `7.0`, not `7.5`.
pub fn parse_integer(text: &str) -> Option<i64> {
    parse_number(text).and_then(float_to_integer)
}

pub fn float_to_integer(value: f64) -> Option<i64> {
    (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
}

pub use crate::vocab::parse_bool;

pub use crate::vocab::normalize_enum;

/// An enumeration reader: the built-in spellings plus a pipeline's own value map
/// (`[inputs.<table>.values.<column>]`), whose keys are matched the same forgiving way.
#[derive(Debug, Clone)]
pub struct EnumReader {
    kind: EnumKind,
    extra: HashMap<String, &'static str>,
}

impl EnumReader {
    /// Fails with a message when a value map points at something that is not a valid value.
    pub fn new(
        kind: EnumKind,
        values: Option<&std::collections::BTreeMap<String, String>>,
    ) -> Result<Self, String> {
        let mut extra = HashMap::new();
        for (from, to) in values.into_iter().flatten() {
            let canonical = kind
                .canonical(&normalize_enum(to))
                .ok_or_else(|| format!("maps {from:?} to {to:?}, which is not a valid value"))?;
            extra.insert(normalize_enum(from), canonical);
        }
        Ok(EnumReader { kind, extra })
    }

    pub fn read(&self, text: &str) -> Option<&'static str> {
        let key = normalize_enum(text);
        self.extra.get(&key).copied().or_else(|| self.kind.canonical(&key))
    }
}

// ---- column functions -------------------------------------------------------------------

/// Trims text and turns blanks into nulls; a non-text column becomes text (ids written as
/// numbers in Parquet are still ids). Returns the input untouched when nothing needs trimming.
pub fn clean_text(column: Column) -> PolarsResult<Column> {
    if column.dtype() != &DataType::String {
        let cast = column.cast(&DataType::String)?;
        return clean_text(cast);
    }
    let ca = column.str()?;
    let needs_work = ca
        .iter()
        .flatten()
        .any(|s| s.is_empty() || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace));
    if !needs_work {
        return Ok(column);
    }
    let out: StringChunked = ca.iter().map(|v| v.map(str::trim).filter(|s| !s.is_empty())).collect();
    Ok(out.with_name(column.name().clone()).into_column())
}

/// Trims text and turns blanks into nulls; leaves typed columns (dates, numbers) as they are.
pub fn clean(column: Column) -> PolarsResult<Column> {
    if column.dtype() == &DataType::String {
        clean_text(column)
    } else {
        Ok(column)
    }
}

/// A date column from text, a typed date or datetime, or whole numbers.
pub fn to_date(column: Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let days: Int32Chunked = match column.dtype() {
        DataType::String => column.str()?.iter().map(|v| v.and_then(parse_date)).collect(),
        DataType::Date => {
            let physical = column.to_physical_repr();
            physical.i32()?.iter().map(|v| v.and_then(|d| day_in_range(d.into()))).collect()
        }
        DataType::Datetime(unit, _) => {
            // The physical value is UTC for zoned datetimes and wall time for naive ones, so
            // flooring to whole days is the UTC date or the naive date part, as specified.
            let per_day = units_per_day(*unit);
            let physical = column.to_physical_repr();
            physical.i64()?.iter().map(|v| v.and_then(|t| day_in_range(t.div_euclid(per_day)))).collect()
        }
        dt if dt.is_integer() => {
            let ints = column.cast(&DataType::Int64)?;
            ints.i64()?.iter().map(|v| v.and_then(integer_date)).collect()
        }
        dt if dt.is_float() => {
            let floats = column.cast(&DataType::Float64)?;
            floats.f64()?.iter().map(|v| v.and_then(float_to_integer).and_then(integer_date)).collect()
        }
        _ => Int32Chunked::full_null(name.clone(), column.len()),
    };
    Ok(days.with_name(name).into_date().into_column())
}

/// A column as text for rejects: the value as the file has it. Typed dates and datetimes
/// outside what a calendar can show are written as their raw number (days or time units
/// since 1970-01-01) instead of failing.
pub fn source_text(column: Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: StringChunked = match column.dtype() {
        DataType::String => return Ok(column),
        DataType::Date => {
            let physical = column.to_physical_repr();
            physical
                .i32()?
                .iter()
                .map(|v| {
                    v.map(|d| match day_in_range(d.into()) {
                        Some(_) => crate::calendar::from_epoch_days(d).to_string(),
                        None => format!("{d} (days since 1970-01-01)"),
                    })
                })
                .collect()
        }
        DataType::Datetime(unit, _) => {
            let per_day = units_per_day(*unit);
            let physical = column.to_physical_repr();
            let in_range = physical
                .i64()?
                .iter()
                .all(|v| v.is_none_or(|t| day_in_range(t.div_euclid(per_day)).is_some()));
            if in_range {
                return column.cast(&DataType::String);
            }
            physical.i64()?.iter().map(|v| v.map(|t| format!("{t} ({unit} since 1970-01-01)"))).collect()
        }
        _ => return column.cast(&DataType::String),
    };
    Ok(out.with_name(name).into_column())
}

/// A float column from text or numbers; non-finite values become null.
pub fn to_float(column: Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: Float64Chunked = match column.dtype() {
        DataType::String => column.str()?.iter().map(|v| v.and_then(parse_number)).collect(),
        // Money often arrives as a Parquet decimal (`decimal128(14,2)`).
        dt if dt.is_primitive_numeric() || matches!(dt, DataType::Decimal(..)) => {
            let floats = column.cast(&DataType::Float64)?;
            floats.f64()?.iter().map(|v| v.filter(|x| x.is_finite())).collect()
        }
        _ => Float64Chunked::full_null(name.clone(), column.len()),
    };
    Ok(out.with_name(name).into_column())
}

/// A whole-number column from text or numbers.
pub fn to_integer(column: Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: Int64Chunked = match column.dtype() {
        DataType::String => column.str()?.iter().map(|v| v.and_then(parse_integer)).collect(),
        dt if dt.is_integer() => return column.cast(&DataType::Int64),
        dt if dt.is_float() || matches!(dt, DataType::Decimal(..)) => {
            let floats = column.cast(&DataType::Float64)?;
            floats.f64()?.iter().map(|v| v.and_then(float_to_integer)).collect()
        }
        _ => Int64Chunked::full_null(name.clone(), column.len()),
    };
    Ok(out.with_name(name).into_column())
}

/// A boolean column from text, booleans, or 0/1 numbers.
pub fn to_bool(column: Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let out: BooleanChunked = match column.dtype() {
        DataType::String => column.str()?.iter().map(|v| v.and_then(parse_bool)).collect(),
        DataType::Boolean => return Ok(column),
        dt if dt.is_integer() => {
            let ints = column.cast(&DataType::Int64)?;
            ints.i64()?
                .iter()
                .map(|v| match v {
                    Some(1) => Some(true),
                    Some(0) => Some(false),
                    _ => None,
                })
                .collect()
        }
        _ => BooleanChunked::full_null(name.clone(), column.len()),
    };
    Ok(out.with_name(name).into_column())
}

/// An enumeration column: canonical values, null where the value is not recognised.
pub fn to_enum(column: Column, reader: &EnumReader) -> PolarsResult<Column> {
    let name = column.name().clone();
    let text = clean_text(column)?;
    let out: StringChunked = text.str()?.iter().map(|v| v.and_then(|s| reader.read(s))).collect();
    Ok(out.with_name(name).into_column())
}

/// An expression applying [`to_enum`] with the given reader.
pub fn enum_expr(input: Expr, reader: EnumReader) -> Expr {
    let reader = Arc::new(reader);
    input.map(move |c| to_enum(c, &reader), |_, f| Ok(Field::new(f.name().clone(), DataType::String)))
}

/// An expression applying a column function with a fixed output type.
pub fn map_expr(input: Expr, function: fn(Column) -> PolarsResult<Column>, output: DataType) -> Expr {
    input.map(function, move |_, f| Ok(Field::new(f.name().clone(), output.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::epoch_days;

    fn day(s: &str) -> Option<i32> {
        Some(epoch_days(s.parse().unwrap()))
    }

    #[test]
    fn every_accepted_date_spelling() {
        assert_eq!(parse_date("2026-10-31"), day("2026-10-31"));
        assert_eq!(parse_date("2026-10-15T08:00:00Z"), day("2026-10-15"));
        assert_eq!(parse_date("2026-10-15 08:00"), day("2026-10-15"));
        assert_eq!(parse_date("2026-10-15T08:00:00.123456"), day("2026-10-15"));
        assert_eq!(parse_date("2026-10-15t23:59:59.5z"), day("2026-10-15"));
        // offsets convert to UTC first: 23:30 at -05:00 is 04:30 the next day
        assert_eq!(parse_date("2026-10-10T23:30:00-05:00"), day("2026-10-11"));
        assert_eq!(parse_date("2026-10-10T23:30:00-0500"), day("2026-10-11"));
        assert_eq!(parse_date("2026-10-10T23:30-05"), day("2026-10-11"));
        assert_eq!(parse_date("2026-10-11T01:00:00+02:00"), day("2026-10-10"));
        assert_eq!(parse_date("2026-10-10 12:00:00+00"), day("2026-10-10"));
        // 8 digits are YYYYMMDD, other integers epoch seconds, or ms from 1e11
        assert_eq!(parse_date("20261005"), day("2026-10-05"));
        assert_eq!(parse_date("1792065600"), day("2026-10-15")); // 20741.5 days
        assert_eq!(parse_date("1791797400000"), day("2026-10-12"));
        assert_eq!(parse_date("0"), day("1970-01-01"));
        assert_eq!(parse_date("-1"), day("1969-12-31"));
        assert_eq!(parse_date("4102444800"), day("2100-01-01")); // seconds
        assert_eq!(parse_date("100000000000"), day("1973-03-03")); // 1e11: milliseconds
        assert_eq!(parse_date("-2208988800"), day("1900-01-01"));
    }

    #[test]
    fn rejected_date_spellings() {
        for bad in [
            "31/12/2025",
            "2025-2-3",
            "2025-02-3",
            "20260231",
            "2026-13-01",
            "yesterday",
            "2026-10-15T",
            "2026-10-15T8:00",
            "2026-10-15T08:00:61",
            "2026-10-15T24:00",
            "2026-10-15T08:00+5",
            "2026-10-15T08:00+05:0",
            "2026-10-15T08:00:00.Z",
            "2026-10-15x",
            "1.5e9",
            "",
            "+1792065600",
            "2026-10-15T08:00:00 Z",
            // outside the years 1900 to 2200: a typo or a corrupt value, never wrapped around
            "99999999999",
            "-9500000000000000",
            "9223372036854775807",
            "-2208988801",
            "18991231",
            "22010101",
            "0001-01-01",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?} should not parse");
        }
    }

    #[test]
    fn typed_integer_dates_follow_the_same_rule() {
        assert_eq!(integer_date(20261005), day("2026-10-05"));
        assert_eq!(integer_date(20260231), None);
        assert_eq!(integer_date(1792065600), day("2026-10-15"));
    }

    #[test]
    fn numbers_and_integers() {
        assert_eq!(parse_number("120.5"), Some(120.5));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        for bad in ["12,000", "12k", "ten", "NaN", "inf", "-inf", "Infinity", "1 000", ""] {
            assert_eq!(parse_number(bad), None, "{bad:?}");
        }
        assert_eq!(parse_integer("7"), Some(7));
        assert_eq!(parse_integer("7.0"), Some(7));
        assert_eq!(parse_integer("7.5"), None);
        assert_eq!(parse_integer("11"), Some(11));
    }

    #[test]
    fn booleans() {
        for yes in ["true", "TRUE", "Yes", "y", "Y", "1"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["false", "No", "n", "0", "FALSE"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        for bad in ["maybe", "t", "2", "1.0", ""] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn enumerations_ignore_case_dashes_underscores_and_spaces() {
        let stage = EnumReader::new(EnumKind::Stage, None).unwrap();
        assert_eq!(stage.read("Closed Won"), Some("won"));
        assert_eq!(stage.read("closed-won"), Some("won"));
        assert_eq!(stage.read("CLOSED_LOST"), Some("lost"));
        assert_eq!(stage.read("Negotiation"), None);
        let status = EnumReader::new(EnumKind::Status, None).unwrap();
        assert_eq!(status.read("Completed"), Some("completed"));
    }

    #[test]
    fn a_pipeline_value_map_extends_an_enumeration() {
        let map = [("Negotiation".to_string(), "Open".to_string())].into_iter().collect();
        let stage = EnumReader::new(EnumKind::Stage, Some(&map)).unwrap();
        assert_eq!(stage.read("negotiation"), Some("open"));
        assert_eq!(stage.read("won"), Some("won"));
        let bad = [("x".to_string(), "maybe".to_string())].into_iter().collect();
        assert!(EnumReader::new(EnumKind::Stage, Some(&bad)).is_err());
    }

    #[test]
    fn column_functions_turn_bad_values_into_nulls() {
        let c = Column::new("d".into(), ["2026-10-31", "bad", "20261005"]);
        let out = to_date(c).unwrap();
        assert_eq!(out.null_count(), 1);
        let c = Column::new("x".into(), [Some(" a "), Some("  "), None, Some("b")]);
        let out = clean_text(c).unwrap();
        let values: Vec<Option<&str>> = out.str().unwrap().iter().collect();
        assert_eq!(values, [Some("a"), None, None, Some("b")]);
        let c = Column::new("n".into(), [1.5f64, f64::NAN, f64::INFINITY]);
        assert_eq!(to_float(c).unwrap().null_count(), 2);
    }
}
