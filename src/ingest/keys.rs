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
    table: Table,
    ids: StringChunked,
}

impl KeyIndex {
    /// Indexes `ids` (accepted ids are unique; a repeat would keep its first position).
    pub fn new(ids: &StringChunked) -> KeyIndex {
        let ids = ids.rechunk().into_owned();
        KeyIndex { table: Table::new(ids.iter()), ids }
    }

    pub fn position(&self, id: &str) -> Option<u32> {
        self.table.find(Table::hash(id.as_bytes()), id.as_bytes())
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

/// An open-addressing hash table of byte strings kept in one arena, built for lookups of many
/// rows at once: a batch of rows first hashes and loads every row's first slot, so that the
/// memory accesses of different rows overlap instead of waiting on each other. (Looking rows
/// up one by one in a `HashMap<String, _>` spends most of its time waiting for memory once the
/// ids no longer fit in cache: 200k Salesforce ids are about 10 MB of keys.)
struct Table {
    /// Every key's bytes, one after the other; key `i` is `arena[offsets[i]..offsets[i + 1]]`.
    arena: Vec<u8>,
    offsets: Vec<usize>,
    /// `0` for an empty slot; else the key's hash's upper 32 bits, then `i + 1`.
    slots: Vec<u64>,
    mask: u64,
}

/// Rows looked up together by [`Table::find_many`].
const BATCH: usize = 32;

impl Table {
    fn new<'a>(keys: impl Iterator<Item = Option<&'a str>>) -> Table {
        let keys: Vec<Option<&str>> = keys.collect();
        let capacity = (keys.len() * 2).next_power_of_two().max(16);
        let mut table = Table {
            arena: Vec::new(),
            offsets: vec![0],
            slots: vec![0; capacity],
            mask: capacity as u64 - 1,
        };
        for (i, key) in keys.iter().enumerate() {
            // A null key (never an accepted id) still takes its position, so positions stay rows.
            let key = key.unwrap_or_default().as_bytes();
            let hash = Self::hash(key);
            let fresh = keys[i].is_some() && table.find(hash, key).is_none();
            table.arena.extend_from_slice(key);
            table.offsets.push(table.arena.len());
            if fresh {
                let mut at = hash & table.mask;
                while table.slots[at as usize] != 0 {
                    at = (at + 1) & table.mask;
                }
                table.slots[at as usize] = (hash & 0xFFFF_FFFF_0000_0000) | (i as u64 + 1);
            }
        }
        table
    }

    fn hash(key: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x5EED).hash_one(key)
    }

    fn key(&self, i: usize) -> &[u8] {
        &self.arena[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The position of `key` (whose hash is `hash`), probing from `first`, the content of its
    /// first slot.
    fn probe(&self, hash: u64, key: &[u8], mut first: u64) -> Option<u32> {
        let mut at = hash & self.mask;
        loop {
            if first == 0 {
                return None;
            }
            if first >> 32 == hash >> 32 {
                let i = (first & 0xFFFF_FFFF) as usize - 1;
                if self.key(i) == key {
                    return Some(i as u32);
                }
            }
            at = (at + 1) & self.mask;
            first = self.slots[at as usize];
        }
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<u32> {
        self.probe(hash, key, self.slots[(hash & self.mask) as usize])
    }

    /// The position of every key (null keys stay null).
    fn find_many<'a>(&self, keys: impl Iterator<Item = Option<&'a str>>, out: &mut Vec<Option<u32>>) {
        let mut batch: [(&[u8], u64, u64); BATCH] = [(&[], 0, 0); BATCH];
        let mut present = [false; BATCH];
        let mut keys = keys.peekable();
        while keys.peek().is_some() {
            let mut n = 0;
            for key in keys.by_ref().take(BATCH) {
                present[n] = key.is_some();
                if let Some(key) = key {
                    let hash = Self::hash(key.as_bytes());
                    batch[n] = (key.as_bytes(), hash, self.slots[(hash & self.mask) as usize]);
                }
                n += 1;
            }
            for j in 0..n {
                let (key, hash, first) = batch[j];
                out.push(if present[j] { self.probe(hash, key, first) } else { None });
            }
        }
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
            let text = text.str()?;
            let mut positions = Vec::with_capacity(text.len());
            keys.table.find_many(text.iter(), &mut positions);
            let out: BooleanChunked =
                positions.iter().zip(text.iter()).map(|(p, v)| v.map(|_| p.is_some())).collect();
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
            let mut positions = Vec::with_capacity(ids.len());
            contacts.ids.table.find_many(ids.iter(), &mut positions);
            // A table without an email column passes a null literal: one value for every row.
            let email_at = |i: usize| if emails.len() == ids.len() { emails.get(i) } else { emails.get(0) };
            let out: UInt32Chunked = positions
                .into_iter()
                .enumerate()
                .map(|(i, position)| match position {
                    Some(p) => Some(p),
                    None if ids.get(i).is_none() => email_at(i).and_then(|e| contacts.by_email(e)),
                    None => None,
                })
                .collect();
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
        assert_eq!(index.ids.position(""), None);
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

    #[test]
    fn the_table_finds_every_key_alone_and_in_batches() {
        // 5,000 keys (a table of 16,384 slots, so probes run past collisions), a null and a
        // repeat: positions are rows, the repeat keeps its first row, the null is nobody's.
        let mut keys: Vec<Option<String>> = (0..5000).map(|i| Some(format!("003Dn{i:013}AAA"))).collect();
        keys.push(None);
        keys.push(Some("003Dn0000000000007AAA".to_string()));
        let ids: StringChunked = keys.iter().map(|k| k.as_deref()).collect();
        let index = KeyIndex::new(&ids);
        assert_eq!(index.position("003Dn0000000000007AAA"), Some(7));
        assert_eq!(index.position("003Dn0000000004999AAA"), Some(4999));
        assert_eq!(index.position("003Dn0000000005000AAA"), None);
        let mut queries: Vec<Option<String>> =
            (0..7000).rev().map(|i| Some(format!("003Dn{i:013}AAA"))).collect();
        queries.insert(100, None);
        let mut batched = Vec::new();
        index.table.find_many(queries.iter().map(|q| q.as_deref()), &mut batched);
        let alone: Vec<Option<u32>> =
            queries.iter().map(|q| q.as_deref().and_then(|q| index.position(q))).collect();
        assert_eq!(batched, alone);
        let found = batched.iter().filter(|p| p.is_some()).count();
        assert_eq!(found, 5000, "0..5000 are known, 5000..7000 and the null are not");
    }
}
