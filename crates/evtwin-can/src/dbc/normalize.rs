//! A pre-parse pass over DBC text: it rewrites what real files contain and
//! `can-dbc`'s grammar rejects, keeps a map from every rewritten byte back to
//! the original text (so errors point at the user's file), and records where
//! the statements the model needs (`BO_`, `SG_`, `SG_MUL_VAL_`, `VAL_`,
//! `SIG_VALTYPE_`) start.
//!
//! Rewrites: a byte-order mark is dropped; CR before LF and trailing blanks are
//! dropped; a `;`-terminated statement wrapped over several lines (foxBMS wraps
//! long `VAL_` lines) is joined into one line, the swallowed newlines put back
//! after it so that line numbers stay aligned; statements `can-dbc` does not
//! know and the model does not need (`SGTYPE_`, `CAT_DEF_`, `FILTER`, …) are
//! blanked; a final newline is added.

/// A 1-based line and column (in characters) in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Where a `BO_` statement and its `SG_` lines start.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessagePos {
    /// The `BO_` keyword.
    pub at: Pos,
    /// The identifier token.
    pub id_at: Pos,
    /// The identifier as written, if it is a number that fits `u64`.
    pub id: Option<u64>,
    /// Each `SG_` keyword, in order.
    pub signals: Vec<Pos>,
}

/// The rewritten text and what was learnt about the original.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    /// Text for `can-dbc`.
    pub text: String,
    /// `(start in text, start in original)` of each copied run, sorted.
    map: Vec<(usize, usize)>,
    /// Messages in file order.
    pub messages: Vec<MessagePos>,
    /// `SG_MUL_VAL_` statements in file order.
    pub mul_vals: Vec<Pos>,
    /// `VAL_` statements that name a message (signal value tables), in order.
    pub vals: Vec<Pos>,
    /// `SIG_VALTYPE_` statements in file order.
    pub valtypes: Vec<Pos>,
}

/// Statements that end with `;` and may therefore be wrapped.
const TERMINATED: &[&str] = &[
    "CM_",
    "BA_DEF_",
    "BA_",
    "VAL_",
    "VAL_TABLE_",
    "SIG_GROUP_",
    "SIG_VALTYPE_",
    "BO_TX_BU_",
    "BA_DEF_REL_",
    "BA_REL_",
    "BA_DEF_DEF_REL_",
    "BA_DEF_DEF_",
    "SG_MUL_VAL_",
    "EV_",
    "ENVVAR_DATA_",
];

/// Statements `can-dbc` rejects and the model does not use: dropped.
const DROPPED: &[&str] = &[
    "SGTYPE_",
    "SGTYPE_VAL_",
    "BA_DEF_SGTYPE_",
    "BA_SGTYPE_",
    "SIG_TYPE_REF_",
    "SIGTYPE_VALTYPE_",
    "CAT_DEF_",
    "CAT_",
    "FILTER",
    "EV_DATA_",
    "NS_DESC_",
];

