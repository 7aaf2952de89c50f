//! Does the score predict? `backtest_snapshots`, `backtest_models`, `backtest_tiers` (SPEC.md 7).
//!
//! Snapshot dates are the last `months` month-ends `t` with `t + H <= D`. At each, the units
//! are scored as a run as of `t` would score them (`health::Scores`, the same cache the other
//! tables use), and the outcome is what happened in `(t, t + H]`:
//! - `advocacy`: a contact of `contact_health` as of `t` completes an activity (higher score
//!   should predict it);
//! - `churn`: an account (an active customer on `t` with a scored contact) churns (lower
//!   score should predict it); its predictor is the mean of its contacts' values;
//! - `expansion`: such an account wins an `expansion` deal (higher).
//!
//! AUC is the Mann-Whitney statistic: over (positive, negative) pairs, the share where the
//! positive is ranked as more likely, ties counting one half, on predictors rounded to 6
//! decimals. Each AUC is one sort of integer keys (the predictor times 1e6), counting the
//! negatives below each run of equal keys: O(n log n), no pair loop.
//!
//! The weight grid (`best_weights`, for the `optimize` outcome) re-scores every unit for each
//! of the C(1/step + 3, 3) weight vectors (286 at step 0.1) from the contacts' components
//! held as plain arrays, and sorts the training units once per vector; the vectors are split
//! over the machine's cores.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use polars::prelude::*;

use super::health::{Scores, COMPONENTS};
use super::usage::Minutes;
use crate::calendar::{epoch_days, first_of_month, Calendar};
use crate::config::{BacktestSettings, HealthSettings, Settings, Tiers};
use crate::ingest::Tables;
use crate::vocab::exact::fsum;
use crate::vocab::{OpportunityType, Stage, Status, Tier};

/// The three outcomes, in output order.
pub const OUTCOMES: [&str; 3] = ["advocacy", "churn", "expansion"];

/// The snapshot dates: the last `months` month-ends `t` with `t + H <= D`, oldest first.
pub fn snapshot_dates(calendar: &Calendar, s: &BacktestSettings) -> Vec<NaiveDate> {
    let latest = calendar.as_of - Days::new(u64::from(s.horizon_days));
    // The last month-end on or before `latest`.
    let next = latest + Days::new(1);
    let mut end = if next == first_of_month(next) { latest } else { first_of_month(latest) - Days::new(1) };
    let mut dates = Vec::new();
    for _ in 0..s.months {
        dates.push(end);
        end = first_of_month(end) - Days::new(1);
    }
    dates.reverse();
    dates
}

/// A predictor rounded to 6 decimals, as an integer key (ties compare equal exactly).
fn key(x: f64) -> i64 {
    (x * 1e6).round_ties_even() as i64
}

/// AUC of `(key, positive)` pairs where a higher key predicts a positive; null without
/// positives or negatives (see [`auc_packed`]).
pub fn auc(units: &[(i64, bool)]) -> Option<f64> {
    let mut packed: Vec<u64> = units.iter().map(|(k, p)| pack(*k, *p)).collect();
    auc_packed(&mut packed, &mut Vec::new())
}

/// One scored contact at one snapshot date: its four components and its score.
struct Contact {
    components: [Option<f64>; 4],
    score: Option<f64>,
}

/// The units of one outcome over every snapshot date.
struct Units {
    /// Per unit: its snapshot date index and whether it is positive.
    unit: Vec<(usize, bool)>,
    /// The contacts each unit averages (one for advocacy), unit after unit...
    members: Vec<usize>,
    /// ...unit `i`'s being `members[ends[i - 1]..ends[i]]`.
    ends: Vec<usize>,
}

impl Units {
    fn new() -> Units {
        Units { unit: Vec::new(), members: Vec::new(), ends: Vec::new() }
    }

    /// Every unit's members, in unit order.
    fn each(&self) -> impl Iterator<Item = &[usize]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(start, end)| &self.members[start..end])
    }
}

