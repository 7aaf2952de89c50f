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
//! - `asks_t12m`, `acceptance_rate_t12m`: asks of the contacts of the CSM's accounts (8.1);
//! - `new_csqas_t12m_per_10_accounts = 10 * new_csqas_t12m / accounts` (v2);
//! - `rank` (v2): CSMs with at least `min_accounts_for_rank` accounts, 1 = best, by
//!   `new_csqas_t12m_per_10_accounts` desc, `csqas_per_10_accounts` desc, `new_csqas_t12m`
//!   desc, then `csm_id` (ratios compared rounded to 6 decimals), so that books of different
//!   sizes compare fairly; the others have a null rank and follow, by `csm_id`.
//!   `rank_in_team` is the same ranking within each `team` (a null team is one group).

use polars::prelude::*;

use super::exprs::{customer_on, for_threshold, order, ratio, within};
use super::health::population;
use crate::calendar::Calendar;
use crate::ingest::Tables;
use crate::vocab::exact;

const COLUMNS: [&str; 20] = [
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
    "asks_t12m",
    "acceptance_rate_t12m",
    "new_csqas_t12m_per_10_accounts",
    "rank_in_team",
];

pub fn csm_scorecard(
    tables: &Tables,
    calendar: &Calendar,
    csqa: &DataFrame,
    health: &DataFrame,
    influenced_by_csm: &DataFrame,
    asks_by_csm: LazyFrame,
    min_accounts_for_rank: u32,
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
    let sorted = tables
        .csms
        .clone()
        .lazy()
        .select([col("csm_id"), col("csm_name"), col("team")])
        .join(books, by_csm(), by_csm(), left())
        .join(contacts, by_csm(), by_csm(), left())
        .join(csqas, by_csm(), by_csm(), left())
        .join(mean_health, by_csm(), by_csm(), left())
        .join(influenced_by_csm.clone().lazy(), by_csm(), by_csm(), left())
        .join(asks_by_csm, by_csm(), by_csm(), left())
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
            zero("asks_t12m"),
            col("acceptance_rate_t12m"),
            ratio(
                lit(10i64) * col("new_csqas_t12m").fill_null(lit(0i64)),
                col("accounts").fill_null(lit(0i64)),
            )
            .alias("new_csqas_t12m_per_10_accounts"),
        ])
        .with_column(col("accounts").gt_eq(lit(i64::from(min_accounts_for_rank))).alias("ranked"))
        .with_columns([
            ranked_only(for_threshold(col("new_csqas_t12m_per_10_accounts"))).alias("new_key"),
            ranked_only(for_threshold(col("csqas_per_10_accounts"))).alias("active_key"),
            ranked_only(col("new_csqas_t12m")).alias("count_key"),
        ])
        // Ranked CSMs first, best first; the unranked (every key null) after them by csm_id.
        .sort(
            ["ranked", "new_key", "active_key", "count_key", "csm_id"],
            order(&[true, true, true, true, false]),
        )
        .collect()?;
    let (rank, rank_in_team) = ranks(&sorted)?;
    let mut sorted = sorted;
    sorted.with_column(Column::new("rank".into(), rank))?;
    sorted.with_column(Column::new("rank_in_team".into(), rank_in_team))?;
    sorted.select(COLUMNS)
}

/// A rank per row, null for the unranked.
type Places = Vec<Option<i64>>;

/// `expr` for ranked CSMs, null for the others.
fn ranked_only(expr: Expr) -> Expr {
    when(col("ranked")).then(expr).otherwise(lit(NULL))
}

/// `rank` and `rank_in_team` of CSMs sorted best first: 1, 2, ... over the ranked ones, and
/// the same within each team (a null team is one group); null for the unranked.
fn ranks(sorted: &DataFrame) -> PolarsResult<(Places, Places)> {
    let ranked = sorted.column("ranked")?.bool()?;
    let teams = sorted.column("team")?.cast(&DataType::String)?;
    let teams = teams.str()?;
    let mut per_team: std::collections::HashMap<Option<&str>, i64> = std::collections::HashMap::new();
    let (mut rank, mut in_team, mut next) = (Vec::new(), Vec::new(), 0i64);
    for (is_ranked, team) in ranked.iter().zip(teams.iter()) {
        if is_ranked == Some(true) {
            next += 1;
            let place = per_team.entry(team).or_insert(0);
            *place += 1;
            rank.push(Some(next));
            in_team.push(Some(*place));
        } else {
            rank.push(None);
            in_team.push(None);
        }
    }
    Ok((rank, in_team))
}
