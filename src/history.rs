//! The history store (SPEC.md 6.2): what each run published, kept as a Hive-partitioned
//! folder of snapshots, and the two tables read from it.
//!
//! - A **snapshot** is `<history.dir>/as_of=<D>/`: every table of `data/` as
//!   `<table>.parquet` (the same bytes as `data/<table>.parquet`) and the run's `run.json`.
//!   DuckDB, Spark and polars read the folder as one dataset partitioned by `as_of`.
//! - **Writing** ([`Store::write`]): a snapshot is written to a staging folder
//!   `.as_of=<D>.tmp-<pid>` inside the history folder, then renamed into place (an existing
//!   snapshot of the same date is swapped out atomically and removed), so a reader sees the old
//!   or the new snapshot, never a half-written one. The caller holds [`Store`]'s lock
//!   (`.advocacy-history.lock`) from reading the history to writing it, so concurrent runs
//!   on one history folder take turns instead of racing. Only folders this tool wrote are
//!   replaced: an `as_of=` folder without our `run.json` is refused.
//! - **Reading** ([`Store::snapshots`]): folders named `as_of=<ISO date>` are snapshots;
//!   names starting with `.` (staging, the lock) and plain files are ignored; any other folder
//!   is an error naming it. A missing history folder holds no snapshots. A snapshot written by
//!   another version that lacks a table or a column reads as null there.
//! - `history_monthly`: one row per month-end snapshot of the last `history.months` months
//!   (and this run's own row for D), read as published.
//! - `restatements`: each published value of the twelve program months that this run now
//!   computes differently (late deals, corrected churn dates, re-exported data).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};
use polars::prelude::*;

use crate::calendar::{first_of_month, Calendar};
use crate::error::{Error, Result};
use crate::metrics::{Computed, OutputTable};
use crate::output;
use crate::vocab::Tier;

/// The lock file inside the history folder.
const LOCK: &str = ".advocacy-history.lock";
/// Marks a staging folder while it is being written.
const STAGING_MARKER: &str = ".advocacy-staging";

/// The metrics of `history_monthly` (after `as_of`), in its column order.
pub const METRICS: &[&str] = &[
    "contacts",
    "mean_score",
    "champion",
    "advocate",
    "neutral",
    "at_risk",
    "accounts",
    "coverage",
    "active_csqas",
    "new_csqas",
    "won_amount",
    "influenced_won_amount",
    "sourced_amount",
];

/// Which metrics are counts (written as integers).
fn is_count(metric: &str) -> bool {
    !matches!(metric, "mean_score" | "coverage" | "won_amount" | "influenced_won_amount" | "sourced_amount")
}

/// One snapshot folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub as_of: NaiveDate,
    pub path: PathBuf,
}

/// A history folder, locked by this process while the value lives.
pub struct Store {
    dir: PathBuf,
    _lock: fs::File,
}