/// Every scored contact, and the units of each outcome. The contacts stay in their dates'
/// slices (shared with the cache, not copied); a unit's members are numbered across them.
struct Panel {
    dates: Vec<NaiveDate>,
    slices: Vec<std::sync::Arc<Slice>>,
    /// The number of the first contact of each slice.
    offsets: Vec<usize>,
    outcomes: [Units; 3],
}

impl Panel {
    /// Contact `i`, numbered across the slices.
    fn contact(&self, i: usize) -> &Contact {
        let k = self.offsets.partition_point(|&start| start <= i) - 1;
        &self.slices[k].contacts[i - self.offsets[k]]
    }
}

/// One snapshot date's contacts and units. What happens in `(t, t + H]` is known as of any
/// D >= t + H, so a date's slice is the same for every run that backtests it: a backfill
/// builds each once.
struct Slice {
    contacts: Vec<Contact>,
    /// Per outcome: each unit's positive flag and its members (indices into `contacts`).
    outcomes: [Vec<(bool, Vec<usize>)>; 3],
}

/// The backtest's slices by (snapshot date, horizon), kept across the runs of one process.
#[derive(Default)]
pub struct Slices {
    by_date: std::sync::Mutex<std::collections::BTreeMap<(NaiveDate, u32), std::sync::Arc<Slice>>>,
}

/// When each contact completed activities, and each account churned or won an expansion.
struct Events<'a> {
    completions: HashMap<&'a str, Vec<i32>>,
    churned: HashMap<&'a str, i32>,
    expansions: HashMap<&'a str, Vec<i32>>,
}

fn events(tables: &Tables) -> PolarsResult<Events<'_>> {
    let activities = &tables.activities;
    let status = activities.column("status")?.str()?;
    let completed_on = activities.column("completed_on")?.cast(&DataType::Int32)?;
    let mut completions: HashMap<&str, Vec<i32>> = HashMap::new();
    for ((contact, st), day) in
        activities.column("contact_id")?.str()?.iter().zip(status.iter()).zip(completed_on.i32()?.iter())
    {
        if let (Some(contact), Some(st), Some(day)) = (contact, st, day) {
            if st == Status::Completed.as_str() {
                completions.entry(contact).or_default().push(day);
            }
        }
    }
    let churned = {
        let ids = tables.accounts.column("account_id")?.str()?;
        let churn = tables.accounts.column("churned_on")?.cast(&DataType::Int32)?;
        ids.iter().zip(churn.i32()?.iter()).filter_map(|(id, day)| Some((id?, day?))).collect()
    };
    let mut expansions: HashMap<&str, Vec<i32>> = HashMap::new();
    let o = &tables.opportunities;
    let (ids, kinds, stages) =
        (o.column("account_id")?.str()?, o.column("opportunity_type")?.str()?, o.column("stage")?.str()?);
    let closed = o.column("closed_on")?.cast(&DataType::Int32)?;
    for (((id, kind), stage), day) in
        ids.iter().zip(kinds.iter()).zip(stages.iter()).zip(closed.i32()?.iter())
    {
        if let (Some(id), Some(kind), Some(stage), Some(day)) = (id, kind, stage, day) {
            if kind == OpportunityType::Expansion.as_str() && stage == Stage::Won.as_str() {
                expansions.entry(id).or_default().push(day);
            }
        }
    }
    Ok(Events { completions, churned, expansions })
}

