//! Reading vendor exports that are not one clean table: CSV records parsed by hand (Zoom's
//! sections, Qualtrics' extra header rows, Salesforce report footers), and the locale
//! spellings of dates and amounts that vendors write.

/// The records of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF, a UTF-8
/// BOM), each with the 1-based line it starts on. Blank lines are kept as empty records so
/// that callers can find section breaks.
pub fn records(text: &str) -> Vec<(usize, Vec<String>)> {
    records_with(text, ',')
}

/// [`records`] with another field separator (`;`, a tab).
pub fn records_with(text: &str, separator: char) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let (mut line, mut start) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (c, false) if c == separator => record.push(std::mem::take(&mut field)),
            ('\r', false) if chars.peek() == Some(&'\n') => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut record)));
                line += 1;
                start = line;
                any = false;
            }
            ('\n', true) => {
                field.push('\n');
                line += 1;
            }
            (c, _) => field.push(c),
        }
    }
    if any {
        record.push(field);
        out.push((start, record));
    }
    for (_, r) in &mut out {
        if r.len() == 1 && r[0].is_empty() {
            r.clear();
        }
    }
    out
}

/// A record without the empty fields some exports pad lines with.
pub fn trimmed(record: &[String]) -> Vec<String> {
    let end = record.iter().rposition(|f| !f.trim().is_empty()).map_or(0, |i| i + 1);
    record[..end].iter().map(|f| f.trim().to_string()).collect()
}

const MONTHS: [&str; 12] =
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// A locale date or datetime in ISO form, or the text unchanged when it is not one (so that
/// validation reports it as it was written):
/// - `3/29/2024`, `03/29/2024 02:05:09 PM`, `3/29/2024 14:05` (month first unless `day_first`);
/// - `Mar 22, 2025 19:13:27`, `Mar 22, 2025 7:13 PM` (Zoom).
pub fn iso_date(text: &str, day_first: bool) -> String {
    let t = text.trim();
    named_month(t).or_else(|| numeric(t, day_first)).unwrap_or_else(|| t.to_string())
}

fn numeric(t: &str, day_first: bool) -> Option<String> {
    let (date, time) = t.split_once(' ').map_or((t, None), |(d, rest)| (d, Some(rest.trim())));
    let parts: Vec<&str> = date.split(['/', '.']).collect();
    let [a, b, year] = parts.as_slice() else { return None };
    let (a, b, year): (u32, u32, u32) = (a.parse().ok()?, b.parse().ok()?, year.parse().ok()?);
    let (month, day) = if day_first { (b, a) } else { (a, b) };
    let year = if year < 100 { 2000 + year } else { year };
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let date = format!("{year:04}-{month:02}-{day:02}");
    match time {
        None => Some(date),
        Some(time) => Some(format!("{date}T{}", clock(time)?)),
    }
}

fn named_month(t: &str) -> Option<String> {
    let (month, rest) = t.split_once(' ')?;
    let month = MONTHS.iter().position(|m| month.to_lowercase().starts_with(m))? as u32 + 1;
    let (day, rest) = rest.split_once(',')?;
    let rest = rest.trim();
    let (year, time) = rest.split_once(' ').map_or((rest, None), |(y, t)| (y, Some(t.trim())));
    let (day, year): (u32, i32) = (day.trim().parse().ok()?, year.parse().ok()?);
    chrono::NaiveDate::from_ymd_opt(year, month, day)?;
    let date = format!("{year:04}-{month:02}-{day:02}");
    match time {
        None => Some(date),
        Some(time) => Some(format!("{date}T{}", clock(time)?)),
    }
}

/// `14:05`, `14:05:09`, `2:05 PM`, `02:05:09 pm` -> `HH:MM:SS`.
fn clock(t: &str) -> Option<String> {
    let lower = t.to_lowercase();
    let (time, meridiem) = match lower.split_once(' ') {
        Some((time, m)) if m == "am" || m == "pm" => (time.to_string(), Some(m == "pm")),
        _ => (lower.clone(), None),
    };
    let parts: Vec<u32> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (mut hours, minutes, seconds) = match parts.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    match meridiem {
        Some(_) if hours == 0 || hours > 12 => return None,
        Some(true) if hours < 12 => hours += 12,
        Some(false) if hours == 12 => hours = 0,
        _ => {}
    }
    (hours < 24 && minutes < 60 && seconds < 60).then(|| format!("{hours:02}:{minutes:02}:{seconds:02}"))
}

/// An amount as a plain number: currency codes and symbols and thousands separators removed
/// (`USD 12,000.00`, `$12,000`, `(1,200.00)` -> `12000.00`, `12000`, `-1200.00`). Anything else
/// is returned unchanged so validation reports it.
pub fn plain_amount(text: &str) -> String {
    let t = text.trim();
    let negative = t.starts_with('(') && t.ends_with(')');
    let digits: String = t
        .trim_matches(|c| c == '(' || c == ')')
        .trim_start_matches(|c: char| c.is_ascii_alphabetic() || "$€£¥".contains(c) || c == ' ')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    if digits.is_empty() || digits.parse::<f64>().is_err() {
        return t.to_string();
    }
    if negative {
        format!("-{digits}")
    } else {
        digits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_with_quotes_sections_and_padding() {
        let text =
            "\u{feff}Topic,Webinar ID,\r\n\"Stories, live\",812 3456,\r\n\r\nA,\"say \"\"hi\"\"\nthere\"\n";
        let r = records(text);
        assert_eq!(r[0], (1, vec!["Topic".into(), "Webinar ID".into(), String::new()]));
        assert_eq!(trimmed(&r[1].1), vec!["Stories, live", "812 3456"]);
        assert!(r[2].1.is_empty(), "a blank line is an empty record");
        assert_eq!(r[3], (4, vec!["A".into(), "say \"hi\"\nthere".into()]));
    }

    #[test]
    fn locale_dates() {
        assert_eq!(iso_date("3/29/2024", false), "2024-03-29");
        assert_eq!(iso_date("29/3/2024", true), "2024-03-29");
        assert_eq!(iso_date("03/29/2024 02:05:09 PM", false), "2024-03-29T14:05:09");
        assert_eq!(iso_date("3/29/2024 12:05 AM", false), "2024-03-29T00:05:00");
        assert_eq!(iso_date("Mar 22, 2025 19:13:27", false), "2025-03-22T19:13:27");
        assert_eq!(iso_date("Mar 22, 2025 7:13 PM", false), "2025-03-22T19:13:00");
        assert_eq!(iso_date("2024-03-29", false), "2024-03-29", "ISO passes through");
        assert_eq!(iso_date("13/29/2024", false), "13/29/2024", "not a date: unchanged");
        assert_eq!(iso_date("--", false), "--");
    }

    #[test]
    fn amounts() {
        assert_eq!(plain_amount("USD 12,000.00"), "12000.00");
        assert_eq!(plain_amount("$12,000"), "12000");
        assert_eq!(plain_amount("(1,200.00)"), "-1200.00");
        assert_eq!(plain_amount("5000"), "5000");
        assert_eq!(plain_amount("ten"), "ten");
    }
}
