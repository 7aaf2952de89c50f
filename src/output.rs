//! Writing outputs: the only code that touches the output folder.
//!
//! A run never leaves a half-written report and never touches the previous output: everything
//! is written to a staging folder next to the output folder and swapped into place only when
//! complete. A run that fails on data writes its diagnostics to `<out>.failed/` instead.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

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
}

/// Writes `bundle` to `out`, replacing the previous output only once everything is written.
/// `last` makes the files written after all others (`run.json`, whose timings then include the
/// writing). A stale `<out>.failed/` from an earlier failed run is removed.
pub fn publish(
    out: &Path,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<()> {
    let staging = sibling(out, "tmp")?;
    let written = last_files(&staging, bundle, last)?;
    bundle.files.extend(written);
    if out.exists() {
        let old = sibling(out, "old")?;
        fs::rename(out, &old).map_err(|e| io_error(out, e))?;
        if let Err(e) = fs::rename(&staging, out) {
            let _ = fs::rename(&old, out);
            return Err(io_error(out, e));
        }
        fs::remove_dir_all(&old).map_err(|e| io_error(&old, e))?;
    } else {
        fs::rename(&staging, out).map_err(|e| io_error(out, e))?;
    }
    let failed = failed_folder(out);
    if failed.exists() {
        fs::remove_dir_all(&failed).map_err(|e| io_error(&failed, e))?;
    }
    Ok(())
}

/// Writes the diagnostics of a failed run to `<out>.failed/` (replacing an older one) and
/// returns that folder. The output folder itself is left alone.
pub fn publish_failed(
    out: &Path,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<PathBuf> {
    let failed = failed_folder(out);
    let staging = sibling(out, "failed-tmp")?;
    let written = last_files(&staging, bundle, last)?;
    bundle.files.extend(written);
    if failed.exists() {
        fs::remove_dir_all(&failed).map_err(|e| io_error(&failed, e))?;
    }
    fs::rename(&staging, &failed).map_err(|e| io_error(&failed, e))?;
    Ok(failed)
}

pub fn failed_folder(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".failed");
    out.with_file_name(name)
}

/// A fresh, empty folder next to `out` (same file system, so the final rename is atomic).
fn sibling(out: &Path, kind: &str) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| Error::config(format!("output folder {} has no name", out.display())))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| io_error(&parent, e))?;
    let path = parent.join(format!(".{}.{kind}-{}", name.to_string_lossy(), std::process::id()));
    if path.exists() {
        fs::remove_dir_all(&path).map_err(|e| io_error(&path, e))?;
    }
    fs::create_dir_all(&path).map_err(|e| io_error(&path, e))?;
    Ok(path)
}

/// Writes the bundle into `folder`, then the files `last` makes; returns those (already
/// written) so the bundle lists everything.
fn last_files(
    folder: &Path,
    bundle: &mut Bundle,
    last: impl FnOnce() -> Vec<(PathBuf, Vec<u8>)>,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    write_into(folder, bundle)?;
    let files = last();
    for (path, contents) in &files {
        if let Err(e) = write_file(&folder.join(path), contents) {
            let _ = fs::remove_dir_all(folder);
            return Err(e);
        }
    }
    Ok(files)
}

fn write_into(folder: &Path, bundle: &mut Bundle) -> Result<()> {
    let result = (|| {
        for (name, df) in &mut bundle.tables {
            write_csv(&folder.join("data").join(format!("{name}.csv")), df)?;
            write_parquet(&folder.join("data").join(format!("{name}.parquet")), df)?;
        }
        for (name, df) in &mut bundle.rejects {
            write_csv(&folder.join("rejects").join(format!("{name}.csv")), df)?;
        }
        for (path, contents) in &bundle.files {
            write_file(&folder.join(path), contents)?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(folder);
    }
    result
}

pub fn write_csv(path: &Path, df: &mut DataFrame) -> Result<()> {
    let mut buffer = Vec::new();
    CsvWriter::new(&mut buffer).include_header(true).finish(df)?;
    write_file(path, &buffer)
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    create_parent(path)?;
    let file = fs::File::create(path).map_err(|e| io_error(path, e))?;
    ParquetWriter::new(file).finish(df)?;
    Ok(())
}

fn write_file(path: &Path, contents: &[u8]) -> Result<()> {
    create_parent(path)?;
    let mut file = fs::File::create(path).map_err(|e| io_error(path, e))?;
    file.write_all(contents).map_err(|e| io_error(path, e))
}

fn create_parent(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    Ok(())
}

fn io_error(path: &Path, err: std::io::Error) -> Error {
    Error::internal(format!("cannot write {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(text: &str) -> Bundle {
        let mut b = Bundle::default();
        b.add_file("report.md", text);
        b
    }

    #[test]
    fn publishing_replaces_the_previous_output_whole() {
        let dir = tempdir("publish");
        let out = dir.join("out");
        publish(&out, &mut bundle("first"), Vec::new).unwrap();
        fs::write(out.join("stray.txt"), "left from before").unwrap();
        publish(&out, &mut bundle("second"), Vec::new).unwrap();
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "second");
        assert!(!out.join("stray.txt").exists(), "the old folder is replaced, not merged");
        let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")], "no staging folders remain");
    }

    #[test]
    fn a_failed_run_leaves_the_output_alone_and_writes_beside_it() {
        let dir = tempdir("failed");
        let out = dir.join("monthly");
        publish(&out, &mut bundle("good"), Vec::new).unwrap();
        let failed = publish_failed(&out, &mut bundle("diagnostics"), Vec::new).unwrap();
        assert_eq!(failed, dir.join("monthly.failed"));
        assert_eq!(fs::read_to_string(out.join("report.md")).unwrap(), "good");
        assert_eq!(fs::read_to_string(failed.join("report.md")).unwrap(), "diagnostics");
        publish(&out, &mut bundle("good again"), Vec::new).unwrap();
        assert!(!failed.exists(), "a successful run clears the stale diagnostics");
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("advocacy-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