/// The slice of snapshot date `date` (events of every outcome in `(t, t + h]`).
fn slice(frame: &DataFrame, date: NaiveDate, h: i32, events: &Events) -> PolarsResult<Slice> {
    let t = epoch_days(date);
    let within = |days: Option<&Vec<i32>>| days.is_some_and(|v| v.iter().any(|x| t < *x && *x <= t + h));
    let ids = frame.column("contact_id")?.str()?.clone();
    let accounts = frame.column("account_id")?.str()?.clone();
    let columns: Vec<Float64Chunked> = COMPONENTS
        .iter()
        .map(|c| Ok(frame.column(&format!("{c}_component"))?.cast(&DataType::Float64)?.f64()?.clone()))
        .collect::<PolarsResult<_>>()?;
    let score = frame.column("score")?.f64()?.clone();
    let mut contacts = Vec::with_capacity(frame.height());
    let mut outcomes: [Vec<(bool, Vec<usize>)>; 3] = Default::default();
    let mut by_account: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut account_at: HashMap<&str, usize> = HashMap::new();
    for i in 0..frame.height() {
        contacts
            .push(Contact { components: std::array::from_fn(|c| columns[c].get(i)), score: score.get(i) });
        let id = ids.get(i).unwrap_or_default();
        outcomes[0].push((within(events.completions.get(id)), vec![i]));
        let account = accounts.get(i).unwrap_or_default();
        let slot = *account_at.entry(account).or_insert_with(|| {
            by_account.push((account, Vec::new()));
            by_account.len() - 1
        });
        by_account[slot].1.push(i);
    }
    // Accounts in the order of their first contact (contacts are sorted by id): any order
    // gives the same AUC, this one is deterministic.
    for (account, members) in by_account {
        let churns = events.churned.get(account).is_some_and(|day| t < *day && *day <= t + h);
        outcomes[1].push((churns, members.clone()));
        outcomes[2].push((within(events.expansions.get(account)), members));
    }
    Ok(Slice { contacts, outcomes })
}

fn panel(
    tables: &Tables,
    calendar: &Calendar,
    s: &Settings,
    minutes: Option<&Minutes>,
    scores: &Scores,
    slices: &Slices,
) -> PolarsResult<Panel> {
    let b = &s.backtest;
    let dates = snapshot_dates(calendar, b);
    let h = i32::try_from(b.horizon_days).unwrap_or(i32::MAX);
    let cached = |date: &NaiveDate| {
        let by_date = slices.by_date.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        by_date.get(&(*date, b.horizon_days)).cloned()
    };
    let missing: Vec<NaiveDate> = dates.iter().copied().filter(|d| cached(d).is_none()).collect();
    if !missing.is_empty() {
        scores.ensure(tables, &missing, &s.health, minutes)?;
        let events = events(tables)?;
        for date in missing {
            let built = slice(&scores.on(tables, date, &s.health, minutes)?, date, h, &events)?;
            let mut by_date = slices.by_date.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            by_date.insert((date, b.horizon_days), std::sync::Arc::new(built));
        }
    }

    let (mut slices, mut offsets, mut offset) = (Vec::new(), Vec::new(), 0);
    let mut outcomes: [Units; 3] = std::array::from_fn(|_| Units::new());
    for (k, date) in dates.iter().enumerate() {
        let slice = cached(date)
            .ok_or_else(|| polars_err!(ComputeError: "the backtest slice of {date} is missing"))?;
        offsets.push(offset);
        for (units, part) in outcomes.iter_mut().zip(&slice.outcomes) {
            for (positive, members) in part {
                units.unit.push((k, *positive));
                units.members.extend(members.iter().map(|m| m + offset));
                units.ends.push(units.members.len());
            }
        }
        offset += slice.contacts.len();
        slices.push(slice);
    }
    Ok(Panel { dates, slices, offsets, outcomes })
}

/// What a model predicts for one unit: the mean of its members' non-null values (a contact's
/// own value for advocacy), null when none.
fn unit_value(members: &[usize], value: impl Fn(usize) -> Option<f64>) -> Option<f64> {
    if let [only] = members {
        return value(*only);
    }
    let values: Vec<f64> = members.iter().filter_map(|m| value(*m)).collect();
    (!values.is_empty()).then(|| fsum(values.iter().copied()) / values.len() as f64)
}

/// `(key, positive)` pairs packed into one integer that sorts by key, for [`auc_packed`].
/// Keys are scores times 1e6 (at most 1e8 in magnitude), offset to be non-negative.
fn pack(key: i64, positive: bool) -> u64 {
    (((key + (1 << 40)) as u64) << 1) | u64::from(positive)
}

