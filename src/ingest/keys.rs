//! Ids as integers. Each referenced table's accepted ids (and the contacts' email keys) are
//! hashed once into an index; a row's reference is then one lookup that gives the integer
//! position of the row it names, or nothing. Reference checks, email identity and the usage
//! pass work on those positions, so no string is hashed twice per row and no join on text
//! runs over a large table.
//!
//! A lookup sees the value after the row's text cleaning (trimmed, 15-character Salesforce
//! ids extended), exactly as the checks do. An email is matched by `lower(trim(email))`; the
//! lower-casing is skipped for values that are lower-case already, which most are.

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;

type FastMap = HashMap<Box<str>, u32, foldhash::fast::FixedState>;

/// The accepted ids of one table, in row order, and their positions.
pub struct KeyIndex {
    positions: FastMap,
    ids: StringChunked,
}

impl KeyIndex {
    /// Indexes `ids` (accepted ids are unique; a repeat would keep its first position).
    pub fn new(ids: &StringChunked) -> KeyIndex {
        let mut positions = FastMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (i, id) in ids.iter().enumerate() {
            if let Some(id) = id {
                positions.entry(id.into()).or_insert(i as u32);
            }
        }
        KeyIndex { positions, ids: ids.rechunk().into_owned() }
    }

    pub fn position(&self, id: &str) -> Option<u32> {
        self.positions.get(id).copied()
    }

    /// The ids, in the accepted table's row order.
    pub fn ids(&self) -> &StringChunked {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Contacts by id and by email key (`lower(trim(email))` -> the contact SPEC.md section 1's
/// tie-breaks choose).
pub struct ContactIndex {
    pub ids: Arc<KeyIndex>,
    emails: FastMap,
}

impl ContactIndex {
    /// `contacts` are the accepted contacts; `email_map` is `ingest::identity::email_map` of
    /// them (`email_key`, `contact_id`).
    pub fn new(contacts: &DataFrame, email_map: &DataFrame) -> PolarsResult<ContactIndex> {
        let ids = Arc::new(KeyIndex::new(contacts.column("contact_id")?.str()?));
        let keys = email_map.column("email_key")?.str()?;
        let chosen = email_map.column("contact_id")?.str()?;
        let mut emails = FastMap::with_capacity_and_hasher(keys.len(), Default::default());
        for (key, id) in keys.iter().zip(chosen.iter()) {
            if let (Some(key), Some(position)) = (key, id.and_then(|id| ids.position(id))) {
                emails.insert(key.into(), position);
            }
        }
        Ok(ContactIndex { ids, emails })
    }

    /// The contact an email (already trimmed) names.
    pub fn by_email(&self, email: &str) -> Option<u32> {
        if email.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            self.emails.get(email.to_lowercase().as_str()).copied()
        } else {
            self.emails.get(email).copied()
        }
    }
}

/// Whether each value of `value` (text) is one of `keys`; null stays null.
pub fn known(value: Expr, keys: Arc<KeyIndex>) -> Expr {
    value.map(
        move |c| {
            let text = c.cast(&DataType::String)?;
            let out: BooleanChunked =
                text.str()?.iter().map(|v| v.map(|v| keys.position(v).is_some())).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    )
}

/// The position of the contact a row names: by `contact_id` when it has one (null when that
/// id is unknown, whatever the email says), else by `email`.
pub fn contact_position(id: Expr, email: Expr, contacts: Arc<ContactIndex>) -> Expr {
    map_multiple(
        move |columns: &mut [Column]| {
            let ids = columns[0].cast(&DataType::String)?;
            let emails = columns[1].cast(&DataType::String)?;
            let (ids, emails) = (ids.str()?, emails.str()?);
            let resolve = |(id, email): (Option<&str>, Option<&str>)| match id {
                Some(id) => contacts.ids.position(id),
                None => email.and_then(|e| contacts.by_email(e)),
            };
            // A table without an email column passes a null literal: one value for every row.
            let out: UInt32Chunked = if emails.len() == ids.len() {
                ids.iter().zip(emails.iter()).map(resolve).collect()
            } else {
                let email = emails.get(0);
                ids.iter().map(|id| resolve((id, email))).collect()
            };
            Ok(out.with_name(columns[0].name().clone()).into_column())
        },
        [id, email],
        |_, fields| Ok(Field::new(fields[0].name().clone(), DataType::UInt32)),
    )
}

/// The id at each position (null stays null).
pub fn id_at(position: Expr, keys: Arc<KeyIndex>) -> Expr {
    position.map(
        move |c| {
            let positions = c.u32()?;
            let ids = keys.ids();
            let out: StringChunked = positions.iter().map(|p| p.and_then(|p| ids.get(p as usize))).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_match_whatever_their_case_and_ids_exactly() {
        let contacts = df! { "contact_id" => ["C1", "C2", "c3"] }.unwrap();
        let map = df! { "email_key" => ["ana@x.io", "bo@y.io"], "contact_id" => ["C2", "C1"] }.unwrap();
        let index = ContactIndex::new(&contacts, &map).unwrap();
        assert_eq!(index.by_email("ANA@X.io"), Some(1));
        assert_eq!(index.by_email("bo@y.io"), Some(0));
        assert_eq!(index.by_email("zoë@y.io"), None);
        assert_eq!(index.ids.position("c3"), Some(2));
        assert_eq!(index.ids.position("C3"), None, "ids are case-sensitive");
        let rows = df! {
            "id" => [Some("C1"), None, Some("C9"), None, None],
            "email" => [Some("bo@y.io"), Some("Ana@X.IO"), Some("ana@x.io"), Some("nobody@z.io"), None],
        }
        .unwrap();
        let index = Arc::new(index);
        let out = rows
            .lazy()
            .select([contact_position(col("id"), col("email"), index.clone()).alias("p")])
            .with_column(id_at(col("p"), index.ids.clone()).alias("id"))
            .collect()
            .unwrap();
        let positions: Vec<Option<u32>> = out.column("p").unwrap().u32().unwrap().iter().collect();
        // C1 by id; Ana by email; C9 is unknown and its email does not rescue it; nobody; blank.
        assert_eq!(positions, [Some(0), Some(1), None, None, None]);
        let ids: Vec<Option<&str>> = out.column("id").unwrap().str().unwrap().iter().collect();
        assert_eq!(ids, [Some("C1"), Some("C2"), None, None, None]);
    }
}
