//! Escaping for XML and HTML: every string that comes from a scenario file or
//! a bus goes through [`text`] (element content and attribute values alike).

/// `s` made safe as XML or HTML text or attribute value: `&`, `<`, `>`, `"`
/// and `'` become entities; characters XML 1.0 does not allow (control
/// characters other than tab, newline and carriage return) become U+FFFD.
#[must_use]
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// `s` made safe as an XML attribute value that keeps its tabs and line
/// breaks: [`text`], with them as character references (a parser would
/// otherwise turn them into spaces).
#[must_use]
pub fn attr(s: &str) -> String {
    text(s)
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// Whether XML 1.0 allows `c` in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::{attr, text};

    #[test]
    fn markup_and_control_characters() {
        assert_eq!(
            text("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(text("a]]>b"), "a]]&gt;b");
        assert_eq!(text("bell\u{7}\u{0}"), "bell\u{FFFD}\u{FFFD}");
        assert_eq!(text("tab\tline\n°C ≥"), "tab\tline\n°C ≥");
        assert_eq!(attr("a\nb\t<"), "a&#10;b&#9;&lt;");
    }
}
