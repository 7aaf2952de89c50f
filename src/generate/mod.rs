//! Synthetic exports (filled in next).
use std::path::PathBuf;
use chrono::NaiveDate;
use crate::cli::GenerateFormat;
use crate::error::Result;

pub struct Options {
    pub out: PathBuf,
    pub scale: f64,
    pub seed: u64,
    pub format: GenerateFormat,
    pub snapshot: NaiveDate,
}

pub fn write(_options: &Options) -> Result<String> {
    Err(crate::error::Error::internal("not yet"))
}
