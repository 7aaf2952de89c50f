//! Writing outputs: the only code that touches the output folder.
//!
//! The promises this module keeps (README "Bad input"):
//! - **Only our own folders are replaced.** The output folder is replaced whole by each run, so
//!   it must be one this tool wrote: it carries `.advocacy-manifest` (every file the run wrote)
//!   or, for outputs of older versions, a `run.json` whose `tool` is `advocacy`. A folder that
//!   exists, is not empty and is not ours, or that holds a file the manifest does not list, is
//!   refused before any work ([`check_target`]). So is a folder that contains the pipeline
//!   file or an input.
//! - **One run at a time.** A run holds an exclusive lock on `.<out>.lock` beside the output
//!   folder ([`claim`]); a second run is refused with a message instead of racing it.
//! - **Old or new, never neither.** Everything is written to a staging folder next to the
//!   output folder, then swapped with it in one atomic `renameat2(RENAME_EXCHANGE)` (Linux;
//!   two renames elsewhere). A kill at any moment leaves the old or the new folder complete.
//!   Staging folders of runs that died are removed by the next run (they carry a marker).
//! - **A symlinked output folder is followed:** the folder it points at is replaced, the link
//!   is kept (a usual way to publish).
//! - **CSV cells cannot become spreadsheet formulas.** A text cell that starts with `=`, `+`,
//!   `-`, `@`, a tab or a carriage return is written with a leading `'` (OWASP's advice for
//!   CSV injection), unless it is a plain number; NUL bytes become U+FFFD. Parquet keeps the
//!   true values.
//! - A run that fails on data writes its diagnostics to `<out>.failed/` (same rules) and leaves
//!   the output folder alone.

use std::fs;
use std::io::{Cursor, ErrorKind, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Lists every file a run wrote; marks a folder as this tool's.
pub const MANIFEST: &str = ".advocacy-manifest";
/// Marks a staging folder while it is being written.
const STAGING_MARKER: &str = ".advocacy-staging";

/// Everything one run writes, relative to the output folder.
#[derive(Default)]
pub struct Bundle {
    /// `data/<name>.csv` and `data/<name>.parquet`.
    pub tables: Vec<(String, DataFrame)>,
    /// `rejects/<table>.csv`.
    pub rejects: Vec<(String, DataFrame)>,
    /// Any other file (reports, charts, `run.json`), by relative path.
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

impl Bundle {
    pub fn add_file(&mut self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
        self.files.push((path.into(), contents.into()));
    }

    /// Serialises every table and reject file (CSV and Parquet) in memory, as publishing
    /// would, without writing anything: `advocacy validate` uses it so that it fails where
    /// `run` would.
    pub fn render_in_memory(&mut self) -> Result<()> {
        for (name, df) in &mut self.tables {
            csv_bytes(df).map_err(|e| table_error(name, e))?;
            parquet_bytes(df).map_err(|e| table_error(name, e))?;
        }
        for (name, df) in &mut self.rejects {
            csv_bytes(df).map_err(|e| table_error(name, e))?;
        }
        Ok(())
    }
}

fn table_error(name: &str, err: PolarsError) -> Error {
    Error::internal(format!("cannot serialise table {name}: {err}"))
}

/// Where a run publishes: the output folder as the user named it and the real folder behind
/// it (a symlink followed).
#[derive(Debug, Clone)]
pub struct Target {
    /// As given (`--out` or the pipeline's `out`), for messages.
    pub shown: PathBuf,
    /// The folder that is replaced.
    pub real: PathBuf,
}

/// An output folder claimed by this process: the lock is held until it is dropped.
pub struct Claim {
    pub target: Target,
    _lock: fs::File,
}

/// Checks that `out` may be written (see the module doc), without writing anything.
/// `protected` are the pipeline file and the inputs: the output folder may not hold them.
pub fn check_target(out: &Path, protected: &[PathBuf]) -> Result<Target> {
    // Absolute, so that `.` and `..` have a name and a parent for the staging folder.
    let real = absolute(&follow_symlink(out)?);
    if real.exists() && !real.is_dir() {
        return Err(refuse(out, "it is a file, not a folder"));
    }
    if real.file_name().is_none() {
        return Err(refuse(out, "it is the root of the file system"));
    }
    for path in protected {
        if absolute(path).starts_with(&real) {
            return Err(refuse(
                out,
                &format!(
                    "it contains {}, which the run reads; each run replaces its output folder whole",
                    path.display()
                ),
            ));
        }
    }
    check_ours(out, &real)?;
    check_ours(&failed_folder(out), &failed_folder(&real))?;
    Ok(Target { shown: out.to_path_buf(), real })
}

/// Opens (creating it if needed) a lock file, without locking it: the caller tries the lock and
/// decides whether to wait (the history folder) or refuse (the output folder).
pub(crate) fn open_lock(path: &Path) -> Result<fs::File> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io("create the lock file", path, e))
}

