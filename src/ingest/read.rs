//! Opening canonical input files and plain vendor tables. A file becomes a `LazyFrame` of its
//! own columns (names trimmed, values untouched) plus [`ROW`], the 1-based data row that
//! rejects report. Vendor exports that are not plain tables (Zoom reports, survey exports with
//! several header rows, Salesforce reports) are opened by their adapters in
//! `ingest::adapters`, which use [`expand`] for the file list; `provenance` hashes the files.
//!
//! The format comes from the extension: `.csv`, `.parquet`, `.arrow`/`.ipc`/`.feather`,
//! `.jsonl`/`.ndjson`. A folder or a glob is a set of Parquet files read in name order.
//!
//! Internal columns live in a namespace no file can produce: their names start with
//! [`PRIVATE`], a control character, and every name read from a file has its control
//! characters replaced ([`file_column_name`]). So a file column called `__check` or
//! `__email_contact` is just data, and cannot steer a check or forge an identity.
//!
//! Before polars parses a CSV file, one pass over its bytes ([`csv_shape`]) finds what polars
//! would let through silently: rows with fewer or more fields than the header (rejected as
//! `wrong_field_count`, never padded with nulls), blank lines (skipped, not counted) and bytes
//! that are not UTF-8 (a file error naming the line and the encoding it looks like).
//! JSON lines are read by hand ([`json_lines`]), so that a truncated line, a BOM or a number
//! beyond 64 bits is an error or a reject with a line number, not a polars failure.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::prepare::{self, TextOptions};
use crate::error::{Error, Result};

/// The first character of every internal column name (see the module doc).
pub const PRIVATE: char = '\u{1}';

/// The 1-based data row of the source file.
pub const ROW: &str = "\u{1}row";

/// An internal column name: [`PRIVATE`] then `name`.
pub fn private(name: &str) -> String {
    format!("{PRIVATE}{name}")
}

/// A column name as read from a file: trimmed (and a BOM dropped), with control characters
/// replaced by U+FFFD so that it can never be an internal name.
pub fn file_column_name(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// A CSV row whose field count differs from the header's: rejected as `wrong_field_count`,
/// reported at `column` (the first column it lacks, or the last one when it has too many).
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    pub row: u32,
    pub column: String,
}

/// The file formats the canonical layout accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
    Ipc,
    JsonLines,
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
    /// CSV rows with the wrong number of fields.
    pub malformed: Vec<Malformed>,
    /// The decoded temporary copy the frame reads, if the file needed one (see
    /// `ingest::prepare`); it is removed when the last holder is dropped.
    pub keep: Option<std::sync::Arc<tempfile::TempPath>>,
    /// What opening found worth saying (a layout's optional column the file lacks).
    pub notes: Vec<String>,
}

