//! Verdicts flow from a run into the reports: a test hook stands in for
//! `[[expect]]` and `[[fault]]` (it pushes `ExpectationResult`s and
//! `FaultRecord`s in `finish`), the report model, JUnit (written and read back
//! exactly) and HTML (failed expectations in red, plots marked) follow.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use evtwin_report::{Outcome, Recorder, ScenarioMeta, ScenarioReport, SuiteReport, junit};
use evtwin_scenario::{
    EndView, ExpectationResult, FaultRecord, Hook, Mark, MarkKind, RunOptions, Runner, Source,
    StepInput, Verdicts, from_source,
};
use evtwin_sim::Status;

const SCENARIO: &str = r#"
[scenario]
name = "hooked"
step_ms = 100
[vehicle]
preset = "model3-rwd-2022"
[[route]]
cruise = { distance_km = 0.5, speed_kph = 50 }
"#;

/// Marks a fault from 5 s to 10 s and decides two expectations at the end:
/// the end SOC ≥ 50 % (holds) and ≥ 95 % (fails).
struct Injected;

impl Hook for Injected {
    fn before_step(&mut self, step: &mut StepInput<'_>) {
        for (t, kind) in [(5_000_000, MarkKind::Start), (10_000_000, MarkKind::End)] {
            if step.now_us == t {
                step.marks.push(Mark {
                    time_us: t,
                    name: "stuck <sensor>".into(),
                    kind,
                    text: "frozen".into(),
                });
            }
        }
    }

    fn finish(&mut self, end: &EndView<'_>, v: &mut Verdicts) {
        let soc = end.summary.soc_end_pct;
        for (name, bound) in [("soc at the end", 50.0), ("soc <high> & \"]]>\"", 95.0)] {
            v.expectations.push(ExpectationResult {
                name: name.into(),
                description: format!("pack.soc_pct at the end ≥ {bound} %"),
                passed: soc >= bound,
                measured: Some(soc),
                measured_text: format!("{soc:.2} %"),
                bound_text: format!("≥ {bound} %"),
                decided_at_s: Some(end.now_us as f64 / 1e6),
                window_s: Some((2.0, 20.0)),
                message: format!("line one\nline two \\ {soc}"),
            });
        }
        v.faults.push(FaultRecord {
            name: "stuck <sensor>".into(),
            kind: "sensor_stuck".into(),
            start_s: Some(5.0),
            end_s: Some(10.0),
            description: "temperature sensor frozen".into(),
        });
    }
}

fn scenario(extra: &str) -> evtwin_scenario::Scenario {
    let text = SCENARIO.replace("step_ms = 100", &format!("step_ms = 100\n{extra}"));
    from_source(
        &Source {
            name: "hooked.toml".into(),
            text,
        },
        std::path::Path::new("."),
    )
    .unwrap()
}

fn report(extra: &str) -> ScenarioReport {
    let s = scenario(extra);
    let mut runner = Runner::new(&s, &RunOptions::default(), None::<std::io::Sink>).unwrap();
    let (rec, handle) = Recorder::new();
    runner.add_hook(Box::new(Injected));
    runner.add_hook(Box::new(rec));
    while runner.step().unwrap() == Status::Running {}
    let out = runner.finish(false).unwrap();
    assert_eq!(out.marks.len(), 2);
    let meta = ScenarioMeta::of(&s, "dir/hooked.toml", "abc");
    ScenarioReport::from_run(meta, &out, Some(handle.take()), "out".into(), "err".into())
}

#[test]
fn expectations_become_test_cases_and_read_back_exactly() {
    let r = report("");
    assert_eq!(r.testcases.len(), 2);
    assert_eq!(r.testcases[0].outcome, Outcome::Passed);
    let Outcome::Failed(m) = &r.testcases[1].outcome else {
        panic!("{:?}", r.testcases[1].outcome)
    };
    assert!(m.starts_with("measured "), "{m}");
    assert!(m.contains("expected ≥ 95 %"), "{m}");
    let rec = r.recording.as_ref().unwrap();
    assert!(rec.samples.len() > 20 && rec.samples.len() <= evtwin_report::MAX_SAMPLES);
    let suite = SuiteReport {
        name: "t".into(),
        scenarios: vec![r.clone()],
    };
    let xml = junit::write(&suite);
    assert!(xml.contains("<property name=\"fault.0.name\" value=\"stuck &lt;sensor&gt;\"/>"));
    assert!(xml.contains("<failure message=\"measured "));
    let back = junit::read(&xml).unwrap();
    let b = &back.scenarios[0];
    assert_eq!(b.meta, r.meta);
    assert_eq!(b.faults, r.faults);
    assert_eq!(b.testcases, r.testcases);
    assert_eq!(b.status, r.status);
    assert_eq!(b.duration_s, r.duration_s);

    let html = evtwin_report::html::write(&suite);
    assert!(html.contains("<tr class=\"fail\"><td>soc &lt;high&gt; &amp; &quot;]]&gt;&quot;</td>"));
    assert!(html.contains("<tr class=\"pass\"><td>soc at the end</td>"));
    assert!(html.contains("<b>stuck &lt;sensor&gt;</b> (sensor_stuck): 5 s – 10 s."));
    // The fault (orange), the passed window (blue) and the failed one (red) on the plots.
    assert!(
        html.contains("fill=\"#E68C00\"") || html.contains("fill=\"#e68c00\""),
        "fault band"
    );
    assert!(
        html.contains("fill=\"#D21414\"") || html.contains("fill=\"#d21414\""),
        "failed band"
    );
}

#[test]
fn should_fail_passes_when_an_expectation_fails() {
    let r = report("should_fail = true");
    assert!(r.meta.should_fail);
    assert!(r.passed(), "{:?}", r.testcases);
    assert_eq!(r.testcases.len(), 3);
    assert_eq!(r.testcases[2].name, "fails on purpose");
    assert!(
        r.testcases[1]
            .message
            .starts_with("failed as the scenario expects")
    );
}

#[test]
fn plots_for_failed_scenarios_only_when_asked() {
    use evtwin_report::html::{Plots, write_with};
    let failing = report("");
    let mut passing = failing.clone();
    passing.testcases.truncate(1);
    passing.meta.key = "b.toml".into();
    let suite = SuiteReport {
        name: "t".into(),
        scenarios: vec![failing, passing],
    };
    assert_eq!(write_with(&suite, Plots::All).matches("<svg").count(), 12);
    assert_eq!(write_with(&suite, Plots::Auto).matches("<svg").count(), 12);
    assert_eq!(write_with(&suite, Plots::Failed).matches("<svg").count(), 6);
    assert_eq!(write_with(&suite, Plots::None).matches("<svg").count(), 0);
}
