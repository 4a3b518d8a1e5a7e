//! The static HTML report: one self-contained page (inline CSS, inline SVG,
//! no scripts, no external references) that opens from disk: a summary table,
//! then per scenario its test cases (failed ones in red), its faults and its
//! plots.

use std::fmt::Write as _;

use crate::escape::text;
use crate::model::{Outcome, ScenarioReport, SuiteReport, TestCase};
use crate::plot;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0}\
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f2f2f2}.fail,.fail td{color:#b00000;background:#fff0f0}\
.pass{color:#106010}.skip{color:#777}\
.plots{display:flex;flex-wrap:wrap;gap:.5em}figure{margin:0}\
.key span{display:inline-block;width:1em;height:.8em;margin:0 .3em 0 1em}\
section{border-top:2px solid #ddd;margin-top:1.5em}pre{background:#f8f8f8;padding:.5em;overflow:auto;max-height:30em}";

/// Which scenarios get their plots (about 140 kB of SVG each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plots {
    /// Every scenario.
    All,
    /// Only those that failed.
    Failed,
    /// None.
    None,
    /// Every scenario in a suite of up to [`AUTO_ALL_UP_TO`] scenarios, else
    /// only those that failed.
    Auto,
}

/// The largest suite whose every scenario gets plots under [`Plots::Auto`].
pub const AUTO_ALL_UP_TO: usize = 100;

/// The suite as an HTML page, with every scenario's plots.
#[must_use]
pub fn write(suite: &SuiteReport) -> String {
    write_with(suite, Plots::All)
}

/// The suite as an HTML page, with the plots `plots` asks for.
#[must_use]
pub fn write_with(suite: &SuiteReport, plots: Plots) -> String {
    let plots = match plots {
        Plots::Auto if suite.scenarios.len() <= AUTO_ALL_UP_TO => Plots::All,
        Plots::Auto => Plots::Failed,
        p => p,
    };
    let t = suite.totals();
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>evtwin suite: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>evtwin suite: {}</h1>\n",
        text(&suite.name),
        text(&suite.name)
    );
    let _ = writeln!(
        o,
        "<p class=\"{}\" id=\"totals\">{} scenarios, {} failed; {} test cases: {} failed, {} in error, {} skipped.</p>",
        if t.scenarios_failed == 0 {
            "pass"
        } else {
            "fail"
        },
        t.scenarios,
        t.scenarios_failed,
        t.tests,
        t.failures,
        t.errors,
        t.skipped
    );
    o.push_str("<table class=\"summary\">\n<tr><th>scenario</th><th>file</th><th>result</th><th>test cases</th><th>failed</th><th>status</th><th>virtual time (s)</th><th>wall time (s)</th></tr>\n");
    for (i, s) in suite.scenarios.iter().enumerate() {
        let bad = s.testcases.iter().filter(|c| c.is_bad()).count();
        let _ = writeln!(
            o,
            "<tr class=\"{}\"><td><a href=\"#s{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{bad}</td><td>{}</td><td>{:.1}</td><td>{:.3}</td></tr>",
            if s.passed() { "pass" } else { "fail" },
            text(&s.meta.name),
            text(&s.meta.key),
            if s.passed() { "passed" } else { "FAILED" },
            s.testcases.len(),
            text(&s.status),
            s.duration_s,
            s.wall_s
        );
    }
    o.push_str("</table>\n");
    for (i, s) in suite.scenarios.iter().enumerate() {
        let draw = match plots {
            Plots::All | Plots::Auto => true,
            Plots::Failed => !s.passed(),
            Plots::None => false,
        };
        scenario(&mut o, i, s, draw);
    }
    o.push_str("</body>\n</html>\n");
    o
}

fn result(c: &TestCase) -> (&'static str, String) {
    match &c.outcome {
        Outcome::Passed => ("pass", "passed".into()),
        Outcome::Failed(m) => ("fail", format!("FAILED: {m}")),
        Outcome::Error(m) => ("fail", format!("ERROR: {m}")),
        Outcome::Skipped(m) => ("skip", format!("skipped: {m}")),
    }
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v}"))
}

