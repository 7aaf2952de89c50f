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
/// positives or negatives. Sorts `units` in place.
pub fn auc(units: &mut [(i64, bool)]) -> Option<f64> {
    let positives = units.iter().filter(|u| u.1).count() as u64;
    let negatives = units.len() as u64 - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    units.sort_unstable_by_key(|u| u.0);
    // Twice the Mann-Whitney U: each positive counts 2 per negative below it and 1 per
    // negative tied with it, so the sum stays an integer.
    let (mut twice_u, mut below, mut i) = (0u128, 0u64, 0);
    while i < units.len() {
        let mut j = i;
        let (mut pos, mut neg) = (0u64, 0u64);
        while j < units.len() && units[j].0 == units[i].0 {
            if units[j].1 {
                pos += 1;
            } else {
                neg += 1;
            }
            j += 1;
        }
        twice_u += u128::from(pos) * u128::from(2 * below + neg);
        below += neg;
        i = j;
    }
    Some(twice_u as f64 / (2.0 * positives as f64 * negatives as f64))
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
    /// Per unit, the contacts it averages (one for advocacy).
    members: Vec<Vec<usize>>,
}

/// Every scored contact, and the units of each outcome.
struct Panel {
    dates: Vec<NaiveDate>,
    contacts: Vec<Contact>,
    outcomes: [Units; 3],
}

fn panel(
    tables: &Tables,
    calendar: &Calendar,
    s: &Settings,
    minutes: Option<&Minutes>,
    scores: &Scores,
) -> PolarsResult<Panel> {
    let b = &s.backtest;
    let dates = snapshot_dates(calendar, b);
    scores.ensure(tables, &dates, &s.health, minutes)?;
    let h = i32::try_from(b.horizon_days).unwrap_or(i32::MAX);
    let d = epoch_days(calendar.as_of);

    // Days of the events each outcome looks for, per contact or account.
    let activities = &tables.activities;
    let status = activities.column("status")?.str()?;
    let completed_on = activities.column("completed_on")?.cast(&DataType::Int32)?;
    let completed_on = completed_on.i32()?;
    let mut completions: HashMap<&str, Vec<i32>> = HashMap::new();
    for ((contact, st), day) in
        activities.column("contact_id")?.str()?.iter().zip(status.iter()).zip(completed_on.iter())
    {
        if let (Some(contact), Some(st), Some(day)) = (contact, st, day) {
            if st == Status::Completed.as_str() && day <= d {
                completions.entry(contact).or_default().push(day);
            }
        }
    }
    let churned: HashMap<&str, i32> = {
        let ids = tables.accounts.column("account_id")?.str()?;
        let churn = tables.accounts.column("churned_on")?.cast(&DataType::Int32)?;
        ids.iter().zip(churn.i32()?.iter()).filter_map(|(id, day)| Some((id?, day?))).collect()
    };
    let mut expansions: HashMap<&str, Vec<i32>> = HashMap::new();
    {
        let o = &tables.opportunities;
        let (ids, kinds, stages) =
            (o.column("account_id")?.str()?, o.column("opportunity_type")?.str()?, o.column("stage")?.str()?);
        let closed = o.column("closed_on")?.cast(&DataType::Int32)?;
        for (((id, kind), stage), day) in
            ids.iter().zip(kinds.iter()).zip(stages.iter()).zip(closed.i32()?.iter())
        {
            if let (Some(id), Some(kind), Some(stage), Some(day)) = (id, kind, stage, day) {
                let won_expansion =
                    kind == OpportunityType::Expansion.as_str() && stage == Stage::Won.as_str() && day <= d;
                if won_expansion {
                    expansions.entry(id).or_default().push(day);
                }
            }
        }
    }
    let within =
        |days: Option<&Vec<i32>>, t: i32| days.is_some_and(|v| v.iter().any(|x| t < *x && *x <= t + h));

    let mut contacts = Vec::new();
    let mut outcomes: [Units; 3] = std::array::from_fn(|_| Units { unit: Vec::new(), members: Vec::new() });
    for (k, date) in dates.iter().enumerate() {
        let t = epoch_days(*date);
        let frame = scores.on(tables, *date, &s.health, minutes)?;
        let ids = frame.column("contact_id")?.str()?.clone();
        let accounts = frame.column("account_id")?.str()?.clone();
        let component = |c: &str| -> PolarsResult<Float64Chunked> {
            Ok(frame.column(&format!("{c}_component"))?.cast(&DataType::Float64)?.f64()?.clone())
        };
        let columns: Vec<Float64Chunked> =
            COMPONENTS.iter().map(|c| component(c.as_str())).collect::<PolarsResult<_>>()?;
        let score = frame.column("score")?.f64()?.clone();
        let mut by_account: Vec<(&str, Vec<usize>)> = Vec::new();
        let mut account_at: HashMap<&str, usize> = HashMap::new();
        for i in 0..frame.height() {
            let index = contacts.len();
            contacts.push(Contact {
                components: std::array::from_fn(|c| columns[c].get(i)),
                score: score.get(i),
            });
            let id = ids.get(i).unwrap_or_default();
            outcomes[0].unit.push((k, within(completions.get(id), t)));
            outcomes[0].members.push(vec![index]);
            let account = accounts.get(i).unwrap_or_default();
            let slot = *account_at.entry(account).or_insert_with(|| {
                by_account.push((account, Vec::new()));
                by_account.len() - 1
            });
            by_account[slot].1.push(index);
        }
        // Accounts in the order of their first contact (contacts are sorted by id): any order
        // gives the same AUC, this one is deterministic.
        for (account, members) in by_account {
            let churns = churned.get(account).is_some_and(|day| t < *day && *day <= t + h);
            outcomes[1].unit.push((k, churns));
            outcomes[1].members.push(members.clone());
            outcomes[2].unit.push((k, within(expansions.get(account), t)));
            outcomes[2].members.push(members);
        }
    }
    Ok(Panel { dates, contacts, outcomes })
}

