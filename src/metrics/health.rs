//! Advocate health score, `contact_health` (SPEC.md 3.1).
//!
//! Population: contacts active on D at accounts that are active customers on D. Components,
//! each in [0, 1] or null:
//! - `nps_component` = latest NPS score in the last 365 days / 10 (same-day ties: the higher
//!   score); null when there is none;
//! - `usage_component` = min(1, active minutes in the last 30 days / 300); 0 without usage
//!   rows, null when no usage input is configured;
//! - `engagement_component` = min(1, distinct webinars attended in the last 180 days / 2);
//!   null when no webinar input is configured;
//! - `advocacy_component` = min(1, activities completed in the last 365 days / 2).
//!
//! `score = 100 * sum(w_i * c_i) / sum(w_i)` over the non-null components (null if those
//! weights sum to 0), `<c>_points = 100 * w_c * c / sum(w)` (0 when the component is null), so
//! the points add up to the score. Everything is computed again as of D_prev (the day before
//! the period) for `score_prev`, the `_prev` components and the `_delta_points`, which add up
//! to `score_delta`. `fatigued`: at least 3 asks (activities by `requested_on`, any status) in
//! the last 90 days.

use chrono::NaiveDate;
use polars::prelude::*;

use super::exprs::{completed_by, contact_active_on, customer_on, divide_by, for_threshold, ratio, within};
use super::usage::Minutes;
use crate::calendar::{Calendar, Window};
use crate::config::{HealthSettings, Tiers};
use crate::ingest::Tables;
use crate::vocab::{Component, Tier};

/// The four components, in the spec's order.
pub const COMPONENTS: &[Component] = Component::ALL;

fn weight(settings: &HealthSettings, component: Component) -> f64 {
    let w = &settings.weights;
    match component {
        Component::Nps => w.nps,
        Component::Usage => w.usage,
        Component::Engagement => w.engagement,
        Component::Advocacy => w.advocacy,
    }
}

/// Contacts active on `d` at accounts that are active customers on `d`, with the account's
/// current CSM.
pub fn population(tables: &Tables, d: NaiveDate) -> LazyFrame {
    let accounts =
        tables.accounts.clone().lazy().filter(customer_on(d)).select([col("account_id"), col("csm_id")]);
    tables
        .contacts
        .clone()
        .lazy()
        .filter(contact_active_on(d))
        .select([col("contact_id"), col("account_id")])
        .join(accounts, [col("account_id")], [col("account_id")], JoinArgs::new(JoinType::Inner))
}

/// Each contact's latest NPS score with `responded_on` in `window` (same-day ties: the
/// higher score), as `score`.
pub fn latest_nps(nps: &DataFrame, window: Window) -> LazyFrame {
    nps.clone().lazy().filter(within(col("responded_on"), window)).group_by([col("contact_id")]).agg([col(
        "score",
    )
    .sort_by([col("responded_on"), col("score")], SortMultipleOptions::default())
    .last()
    .alias("score")])
}

/// Distinct webinars attended per contact with `held_on` in `window`.
pub fn webinars_attended(webinars: &DataFrame, window: Window) -> LazyFrame {
    webinars
        .clone()
        .lazy()
        .filter(col("attended").and(within(col("held_on"), window)))
        .group_by([col("contact_id")])
        .agg([col("webinar_id").n_unique().alias("webinars")])
}