/// The AUC of packed pairs: an LSD radix sort on the bits that vary (the grid sorts one set of
/// training units per weight vector, so this is the backtest's inner loop), then one pass over
/// runs of equal keys counting the negatives below each. Twice the Mann-Whitney U stays an
/// integer: each positive counts 2 per negative below it and 1 per negative tied with it.
fn auc_packed(units: &mut Vec<u64>, scratch: &mut Vec<u64>) -> Option<f64> {
    let positives = units.iter().filter(|u| *u & 1 == 1).count() as u64;
    let negatives = units.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Only the bits that vary need sorting.
    let (low, high) = units.iter().fold((u64::MAX, 0u64), |(l, h), u| (l.min(*u), h.max(*u)));
    let span = 64 - (high ^ low).leading_zeros();
    scratch.resize(units.len(), 0);
    let mut shift = 0;
    while shift < span {
        let mut counts = [0usize; 2048];
        for u in units.iter() {
            counts[((u >> shift) & 2047) as usize] += 1;
        }
        let mut total = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = total;
            total += n;
        }
        for u in units.iter() {
            let digit = ((u >> shift) & 2047) as usize;
            scratch[counts[digit]] = *u;
            counts[digit] += 1;
        }
        std::mem::swap(units, scratch);
        shift += 11;
    }
    let (mut twice_u, mut below, mut i) = (0u128, 0u64, 0);
    while i < units.len() {
        let key = units[i] >> 1;
        let (mut pos, mut neg) = (0u64, 0u64);
        while i < units.len() && units[i] >> 1 == key {
            if units[i] & 1 == 1 {
                pos += 1;
            } else {
                neg += 1;
            }
            i += 1;
        }
        twice_u += u128::from(pos) * u128::from(2 * below + neg);
        below += neg;
    }
    Some(twice_u as f64 / (2.0 * positives as f64 * negatives as f64))
}

/// A model's result over one outcome.
struct Fit {
    units: i64,
    positives: i64,
    auc: Option<f64>,
    train: Option<f64>,
    test: Option<f64>,
}

/// Pooled, train and test AUC of per-unit predictors (null predictors left out). `lower`
/// reverses the direction (churn).
fn fit(units: &Units, predictor: &[Option<f64>], train_dates: usize, lower: bool) -> Fit {
    let sign = if lower { -1 } else { 1 };
    let mut all = Vec::new();
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for ((date, positive), x) in units.unit.iter().zip(predictor) {
        let Some(x) = x else { continue };
        let pair = (sign * key(*x), *positive);
        all.push(pair);
        if *date < train_dates {
            train.push(pair);
        } else {
            test.push(pair);
        }
    }
    let positives = all.iter().filter(|p| p.1).count() as i64;
    Fit { units: all.len() as i64, positives, auc: auc(&all), train: auc(&train), test: auc(&test) }
}

/// The configured weights as `[nps, usage, engagement, advocacy]`.
fn configured(h: &HealthSettings) -> [f64; 4] {
    let w = &h.weights;
    [w.nps, w.usage, w.engagement, w.advocacy]
}

/// A contact's score under `weights`, exactly as 3.1 computes it: `100 * sum(w * c) / sum(w)`
/// over the non-null components, null when those weights sum to 0.
fn rescore(components: &[Option<f64>; 4], weights: &[f64; 4]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (c, w) in components.iter().zip(weights) {
        num += w * c.unwrap_or(0.0);
        if c.is_some() {
            den += w;
        }
    }
    (den != 0.0).then(|| 100.0 * num / den)
}

/// Every weight vector of multiples of `1 / steps` summing to 1, as step counts.
fn grid(steps: u32) -> Vec<[u32; 4]> {
    let mut vectors = Vec::new();
    for a in 0..=steps {
        for b in 0..=steps - a {
            for c in 0..=steps - a - b {
                vectors.push([a, b, c, steps - a - b - c]);
            }
        }
    }
    vectors
}

