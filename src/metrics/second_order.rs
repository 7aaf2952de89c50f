//! Second-order customers: `second_order`, `second_order_summary` (SPEC.md 3.5).
//!
//! A moved champion is a `job_changes` row with `moved_on <= D` whose contact qualified as a
//! CSQA on or before `moved_on`. For each (a champion who moved twice has two rows):
//! - `new_account_already_customer`: the new account is an active customer on `moved_on`;
//! - `repurchased` / `repurchase_amount` (null when already a customer): won new-business deals
//!   at the new account with `created_on >= moved_on` and
//!   `closed_on <= min(D, moved_on + 730)`;
//! - `referrals`, `referrals_won`, `referral_amount`: deals of any type whose referrer is the
//!   contact or their new contact record, created in `[moved_on, D]`, each counted once;
//! - `sales_action`: moved in the last 90 days to a company that is not a customer on D.
//!
//! Summary: `repurchase_rate = repurchased / eligible` (eligible: not moved to a customer),
//! `referral_conversion = won / referrals`, `second_order_revenue` = repurchase amount +
//! referral won amount; `annual_logo_churn` = of the accounts that were active customers on
//! D - 365, the share that churned in T12M (null when there were none);
//! `expected_lifetime_years = min(10, 1 / churn)` (10 when churn is 0, null when churn is
//! null); `second_order_value = revenue * gross_margin * lifetime`.

use chrono::Days;
use polars::prelude::*;

use super::exprs::{customer_on, date, days_between, order, ratio, stage_as_of, within};
use crate::calendar::Calendar;
use crate::config::SecondOrderSettings;
use crate::ingest::Tables;
use crate::vocab::exact;
use crate::vocab::{OpportunityType, Stage};

const MOVE: &str = "move";

pub fn second_order(
    tables: &Tables,
    calendar: &Calendar,
    s: &SecondOrderSettings,
    csqa: &DataFrame,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let Some(job_changes) = &tables.job_changes else {
        return empty_second_order();
    };
    let left = || JoinArgs::new(JoinType::Left);
    let inner = || JoinArgs::new(JoinType::Inner);
    let new_accounts = tables.accounts.clone().lazy().select([
        col("account_id").alias("new_account_id"),
        col("customer_since"),
        col("churned_on"),
    ]);
    let already = col("customer_since")
        .lt_eq(col("moved_on"))
        .and(col("churned_on").is_null().or(col("churned_on").gt(col("moved_on"))))
        .fill_null(lit(false));
    let moves = job_changes
        .clone()
        .lazy()
        .filter(col("moved_on").lt_eq(date(d)))
        .join(
            csqa.clone().lazy().select([col("contact_id"), col("qualified_on")]),
            [col("contact_id")],
            [col("contact_id")],
            inner(),
        )
        .filter(col("qualified_on").lt_eq(col("moved_on")))
        .join(
            tables
                .contacts
                .clone()
                .lazy()
                .select([col("contact_id"), col("account_id").alias("old_account_id")]),
            [col("contact_id")],
            [col("contact_id")],
            left(),
        )
        .join(new_accounts, [col("new_account_id")], [col("new_account_id")], left())
        .with_columns([
            already.alias("new_account_already_customer"),
            customer_on(d).fill_null(lit(false)).alias("customer_now"),
        ])
        .sort(["moved_on", "contact_id", "new_account_id"], SortMultipleOptions::default())
        .with_row_index(MOVE, None)
        .collect()?;

    let won = stage_as_of(d).eq(Stage::Won.lit());
    let deals = tables.opportunities.clone().lazy().with_column(won.alias("won"));
    let horizon = lit(i64::from(s.repurchase_window_days));
    let repurchases = moves
        .clone()
        .lazy()
        .select([col(MOVE), col("new_account_id"), col("moved_on")])
        .join(
            deals
                .clone()
                .filter(col("opportunity_type").eq(OpportunityType::NewBusiness.lit()).and(col("won"))),
            [col("new_account_id")],
            [col("account_id")],
            inner(),
        )
        .filter(
            col("created_on")
                .gt_eq(col("moved_on"))
                .and(col("closed_on").lt_eq(date(d)))
                .and(days_between(col("closed_on"), col("moved_on")).lt_eq(horizon)),
        )
        .group_by([col(MOVE)])
        .agg([len().cast(DataType::Int64).alias("repurchases"), exact::sum(col("amount")).alias("bought")]);

    let referred_by = |person: &str| {
        moves
            .clone()
            .lazy()
            .select([col(MOVE), col("moved_on"), col(person).alias("referrer")])
            .filter(col("referrer").is_not_null())
            .join(deals.clone(), [col("referrer")], [col("referrer_contact_id")], inner())
            .filter(col("created_on").gt_eq(col("moved_on")).and(col("created_on").lt_eq(date(d))))
            .select([col(MOVE), col("opportunity_id"), col("won"), col("amount")])
    };
    let referrals = concat([referred_by("contact_id"), referred_by("new_contact_id")], UnionArgs::default())?
        .unique(Some(cols([MOVE, "opportunity_id"])), UniqueKeepStrategy::Any)
        .group_by([col(MOVE)])
        .agg([
            len().cast(DataType::Int64).alias("referrals"),
            col("won").cast(DataType::Int64).sum().alias("referrals_won"),
            exact::sum(when(col("won")).then(col("amount")).otherwise(lit(0.0))).alias("referral_amount"),
        ]);

    let already = col("new_account_already_customer");
    let action_start = d - Days::new(u64::from(s.action_window_days) - 1);
    let names = |key: &str, name: &str| {
        tables.accounts.clone().lazy().select([col("account_id").alias(key), col("account_name").alias(name)])
    };
    let people = tables.contacts.clone().lazy().select([col("contact_id"), col("full_name")]);
    moves
        .lazy()
        .join(repurchases, [col(MOVE)], [col(MOVE)], left())
        .join(referrals, [col(MOVE)], [col(MOVE)], left())
        .join(people, [col("contact_id")], [col("contact_id")], left())
        .join(
            names("old_account_id", "old_account_name"),
            [col("old_account_id")],
            [col("old_account_id")],
            left(),
        )
        .join(
            names("new_account_id", "new_account_name"),
            [col("new_account_id")],
            [col("new_account_id")],
            left(),
        )
        .select([
            col("contact_id"),
            col("moved_on"),
            col("old_account_id"),
            col("new_account_id"),
            col("new_contact_id"),
            col("qualified_on"),
            already.clone(),
            when(already.clone())
                .then(lit(NULL).cast(DataType::Boolean))
                .otherwise(col("repurchases").fill_null(lit(0)).gt(lit(0)))
                .alias("repurchased"),
            when(already)
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(col("bought").fill_null(lit(0.0)))
                .alias("repurchase_amount"),
            col("referrals").fill_null(lit(0i64)),
            col("referrals_won").fill_null(lit(0i64)),
            col("referral_amount").fill_null(lit(0.0)),
            col("moved_on").gt_eq(date(action_start)).and(col("customer_now").not()).alias("sales_action"),
            // Names for the reports, after the spec's columns.
            col("full_name"),
            col("old_account_name"),
            col("new_account_name"),
        ])
        .sort(["moved_on", "contact_id"], order(&[false, false]))
        .collect()
}

