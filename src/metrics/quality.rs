//! Data quality (SPEC.md 3.8).
//!
//! `data_quality`: one row per configured input, in input order: `rows_read`, `rows_accepted`,
//! `rows_rejected` (raw rows, before webinar and usage rows are merged), so that
//! `rows_read = rows_accepted + rows_rejected` for every table.
//!
//! `data_quality_reasons`: one row per table and reason with at least one row, covering every
//! reject plus findings that do not reject a row (`touch_outside_deal`).

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::ingest::TableQuality;
use crate::vocab::schema::TableId;

/// A problem that is counted but does not reject its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub table: TableId,
    pub reason: &'static str,
    pub rows: u64,
}

pub fn data_quality(quality: &[TableQuality]) -> PolarsResult<DataFrame> {
    df! {
        "table" => quality.iter().map(|q| q.table.name()).collect::<Vec<_>>(),
        "file" => quality.iter().map(|q| q.file.as_str()).collect::<Vec<_>>(),
        "rows_read" => quality.iter().map(|q| q.rows_read as i64).collect::<Vec<_>>(),
        "rows_accepted" => quality.iter().map(|q| q.rows_accepted() as i64).collect::<Vec<_>>(),
        "rows_rejected" => quality.iter().map(|q| q.rows_rejected as i64).collect::<Vec<_>>(),
    }
}

pub fn data_quality_reasons(quality: &[TableQuality], findings: &[Finding]) -> PolarsResult<DataFrame> {
    let (mut tables, mut reasons, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for q in quality {
        let mut by_reason: BTreeMap<&str, u64> =
            q.reasons.iter().map(|(reason, n)| (reason.as_str(), *n)).collect();
        for f in findings.iter().filter(|f| f.table == q.table && f.rows > 0) {
            *by_reason.entry(f.reason).or_insert(0) += f.rows;
        }
        for (reason, n) in by_reason {
            tables.push(q.table.name());
            reasons.push(reason.to_string());
            rows.push(n as i64);
        }
    }
    df! { "table" => tables, "reason" => reasons, "rows" => rows }
}