/// [`check_target`], then the exclusive lock on the output folder, then the removal of
/// staging folders that runs which died left behind.
pub fn claim(out: &Path, protected: &[PathBuf]) -> Result<Claim> {
    let target = check_target(out, protected)?;
    let parent = parent_of(&target.real);
    fs::create_dir_all(&parent).map_err(|e| Error::io("create the folder", &parent, e))?;
    let lock_path = parent.join(format!(".{}.lock", name_of(&target.real)));
    let lock = open_lock(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(Error::io(
                "lock",
                &target.shown,
                std::io::Error::new(
                    ErrorKind::WouldBlock,
                    "another advocacy run is writing this output folder; try again when it has finished",
                ),
            ))
        }
        Err(fs::TryLockError::Error(e)) => return Err(Error::io("lock", &lock_path, e)),
    }
    remove_stale_staging(&target.real)?;
    Ok(Claim { target, _lock: lock })
}

/// Writes `bundle` to the claimed output folder, replacing the previous output only once
/// everything is written. `last` makes the files written after all others (`run.json`, whose
/// timings then include the writing). A stale `<out>.failed/` from an earlier failed run is
/// removed.
pub fn publish(
    claim: &Claim,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<()> {
    let out = &claim.target.real;
    let staging = stage(out, "tmp", bundle, last)?;
    swap_into_place(&staging, out)?;
    let failed = failed_folder(out);
    if failed.exists() {
        fs::remove_dir_all(&failed).map_err(|e| Error::io("remove", &failed, e))?;
    }
    Ok(())
}

/// Writes the diagnostics of a failed run to `<out>.failed/` (replacing an older one) and
/// returns that folder as the user would name it. The output folder itself is left alone.
pub fn publish_failed(
    claim: &Claim,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<PathBuf> {
    let failed = failed_folder(&claim.target.real);
    let staging = stage(&claim.target.real, "failed-tmp", bundle, last)?;
    swap_into_place(&staging, &failed)?;
    Ok(failed_folder(&claim.target.shown))
}

pub fn failed_folder(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".failed");
    out.with_file_name(name)
}

/// Writes a complete folder next to `out` (same file system, so the swap is atomic): the
/// bundle, then `last`, then the manifest; the staging marker is removed last.
fn stage(
    out: &Path,
    kind: &str,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<PathBuf> {
    let staging = parent_of(out).join(format!(".{}.{kind}-{}", name_of(out), std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| Error::io("remove", &staging, e))?;
    }
    fs::create_dir_all(&staging).map_err(|e| Error::io("create the folder", &staging, e))?;
    let result = (|| {
        write_file(&staging.join(STAGING_MARKER), b"advocacy is writing this folder\n")?;
        let mut written = write_into(&staging, bundle)?;
        let files = last();
        for (path, contents) in &files {
            write_file(&staging.join(path), contents)?;
            written.push(path.clone());
        }
        bundle.files.extend(files);
        write_file(&staging.join(MANIFEST), manifest(&written).as_bytes())?;
        let marker = staging.join(STAGING_MARKER);
        fs::remove_file(&marker).map_err(|e| Error::io("remove", &marker, e))
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| staging)
}

/// Moves `staging` to `dest`: one atomic exchange when `dest` exists, then the old folder
/// (now at `staging`) is removed.
pub(crate) fn swap_into_place(staging: &Path, dest: &Path) -> Result<()> {
    if !dest.exists() {
        return fs::rename(staging, dest).map_err(|e| Error::io("move the new output to", dest, e));
    }
    exchange(staging, dest).map_err(|e| Error::io("swap the new output into", dest, e))?;
    fs::remove_dir_all(staging).map_err(|e| Error::io("remove the previous output at", staging, e))
}

/// Swaps the folders `a` and `b`: one atomic `renameat2(RENAME_EXCHANGE)` where the file
/// system supports it, else [`exchange_by_renames`].
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes()).map_err(|e| std::io::Error::new(ErrorKind::InvalidInput, e))
    };
    let (a_c, b_c) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD makes them relative to the
    // working directory like every other path here.
    let rc = unsafe {
        libc::renameat2(libc::AT_FDCWD, a_c.as_ptr(), libc::AT_FDCWD, b_c.as_ptr(), libc::RENAME_EXCHANGE)
    };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    // Some network and overlay file systems have no exchange.
    match err.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => exchange_by_renames(a, b),
        _ => Err(err),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    exchange_by_renames(a, b)
}

