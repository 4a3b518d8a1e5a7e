//! The results of a run's expectations: one line each after the summary, and
//! in the JSON report.

use std::io::Write;

use evtwin_scenario::{ExpectationResult, Summary, Verdicts};
use serde_json::{Value, json};

use crate::{EXIT_FAULT, EXIT_OK};

/// `expectations  3 of 4 passed`, then one line each: PASS/FAIL, name,
/// measured, bound, when it was decided (and why, for a failure).
pub(crate) fn render(out: &mut impl Write, v: &Verdicts) -> std::io::Result<()> {
    if v.expectations.is_empty() {
        return Ok(());
    }
    let passed = v.expectations.iter().filter(|e| e.passed).count();
    writeln!(
        out,
        "\nexpectations  {passed} of {} passed",
        v.expectations.len()
    )?;
    for e in &v.expectations {
        writeln!(out, "  {}", line(e))?;
    }
    Ok(())
}

fn line(e: &ExpectationResult) -> String {
    let verdict = if e.passed { "PASS" } else { "FAIL" };
    let name = &e.name;
    match (e.decided_at_s, e.passed) {
        (None, _) => format!("{verdict}  {name}: bound {}, {}", e.bound_text, e.message),
        (Some(t), passed) => {
            let why = if passed {
                String::new()
            } else {
                format!(": {}", e.message)
            };
            format!(
                "{verdict}  {name}: measured {}, bound {}, at {t} s{why}",
                e.measured_text, e.bound_text
            )
        }
    }
}

/// The exit code of a run: with expectations, they decide (1 when one
/// failed, 0 when all passed, a fault they expect included); interrupted runs
/// and errors keep theirs.
pub(crate) fn exit_code(code: u8, v: &Verdicts) -> u8 {
    match (code, v.expectations.is_empty()) {
        (EXIT_OK | EXIT_FAULT, false) if v.passed() => EXIT_OK,
        (EXIT_OK | EXIT_FAULT, false) => EXIT_FAULT,
        _ => code,
    }
}

/// What `--json` and `--report` write: the summary, with the expectations'
/// results added when the scenario has some (otherwise the summary as it is,
/// its keys in their order).
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum Report<'a> {
    /// No expectations.
    Plain(&'a Summary),
    /// The summary's keys, `expectations` and `expectations_passed`.
    Checked(Value),
}

impl<'a> Report<'a> {
    pub(crate) fn new(summary: &'a Summary, v: &Verdicts) -> serde_json::Result<Self> {
        if v.expectations.is_empty() {
            return Ok(Self::Plain(summary));
        }
        let list: Vec<Value> = v
            .expectations
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "description": e.description,
                    "passed": e.passed,
                    "measured": e.measured,
                    "measured_text": e.measured_text,
                    "bound": e.bound_text,
                    "decided_at_s": e.decided_at_s,
                    "window_s": e.window_s.map(|(a, b)| [a, b]),
                    "message": e.message,
                })
            })
            .collect();
        let mut value = serde_json::to_value(summary)?;
        if let Value::Object(map) = &mut value {
            map.insert("expectations".into(), Value::Array(list));
            map.insert("expectations_passed".into(), Value::Bool(v.passed()));
        }
        Ok(Self::Checked(value))
    }
}
