//! Files as exports really arrive, made readable: Windows-1252 or UTF-16 text (Salesforce,
//! Excel, Microsoft Teams), semicolon or tab separators, a title block above the header,
//! gzip files (`.csv.gz`, Amplitude's `.json.gz`), a JSON array instead of JSON lines
//! (Mixpanel's `.json`), and folders or globs of CSV or JSON files.
//!
//! A plain UTF-8 CSV or JSON-lines file, or any Parquet or Arrow file, is read where it is
//! (no copy, so large usage files cost nothing extra). Anything else is decoded once into a
//! UTF-8 temporary file that lives as long as the read; the source file is never touched.
//! Several CSV files are concatenated under the first one's header (their headers must
//! match), so row numbers in rejects count data rows across the files in name order.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use super::read::Format;
use crate::error::{Error, Result};

/// How an input's text is read (from `[inputs.x]`).
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// `None`: a BOM says, else UTF-8 if the bytes are UTF-8, else Windows-1252.
    pub encoding: Option<&'static Encoding>,
    /// `None`: sniffed from the header line.
    pub delimiter: Option<u8>,
    pub skip_rows: usize,
    /// Lines after the header that are not data.
    pub label_rows: usize,
}

impl TextOptions {
    pub fn of(input: &crate::config::InputSpec) -> TextOptions {
        TextOptions {
            encoding: input.encoding,
            delimiter: input.delimiter,
            skip_rows: input.skip_rows,
            label_rows: input.label_rows,
        }
    }
}

/// Files ready for the readers.
pub struct Prepared {
    /// What the readers open: the inputs themselves, or one temporary file.
    pub files: Vec<PathBuf>,
    pub format: Format,
    pub separator: u8,
    /// The temporary file, removed when this is dropped.
    pub temp: Option<tempfile::TempPath>,
}

/// The format of a file by its extension, looking through `.gz`; `.json` is JSON lines or a
/// JSON array (told apart by the first character).
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.')?.1;
    Some(match ext {
        "csv" | "tsv" | "txt" => Format::Csv,
        "parquet" | "pq" => Format::Parquet,
        "arrow" | "ipc" | "feather" => Format::Ipc,
        "jsonl" | "ndjson" | "json" => Format::JsonLines,
        _ => return None,
    })
}