fn empty_second_order() -> PolarsResult<DataFrame> {
    let dates = |name: &str| Series::new_empty(name.into(), &DataType::Date).into_column();
    let text = |name: &str| Series::new_empty(name.into(), &DataType::String).into_column();
    let ints = |name: &str| Series::new_empty(name.into(), &DataType::Int64).into_column();
    let floats = |name: &str| Series::new_empty(name.into(), &DataType::Float64).into_column();
    let bools = |name: &str| Series::new_empty(name.into(), &DataType::Boolean).into_column();
    DataFrame::new_infer_height(vec![
        text("contact_id"),
        dates("moved_on"),
        text("old_account_id"),
        text("new_account_id"),
        text("new_contact_id"),
        dates("qualified_on"),
        bools("new_account_already_customer"),
        bools("repurchased"),
        floats("repurchase_amount"),
        ints("referrals"),
        ints("referrals_won"),
        floats("referral_amount"),
        bools("sales_action"),
        text("full_name"),
        text("old_account_name"),
        text("new_account_name"),
    ])
}

pub fn second_order_summary(
    tables: &Tables,
    calendar: &Calendar,
    s: &SecondOrderSettings,
    moved: &DataFrame,
) -> PolarsResult<DataFrame> {
    let year_ago = calendar.as_of - Days::new(365);
    let churn = tables
        .accounts
        .clone()
        .lazy()
        .filter(customer_on(year_ago))
        .select([
            len().cast(DataType::Int64).alias("customers_year_ago"),
            within(col("churned_on"), calendar.t12m())
                .fill_null(lit(false))
                .cast(DataType::Int64)
                .sum()
                .alias("churned_t12m"),
        ])
        .collect()?;
    let scalar = |name: &str| -> PolarsResult<i64> { Ok(churn.column(name)?.i64()?.get(0).unwrap_or(0)) };
    let (customers_year_ago, churned_t12m) = (scalar("customers_year_ago")?, scalar("churned_t12m")?);
    let churn_rate = (customers_year_ago > 0).then(|| churned_t12m as f64 / customers_year_ago as f64);
    let lifetime = churn_rate.map(|rate| {
        if rate == 0.0 {
            s.max_lifetime_years
        } else {
            (1.0 / rate).min(s.max_lifetime_years)
        }
    });
    let revenue = col("repurchase_amount") + col("referral_amount");
    let int_sum = |e: Expr| e.cast(DataType::Int64).sum();
    moved
        .clone()
        .lazy()
        .select([
            len().cast(DataType::Int64).alias("champions_moved"),
            int_sum(col("new_account_already_customer")).alias("moved_to_customers"),
            int_sum(col("new_account_already_customer").not()).alias("eligible"),
            int_sum(col("repurchased").fill_null(lit(false))).alias("repurchased"),
            exact::sum(col("repurchase_amount")).alias("repurchase_amount"),
            col("referrals").sum().alias("referrals"),
            col("referrals_won").sum().alias("referrals_won"),
            exact::sum(col("referral_amount")).alias("referral_amount"),
            int_sum(col("sales_action")).alias("sales_actions"),
        ])
        .select([
            col("champions_moved"),
            col("moved_to_customers"),
            col("eligible"),
            col("repurchased"),
            ratio(col("repurchased"), col("eligible")).alias("repurchase_rate"),
            col("repurchase_amount"),
            col("referrals"),
            col("referrals_won"),
            col("referral_amount"),
            ratio(col("referrals_won"), col("referrals")).alias("referral_conversion"),
            revenue.clone().alias("second_order_revenue"),
            lit(churned_t12m).alias("churned_t12m"),
            lit(customers_year_ago).alias("customers_year_ago"),
            optional(churn_rate).alias("annual_logo_churn"),
            optional(lifetime).alias("expected_lifetime_years"),
            (revenue * lit(s.gross_margin) * optional(lifetime)).alias("second_order_value"),
            col("sales_actions"),
        ])
        .collect()
}

fn optional(value: Option<f64>) -> Expr {
    match value {
        Some(v) => lit(v),
        None => lit(NULL).cast(DataType::Float64),
    }
}