impl Store {
    /// Creates the history folder if needed and takes its lock, waiting (with `waiting`
    /// told once) while another run holds it.
    pub fn open(dir: &Path, waiting: &dyn Fn(&str)) -> Result<Store> {
        if dir.exists() && !dir.is_dir() {
            return Err(Error::config(format!(
                "`history.dir`: {} is a file; expected a folder of snapshots",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| Error::io("create the history folder", dir, e))?;
        let lock_path = dir.join(LOCK);
        let lock = output::open_lock(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                waiting(&format!("waiting for another run to finish with {}", dir.display()));
                lock.lock().map_err(|e| Error::io("lock", &lock_path, e))?;
            }
            Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
        }
        let store = Store { dir: dir.to_path_buf(), _lock: lock };
        store.remove_stale_staging()?;
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every snapshot, oldest first (see the module doc for what is ignored or refused).
    pub fn snapshots(&self) -> Result<Vec<Snapshot>> {
        snapshots(&self.dir)
    }

    /// Writes `tables` and `run_json` as the snapshot of `as_of`, replacing one of the same
    /// date whole.
    pub fn write(&self, as_of: NaiveDate, tables: &mut [(String, DataFrame)], run_json: &[u8]) -> Result<()> {
        let name = folder_name(as_of);
        let dest = self.dir.join(&name);
        if dest.exists() && !written_by_us(&dest) {
            return Err(Error::Input(format!(
                "{} is not a snapshot this tool wrote (it has no advocacy run.json); move it out of \
                 the history folder, nothing was replaced",
                dest.display()
            )));
        }
        let staging = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io("remove", &staging, e))?;
        }
        let written = (|| {
            fs::create_dir_all(&staging).map_err(|e| Error::io("create the folder", &staging, e))?;
            output::write_file(&staging.join(STAGING_MARKER), b"advocacy is writing this snapshot\n")?;
            for (table, df) in tables.iter_mut() {
                let bytes = output::parquet_bytes(df)
                    .map_err(|e| Error::internal(format!("cannot serialise table {table}: {e}")))?;
                output::write_file(&staging.join(format!("{table}.parquet")), &bytes)?;
            }
            output::write_file(&staging.join("run.json"), run_json)?;
            let marker = staging.join(STAGING_MARKER);
            fs::remove_file(&marker).map_err(|e| Error::io("remove", &marker, e))
        })();
        if let Err(e) = written {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        output::swap_into_place(&staging, &dest)
    }

    /// Staging folders of runs that were killed while writing (they carry the marker or are
    /// the swapped-out old snapshot); the lock is held, so no live run owns them.
    fn remove_stale_staging(&self) -> Result<()> {
        let Ok(entries) = fs::read_dir(&self.dir) else { return Ok(()) };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let path = entry.path();
            let left_behind = name.contains(".tmp-") || name.contains(".old-");
            let ours = name.starts_with(".as_of=") && left_behind && path.is_dir();
            if ours && (path.join(STAGING_MARKER).is_file() || written_by_us(&path)) {
                fs::remove_dir_all(&path)
                    .map_err(|e| Error::io("remove the stale staging folder", &path, e))?;
            }
        }
        Ok(())
    }
}

/// `as_of=2026-10-31`.
pub fn folder_name(as_of: NaiveDate) -> String {
    format!("as_of={as_of}")
}

/// A snapshot folder holds our `run.json` (the exchange leaves the old one under the staging
/// name, which is removed the same way).
fn written_by_us(folder: &Path) -> bool {
    fs::read_to_string(folder.join("run.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|json| json["tool"] == "advocacy")
}

/// The snapshots of `dir`, oldest first.
pub fn snapshots(dir: &Path) -> Result<Vec<Snapshot>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("read the history folder", dir, e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the history folder", dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        if name.starts_with('.') || !path.is_dir() {
            continue;
        }
        let date = name.strip_prefix("as_of=").and_then(crate::config::parse_iso_date);
        match date {
            Some(as_of) if name == folder_name(as_of) => found.push(Snapshot { as_of, path }),
            _ => {
                return Err(Error::Input(format!(
                    "the history folder {} holds {name}/, which is not a snapshot (snapshots are named \
                     as_of=YYYY-MM-DD); move it elsewhere",
                    dir.display()
                )))
            }
        }
    }
    found.sort_by_key(|s| s.as_of);
    Ok(found)
}

/// What a run published about its own month, as `history_monthly` reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub as_of: NaiveDate,
    /// One value per [`METRICS`] entry, null where the snapshot lacks it.
    pub values: Vec<Option<f64>>,
    /// `(csm_id, active_csqas)` from the snapshot's `csm_scorecard`, for the CSM report.
    pub csm_active: Vec<(String, i64)>,
}

/// The tables a [`Published`] row is read from; `None`: the snapshot has no such table.
#[derive(Default)]
pub struct PublishedTables {
    pub contact_health: Option<DataFrame>,
    pub account_coverage: Option<DataFrame>,
    pub csqa: Option<DataFrame>,
    pub influence_summary: Option<DataFrame>,
    pub csm_scorecard: Option<DataFrame>,
}

impl PublishedTables {
    /// This run's own tables.
    pub fn of(computed: &Computed) -> PublishedTables {
        let get = |t| computed.table(t).cloned();
        PublishedTables {
            contact_health: get(OutputTable::ContactHealth),
            account_coverage: get(OutputTable::AccountCoverage),
            csqa: get(OutputTable::Csqa),
            influence_summary: get(OutputTable::InfluenceSummary),
            csm_scorecard: get(OutputTable::CsmScorecard),
        }
    }

