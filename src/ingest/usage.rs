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
use super::validate::{Validated, CHECK, CONTACT_POSITION};
use crate::calendar::{epoch_days, Window};
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
    /// Per segment and contact (position among accepted contacts), at `segment * contacts +
    /// contact`: the fixed-point sum `[hi, lo]` of its minutes, `hi * 2^40 + lo` in units of
    /// `2^-60` minutes. Segment-major, because exports arrive roughly in date order: the rows
    /// of a batch then land in one segment's slice (16 bytes a contact) instead of striding
    /// over every segment of every contact.
    fixed: Arc<Vec<[i64; 2]>>,
    /// `(contact, segment, minutes)` of rows whose minutes are not fixed-point values.
    odd: Arc<Vec<(u32, u32, f64)>>,
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
        let inside: Vec<usize> = (0..self.segments.len())
            .filter(|&i| self.segments[i].start >= window.start && self.segments[i].end <= window.end)
            .collect();
        let covered: i64 =
            inside.iter().map(|&i| (self.segments[i].end - self.segments[i].start).num_days() + 1).sum();
        if covered != (window.end - window.start).num_days() + 1 {
            return Err(PolarsError::ComputeError(
                format!("usage was not summed for the window {}..{}", window.start, window.end).into(),
            ));
        }
        let contacts = self.contacts.len();
        let mut odd: std::collections::BTreeMap<u32, Vec<f64>> = Default::default();
        for &(c, s, m) in self.odd.iter() {
            if inside.contains(&(s as usize)) {
                odd.entry(c).or_default().push(m);
            }
        }
        let ids = self.contacts.ids();
        let mut id_column: Vec<Option<&str>> = Vec::new();
        let mut sums: Vec<f64> = Vec::new();
        for c in 0..self.contacts.len() {
            let total: i128 = inside
                .iter()
                .map(|&s| {
                    let [hi, lo] = self.fixed[s * contacts + c];
                    (i128::from(hi) << 40) + i128::from(lo)
                })
                .sum();
            let extra = odd.remove(&(c as u32));
            if total == 0 && extra.is_none() {
                continue;
            }
            id_column.push(ids.get(c));
            sums.push(exact::fsum(fixed_parts(total).into_iter().chain(extra.unwrap_or_default())));
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

/// Each covered day's segment: `table[day - first]`.
struct SegmentTable {
    first: i32,
    table: Vec<Option<u32>>,
}

impl SegmentTable {
    fn new(segments: &[Window]) -> SegmentTable {
        let days = |w: &Window| (epoch_days(w.start), epoch_days(w.end));
        let first = segments.first().map_or(0, |s| days(s).0);
        let last = segments.last().map_or(-1, |s| days(s).1);
        let mut table = vec![None; usize::try_from(last - first + 1).unwrap_or(0)];
        for (i, s) in segments.iter().enumerate() {
            let (a, b) = days(s);
            for day in a..=b {
                table[(day - first) as usize] = Some(i as u32);
            }
        }
        SegmentTable { first, table }
    }

    fn of(&self, day: i32) -> Option<u32> {
        self.table.get(usize::try_from(day.checked_sub(self.first)?).ok()?).copied().flatten()
    }
}

/// What the pass has gathered so far (batches arrive from polars' streaming sink).
#[derive(Default)]
struct Gathered {
    fixed: Vec<[i64; 2]>,
    odd: Vec<(u32, u32, f64)>,
    rows: u64,
    latest: Option<i32>,
    rejected: Vec<DataFrame>,
}

const CONTACT: &str = "\u{1}usage_contact";
const DATE: &str = "\u{1}usage_date";
const MINUTES: &str = "\u{1}usage_minutes";

/// Runs the usage pass over a validated usage table for `windows`: one streaming query whose
/// batches are folded into the sums as they arrive.
pub fn pass(validated: &Validated, windows: &[Window], contacts: Arc<KeyIndex>) -> PolarsResult<UsagePass> {
    let segments = segments(windows);
    let table = SegmentTable::new(&segments);
    let (n, people) = (segments.len(), contacts.len());
    let value = |name: &str| {
        validated
            .accepted_value(name)
            .ok_or_else(|| PolarsError::ColumnNotFound(format!("usage has no {name}").into()))
    };
    let mut columns = vec![
        col(CHECK),
        col(CONTACT_POSITION).alias(CONTACT),
        value("date")?.alias(DATE),
        value("active_minutes")?.alias(MINUTES),
    ];
    columns.push(col(super::read::ROW));
    columns.extend(validated.raw_columns.iter().map(|c| col(c.as_str())));
    let gathered = Arc::new(std::sync::Mutex::new(Gathered {
        fixed: vec![[0, 0]; contacts.len() * n],
        ..Default::default()
    }));
    let sink = gathered.clone();
    let rejected_of = {
        let validated_rejected = validated.rejected_columns();
        move |batch: DataFrame| -> PolarsResult<DataFrame> {
            let rejected =
                batch.lazy().filter(col(CHECK).is_not_null()).select(validated_rejected.clone()).collect()?;
            // Filtered text still points into the whole batch's buffers; a copy lets them go, so
            // that memory holds the rejected rows, not every batch that had one.
            let owned = rejected
                .columns()
                .iter()
                .map(|c| match c.str() {
                    Ok(text) => {
                        text.iter().collect::<StringChunked>().with_name(c.name().clone()).into_column()
                    }
                    Err(_) => c.clone(),
                })
                .collect();
            DataFrame::new(rejected.height(), owned)
        }
    };
    let fold = move |batch: DataFrame| -> PolarsResult<bool> {
        let check = batch.column(CHECK)?.u32()?;
        let contact = batch.column(CONTACT)?.u32()?;
        let date = batch.column(DATE)?.to_physical_repr();
        let date = date.i32()?;
        let minutes = batch.column(MINUTES)?.f64()?;
        let rejected = check.null_count() < check.len();
        let rejects = if rejected { Some(rejected_of(batch.clone())?) } else { None };
        let mut g = sink.lock().map_err(|_| PolarsError::ComputeError("a usage batch failed".into()))?;
        g.rows += batch.height() as u64;
        if let Some(rejects) = rejects {
            g.rejected.push(rejects);
        }
        for (((check, contact), date), minutes) in
            check.iter().zip(contact.iter()).zip(date.iter()).zip(minutes.iter())
        {
            let (None, Some(contact), Some(date)) = (check, contact, date) else { continue };
            g.latest = g.latest.max(Some(date));
            let (Some(segment), Some(minutes)) = (table.of(date), minutes) else { continue };
            let slot = &mut g.fixed[segment as usize * people + contact as usize];
            // A sum that would overflow (over 2^27 rows of one contact in one segment) sends
            // the row down the float path instead of wrapping.
            match fixed(minutes)
                .and_then(|(hi, lo)| Some([slot[0].checked_add(hi)?, slot[1].checked_add(lo)?]))
            {
                Some(sum) => *slot = sum,
                None => g.odd.push((contact, segment, minutes)),
            }
        }
        Ok(false)
    };
    let query = validated.frame.clone().select(columns).sink_batches(PlanCallback::new(fold), false, None)?;
    super::read::guard(|| query.collect_with_engine(Engine::Streaming).map(|_| ()))?;
    let g = std::mem::take(
        &mut *gathered.lock().map_err(|_| PolarsError::ComputeError("a usage batch failed".into()))?,
    );
    let rejected = match g.rejected.len() {
        0 => validated.no_rejects()?,
        _ => {
            let mut all = g.rejected.into_iter();
            let mut first = all.next().unwrap_or_default();
            for more in all {
                first.vstack_mut(&more)?;
            }
            first
        }
    };
    let sums =
        UsageSums { segments, fixed: Arc::new(g.fixed), odd: Arc::new(g.odd), contacts, latest: g.latest };
    Ok(UsagePass { sums, rows_read: g.rows, rejected })
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
