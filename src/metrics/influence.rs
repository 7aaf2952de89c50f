//! Advocate-influenced revenue: `influenced_opportunities`, `influence_summary`,
//! `influence_by_activity_type` (SPEC.md 3.3).
//!
//! In scope: opportunities of the types in `influence.types` (default new business and
//! expansion). A touch is a completed activity linked to the opportunity with
//! `created_on <= completed_on <= closed_on` (open deals: `<= D`); a completed activity linked
//! to an in-scope deal outside that range is the finding `touch_outside_deal`, not a touch.
//! A deal is a `referral` when `referrer_contact_id` is set or `lower(trim(lead_source))` is a
//! referral source, and `influenced` when it has a touch or is a referral.
//!
//! Attribution of a won influenced deal's amount over its touches: even split
//! (`amount / touches` per touch), first touch (smallest `completed_on`, then smallest
//! `activity_id`), last touch (largest `completed_on`, then largest `activity_id`). Each model
//! credits exactly the won amount of influenced deals with touches.

use polars::prelude::*;

use super::exprs::{completed_by, date, days_between, order, ratio, stage_as_of, within};
use crate::calendar::{Calendar, Window};
use crate::config::Settings;
use crate::ingest::Tables;
use crate::vocab::exact;
use crate::vocab::Stage;

/// In-scope deals as of D and their touches: what every influence output is built from.
pub struct Influence {
    /// One row per in-scope opportunity: the snapshot's columns with `stage` as of D,
    /// `closed_on` only when closed by D, `cycle_days`, `touches`, `referral`, `influenced`,
    /// `first_touch_type`, `last_touch_type`.
    pub deals: DataFrame,
    /// One row per touch: `activity_id`, `opportunity_id`, `contact_id`, `activity_type`,
    /// `completed_on`, and the deal's `touches` and `amount`.
    pub touches: DataFrame,
    /// Completed activities linked to in-scope deals outside the deal's dates.
    pub outside_deal: u64,
}

/// Whether an opportunity is a referral: a named referrer, or a referral lead source.
pub fn is_referral(lead_sources: &[String]) -> Expr {
    let sources = Series::new(
        "sources".into(),
        lead_sources.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>(),
    );
    col("referrer_contact_id").is_not_null().or(col("lead_source")
        .str()
        .to_lowercase()
        .is_in(lit(sources).implode(false), false)
        .fill_null(lit(false)))
}