/// Opens `path` (a file, a folder, or a glob) for the input `table`.
pub fn open(table: &str, path: &Path, written: &str, options: &TextOptions) -> Result<RawTable> {
    let files = expand(table, path, written, data_file)?;
    let mut prepared = prepare::prepare(table, written, &files, options, false)?;
    // A file read where it is may turn out not to be UTF-8: without an encoding, it is then
    // decoded (Windows-1252 unless a BOM says otherwise) and read from the decoded copy. For
    // CSV the shape pass, which the read needs anyway, is what finds out.
    let mut shape = None;
    if prepared.temp.is_none() && options.encoding.is_none() {
        let utf8 = match prepared.format {
            Format::Csv => match csv_shape(&prepared.files[0], prepared.separator) {
                Err(ShapeError::NotUtf8 { .. }) => false,
                found => {
                    shape = Some(found);
                    true
                }
            },
            Format::JsonLines => {
                let file = &prepared.files[0];
                std::str::from_utf8(&std::fs::read(file).map_err(|e| Error::io("read", file, e))?).is_ok()
            }
            Format::Parquet | Format::Ipc => true,
        };
        if !utf8 {
            prepared = prepare::prepare(table, written, &files, options, true)?;
        }
    }
    let (format, separator) = (prepared.format, prepared.separator);
    let read_files = prepared.files.clone();
    let keep = prepared.temp.map(std::sync::Arc::new);
    let (frame, malformed) = match format {
        Format::Csv => {
            let shape = shape
                .unwrap_or_else(|| csv_shape(&read_files[0], separator))
                .map_err(|e| shape_error(table, written, &read_files[0], e))?;
            let frame = scan(format, &read_files, separator).map_err(|e| unreadable(table, written, &e))?;
            let mut frame = frame.with_row_index(ROW, Some(1));
            if !shape.blank.is_empty() {
                let blank = Series::new("blank".into(), shape.blank.clone());
                frame = frame.filter(col(ROW).is_in(lit(blank).implode(false), false).not());
            }
            let header: Vec<String> = shape.header.iter().map(|h| file_column_name(h)).collect();
            // Polars renames a repeated name (`x_duplicated_0`), which would silently ignore a
            // column; a repeated name is a file-level error instead.
            let mut seen = std::collections::HashSet::new();
            if let Some(name) = header.iter().find(|name| !seen.insert(name.as_str())) {
                return Err(Error::input(format!(
                    "input `{table}` ({written}): the column `{name}` appears twice in the header"
                )));
            }
            let malformed = shape
                .ragged
                .iter()
                .map(|&(row, fields)| {
                    // The first column the row lacks, or the last one when it has too many.
                    let at = fields.min(header.len().saturating_sub(1));
                    Malformed { row, column: header.get(at).cloned().unwrap_or_default() }
                })
                .collect();
            (frame, malformed)
        }
        Format::JsonLines => {
            let df = json_lines(&read_files[0])
                .map_err(|message| Error::input(format!("input `{table}` ({written}): {message}")))?;
            (df.lazy(), Vec::new())
        }
        _ => {
            check_each_file(table, written, format, &read_files)?;
            let frame = scan(format, &read_files, separator).map_err(|e| unreadable(table, written, &e))?;
            (frame.with_row_index(ROW, Some(1)), Vec::new())
        }
    };
    let mut frame = frame;
    let schema = guard(|| frame.collect_schema()).map_err(|e| unreadable(table, written, &e))?;
    let mut file_schema = Schema::default();
    let mut renames = (Vec::new(), Vec::new());
    for (name, dtype) in schema.iter().filter(|(n, _)| n.as_str() != ROW) {
        let clean = file_column_name(name);
        if file_schema.contains(clean.as_str()) {
            return Err(Error::input(format!(
                "input `{table}` ({written}): the column `{clean}` appears twice in the header"
            )));
        }
        if clean != name.as_str() {
            renames.0.push(name.to_string());
            renames.1.push(clean.clone());
        }
        file_schema.insert(clean.into(), dtype.clone());
    }
    if !renames.0.is_empty() {
        frame = frame.rename(renames.0, renames.1, true);
    }
    let file_columns = file_schema.iter_names().map(|n| n.to_string()).collect();
    Ok(RawTable { files, schema: file_schema, file_columns, frame, malformed, keep, notes: Vec::new() })
}

/// Runs a polars read. A corrupt Parquet file can make polars panic (a page header out of
/// spec hits an `unwrap` in polars-parquet 0.55, found by `tests/mutations.rs`); that panic
/// becomes an error here, so that it is reported as a broken input, with its file, not a crash.
pub fn guard<T>(read: impl FnOnce() -> PolarsResult<T>) -> PolarsResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Err(PolarsError::ComputeError(format!("the file is corrupt ({detail})").into()))
    })
}

/// Reads each Parquet or Arrow file's schema on its own, so that a broken file in a folder is
/// named, not the folder.
fn check_each_file(table: &str, written: &str, format: Format, files: &[PathBuf]) -> Result<()> {
    if files.len() < 2 {
        return Ok(());
    }
    for file in files {
        guard(|| scan(format, std::slice::from_ref(file), b',').and_then(|mut f| f.collect_schema()))
            .map_err(|e| unreadable(table, &format!("{written}: {}", file.display()), &e))?;
    }
    Ok(())
}

