//! The library's error type and the exit codes it maps to (SPEC.md section 4):
//! 1 usage or configuration error, 2 input data error, 3 internal error.

use std::path::PathBuf;

/// Every way a run can fail. User mistakes (configuration, data) and internal bugs are kept
/// apart so that a scheduled job can tell "fix your export" from "file a bug".
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad command line or pipeline file.
    #[error("{0}")]
    Config(String),

    /// A file-level problem with an input: missing, unreadable, wrong format, a required
    /// column absent, an empty required table.
    #[error("{0}")]
    Input(String),

    /// Too many rejected rows: the export is broken and must not be published.
    #[error("{message}")]
    RejectRatio { message: String, diagnostics: PathBuf },

    /// The user's environment stopped a read or a write: permission denied, a read-only
    /// folder, a full disk, another run holding the output folder. Exit 2, with the path.
    #[error("cannot {action} {}: {}", path.display(), describe_io(source))]
    Environment { action: &'static str, path: PathBuf, source: std::io::Error },

    /// A report template failed to load or render. `path` is the pipeline's own template
    /// file (a user's mistake, exit 1); `None` is a built-in template (a bug, exit 3).
    #[error("{}", describe_template(template, path.as_deref(), source))]
    Template { template: String, path: Option<PathBuf>, source: minijinja::Error },

    /// A computation polars refused: the metrics were handed something they did not expect,
    /// which is a bug (input problems are reported as [`Error::Input`] before this point).
    #[error("internal error: {0}")]
    Compute(#[from] polars::error::PolarsError),

    /// A bug: something the code assumed did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

/// "report template board.md: undefined value (in board.md:3): ..." with the error's chain.
fn describe_template(template: &str, path: Option<&std::path::Path>, err: &minijinja::Error) -> String {
    let mut message = match path {
        Some(path) => format!("report template {template} ({}): {err}", path.display()),
        None => format!("internal error: built-in report template {template}: {err}"),
    };
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    message
}

/// An I/O error in words a user can act on.
fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let hint = match err.kind() {
        PermissionDenied => "permission denied",
        ReadOnlyFilesystem => "the file system is read-only",
        StorageFull => "the disk is full",
        QuotaExceeded => "the disk quota is exceeded",
        _ => return err.to_string(),
    };
    hint.to_string()
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Template { path: Some(_), .. } => 1,
            Error::Input(_) | Error::RejectRatio { .. } | Error::Environment { .. } => 2,
            Error::Template { path: None, .. } | Error::Compute(_) | Error::Internal(_) => 3,
        }
    }

    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    pub fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// A failed read or write of `path`, kept with its source.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Environment { action, path: path.into(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The name in `candidates` closest to `name` by edit distance, if any is close enough to be a
/// plausible typo (used for "did you mean" hints on columns and pipeline keys).
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 2).max(2))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(row[j] + 1).min(above + 1);
            diag = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_typos_and_ignores_strangers() {
        let names = ["account_id", "account_name", "csm_id"];
        assert_eq!(nearest("acount_id", names), Some("account_id"));
        assert_eq!(nearest("Account_Name", names), Some("account_name"));
        assert_eq!(nearest("zzzzzzzzzzzz", names), None);
    }

    #[test]
    fn exit_codes_follow_the_spec() {
        assert_eq!(Error::config("x").exit_code(), 1);
        assert_eq!(Error::input("x").exit_code(), 2);
        assert_eq!(Error::internal("x").exit_code(), 3);
    }
}
