//! The metrics of SPEC.md section 3, one module per family. Each takes plain accepted tables
//! and settings and returns output tables; none of them touches a file.

pub mod quality;

use polars::prelude::*;

use crate::calendar::{Calendar, Window};
use crate::config::{Pipeline, Settings};
use crate::error::Result;
use crate::ingest::{TableQuality, Tables};
use quality::Finding;

/// The metric tables of one run, plus what the data-quality tables and `run.json` need.
pub struct Computed {
    pub tables: Vec<(String, DataFrame)>,
    pub findings: Vec<Finding>,
    /// Parts that could not be computed and why.
    pub notes: Vec<String>,
}

/// The days of usage any metric reads: the health usage window as of D and as of D_prev, and
/// the candidates' tenure usage window as of D.
pub fn usage_window(calendar: &Calendar, settings: &Settings) -> Window {
    let health_prev = Window::last_days(calendar.prev_as_of(), settings.health.usage_window_days);
    let health = calendar.last_days(settings.health.usage_window_days);
    let tenure = calendar.last_days(settings.candidates.tenure_usage_window_days);
    Window { start: health_prev.start.min(health.start).min(tenure.start), end: calendar.as_of }
}

pub fn compute(_tables: &Tables, _calendar: &Calendar, _pipeline: &Pipeline) -> Result<Computed> {
    Ok(Computed { tables: Vec::new(), findings: Vec::new(), notes: Vec::new() })
}

/// `data_quality` and `data_quality_reasons`.
pub fn quality_tables(quality: &[TableQuality], findings: &[Finding]) -> Result<Vec<(String, DataFrame)>> {
    Ok(vec![
        ("data_quality".to_string(), quality::data_quality(quality)?),
        ("data_quality_reasons".to_string(), quality::data_quality_reasons(quality, findings)?),
    ])
}