/// Without an atomic exchange: the old folder moves aside, the new one moves in; the window
/// between the two renames is as short as the file system makes it, and a folder left aside
/// by a kill there carries our manifest, so the next run removes it.
fn exchange_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let aside = parent_of(b).join(format!(".{}.old-{}", name_of(b), std::process::id()));
    fs::rename(b, &aside)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(e);
    }
    fs::rename(&aside, a)
}

/// `.<name>.tmp-<pid>`, `.<name>.failed-tmp-<pid>` and `.<name>.old-<pid>` folders that carry
/// our marker: left by runs that were killed. The caller holds the lock, so no live run owns
/// them.
fn remove_stale_staging(out: &Path) -> Result<()> {
    let parent = parent_of(out);
    let prefix = format!(".{}.", name_of(out));
    let Ok(entries) = fs::read_dir(&parent) else { return Ok(()) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        let is_staging = ["tmp-", "failed-tmp-", "old-"].iter().any(|k| rest.starts_with(k));
        let path = entry.path();
        let marked = path.join(STAGING_MARKER).is_file() || path.join(MANIFEST).is_file();
        if is_staging && path.is_dir() && marked {
            fs::remove_dir_all(&path).map_err(|e| Error::io("remove the stale staging folder", &path, e))?;
        }
    }
    Ok(())
}

/// An existing, non-empty `shown` folder (real path `real`) must be ours.
fn check_ours(shown: &Path, real: &Path) -> Result<()> {
    let Ok(mut entries) = fs::read_dir(real) else { return Ok(()) };
    if entries.next().is_none() {
        return Ok(());
    }
    let manifest_path = real.join(MANIFEST);
    if manifest_path.is_file() {
        let listed = fs::read_to_string(&manifest_path).map_err(|e| Error::io("read", &manifest_path, e))?;
        let listed: std::collections::HashSet<&str> = listed.lines().collect();
        for file in files_under(real)? {
            if file != MANIFEST && !listed.contains(file.as_str()) {
                return Err(refuse(
                    shown,
                    &format!(
                        "it holds {file}, which advocacy did not write; move it out first (each run \
                         replaces the folder whole)"
                    ),
                ));
            }
        }
        return Ok(());
    }
    if written_by_older_version(real) {
        return Ok(());
    }
    Err(refuse(
        shown,
        "it exists, is not empty and was not written by advocacy (it has no .advocacy-manifest); \
         name a new or empty folder, since each run replaces its output folder whole",
    ))
}

/// An output of a version before the manifest: `run.json` says `"tool": "advocacy"`.
fn written_by_older_version(folder: &Path) -> bool {
    fs::read(folder.join("run.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|v| v.get("tool").and_then(|t| t.as_str()) == Some("advocacy"))
}

fn refuse(out: &Path, why: &str) -> Error {
    Error::config(format!("refusing to write the output folder {}: {why}", out.display()))
}

/// Every file below `folder`, as `/`-separated relative paths, sorted.
fn files_under(folder: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| Error::io("read the folder", &dir, e))?.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(folder) {
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The manifest: every file written, one relative path a line, sorted.
fn manifest(written: &[PathBuf]) -> String {
    let mut lines: Vec<String> = written.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    lines.push(MANIFEST.to_string());
    lines.sort();
    lines.dedup();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn follow_symlink(out: &Path) -> Result<PathBuf> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => match fs::canonicalize(out) {
            Ok(real) => Ok(real),
            Err(_) => Err(refuse(out, "it is a symbolic link to a folder that does not exist")),
        },
        _ => Ok(out.to_path_buf()),
    }
}

/// `path` made absolute and free of `.`/`..`, following symlinks where it exists.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // The deepest part that exists is canonicalised; the rest is appended as written.
    let normal = crate::config::normalize(&joined);
    let mut existing = normal.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return normal,
        }
    }
    let mut out = fs::canonicalize(&existing).unwrap_or(existing);
    out.extend(rest.iter().rev());
    out
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn name_of(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}