/// The four components, score, points and tier of every contact in the population on `d`.
fn score_on(
    tables: &Tables,
    d: NaiveDate,
    s: &HealthSettings,
    minutes: Option<&Minutes>,
) -> PolarsResult<LazyFrame> {
    let left = || JoinArgs::new(JoinType::Left);
    let key = || [col("contact_id")];
    let capped = |value: Expr, target: f64| divide_by(value, target).clip_max(lit(1.0));
    let mut frame = population(tables, d);

    let nps_component = match &tables.nps {
        Some(nps) => {
            let latest = latest_nps(nps, Window::last_days(d, s.nps_window_days));
            frame = frame.join(latest, key(), key(), left());
            divide_by(col("score"), 10.0)
        }
        None => lit(NULL).cast(DataType::Float64),
    };
    let usage_component = match minutes {
        Some(minutes) => {
            frame = frame.join(minutes.over(Window::last_days(d, s.usage_window_days)), key(), key(), left());
            capped(col("minutes").fill_null(lit(0.0)), s.usage_target_minutes)
        }
        None => lit(NULL).cast(DataType::Float64),
    };
    let engagement_component = match &tables.webinars {
        Some(webinars) => {
            let attended = webinars_attended(webinars, Window::last_days(d, s.webinar_window_days));
            frame = frame.join(attended, key(), key(), left());
            capped(col("webinars").fill_null(lit(0)), s.webinar_target)
        }
        None => lit(NULL).cast(DataType::Float64),
    };
    let completed = tables
        .activities
        .clone()
        .lazy()
        .filter(
            completed_by(d).and(within(col("completed_on"), Window::last_days(d, s.advocacy_window_days))),
        )
        .group_by(key())
        .agg([len().alias("completed")]);
    frame = frame.join(completed, key(), key(), left());
    let advocacy_component = capped(col("completed").fill_null(lit(0)), s.advocacy_target);

    let frame = frame.select([
        col("contact_id"),
        col("account_id"),
        col("csm_id"),
        nps_component.alias("nps_component"),
        usage_component.alias("usage_component"),
        engagement_component.alias("engagement_component"),
        advocacy_component.alias("advocacy_component"),
    ]);

    // Weights renormalise over the components that are not null.
    let weight_sum = COMPONENTS
        .iter()
        .map(|c| lit(weight(s, *c)) * col(format!("{c}_component")).is_not_null().cast(DataType::Float64))
        .reduce(|a, b| a + b)
        .expect("four components");
    let weighted_sum = COMPONENTS
        .iter()
        .map(|c| lit(weight(s, *c)) * col(format!("{c}_component")).fill_null(lit(0.0)))
        .reduce(|a, b| a + b)
        .expect("four components");
    let mut scored = vec![
        col("*"),
        weight_sum.clone().alias("weight_sum"),
        ratio(lit(100.0) * weighted_sum, weight_sum.clone()).alias("score"),
    ];
    for c in COMPONENTS {
        let component = col(format!("{c}_component"));
        let points = ratio(lit(100.0) * (lit(weight(s, *c)) * component.clone()), weight_sum.clone());
        scored.push(
            when(component.is_null())
                .then(lit(0.0))
                .otherwise(points.fill_null(lit(0.0)))
                .alias(format!("{c}_points")),
        );
    }
    Ok(frame.select(scored).with_column(tier(col("score"), &s.tiers).alias("tier")))
}

/// `champion` >= 80, `advocate` >= 60, `neutral` >= 40, else `at_risk`, on the score rounded
/// to 6 decimals.
pub fn tier(score: Expr, tiers: &Tiers) -> Expr {
    let s = for_threshold(score.clone());
    when(score.is_null())
        .then(lit(NULL).cast(DataType::String))
        .when(s.clone().gt_eq(lit(tiers.champion)))
        .then(Tier::Champion.lit())
        .when(s.clone().gt_eq(lit(tiers.advocate)))
        .then(Tier::Advocate.lit())
        .when(s.gt_eq(lit(tiers.neutral)))
        .then(Tier::Neutral.lit())
        .otherwise(Tier::AtRisk.lit())
}

/// Scores as of many dates, each computed once: `contact_health` reads D and D_prev,
/// `health_monthly` every program month-end (D_prev among them), and a backfill the same
/// dates again for every month it writes. A date's scores depend only on the inputs and the
/// settings, so one cache serves every as-of date of a process.
#[derive(Default)]
pub struct Scores {
    by_date: std::sync::Mutex<std::collections::BTreeMap<NaiveDate, DataFrame>>,
}