fn is_gzip(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Makes `files` (already expanded, sorted) readable as one table. A single plain file is
/// used where it is unless `decode` asks for the decoded copy (the reader found it is not
/// UTF-8 and no encoding was given).
pub fn prepare(
    table: &str,
    written: &str,
    files: &[PathBuf],
    options: &TextOptions,
    decode: bool,
) -> Result<Prepared> {
    let formats = files
        .iter()
        .map(|f| {
            format_of(f).ok_or_else(|| {
                let ext =
                    f.extension().map_or("(no extension)".into(), |e| format!(".{}", e.to_string_lossy()));
                let hint = if ext.eq_ignore_ascii_case(".xlsx") || ext.eq_ignore_ascii_case(".xls") {
                    "; save the sheet as CSV UTF-8 (File > Save As) and point at the .csv"
                } else {
                    ""
                };
                Error::input(format!(
                    "input `{table}` ({written}): unknown format `{ext}`; expected .csv, .tsv, .parquet, \
                     .arrow (Arrow IPC), .jsonl or .json (JSON lines or an array), each optionally .gz{hint}"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let format = formats[0];
    if let Some(other) = formats.iter().find(|f| **f != format) {
        return Err(Error::input(format!(
            "input `{table}` ({written}): the files it matches are not all one format ({format:?} and {other:?})"
        )));
    }
    if matches!(format, Format::Parquet | Format::Ipc) {
        if files.iter().any(|f| is_gzip(f)) {
            return Err(Error::input(format!(
                "input `{table}` ({written}): Parquet and Arrow files are compressed inside; a .gz around them \
                 cannot be read"
            )));
        }
        return Ok(Prepared { files: files.to_vec(), format, separator: b',', temp: None });
    }
    // The common case reads the file where it is.
    let single_plain = files.len() == 1
        && !is_gzip(&files[0])
        && options.skip_rows == 0
        && options.label_rows == 0
        && options.encoding.is_none_or(|e| e == UTF_8)
        && !is_json_array(&files[0]);
    if single_plain && !decode {
        let head = head_of(&files[0]).map_err(|e| Error::io("read", &files[0], e))?;
        let utf16 = head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) || looks_utf16(&head);
        if !utf16 || options.encoding == Some(UTF_8) {
            let first_line = String::from_utf8_lossy(&head);
            let first_line = first_line.lines().next().unwrap_or_default();
            let separator = options.delimiter.unwrap_or_else(|| sniff(first_line));
            return Ok(Prepared { files: files.to_vec(), format, separator, temp: None });
        }
    }
    let mut temp = tempfile::Builder::new()
        .prefix("advocacy-input-")
        .suffix(if format == Format::Csv { ".csv" } else { ".jsonl" })
        .tempfile()
        .map_err(|e| Error::io("create a temporary file in", std::env::temp_dir(), e))?;
    let mut header: Option<String> = None;
    let mut separator = options.delimiter;
    for file in files {
        let text = decoded(file, options.encoding)?;
        let text = skip_lines(&text, options.skip_rows);
        let out = temp.as_file_mut();
        let write = |out: &mut std::fs::File, text: &str| {
            out.write_all(text.as_bytes()).map_err(|e| Error::io("write", std::env::temp_dir(), e))
        };
        match format {
            Format::Csv => {
                let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                let first = first.trim_end_matches('\r');
                let rest = skip_lines(rest, options.label_rows);
                separator.get_or_insert_with(|| sniff(first));
                match &header {
                    None => {
                        header = Some(first.to_string());
                        write(out, first)?;
                        write(out, "\n")?;
                    }
                    Some(h) if h == first => {}
                    Some(h) => {
                        return Err(Error::input(format!(
                            "input `{table}` ({written}): {} has the header {first:?}, not {h:?} as the \
                             first file; the files of one input must have the same columns",
                            file.display()
                        )))
                    }
                }
                write(out, rest)?;
                if !rest.is_empty() && !rest.ends_with('\n') {
                    write(out, "\n")?;
                }
            }
            _ => {
                if text.trim_start().starts_with('[') {
                    let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
                        Error::input(format!(
                            "input `{table}` ({}): the JSON array does not parse: {e}",
                            file.display()
                        ))
                    })?;
                    for item in items {
                        write(out, &item.to_string())?;
                        write(out, "\n")?;
                    }
                } else {
                    write(out, text)?;
                    if !text.ends_with('\n') {
                        write(out, "\n")?;
                    }
                }
            }
        }
    }
    temp.as_file_mut().flush().map_err(|e| Error::io("write", std::env::temp_dir(), e))?;
    let path = temp.into_temp_path();
    Ok(Prepared {
        files: vec![path.to_path_buf()],
        format,
        separator: separator.unwrap_or(b','),
        temp: Some(path),
    })
}

/// A file's text, decompressed and decoded: `encoding`, or the BOM's, or UTF-8 when the bytes
/// are UTF-8, else Windows-1252 (which decodes every byte). A BOM is dropped.
pub fn decoded(file: &Path, encoding: Option<&'static Encoding>) -> Result<String> {
    let mut bytes = Vec::new();
    let opened = std::fs::File::open(file).map_err(|e| Error::io("read", file, e))?;
    let read = if is_gzip(file) {
        flate2::read::MultiGzDecoder::new(opened).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(opened).read_to_end(&mut bytes)
    };
    read.map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
            Error::input(format!("{} is not a complete gzip file: {e}", file.display()))
        }
        _ => Error::io("read", file, e),
    })?;
    let encoding = encoding.unwrap_or_else(|| detect(&bytes));
    let (text, _, _) = encoding.decode(&bytes);
    Ok(text.trim_start_matches('\u{feff}').to_string())
}

/// The first 64 KiB of a file as text (decompressed and decoded as [`decoded`] would), for
/// recognising a layout without reading a large file whole.
pub fn head_text(file: &Path) -> String {
    let Ok(opened) = std::fs::File::open(file) else { return String::new() };
    let mut bytes = Vec::new();
    let limit = 64 * 1024;
    let read = if is_gzip(file) {
        flate2::read::MultiGzDecoder::new(opened).take(limit).read_to_end(&mut bytes)
    } else {
        opened.take(limit).read_to_end(&mut bytes)
    };
    if read.is_err() {
        return String::new();
    }
    // A multi-byte character cut at the limit must not make the head look like Windows-1252.
    let mut end = bytes.len();
    while end > 0 && end + 4 > bytes.len() && std::str::from_utf8(&bytes[..end]).is_err() {
        end -= 1;
    }
    let usable = if std::str::from_utf8(&bytes[..end]).is_ok() { &bytes[..end] } else { &bytes[..] };
    let (text, _, _) = detect(usable).decode(usable);
    text.trim_start_matches('\u{feff}').to_string()
}

/// The column names of a CSV-like file's header: its first record, separator sniffed.
pub fn csv_header(file: &Path, skip_rows: usize) -> Vec<String> {
    let head = head_text(file);
    let head = skip_lines(&head, skip_rows);
    let first = head.lines().next().unwrap_or_default();
    let separator = char::from(sniff(first));
    super::adapters::text::records_with(head, separator)
        .into_iter()
        .next()
        .map(|(_, names)| names.iter().map(|n| n.trim().to_string()).collect())
        .unwrap_or_default()
}

/// A text export's records (`text::records`), decoded, with the input's separator or the one
/// its first line uses.
pub fn records_of(file: &Path, input: &crate::config::InputSpec) -> Result<Vec<(usize, Vec<String>)>> {
    let text = decoded(file, input.encoding)?;
    let text = skip_lines(&text, input.skip_rows);
    let separator = input.delimiter.unwrap_or_else(|| sniff(text.lines().next().unwrap_or_default()));
    Ok(super::adapters::text::records_with(text, char::from(separator)))
}

/// The encoding of `bytes` when none is given.
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if looks_utf16(bytes) {
        // Every other byte zero: UTF-16 without a BOM; ASCII text puts the zero second in LE.
        return if bytes.get(1) == Some(&0) { UTF_16LE } else { UTF_16BE };
    }
    if std::str::from_utf8(bytes).is_ok() {
        UTF_8
    } else {
        WINDOWS_1252
    }
}

