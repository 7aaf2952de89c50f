//! `advocate_retention` (SPEC.md 8.4): do accounts with an advocate a year ago keep renewing
//! and expanding more than the others?
//!
//! The cohort: accounts that were active customers on D − 365. `with_advocate`: at least one
//! CSQA active on D − 365 (qualified by then, contact active, account a customer); else
//! `without`. Per cohort: `accounts`, `retained` (still an active customer on D),
//! `retention_rate` with its 95% Wilson interval, `expansion_amount` (won `expansion` deals of
//! those accounts closed in T12M) and `expansion_per_account`; on the `with_advocate` row,
//! `retention_lift = rate_with / rate_without - 1` and
//! `churn_reduction = 1 - (1 - rate_with) / (1 - rate_without)`.

use chrono::Days;
use polars::prelude::*;

use super::csqa;
use super::exprs::{customer_on, stage_as_of, within};
use super::referral::wilson;
use crate::calendar::Calendar;
use crate::ingest::Tables;
use crate::vocab::exact;
use crate::vocab::{OpportunityType, Stage};

pub fn advocate_retention(tables: &Tables, calendar: &Calendar, csqa: &DataFrame) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let year_ago = d - Days::new(365);
    let key = || [col("account_id")];
    let left = || JoinArgs::new(JoinType::Left);
    let advocates = csqa::active_on(csqa, tables, year_ago)
        .select([col("account_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(lit(true).alias("with_advocate"));
    let expansion = tables
        .opportunities
        .clone()
        .lazy()
        .filter(
            col("opportunity_type")
                .eq(OpportunityType::Expansion.lit())
                .and(stage_as_of(d).eq(Stage::Won.lit()))
                .and(within(col("closed_on"), calendar.t12m())),
        )
        .group_by(key())
        .agg([exact::sum(col("amount")).alias("expansion")]);
    let by_cohort = tables
        .accounts
        .clone()
        .lazy()
        .filter(customer_on(year_ago))
        .select([col("account_id"), customer_on(d).alias("retained")])
        .join(advocates, key(), key(), left())
        .join(expansion, key(), key(), left())
        .group_by([col("with_advocate").fill_null(lit(false))])
        .agg([
            len().cast(DataType::Int64).alias("accounts"),
            col("retained").cast(DataType::Int64).sum().alias("retained"),
            exact::sum(col("expansion").fill_null(lit(0.0))).alias("expansion_amount"),
        ])
        .collect()?;

    struct Cohort {
        accounts: i64,
        retained: i64,
        expansion: f64,
    }
    let cohort = |with: bool| -> PolarsResult<Cohort> {
        let flags = by_cohort.column("with_advocate")?.bool()?;
        let Some(i) = flags.iter().position(|f| f == Some(with)) else {
            return Ok(Cohort { accounts: 0, retained: 0, expansion: 0.0 });
        };
        Ok(Cohort {
            accounts: by_cohort.column("accounts")?.i64()?.get(i).unwrap_or(0),
            retained: by_cohort.column("retained")?.i64()?.get(i).unwrap_or(0),
            expansion: by_cohort.column("expansion_amount")?.f64()?.get(i).unwrap_or(0.0),
        })
    };
    let (with, without) = (cohort(true)?, cohort(false)?);
    let rate = |c: &Cohort| (c.accounts > 0).then(|| c.retained as f64 / c.accounts as f64);
    let per_account = |c: &Cohort| (c.accounts > 0).then(|| c.expansion / c.accounts as f64);
    let interval = |c: &Cohort| wilson(c.retained as u64, c.accounts as u64);
    let (rate_with, rate_without) = (rate(&with), rate(&without));
    let lift = match (rate_with, rate_without) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b - 1.0),
        _ => None,
    };
    let churn_reduction = match (rate_with, rate_without) {
        (Some(a), Some(b)) if b != 1.0 => Some(1.0 - (1.0 - a) / (1.0 - b)),
        _ => None,
    };
    df! {
        "cohort" => ["with_advocate", "without"],
        "accounts" => [with.accounts, without.accounts],
        "retained" => [with.retained, without.retained],
        "retention_rate" => [rate_with, rate_without],
        "ci_low" => [interval(&with).map(|i| i.0), interval(&without).map(|i| i.0)],
        "ci_high" => [interval(&with).map(|i| i.1), interval(&without).map(|i| i.1)],
        "expansion_amount" => [with.expansion, without.expansion],
        "expansion_per_account" => [per_account(&with), per_account(&without)],
        "retention_lift" => [lift, None],
        "churn_reduction" => [churn_reduction, None],
    }
}
