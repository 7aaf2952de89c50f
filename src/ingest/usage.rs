//! The usage pass: one streaming scan of a usage table of any size that checks and counts every
//! row, keeps the rejected ones, and keeps of the accepted ones only what the metrics read:
//! active minutes per contact summed over the windows they ask for. Memory depends on the
//! number of contacts and windows, not on the number of rows.
//!
//! The windows (the health window as of D and of the month-ends before it, the candidates'
//! tenure window, ...) overlap. Their start and end days cut the calendar into segments that
//! each lie wholly inside or outside every window; the pass sums minutes per contact and
//! segment, and a window's sum is the sum of its segments.
//!
//! Sums are exact, so that they never depend on how rows are split into files or threads:
//! a minute value `v` with `0 <= v < 2^16` whose binary digits stop at `2^-60` (every value
//! with at least 8 bits of integer-or-fraction headroom, which is every realistic one) is the
//! integer `v * 2^60`, kept as two 40-bit halves that polars sums as `Int64` in its streaming
//! group-by. Other values (tiny fractions, absurd sizes) are kept as rows and added with the
//! correctly rounded float sum of `vocab::exact`. The total is then correctly rounded once.

use std::sync::Arc;

use polars::prelude::*;

use super::keys::KeyIndex;
use super::validate::{Validated, CONTACT_POSITION};
use crate::calendar::Window;
use crate::vocab::exact;

/// `2^60`: the fixed-point scale of a minute value.
const SCALE: f64 = 1_152_921_504_606_846_976.0;
/// `2^40`: where a fixed-point value is split into its two halves.
const SPLIT: f64 = 1_099_511_627_776.0;
/// Values at or above this many minutes take the exact-float path (a day has 1,440).
const FIXED_LIMIT: f64 = 65_536.0;

/// The minutes of a usage table, summed per contact over the segments of the metrics' windows.
#[derive(Clone)]
pub struct UsageSums {
    /// The segments, in date order; a window is a run of them.
    segments: Vec<Window>,
    /// `contact` (position among accepted contacts), `segment`, `hi`, `lo`: the fixed-point sum
    /// of the segment's minutes is `hi * 2^40 + lo`, in units of `2^-60` minutes.
    fixed: DataFrame,
    /// `contact`, `segment`, `minutes`: rows whose minutes are not fixed-point values.
    odd: DataFrame,
    /// The accepted contacts' ids, by position.
    contacts: Arc<KeyIndex>,
    /// The latest date of an accepted row, in or out of the windows.
    pub latest: Option<i32>,
}

/// What the pass returns: the sums, the rows read, and the rejected rows.
pub struct UsagePass {
    pub sums: UsageSums,
    pub rows_read: u64,
    pub rejected: DataFrame,
}

impl UsageSums {
    /// `contact_id` and `minutes`, the exact sum of the contact's active minutes over `window`,
    /// for every contact with usage in it, in contact order. `window` must be one of those the
    /// pass was given.
    pub fn over(&self, window: Window) -> PolarsResult<DataFrame> {
        let inside: Vec<bool> =
            self.segments.iter().map(|s| s.start >= window.start && s.end <= window.end).collect();
        let covered: i64 = self
            .segments
            .iter()
            .zip(&inside)
            .filter(|(_, i)| **i)
            .map(|(s, _)| (s.end - s.start).num_days() + 1)
            .sum();
        if covered != (window.end - window.start).num_days() + 1 {
            return Err(PolarsError::ComputeError(
                format!("usage was not summed for the window {}..{}", window.start, window.end).into(),
            ));
        }
        let mut totals: std::collections::BTreeMap<u32, (i128, Vec<f64>)> = Default::default();
        let (contact, segment) = (self.fixed.column("contact")?.u32()?, self.fixed.column("segment")?.u32()?);
        let (hi, lo) = (self.fixed.column("hi")?.i64()?, self.fixed.column("lo")?.i64()?);
        for (((c, s), h), l) in contact.iter().zip(segment.iter()).zip(hi.iter()).zip(lo.iter()) {
            if let (Some(c), Some(s), Some(h), Some(l)) = (c, s, h, l) {
                if inside[s as usize] {
                    totals.entry(c).or_default().0 += (i128::from(h) << 40) + i128::from(l);
                }
            }
        }
        let (contact, segment) = (self.odd.column("contact")?.u32()?, self.odd.column("segment")?.u32()?);
        let minutes = self.odd.column("minutes")?.f64()?;
        for ((c, s), m) in contact.iter().zip(segment.iter()).zip(minutes.iter()) {
            if let (Some(c), Some(s), Some(m)) = (c, s, m) {
                if inside[s as usize] {
                    totals.entry(c).or_default().1.push(m);
                }
            }
        }
        let ids = self.contacts.ids();
        let mut id_column: Vec<Option<&str>> = Vec::with_capacity(totals.len());
        let mut sums: Vec<f64> = Vec::with_capacity(totals.len());
        for (c, (fixed, odd)) in totals {
            id_column.push(ids.get(c as usize));
            sums.push(exact::fsum(fixed_parts(fixed).into_iter().chain(odd)));
        }
        DataFrame::new(
            sums.len(),
            vec![Column::new("contact_id".into(), id_column), Column::new("minutes".into(), sums)],
        )
    }
}

