//! Text sources (scenario files, presets, tables) and locating things in them.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a path into a TOML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl From<&str> for Seg {
    fn from(k: &str) -> Self {
        Self::Key(k.to_owned())
    }
}

impl From<usize> for Seg {
    fn from(i: usize) -> Self {
        Self::Index(i)
    }
}

/// Builds a path: `toml_path!["route", 2, "cruise"]`.
macro_rules! toml_path {
    ($($seg:expr),* $(,)?) => { [$($crate::source::Seg::from($seg)),*] };
}
pub(crate) use toml_path;

/// A named text: what a user sees as a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Path as the user gave it, or `builtin:…` for shipped assets.
    pub name: String,
    /// The text.
    pub text: String,
}

impl Source {
    /// 1-based line and column (in characters) of byte `offset`.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |p| p + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The text of 1-based line `line`.
    #[must_use]
    pub fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }

    /// Byte span of the value at `path`, or of the deepest part of the path that
    /// exists (the table that should hold a missing key), and whether all of it
    /// was found.
    #[must_use]
    pub fn span_of(&self, path: &[Seg]) -> (Range<usize>, bool) {
        let Ok(root) = DeTable::parse(&self.text) else {
            return (0..0, false);
        };
        let mut span = root.span();
        let mut value: Option<&DeValue<'_>> = None;
        let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
        for seg in path {
            let next = match (seg, table, value) {
                (Seg::Key(k), Some(t), _) => t
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                    .map(|(_, v)| v),
                (Seg::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
                _ => None,
            };
            let Some(v) = next else {
                return (span, false);
            };
            span = v.span();
            value = Some(v.get_ref());
            table = v.get_ref().as_table();
        }
        (span, true)
    }

    /// Whether `path` exists in this document.
    #[must_use]
    pub fn has(&self, path: &[Seg]) -> bool {
        self.span_of(path).1
    }
}

/// A located problem in a user's file: renders as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct FileError {
    /// File name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, for a person.
    pub message: String,
    /// The offending line, for a caret display.
    pub line_text: String,
}

impl FileError {
    /// An error at byte `offset` of `src`.
    #[must_use]
    pub fn at_offset(src: &Source, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = src.line_col(offset);
        Self::at(src, line, column, message)
    }

    /// An error at `line:column` of `src`.
    #[must_use]
    pub fn at(src: &Source, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self {
            file: src.name.clone(),
            line,
            column,
            message: message.into(),
            line_text: src.line_text(line).to_owned(),
        }
    }

    /// An error at the value `path` points to in `src` (or the nearest table).
    #[must_use]
    pub fn at_path(src: &Source, path: &[Seg], message: impl Into<String>) -> Self {
        Self::at_offset(src, src.span_of(path).0.start, message)
    }

    /// The error with the offending line and a caret under the column, as
    /// compilers print it.
    #[must_use]
    pub fn render(&self) -> String {
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let caret = " ".repeat(self.column.saturating_sub(1));
        format!(
            "{self}\n{pad} |\n{} | {}\n{pad} | {caret}^",
            self.line, self.line_text
        )
    }
}

/// A TOML deserialisation error, located.
#[must_use]
pub fn toml_error(src: &Source, err: &toml::de::Error) -> FileError {
    let offset = err.span().map_or(0, |s| s.start);
    let message = err.message().trim_end().replace('\n', " ");
    FileError::at_offset(src, offset, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Source {
        Source {
            name: "t.toml".into(),
            text: text.into(),
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let s = src("a = 1\nb = \"é\" # x\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(6), (2, 1));
        let hash = s.text.find('#').unwrap();
        assert_eq!(s.line_col(hash), (2, 9));
    }

    #[test]
    fn paths_resolve_through_tables_and_arrays() {
        let s = src("[a]\nb = 2\n\n[[r]]\nx = { y = 3 }\n[[r]]\nx = { y = 4 }\n");
        let (span, found) = s.span_of(&toml_path!["r", 1, "x", "y"]);
        assert!(found);
        assert_eq!(s.line_col(span.start), (7, 11));
        let (span, found) = s.span_of(&toml_path!["a", "missing"]);
        assert!(!found);
        assert_eq!(s.line_col(span.start).0, 1);
        let e = FileError::at_path(&s, &toml_path!["a", "b"], "bad");
        assert_eq!(e.to_string(), "t.toml:2:5: bad");
        assert!(
            e.render().ends_with("2 | b = 2\n  |     ^"),
            "{}",
            e.render()
        );
    }
}
