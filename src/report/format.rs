//! How numbers read in a report: money with thousands separators or in short form
//! (`$1.6M`), percentages, signed changes, dates. Missing values read "n/a". The same functions
//! are the templates' filters, so an edited template formats numbers the same way.

use chrono::NaiveDate;
use minijinja::value::Value;
use minijinja::Environment;

pub const NA: &str = "n/a";

/// `1234567.8` -> `1,234,568` (rounded to whole units).
pub fn thousands(value: f64) -> String {
    let rounded = value.round();
    let negative = rounded < 0.0;
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if negative && out != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// Money in full: `$1,615,100`.
pub fn money(value: Option<f64>, currency: &str) -> String {
    match value {
        Some(v) if v < 0.0 => format!("-{currency}{}", thousands(-v)),
        Some(v) => format!("{currency}{}", thousands(v)),
        None => NA.into(),
    }
}

/// Money for headlines: `$1.6M`, `$549.8K`, `$7,400`.
pub fn money_short(value: Option<f64>, currency: &str) -> String {
    let Some(v) = value else { return NA.into() };
    let (sign, a) = if v < 0.0 { ("-", -v) } else { ("", v) };
    let text = if a >= 999_950_000.0 {
        format!("{:.1}B", a / 1e9)
    } else if a >= 999_950.0 {
        format!("{:.1}M", a / 1e6)
    } else if a >= 10_000.0 {
        format!("{:.1}K", a / 1e3)
    } else {
        thousands(a)
    };
    format!("{sign}{currency}{}", text.replace(".0M", "M").replace(".0K", "K").replace(".0B", "B"))
}

/// A ratio as a percentage: `0.3404` -> `34%` (or `34.0%` with one decimal).
pub fn percent(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) => format!("{:.*}%", decimals, v * 100.0),
        None => NA.into(),
    }
}

/// A count or measure: whole numbers with separators, else the given decimals.
pub fn number(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if decimals == 0 => thousands(v),
        Some(v) => format!("{v:.decimals$}"),
        None => NA.into(),
    }
}

/// A signed difference: `+3`, `-1,200`, `0`.
pub fn signed(value: Option<f64>, decimals: usize) -> String {
    match value {
        Some(v) if v.abs() < 0.5 * 10f64.powi(-(decimals as i32)) => "0".into(),
        Some(v) if v > 0.0 => format!("+{}", number(Some(v), decimals)),
        Some(v) => number(Some(v), decimals),
        None => NA.into(),
    }
}

/// A signed ratio change as a percentage: `+58%`.
pub fn signed_percent(value: Option<f64>) -> String {
    match value {
        Some(v) if (v * 100.0).round() == 0.0 => "0%".into(),
        Some(v) if v > 0.0 => format!("+{:.0}%", v * 100.0),
        Some(v) => format!("{:.0}%", v * 100.0),
        None => NA.into(),
    }
}

/// `2026-10-31` -> `31 Oct 2026`.
pub fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// `2026-10` -> `Oct 2026` (month labels in charts and tables).
pub fn month_label(month: &str, long: bool) -> String {
    let Some(date) = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok() else {
        return month.to_string();
    };
    date.format(if long { "%B %Y" } else { "%b %Y" }).to_string()
}

fn as_f64(value: &Value) -> Option<f64> {
    if value.is_none() || value.is_undefined() {
        return None;
    }
    f64::try_from(value.clone()).ok()
}

/// Registers the filters: `money`, `money_short`, `percent`, `number`, `signed`,
/// `signed_percent`, `month`, `na`.
pub fn register(env: &mut Environment<'_>, currency: String) {
    let c = currency.clone();
    env.add_filter("money", move |v: Value| money(as_f64(&v), &c));
    let c = currency;
    env.add_filter("money_short", move |v: Value| money_short(as_f64(&v), &c));
    env.add_filter("percent", |v: Value, decimals: Option<usize>| percent(as_f64(&v), decimals.unwrap_or(0)));
    env.add_filter("number", |v: Value, decimals: Option<usize>| number(as_f64(&v), decimals.unwrap_or(0)));
    env.add_filter("signed", |v: Value, decimals: Option<usize>| signed(as_f64(&v), decimals.unwrap_or(0)));
    env.add_filter("signed_percent", |v: Value| signed_percent(as_f64(&v)));
    env.add_filter("month", |v: String, long: Option<bool>| month_label(&v, long.unwrap_or(false)));
    env.add_filter("na", |v: Value| if v.is_none() || v.is_undefined() { Value::from(NA) } else { v });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_numbers() {
        assert_eq!(thousands(1_615_100.4), "1,615,100");
        assert_eq!(thousands(999.5), "1,000");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(money(Some(52_500.0), "$"), "$52,500");
        assert_eq!(money(None, "$"), "n/a");
        assert_eq!(money_short(Some(1_615_100.0), "$"), "$1.6M");
        assert_eq!(money_short(Some(549_800.0), "$"), "$549.8K");
        assert_eq!(money_short(Some(2_000_000.0), "€"), "€2M");
        assert_eq!(money_short(Some(7_400.0), "$"), "$7,400");
        assert_eq!(money_short(Some(999_999.0), "$"), "$1M");
    }

    #[test]
    fn ratios_and_changes() {
        assert_eq!(percent(Some(0.3404), 0), "34%");
        assert_eq!(percent(Some(0.3404), 1), "34.0%");
        assert_eq!(percent(None, 0), "n/a");
        assert_eq!(signed(Some(3.0), 0), "+3");
        assert_eq!(signed(Some(-1200.0), 0), "-1,200");
        assert_eq!(signed(Some(0.2), 0), "0");
        assert_eq!(signed_percent(Some(1.4127)), "+141%");
        assert_eq!(signed_percent(Some(-0.333)), "-33%");
    }

    #[test]
    fn dates() {
        assert_eq!(day(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()), "31 Oct 2026");
        assert_eq!(month_label("2026-10", true), "October 2026");
        assert_eq!(month_label("2026-10", false), "Oct 2026");
    }
}