    /// A snapshot's tables, read from its Parquet files.
    pub fn read(snapshot: &Snapshot) -> Result<PublishedTables> {
        let read = |table: OutputTable| -> Result<Option<DataFrame>> {
            let path = snapshot.path.join(format!("{}.parquet", table.name()));
            if !path.is_file() {
                return Ok(None);
            }
            let file = fs::File::open(&path).map_err(|e| Error::io("read", &path, e))?;
            // A corrupt file can make the Parquet reader panic; it is an input error all the same.
            crate::ingest::read::guard(|| ParquetReader::new(file).finish()).map(Some).map_err(|e| {
                Error::Input(format!("{}: not a readable Parquet snapshot table: {e}", path.display()))
            })
        };
        Ok(PublishedTables {
            contact_health: read(OutputTable::ContactHealth)?,
            account_coverage: read(OutputTable::AccountCoverage)?,
            csqa: read(OutputTable::Csqa)?,
            influence_summary: read(OutputTable::InfluenceSummary)?,
            csm_scorecard: read(OutputTable::CsmScorecard)?,
        })
    }

    /// The published row as of `as_of` (see SPEC.md 6.2 for where each value comes from).
    pub fn published(&self, as_of: NaiveDate) -> Result<Published> {
        let describe = |table: &str, e: PolarsError| {
            Error::Input(format!("the {table} table of the snapshot as_of={as_of} cannot be read: {e}"))
        };
        let mut values = vec![None; METRICS.len()];
        let mut set = |metric: &str, value: Option<f64>| {
            let i = METRICS.iter().position(|m| *m == metric).expect("a history metric");
            values[i] = value;
        };
        if let Some(health) = &self.contact_health {
            let rows = health.height();
            set("contacts", Some(rows as f64));
            if let Some(score) = float_column(health, "score").map_err(|e| describe("contact_health", e))? {
                set("mean_score", score.mean());
            }
            if let Some(tier) = text_column(health, "tier").map_err(|e| describe("contact_health", e))? {
                for (metric, t) in [
                    ("champion", Tier::Champion),
                    ("advocate", Tier::Advocate),
                    ("neutral", Tier::Neutral),
                    ("at_risk", Tier::AtRisk),
                ] {
                    set(metric, Some(tier.iter().filter(|v| *v == Some(t.as_str())).count() as f64));
                }
            }
        }
        if let Some(coverage) = &self.account_coverage {
            let rows = coverage.height();
            set("accounts", Some(rows as f64));
            if let Some(active) =
                float_column(coverage, "active_csqas").map_err(|e| describe("account_coverage", e))?
            {
                let covered = active.iter().filter(|v| v.is_some_and(|v| v >= 1.0)).count();
                set("coverage", (rows > 0).then(|| covered as f64 / rows as f64));
            }
        }
        if let Some(csqa) = &self.csqa {
            if let Some(active) = csqa.column("active").ok().and_then(|c| c.bool().ok().cloned()) {
                set("active_csqas", Some(active.iter().filter(|v| *v == Some(true)).count() as f64));
            }
            let qualified = csqa.column("qualified_on").ok().filter(|c| c.dtype() == &DataType::Date);
            if let Some(qualified) = qualified {
                let qualified = qualified.cast(&DataType::Int32).map_err(|e| describe("csqa", e))?;
                let qualified = qualified.i32().map_err(|e| describe("csqa", e))?;
                let period = Calendar::new(as_of).period;
                let (start, end) =
                    (crate::calendar::epoch_days(period.start), crate::calendar::epoch_days(period.end));
                let new = qualified.iter().filter(|v| v.is_some_and(|d| start <= d && d <= end)).count();
                set("new_csqas", Some(new as f64));
            }
        }
        if let Some(summary) = &self.influence_summary {
            let window = text_column(summary, "window").map_err(|e| describe("influence_summary", e))?;
            let row = window.and_then(|w| w.iter().position(|v| v == Some("period")));
            if let Some(row) = row {
                for metric in ["won_amount", "influenced_won_amount", "sourced_amount"] {
                    let column =
                        float_column(summary, metric).map_err(|e| describe("influence_summary", e))?;
                    set(metric, column.and_then(|c| c.get(row)));
                }
            }
        }
        let mut csm_active = Vec::new();
        if let Some(card) = &self.csm_scorecard {
            let ids = text_column(card, "csm_id").map_err(|e| describe("csm_scorecard", e))?;
            let active = float_column(card, "active_csqas").map_err(|e| describe("csm_scorecard", e))?;
            if let (Some(ids), Some(active)) = (ids, active) {
                for (id, n) in ids.iter().zip(active.iter()) {
                    if let (Some(id), Some(n)) = (id, n) {
                        csm_active.push((id.to_string(), n as i64));
                    }
                }
            }
        }
        Ok(Published { as_of, values, csm_active })
    }
}

