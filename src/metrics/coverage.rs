//! `account_coverage` (SPEC.md 8.3): accounts with no advocate, one advocate, or an advocate
//! who just left. One row per account that is an active customer on D:
//! - `contacts`: contacts active on D; `active_csqas`: CSQAs active on D; `champions`: contacts
//!   of tier `champion` in `contact_health`;
//! - `departed_csqas`: the account's CSQAs, active or not, whose contact left (`left_on`) or
//!   moved (a `job_changes` `moved_on`) in the last `departure_window_days` days, each once;
//! - `risk`: `no_advocate` (no active CSQA), `single_threaded` (one), `champion_left` (a
//!   departed CSQA), `;`-joined in that order, null when none.
//!
//! Sorted by `arr` desc, then `account_id`.

use polars::prelude::*;

use super::exprs::{contact_active_on, customer_on, order, within};
use crate::calendar::Calendar;
use crate::config::CoverageSettings;
use crate::ingest::Tables;
use crate::vocab::Tier;

pub fn account_coverage(
    tables: &Tables,
    calendar: &Calendar,
    s: &CoverageSettings,
    contact_health: &DataFrame,
    csqa: &DataFrame,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let departures = calendar.last_days(s.departure_window_days);
    let key = || [col("account_id")];
    let left = || JoinArgs::new(JoinType::Left);
    let per_account =
        |frame: LazyFrame, name: &str| frame.group_by(key()).agg([len().cast(DataType::Int64).alias(name)]);

    let contacts = per_account(tables.contacts.clone().lazy().filter(contact_active_on(d)), "contacts");
    let active = per_account(csqa.clone().lazy().filter(col("active")), "active_csqas");
    let champions =
        per_account(contact_health.clone().lazy().filter(col("tier").eq(Tier::Champion.lit())), "champions");

    // CSQAs whose contact left or moved in the window; a contact who did both counts once.
    let csqas = csqa.clone().lazy().select([col("contact_id"), col("account_id")]);
    let left_recently =
        tables.contacts.clone().lazy().filter(within(col("left_on"), departures)).select([col("contact_id")]);
    let mut departed = vec![left_recently];
    if let Some(moves) = &tables.job_changes {
        departed.push(
            moves.clone().lazy().filter(within(col("moved_on"), departures)).select([col("contact_id")]),
        );
    }
    let departed = concat(departed, UnionArgs::default())?.unique(None, UniqueKeepStrategy::Any);
    let departed = csqas
        .join(departed, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Inner))
        .group_by(key())
        .agg([col("contact_id").n_unique().cast(DataType::Int64).alias("departed_csqas")]);

    let count = |name: &str| col(name).fill_null(lit(0i64));
    let flag =
        |fired: Expr, name: &str| when(fired).then(lit(name)).otherwise(lit(NULL).cast(DataType::String));
    let risk = concat_str(
        [
            flag(count("active_csqas").eq(lit(0)), "no_advocate"),
            flag(count("active_csqas").eq(lit(1)), "single_threaded"),
            flag(count("departed_csqas").gt_eq(lit(1)), "champion_left"),
        ],
        ";",
        true,
    );
    tables
        .accounts
        .clone()
        .lazy()
        .filter(customer_on(d))
        .select([col("account_id"), col("csm_id"), col("arr"), col("account_name")])
        .join(contacts, key(), key(), left())
        .join(active, key(), key(), left())
        .join(champions, key(), key(), left())
        .join(departed, key(), key(), left())
        .select([
            col("account_id"),
            col("csm_id"),
            col("arr"),
            count("contacts").alias("contacts"),
            count("active_csqas").alias("active_csqas"),
            count("champions").alias("champions"),
            count("departed_csqas").alias("departed_csqas"),
            risk.alias("risk"),
            // For the reports, after the spec's columns.
            col("account_name"),
        ])
        .with_column(
            when(col("risk").str().len_bytes().gt(lit(0)))
                .then(col("risk"))
                .otherwise(lit(NULL).cast(DataType::String))
                .alias("risk"),
        )
        .sort(["arr", "account_id"], order(&[true, false]))
        .collect()
}
