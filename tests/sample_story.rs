//! The committed sample data tells the story the generator plants, end to end through the
//! pipeline: referral deals convert better and close faster, promoters become advocates far
//! more often than detractors, and referred customers retain better.

mod common;

use std::path::Path;

use common::{compute, number, table};
use polars::prelude::*;

#[test]
fn the_sample_data_tells_the_planted_story() {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly_board.toml");
    let computed = compute(&pipeline);

    let funnel = table(&computed, "referral_funnel");
    let (referral, other) =
        (number(funnel, "referral", "conversion").unwrap(), number(funnel, "other", "conversion").unwrap());
    assert!(referral > other, "referral conversion {referral} vs other {other}");
    let cycle_ref = number(funnel, "referral", "median_cycle_days").unwrap();
    let cycle_other = number(funnel, "other", "median_cycle_days").unwrap();
    assert!(cycle_ref < cycle_other, "referral deals close faster: {cycle_ref} vs {cycle_other}");

    let retention = table(&computed, "referral_retention");
    assert!(number(retention, "referral", "retention_lift").unwrap() > 0.0);

    // Promoters (latest NPS 9-10) are CSQAs far more often than detractors (0-6).
    let health = table(&computed, "contact_health");
    let csqa =
        table(&computed, "csqa").clone().lazy().select([col("contact_id"), lit(true).alias("is_csqa")]);
    let share = |filter: Expr| -> f64 {
        let people = health
            .clone()
            .lazy()
            .filter(filter)
            .join(csqa.clone(), [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
            .select([col("is_csqa").fill_null(lit(false)).cast(DataType::Float64).mean()])
            .collect()
            .unwrap();
        people.column("is_csqa").unwrap().f64().unwrap().get(0).unwrap()
    };
    let promoters = share(col("nps_component").gt_eq(lit(0.9)));
    let detractors = share(col("nps_component").lt_eq(lit(0.6)));
    assert!(promoters > 2.0 * detractors, "promoters {promoters} vs detractors {detractors}");

    // Deals touched by advocates win more often than the rest over T12M.
    let summary = table(&computed, "influence_summary");
    let influenced = number(summary, "t12m", "win_rate_influenced").unwrap();
    let rest = number(summary, "t12m", "win_rate_other").unwrap();
    assert!(influenced > rest, "{influenced} vs {rest}");
}