fn scan(format: Format, files: &[PathBuf], separator: u8) -> PolarsResult<LazyFrame> {
    let paths: Vec<PlRefPath> = files.iter().map(|f| PlRefPath::from(f.to_string_lossy().as_ref())).collect();
    match format {
        Format::Csv => LazyCsvReader::new_paths(paths.into())
            // Every value is read as text: parsing is ours, so that a bad value is a reject
            // with a reason instead of a failed read.
            .with_infer_schema_length(Some(0))
            .with_separator(separator)
            .with_missing_is_null(true)
            // Rows with too many fields are rejected from the shape pass; polars must not
            // stop at them.
            .with_truncate_ragged_lines(true)
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
            let message = "JSON lines are read by read::json_lines, not scanned";
            Err(PolarsError::ComputeError(message.into()))
        }
    }
}

/// Files a folder input may hold: data files by extension (`.csv`, `.parquet`, `.jsonl`,
/// `.json`, `.arrow`, each possibly `.gz`), not hidden ones and not `.txt` (a README beside
/// them is ignored; a `.txt` export is named as a file).
pub fn data_file(path: &Path) -> bool {
    let text = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"));
    any_file(path) && !text && prepare::format_of(path).is_some()
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

pub fn unreadable(table: &str, written: &str, err: &PolarsError) -> Error {
    Error::input(format!("input `{table}` ({written}) cannot be read: {}", polars_message(err)))
}

/// A polars error without its internal column names and backtrace hints.
fn polars_message(err: &PolarsError) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    public_names(first)
}

/// Text with internal column names (`\u{1}canonical_score`, `\u{1}p_amount`) written as the
/// canonical column they stand for (`score`, `amount`).
pub fn public_names(text: &str) -> String {
    let mut out = String::new();
    let mut parts = text.split(PRIVATE);
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        let name_end = part.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(part.len());
        let (name, rest) = part.split_at(name_end);
        let public = ["canonical_", "c_", "p_"].iter().find_map(|p| name.strip_prefix(p)).unwrap_or(name);
        out.push_str(public);
        out.push_str(rest);
    }
    out
}

/// What one pass over a CSV file's bytes found.
#[derive(Debug, Default, PartialEq)]
pub struct CsvShape {
    /// The header's names as written.
    pub header: Vec<String>,
    /// 1-based data rows (records after the header) that are blank.
    pub blank: Vec<u32>,
    /// `(data row, fields)` for rows whose field count differs from the header's.
    pub ragged: Vec<(u32, usize)>,
}

/// Why a CSV file cannot be read at all.
#[derive(Debug)]
pub enum ShapeError {
    Io(std::io::Error),
    /// Line `line` (1-based, physical) is not UTF-8; the encoding it looks like.
    NotUtf8 {
        line: usize,
        looks_like: &'static str,
    },
}

fn shape_error(table: &str, written: &str, file: &Path, err: ShapeError) -> Error {
    match err {
        ShapeError::Io(e) => Error::io("read", file, e),
        ShapeError::NotUtf8 { line, looks_like } => Error::input(format!(
            "input `{table}` ({written}): line {line} is not UTF-8 text; the file looks like \
             {looks_like}. Export it as UTF-8 (CSV UTF-8 in Excel), or convert it, e.g. \
             `iconv -f CP1252 -t UTF-8`"
        )),
    }
}