impl Scores {
    /// Computes, in one parallel batch, the scores of every date not cached yet.
    pub fn ensure(
        &self,
        tables: &Tables,
        dates: &[NaiveDate],
        s: &HealthSettings,
        minutes: Option<&Minutes>,
    ) -> PolarsResult<()> {
        let mut missing: Vec<NaiveDate> = {
            let cached = self.lock();
            dates.iter().copied().filter(|d| !cached.contains_key(d)).collect()
        };
        missing.sort();
        missing.dedup();
        let plans = missing
            .iter()
            .map(|d| {
                // Sorted, so that sums over a date's scores add in one order on every run.
                let scored = with_fatigue(score_on(tables, *d, s, minutes)?, tables, *d, s);
                Ok(scored.sort(["contact_id"], SortMultipleOptions::default()))
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        let frames = super::exprs::collect_all(plans)?;
        let mut cached = self.lock();
        for (d, frame) in missing.into_iter().zip(frames) {
            cached.insert(d, frame);
        }
        Ok(())
    }

    /// The scores as of `d`: every contact of the population on `d`, with its components,
    /// `score`, points, `tier` and `fatigued`.
    pub fn on(
        &self,
        tables: &Tables,
        d: NaiveDate,
        s: &HealthSettings,
        minutes: Option<&Minutes>,
    ) -> PolarsResult<DataFrame> {
        self.ensure(tables, &[d], s, minutes)?;
        Ok(self.lock().get(&d).cloned().expect("ensured above"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeMap<NaiveDate, DataFrame>> {
        // A panic while the lock was held leaves complete entries only.
        self.by_date.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Adds `fatigued` as of `d`: at least `fatigue_max_asks` activities (any status) with
/// `requested_on` in the last `fatigue_window_days` days.
fn with_fatigue(frame: LazyFrame, tables: &Tables, d: NaiveDate, s: &HealthSettings) -> LazyFrame {
    let asks = tables
        .activities
        .clone()
        .lazy()
        .filter(within(col("requested_on"), Window::last_days(d, s.fatigue_window_days)))
        .group_by([col("contact_id")])
        .agg([len().alias("asks")]);
    frame
        .join(asks, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
        .with_column(col("asks").fill_null(lit(0)).gt_eq(lit(s.fatigue_max_asks)).alias("fatigued"))
        .drop(cols(["asks"]))
}

/// The `contact_health` table, sorted by `contact_id`.
pub fn contact_health(
    tables: &Tables,
    calendar: &Calendar,
    s: &HealthSettings,
    minutes: Option<&Minutes>,
    scores: &Scores,
) -> PolarsResult<DataFrame> {
    scores.ensure(tables, &[calendar.as_of, calendar.prev_as_of()], s, minutes)?;
    let now = scores.on(tables, calendar.as_of, s, minutes)?.lazy();
    let mut prev_columns =
        vec![col("contact_id"), col("score").alias("score_prev"), col("tier").alias("tier_prev")];
    for c in COMPONENTS {
        prev_columns.push(col(format!("{c}_component")).alias(format!("{c}_component_prev")));
        prev_columns.push(col(format!("{c}_points")).alias(format!("{c}_points_prev")));
    }
    let prev = scores.on(tables, calendar.prev_as_of(), s, minutes)?.lazy().select(prev_columns);

    let mut columns = vec![
        col("contact_id"),
        col("account_id"),
        col("csm_id"),
        col("nps_component"),
        col("usage_component"),
        col("engagement_component"),
        col("advocacy_component"),
        col("score"),
        col("tier"),
        col("fatigued"),
        col("score_prev"),
        (col("score") - col("score_prev")).alias("score_delta"),
        col("tier_prev"),
    ];
    columns.extend(COMPONENTS.iter().map(|c| col(format!("{c}_component_prev"))));
    columns.extend(COMPONENTS.iter().map(|c| col(format!("{c}_points"))));
    columns.extend(COMPONENTS.iter().map(|c| {
        (col(format!("{c}_points")) - col(format!("{c}_points_prev"))).alias(format!("{c}_delta_points"))
    }));
    // Names for the reports, after the spec's columns.
    columns.extend([col("full_name"), col("account_name")]);
    let names = tables.contacts.clone().lazy().select([col("contact_id"), col("full_name")]);
    let accounts = tables.accounts.clone().lazy().select([col("account_id"), col("account_name")]);
    now.join(prev, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
        .join(names, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
        .join(accounts, [col("account_id")], [col("account_id")], JoinArgs::new(JoinType::Left))
        .select(columns)
        .sort(["contact_id"], SortMultipleOptions::default())
        .collect()
}
