//! Golden tests of the revenue metrics (SPEC.md 3.3, 3.4, 3.5) on tiny datasets whose numbers
//! are worked out by hand in the comments. D = 2026-10-31; T12M = 2025-11-01..2026-10-31;
//! period = October 2026; previous period = September 2026.

mod common;

use common::{assert_close, flag, keys, number, table, text, MiniData};

fn influence_data() -> MiniData {
    MiniData::empty()
        .rows("csms", &["S1,Sam One,A", "S2,Sue Two,B"])
        .rows(
            "accounts",
            &["A1,Acme,,,,S1,2024-01-01,,100000", "A2,Prospect,,,,,,,", "A3,Other,,,,S2,2024-01-01,,5000"],
        )
        .rows("contacts", &["C1,A1,Ann,,,2024-02-01,", "C2,A1,Bob,,,2024-02-01,", "C3,A3,Cat,,,2024-02-01,"])
        .rows(
            "opportunities",
            &[
                // Two touches of different types, on the created and on the closed date.
                "O1,A2,new_business,won,10000,2026-03-01,2026-05-01,Website,",
                // A referral through its referrer only, lost, no touches.
                "O2,A2,new_business,lost,8000,2026-06-01,2026-07-01,Website,C1",
                // A referral by lead source only (spaces and case), won, no touches.
                "O3,A1,expansion,won,6000,2026-07-01,2026-07-31, Customer Referral ,",
                // Not influenced, closed in the period.
                "O4,A2,new_business,won,4000,2026-08-01,2026-10-10,Outbound,",
                // A renewal: out of scope, its activity is neither a touch nor a finding.
                "O5,A1,renewal,won,100000,2026-01-01,2026-02-01,,",
                // Open, touched before it was created: a finding.
                "O6,A2,new_business,open,9000,2026-09-01,,Website,",
                // Closed at D-365: outside T12M.
                "O7,A2,new_business,won,3000,2025-10-01,2025-10-31,Website,",
            ],
        )
        .rows(
            "advocacy_activities",
            &[
                "ACT1,C1,reference_call,completed,,2026-03-01,O1", // on created_on: in
                "ACT2,C2,case_study,completed,,2026-05-01,O1",     // on closed_on: in
                "ACT3,C1,review,completed,,2026-05-02,O1",         // the day after close: out
                "ACT4,C1,review,completed,,2026-01-15,O5",
                "ACT5,C3,review,completed,,2026-08-15,O6", // before O6 was created: out
                "ACT6,C3,review,pending,,,O4",             // not completed: not a touch
            ],
        )
        .without("nps_responses")
        .without("usage")
        .without("webinar_attendance")
        .without("job_changes")
}

#[test]
fn influenced_opportunities_golden() {
    let computed = influence_data().compute("influence");
    let deals = table(&computed, "influenced_opportunities");
    // In scope and closed in T12M, by closed_on: O1 05-01, O2 07-01, O3 07-31, O4 10-10.
    assert_eq!(keys(deals), ["O1", "O2", "O3", "O4"]);
    // O1: ACT1 (on created_on) and ACT2 (on closed_on) are touches, ACT3 (a day late) is not.
    // cycle = 2026-05-01 - 2026-03-01 = 31 + 30 = 61.
    assert_close(number(deals, "O1", "touches"), 2.0);
    assert_close(number(deals, "O1", "cycle_days"), 61.0);
    assert_eq!(text(deals, "O1", "first_touch_type").as_deref(), Some("reference_call"));
    assert_eq!(text(deals, "O1", "last_touch_type").as_deref(), Some("case_study"));
    assert_eq!(flag(deals, "O1", "referral"), Some(false));
    assert_eq!(flag(deals, "O1", "influenced"), Some(true));
    // O2: a referral (referrer C1) without touches is influenced.
    assert_eq!(flag(deals, "O2", "referral"), Some(true));
    assert_eq!(flag(deals, "O2", "influenced"), Some(true));
    assert_close(number(deals, "O2", "touches"), 0.0);
    assert_eq!(text(deals, "O2", "first_touch_type"), None);
    // O3: " Customer Referral " is a referral lead source after trim and lower-casing.
    assert_eq!(flag(deals, "O3", "referral"), Some(true));
    assert_eq!(flag(deals, "O4", "influenced"), Some(false));
    // Findings: ACT3 (after O1 closed) and ACT5 (before O6 was created); not ACT4 (a renewal).
    let reasons = table(&computed, "data_quality_reasons");
    let finding = (0..reasons.height())
        .find(|&i| reasons.column("reason").unwrap().str().unwrap().get(i) == Some("touch_outside_deal"));
    let i = finding.expect("a touch_outside_deal row");
    assert_eq!(reasons.column("rows").unwrap().i64().unwrap().get(i), Some(2));
    assert_eq!(reasons.column("table").unwrap().str().unwrap().get(i), Some("advocacy_activities"));
}