/// A numeric column as f64; `None` when the table has no such column.
fn float_column(df: &DataFrame, name: &str) -> PolarsResult<Option<Float64Chunked>> {
    let Ok(column) = df.column(name) else { return Ok(None) };
    Ok(Some(column.cast(&DataType::Float64)?.f64()?.clone()))
}

/// A text column; `None` when the table has no such column.
fn text_column(df: &DataFrame, name: &str) -> PolarsResult<Option<StringChunked>> {
    let Ok(column) = df.column(name) else { return Ok(None) };
    Ok(Some(column.cast(&DataType::String)?.str()?.clone()))
}

/// Whether a snapshot enters `history_monthly` as of D: a month-end before D (D's own row is
/// this run's) within the `months` calendar months ending with D's month.
pub fn in_window(as_of: NaiveDate, calendar: &Calendar, months: u32) -> bool {
    let first = first_of_month(calendar.as_of) - Months::new(months.saturating_sub(1));
    let month_end = (as_of + chrono::Days::new(1)).day() == 1;
    month_end && as_of < calendar.as_of && as_of >= first
}

/// The published rows of `history_monthly`: the folder's snapshots in the window, then this
/// run's row for D.
pub fn published_rows(
    snapshots: &[Snapshot],
    calendar: &Calendar,
    months: u32,
    this_run: &Computed,
) -> Result<Vec<Published>> {
    let mut rows = Vec::new();
    for snapshot in snapshots.iter().filter(|s| in_window(s.as_of, calendar, months)) {
        rows.push(PublishedTables::read(snapshot)?.published(snapshot.as_of)?);
    }
    rows.push(PublishedTables::of(this_run).published(calendar.as_of)?);
    Ok(rows)
}

/// The `history_monthly` table.
pub fn history_monthly(rows: &[Published]) -> PolarsResult<DataFrame> {
    let mut columns = vec![Column::new("as_of".into(), rows.iter().map(|r| r.as_of).collect::<Vec<_>>())];
    for (i, metric) in METRICS.iter().enumerate() {
        let values: Vec<Option<f64>> = rows.iter().map(|r| r.values[i]).collect();
        let column = Column::new((*metric).into(), values);
        columns.push(if is_count(metric) { column.cast(&DataType::Int64)? } else { column });
    }
    DataFrame::new_infer_height(columns)
}