pub fn analyse(tables: &Tables, calendar: &Calendar, settings: &Settings) -> PolarsResult<Influence> {
    let d = calendar.as_of;
    let types = Series::new("types".into(), settings.influence.types.clone());
    let stage = stage_as_of(d);
    let deals = tables
        .opportunities
        .clone()
        .lazy()
        .filter(col("opportunity_type").is_in(lit(types).implode(false), false))
        .with_columns([
            stage.clone().alias("stage"),
            when(stage.eq(Stage::Open.lit()))
                .then(lit(NULL).cast(DataType::Date))
                .otherwise(col("closed_on"))
                .alias("closed_on"),
        ])
        .with_column(is_referral(&settings.referral.lead_sources).alias("referral"));

    let linked = tables
        .activities
        .clone()
        .lazy()
        .filter(completed_by(d).and(col("opportunity_id").is_not_null()))
        .select([
            col("activity_id"),
            col("opportunity_id"),
            col("contact_id"),
            col("activity_type"),
            col("completed_on"),
        ])
        .join(
            deals.clone().select([col("opportunity_id"), col("created_on"), col("closed_on")]),
            [col("opportunity_id")],
            [col("opportunity_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .with_column(
            col("completed_on")
                .gt_eq(col("created_on"))
                .and(col("completed_on").lt_eq(col("closed_on").fill_null(date(d))))
                .alias("inside"),
        )
        .collect()?;
    let outside_deal = linked.column("inside")?.bool()?.iter().filter(|v| *v == Some(false)).count() as u64;
    let touches = linked.lazy().filter(col("inside")).select([
        col("activity_id"),
        col("opportunity_id"),
        col("contact_id"),
        col("activity_type"),
        col("completed_on"),
    ]);

    let per_deal = touches.clone().group_by([col("opportunity_id")]).agg([
        len().alias("touches"),
        col("activity_type")
            .sort_by([col("completed_on"), col("activity_id")], SortMultipleOptions::default())
            .first()
            .alias("first_touch_type"),
        col("activity_type")
            .sort_by([col("completed_on"), col("activity_id")], SortMultipleOptions::default())
            .last()
            .alias("last_touch_type"),
    ]);
    let deals = deals
        .join(per_deal, [col("opportunity_id")], [col("opportunity_id")], JoinArgs::new(JoinType::Left))
        .with_columns([
            col("touches").fill_null(lit(0)).cast(DataType::Int64).alias("touches"),
            days_between(col("closed_on"), col("created_on")).alias("cycle_days"),
        ])
        .with_column(col("touches").gt(lit(0)).or(col("referral")).alias("influenced"))
        .select([
            col("opportunity_id"),
            col("account_id"),
            col("opportunity_type"),
            col("stage"),
            col("amount"),
            col("created_on"),
            col("closed_on"),
            col("cycle_days"),
            col("lead_source"),
            col("referrer_contact_id"),
            col("touches"),
            col("referral"),
            col("influenced"),
            col("first_touch_type"),
            col("last_touch_type"),
        ])
        .sort(["opportunity_id"], SortMultipleOptions::default())
        .collect()?;
    let touches = touches
        .join(
            deals.clone().lazy().select([
                col("opportunity_id"),
                col("touches"),
                col("amount"),
                col("stage"),
                col("closed_on"),
            ]),
            [col("opportunity_id")],
            [col("opportunity_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .sort(["opportunity_id", "completed_on", "activity_id"], SortMultipleOptions::default())
        .collect()?;
    Ok(Influence { deals, touches, outside_deal })
}

/// In-scope deals closed (won or lost as of D) in `window`.
fn closed_in(deals: &DataFrame, window: Window) -> LazyFrame {
    deals.clone().lazy().filter(col("stage").neq(Stage::Open.lit()).and(within(col("closed_on"), window)))
}

/// `influenced_opportunities`: every in-scope deal closed in T12M, by `closed_on` then id.
pub fn influenced_opportunities(influence: &Influence, calendar: &Calendar) -> PolarsResult<DataFrame> {
    closed_in(&influence.deals, calendar.t12m())
        .sort(["closed_on", "opportunity_id"], SortMultipleOptions::default())
        .collect()
}

/// `influence_summary`: one row per window (period, previous period, T12M).
pub fn influence_summary(influence: &Influence, calendar: &Calendar) -> PolarsResult<DataFrame> {
    let windows =
        [("period", calendar.period), ("prev_period", calendar.prev_period), ("t12m", calendar.t12m())];
    let frames: Vec<LazyFrame> = windows
        .iter()
        .map(|(name, window)| {
            let won = col("stage").eq(Stage::Won.lit());
            let lost = col("stage").eq(Stage::Lost.lit());
            let infl = col("influenced");
            let count = |e: Expr| e.cast(DataType::Int64).sum();
            let amount = |e: Expr| exact::sum(when(e).then(col("amount")).otherwise(lit(0.0)));
            closed_in(&influence.deals, *window).select([
                lit(*name).alias("window"),
                date(window.start).alias("start_date"),
                date(window.end).alias("end_date"),
                count(won.clone()).alias("won"),
                amount(won.clone()).alias("won_amount"),
                count(lost.clone()).alias("lost"),
                count(won.clone().and(infl.clone())).alias("influenced_won"),
                amount(won.clone().and(infl.clone())).alias("influenced_won_amount"),
                count(lost.clone().and(infl.clone())).alias("influenced_lost"),
                count(won.clone().and(infl.clone().not())).alias("other_won"),
                count(lost.and(infl.clone().not())).alias("other_lost"),
                amount(won.clone().and(col("referral"))).alias("sourced_amount"),
                col("cycle_days")
                    .filter(won.clone().and(infl.clone()))
                    .median()
                    .alias("median_cycle_days_influenced"),
                col("cycle_days").filter(won.and(infl.not())).median().alias("median_cycle_days_other"),
            ])
        })
        .collect();
    concat(frames, UnionArgs::default())?
        .select([
            col("window"),
            col("start_date"),
            col("end_date"),
            col("won"),
            col("won_amount"),
            col("lost"),
            col("influenced_won"),
            col("influenced_won_amount"),
            // Share of won amount: 0 when nothing won was influenced, null when nothing was won.
            ratio(col("influenced_won_amount"), col("won_amount")).alias("influenced_share"),
            col("sourced_amount"),
            ratio(col("influenced_won"), col("influenced_won") + col("influenced_lost"))
                .alias("win_rate_influenced"),
            ratio(col("other_won"), col("other_won") + col("other_lost")).alias("win_rate_other"),
            col("median_cycle_days_influenced"),
            col("median_cycle_days_other"),
        ])
        .collect()
}

/// Won deals closed in T12M that have touches (influenced by definition).
fn won_with_touches(influence: &Influence, calendar: &Calendar) -> LazyFrame {
    closed_in(&influence.deals, calendar.t12m())
        .filter(col("stage").eq(Stage::Won.lit()).and(col("touches").gt(lit(0))))
}

/// The touches of [`won_with_touches`] deals with each touch's even-split `share`.
fn credited_touches(influence: &Influence, calendar: &Calendar) -> LazyFrame {
    influence
        .touches
        .clone()
        .lazy()
        .filter(col("stage").eq(Stage::Won.lit()).and(within(col("closed_on"), calendar.t12m())))
        .with_column((col("amount") / col("touches").cast(DataType::Float64)).alias("share"))
}

/// `influence_by_activity_type`: touches, deals and credited amount per activity type over
/// T12M influenced won deals with touches, under five attribution models: even split, first
/// touch, last touch, U-shaped and time decay (SPEC.md 3.3 and 9).
pub fn by_activity_type(
    influence: &Influence,
    calendar: &Calendar,
    half_life_days: f64,
) -> PolarsResult<DataFrame> {
    let credited_to = |touch: &str, name: &str| {
        won_with_touches(influence, calendar)
            .group_by([col(touch).alias("activity_type")])
            .agg([exact::sum(col("amount")).alias(name)])
    };
    let key = || [col("activity_type")];
    let mut touches = credited_touches(influence, calendar).collect()?;
    let (u_shaped, time_decay) = position_shares(&touches, half_life_days)?;
    touches.with_column(Column::new("u_share".into(), u_shaped))?;
    touches.with_column(Column::new("decay_share".into(), time_decay))?;
    // Every first or last touch type also has touches, so joining onto the even split loses
    // nothing.
    touches
        .lazy()
        .group_by(key())
        .agg([
            len().cast(DataType::Int64).alias("touches"),
            col("opportunity_id").n_unique().cast(DataType::Int64).alias("opportunities"),
            exact::sum(col("share")).alias("even_split_amount"),
            exact::sum(col("u_share")).alias("u_shaped_amount"),
            exact::sum(col("decay_share")).alias("time_decay_amount"),
        ])
        .join(
            credited_to("first_touch_type", "first_touch_amount"),
            key(),
            key(),
            JoinArgs::new(JoinType::Left),
        )
        .join(
            credited_to("last_touch_type", "last_touch_amount"),
            key(),
            key(),
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col("activity_type"),
            col("touches"),
            col("opportunities"),
            col("even_split_amount"),
            col("first_touch_amount").fill_null(lit(0.0)),
            col("last_touch_amount").fill_null(lit(0.0)),
            col("u_shaped_amount"),
            col("time_decay_amount"),
        ])
        .sort(["even_split_amount", "activity_type"], order(&[true, false]))
        .collect()
}

/// Each touch's credit under the U-shaped and the time-decay models. `touches` is sorted by
/// deal, then `completed_on`, then `activity_id` (the order of `Influence::touches`).
/// - U-shaped: one touch takes the whole amount, two take half each; with n >= 3 the first
///   and the last take 40% each and the others share 20% equally.
/// - Time decay: a touch weighs `2 ^ (-(closed_on - completed_on) / half_life_days)` and takes
///   `amount * weight / sum of the deal's weights`.
fn position_shares(touches: &DataFrame, half_life_days: f64) -> PolarsResult<(Vec<f64>, Vec<f64>)> {
    let deals = touches.column("opportunity_id")?.str()?;
    let amounts = touches.column("amount")?.f64()?;
    let days = touches.column("completed_on")?.cast(&DataType::Int32)?;
    let closes = touches.column("closed_on")?.cast(&DataType::Int32)?;
    let (days, closes) = (days.i32()?, closes.i32()?);
    let n = touches.height();
    let (mut u_shaped, mut decay) = (vec![0.0; n], vec![0.0; n]);
    let mut start = 0;
    while start < n {
        let deal = deals.get(start);
        let end = (start..n).find(|&i| deals.get(i) != deal).unwrap_or(n);
        let (count, amount) = (end - start, amounts.get(start).unwrap_or(0.0));
        for (k, share) in u_shaped[start..end].iter_mut().enumerate() {
            *share = amount
                * match count {
                    1 => 1.0,
                    2 => 0.5,
                    _ if k == 0 || k == count - 1 => 0.4,
                    _ => 0.2 / (count - 2) as f64,
                };
        }
        let weights: Vec<f64> = (start..end)
            .map(|i| {
                let before = f64::from(closes.get(i).unwrap_or(0) - days.get(i).unwrap_or(0));
                (-before / half_life_days).exp2()
            })
            .collect();
        let total: f64 = weights.iter().sum();
        for (share, weight) in decay[start..end].iter_mut().zip(&weights) {
            *share = amount * (weight / total);
        }
        start = end;
    }
    Ok((u_shaped, decay))
}

/// `influenced_pipeline` (SPEC.md 9): in-scope deals created by D and open as of D, with how
/// many were touched (a completed activity linked to the deal between its creation and D),
/// referred, and either; `influenced_share = influenced_amount / open_amount`.
pub fn influenced_pipeline(influence: &Influence, calendar: &Calendar) -> PolarsResult<DataFrame> {
    let amount_if = |flag: Expr| exact::sum(when(flag).then(col("amount")).otherwise(lit(0.0)));
    let count_if = |flag: Expr| flag.cast(DataType::Int64).sum();
    let touched = col("touches").gt(lit(0));
    influence
        .deals
        .clone()
        .lazy()
        .filter(col("stage").eq(Stage::Open.lit()).and(col("created_on").lt_eq(date(calendar.as_of))))
        .select([
            len().cast(DataType::Int64).alias("open_deals"),
            exact::sum(col("amount")).alias("open_amount"),
            count_if(touched.clone()).alias("touched"),
            amount_if(touched).alias("touched_amount"),
            count_if(col("referral")).alias("referral"),
            amount_if(col("referral")).alias("referral_amount"),
            count_if(col("influenced")).alias("influenced"),
            amount_if(col("influenced")).alias("influenced_amount"),
        ])
        .with_column(ratio(col("influenced_amount"), col("open_amount")).alias("influenced_share"))
        .collect()
}

/// Even-split influenced amount over T12M per CSM of the touching contact's account
/// (`csm_id`, `influenced_amount_t12m`).
pub fn by_csm(influence: &Influence, tables: &Tables, calendar: &Calendar) -> PolarsResult<DataFrame> {
    let owners = tables.contacts.clone().lazy().select([col("contact_id"), col("account_id")]).join(
        tables.accounts.clone().lazy().select([col("account_id"), col("csm_id")]),
        [col("account_id")],
        [col("account_id")],
        JoinArgs::new(JoinType::Inner),
    );
    credited_touches(influence, calendar)
        .join(owners, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Inner))
        .filter(col("csm_id").is_not_null())
        .group_by([col("csm_id")])
        .agg([exact::sum(col("share")).alias("influenced_amount_t12m")])
        .collect()
}

/// Won in-scope deals by month of `closed_on`: `influenced_amount` and `referral_amount`
/// keyed by month key.
pub fn won_by_month(influence: &Influence, window: Window) -> LazyFrame {
    closed_in(&influence.deals, window)
        .filter(col("stage").eq(Stage::Won.lit()))
        .group_by([super::exprs::month_key(col("closed_on")).alias("month_key")])
        .agg([
            exact::sum(col("amount")).alias("won_amount"),
            exact::sum(when(col("influenced")).then(col("amount")).otherwise(lit(0.0)))
                .alias("influenced_amount"),
            exact::sum(when(col("referral")).then(col("amount")).otherwise(lit(0.0)))
                .alias("referral_amount"),
        ])
}
