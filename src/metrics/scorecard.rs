//! `csm_scorecard`: one row per CSM, advocate creation normalised by book size (SPEC.md 3.2).
//!
//! - `accounts`, `arr`: active-customer accounts the CSM owns on D and their summed arr;
//!   `contacts`: active contacts at those accounts;
//! - `new_csqas`, `new_csqas_prev`, `new_csqas_t12m`: CSQAs credited to the CSM that qualified
//!   in the period, the previous period, and T12M;
//! - `active_csqas`: active CSQAs at accounts the CSM owns on D; `coverage`: share of the
//!   CSM's accounts with at least one; `csqas_per_10_accounts = 10 * active_csqas / accounts`
//!   (both null for a CSM without accounts);
//! - `median_days_to_csqa` over the CSM's CSQAs credited in T12M; `mean_health` over the CSM's
//!   contacts in `contact_health`;
//! - `influenced_amount_t12m`: even-split influenced amount credited through the CSM's
//!   accounts' contacts (see the influence module);
//! - `rank`: 1 = best, by `new_csqas_t12m` desc, `csqas_per_10_accounts` desc (null last),
//!   then `csm_id`.

use polars::prelude::*;

use super::exprs::{customer_on, order, ratio, within};
use super::health::population;
use crate::calendar::Calendar;
use crate::ingest::Tables;
use crate::vocab::exact;

const COLUMNS: [&str; 16] = [
    "csm_id",
    "csm_name",
    "team",
    "accounts",
    "arr",
    "contacts",
    "new_csqas",
    "new_csqas_prev",
    "new_csqas_t12m",
    "active_csqas",
    "coverage",
    "csqas_per_10_accounts",
    "median_days_to_csqa",
    "mean_health",
    "influenced_amount_t12m",
    "rank",
];

pub fn csm_scorecard(
    tables: &Tables,
    calendar: &Calendar,
    csqa: &DataFrame,
    health: &DataFrame,
    influenced_by_csm: &DataFrame,
) -> PolarsResult<DataFrame> {
    let by_csm = || [col("csm_id")];
    let left = || JoinArgs::new(JoinType::Left);
    let books = tables
        .accounts
        .clone()
        .lazy()
        .filter(customer_on(calendar.as_of).and(col("csm_id").is_not_null()))
        .group_by(by_csm())
        .agg([len().cast(DataType::Int64).alias("accounts"), exact::sum(col("arr")).alias("arr")]);
    let contacts = population(tables, calendar.as_of)
        .group_by(by_csm())
        .agg([len().cast(DataType::Int64).alias("contacts")]);
    let count_in = |window| {
        col("qualified_on").filter(within(col("qualified_on"), window)).count().cast(DataType::Int64)
    };
    let csqas = csqa.clone().lazy().group_by(by_csm()).agg([
        count_in(calendar.period).alias("new_csqas"),
        count_in(calendar.prev_period).alias("new_csqas_prev"),
        count_in(calendar.t12m()).alias("new_csqas_t12m"),
        col("active").cast(DataType::Int64).sum().alias("active_csqas"),
        col("account_id").filter(col("active")).n_unique().cast(DataType::Int64).alias("covered_accounts"),
        col("days_to_csqa")
            .filter(within(col("qualified_on"), calendar.t12m()))
            .cast(DataType::Float64)
            .median()
            .alias("median_days_to_csqa"),
    ]);
    let mean_health =
        health.clone().lazy().group_by(by_csm()).agg([exact::mean(col("score")).alias("mean_health")]);

    let zero = |name: &str| col(name).fill_null(lit(0i64)).alias(name);
    tables
        .csms
        .clone()
        .lazy()
        .select([col("csm_id"), col("csm_name"), col("team")])
        .join(books, by_csm(), by_csm(), left())
        .join(contacts, by_csm(), by_csm(), left())
        .join(csqas, by_csm(), by_csm(), left())
        .join(mean_health, by_csm(), by_csm(), left())
        .join(influenced_by_csm.clone().lazy(), by_csm(), by_csm(), left())
        .select([
            col("csm_id"),
            col("csm_name"),
            col("team"),
            zero("accounts"),
            col("arr").fill_null(lit(0.0)),
            zero("contacts"),
            zero("new_csqas"),
            zero("new_csqas_prev"),
            zero("new_csqas_t12m"),
            zero("active_csqas"),
            ratio(col("covered_accounts").fill_null(lit(0i64)), col("accounts").fill_null(lit(0i64)))
                .alias("coverage"),
            ratio(
                lit(10i64) * col("active_csqas").fill_null(lit(0i64)),
                col("accounts").fill_null(lit(0i64)),
            )
            .alias("csqas_per_10_accounts"),
            col("median_days_to_csqa"),
            col("mean_health"),
            col("influenced_amount_t12m").fill_null(lit(0.0)),
        ])
        .sort(["new_csqas_t12m", "csqas_per_10_accounts", "csm_id"], order(&[true, true, false]))
        .with_row_index("rank", Some(1))
        .with_column(col("rank").cast(DataType::Int64))
        .select(COLUMNS.iter().map(|c| col(*c)).collect::<Vec<_>>())
        .collect()
}