#[allow(clippy::too_many_lines)] // one section of the page, in page order
fn scenario(o: &mut String, i: usize, s: &ScenarioReport, draw: bool) {
    let m = &s.meta;
    let _ = writeln!(
        o,
        "<section id=\"s{i}\" class=\"scenario\">\n<h2 class=\"{}\">{}</h2>",
        if s.passed() { "pass" } else { "fail" },
        text(&m.name)
    );
    if let Some(d) = &m.description {
        let _ = writeln!(o, "<p>{}</p>", text(d));
    }
    let _ = writeln!(
        o,
        "<p>file {} · seed {} · sha256 {} · status {} · {:.1} s of virtual time{}</p>",
        text(&m.key),
        m.seed,
        text(&m.scenario_sha256),
        text(&s.status),
        s.duration_s,
        if m.should_fail {
            " · expected to fail (should_fail)"
        } else {
            ""
        }
    );
    o.push_str("<table class=\"cases\">\n<tr><th>test case</th><th>checks</th><th>result</th><th>measured</th><th>bound</th><th>decided at (s)</th><th>window (s)</th><th>why</th></tr>\n");
    for c in &s.testcases {
        let (class, res) = result(c);
        let window = c
            .window_s
            .map_or_else(String::new, |(a, b)| format!("{a} – {b}"));
        let _ = writeln!(
            o,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            text(&c.name),
            text(&c.description),
            text(&res),
            text(&c.measured_text),
            text(&c.bound_text),
            num(c.decided_at_s),
            window,
            text(&c.message)
        );
    }
    o.push_str("</table>\n");
    if !s.faults.is_empty() {
        o.push_str("<h3>Faults injected</h3>\n<ul class=\"faults\">\n");
        for f in &s.faults {
            let when = match (f.start_s, f.end_s) {
                (None, _) => "never triggered".to_owned(),
                (Some(a), None) => format!("from {a} s to the end"),
                (Some(a), Some(b)) => format!("{a} s – {b} s"),
            };
            let _ = writeln!(
                o,
                "<li><b>{}</b> ({}): {when}. {}</li>",
                text(&f.name),
                text(&f.kind),
                text(&f.description)
            );
        }
        o.push_str("</ul>\n");
    }
    let plots = if draw { plot::plots(s) } else { Ok(Vec::new()) };
    match plots {
        Ok(_) if !draw => o.push_str("<p>Plots left out (--plots): only those of failed scenarios are drawn in a suite this large, or none were asked for.</p>\n"),
        Ok(p) if p.is_empty() => o.push_str("<p>No plots: nothing was recorded for this scenario (a report read back from JUnit, or a run that did not start); each shard's own HTML report has them.</p>\n"),
        Ok(p) => {
            let rgb = |c: plotters::style::RGBColor| format!("rgb({},{},{})", c.0, c.1, c.2);
            let _ = writeln!(
                o,
                "<p class=\"key\">On the time axis:<span style=\"background:{}\"></span>a fault in effect<span style=\"background:{}\"></span>an expectation's window or decision<span style=\"background:{}\"></span>a failed expectation's</p>",
                rgb(plot::FAULT),
                rgb(plot::PASS),
                rgb(plot::FAIL)
            );
            o.push_str("<div class=\"plots\">\n");
            for (id, svg) in p {
                let svg = svg.trim_start_matches(|c| c != '<');
                let svg = if svg.starts_with("<?xml") {
                    svg.split_once("?>").map_or(svg, |(_, rest)| rest.trim_start())
                } else {
                    svg
                };
                let _ = writeln!(o, "<figure data-plot=\"{id}\">{svg}</figure>");
            }
            o.push_str("</div>\n");
        }
        Err(e) => {
            let _ = writeln!(o, "<p class=\"fail\">The plots could not be drawn: {}</p>", text(&e));
        }
    }
    for (what, body) in [
        ("output (summary)", &s.stdout),
        ("warnings and events", &s.stderr),
    ] {
        if !body.is_empty() {
            let _ = writeln!(
                o,
                "<details><summary>{what}</summary><pre>{}</pre></details>",
                text(body)
            );
        }
    }
    o.push_str("</section>\n");
}