#[test]
fn influence_summary_golden() {
    let computed = influence_data().compute("influence-summary");
    let summary = table(&computed, "influence_summary");
    assert_eq!(keys(summary), ["period", "prev_period", "t12m"]);
    // T12M: won O1 10,000, O3 6,000, O4 4,000 -> 3 and 20,000; lost O2 -> 1.
    // Influenced won: O1, O3 -> 2 and 16,000; share 16,000 / 20,000 = .8; sourced (won
    // referrals): O3 6,000. Win rate influenced: 2 won / (2 + 1 lost) = 2/3; other: O4 1 / 1.
    // Median cycle of won influenced: O1 61, O3 30 -> 45.5; other: O4 70.
    for (column, value) in [
        ("won", 3.0),
        ("won_amount", 20_000.0),
        ("lost", 1.0),
        ("influenced_won", 2.0),
        ("influenced_won_amount", 16_000.0),
        ("influenced_share", 0.8),
        ("sourced_amount", 6_000.0),
        ("win_rate_influenced", 2.0 / 3.0),
        ("win_rate_other", 1.0),
        ("median_cycle_days_influenced", 45.5),
        ("median_cycle_days_other", 70.0),
    ] {
        assert_close(number(summary, "t12m", column), value);
    }
    assert_eq!(text(summary, "t12m", "start_date").as_deref(), Some("2025-11-01"));
    // October: only O4, not influenced: share 0 (not null), influenced win rate 0/0 = null.
    assert_close(number(summary, "period", "won_amount"), 4_000.0);
    assert_close(number(summary, "period", "influenced_share"), 0.0);
    assert_eq!(number(summary, "period", "win_rate_influenced"), None);
    assert_eq!(number(summary, "period", "median_cycle_days_influenced"), None);
    // September: nothing closed: the share's denominator is 0, so null; sums are 0.
    assert_close(number(summary, "prev_period", "won"), 0.0);
    assert_close(number(summary, "prev_period", "won_amount"), 0.0);
    assert_eq!(number(summary, "prev_period", "influenced_share"), None);
    assert_eq!(number(summary, "prev_period", "win_rate_other"), None);
}

#[test]
fn attribution_models_split_two_touches_and_credit_the_csm() {
    let computed = influence_data().compute("influence-types");
    let by_type = table(&computed, "influence_by_activity_type");
    // O1 (10,000) is the only won deal with touches: even split 5,000 per touch; first touch
    // reference_call (03-01) gets 10,000 first-touch; last touch case_study (05-01) gets
    // 10,000 last-touch. Ties on even split sort by activity_type.
    assert_eq!(keys(by_type), ["case_study", "reference_call"]);
    for (kind, even, first, last) in
        [("case_study", 5_000.0, 0.0, 10_000.0), ("reference_call", 5_000.0, 10_000.0, 0.0)]
    {
        assert_close(number(by_type, kind, "even_split_amount"), even);
        assert_close(number(by_type, kind, "first_touch_amount"), first);
        assert_close(number(by_type, kind, "last_touch_amount"), last);
        assert_close(number(by_type, kind, "touches"), 1.0);
        assert_close(number(by_type, kind, "opportunities"), 1.0);
    }
    // Both touches came from A1's contacts (CSM S1): 5,000 + 5,000.
    let card = table(&computed, "csm_scorecard");
    assert_close(number(card, "S1", "influenced_amount_t12m"), 10_000.0);
    assert_close(number(card, "S2", "influenced_amount_t12m"), 0.0);
}