/// One streaming pass over a CSV file (RFC 4180: `"` quotes, `""` escapes, LF or CRLF
/// ends): the header, blank records, records whose field count differs from the header's, and
/// the first line that is not UTF-8. Memory stays at one buffer whatever the file's size.
pub fn csv_shape(file: &Path, separator: u8) -> std::result::Result<CsvShape, ShapeError> {
    use std::io::Read;
    let mut reader = std::fs::File::open(file).map_err(ShapeError::Io)?;
    let mut scan = ShapeScan { separator, ..ShapeScan::default() };
    let mut buffer = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new(); // an incomplete UTF-8 sequence at a chunk's end
    let mut first = true;
    let mut head = Vec::new();
    loop {
        let n = reader.read(&mut buffer).map_err(ShapeError::Io)?;
        if first && n > 0 {
            head.extend_from_slice(&buffer[..n.min(4096)]);
        }
        let mut chunk = std::mem::take(&mut carry);
        chunk.extend_from_slice(&buffer[..n]);
        let mut text: &[u8] = &chunk;
        if first {
            text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
            first = false;
        }
        let valid = match std::str::from_utf8(text) {
            Ok(_) => text.len(),
            // A sequence cut by the chunk's end is completed by the next chunk.
            Err(e) if e.error_len().is_none() && n > 0 => e.valid_up_to(),
            Err(e) => {
                let line = scan.lines + text[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
                return Err(ShapeError::NotUtf8 { line: line + 1, looks_like: guess_encoding(&head) });
            }
        };
        scan.feed(&text[..valid]);
        carry = text[valid..].to_vec();
        if n == 0 {
            break;
        }
    }
    Ok(scan.finish())
}

/// The state of [`csv_shape`] between chunks.
#[derive(Default)]
struct ShapeScan {
    shape: CsvShape,
    /// Records ended so far (0 while in the header).
    records: u32,
    /// Newlines seen, for the line numbers of messages.
    lines: usize,
    fields: usize,
    in_quotes: bool,
    /// The record so far has only blanks.
    has_value: bool,
    /// Bytes of the header record.
    header: Vec<u8>,
    /// Bytes after the last record's end.
    pending: bool,
    /// The field separator (`,` unless sniffed or set otherwise).
    separator: u8,
}

impl ShapeScan {
    fn feed(&mut self, text: &[u8]) {
        let mut rest = text;
        // The header record keeps its bytes, for its names.
        while self.records == 0 {
            let Some((&b, tail)) = rest.split_first() else { return };
            self.header.push(b);
            self.byte(b);
            rest = tail;
        }
        // Most bytes of a data file are letters and digits, which only mean "this record has a
        // value": they skip the state machine.
        let separator = self.separator;
        for &b in rest {
            if b > b'"' && b != separator {
                self.has_value = true;
                self.pending = true;
            } else {
                self.byte(b);
            }
        }
    }

    fn byte(&mut self, b: u8) {
        self.pending = true;
        match b {
            b'"' => {
                self.in_quotes = !self.in_quotes;
                self.has_value = true;
            }
            b if b == self.separator && !self.in_quotes => {
                self.fields += 1;
                self.has_value = true;
            }
            b'\n' => {
                self.lines += 1;
                if !self.in_quotes {
                    self.end_record();
                }
            }
            b'\r' | b' ' | b'\t' => {}
            _ => self.has_value = true,
        }
    }

    fn end_record(&mut self) {
        let fields = self.fields + 1;
        if self.records == 0 {
            let line = String::from_utf8_lossy(&self.header).to_string();
            self.shape.header = super::adapters::text::records_with(&line, char::from(self.separator))
                .into_iter()
                .next()
                .map(|(_, n)| n)
                .unwrap_or_default();
        } else if !self.has_value {
            self.shape.blank.push(self.records);
        } else if fields != self.shape.header.len() {
            self.shape.ragged.push((self.records, fields));
        }
        self.records += 1;
        (self.fields, self.has_value, self.pending) = (0, false, false);
    }

    fn finish(mut self) -> CsvShape {
        // A last record without a newline counts when it has a value; trailing blanks do not.
        if self.pending && (self.has_value || self.records == 0) {
            self.end_record();
        }
        self.shape
    }
}

/// The encoding a file that is not UTF-8 most likely has.
fn guess_encoding(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return "UTF-16 (it starts with a UTF-16 byte order mark)";
    }
    let nuls = bytes.iter().take(4096).filter(|&&b| b == 0).count();
    if nuls * 4 > bytes.len().min(4096) {
        return "UTF-16 (every other byte is zero)";
    }
    "Windows-1252 (cp1252) or ISO-8859-1, as Excel and many CRMs write it"
}

