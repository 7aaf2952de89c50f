//! Output tables decoded into row types, generically: a row type is a `serde::Deserialize`
//! struct whose field names are column names of its [`OutputTable`]. Reports read only these
//! rows, so a column renamed in a metric fails the decoding (and the tests), never a board pack
//! silently.
//!
//! Nulls read as the field's type allows: `Option<_>` fields get `None`; plain numbers read a
//! null as 0 (a sum over nothing, a count of nothing), text as the empty string and a flag as
//! false.

use std::fmt;

use polars::prelude::*;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

use crate::error::{Error, Result};
use crate::metrics::{Computed, OutputTable};

/// A row type of an output table.
pub trait Rows: DeserializeOwned {
    const TABLE: OutputTable;
}

/// Every row of `T`'s table, in the table's order.
pub fn rows<T: Rows>(computed: &Computed) -> Result<Vec<T>> {
    let df = computed.get(T::TABLE)?;
    decode(T::TABLE, df)
}

/// Decodes every row of `df` as a `T`.
pub fn decode<T: DeserializeOwned>(table: OutputTable, df: &DataFrame) -> Result<Vec<T>> {
    let columns = df
        .columns()
        .iter()
        .map(|column| Ok((column.name().to_string(), Cells::of(column)?)))
        .collect::<Result<Vec<_>>>()?;
    (0..df.height())
        .map(|i| {
            T::deserialize(RowDeserializer { columns: &columns, i })
                .map_err(|e| Error::internal(format!("reading {table} row {}: {e}", i + 1)))
        })
        .collect()
}

/// The names of the fields `T` reads, in declaration order (for the registry tests).
pub fn field_names<T: DeserializeOwned>() -> Vec<&'static str> {
    struct Probe<'a>(&'a mut Vec<&'static str>);
    impl<'de> de::Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.extend_from_slice(fields);
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields = Vec::new();
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// A column cast once to the type rows read it as.
enum Cells {
    Number(Float64Chunked),
    Count(Int64Chunked),
    Text(StringChunked),
    Flag(BooleanChunked),
}

impl Cells {
    fn of(column: &Column) -> Result<Cells> {
        let column = column.rechunk();
        Ok(match column.dtype() {
            DataType::Boolean => Cells::Flag(column.bool()?.clone()),
            DataType::Float32 | DataType::Float64 => {
                Cells::Number(column.cast(&DataType::Float64)?.f64()?.clone())
            }
            dtype if dtype.is_integer() => Cells::Count(column.cast(&DataType::Int64)?.i64()?.clone()),
            _ => Cells::Text(column.cast(&DataType::String)?.str()?.clone()),
        })
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Cells::Number(v) => v.get(i).is_none(),
            Cells::Count(v) => v.get(i).is_none(),
            Cells::Text(v) => v.get(i).is_none(),
            Cells::Flag(v) => v.get(i).is_none(),
        }
    }
}

struct RowDeserializer<'a> {
    columns: &'a [(String, Cells)],
    i: usize,
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("a row type must be a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_map(Fields { row: &self, fields, next: 0 })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The requested fields of one row, one cell each.
struct Fields<'r, 'a> {
    row: &'r RowDeserializer<'a>,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> MapAccess<'de> for Fields<'_, '_> {
    type Error = de::value::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let Some(field) = self.fields.get(self.next) else { return Ok(None) };
        seed.deserialize(field.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let field = self.fields[self.next];
        self.next += 1;
        let cells = self
            .row
            .columns
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, cells)| cells)
            .ok_or_else(|| de::Error::custom(format!("the table has no column {field}")))?;
        seed.deserialize(Cell { cells, i: self.row.i, column: field })
    }
}

/// One cell, read as the field's type asks.
struct Cell<'a> {
    cells: &'a Cells,
    i: usize,
    column: &'static str,
}

impl Cell<'_> {
    fn mistyped<E: de::Error>(&self, expected: &str) -> E {
        E::custom(format!("column {} is not {expected}", self.column))
    }
}

impl<'de> de::Deserializer<'de> for Cell<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.cells {
            Cells::Number(v) => match v.get(self.i) {
                Some(x) => visitor.visit_f64(x),
                None => visitor.visit_none(),
            },
            Cells::Count(v) => match v.get(self.i) {
                Some(x) => visitor.visit_i64(x),
                None => visitor.visit_none(),
            },
            Cells::Flag(v) => match v.get(self.i) {
                Some(x) => visitor.visit_bool(x),
                None => visitor.visit_none(),
            },
            Cells::Text(v) => match v.get(self.i) {
                Some(x) => visitor.visit_string(x.to_string()),
                None => visitor.visit_none(),
            },
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.cells.is_null(self.i) {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.cells {
            Cells::Number(v) => visitor.visit_f64(v.get(self.i).unwrap_or(0.0)),
            Cells::Count(v) => visitor.visit_f64(v.get(self.i).unwrap_or(0) as f64),
            _ => Err(self.mistyped("a number")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.cells {
            Cells::Count(v) => visitor.visit_i64(v.get(self.i).unwrap_or(0)),
            _ => Err(self.mistyped("an integer")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.cells {
            Cells::Text(v) => visitor.visit_string(v.get(self.i).unwrap_or_default().to_string()),
            _ => Err(self.mistyped("text")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.cells {
            Cells::Flag(v) => visitor.visit_bool(v.get(self.i).unwrap_or(false)),
            _ => Err(self.mistyped("true/false")),
        }
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 char bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cells::Number(_) => "numbers",
            Cells::Count(_) => "counts",
            Cells::Text(_) => "text",
            Cells::Flag(_) => "flags",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        name: String,
        amount: f64,
        share: Option<f64>,
        count: i64,
        flag: bool,
        note: Option<String>,
    }

    #[test]
    fn nulls_read_as_the_field_type_allows() {
        let df = df!(
            "name" => [Some("a"), None],
            "amount" => [Some(1.5), None],
            "share" => [Some(0.25), None],
            "count" => [Some(2i64), None],
            "flag" => [Some(true), None],
            "note" => [Some("x"), None],
            "unread" => [1, 2],
        )
        .unwrap();
        let rows: Vec<Row> = decode(OutputTable::Referrers, &df).unwrap();
        assert_eq!(
            rows[0],
            Row {
                name: "a".into(),
                amount: 1.5,
                share: Some(0.25),
                count: 2,
                flag: true,
                note: Some("x".into())
            }
        );
        assert_eq!(
            rows[1],
            Row { name: String::new(), amount: 0.0, share: None, count: 0, flag: false, note: None }
        );
    }

    #[test]
    fn a_missing_or_mistyped_column_is_named() {
        let df = df!("name" => ["a"]).unwrap();
        let err = decode::<Row>(OutputTable::Referrers, &df).unwrap_err().to_string();
        assert!(err.contains("referrers row 1") && err.contains("no column amount"), "{err}");
        let df = df!("name" => [1i64], "amount" => [1.0], "share" => [1.0], "count" => [1i64],
            "flag" => [true], "note" => ["x"])
        .unwrap();
        let err = decode::<Row>(OutputTable::Referrers, &df).unwrap_err().to_string();
        assert!(err.contains("column name is not text"), "{err}");
    }

    #[test]
    fn field_names_lists_what_a_row_type_reads() {
        assert_eq!(field_names::<Row>(), ["name", "amount", "share", "count", "flag", "note"]);
    }
}
