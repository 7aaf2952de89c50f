//! Who a row is about, and the merges that need it (SPEC.md sections 1 and 2).
//!
//! A row with only an email belongs to the contact with that `lower(trim(email))`; when several
//! contacts share it, the one still in post (`left_on` null), then the latest `created_on`
//! (null is the oldest), then the smallest `contact_id`, all in today's snapshot.

use polars::prelude::*;

use crate::vocab::exact;
use crate::vocab::Role;

/// `email_key` -> `contact_id` over accepted contacts, with the tie-breaks above.
pub fn email_map(contacts: &DataFrame) -> PolarsResult<DataFrame> {
    contacts
        .clone()
        .lazy()
        .select([
            col("email").str().to_lowercase().alias("email_key"),
            col("contact_id"),
            col("left_on").is_null().alias("still_there"),
            col("created_on"),
        ])
        .filter(col("email_key").is_not_null())
        .sort(
            ["email_key", "still_there", "created_on", "contact_id"],
            SortMultipleOptions::default()
                .with_order_descending_multi([false, true, true, false])
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .unique_stable(Some(cols(["email_key"])), UniqueKeepStrategy::First)
        .select([col("email_key"), col("contact_id")])
        .collect()
}

/// Several rows for one contact and webinar are one: registered = any (null counts as true),
/// attended = any, minutes = sum, held_on = the earliest. The role kept is the most active
/// one (host, then panelist, then attendee); the title is the first non-null one.
pub fn merge_webinar_rows(rows: LazyFrame) -> LazyFrame {
    let role_rank = when(col("role").eq(Role::Host.lit()))
        .then(lit(2))
        .when(col("role").eq(Role::Panelist.lit()))
        .then(lit(1))
        .otherwise(lit(0));
    rows.with_column(role_rank.alias("\u{1}role_rank")).group_by([col("contact_id"), col("webinar_id")]).agg(
        [
            col("webinar_title").drop_nulls().first().alias("webinar_title"),
            col("held_on").min(),
            col("registered").fill_null(lit(true)).any(true).alias("registered"),
            col("attended").any(true).alias("attended"),
            exact::sum(col("minutes_attended")).alias("minutes_attended"),
            col("role")
                .sort_by([col("\u{1}role_rank")], SortMultipleOptions::default().with_order_descending(true))
                .first()
                .alias("role"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> i32 {
        crate::calendar::epoch_days(s.parse().unwrap())
    }

    #[test]
    fn shared_emails_resolve_by_the_spec_tie_breaks() {
        let contacts = df! {
            // dan@beta.io: both active, the later created_on wins (C04 over C15).
            // gus@zeta.com: C09 has left, so C08 wins although it was created later.
            // x@y.z: same created_on, both active: the smallest id wins.
            // n@n.n: a null created_on is the oldest.
            "contact_id" => ["C15", "C04", "C09", "C08", "Z2", "Z1", "N1", "N2"],
            "email" => ["dan@beta.io", "DAN@beta.io", "GUS@zeta.com", "gus@zeta.com", "x@y.z", "x@y.z", "n@n.n", "n@n.n"],
            "created_on" => [Some(date("2026-03-01")), Some(date("2026-04-01")), Some(date("2025-01-01")), Some(date("2025-06-01")), Some(date("2025-01-01")), Some(date("2025-01-01")), None, Some(date("2020-01-01"))],
            "left_on" => [None, None, Some(date("2025-06-01")), None, None, None, None, None],
        }
        .unwrap()
        .lazy()
        .with_columns([col("created_on").cast(DataType::Date), col("left_on").cast(DataType::Int32).cast(DataType::Date)])
        .collect()
        .unwrap();
        let map = email_map(&contacts).unwrap();
        let get = |email: &str| -> String {
            let hit = map.clone().lazy().filter(col("email_key").eq(lit(email))).collect().unwrap();
            hit.column("contact_id").unwrap().str().unwrap().get(0).unwrap().to_string()
        };
        assert_eq!(map.height(), 4);
        assert_eq!(get("dan@beta.io"), "C04");
        assert_eq!(get("gus@zeta.com"), "C08");
        assert_eq!(get("x@y.z"), "Z1");
        assert_eq!(get("n@n.n"), "N2");
    }
}
