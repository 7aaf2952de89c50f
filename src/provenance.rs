//! `run.json`: what a run read and produced, so that a published number can be traced to the
//! exact files it came from. Two runs on the same inputs and as-of date write the same
//! `run.json` apart from its `timings_ms`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::calendar::Calendar;
use crate::config::Pipeline;
use crate::error::{Error, Result};
use crate::ingest::{read, TableQuality};
use crate::vocab::schema::TableId;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// SHA-256 of the pipeline file and of every input file.
#[derive(Debug, Clone)]
pub struct Hashes {
    pub pipeline: String,
    /// Per input: `(file relative to the pipeline's folder, sha256)` in read order.
    pub inputs: Vec<(TableId, Vec<(String, String)>)>,
}

/// Lists every file an input names (a folder's files, a glob's matches), before reading.
/// Vendor layouts may skip some of them (a canonical folder reads only its Parquet files), so
/// [`Hashes::only_read`] keeps, after reading, the files the reader actually read.
pub fn input_files(pipeline: &Pipeline) -> Result<Vec<(TableId, Vec<PathBuf>)>> {
    pipeline
        .inputs
        .iter()
        .map(|(table, input)| {
            Ok((*table, read::expand(table.name(), &input.path, &input.written, read::any_file)?))
        })
        .collect()
}

impl Hashes {
    /// The hashes of the files the reader read, as `TableQuality::files` lists them.
    pub fn only_read(mut self, base_dir: &Path, quality: &[TableQuality]) -> Hashes {
        for (table, hashed) in &mut self.inputs {
            let Some(read) = quality.iter().find(|q| q.table == *table) else { continue };
            let read: Vec<String> = read.files.iter().map(|p| shown(p, base_dir)).collect();
            hashed.retain(|(name, _)| read.contains(name));
        }
        self
    }
}

/// A file as `run.json` names it: relative to the pipeline's folder, with `/`.
fn shown(path: &Path, base_dir: &Path) -> String {
    path.strip_prefix(base_dir).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// Hashes the pipeline file and `files`. Meant to run on its own thread while ingestion runs.
pub fn hash_files(
    pipeline_path: &Path,
    base_dir: &Path,
    files: &[(TableId, Vec<PathBuf>)],
) -> Result<Hashes> {
    let pipeline = sha256_file(pipeline_path)?;
    let inputs = files
        .iter()
        .map(|(table, paths)| {
            let hashed = paths
                .iter()
                .map(|p| Ok((shown(p, base_dir), sha256_file(p)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok((*table, hashed))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Hashes { pipeline, inputs })
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Everything `run.json` says about a run.
pub struct RunRecord<'a> {
    pub pipeline: &'a Pipeline,
    pub calendar: &'a Calendar,
    pub hashes: &'a Hashes,
    pub quality: &'a [TableQuality],
    /// Output tables and their row counts.
    pub outputs: Vec<(String, usize)>,
    /// Metric parts that could not be computed and why (an optional input not configured).
    pub notes: Vec<String>,
    /// What the reader of the reports must know (inputs that end before the as-of date).
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub timings: Vec<(String, f64)>,
    pub total_ms: f64,
}

impl RunRecord<'_> {
    pub fn to_json(&self) -> String {
        let cal = self.calendar;
        let inputs: Vec<Value> = self
            .quality
            .iter()
            .map(|q| {
                let files = self
                    .hashes
                    .inputs
                    .iter()
                    .find(|(t, _)| *t == q.table)
                    .map(|(_, files)| {
                        files.iter().map(|(path, sha)| json!({"path": path, "sha256": sha})).collect()
                    })
                    .unwrap_or_else(Vec::new);
                let written = self.pipeline.input(q.table).map(|i| i.written.clone()).unwrap_or_default();
                json!({
                    "table": q.table.name(),
                    "path": written,
                    "files": files,
                    "rows_read": q.rows_read,
                    "rows_accepted": q.rows_accepted(),
                    "rows_rejected": q.rows_rejected,
                })
            })
            .collect();
        let mut outputs = Map::new();
        for (name, rows) in &self.outputs {
            outputs.insert(name.clone(), json!(rows));
        }
        let mut timings = Map::new();
        for (stage, ms) in &self.timings {
            timings.insert(stage.clone(), json!(ms));
        }
        timings.insert("total".into(), json!((self.total_ms * 10.0).round() / 10.0));
        let record = json!({
            "tool": "advocacy",
            "version": VERSION,
            "status": if self.error.is_some() { "failed" } else { "ok" },
            "error": self.error,
            "as_of": cal.as_of.to_string(),
            "period": {"start": cal.period.start.to_string(), "end": cal.period.end.to_string()},
            "previous_period": {"start": cal.prev_period.start.to_string(), "end": cal.prev_period.end.to_string()},
            "t12m": {"start": cal.t12m().start.to_string(), "end": cal.t12m().end.to_string()},
            "pipeline": {
                "path": self.pipeline.path.file_name().map(|n| n.to_string_lossy().to_string()),
                "sha256": self.hashes.pipeline,
            },
            "inputs": inputs,
            "outputs": outputs,
            "notes": self.notes,
            "warnings": self.warnings,
            "timings_ms": timings,
        });
        let mut text = serde_json::to_string_pretty(&record).expect("JSON values always serialize");
        text.push('\n');
        text
    }
}