fn looks_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    head.len() >= 4 && head.iter().filter(|&&b| b == 0).count() * 3 > head.len()
}

fn head_of(file: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = vec![0u8; 4096];
    let mut f = std::fs::File::open(file)?;
    let mut filled = 0;
    while filled < head.len() {
        let n = f.read(&mut head[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    head.truncate(filled);
    Ok(head)
}

fn is_json_array(file: &Path) -> bool {
    format_of(file) == Some(Format::JsonLines)
        && head_of(file).is_ok_and(|h| {
            String::from_utf8_lossy(&h).trim_start_matches('\u{feff}').trim_start().starts_with('[')
        })
}

/// Drops the first `n` lines (a report's title block).
fn skip_lines(text: &str, n: usize) -> &str {
    let mut rest = text;
    for _ in 0..n {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// The separator a header line uses most, outside quotes: comma, semicolon, tab or pipe
/// (comma when none appears or on a tie).
pub fn sniff(header: &str) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(entry) = counts.iter_mut().find(|(c, _)| *c == b) {
                entry.1 += 1;
            }
        }
    }
    counts.iter().fold((b',', 0), |best, &(c, n)| if n > best.1 { (c, n) } else { best }).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_the_most_frequent_outside_quotes() {
        assert_eq!(sniff("a,b,c"), b',');
        assert_eq!(sniff("a;b;c"), b';');
        assert_eq!(sniff("a\tb\tc"), b'\t');
        assert_eq!(sniff("\"x;y;z\",b"), b',');
        assert_eq!(sniff("single"), b',');
    }

    #[test]
    fn encodings_are_detected_from_the_bytes() {
        assert_eq!(detect("plain ascii, and é".as_bytes()), UTF_8);
        assert_eq!(detect(b"M\xfcller"), WINDOWS_1252);
        assert_eq!(detect(b"\xff\xfea\0b\0"), UTF_16LE);
        assert_eq!(detect(b"a\0b\0c\0d\0"), UTF_16LE);
    }

    #[test]
    fn lines_are_skipped_and_files_decoded() {
        assert_eq!(skip_lines("title\n\nh1,h2\n1,2\n", 2), "h1,h2\n1,2\n");
        assert_eq!(skip_lines("one line", 3), "");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.csv.gz");
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&file).unwrap(), Default::default());
        gz.write_all(b"name\nM\xfcller\n").unwrap();
        gz.finish().unwrap();
        assert_eq!(decoded(&file, None).unwrap(), "name\nMüller\n");
        assert_eq!(format_of(&file), Some(Format::Csv));
    }
}