/// A fixed-point total (units of `2^-60`) as two floats whose exact sum it is.
fn fixed_parts(total: i128) -> [f64; 2] {
    let high = total as f64; // rounded to nearest
    let rest = (total - high as i128) as f64; // exact: below 2^53 in magnitude
    [high / SCALE, rest / SCALE]
}

/// `(hi, lo)` of a fixed-point minute value, or `None` when it must take the float path.
fn fixed(v: f64) -> Option<(i64, i64)> {
    if !(0.0..FIXED_LIMIT).contains(&v) {
        return None;
    }
    let x = v * SCALE;
    if x.fract() != 0.0 {
        return None;
    }
    let hi = (x / SPLIT).floor();
    Some((hi as i64, (x - hi * SPLIT) as i64))
}

/// The segments that `windows`' start and end days cut the calendar into, keeping those inside
/// at least one window.
fn segments(windows: &[Window]) -> Vec<Window> {
    let mut cuts: Vec<chrono::NaiveDate> =
        windows.iter().flat_map(|w| [w.start, w.end.succ_opt().unwrap_or(w.end)]).collect();
    cuts.sort();
    cuts.dedup();
    cuts.windows(2)
        .filter_map(|pair| {
            let segment = Window { start: pair[0], end: pair[1].pred_opt().unwrap_or(pair[1]) };
            windows.iter().any(|w| segment.start >= w.start && segment.end <= w.end).then_some(segment)
        })
        .collect()
}

