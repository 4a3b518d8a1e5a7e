//! JUnit XML, as GitLab, GitHub (test-reporting actions) and Jenkins read it:
//! one `<testsuite>` per scenario, one `<testcase>` per expectation.
//!
//! A scenario's `<properties>`: `file` (its key), `seed`, `scenario_sha256`,
//! `status`, `duration_s`, `should_fail`, `description`, and for each fault N
//! `fault.N.name`, `fault.N.kind`, `fault.N.start_s`, `fault.N.end_s`,
//! `fault.N.description`. Its `<system-out>` is the run's summary, its
//! `<system-err>` its warnings and events. A failed case's `<failure
//! message>` starts with the measured value; each case's `<system-out>` holds
//! its fields as `key: value` lines (newlines and backslashes escaped as `\n`
//! and `\\`) so that [`read`] gets them back exactly for `evtwin report merge`.

use std::fmt::Write as _;

use crate::escape::{attr, text};
use crate::model::{Outcome, ScenarioReport, SuiteReport, TestCase};

pub use crate::junit_read::{ReadError, read};

/// The suite as a JUnit XML document.
#[must_use]
pub fn write(suite: &SuiteReport) -> String {
    let t = suite.totals();
    let wall: f64 = suite.scenarios.iter().map(|s| s.wall_s).sum();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{wall:.3}\">",
        text(&suite.name),
        t.tests,
        t.failures,
        t.errors
    );
    for s in &suite.scenarios {
        scenario(&mut o, s);
    }
    o.push_str("</testsuites>\n");
    o
}

fn count(s: &ScenarioReport, f: impl Fn(&Outcome) -> bool) -> usize {
    s.testcases.iter().filter(|c| f(&c.outcome)).count()
}

fn scenario(o: &mut String, s: &ScenarioReport) {
    let m = &s.meta;
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\" package=\"evtwin\" file=\"{}\">",
        text(&m.name),
        s.testcases.len(),
        count(s, |c| matches!(c, Outcome::Failed(_))),
        count(s, |c| matches!(c, Outcome::Error(_))),
        count(s, |c| matches!(c, Outcome::Skipped(_))),
        s.wall_s,
        text(&m.key)
    );
    o.push_str("    <properties>\n");
    let mut prop = |name: &str, value: &str| {
        let _ = writeln!(
            o,
            "      <property name=\"{}\" value=\"{}\"/>",
            attr(name),
            attr(value)
        );
    };
    prop("file", &m.key);
    prop("seed", &m.seed.to_string());
    prop("scenario_sha256", &m.scenario_sha256);
    prop("status", &s.status);
    prop("duration_s", &s.duration_s.to_string());
    prop("should_fail", &m.should_fail.to_string());
    if let Some(d) = &m.description {
        prop("description", d);
    }
    for (i, f) in s.faults.iter().enumerate() {
        prop(&format!("fault.{i}.name"), &f.name);
        prop(&format!("fault.{i}.kind"), &f.kind);
        prop(&format!("fault.{i}.start_s"), &opt(f.start_s));
        prop(&format!("fault.{i}.end_s"), &opt(f.end_s));
        prop(&format!("fault.{i}.description"), &f.description);
    }
    o.push_str("    </properties>\n");
    let classname = class_name(&m.key);
    #[allow(clippy::cast_precision_loss)]
    let each_s = s.wall_s / s.testcases.len().max(1) as f64;
    for c in &s.testcases {
        testcase(o, c, &classname, each_s);
    }
    let _ = writeln!(o, "    <system-out>{}</system-out>", text(&s.stdout));
    let _ = writeln!(o, "    <system-err>{}</system-err>", text(&s.stderr));
    o.push_str("  </testsuite>\n");
}

/// `charge/fast.toml` → `charge.fast`: the class name CI front ends group by.
fn class_name(key: &str) -> String {
    key.strip_suffix(".toml").unwrap_or(key).replace('/', ".")
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

fn testcase(o: &mut String, c: &TestCase, classname: &str, time_s: f64) {
    let _ = writeln!(
        o,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{time_s:.3}\">",
        text(&c.name),
        text(classname)
    );
    match &c.outcome {
        Outcome::Passed => {}
        Outcome::Failed(m) => {
            let _ = writeln!(
                o,
                "      <failure message=\"{}\" type=\"expectation\">{}</failure>",
                attr(m),
                text(&c.description)
            );
        }
        Outcome::Error(m) => {
            let _ = writeln!(
                o,
                "      <error message=\"{}\" type=\"run\">{}</error>",
                attr(m),
                text(m)
            );
        }
        Outcome::Skipped(m) => {
            let _ = writeln!(o, "      <skipped message=\"{}\"/>", attr(m));
        }
    }
    let mut fields = String::new();
    let mut field = |k: &str, v: &str| {
        if !v.is_empty() {
            let _ = writeln!(fields, "{k}: {}", encode(v));
        }
    };
    field("description", &c.description);
    field("measured", &c.measured_text);
    field("measured_value", &opt(c.measured));
    field("bound", &c.bound_text);
    field("decided_at_s", &opt(c.decided_at_s));
    field(
        "window_s",
        &c.window_s
            .map_or_else(String::new, |(a, b)| format!("{a} {b}")),
    );
    field("message", &c.message);
    let _ = writeln!(o, "      <system-out>{}</system-out>", text(&fields));
    o.push_str("    </testcase>\n");
}

/// One line for a value: `\` → `\\`, newline → `\n`, carriage return → `\r`.
pub(crate) fn encode(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// The inverse of [`encode`].
pub(crate) fn decode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
