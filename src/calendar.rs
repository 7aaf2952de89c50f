//! The as-of date and every window the metrics use (SPEC.md section 1).
//!
//! All windows are inclusive on both ends. "The last N days as of d" is `d - N < x <= d`, which
//! is the inclusive range `[d - N + 1, d]`.

use chrono::{Datelike, Days, Months, NaiveDate};

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    /// The last `n` days as of `d`: `d - n < x <= d`.
    pub fn last_days(d: NaiveDate, n: u32) -> Window {
        let start = d - Days::new(u64::from(n.max(1)) - 1);
        Window { start, end: d }
    }

    pub fn contains(&self, x: NaiveDate) -> bool {
        self.start <= x && x <= self.end
    }
}

/// The as-of date `D` and the periods derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// `D`.
    pub as_of: NaiveDate,
    /// `[first day of D's month, D]`.
    pub period: Window,
    /// The whole month before the period; its end is `D_prev`.
    pub prev_period: Window,
}

impl Calendar {
    pub fn new(as_of: NaiveDate) -> Calendar {
        let period_start = first_of_month(as_of);
        let prev_end = period_start - Days::new(1);
        Calendar {
            as_of,
            period: Window { start: period_start, end: as_of },
            prev_period: Window { start: first_of_month(prev_end), end: prev_end },
        }
    }

    /// `D_prev`: the day before the period starts.
    pub fn prev_as_of(&self) -> NaiveDate {
        self.prev_period.end
    }

    /// The last 365 days as of D.
    pub fn t12m(&self) -> Window {
        Window::last_days(self.as_of, 365)
    }

    /// The last `n` days as of D.
    pub fn last_days(&self, n: u32) -> Window {
        Window::last_days(self.as_of, n)
    }

    /// The `n` calendar months ending with the period's month, oldest first; the last one is
    /// cut at D.
    pub fn months(&self, n: u32) -> Vec<Month> {
        let last = first_of_month(self.as_of);
        (0..n)
            .rev()
            .map(|back| {
                let start = last - Months::new(back);
                let end = (start + Months::new(1) - Days::new(1)).min(self.as_of);
                Month { label: start.format("%Y-%m").to_string(), window: Window { start, end } }
            })
            .collect()
    }
}

/// A calendar month, labelled `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    pub label: String,
    pub window: Window,
}

/// The default as-of date: the last day of the month before `today`, so a monthly job run on
/// the 3rd reports the month that just ended.
pub fn default_as_of(today: NaiveDate) -> NaiveDate {
    first_of_month(today) - Days::new(1)
}

pub fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists in every month")
}

/// The years a date may fall in, anywhere in the inputs or the settings (SPEC.md leaves the
/// range open; dates outside it are typos or corrupt values, and `invalid_date`).
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

/// [`FIRST_YEAR`]-01-01 and [`LAST_YEAR`]-12-31 as epoch days (see [`epoch_days`]).
pub const FIRST_DAY: i32 = -25_567;
pub const LAST_DAY: i32 = 84_370;

/// Whether epoch day `days` is within the accepted years.
pub fn in_range(days: i64) -> bool {
    (i64::from(FIRST_DAY)..=i64::from(LAST_DAY)).contains(&days)
}

/// Days since 1970-01-01, the physical value of a polars `Date`.
pub fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")).num_days() as i32
}

/// The inverse of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date") + chrono::Duration::days(days.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn windows_of_the_tiny_dataset() {
        // EXPECTED.md: last 30 days = 10-02..10-31; 90 = 08-03..10-31; 180 = 05-05..10-31;
        // 365 = 2025-11-01..2026-10-31.
        let cal = Calendar::new(d("2026-10-31"));
        assert_eq!(cal.last_days(30), Window { start: d("2026-10-02"), end: d("2026-10-31") });
        assert_eq!(cal.last_days(90).start, d("2026-08-03"));
        assert_eq!(cal.last_days(180).start, d("2026-05-05"));
        assert_eq!(cal.t12m(), Window { start: d("2025-11-01"), end: d("2026-10-31") });
        assert_eq!(cal.period, Window { start: d("2026-10-01"), end: d("2026-10-31") });
        assert_eq!(cal.prev_period, Window { start: d("2026-09-01"), end: d("2026-09-30") });
        assert_eq!(cal.prev_as_of(), d("2026-09-30"));
    }

    #[test]
    fn an_event_exactly_n_days_back_is_out_and_n_minus_one_is_in() {
        let w = Window::last_days(d("2026-10-31"), 30);
        assert!(!w.contains(d("2026-10-01"))); // D - 30
        assert!(w.contains(d("2026-10-02"))); // D - 29
        assert!(w.contains(d("2026-10-31")));
        assert!(!w.contains(d("2026-11-01")));
    }

    #[test]
    fn mid_month_as_of_cuts_the_period_and_the_last_month() {
        let cal = Calendar::new(d("2024-03-15"));
        assert_eq!(cal.period, Window { start: d("2024-03-01"), end: d("2024-03-15") });
        assert_eq!(cal.prev_period, Window { start: d("2024-02-01"), end: d("2024-02-29") });
        let months = cal.months(12);
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].label, "2023-04");
        assert_eq!(months[0].window.end, d("2023-04-30"));
        assert_eq!(months[11].label, "2024-03");
        assert_eq!(months[11].window.end, d("2024-03-15"));
    }

    #[test]
    fn the_accepted_years_match_their_epoch_days() {
        assert_eq!(epoch_days(d("1900-01-01")), FIRST_DAY);
        assert_eq!(epoch_days(d("2200-12-31")), LAST_DAY);
        assert!(in_range(0) && !in_range(i64::from(LAST_DAY) + 1) && !in_range(i64::from(FIRST_DAY) - 1));
    }

    #[test]
    fn default_as_of_is_the_end_of_the_previous_month() {
        assert_eq!(default_as_of(d("2026-11-03")), d("2026-10-31"));
        assert_eq!(default_as_of(d("2026-01-01")), d("2025-12-31"));
        assert_eq!(default_as_of(d("2024-03-31")), d("2024-02-29"));
    }

    #[test]
    fn epoch_days_round_trip() {
        assert_eq!(epoch_days(d("1970-01-02")), 1);
        assert_eq!(from_epoch_days(epoch_days(d("2026-10-31"))), d("2026-10-31"));
    }
}