/// Each date's segment (null outside every window), by a table lookup over the covered days.
fn segment_of(date: Expr, segments: &[Window]) -> Expr {
    let Some(first) = segments.first().map(|s| crate::calendar::epoch_days(s.start)) else {
        return lit(NULL).cast(DataType::UInt32);
    };
    let last = segments.last().map_or(first, |s| crate::calendar::epoch_days(s.end));
    let mut table: Vec<Option<u32>> = vec![None; (last - first + 1) as usize];
    for (i, s) in segments.iter().enumerate() {
        let (a, b) = (crate::calendar::epoch_days(s.start), crate::calendar::epoch_days(s.end));
        for day in a..=b {
            table[(day - first) as usize] = Some(i as u32);
        }
    }
    date.map(
        move |c| {
            let days = c.to_physical_repr();
            let days = days.i32()?;
            let out: UInt32Chunked = days
                .iter()
                .map(|d| d.and_then(|d| table.get(usize::try_from(d - first).ok()?).copied().flatten()))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
}

/// One half of each fixed-point minute value (null for the float path).
fn half(minutes: Expr, high: bool) -> Expr {
    minutes.map(
        move |c| {
            let out: Int64Chunked = c
                .f64()?
                .iter()
                .map(|v| v.and_then(fixed).map(|(hi, lo)| if high { hi } else { lo }))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int64)),
    )
}

/// Runs the usage pass over a validated usage table for `windows`.
pub fn pass(
    validated: &Validated,
    windows: &[Window],
    contacts: Arc<KeyIndex>,
    run: impl FnOnce(Vec<DslPlan>, OptFlags) -> PolarsResult<Vec<DataFrame>>,
) -> PolarsResult<UsagePass> {
    let segments = segments(windows);
    let frame = validated.frame.clone();
    let located = validated
        .accepted_unordered(frame.clone())
        .select([
            col(CONTACT_POSITION).alias("contact"),
            segment_of(col("date"), &segments).alias("segment"),
            col("active_minutes").alias("minutes"),
        ])
        .filter(col("segment").is_not_null());
    let fixed = located
        .clone()
        .select([
            col("contact"),
            col("segment"),
            half(col("minutes"), true).alias("hi"),
            half(col("minutes"), false).alias("lo"),
        ])
        .filter(col("hi").is_not_null())
        .group_by([col("contact"), col("segment")])
        .agg([col("hi").sum(), col("lo").sum()]);
    let odd = located.filter(half(col("minutes"), true).is_null());
    let latest = validated
        .accepted_unordered(frame.clone())
        .select([col("date").cast(DataType::Int32).max().alias("latest")]);
    let plans = vec![
        fixed.logical_plan,
        odd.logical_plan,
        latest.logical_plan,
        frame.clone().select([len().alias("rows")]).logical_plan,
        validated.rejected(frame.clone()).logical_plan,
    ];
    let mut results = run(plans, frame.get_current_optimizations())?.into_iter();
    let mut next = || results.next().ok_or_else(|| PolarsError::NoData("a usage sink".into()));
    let (fixed, odd, latest, count, rejected) = (next()?, next()?, next()?, next()?, next()?);
    let latest = latest.column("latest")?.i32()?.get(0);
    let rows_read = count.column("rows")?.cast(&DataType::UInt64)?.u64()?.get(0).unwrap_or(0);
    let sums = UsageSums { segments, fixed, odd, contacts, latest };
    Ok(UsagePass { sums, rows_read, rejected })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn fixed_point_values_are_exact_and_others_take_the_float_path() {
        // 7.5 * 2^60 = 7.5 * 2^20 * 2^40: hi = 7,864,320, lo = 0.
        assert_eq!(fixed(7.5), Some((7_864_320, 0)));
        // 0.1 is 0x3FB999999999999A = 0x1999999999999A * 2^-56: times 2^60 that is
        // 0x1999999999999A0 = 115,292,150,460,684,704 = 104,857 * 2^40 + 659,706,976,672.
        assert_eq!(fixed(0.1), Some((104_857, 659_706_976_672)));
        assert_eq!(fixed(0.0), Some((0, 0)));
        assert_eq!(fixed(1e-30), None, "bits below 2^-60");
        assert_eq!(fixed(70_000.0), None, "beyond the fixed-point range");
        assert_eq!(fixed(-1.0), None);
        // The fixed-point sum of 0.1 ten times, correctly rounded, is fsum's answer (1.0),
        // where adding in order gives 0.9999999999999999.
        let (h, l) = fixed(0.1).unwrap();
        let total = 10 * ((i128::from(h) << 40) + i128::from(l));
        assert_eq!(exact::fsum(fixed_parts(total)), 1.0);
        assert_eq!(exact::fsum(fixed_parts(total)), exact::fsum([0.1; 10]));
    }

    #[test]
    fn overlapping_windows_are_cut_into_segments() {
        // [Oct 2..Oct 31] and [Sep 1..Oct 31] and [Sep 1..Sep 30]: cuts at Sep 1, Oct 1, Oct 2,
        // Nov 1 give Sep 1-30, Oct 1, Oct 2-31.
        let w = |a: &str, b: &str| Window { start: day(a), end: day(b) };
        let windows =
            [w("2026-10-02", "2026-10-31"), w("2026-09-01", "2026-10-31"), w("2026-09-01", "2026-09-30")];
        let got = segments(&windows);
        assert_eq!(
            got,
            [w("2026-09-01", "2026-09-30"), w("2026-10-01", "2026-10-01"), w("2026-10-02", "2026-10-31")]
        );
        // A gap between two windows is no segment.
        let apart = segments(&[w("2026-01-01", "2026-01-10"), w("2026-02-01", "2026-02-05")]);
        assert_eq!(apart, [w("2026-01-01", "2026-01-10"), w("2026-02-01", "2026-02-05")]);
    }
}