/// Rounds to 9 decimals, for comparing AUCs and distances.
fn round9(x: f64) -> f64 {
    (x * 1e9).round_ties_even() / 1e9
}

/// The training units of the score model, flattened for the grid: each unit's scored contacts'
/// components (NaN for null) side by side.
struct Flat {
    components: Vec<[f64; 4]>,
    /// Per training unit: the end of its members in `components`, and whether it is positive.
    units: Vec<(usize, bool)>,
    /// The distinct masks (bit i: some member has component i) of every unit of the score
    /// model, training or not: a vector whose non-zero weights miss one of them leaves that
    /// unit without a score.
    masks: Vec<u8>,
}

fn flatten(panel: &Panel, units: &Units, train_dates: usize) -> Flat {
    let mut flat = Flat { components: Vec::new(), units: Vec::new(), masks: Vec::new() };
    for ((date, positive), members) in units.unit.iter().zip(units.each()) {
        let scored: Vec<&Contact> =
            members.iter().map(|m| panel.contact(*m)).filter(|c| c.score.is_some()).collect();
        if scored.is_empty() {
            continue;
        }
        let mask = scored.iter().fold(0u8, |mask, c| {
            c.components.iter().enumerate().fold(mask, |m, (i, v)| if v.is_some() { m | 1 << i } else { m })
        });
        if !flat.masks.contains(&mask) {
            flat.masks.push(mask);
        }
        if *date < train_dates {
            flat.components.extend(scored.iter().map(|c| c.components.map(|v| v.unwrap_or(f64::NAN))));
            flat.units.push((flat.components.len(), *positive));
        }
    }
    flat
}

/// [`rescore`] over NaN-for-null components.
fn rescore_flat(components: &[f64; 4], weights: &[f64; 4]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (c, w) in components.iter().zip(weights) {
        if c.is_nan() {
            num += w * 0.0;
        } else {
            num += w * c;
            den += w;
        }
    }
    (den != 0.0).then(|| 100.0 * num / den)
}