/// Writes the bundle into `folder`; returns the relative paths written.
fn write_into(folder: &Path, bundle: &mut Bundle) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, df) in &mut bundle.tables {
        for (path, bytes) in [
            (format!("data/{name}.csv"), csv_bytes(df).map_err(|e| table_error(name, e))?),
            (format!("data/{name}.parquet"), parquet_bytes(df).map_err(|e| table_error(name, e))?),
        ] {
            write_file(&folder.join(&path), &bytes)?;
            written.push(PathBuf::from(path));
        }
    }
    for (name, df) in &mut bundle.rejects {
        let path = format!("rejects/{name}.csv");
        write_file(&folder.join(&path), &csv_bytes(df).map_err(|e| table_error(name, e))?)?;
        written.push(PathBuf::from(path));
    }
    for (path, contents) in &bundle.files {
        write_file(&folder.join(path), contents)?;
        written.push(path.clone());
    }
    Ok(written)
}

/// Writes one table as CSV (formula-safe, see the module doc) to `path`.
pub fn write_csv(path: &Path, df: &mut DataFrame) -> Result<()> {
    let bytes = csv_bytes(df).map_err(|e| table_error(&path.to_string_lossy(), e))?;
    write_file(path, &bytes)
}

fn csv_bytes(df: &DataFrame) -> PolarsResult<Vec<u8>> {
    let mut safe = spreadsheet_safe(df)?;
    let mut buffer = Vec::new();
    CsvWriter::new(&mut buffer).include_header(true).finish(&mut safe)?;
    Ok(buffer)
}

pub(crate) fn parquet_bytes(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut buffer = Cursor::new(Vec::new());
    ParquetWriter::new(&mut buffer).finish(df)?;
    Ok(buffer.into_inner())
}

/// `df` with every text cell made safe to open in a spreadsheet (see [`safe_cell`]).
fn spreadsheet_safe(df: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = df.clone();
    let names: Vec<PlSmallStr> = df.get_column_names().into_iter().cloned().collect();
    for name in names {
        let column = df.column(&name)?;
        if column.dtype() != &DataType::String {
            continue;
        }
        let ca = column.str()?;
        if !ca.iter().flatten().any(|v| safe_cell(v).is_some()) {
            continue;
        }
        let fixed: StringChunked =
            ca.iter().map(|v| v.map(|s| safe_cell(s).unwrap_or_else(|| s.to_string()))).collect();
        out.with_column(fixed.with_name(name.clone()).into_column())?;
    }
    Ok(out)
}

/// The spreadsheet-safe spelling of a text cell, when it differs: a leading `'` before `=`,
/// `+`, `-`, `@`, tab or carriage return (a plain number such as `-5` is left alone), and NUL
/// bytes as U+FFFD.
pub fn safe_cell(value: &str) -> Option<String> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(value);
    let nul = value.contains('\0');
    if !risky && !nul {
        return None;
    }
    let text = if nul { value.replace('\0', "\u{fffd}") } else { value.to_string() };
    Some(if risky { format!("'{text}") } else { text })
}

fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && value.parse::<f64>().is_ok()
}

pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io("create the folder", parent, e))?;
    }
    let mut file = fs::File::create(path).map_err(|e| Error::io("write", path, e))?;
    file.write_all(contents).map_err(|e| Error::io("write", path, e))?;
    file.sync_all().map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(text: &str) -> Bundle {
        let mut b = Bundle::default();
        b.add_file("report.md", text);
        b
    }

    fn claim_in(out: &Path) -> Claim {
        claim(out, &[]).unwrap()
    }

    #[test]
    fn publishing_replaces_the_previous_output_whole() {
        let dir = tempdir("publish");
        let out = dir.join("out");
        publish(&claim_in(&out), &mut bundle("first"), Vec::new).unwrap();
        publish(&claim_in(&out), &mut bundle("second"), Vec::new).unwrap();
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "second");
        let mut leftovers: Vec<_> =
            fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        leftovers.sort();
        assert_eq!(leftovers, [".out.lock", "out"], "no staging folders remain");
        assert_eq!(fs::read_to_string(out.join(MANIFEST)).unwrap(), ".advocacy-manifest\nreport.md\n");
    }

    #[test]
    fn a_failed_run_leaves_the_output_alone_and_writes_beside_it() {
        let dir = tempdir("failed");
        let out = dir.join("monthly");
        publish(&claim_in(&out), &mut bundle("good"), Vec::new).unwrap();
        let failed = publish_failed(&claim_in(&out), &mut bundle("diagnostics"), Vec::new).unwrap();
        assert_eq!(failed, dir.join("monthly.failed"));
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "good");
        assert_eq!(fs::read_to_string(failed.join("report.md")).unwrap(), "diagnostics");
        publish(&claim_in(&out), &mut bundle("good again"), Vec::new).unwrap();
        assert!(!failed.exists(), "a successful run clears the stale diagnostics");
    }

    #[test]
    fn a_folder_we_did_not_write_is_refused_and_untouched() {
        let dir = tempdir("foreign");
        let out = dir.join("Documents");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("thesis.docx"), "years of work").unwrap();
        let err = claim(&out, &[]).err().unwrap();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("was not written by advocacy"), "{err}");
        assert_eq!(fs::read_to_string(out.join("thesis.docx")).unwrap(), "years of work");
    }

    #[test]
    fn a_file_added_to_our_folder_is_not_deleted() {
        let dir = tempdir("added");
        let out = dir.join("out");
        publish(&claim_in(&out), &mut bundle("first"), Vec::new).unwrap();
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = claim(&out, &[]).err().unwrap();
        assert!(err.to_string().contains("it holds notes.txt, which advocacy did not write"), "{err}");
    }

    #[test]
    fn an_output_folder_holding_an_input_is_refused() {
        let dir = tempdir("inputs");
        let input = dir.join("exports/accounts.csv");
        fs::create_dir_all(input.parent().unwrap()).unwrap();
        fs::write(&input, "account_id\n").unwrap();
        let err = check_target(&dir, std::slice::from_ref(&input)).unwrap_err();
        assert!(err.to_string().contains("which the run reads"), "{err}");
    }

    #[test]
    fn a_second_run_on_the_same_folder_is_refused_while_the_first_holds_it() {
        let dir = tempdir("lock");
        let out = dir.join("out");
        let first = claim_in(&out);
        let err = claim(&out, &[]).err().unwrap();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("another advocacy run is writing"), "{err}");
        drop(first);
        assert!(claim(&out, &[]).is_ok(), "the lock is released with the first claim");
    }

    #[test]
    fn staging_folders_of_dead_runs_are_removed_and_foreign_ones_kept() {
        let dir = tempdir("stale");
        let out = dir.join("out");
        let dead = dir.join(".out.tmp-999999");
        fs::create_dir_all(&dead).unwrap();
        fs::write(dead.join(STAGING_MARKER), "").unwrap();
        let foreign = dir.join(".out.tmp-mine");
        fs::create_dir_all(&foreign).unwrap();
        let _claim = claim_in(&out);
        assert!(!dead.exists());
        assert!(foreign.exists(), "a folder without our marker is not ours to delete");
    }

    #[test]
    fn the_fallback_exchange_swaps_two_folders() {
        let dir = tempdir("renames");
        let (a, b) = (dir.join("a"), dir.join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(a.join("x"), "new").unwrap();
        fs::write(b.join("x"), "old").unwrap();
        exchange_by_renames(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(b.join("x")).unwrap(), "new");
        assert_eq!(fs::read_to_string(a.join("x")).unwrap(), "old");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_folder_is_followed_and_the_link_kept() {
        let dir = tempdir("symlink");
        let real = dir.join("releases/2026-10");
        fs::create_dir_all(&real).unwrap();
        let link = dir.join("current");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        publish(&claim_in(&link), &mut bundle("published"), Vec::new).unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(real.join("report.md")).unwrap(), "published");
        publish(&claim_in(&link), &mut bundle("again"), Vec::new).unwrap();
        assert_eq!(fs::read_to_string(link.join("report.md")).unwrap(), "again");
    }

    #[test]
    fn formula_cells_are_quoted_and_numbers_left_alone() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://evil.example\",\"click\")").unwrap(),
            "'=HYPERLINK(\"http://evil.example\",\"click\")"
        );
        assert_eq!(safe_cell("+1+1").unwrap(), "'+1+1");
        assert_eq!(safe_cell("@SUM(A1)").unwrap(), "'@SUM(A1)");
        assert_eq!(safe_cell("\t=1+1").unwrap(), "'\t=1+1");
        assert_eq!(safe_cell("-1+2").unwrap(), "'-1+2");
        assert_eq!(safe_cell("a\0b").unwrap(), "a\u{fffd}b");
        assert_eq!(safe_cell("-5"), None);
        assert_eq!(safe_cell("-1.5e3"), None);
        assert_eq!(safe_cell("Acme"), None);
        let df = df!("name" => ["=1+1", "ok"], "n" => [-1i64, 2]).unwrap();
        let csv = String::from_utf8(csv_bytes(&df).unwrap()).unwrap();
        assert_eq!(csv, "name,n\n'=1+1,-1\nok,2\n");
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("advocacy-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