/// A JSON-lines file as text columns (first-seen key order) plus [`ROW`]. Nested objects are
/// flattened to dotted names (`properties.time`); numbers keep their written digits; a blank
/// line is skipped; a BOM is ignored. A line that is not a JSON object is an error naming it.
pub fn json_lines(file: &Path) -> std::result::Result<DataFrame, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot be read: {e}"))?;
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let text = std::str::from_utf8(text).map_err(|e| {
        let line = 1 + text[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        format!("line {line} is not UTF-8 text; the file looks like {}", guess_encoding(&bytes))
    })?;
    let mut names: Vec<String> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut columns: Vec<Vec<Option<String>>> = Vec::new();
    let mut rows: Vec<u32> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("line {} is not a complete JSON object: {e}", number + 1))?;
        let serde_json::Value::Object(object) = value else {
            return Err(format!("line {} is not a JSON object ({{...}})", number + 1));
        };
        let row = rows.len();
        rows.push(
            u32::try_from(number + 1).map_err(|_| "the file has more than 4 billion lines".to_string())?,
        );
        let mut flat = Vec::new();
        flatten("", &serde_json::Value::Object(object), &mut flat);
        for (name, value) in flat {
            let name = file_column_name(&name);
            let at = *index.entry(name.clone()).or_insert_with(|| {
                names.push(name.clone());
                columns.push(Vec::new());
                columns.len() - 1
            });
            let column = &mut columns[at];
            column.resize(row, None);
            if column.len() == row {
                column.push(value);
            }
        }
    }
    let height = rows.len();
    let mut out = vec![Column::new(ROW.into(), rows)];
    for (name, mut values) in names.into_iter().zip(columns) {
        values.resize(height, None);
        out.push(Column::new(name.into(), values));
    }
    DataFrame::new(height, out).map_err(|e| polars_message(&e))
}

/// `(dotted name, text)` for every scalar in a JSON value.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, Option<String>)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&name, v, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), None)),
        Value::String(s) => out.push((prefix.to_string(), Some(s.clone()))),
        Value::Bool(b) => out.push((prefix.to_string(), Some(b.to_string()))),
        Value::Number(n) => out.push((prefix.to_string(), Some(n.to_string()))),
        Value::Array(_) => out.push((prefix.to_string(), Some(value.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_names_are_shown_as_the_canonical_columns() {
        let text = format!("column {} not found near {}", private("canonical_score"), private("p_amount"));
        assert_eq!(public_names(&text), "column score not found near amount");
        assert_eq!(public_names("plain"), "plain");
    }

    #[test]
    fn a_panic_inside_a_read_becomes_an_error() {
        let result: PolarsResult<()> = guard(|| panic!("Thrift out of range"));
        let message = result.unwrap_err().to_string();
        assert!(message.contains("the file is corrupt (Thrift out of range)"), "{message}");
    }

    #[test]
    fn the_shape_pass_finds_ragged_and_blank_rows_and_non_utf8_lines() {
        let dir = std::env::temp_dir().join(format!("advocacy-shape-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.csv");
        // Row 2 is blank, row 3 short, row 4 has a quoted comma and a quoted newline (3 fields).
        std::fs::write(&file, "a,b,c\n1,2,3\n\n4,5\n\"x,y\",\"p\nq\",z\n").unwrap();
        let shape = csv_shape(&file, b',').unwrap();
        assert_eq!(shape.header, ["a", "b", "c"]);
        assert_eq!(shape.blank, [2]);
        assert_eq!(shape.ragged, [(3, 2)]);
        std::fs::write(&file, b"a,b\n1,2\n3,M\xfcller\n").unwrap();
        match csv_shape(&file, b',') {
            Err(ShapeError::NotUtf8 { line, looks_like }) => {
                assert_eq!(line, 3);
                assert!(looks_like.contains("Windows-1252"));
            }
            other => panic!("{other:?}"),
        }
    }
}
