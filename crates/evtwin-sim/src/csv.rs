//! The small CSV files of the twin (drive cycles, cell tables), read with the
//! position of every field so that errors point at a line and a column. Text in,
//! values out: no file I/O here.
//!
//! A UTF-8 BOM, blank lines and lines starting with `#` are skipped. The first
//! remaining line is the header.

use thiserror::Error;

/// A problem at a 1-based line and column of CSV text.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{line}:{column}: {message}")]
pub struct CsvError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// One line: its number and its trimmed fields with their 1-based columns.
#[derive(Debug)]
pub(crate) struct Row<'a> {
    /// 1-based line number.
    pub line: usize,
    text: &'a str,
    fields: Vec<(usize, &'a str)>,
}

impl<'a> Row<'a> {
    fn new(line: usize, text: &'a str) -> Self {
        let mut fields = Vec::new();
        let mut col = 1;
        for f in text.split(',') {
            let lead = f.len() - f.trim_start().len();
            fields.push((col + f[..lead].chars().count(), f.trim()));
            col += f.chars().count() + 1;
        }
        Self { line, text, fields }
    }

    /// The fields' texts, lower-cased (for matching header names).
    pub fn names(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|(_, n)| n.to_ascii_lowercase())
            .collect()
    }

    /// An error at field `k` (at the end of the line if there is no such field).
    pub fn error(&self, k: usize, message: impl Into<String>) -> CsvError {
        let column = self
            .fields
            .get(k)
            .map_or(self.text.chars().count() + 1, |f| f.0);
        CsvError {
            line: self.line,
            column,
            message: message.into(),
        }
    }

    /// Field `k` as a finite number; `what` names it in errors.
    pub fn number(&self, k: usize, what: &str) -> Result<f64, CsvError> {
        let Some(&(_, raw)) = self.fields.get(k) else {
            return Err(self.error(k, format!("missing the {what} field")));
        };
        match raw.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            Ok(_) => Err(self.error(k, format!("{what} `{raw}` is not finite"))),
            Err(_) => Err(self.error(k, format!("{what} `{raw}` is not a number"))),
        }
    }
}

/// The header row and the data rows of `text`.
pub(crate) fn rows(text: &str) -> Result<(Row<'_>, Vec<Row<'_>>), CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(k, l)| Row::new(k + 1, l));
    let header = lines.next().ok_or(CsvError {
        line: 1,
        column: 1,
        message: "the file is empty".into(),
    })?;
    Ok((header, lines.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_carry_their_columns() {
        let (head, data) = rows("\u{feff}# note\nA, b ,c\n\n1,  x,3\n").unwrap();
        assert_eq!(head.names(), ["a", "b", "c"]);
        assert_eq!(data.len(), 1);
        assert_eq!(data[0].line, 4);
        assert_eq!(data[0].number(0, "a"), Ok(1.0));
        let e = data[0].number(1, "b").unwrap_err();
        assert_eq!((e.line, e.column), (4, 5));
        assert_eq!(e.message, "b `x` is not a number");
        let e = data[0].number(7, "h").unwrap_err();
        assert_eq!((e.column, e.message.as_str()), (8, "missing the h field"));
        assert_eq!(rows("\n# only\n").unwrap_err().message, "the file is empty");
    }
}
