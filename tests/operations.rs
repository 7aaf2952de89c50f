//! Reference operations, account coverage, attribution and the fair CSM rank (SPEC.md 3.2
//! v2, 8 and 9) on small hand-made datasets, with the arithmetic in comments. Every run is as
//! of 2026-10-31: T12M is 2025-11-01 to 2026-10-31.

mod common;

use common::{assert_close, number, number_at, table, text, MiniData};
use polars::prelude::*;

/// One customer account per id (all SMB Software NA unless given), each with one contact
/// `C<id>`, and one open deal so that the required opportunities table is not empty.
fn base() -> MiniData {
    MiniData::empty()
        .without("usage")
        .without("webinar_attendance")
        .rows("csms", &["S1,Sam One,A"])
        .rows("opportunities", &["OPEN,A1,renewal,open,1,2026-01-01,,,"])
}

fn rows_of(df: &DataFrame, columns: &[&str]) -> Vec<String> {
    (0..df.height())
        .map(|i| {
            columns
                .iter()
                .map(|c| {
                    let v = df.column(c).unwrap().cast(&DataType::String).unwrap();
                    v.str().unwrap().get(i).unwrap_or("").to_string()
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[test]
fn over_asks_count_earlier_asks_up_to_the_day_before() {
    // fatigue_max_asks 3 in 90 days. Every activity is a pending review, so nothing is
    // completed or declined.
    let ask = |id: &str, contact: &str, on: &str| format!("{id},{contact},review,pending,{on},,");
    let asks = [
        // C1: its 4th ask (07-04) has exactly 3 before it in [04-05, 07-03]: an over-ask.
        ask("A01", "C1", "2026-07-01"),
        ask("A02", "C1", "2026-07-02"),
        ask("A03", "C1", "2026-07-03"),
        ask("A04", "C1", "2026-07-04"),
        // C2: the two asks of 08-03 see only 08-01 and 08-02: asks on the same day never count.
        ask("A05", "C2", "2026-08-01"),
        ask("A06", "C2", "2026-08-02"),
        ask("A07", "C2", "2026-08-03"),
        ask("A08", "C2", "2026-08-03"),
        // C3: for the ask of 04-02 the window is [01-02, 04-01]: 01-01 is out, 2 before it.
        ask("A09", "C3", "2026-01-01"),
        ask("A10", "C3", "2026-01-02"),
        ask("A11", "C3", "2026-01-03"),
        ask("A12", "C3", "2026-04-02"),
        // C4: for the ask of 04-01 the window is [01-01, 03-31]: 3 before it, an over-ask.
        ask("A13", "C4", "2026-01-01"),
        ask("A14", "C4", "2026-01-02"),
        ask("A15", "C4", "2026-01-03"),
        ask("A16", "C4", "2026-04-01"),
        // C5: asks before T12M are not counted as asks but do count as earlier asks.
        ask("A17", "C5", "2025-10-01"),
        ask("A18", "C5", "2025-10-02"),
        ask("A19", "C5", "2025-10-03"),
        ask("A20", "C5", "2025-11-01"),
    ];
    let mut data = base().rows("accounts", &["A1,Acme,SMB,Software,NA,S1,2024-01-01,,1000"]);
    for c in 1..=5 {
        data = data.push("contacts", &format!("C{c},A1,Person {c},,,2024-01-01,"));
    }
    let asks_rows: Vec<&str> = asks.iter().map(String::as_str).collect();
    let computed = data.rows("advocacy_activities", &asks_rows).compute("over-asks");
    let asks = table(&computed, "asks");
    // In T12M: 4 + 4 + 4 + 4 + 1 = 17 asks by 5 contacts; over-asks A04, A16, A20.
    assert_eq!(
        rows_of(
            asks,
            &["scope", "activity_type", "asks", "asked_contacts", "completed", "declined", "pending"]
        ),
        ["all,,17,5,0,0,17", "type,review,17,5,0,0,17"]
    );
    // Nothing completed or declined: the acceptance rate and the median are null, not 0.
    assert_eq!(number_at(asks, 0, "acceptance_rate"), None);
    assert_eq!(number_at(asks, 0, "median_days_to_complete"), None);
    assert_eq!(number_at(asks, 0, "over_asks"), Some(3.0));
    assert_close(number_at(asks, 0, "over_ask_share"), 3.0 / 17.0);
    // The scorecard: S1's contacts were asked 17 times, none answered.
    let card = table(&computed, "csm_scorecard");
    assert_eq!(number(card, "S1", "asks_t12m"), Some(17.0));
    assert_eq!(number(card, "S1", "acceptance_rate_t12m"), None);
}

/// NPS on 2026-09-01 and completed activities without `requested_on` (not asks).
fn health_rows(contact: &str, nps: i64, completed: usize) -> (String, Vec<String>) {
    let response = format!("R{contact},{contact},,2026-09-01,{nps},");
    let activities = (0..completed)
        .map(|i| format!("X{contact}{i},{contact},review,completed,,2026-0{}-01,", 5 + i))
        .collect();
    (response, activities)
}

#[test]
fn references_are_matched_greedily_in_deal_order() {
    // Scores from NPS (weight 0.35) and advocacy (0.20), the only inputs:
    // NPS 10 and 2 activities -> 100; NPS 9 and 2 -> (0.315 + 0.2) / 0.55 = 93.636;
    // NPS 10 and 1 -> (0.35 + 0.1) / 0.55 = 81.818.
    let people = [
        ("R1", "A2", 10, 2),
        ("R2", "A2", 10, 2),
        ("R3", "A1", 9, 2),
        ("R4", "A3", 10, 2),
        ("R5", "A1", 10, 2),
        ("R6", "A1", 10, 1),
    ];
    let mut data = base().rows(
        "accounts",
        &[
            "A1,Acme,SMB,Retail,NA,S1,2024-01-01,,1000",
            "A2,Beta,Enterprise,Retail,EMEA,S1,2024-01-01,,1000",
            "A3,Gamma,SMB,Software,NA,S1,2024-01-01,,1000",
            // Prospects: P1 has no industry; P2 is Retail, Enterprise, EMEA.
            "P1,Pros One,smb ,,na,,,,0",
            "P2,Pros Two,Enterprise, retail,EMEA,,,,0",
        ],
    );
    let mut activities = vec![
        // R5 was asked on 10-02, inside the 30 days (10-02 to 10-31): resting. R6 on 10-01,
        // just outside.
        "ASK5,R5,reference_call,pending,2026-10-02,,".to_string(),
        "ASK6,R6,reference_call,pending,2026-10-01,,".to_string(),
    ];
    let mut responses = Vec::new();
    for (contact, account, nps, completed) in people {
        data = data.push("contacts", &format!("{contact},{account},{contact} Person,,,2024-01-01,"));
        let (response, done) = health_rows(contact, nps, completed);
        responses.push(response);
        activities.extend(done);
    }
    let computed = data
        .rows("nps_responses", &responses.iter().map(String::as_str).collect::<Vec<_>>())
        .rows("advocacy_activities", &activities.iter().map(String::as_str).collect::<Vec<_>>())
        .rows(
            "opportunities",
            &[
                "O1,P2,new_business,open,50000,2026-09-01,,,",
                "O2,P1,new_business,open,40000,2026-09-01,,,",
                "O3,P2,expansion,open,30000,2026-09-01,,,",
                // Created after D: not a deal yet.
                "O4,P2,new_business,open,90000,2026-11-05,,,",
            ],
        )
        .compute("references");
    let matches = table(&computed, "reference_matches");
    assert_eq!(
        rows_of(
            matches,
            &["opportunity_id", "rank", "contact_id", "reference_account_id", "match_points", "matched"]
        ),
        [
            // O1 (P2): R1 and R2 match all three (4 points) with the same score, so by id;
            // then R3 (industry, 2 points, 93.6) before R6 (2 points, 81.8).
            "O1,1,R1,A2,4,industry;segment;region",
            "O1,2,R2,A2,4,industry;segment;region",
            "O1,3,R3,A1,2,industry",
            // O2 (P1, no industry): segment and region only, 2 points for A1 and A3, by score:
            // R4 100, R3 93.6 (its second deal), R6 81.8. R1 and R2 match nothing.
            "O2,1,R4,A3,2,segment;region",
            "O2,2,R3,A1,2,segment;region",
            "O2,3,R6,A1,2,segment;region",
            // O3 (P2): R3 has had its two deals; R6 its first.
            "O3,1,R1,A2,4,industry;segment;region",
            "O3,2,R2,A2,4,industry;segment;region",
            "O3,3,R6,A1,2,industry",
        ]
    );
    assert_close(number_at(matches, 2, "score"), 100.0 * 0.515 / 0.55);
    assert_close(number_at(matches, 5, "score"), 100.0 * 0.45 / 0.55);
    assert_eq!(text(matches, "O1", "tier").as_deref(), Some("champion"));
    // The open pipeline: O1 to O3 (O4 is created after D); none touched or referred.
    let pipeline = table(&computed, "influenced_pipeline");
    assert_eq!(number_at(pipeline, 0, "open_deals"), Some(3.0));
    assert_eq!(number_at(pipeline, 0, "open_amount"), Some(120000.0));
    assert_eq!(number_at(pipeline, 0, "influenced_share"), Some(0.0));
}

#[test]
fn a_departed_csqa_counts_once_and_the_window_has_an_edge() {
    // Four CSQAs at A1 (each completed a review on 2026-01-10 as a customer). The departure
    // window is the last 90 days: 08-03 to 10-31.
    let computed = base()
        .rows("accounts", &["A1,Acme,SMB,Software,NA,S1,2024-01-01,,5000", "A9,NewCo,SMB,Software,NA,,,,0"])
        .rows(
            "contacts",
            &[
                // C1 left on 10-01 and moved on 10-05: one departed CSQA, not two.
                "C1,A1,One,,,2024-01-01,2026-10-01",
                // C2 moved on 09-15 (and is still a contact of A1 in the CRM).
                "C2,A1,Two,,,2024-01-01,",
                // C3 left on 08-02, one day before the window.
                "C3,A1,Three,,,2024-01-01,2026-08-02",
                "C4,A1,Four,,,2024-01-01,",
            ],
        )
        .rows(
            "advocacy_activities",
            &(1..=4)
                .map(|c| format!("Q{c},C{c},review,completed,,2026-01-10,"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .rows("job_changes", &["C1,2026-10-05,A9,", "C2,2026-09-15,A9,"])
        .compute("coverage");
    let coverage = table(&computed, "account_coverage");
    assert_eq!(coverage.height(), 1, "A9 is not a customer");
    // Active on D: C2 and C4 (C1 and C3 left). Departed: C1 and C2.
    assert_eq!(number(coverage, "A1", "contacts"), Some(2.0));
    assert_eq!(number(coverage, "A1", "active_csqas"), Some(2.0));
    assert_eq!(number(coverage, "A1", "departed_csqas"), Some(2.0));
    assert_eq!(text(coverage, "A1", "risk").as_deref(), Some("champion_left"));
}

#[test]
fn retention_cohorts_start_on_the_day_a_year_before() {
    // D - 365 = 2025-10-31.
    let computed = base()
        .rows(
            "accounts",
            &[
                // B1 became a customer on 2025-10-31: in the cohort, with its advocate.
                "B1,One,SMB,Software,NA,S1,2025-10-31,,1000",
                // B2 became one a day later: not in the cohort.
                "B2,Two,SMB,Software,NA,S1,2025-11-01,,1000",
                // B3 churned on 2025-10-31: not a customer that day.
                "B3,Three,SMB,Software,NA,S1,2024-01-01,2025-10-31,1000",
                // B4: a customer then, churned in March.
                "B4,Four,SMB,Software,NA,S1,2024-01-01,2026-03-01,1000",
                "B5,Five,SMB,Software,NA,S1,2024-01-01,,1000",
            ],
        )
        .rows("contacts", &["K1,B1,Kay,,,2025-01-01,", "K4,B4,Kim,,,2024-01-01,"])
        // K1 qualifies on 2025-10-31 itself, the day B1 became a customer.
        .rows("advocacy_activities", &["Q1,K1,review,completed,,2025-10-31,"])
        .rows(
            "opportunities",
            &[
                "E1,B1,expansion,won,10000,2026-03-01,2026-05-01,,",
                "E2,B5,expansion,won,500,2025-01-01,2025-10-30,,",
            ],
        )
        .compute("retention");
    let retention = table(&computed, "advocate_retention");
    // with_advocate: B1, retained, 10,000 of expansion in T12M. without: B4 (churned) and
    // B5 (retained; its expansion closed before T12M).
    assert_eq!(number(retention, "with_advocate", "accounts"), Some(1.0));
    assert_eq!(number(retention, "with_advocate", "retention_rate"), Some(1.0));
    assert_eq!(number(retention, "with_advocate", "expansion_per_account"), Some(10000.0));
    assert_eq!(number(retention, "without", "accounts"), Some(2.0));
    assert_eq!(number(retention, "without", "retention_rate"), Some(0.5));
    assert_eq!(number(retention, "without", "expansion_amount"), Some(0.0));
    // Wilson(1, 1) with z = 1.96: center (1 + z²/2) / (1 + z²), half-width
    // z * sqrt(z²/4) / (1 + z²).
    let z2 = 1.96f64 * 1.96;
    assert_close(
        number(retention, "with_advocate", "ci_low"),
        ((1.0 + z2 / 2.0) - 1.96 * (z2 / 4.0).sqrt()) / (1.0 + z2),
    );
    // Lift 1 / 0.5 - 1 = 1; churn reduction 1 - 0 / 0.5 = 1.
    assert_close(number(retention, "with_advocate", "retention_lift"), 1.0);
    assert_close(number(retention, "with_advocate", "churn_reduction"), 1.0);
    assert_eq!(number(retention, "without", "retention_lift"), None);
}

#[test]
fn u_shaped_and_time_decay_credit_touches_by_position_and_age() {
    let touch = |id: &str, kind: &str, on: &str, deal: &str| format!("{id},T1,{kind},completed,,{on},{deal}");
    let computed = base()
        .rows("accounts", &["A1,Acme,SMB,Software,NA,S1,2024-01-01,,1000"])
        .rows("contacts", &["T1,A1,Toni,,,2024-01-01,"])
        .rows(
            "opportunities",
            &[
                "D1,A1,expansion,won,1000,2026-05-01,2026-05-31,,",
                "D2,A1,expansion,won,2000,2026-05-01,2026-06-10,,",
                "D4,A1,expansion,won,4000,2026-07-01,2026-07-31,,",
            ],
        )
        .rows(
            "advocacy_activities",
            &[
                &touch("a1", "A", "2026-05-20", "D1"),
                // D2: two touches on the same day, 7 days before the close.
                &touch("a2", "A", "2026-06-03", "D2"),
                &touch("a3", "B", "2026-06-03", "D2"),
                // D4: 14, 7, 7 and 0 days before the close; the two of 07-24 by id.
                &touch("a4", "A", "2026-07-17", "D4"),
                &touch("a5", "B", "2026-07-24", "D4"),
                &touch("a6", "C", "2026-07-24", "D4"),
                &touch("a7", "D", "2026-07-31", "D4"),
            ],
        )
        .compute("attribution");
    let by_type = table(&computed, "influence_by_activity_type");
    // U-shaped: D1 gives A 1,000; D2 splits 1,000 / 1,000; D4 gives its first (A) and last (D)
    // 40% = 1,600 each and the two between 10% = 400 each.
    // A = 1,000 + 1,000 + 1,600, B = 1,000 + 400, C = 400, D = 1,600.
    for (kind, expected) in [("A", 3600.0), ("B", 1400.0), ("C", 400.0), ("D", 1600.0)] {
        assert_close(number(by_type, kind, "u_shaped_amount"), expected);
    }
    // Time decay (half-life 7 days): D2's same-day touches weigh the same, 1,000 each. D4's
    // weights are 2^-2, 2^-1, 2^-1, 1 (sum 2.25): 4,000 * 0.25 / 2.25 = 444.44 for A,
    // 888.89 for B and C, 1,777.78 for D.
    let w = 4000.0 / 2.25;
    for (kind, expected) in
        [("A", 1000.0 + 1000.0 + 0.25 * w), ("B", 1000.0 + 0.5 * w), ("C", 0.5 * w), ("D", w)]
    {
        assert_close(number(by_type, kind, "time_decay_amount"), expected);
    }
    // Both sum to the won amount with touches: 7,000.
    for column in ["u_shaped_amount", "time_decay_amount"] {
        let total = by_type.column(column).unwrap().f64().unwrap().sum().unwrap();
        assert!((total - 7000.0).abs() < 1e-6, "{column}: {total}");
    }
}

#[test]
fn csms_rank_by_book_normalised_numbers_within_and_across_teams() {
    // Each CSM owns `accounts` customer accounts with one contact each; `new` of those
    // contacts became CSQAs in 2026 (active on D).
    let csms = [("M1", "X", 5, 1), ("M2", "X", 5, 1), ("M3", "Y", 6, 2), ("M4", "X", 4, 3), ("M5", "", 5, 0)];
    let mut data = MiniData::empty()
        .without("usage")
        .without("webinar_attendance")
        .rows("opportunities", &["OPEN,M1-0,renewal,open,1,2026-01-01,,,"]);
    for (csm, team, accounts, new) in csms {
        data = data.push("csms", &format!("{csm},{csm} Name,{team}"));
        for a in 0..accounts {
            let account = format!("{csm}-{a}");
            data = data
                .push("accounts", &format!("{account},{account},SMB,Software,NA,{csm},2024-01-01,,100"))
                .push("contacts", &format!("{account}-c,{account},Person,,,2024-01-01,"));
            if a < new {
                data = data.push(
                    "advocacy_activities",
                    &format!("Q{account},{account}-c,review,completed,,2026-03-01,"),
                );
            }
        }
    }
    let computed = data.compute("fair-rank");
    let card = table(&computed, "csm_scorecard");
    // New CSQAs per 10 accounts: M3 10 * 2 / 6 = 3.33; M1 and M2 10 * 1 / 5 = 2.0 with the
    // same active per 10 accounts and the same count: tied, so by csm_id; M5 0. M4 has 4
    // accounts, below min_accounts_for_rank (5): no rank, written after the ranked.
    assert_eq!(
        rows_of(card, &["csm_id", "rank", "rank_in_team", "new_csqas_t12m_per_10_accounts"]),
        ["M3,1,1,3.3333333333333335", "M1,2,1,2.0", "M2,3,2,2.0", "M5,4,1,0.0", "M4,,,7.5"]
    );
}