fn funnel_data() -> MiniData {
    MiniData::empty()
        .rows("csms", &["S1,Sam One,A"])
        .rows("accounts", &["A1,Acme,,,,S1,2024-01-01,,100000", "A2,Prospect,,,,,,,"])
        .rows("contacts", &["C1,A1,Ann,,,2024-02-01,", "C2,A1,Bob,,,2024-02-01,"])
        .rows(
            "opportunities",
            &[
                "R1,A2,new_business,won,12000,2026-01-01,2026-01-21,Referral,", // 20 days
                "R2,A2,new_business,won,8000,2026-02-01,2026-03-13,,C1",        // 40 days
                "R3,A2,new_business,lost,5000,2026-03-01,2026-04-01,Referral,C2",
                "R4,A2,new_business,won,9000,2026-10-01,2026-11-20,Referral,C1", // won after D: open
                "N1,A2,new_business,won,30000,2026-01-01,2026-04-01,Website,",   // 90 days
                "N2,A2,new_business,lost,1000,2026-01-01,2026-02-01,Website,",
                "N3,A2,new_business,lost,1000,2026-01-01,2026-02-01,Website,",
                "N4,A2,new_business,lost,1000,2026-01-01,2026-02-01,Website,",
                "N5,A2,new_business,open,1000,2026-09-01,,Website,",
                "N6,A2,new_business,won,1000,2025-10-31,2025-12-01,Website,", // created D-365: out
                "X1,A2,expansion,won,1000,2026-01-01,2026-02-01,Referral,C1", // not new business
            ],
        )
        .rows("advocacy_activities", &["ACT1,C1,review,pending,,,"])
        .without("nps_responses")
        .without("usage")
        .without("webinar_attendance")
        .without("job_changes")
}

#[test]
fn referral_funnel_golden_with_wilson_intervals() {
    let computed = funnel_data().compute("funnel");
    let funnel = table(&computed, "referral_funnel");
    assert_eq!(keys(funnel), ["referral", "other"]);
    // referral: R1 won, R2 won, R3 lost, R4 open (won after D) -> 4 created, 2 won, 1 lost,
    // 1 open; win rate 2/3; conversion 2/4; median cycle (20 + 40) / 2 = 30; mean won 10,000.
    // Wilson(2, 3), z² = 3.8416: center = (2/3 + 3.8416/6) / (1 + 3.8416/3)
    //   = 1.306933 / 2.280533 = 0.573081; half = 1.96 * sqrt(2/27 + 3.8416/36) / 2.280533
    //   = 1.96 * 0.425188 / 2.280533 = 0.365431 -> [0.207650, 0.938512].
    for (column, value) in [
        ("created", 4.0),
        ("won", 2.0),
        ("lost", 1.0),
        ("open", 1.0),
        ("win_rate", 2.0 / 3.0),
        ("conversion", 0.5),
        ("median_cycle_days", 30.0),
        ("mean_won_amount", 10_000.0),
    ] {
        assert_close(number(funnel, "referral", column), value);
    }
    assert!((number(funnel, "referral", "win_rate_ci_low").unwrap() - 0.207650).abs() < 1e-5);
    assert!((number(funnel, "referral", "win_rate_ci_high").unwrap() - 0.938512).abs() < 1e-5);
    // other: N1 won, N2-N4 lost, N5 open -> 5 created; win rate 1/4; conversion 1/5; median 90.
    // Wilson(1, 4) = [0.045586, 0.699364] (see the unit test's arithmetic).
    for (column, value) in [
        ("created", 5.0),
        ("won", 1.0),
        ("lost", 3.0),
        ("open", 1.0),
        ("win_rate", 0.25),
        ("conversion", 0.2),
        ("median_cycle_days", 90.0),
    ] {
        assert_close(number(funnel, "other", column), value);
    }
    assert!((number(funnel, "other", "win_rate_ci_low").unwrap() - 0.045586).abs() < 1e-5);
    // Lifts on the referral row only: conversion .5/.2 - 1 = 1.5; win rate (2/3)/(1/4) - 1 =
    // 5/3; cycle 1 - 30/90 = 2/3.
    assert_close(number(funnel, "referral", "conversion_lift"), 1.5);
    assert_close(number(funnel, "referral", "win_rate_lift"), 5.0 / 3.0);
    assert_close(number(funnel, "referral", "cycle_reduction"), 2.0 / 3.0);
    for column in ["conversion_lift", "win_rate_lift", "cycle_reduction"] {
        assert_eq!(number(funnel, "other", column), None, "{column}");
    }
}

#[test]
fn referrers_are_ranked_by_won_amount_then_referrals() {
    let computed = funnel_data().compute("referrers");
    let referrers = table(&computed, "referrers");
    // C1 referred R2 (won 8,000), R4 (open as of D) and X1 (expansion, won 1,000): 3 referrals,
    // 2 won, 9,000. C2 referred R3 (lost).
    assert_eq!(keys(referrers), ["C1", "C2"]);
    assert_close(number(referrers, "C1", "referrals"), 3.0);
    assert_close(number(referrers, "C1", "won"), 2.0);
    assert_close(number(referrers, "C1", "won_amount"), 9_000.0);
    assert_eq!(text(referrers, "C1", "account_name").as_deref(), Some("Acme"));
    assert_eq!(text(referrers, "C1", "csm_id").as_deref(), Some("S1"));
    assert_close(number(referrers, "C2", "won_amount"), 0.0);
}