/// The `restatements` table: published values of the program months (before D's month) that
/// differ from what this run computes for them.
pub fn restatements(rows: &[Published], calendar: &Calendar, computed: &Computed) -> Result<DataFrame> {
    let health = computed.get(OutputTable::HealthMonthly)?;
    let program = computed.get(OutputTable::ProgramMonthly)?;
    let month_of = |df: &DataFrame, label: &str| -> Result<Option<usize>> {
        let months = df.column("month")?.str()?.clone();
        let found = months.iter().position(|m| m == Some(label));
        Ok(found)
    };
    let value = |df: &DataFrame, column: &str, row: usize| -> Result<Option<f64>> {
        Ok(df.column(column)?.cast(&DataType::Float64)?.f64()?.get(row))
    };
    let mut metrics: Vec<(usize, &str)> = METRICS.iter().copied().enumerate().collect();
    metrics.sort_by_key(|(_, m)| *m);
    let (mut as_of, mut metric, mut published, mut current) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in rows.iter().filter(|r| r.as_of < calendar.period.start) {
        let label = row.as_of.format("%Y-%m").to_string();
        let (Some(h), Some(p)) = (month_of(health, &label)?, month_of(program, &label)?) else { continue };
        for (i, name) in &metrics {
            let now = match *name {
                "new_csqas" => value(program, "new_csqas", p)?,
                "influenced_won_amount" => value(program, "influenced_amount", p)?,
                "sourced_amount" => value(program, "referral_amount", p)?,
                "won_amount" => value(program, "won_amount", p)?,
                other => value(health, other, h)?,
            };
            let then = row.values[*i];
            if differs(then, now) {
                as_of.push(row.as_of);
                metric.push(*name);
                published.push(then);
                current.push(now);
            }
        }
    }
    let change: Vec<Option<f64>> =
        published.iter().zip(&current).map(|(p, c)| Some(c.as_ref()? - p.as_ref()?)).collect();
    Ok(DataFrame::new_infer_height(vec![
        Column::new("as_of".into(), as_of),
        Column::new("metric".into(), metric),
        Column::new("published".into(), published),
        Column::new("current".into(), current),
        Column::new("change".into(), change),
    ])?)
}

/// Exactly one null, or values that differ once rounded to 6 decimals.
fn differs(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => false,
        (Some(a), Some(b)) => round6(a) != round6(b),
        _ => true,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round_ties_even() / 1e6
}

/// Adds `history_monthly` and `restatements` to `computed`, read from `snapshots`.
pub fn add_tables(
    snapshots: &[Snapshot],
    calendar: &Calendar,
    months: u32,
    computed: &mut Computed,
) -> Result<()> {
    let rows = published_rows(snapshots, calendar, months, computed)?;
    let monthly = history_monthly(&rows)?;
    let restated = restatements(&rows, calendar, computed)?;
    computed.insert(OutputTable::HistoryMonthly, monthly);
    computed.insert(OutputTable::Restatements, restated);
    computed.csm_history = rows.into_iter().map(|r| (r.as_of, r.csm_active)).collect();
    Ok(())
}

/// The month-ends a backfill of `months` months up to `as_of` writes, oldest first: `as_of`
/// itself when it is a month-end, else the month-ends before it.
pub fn backfill_dates(as_of: NaiveDate, months: u32) -> Vec<NaiveDate> {
    let month_end = (as_of + chrono::Days::new(1)).day() == 1;
    let last = if month_end { as_of } else { first_of_month(as_of) - chrono::Days::new(1) };
    let mut dates: Vec<NaiveDate> = (0..months)
        .map(|back| first_of_month(last) - Months::new(back) + Months::new(1) - chrono::Days::new(1))
        .collect();
    dates.reverse();
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn backfill_dates_are_the_month_ends_up_to_d() {
        assert_eq!(
            backfill_dates(day("2026-10-31"), 3),
            [day("2026-08-31"), day("2026-09-30"), day("2026-10-31")]
        );
        // Mid-month: the month-ends before it; February's end is the 28th.
        assert_eq!(backfill_dates(day("2026-03-15"), 2), [day("2026-01-31"), day("2026-02-28")]);
    }

    #[test]
    fn the_window_holds_month_ends_before_d_within_the_months() {
        let calendar = Calendar::new(day("2026-10-31"));
        assert!(in_window(day("2026-09-30"), &calendar, 24));
        assert!(!in_window(day("2026-09-29"), &calendar, 24), "not a month-end");
        assert!(!in_window(day("2026-10-31"), &calendar, 24), "D's row is this run's");
        // 24 months ending with October 2026 start with November 2024.
        assert!(in_window(day("2024-11-30"), &calendar, 24));
        assert!(!in_window(day("2024-10-31"), &calendar, 24));
    }

    #[test]
    fn values_differ_on_one_null_or_beyond_six_decimals() {
        assert!(!differs(None, None));
        assert!(differs(None, Some(0.0)));
        assert!(differs(Some(1.0), None));
        assert!(!differs(Some(0.1 + 0.2), Some(0.3)), "float error is not a restatement");
        assert!(differs(Some(0.300001), Some(0.3)));
    }
}