/// What a model predicts for one unit: the mean of its members' non-null values (a contact's
/// own value for advocacy), null when none.
fn unit_value(members: &[usize], value: impl Fn(usize) -> Option<f64>) -> Option<f64> {
    let values: Vec<f64> = members.iter().filter_map(|m| value(*m)).collect();
    (!values.is_empty()).then(|| fsum(values.iter().copied()) / values.len() as f64)
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
    Fit {
        units: all.len() as i64,
        positives,
        auc: auc(&mut all),
        train: auc(&mut train),
        test: auc(&mut test),
    }
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
    // Each vector's (training AUC, distance, weights), judged on the units of the score model.
    let judge = |counts: &[u32; 4]| -> Option<(Option<f64>, f64, [f64; 4])> {
        let weights: [f64; 4] = std::array::from_fn(|i| f64::from(counts[i]) / f64::from(steps));
        let mut train = Vec::new();
        let mut values = Vec::new();
        for ((date, positive), members) in units.unit.iter().zip(&units.members) {
            // The unit's contacts that the score model scores, re-scored.
            values.clear();
            let mut scored = false;
            for m in members {
                let contact = &panel.contacts[*m];
                if contact.score.is_some() {
                    scored = true;
                    values.extend(rescore(&contact.components, &weights));
                }
            }
            if !scored {
                continue;
            }
            // A vector that leaves a unit of the score model without a score is skipped.
            if values.is_empty() {
                return None;
            }
            if *date < train_dates {
                let x = fsum(values.iter().copied()) / values.len() as f64;
                train.push((sign * key(x), *positive));
            }
        }
        let distance: f64 = weights.iter().zip(&target).map(|(w, t)| (w - t).abs()).sum();
        Some((auc(&mut train).map(round9), round9(distance), weights))
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = vectors.len().div_ceil(threads);
    let judged: Vec<(Option<f64>, f64, [f64; 4])> = std::thread::scope(|scope| {
        let handles: Vec<_> = vectors
            .chunks(chunk.max(1))
            .map(|part| scope.spawn(move || part.iter().filter_map(judge).collect::<Vec<_>>()))
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
        .members
        .iter()
        .map(|members| {
            unit_value(members, |m| {
                let c = &panel.contacts[m];
                c.score.and_then(|_| rescore(&c.components, &weights))
            })
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
) -> PolarsResult<[DataFrame; 3]> {
    let panel = panel(tables, calendar, s, minutes, scores)?;
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
            units.members.iter().map(|m| unit_value(m, |i| panel.contacts[i].score)).collect();

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
            snapshots.push(outcome, *date, count, positives, auc(&mut pairs));
        }

        let scaled: [f64; 4] = std::array::from_fn(|i| configured[i] / total);
        let score_fit = fit(units, &score, train_dates, lower);
        let overall = (score_fit.units > 0).then(|| score_fit.positives as f64 / score_fit.units as f64);
        models.push(outcome, "score", &score_fit, scaled);
        for (c, component) in COMPONENTS.iter().enumerate() {
            let values: Vec<Option<f64>> =
                units.members.iter().map(|m| unit_value(m, |i| panel.contacts[i].components[c])).collect();
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
            let mut sorted = units.clone();
            let (fast, slow) = (auc(&mut sorted), brute_force(&units));
            match (fast, slow) {
                (None, None) => {}
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "case {case}: {a} != {b}"),
                other => panic!("case {case}: {other:?}"),
            }
        }
    }

    #[test]
    fn ties_count_one_half() {
        // One positive tied with three negatives, above a fourth: (1 + 3 * 0.5) / 4.
        let mut units = [(5, true), (5, false), (5, false), (5, false), (1, false)];
        assert_eq!(auc(&mut units), Some(2.5 / 4.0));
        assert_eq!(auc(&mut [(1, false), (2, false)]), None, "no positives");
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
