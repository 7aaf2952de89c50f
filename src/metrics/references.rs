//! `reference_matches` (SPEC.md 8.2): for each open deal, the best available references from
//! other customers.
//!
//! - Deals: in-scope opportunities created by D and open as of D, served in order of `amount`
//!   desc, then `opportunity_id`.
//! - Pool: contacts in `contact_health` with score >= `min_score`, not `fatigued`, and no
//!   activity requested in the last `rest_days` days.
//! - A pool contact at another account earns `match_points` against the deal's account: 2 for
//!   the same `industry`, 1 for `segment`, 1 for `region` (both set and equal after trimming,
//!   ignoring case). Only contacts with at least `min_match` points are eligible.
//! - Each deal takes its `per_deal` best eligible contacts by `match_points` desc, score desc
//!   (rounded to 6 decimals), `contact_id`, skipping contacts already given to
//!   `max_deals_per_contact` earlier deals.
//!
//! The pool is grouped by its (industry, segment, region) profile, each group sorted best
//! first, so a deal looks at a handful of groups rather than every contact.
//!
//! After the spec's columns, for the references report: `full_name`, `reference_account_name`,
//! `account_name` (the deal's) and `last_asked_on` (the contact's latest `requested_on` up to D).

use std::collections::HashMap;

use polars::prelude::*;

use super::exprs::{date, for_threshold, order, within};
use super::influence::Influence;
use crate::calendar::Calendar;
use crate::config::ReferenceSettings;
use crate::ingest::Tables;
use crate::vocab::Stage;

/// An account's matching attributes, trimmed and lower-cased (`None` when blank).
type Profile = [Option<String>; 3];

fn profile(industry: Option<&str>, segment: Option<&str>, region: Option<&str>) -> Profile {
    let clean = |v: Option<&str>| v.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    [clean(industry), clean(segment), clean(region)]
}

/// Points and the names of what matched: industry 2, segment 1, region 1.
fn match_points(deal: &Profile, reference: &Profile) -> (u32, Vec<&'static str>) {
    let mut points = 0;
    let mut matched = Vec::new();
    for (i, (name, worth)) in [("industry", 2), ("segment", 1), ("region", 1)].into_iter().enumerate() {
        if deal[i].is_some() && deal[i] == reference[i] {
            points += worth;
            matched.push(name);
        }
    }
    (points, matched)
}

/// A pool contact.
struct Reference {
    contact_id: String,
    account_id: String,
    score: Option<f64>,
    /// The score rounded to 6 decimals, times 1e6: what ties are decided on.
    key: i64,
    tier: Option<String>,
    full_name: Option<String>,
    account_name: Option<String>,
    last_asked_on: Option<i32>,
}