/// The best weight vector for `units` by training AUC (see SPEC.md 7 for the tie-breaks), with
/// its predictors; `None` when every vector leaves some unit without a score.
fn best_weights(
    panel: &Panel,
    units: &Units,
    train_dates: usize,
    lower: bool,
    configured: [f64; 4],
    steps: u32,
) -> Option<([f64; 4], Vec<Option<f64>>)> {
    let total: f64 = configured.iter().sum();
    let target: [f64; 4] = std::array::from_fn(|i| configured[i] / total);
    let vectors = grid(steps);
    let sign = if lower { -1 } else { 1 };
    let flat = flatten(panel, units, train_dates);
    // Each vector's (training AUC, distance, weights).
    let judge = |counts: &[u32; 4], packed: &mut Vec<u64>, scratch: &mut Vec<u64>| {
        let weights: [f64; 4] = std::array::from_fn(|i| f64::from(counts[i]) / f64::from(steps));
        let used = (0..4).fold(0u8, |m, i| if counts[i] > 0 { m | 1 << i } else { m });
        if flat.masks.iter().any(|mask| mask & used == 0) {
            return None;
        }
        packed.clear();
        let mut start = 0;
        for &(end, positive) in &flat.units {
            let (mut sum, mut n) = (0.0, 0u32);
            for c in &flat.components[start..end] {
                if let Some(v) = rescore_flat(c, &weights) {
                    sum += v;
                    n += 1;
                }
            }
            start = end;
            if n > 0 {
                packed.push(pack(sign * key(sum / f64::from(n)), positive));
            }
        }
        let distance: f64 = weights.iter().zip(&target).map(|(w, t)| (w - t).abs()).sum();
        Some((auc_packed(packed, scratch).map(round9), round9(distance), weights))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = vectors.len().div_ceil(threads).max(1);
    let judged: Vec<(Option<f64>, f64, [f64; 4])> = std::thread::scope(|scope| {
        let handles: Vec<_> = vectors
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let (mut packed, mut scratch) = (Vec::new(), Vec::new());
                    part.iter().filter_map(|v| judge(v, &mut packed, &mut scratch)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    // Highest training AUC (null lowest), then the smallest distance, then larger nps, usage,
    // engagement weights.
    let better = |a: &(Option<f64>, f64, [f64; 4]), b: &(Option<f64>, f64, [f64; 4])| {
        let auc = |x: Option<f64>| x.unwrap_or(f64::NEG_INFINITY);
        auc(a.0)
            .total_cmp(&auc(b.0))
            .then(b.1.total_cmp(&a.1))
            .then(a.2[0].total_cmp(&b.2[0]))
            .then(a.2[1].total_cmp(&b.2[1]))
            .then(a.2[2].total_cmp(&b.2[2]))
    };
    let best = judged.into_iter().max_by(better)?;
    let weights = best.2;
    let predictor = units
        .each()
        .map(|members| {
            let scored: Vec<usize> =
                members.iter().copied().filter(|m| panel.contact(*m).score.is_some()).collect();
            unit_value(&scored, |m| rescore(&panel.contact(m).components, &weights))
        })
        .collect();
    Some((weights, predictor))
}

/// The tier of a unit's score (rounded to 6 decimals) with the configured thresholds.
fn tier_of(score: f64, tiers: &Tiers) -> usize {
    let s = key(score) as f64 / 1e6;
    if s >= tiers.champion {
        0
    } else if s >= tiers.advocate {
        1
    } else if s >= tiers.neutral {
        2
    } else {
        3
    }
}

/// The three backtest tables.
pub fn backtest(
    tables: &Tables,
    calendar: &Calendar,
    s: &Settings,
    minutes: Option<&Minutes>,
    scores: &Scores,
    slices: &Slices,
) -> PolarsResult<[DataFrame; 3]> {
    let panel = panel(tables, calendar, s, minutes, scores, slices)?;
    let n = panel.dates.len();
    let train_dates = n.div_ceil(2);
    let steps = (1.0 / s.backtest.weight_step).round() as u32;
    let configured = configured(&s.health);
    let total: f64 = configured.iter().sum();

    let mut snapshots = SnapshotRows::default();
    let mut models = ModelRows::default();
    let mut tiers = TierRows::default();
    for (o, outcome) in OUTCOMES.iter().enumerate() {
        let units = &panel.outcomes[o];
        let lower = *outcome == "churn";
        let score: Vec<Option<f64>> =
            units.each().map(|m| unit_value(m, |i| panel.contact(i).score)).collect();

        for (k, date) in panel.dates.iter().enumerate() {
            let mut pairs: Vec<(i64, bool)> = Vec::new();
            let (mut count, mut positives) = (0i64, 0i64);
            for ((unit_date, positive), x) in units.unit.iter().zip(&score) {
                if *unit_date != k {
                    continue;
                }
                count += 1;
                positives += i64::from(*positive);
                if let Some(x) = x {
                    pairs.push((if lower { -key(*x) } else { key(*x) }, *positive));
                }
            }
            snapshots.push(outcome, *date, count, positives, auc(&pairs));
        }

        let scaled: [f64; 4] = std::array::from_fn(|i| configured[i] / total);
        let score_fit = fit(units, &score, train_dates, lower);
        let overall = (score_fit.units > 0).then(|| score_fit.positives as f64 / score_fit.units as f64);
        models.push(outcome, "score", &score_fit, scaled);
        for (c, component) in COMPONENTS.iter().enumerate() {
            let values: Vec<Option<f64>> =
                units.each().map(|m| unit_value(m, |i| panel.contact(i).components[c])).collect();
            let alone: [f64; 4] = std::array::from_fn(|i| if i == c { 1.0 } else { 0.0 });
            models.push(outcome, component.as_str(), &fit(units, &values, train_dates, lower), alone);
        }
        if *outcome == s.backtest.optimize {
            match best_weights(&panel, units, train_dates, lower, configured, steps) {
                Some((weights, predictor)) => {
                    models.push(outcome, "best_weights", &fit(units, &predictor, train_dates, lower), weights)
                }
                None => models.push(
                    outcome,
                    "best_weights",
                    &Fit { units: 0, positives: 0, auc: None, train: None, test: None },
                    [f64::NAN; 4],
                ),
            }
        }

        let mut per_tier = [(0i64, 0i64); 4];
        for ((_, positive), x) in units.unit.iter().zip(&score) {
            if let Some(x) = x {
                let t = tier_of(*x, &s.health.tiers);
                per_tier[t].0 += 1;
                per_tier[t].1 += i64::from(*positive);
            }
        }
        for (t, tier) in Tier::ALL.iter().enumerate() {
            let (count, positives) = per_tier[t];
            let rate = (count > 0).then(|| positives as f64 / count as f64);
            let lift = match (rate, overall) {
                (Some(r), Some(o)) if o != 0.0 => Some(r / o - 1.0),
                _ => None,
            };
            tiers.push(outcome, tier.as_str(), count, positives, rate, lift);
        }
    }
    Ok([snapshots.frame()?, models.frame()?, tiers.frame()?])
}

#[derive(Default)]
struct SnapshotRows {
    outcome: Vec<&'static str>,
    snapshot: Vec<NaiveDate>,
    units: Vec<i64>,
    positives: Vec<i64>,
    rate: Vec<Option<f64>>,
    auc: Vec<Option<f64>>,
}

impl SnapshotRows {
    fn push(&mut self, outcome: &'static str, date: NaiveDate, units: i64, positives: i64, auc: Option<f64>) {
        self.outcome.push(outcome);
        self.snapshot.push(date);
        self.units.push(units);
        self.positives.push(positives);
        self.rate.push((units > 0).then(|| positives as f64 / units as f64));
        self.auc.push(auc);
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(vec![
            Column::new("outcome".into(), self.outcome),
            Column::new("snapshot".into(), self.snapshot),
            Column::new("units".into(), self.units),
            Column::new("positives".into(), self.positives),
            Column::new("rate".into(), self.rate),
            Column::new("auc".into(), self.auc),
        ])
    }
}

#[derive(Default)]
struct ModelRows {
    outcome: Vec<&'static str>,
    model: Vec<&'static str>,
    units: Vec<i64>,
    positives: Vec<i64>,
    auc: Vec<Option<f64>>,
    train: Vec<Option<f64>>,
    test: Vec<Option<f64>>,
    weights: [Vec<Option<f64>>; 4],
}

impl ModelRows {
    fn push(&mut self, outcome: &'static str, model: &'static str, fit: &Fit, weights: [f64; 4]) {
        self.outcome.push(outcome);
        self.model.push(model);
        self.units.push(fit.units);
        self.positives.push(fit.positives);
        self.auc.push(fit.auc);
        self.train.push(fit.train);
        self.test.push(fit.test);
        for (column, w) in self.weights.iter_mut().zip(weights) {
            column.push(w.is_finite().then_some(w));
        }
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        let [nps, usage, engagement, advocacy] = self.weights;
        DataFrame::new_infer_height(vec![
            Column::new("outcome".into(), self.outcome),
            Column::new("model".into(), self.model),
            Column::new("units".into(), self.units),
            Column::new("positives".into(), self.positives),
            Column::new("auc".into(), self.auc),
            Column::new("auc_train".into(), self.train),
            Column::new("auc_test".into(), self.test),
            Column::new("w_nps".into(), nps),
            Column::new("w_usage".into(), usage),
            Column::new("w_engagement".into(), engagement),
            Column::new("w_advocacy".into(), advocacy),
        ])
    }
}

#[derive(Default)]
struct TierRows {
    outcome: Vec<&'static str>,
    tier: Vec<&'static str>,
    units: Vec<i64>,
    positives: Vec<i64>,
    rate: Vec<Option<f64>>,
    lift: Vec<Option<f64>>,
}

impl TierRows {
    fn push(
        &mut self,
        outcome: &'static str,
        tier: &'static str,
        units: i64,
        positives: i64,
        rate: Option<f64>,
        lift: Option<f64>,
    ) {
        self.outcome.push(outcome);
        self.tier.push(tier);
        self.units.push(units);
        self.positives.push(positives);
        self.rate.push(rate);
        self.lift.push(lift);
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(vec![
            Column::new("outcome".into(), self.outcome),
            Column::new("tier".into(), self.tier),
            Column::new("units".into(), self.units),
            Column::new("positives".into(), self.positives),
            Column::new("rate".into(), self.rate),
            Column::new("lift".into(), self.lift),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AUC by definition: every (positive, negative) pair, ties one half.
    fn brute_force(units: &[(i64, bool)]) -> Option<f64> {
        let (mut wins, mut pairs) = (0.0, 0.0);
        for p in units.iter().filter(|u| u.1) {
            for n in units.iter().filter(|u| !u.1) {
                pairs += 1.0;
                wins += if p.0 > n.0 {
                    1.0
                } else if p.0 == n.0 {
                    0.5
                } else {
                    0.0
                };
            }
        }
        (pairs > 0.0).then(|| wins / pairs)
    }

    #[test]
    fn the_sorted_auc_agrees_with_every_pair_on_generated_data() {
        // A small linear congruential generator: many ties (keys 0..20), any balance.
        let mut state = 12345u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        for case in 0..300 {
            let n = 1 + (next() % 60) as usize;
            let units: Vec<(i64, bool)> =
                (0..n).map(|_| ((next() % 20) as i64 - 10, next() % (2 + case % 5) == 0)).collect();
            let sorted = units.clone();
            let (fast, slow) = (auc(&sorted), brute_force(&units));
            match (fast, slow) {
                (None, None) => {}
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "case {case}: {a} != {b}"),
                other => panic!("case {case}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_radix_sorted_auc_agrees_with_the_comparison_sort() {
        let mut state = 99u64;
        let mut next = move || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state >> 33
        };
        for case in 0..200 {
            let n = 1 + (next() % 500) as usize;
            // Keys of every magnitude a score can have, negative ones included (churn).
            let units: Vec<(i64, bool)> =
                (0..n).map(|_| ((next() % 200_000_001) as i64 - 100_000_000, next() % 3 == 0)).collect();
            let mut packed: Vec<u64> = units.iter().map(|(k, p)| pack(*k, *p)).collect();
            let expected = brute_force(&units);
            let got = auc_packed(&mut packed, &mut Vec::new());
            assert!(
                match (got, expected) {
                    (Some(a), Some(b)) => (a - b).abs() < 1e-12,
                    (a, b) => a == b,
                },
                "case {case}"
            );
        }
    }

    #[test]
    fn ties_count_one_half() {
        // One positive tied with three negatives, above a fourth: (1 + 3 * 0.5) / 4.
        let units = [(5, true), (5, false), (5, false), (5, false), (1, false)];
        assert_eq!(auc(&units), Some(2.5 / 4.0));
        assert_eq!(auc(&[(1, false), (2, false)]), None, "no positives");
    }

    #[test]
    fn the_grid_holds_every_vector_summing_to_one() {
        let vectors = grid(10);
        assert_eq!(vectors.len(), 286, "C(13, 3)");
        assert!(vectors.iter().all(|v| v.iter().sum::<u32>() == 10));
    }

    #[test]
    fn snapshot_dates_end_h_days_before_d() {
        let calendar = Calendar::new(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
        let dates = snapshot_dates(&calendar, &BacktestSettings::default());
        // 2026-10-31 - 180 days = 2026-05-04: the last month-end on or before it is 04-30.
        assert_eq!(dates.first(), NaiveDate::from_ymd_opt(2025, 5, 31).as_ref());
        assert_eq!(dates.last(), NaiveDate::from_ymd_opt(2026, 4, 30).as_ref());
        assert_eq!(dates.len(), 12);
    }
}
