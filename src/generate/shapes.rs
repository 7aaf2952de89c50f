//! `generate --realistic`: the shapes real exports have and clean generated data lacks.
//!
//! - A share of usage rows (about 12%), and the webinar and NPS rows already written by email,
//!   name the person only by an email typed the way people type it: upper-case, title-case,
//!   with spaces or a tab around it. Product analytics keyed by login email, event tools keyed
//!   by the registration form, surveys keyed by the invitation list all look like this.
//! - Some of those emails belong to nobody in the CRM (a former employee, a personal address):
//!   those rows are rejected as `unknown_contact`, as they would be on real data.
//! - About 5% of contact-days arrive as two rows (two apps, two sessions) whose minutes and
//!   events add up to the day's.
//!
//! Every person row that resolves still describes the same usage as the clean data, so the
//! metric tables of a realistic dataset equal those of the clean one with the same seed; only
//! `data_quality` and the rejects differ (`tests/formats.rs` checks this).

use super::rng::{mix, Rng};
use super::world::{Contact, World};

/// Share of contacts whose usage rows carry only an email.
const EMAIL_USAGE_SHARE: f64 = 0.12;
/// Share of contact-days written as two rows.
const SPLIT_DAY_SHARE: f64 = 0.05;
/// Rows about people the CRM does not know, per thousand rows of a table.
const UNKNOWN_PER_MILLE: u64 = 3;

/// Which contacts' usage is keyed by email: not those whose email another contact shares
/// (whatever its case), so that every such row resolves to the contact it is about.
pub struct Shapes {
    email_usage: Vec<bool>,
}

impl Shapes {
    pub fn new(w: &World, seed: u64) -> Shapes {
        let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for c in &w.contacts {
            *counts.entry(c.email.to_lowercase()).or_default() += 1;
        }
        let email_usage = w
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                counts[&c.email.to_lowercase()] == 1
                    && Rng::derive(seed ^ 0xE3A1, i as u64, 0).chance(EMAIL_USAGE_SHARE)
            })
            .collect();
        Shapes { email_usage }
    }

    /// Whether contact `i`'s usage rows name it only by email.
    pub fn usage_by_email(&self, i: usize) -> bool {
        self.email_usage[i]
    }
}

/// `email` typed with one of the noises people add, chosen by `key` (stable across runs).
pub fn noisy_email(email: &str, key: u64) -> String {
    match mix(key) % 6 {
        0 => email.to_uppercase(),
        1 => format!(" {email}"),
        2 => format!("{email}  "),
        3 => title_case(email),
        4 => format!("\t{}", email.to_uppercase()),
        _ => email.to_string(),
    }
}

fn title_case(email: &str) -> String {
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        out.extend(if start { c.to_uppercase().collect::<Vec<_>>() } else { vec![c] });
        start = matches!(c, '.' | '@');
    }
    out
}

/// One day's usage of a contact as `(minutes, events)` rows: usually one row, sometimes two
/// that add up exactly (minutes are on a half-minute grid, so the halves stay on it).
pub fn day_rows(seed: u64, contact: usize, day: i32, minutes: f64, events: i64) -> Vec<(f64, i64)> {
    let halves = (minutes * 2.0).round() as i64;
    if halves < 2 || !Rng::derive(seed ^ 0x5D1E, contact as u64, day as u64).chance(SPLIT_DAY_SHARE) {
        return vec![(minutes, events)];
    }
    let first = halves / 3;
    let first_events = events / 3;
    vec![(first as f64 / 2.0, first_events), ((halves - first) as f64 / 2.0, events - first_events)]
}

/// Whether the `n`th row of a table is followed by a row about somebody the CRM does not know.
pub fn unknown_after(seed: u64, table: u64, n: usize) -> bool {
    mix(seed ^ mix(table ^ mix(n as u64))) % 1000 < UNKNOWN_PER_MILLE
}

/// An email nobody in the CRM has, at the domain of `like` (a former employee's address).
pub fn unknown_email(like: &Contact, n: usize) -> String {
    let domain = like.email.split('@').nth(1).unwrap_or("example.com");
    noisy_email(&format!("former.user{n}@{domain}"), n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_days_add_up_to_the_day() {
        // 7.5 minutes = 15 halves: 5 halves (2.5) + 10 halves (5.0); events 9 = 3 + 6.
        for day in 0..2000 {
            let rows = day_rows(1, 3, day, 7.5, 9);
            let minutes: f64 = rows.iter().map(|r| r.0).sum();
            let events: i64 = rows.iter().map(|r| r.1).sum();
            assert_eq!((minutes, events), (7.5, 9));
            if rows.len() == 2 {
                assert_eq!(rows, [(2.5, 3), (5.0, 6)]);
            }
        }
    }

    #[test]
    fn noisy_emails_normalise_to_the_email() {
        for key in 0..12 {
            let noisy = noisy_email("ana.lee@beta.io", key);
            assert_eq!(noisy.trim().to_lowercase(), "ana.lee@beta.io", "{noisy:?}");
        }
        assert_eq!(title_case("ana.lee@beta.io"), "Ana.Lee@Beta.Io");
    }
}