#[test]
fn referral_retention_golden() {
    // Cohort: first won new business closed in (D-730, D-365] = 2024-11-01..2025-10-31.
    let data = MiniData::empty()
        .rows("csms", &["S1,Sam One,A"])
        .rows(
            "accounts",
            &[
                "A1,One,,,,S1,2025-01-15,,1",
                "A2,Two,,,,S1,2025-03-01,2026-02-01,0", // churned before 2026-03-01: lost
                "A3,Three,,,,S1,2025-06-01,2026-06-02,0", // churned the day after first + 365
                "A4,Four,,,,S1,2025-07-01,2026-07-01,0", // churned on first + 365: lost
                "A5,Five,,,,S1,2024-10-31,,1",          // first deal on D-730: outside
                "A6,Six,,,,S1,2024-06-01,,1",           // its first deal is before the cohort
            ],
        )
        .rows("contacts", &["C1,A1,Ann,,,2024-02-01,"])
        .rows(
            "opportunities",
            &[
                "O1,A1,new_business,won,1,2024-12-01,2025-01-15,Referral,",
                "O2,A2,new_business,won,1,2025-02-01,2025-03-01,Website,",
                "O3,A3,new_business,won,1,2025-05-01,2025-06-01,Website,",
                "O4,A4,new_business,won,1,2025-06-01,2025-07-01,Website,",
                "O5,A5,new_business,won,1,2024-10-01,2024-10-31,Website,",
                "O6,A6,new_business,won,1,2024-05-01,2024-06-01,Website,",
                "O7,A6,new_business,won,1,2025-01-01,2025-02-01,Referral,",
            ],
        )
        .rows("advocacy_activities", &["ACT1,C1,review,pending,,,"])
        .without("nps_responses")
        .without("usage")
        .without("webinar_attendance")
        .without("job_changes");
    let computed = data.compute("retention");
    let retention = table(&computed, "referral_retention");
    // referral: A1 retained -> 1/1. other: A2 no, A3 yes, A4 no -> 1/3.
    // lift = 1 / (1/3) - 1 = 2; churn reduction = 1 - (1 - 1) / (1 - 1/3) = 1.
    assert_close(number(retention, "referral", "cohort_size"), 1.0);
    assert_close(number(retention, "referral", "retention_rate"), 1.0);
    assert_close(number(retention, "other", "cohort_size"), 3.0);
    assert_close(number(retention, "other", "retained"), 1.0);
    assert_close(number(retention, "other", "retention_rate"), 1.0 / 3.0);
    assert_close(number(retention, "referral", "retention_lift"), 2.0);
    assert_close(number(retention, "referral", "churn_reduction"), 1.0);
    assert_eq!(number(retention, "other", "retention_lift"), None);
}

fn second_order_data() -> MiniData {
    MiniData::empty()
        .rows("csms", &["S1,Sam One,A"])
        .rows(
            "accounts",
            &[
                "A1,Home,,,,S1,2024-01-01,,100000",
                "A2,NewCo,,,,S1,2026-01-10,,20000", // became a customer by C1's repurchase
                "A3,Customer,,,,S1,2024-01-01,,5000",
                "A4,Slow,,,,,,,",
                "A5,Target,,,,,,,",
            ],
        )
        .rows(
            "contacts",
            &[
                "C1,A1,Ann,,,2023-01-01,2025-09-01",
                "C2,A1,Bob,,,2023-01-01,2026-01-15",
                "C3,A1,Cat,,,2023-01-01,2024-02-01",
                "C4,A1,Dan,,,2023-01-01,",
                "C5,A1,Eve,,,2023-01-01,",
                "C6,A1,Fay,,,2023-01-01,",
                "C7,A1,Gus,,,2023-01-01,",
                "C9,A2,Ann,,,2025-09-01,",
            ],
        )
        .rows(
            "opportunities",
            &[
                "O1,A2,new_business,won,20000,2025-10-01,2026-01-10,,", // C1's repurchase
                "O2,A2,new_business,won,7000,2025-08-01,2025-12-01,,",  // created before the move
                "O3,A5,new_business,won,5000,2026-02-01,2026-03-01,,C9", // referred by C1's new record
                "O4,A5,new_business,lost,3000,2026-03-01,2026-04-01,,C1",
                "O5,A5,new_business,lost,3000,2025-08-15,2025-09-15,,C1", // before the move
                "O6,A4,new_business,won,9000,2024-03-01,2026-02-05,,",    // after moved_on + 730
            ],
        )
        .rows(
            "advocacy_activities",
            &[
                "ACT1,C1,review,completed,,2025-06-01,",
                "ACT2,C2,review,completed,,2025-05-01,",
                "ACT3,C3,review,completed,,2024-01-10,",
                "ACT5,C5,review,completed,,2026-05-01,", // qualifies after moving: not a champion
                "ACT6,C6,review,completed,,2025-01-01,",
                "ACT7,C7,review,completed,,2025-01-01,",
            ],
        )
        .rows(
            "job_changes",
            &[
                "C1,2025-09-01,A2,C9",
                "C2,2026-01-15,A3,", // to a company that is already a customer
                "C3,2024-02-01,A4,",
                "C4,2026-01-01,A5,", // never a CSQA
                "C5,2026-03-01,A5,",
                "C6,2026-08-03,A5,", // D-89: on the sales action list
                "C7,2026-08-02,A5,", // D-90: not
            ],
        )
        .without("nps_responses")
        .without("usage")
        .without("webinar_attendance")
}

