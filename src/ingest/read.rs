//! Opening input files: the only code that touches them. A file becomes a `LazyFrame` of its
//! own columns (names trimmed, values untouched) plus `__row`, the 1-based data row that
//! rejects report.
//!
//! The format comes from the extension: `.csv`, `.parquet`, `.arrow`/`.ipc`/`.feather`,
//! `.jsonl`/`.ndjson`. A folder or a glob is a set of Parquet files read in name order.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

pub const ROW: &str = "__row";

/// The file formats the canonical layout accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ipc,
    JsonLines,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "parquet" | "pq" => Format::Parquet,
            "arrow" | "ipc" | "feather" => Format::Ipc,
            "jsonl" | "ndjson" => Format::JsonLines,
            _ => return None,
        })
    }
}

/// An opened input: its files, its columns in file order, and the lazy scan.
pub struct RawTable {
    pub files: Vec<PathBuf>,
    /// Every column validation can read (trimmed names) and its type.
    pub schema: Schema,
    /// The columns as they are in the file, which rejects show, in file order.
    pub file_columns: Vec<String>,
    /// The columns plus [`ROW`].
    pub frame: LazyFrame,
}

/// Opens `path` (a file, a folder of Parquet files, or a glob) for the input `table`.
pub fn open(table: &str, path: &Path, written: &str) -> Result<RawTable> {
    let files = expand(table, path, written, parquet_file)?;
    let format = format_of(table, &files, written)?;
    if format == Format::Csv {
        check_csv_header(table, &files[0], written)?;
    }
    let frame = scan(format, &files).map_err(|e| unreadable(table, written, &e))?;
    let mut frame = frame.with_row_index(ROW, Some(1));
    let schema = frame.collect_schema().map_err(|e| unreadable(table, written, &e))?;
    let mut file_schema = Schema::default();
    let mut renames = (Vec::new(), Vec::new());
    for (name, dtype) in schema.iter().filter(|(n, _)| n.as_str() != ROW) {
        let trimmed = name.trim_start_matches('\u{feff}').trim();
        if file_schema.contains(trimmed) {
            return Err(Error::input(format!(
                "input `{table}` ({written}): the column `{trimmed}` appears twice in the header"
            )));
        }
        if trimmed != name.as_str() {
            renames.0.push(name.to_string());
            renames.1.push(trimmed.to_string());
        }
        file_schema.insert(trimmed.into(), dtype.clone());
    }
    if !renames.0.is_empty() {
        frame = frame.rename(renames.0, renames.1, true);
    }
    let file_columns = file_schema.iter_names().map(|n| n.to_string()).collect();
    Ok(RawTable { files, schema: file_schema, file_columns, frame })
}

fn scan(format: Format, files: &[PathBuf]) -> PolarsResult<LazyFrame> {
    let paths: Vec<PlRefPath> = files.iter().map(|f| PlRefPath::from(f.to_string_lossy().as_ref())).collect();
    match format {
        Format::Csv => LazyCsvReader::new_paths(paths.into())
            // Every value is read as text: parsing is ours, so that a bad value is a reject
            // with a reason instead of a failed read.
            .with_infer_schema_length(Some(0))
            .with_missing_is_null(true)
            .with_glob(false)
            .finish(),
        Format::Parquet => {
            let args = ScanArgsParquet { glob: false, ..ScanArgsParquet::default() };
            LazyFrame::scan_parquet_files(paths.into(), args)
        }
        Format::Ipc => {
            let args = UnifiedScanArgs { glob: false, ..UnifiedScanArgs::default() };
            LazyFrame::scan_ipc_sources(ScanSources::Paths(paths.into()), Default::default(), args)
        }
        Format::JsonLines => {
            LazyJsonLineReader::new_paths(paths.into()).with_infer_schema_length(None).finish()
        }
    }
}

/// Polars renames a repeated header name (`x_duplicated_0`), which would silently ignore a
/// column; a repeated name is a file-level error instead.
fn check_csv_header(table: &str, file: &Path, written: &str) -> Result<()> {
    let header = csv_header(file)
        .map_err(|e| Error::input(format!("input `{table}` ({written}) cannot be read: {e}")))?;
    let mut seen = std::collections::HashSet::new();
    for name in &header {
        if !seen.insert(name.as_str()) {
            return Err(Error::input(format!(
                "input `{table}` ({written}): the column `{name}` appears twice in the header"
            )));
        }
    }
    Ok(())
}

/// The first record of a CSV file: names trimmed, quotes removed, a UTF-8 BOM ignored.
pub fn csv_header(file: &Path) -> std::io::Result<Vec<String>> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(std::fs::File::open(file)?);
    let mut record = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        record.push_str(&line);
        if record.matches('"').count() % 2 == 0 {
            break; // not inside a quoted field
        }
    }
    let names = super::adapters::text::records(&record).into_iter().next().map(|(_, names)| names);
    Ok(names.unwrap_or_default().iter().map(|name| name.trim().to_string()).collect())
}

/// Files a folder input may hold in the canonical layout.
pub fn parquet_file(path: &Path) -> bool {
    Format::from_path(path) == Some(Format::Parquet)
}

/// Files a folder input may hold in a vendor layout (which checks them itself).
pub fn any_file(path: &Path) -> bool {
    !path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'))
}

/// The files behind an input path: itself, the files in a folder that `accept` takes, or a
/// glob's matches, sorted so that row numbers and hashes do not depend on the file system's
/// order.
pub fn expand(table: &str, path: &Path, written: &str, accept: fn(&Path) -> bool) -> Result<Vec<PathBuf>> {
    let text = path.to_string_lossy();
    let mut files: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
        glob::glob(&text)
            .map_err(|e| Error::input(format!("input `{table}`: {written:?} is not a valid glob: {e}")))?
            .filter_map(|entry| entry.ok())
            .filter(|p| p.is_file())
            .collect()
    } else if path.is_dir() {
        std::fs::read_dir(path)
            .map_err(|e| Error::input(format!("input `{table}` ({written}): cannot read the folder: {e}")))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && accept(p))
            .collect()
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(Error::input(format!(
            "input `{table}`: file not found: {written} (looked for {})",
            path.display()
        )));
    };
    if files.is_empty() {
        return Err(Error::input(format!("input `{table}`: {written} matches no files")));
    }
    files.sort();
    Ok(files)
}

fn format_of(table: &str, files: &[PathBuf], written: &str) -> Result<Format> {
    let mut formats = files.iter().map(|f| {
        Format::from_path(f).ok_or_else(|| {
            Error::input(format!(
                "input `{table}` ({written}): unknown format `{}`; expected .csv, .parquet, \
                 .arrow (Arrow IPC) or .jsonl (JSON lines)",
                f.extension().map_or("(no extension)".into(), |e| format!(".{}", e.to_string_lossy()))
            ))
        })
    });
    let first = formats.next().expect("expand returns at least one file")?;
    if files.len() > 1 && first != Format::Parquet {
        return Err(Error::input(format!(
            "input `{table}` ({written}): a folder or glob must hold Parquet files"
        )));
    }
    for other in formats {
        if other? != first {
            return Err(Error::input(format!(
                "input `{table}` ({written}): the files it matches are not all {first:?}"
            )));
        }
    }
    Ok(first)
}

pub fn unreadable(table: &str, written: &str, err: &PolarsError) -> Error {
    Error::input(format!("input `{table}` ({written}) cannot be read: {err}"))
}
