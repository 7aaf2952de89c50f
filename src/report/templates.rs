//! The template environment. Reports are minijinja templates; the built-in ones are the files
//! in `reports/`, compiled in, and a pipeline's `[reports] templates` folder replaces them file
//! by file. Undefined variables are errors (a typo fails loudly), HTML output is escaped, and
//! Markdown output escapes the characters that would break a table or inject markup.

use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Output, State, UndefinedBehavior, Value};

use super::format;
use crate::error::{Error, Result};

/// The built-in templates, by name.
pub const BUILT_IN: [(&str, &str); 11] = [
    ("_layout.html", include_str!("../../reports/_layout.html")),
    ("_kpis.html", include_str!("../../reports/_kpis.html")),
    ("board.html", include_str!("../../reports/board.html")),
    ("board.md", include_str!("../../reports/board.md")),
    ("csm.html", include_str!("../../reports/csm.html")),
    ("csm.md", include_str!("../../reports/csm.md")),
    ("index.html", include_str!("../../reports/index.html")),
    ("references.html", include_str!("../../reports/references.html")),
    ("references.md", include_str!("../../reports/references.md")),
    ("backtest.html", include_str!("../../reports/backtest.html")),
    ("backtest.md", include_str!("../../reports/backtest.md")),
];

pub struct Templates {
    env: Environment<'static>,
    /// The pipeline's templates folder, if any.
    custom: Option<PathBuf>,
}

impl Templates {
    /// The built-in templates, overridden by the files in `custom` when given.
    pub fn new(custom: Option<&Path>, currency: &str) -> Result<Templates> {
        if let Some(dir) = custom {
            // Checked when the pipeline file is loaded; the folder may have gone since.
            if !dir.is_dir() {
                return Err(Error::config(format!(
                    "`reports.templates`: {} is not a folder; copy reports/ from the repository and point at it",
                    dir.display()
                )));
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else if name.ends_with(".md") {
                AutoEscape::Custom("markdown")
            } else {
                AutoEscape::None
            }
        });
        env.set_formatter(markdown_aware_formatter);
        let custom: Option<PathBuf> = custom.map(Path::to_path_buf);
        let custom_dir = custom.clone();
        env.set_loader(move |name| {
            if let Some(dir) = &custom {
                let path = dir.join(name);
                if path.is_file() {
                    return std::fs::read_to_string(&path).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("cannot read template {}: {e}", path.display()),
                        )
                    });
                }
            }
            Ok(BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, text)| text.to_string()))
        });
        format::register(&mut env, currency.to_string());
        Ok(Templates { env, custom: custom_dir })
    }

    /// Renders the template `name` with `context`.
    pub fn render(&self, name: &str, context: &Value) -> Result<String> {
        let template = self.env.get_template(name).map_err(|e| self.error(name, e))?;
        template.render(context).map_err(|e| self.error(name, e))
    }

    /// The error, blamed on the template it happened in: the pipeline's own file when the
    /// custom folder has it, else the built-in one.
    fn error(&self, name: &str, source: minijinja::Error) -> Error {
        let template = source.name().unwrap_or(name).to_string();
        let path = self.custom.as_ref().map(|dir| dir.join(&template)).filter(|path| path.is_file());
        Error::Template { template, path, source }
    }
}

/// HTML escaping for `.html` templates as usual; for `.md` templates, a backslash before the
/// characters that Markdown would read as markup or a table cell break.
fn markdown_aware_formatter(
    out: &mut Output,
    state: &State,
    value: &Value,
) -> std::result::Result<(), minijinja::Error> {
    if state.auto_escape() == AutoEscape::Custom("markdown") {
        if value.is_safe() || value.is_none() {
            let text = if value.is_none() { String::new() } else { value.to_string() };
            return out.write_str(&text).map_err(minijinja::Error::from);
        }
        return out.write_str(&escape_markdown(&value.to_string())).map_err(minijinja::Error::from);
    }
    if !value.is_safe() {
        if let Some(text) = value.as_str().filter(|t| t.contains(is_stray_control)) {
            let clean = Value::from(without_controls(text));
            return minijinja::escape_formatter(out, state, &clean);
        }
    }
    minijinja::escape_formatter(out, state, value)
}

/// Control characters a report must not carry: NUL and the rest of C0 but tab, line feed and
/// carriage return.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `text` with stray control characters replaced by U+FFFD, so that a corrupt value is
/// visible but cannot break the page.
fn without_controls(text: &str) -> String {
    text.chars().map(|c| if is_stray_control(c) { '\u{fffd}' } else { c }).collect()
}

pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_cr = false;
    for c in text.chars() {
        let was_cr = std::mem::replace(&mut after_cr, c == '\r');
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            // Any line break (LF, CR, CRLF) would end a table row: one space instead.
            '\n' if was_cr => {}
            '\n' | '\r' => out.push(' '),
            c if is_stray_control(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_keeps_tables_intact() {
        assert_eq!(escape_markdown("A|B <script>"), "A\\|B \\<script\\>");
        assert_eq!(escape_markdown("plain text, 12%"), "plain text, 12%");
    }

    #[test]
    fn line_breaks_and_nul_bytes_cannot_break_a_markdown_table() {
        // A bare CR used to end the row in some renderers; CRLF is one break, one space.
        assert_eq!(escape_markdown("Acme\rCorp"), "Acme Corp");
        assert_eq!(escape_markdown("Acme\r\nCorp\nInc"), "Acme Corp Inc");
        assert_eq!(escape_markdown("A\0B"), "A\u{fffd}B");
    }

    #[test]
    fn nul_bytes_do_not_reach_html() {
        let t = Templates::new(None, "$").unwrap();
        let mut env = t.env.clone();
        env.add_template("t.html", "<p>{{ name }}</p>").unwrap();
        let html =
            env.get_template("t.html").unwrap().render(minijinja::context! { name => "A\0<b>" }).unwrap();
        assert_eq!(html, "<p>A\u{fffd}&lt;b&gt;</p>");
    }

    #[test]
    fn a_broken_built_in_template_is_a_bug_and_a_broken_own_template_is_the_users() {
        let built_in = Templates::new(None, "$").unwrap();
        let err = built_in.render("no-such.html", &Value::from(())).unwrap_err();
        assert_eq!(err.exit_code(), 3, "{err}");
        assert!(
            err.to_string().starts_with("internal error: built-in report template no-such.html"),
            "{err}"
        );

        let dir = std::env::temp_dir().join(format!("advocacy-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("board.md"), "{{ compnay }}\n").unwrap();
        let own = Templates::new(Some(&dir), "$").unwrap();
        let err = own.render("board.md", &minijinja::context! { company => "Acme" }).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(err.exit_code(), 1, "{err}");
        assert!(matches!(&err, Error::Template { path: Some(p), .. } if p.ends_with("board.md")), "{err}");
    }
}