pub fn reference_matches(
    tables: &Tables,
    calendar: &Calendar,
    s: &ReferenceSettings,
    influence: &Influence,
    contact_health: &DataFrame,
) -> PolarsResult<DataFrame> {
    let d = calendar.as_of;
    let accounts = tables.accounts.clone().lazy().select([
        col("account_id"),
        col("account_name"),
        col("industry"),
        col("segment"),
        col("region"),
    ]);
    let last_asked = tables
        .activities
        .clone()
        .lazy()
        .filter(col("requested_on").lt_eq(date(d)))
        .group_by([col("contact_id")])
        .agg([col("requested_on").max().cast(DataType::Int32).alias("last_asked_on")]);
    let names = tables.contacts.clone().lazy().select([col("contact_id"), col("full_name")]);
    let key = || [col("account_id")];
    let deals = influence
        .deals
        .clone()
        .lazy()
        .filter(col("stage").eq(Stage::Open.lit()).and(col("created_on").lt_eq(date(d))))
        .select([col("opportunity_id"), col("account_id"), col("amount")])
        .join(accounts.clone(), key(), key(), JoinArgs::new(JoinType::Left))
        .sort(["amount", "opportunity_id"], order(&[true, false]))
        .collect()?;

    let resting = tables
        .activities
        .clone()
        .lazy()
        .filter(within(col("requested_on"), calendar.last_days(s.rest_days)))
        .select([col("contact_id")])
        .unique(None, UniqueKeepStrategy::Any);
    let pool = contact_health
        .clone()
        .lazy()
        .filter(for_threshold(col("score")).gt_eq(lit(s.min_score)).and(col("fatigued").not()))
        .join(resting, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Anti))
        .select([col("contact_id"), col("account_id"), col("score"), col("tier")])
        .join(accounts, key(), key(), JoinArgs::new(JoinType::Left))
        .join(names, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
        .join(last_asked, [col("contact_id")], [col("contact_id")], JoinArgs::new(JoinType::Left))
        .with_column(
            (for_threshold(col("score")) * lit(1e6))
                .round(0, RoundMode::HalfToEven)
                .cast(DataType::Int64)
                .alias("key"),
        )
        .sort(["key", "contact_id"], order(&[true, false]))
        .collect()?;

    // The pool by profile, each group best first (the pool is sorted so).
    let text = |df: &DataFrame, name: &str| -> PolarsResult<StringChunked> {
        Ok(df.column(name)?.cast(&DataType::String)?.str()?.clone())
    };
    let (ids, owners, industries, segments, regions, tiers) = (
        text(&pool, "contact_id")?,
        text(&pool, "account_id")?,
        text(&pool, "industry")?,
        text(&pool, "segment")?,
        text(&pool, "region")?,
        text(&pool, "tier")?,
    );
    let (scores, keys) = (pool.column("score")?.f64()?.clone(), pool.column("key")?.i64()?.clone());
    let (full_names, account_names) = (text(&pool, "full_name")?, text(&pool, "account_name")?);
    let asked = pool.column("last_asked_on")?.i32()?.clone();
    let mut groups: Vec<(Profile, Vec<Reference>)> = Vec::new();
    let mut group_of: HashMap<Profile, usize> = HashMap::new();
    for i in 0..pool.height() {
        let p = profile(industries.get(i), segments.get(i), regions.get(i));
        let g = *group_of.entry(p.clone()).or_insert_with(|| {
            groups.push((p, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(Reference {
            contact_id: ids.get(i).unwrap_or_default().to_string(),
            account_id: owners.get(i).unwrap_or_default().to_string(),
            score: scores.get(i),
            key: keys.get(i).unwrap_or(i64::MIN),
            tier: tiers.get(i).map(str::to_string),
            full_name: full_names.get(i).map(str::to_string),
            account_name: account_names.get(i).map(str::to_string),
            last_asked_on: asked.get(i),
        });
    }

    let (deal_ids, deal_accounts) = (text(&deals, "opportunity_id")?, text(&deals, "account_id")?);
    let amounts = deals.column("amount")?.f64()?.clone();
    let deal_names = text(&deals, "account_name")?;
    let (d_industry, d_segment, d_region) =
        (text(&deals, "industry")?, text(&deals, "segment")?, text(&deals, "region")?);
    let mut given: HashMap<&str, u32> = HashMap::new();
    let mut cursors = vec![0usize; groups.len()];
    let mut out = Rows::default();
    for i in 0..deals.height() {
        let deal_account = deal_accounts.get(i).unwrap_or_default();
        let wanted = profile(d_industry.get(i), d_segment.get(i), d_region.get(i));
        // Candidates: each eligible group's best `per_deal` available contacts (the deal's
        // best `per_deal` overall are among them), then ordered exactly.
        let mut candidates: Vec<(u32, &Reference, Vec<&'static str>)> = Vec::new();
        for ((p, members), cursor) in groups.iter().zip(cursors.iter_mut()) {
            let (points, matched) = match_points(&wanted, p);
            if points < s.min_match {
                continue;
            }
            let capped = |r: &Reference| {
                given.get(r.contact_id.as_str()).copied().unwrap_or(0) >= s.max_deals_per_contact
            };
            // A contact who has had her deals never comes back: the group's head moves past
            // them for good, so later deals do not scan them again.
            while *cursor < members.len() && capped(&members[*cursor]) {
                *cursor += 1;
            }
            let available = members[*cursor..].iter().filter(|r| r.account_id != deal_account && !capped(r));
            candidates.extend(available.take(s.per_deal as usize).map(|r| (points, r, matched.clone())));
        }
        candidates.sort_by(|a, b| {
            b.0.cmp(&a.0).then(b.1.key.cmp(&a.1.key)).then(a.1.contact_id.cmp(&b.1.contact_id))
        });
        for (rank, (points, reference, matched)) in
            candidates.into_iter().take(s.per_deal as usize).enumerate()
        {
            *given.entry(reference.contact_id.as_str()).or_insert(0) += 1;
            out.push(
                deal_ids.get(i).unwrap_or_default(),
                deal_account,
                deal_names.get(i),
                amounts.get(i),
                rank as i64 + 1,
                reference,
                points,
                &matched.join(";"),
            );
        }
    }
    out.frame()
}

/// The output rows, column by column.
#[derive(Default)]
struct Rows {
    opportunity_id: Vec<String>,
    account_id: Vec<String>,
    amount: Vec<Option<f64>>,
    rank: Vec<i64>,
    contact_id: Vec<String>,
    reference_account_id: Vec<String>,
    match_points: Vec<i64>,
    matched: Vec<Option<String>>,
    score: Vec<Option<f64>>,
    tier: Vec<Option<String>>,
    full_name: Vec<Option<String>>,
    reference_account_name: Vec<Option<String>>,
    account_name: Vec<Option<String>>,
    last_asked_on: Vec<Option<i32>>,
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        deal: &str,
        account: &str,
        account_name: Option<&str>,
        amount: Option<f64>,
        rank: i64,
        reference: &Reference,
        points: u32,
        matched: &str,
    ) {
        self.opportunity_id.push(deal.to_string());
        self.account_id.push(account.to_string());
        self.amount.push(amount);
        self.rank.push(rank);
        self.contact_id.push(reference.contact_id.clone());
        self.reference_account_id.push(reference.account_id.clone());
        self.match_points.push(i64::from(points));
        self.matched.push((!matched.is_empty()).then(|| matched.to_string()));
        self.score.push(reference.score);
        self.tier.push(reference.tier.clone());
        self.full_name.push(reference.full_name.clone());
        self.reference_account_name.push(reference.account_name.clone());
        self.account_name.push(account_name.map(str::to_string));
        self.last_asked_on.push(reference.last_asked_on);
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(vec![
            Column::new("opportunity_id".into(), self.opportunity_id),
            Column::new("account_id".into(), self.account_id),
            Column::new("amount".into(), self.amount),
            Column::new("rank".into(), self.rank),
            Column::new("contact_id".into(), self.contact_id),
            Column::new("reference_account_id".into(), self.reference_account_id),
            Column::new("match_points".into(), self.match_points),
            Column::new("matched".into(), self.matched),
            Column::new("score".into(), self.score),
            Column::new("tier".into(), self.tier),
            Column::new("full_name".into(), self.full_name),
            Column::new("reference_account_name".into(), self.reference_account_name),
            Column::new("account_name".into(), self.account_name),
            Column::new("last_asked_on".into(), self.last_asked_on).cast(&DataType::Date)?,
        ])
    }
}
