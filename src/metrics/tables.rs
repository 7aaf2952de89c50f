//! The registry of output tables: every table a run writes to `data/`, with its name, key and
//! row order as `COLUMNS.md` gives them. `Computed` holds tables by [`OutputTable`], `output`
//! writes them in registry order, and reports decode their rows by the table's row type
//! (`report::data`), so a table is named once, here.
//!
//! # How to add a table
//!
//! 1. Add one line to the `registry!` list below: the variant, the file name, the key columns
//!    and the row order, copied from `COLUMNS.md` (and add the row to `tests/data/COLUMNS.md`).
//! 2. Write the metric in its own module (a function from accepted tables and settings to a
//!    `DataFrame`, no I/O) and insert its result in [`crate::metrics::compute`] with
//!    `computed.insert(OutputTable::New, df)`.
//! 3. If a report reads it, give it a row type in `report::data` (a `serde::Deserialize`
//!    struct whose fields are column names) and `impl Rows for ThatRow`.
//!
//! The tests below check that names are unique and that the registry agrees with
//! `COLUMNS.md`; `report::data`'s tests check that every row type reads only columns the table
//! has.

/// Declares [`OutputTable`] and its definitions from one list.
macro_rules! registry {
    ($($variant:ident => $name:literal, key [$($key:literal),*], order $order:literal;)+) => {
        /// An output table, in the order tables are written and listed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OutputTable { $($variant),+ }

        impl OutputTable {
            /// Every output table, in output order.
            pub const ALL: &'static [OutputTable] = &[$(OutputTable::$variant),+];

            /// The table's definition.
            pub const fn def(self) -> TableDef {
                match self {
                    $(OutputTable::$variant => TableDef { name: $name, key: &[$($key),*], order: $order }),+
                }
            }
        }
    };
}

/// What `COLUMNS.md` says about an output table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    /// The file name: `data/<name>.csv` and `data/<name>.parquet`.
    pub name: &'static str,
    /// The columns rows are matched on when two runs are compared (empty: the table has one row).
    pub key: &'static [&'static str],
    /// The order rows are written in, as `COLUMNS.md` words it.
    pub order: &'static str,
}

registry! {
    ContactHealth => "contact_health", key ["contact_id"], order "contact_id";
    Csqa => "csqa", key ["contact_id"], order "contact_id";
    CsmScorecard => "csm_scorecard", key ["csm_id"], order "rank";
    InfluencedOpportunities => "influenced_opportunities", key ["opportunity_id"], order "closed_on, opportunity_id";
    InfluenceSummary => "influence_summary", key ["window"], order "period, prev_period, t12m";
    InfluenceByActivityType => "influence_by_activity_type", key ["activity_type"],
        order "even_split_amount desc, activity_type";
    ReferralFunnel => "referral_funnel", key ["source"], order "referral, other";
    ReferralRetention => "referral_retention", key ["source"], order "referral, other";
    Referrers => "referrers", key ["contact_id"], order "won_amount desc, referrals desc, contact_id";
    SecondOrder => "second_order", key ["contact_id", "moved_on", "new_account_id"], order "moved_on, contact_id";
    SecondOrderSummary => "second_order_summary", key [], order "–";
    AdvocateCandidates => "advocate_candidates", key ["contact_id"], order "score desc, contact_id";
    ProgramMonthly => "program_monthly", key ["month"], order "month";
    HealthMonthly => "health_monthly", key ["month"], order "month";
    HistoryMonthly => "history_monthly", key ["as_of"], order "as_of";
    Restatements => "restatements", key ["as_of", "metric"], order "as_of, metric";
    BacktestSnapshots => "backtest_snapshots", key ["outcome", "snapshot"], order "outcome, snapshot";
    BacktestModels => "backtest_models", key ["outcome", "model"], order "outcome, model";
    BacktestTiers => "backtest_tiers", key ["outcome", "tier"], order "outcome, tier";
    Asks => "asks", key ["scope", "activity_type"], order "the `all` row, then asks desc, activity_type";
    ReferenceMatches => "reference_matches", key ["opportunity_id", "rank"],
        order "deal order, rank";
    AccountCoverage => "account_coverage", key ["account_id"], order "arr desc, account_id";
    AdvocateRetention => "advocate_retention", key ["cohort"], order "with_advocate, without";
    InfluencedPipeline => "influenced_pipeline", key [], order "–";
    DataQuality => "data_quality", key ["table"], order "input order";
    DataQualityReasons => "data_quality_reasons", key ["table", "reason"], order "input order, reason";
}

impl OutputTable {
    pub const fn name(self) -> &'static str {
        self.def().name
    }

    /// The table with this file name.
    pub fn from_name(name: &str) -> Option<OutputTable> {
        OutputTable::ALL.iter().copied().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for OutputTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_table_names_are_unique() {
        let mut names: Vec<&str> = OutputTable::ALL.iter().map(|t| t.name()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two output tables share a name");
    }

    #[test]
    fn names_round_trip() {
        for table in OutputTable::ALL {
            assert_eq!(OutputTable::from_name(table.name()), Some(*table));
        }
        assert_eq!(OutputTable::from_name("nope"), None);
    }
}