/// Whether a first token looks like a DBC keyword (`VERSION`, `FILTER` or
/// upper case ending in `_`), i.e. starts a statement rather than continuing one.
fn is_keyword(token: &str) -> bool {
    token == "VERSION"
        || token == "FILTER"
        || (token.len() > 1
            && token.ends_with('_')
            && token.starts_with(|c: char| c.is_ascii_uppercase())
            && token
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
}

/// The first token of a line (up to a blank or `:`) and its byte offset.
fn first_token(line: &str) -> (&str, usize) {
    let start = line.len() - line.trim_start().len();
    let rest = &line[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(rest.len());
    (&rest[..end], start)
}

/// The token after the first one, and its byte offset in `line`.
fn second_token(line: &str, after: usize) -> (&str, usize) {
    let rest = &line[after..];
    let skip = rest.len() - rest.trim_start().len();
    let rest = &rest[skip..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ':')
        .unwrap_or(rest.len());
    (&rest[..end], after + skip)
}

/// Scans `line` for quotes (a `\"` inside a string does not close it); returns
/// whether a string is still open at the end and whether the last character
/// outside strings is `;`.
fn scan_quotes(line: &str, mut in_quote: bool) -> (bool, bool) {
    let mut ends_with_semicolon = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quote {
            if c == '\\' && chars.peek() == Some(&'"') {
                chars.next();
            } else if c == '"' {
                in_quote = false;
            }
            ends_with_semicolon = false;
        } else if c == '"' {
            in_quote = true;
            ends_with_semicolon = false;
        } else if !c.is_whitespace() {
            ends_with_semicolon = c == ';';
        }
    }
    (in_quote, ends_with_semicolon)
}

/// Column (1-based, in characters) of byte offset `at` in `line`.
fn col_of(line: &str, at: usize) -> usize {
    line.get(..at).map_or(1, |s| s.chars().count() + 1)
}

impl Normalized {
    /// Rewrites `original` (see the module documentation).
    pub(crate) fn new(original: &str) -> Self {
        let mut out = Self::default();
        let bom = if original.starts_with('\u{feff}') {
            3
        } else {
            0
        };
        let mut offset = bom;
        let mut in_quote = false;
        // A `;`-terminated statement is open (its last line had no `;`).
        let mut open = false;
        // The open statement is being dropped.
        let mut dropping = false;
        // Newlines swallowed by joins, to put back before the next line.
        let mut owed: Vec<usize> = Vec::new();
        // Inside the `NS_` symbol list (indented lines of keywords).
        let mut ns_block = false;
        for (index, raw_line) in original[bom..].split_inclusive('\n').enumerate() {
            let line_no = index + 1;
            let line_start = offset;
            offset += raw_line.len();
            let has_newline = raw_line.ends_with('\n');
            let content = raw_line.trim_end_matches(['\n', '\r']);
            let content = if in_quote {
                content
            } else {
                content.trim_end_matches([' ', '\t'])
            };
            let newline_at = line_start + content.len();
            let starts_in_quote = in_quote;
            let (token, token_at) = first_token(content);
            if !in_quote && !open {
                if ns_block && (content.is_empty() || content.starts_with([' ', '\t'])) {
                    for at in owed.drain(..) {
                        out.push("\n", at);
                    }
                    out.push(content, line_start);
                    if has_newline {
                        out.push("\n", newline_at);
                    }
                    continue;
                }
                ns_block = token == "NS_";
            }
            let continuation = open
                && !starts_in_quote
                && !token.is_empty()
                && !token.starts_with("//")
                && !is_keyword(token);
            if !continuation {
                for at in owed.drain(..) {
                    out.push("\n", at);
                }
            }
            let (still_quoted, terminated) = scan_quotes(content, in_quote);
            if !starts_in_quote && !continuation {
                dropping = DROPPED.contains(&token);
                if !dropping {
                    out.record(content, token, token_at, line_no);
                }
                open = TERMINATED.contains(&token) || dropping;
            }
            if !dropping {
                out.push(content, line_start);
            }
            in_quote = still_quoted;
            if terminated && !in_quote {
                open = false;
            }
            if open && !in_quote && has_newline {
                // Might be joined with the next line: decide then.
                owed.push(newline_at);
                if !dropping {
                    out.push(" ", newline_at);
                }
            } else if has_newline {
                out.push("\n", newline_at);
            }
            if !open {
                dropping = false;
            }
        }
        for at in owed.drain(..) {
            out.push("\n", at);
        }
        if !out.text.ends_with('\n') {
            out.push("\n", original.len());
        }
        out
    }

    /// Notes where a statement the model needs starts.
    fn record(&mut self, content: &str, token: &str, token_at: usize, line: usize) {
        let at = Pos {
            line,
            col: col_of(content, token_at),
        };
        match token {
            "BO_" => {
                let (id, id_at) = second_token(content, token_at + token.len());
                self.messages.push(MessagePos {
                    at,
                    id_at: Pos {
                        line,
                        col: col_of(content, id_at),
                    },
                    id: id.parse().ok(),
                    signals: Vec::new(),
                });
            }
            "SG_" => {
                if let Some(message) = self.messages.last_mut() {
                    message.signals.push(at);
                }
            }
            "SG_MUL_VAL_" => self.mul_vals.push(at),
            "SIG_VALTYPE_" => self.valtypes.push(at),
            "VAL_" => {
                let (next, _) = second_token(content, token_at + token.len());
                if next.starts_with(|c: char| c.is_ascii_digit()) {
                    self.vals.push(at);
                }
            }
            _ => {}
        }
    }

    /// Appends `s`, which stands for the original text at byte `orig`.
    fn push(&mut self, s: &str, orig: usize) {
        if s.is_empty() {
            return;
        }
        let here = self.text.len();
        let contiguous = self
            .map
            .last()
            .is_some_and(|&(n, o)| o + (here - n) == orig);
        if !contiguous {
            self.map.push((here, orig));
        }
        self.text.push_str(s);
    }

    /// The original byte offset of byte `at` of the rewritten text.
    pub(crate) fn original_offset(&self, at: usize) -> usize {
        let i = self.map.partition_point(|&(n, _)| n <= at);
        match i.checked_sub(1).and_then(|i| self.map.get(i)) {
            Some(&(n, o)) => o + (at - n),
            None => 0,
        }
    }
}

/// Line and column (1-based, in characters) of byte `at` of `text`.
pub(crate) fn position(text: &str, at: usize) -> Pos {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: before.matches('\n').count() + 1,
        col: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_wrapped_val_and_keeps_lines() {
        let text = "BO_ 1 A: 8 X\r\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" X  \r\n\r\n\
                    VAL_ 1 s 0 \"zero\"\r\n1 \"one\";\r\nVAL_ 1 s 2 \"two\";\r\n";
        let n = Normalized::new(text);
        assert_eq!(
            n.text,
            "BO_ 1 A: 8 X\n SG_ s : 0|8@1+ (1,0) [0|0] \"\" X\n\n\
             VAL_ 1 s 0 \"zero\" 1 \"one\";\n\nVAL_ 1 s 2 \"two\";\n"
        );
        assert_eq!(n.messages.len(), 1);
        assert_eq!(n.messages[0].at, Pos { line: 1, col: 1 });
        assert_eq!(n.messages[0].id, Some(1));
        assert_eq!(n.messages[0].id_at, Pos { line: 1, col: 5 });
        assert_eq!(n.messages[0].signals, vec![Pos { line: 2, col: 2 }]);
        assert_eq!(
            n.vals,
            vec![Pos { line: 4, col: 1 }, Pos { line: 6, col: 1 }]
        );
        // "1 \"one\"" on original line 5 maps back there.
        let at = n.text.find("1 \"one\"").unwrap_or(0);
        assert_eq!(
            position(text, n.original_offset(at)),
            Pos { line: 5, col: 1 }
        );
        let at = n.text.find("VAL_ 1 s 2").unwrap_or(0);
        assert_eq!(
            position(text, n.original_offset(at)),
            Pos { line: 6, col: 1 }
        );
    }

    #[test]
    fn multiline_comment_is_left_alone_and_unknown_statements_dropped() {
        let text = "NS_ :\n\tNS_DESC_\n\tSG_MUL_VAL_\n\nBS_:\n\
                    CM_ SG_ 1 s \"two\nBO_ lines\";\nSGTYPE_ x : 8@1+ (1,0) [0|0] \"\" 0,\n y;\nBO_ 2 B: 1 X";
        let n = Normalized::new(text);
        assert_eq!(
            n.text,
            "NS_ :\n\tNS_DESC_\n\tSG_MUL_VAL_\n\nBS_:\n\
             CM_ SG_ 1 s \"two\nBO_ lines\";\n\n\nBO_ 2 B: 1 X\n"
        );
        assert_eq!(n.messages.len(), 1);
        assert_eq!(n.messages[0].at.line, 10);
        assert!(n.mul_vals.is_empty());
    }

    #[test]
    fn keywords() {
        assert!(is_keyword("BA_DEF_DEF_"));
        assert!(is_keyword("VERSION"));
        assert!(!is_keyword("40"));
        assert!(!is_keyword("\"x\""));
        assert!(!is_keyword("Name_"));
    }
}