#[test]
fn second_order_golden() {
    let computed = second_order_data().compute("second-order");
    let moved = table(&computed, "second_order");
    // Moved champions by moved_on: C3 (2024-02-01), C1 (2025-09-01), C2 (2026-01-15),
    // C7 (08-02), C6 (08-03). C4 was never a CSQA; C5 qualified after moving.
    assert_eq!(keys(moved), ["C3", "C1", "C2", "C7", "C6"]);
    // C1 -> A2, not a customer on 2025-09-01. O1 (created after the move, won 2026-01-10) is a
    // repurchase of 20,000; O2 was created before the move. Referrals: O3 (by the new record C9,
    // won 5,000) and O4 (by C1, lost); O5 predates the move -> 2 referrals, 1 won, 5,000.
    assert_eq!(flag(moved, "C1", "new_account_already_customer"), Some(false));
    assert_eq!(flag(moved, "C1", "repurchased"), Some(true));
    assert_close(number(moved, "C1", "repurchase_amount"), 20_000.0);
    assert_close(number(moved, "C1", "referrals"), 2.0);
    assert_close(number(moved, "C1", "referrals_won"), 1.0);
    assert_close(number(moved, "C1", "referral_amount"), 5_000.0);
    assert_eq!(text(moved, "C1", "old_account_id").as_deref(), Some("A1"));
    // C2 moved to A3, a customer since 2024: not eligible, so repurchase is null, not false.
    assert_eq!(flag(moved, "C2", "new_account_already_customer"), Some(true));
    assert_eq!(flag(moved, "C2", "repurchased"), None);
    assert_eq!(number(moved, "C2", "repurchase_amount"), None);
    // C3 -> A4: O6 closed 2026-02-05, after 2024-02-01 + 730 = 2026-01-31: not counted.
    assert_eq!(flag(moved, "C3", "repurchased"), Some(false));
    assert_close(number(moved, "C3", "repurchase_amount"), 0.0);
    // The action list: moved in the last 90 days (08-03..10-31) to a non-customer.
    assert_eq!(flag(moved, "C6", "sales_action"), Some(true));
    assert_eq!(flag(moved, "C7", "sales_action"), Some(false));
}

#[test]
fn second_order_summary_golden_with_zero_churn() {
    let computed = second_order_data().compute("second-order-summary");
    let summary = table(&computed, "second_order_summary");
    let value = |column: &str| common::number_at(summary, 0, column);
    // 5 moved, 1 to a customer, 4 eligible, 1 repurchased -> .25; referrals 2 (all C1's),
    // won 1 -> .5; revenue 20,000 + 5,000 = 25,000.
    assert_close(value("champions_moved"), 5.0);
    assert_close(value("moved_to_customers"), 1.0);
    assert_close(value("eligible"), 4.0);
    assert_close(value("repurchased"), 1.0);
    assert_close(value("repurchase_rate"), 0.25);
    assert_close(value("referrals"), 2.0);
    assert_close(value("referral_conversion"), 0.5);
    assert_close(value("second_order_revenue"), 25_000.0);
    assert_close(value("sales_actions"), 1.0);
    // Customers on D-365 (2025-10-31): A1, A3; neither churned -> churn 0, so the lifetime
    // is the cap of 10 years: value = 25,000 * .8 * 10 = 200,000.
    assert_close(value("customers_year_ago"), 2.0);
    assert_close(value("annual_logo_churn"), 0.0);
    assert_close(value("expected_lifetime_years"), 10.0);
    assert_close(value("second_order_value"), 200_000.0);
}
