//! `[[expect]]`: each kind passes and fails with the measured value, against
//! values measured independently of the expectations; located errors; decided
//! times; determinism; the bus with and without a network.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

mod common;

use evtwin_scenario::net::{NetFile, load_network};
use evtwin_scenario::{
    Due, ExpectationResult, Hook, Mark, MarkKind, Quiet, RunOptions, RunOutput, Runner, Scenario,
    Source, StepInput,
};
use evtwin_sim::{Injection, Status, Twin};

/// 2 km at 50 km/h from 50 %, then a stop at a 150 kW charger to 53 %.
const BASE: &str = r#"[scenario]
name = "expect"
[vehicle]
preset = "model3-rwd-2022"
[pack]
initial_soc_pct = 50
[[route]]
cruise = { distance_km = 2, speed_kph = 50 }
[[route]]
charge = { station = "fast", until_soc_pct = 53 }
[stations.fast]
max_power_kw = 150
max_voltage_v = 500
max_current_a = 375
"#;

fn with(expect: &str) -> Scenario {
    common::scenario(&format!("{BASE}{expect}"))
}

fn load_err(expect: &str) -> String {
    let src = Source {
        name: "test.toml".into(),
        text: format!("{BASE}{expect}"),
    };
    evtwin_scenario::from_source(&src, &common::shared("cycles"))
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

/// The line of `BASE` + `expect` where `needle` is, 1-based.
fn line_of(expect: &str, needle: &str) -> usize {
    let text = format!("{BASE}{expect}");
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn run(s: &Scenario) -> RunOutput {
    evtwin_scenario::run(s, &RunOptions::default(), None::<Vec<u8>>, &mut Quiet).unwrap()
}

fn results(expect: &str) -> Vec<ExpectationResult> {
    run(&with(expect)).verdicts.expectations
}

/// `signal` at the end of every step of a plain run: (time µs, value).
fn samples(name: &str) -> Vec<(u64, f64)> {
    let s = with("");
    let mut twin = Twin::new(s.config).unwrap();
    let mut v = Vec::new();
    loop {
        let status = twin.step();
        v.push((twin.steps() * 10_000, twin.read_by_name(name).unwrap()));
        if status != Status::Running {
            return v;
        }
    }
}

#[test]
fn signal_at_a_time_and_at_the_end_pass_and_fail_with_the_measured_value() {
    let soc = samples("pack.soc_pct");
    let (end_us, end) = *soc.last().unwrap();
    let at_60 = soc.iter().find(|(t, _)| *t >= 60_000_000).unwrap().1;
    let r = results(&format!(
        "[[expect]]\nname = \"end ok\"\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmin = {}\n\
         [[expect]]\nname = \"end high\"\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmin = {}\n\
         [[expect]]\nsignal = \"pack.soc_pct\"\nat_s = 60\nmax = {}\n\
         [[expect]]\nsignal = \"pack.soc_pct\"\nat_s = 60\nequals = {}\ntolerance = 0.001\n",
        end - 0.01,
        end + 0.01,
        at_60 - 0.001,
        at_60
    ));
    assert!(r[0].passed, "{r:?}");
    assert_eq!(r[0].measured, Some(end));
    assert_eq!(r[0].decided_at_s, Some(end_us as f64 / 1e6));
    assert!(!r[1].passed);
    assert_eq!(r[1].measured, Some(end));
    assert!(r[1].bound_text.starts_with("≥ "), "{}", r[1].bound_text);
    assert_eq!(r[1].name, "end high");
    assert!(!r[2].passed, "a max just below the value fails: {:?}", r[2]);
    assert_eq!(
        (r[2].measured, r[2].decided_at_s),
        (Some(at_60), Some(60.0))
    );
    assert_eq!(
        r[2].description,
        format!(
            "pack.soc_pct at 60 s ≤ {}",
            r[2].bound_text.trim_start_matches("≤ ")
        )
    );
    assert!(r[3].passed, "{:?}", r[3]);
}

#[test]
fn always_never_and_statistics_over_a_window() {
    let power = samples("charger.dc_power_w");
    let in_window: Vec<f64> = power
        .iter()
        .filter(|(t, _)| (200_000_000..=230_000_000).contains(t))
        .map(|p| p.1)
        .collect();
    assert!(!in_window.is_empty());
    let mean = in_window.iter().sum::<f64>() / in_window.len() as f64;
    let peak = power.iter().map(|p| p.1).fold(0.0, f64::max);
    let first_over_10kw = power.iter().find(|p| p.1 > 10_000.0).unwrap();
    assert!(peak > 50_000.0, "the stop charges: {peak}");
    let r = results(&format!(
        "[[expect]]\nsignal = \"charger.dc_power_w\"\nstat = \"mean\"\nwindow_s = [200, 230]\nmin = {m}\nunit = \"kW\"\n\
         [[expect]]\nsignal = \"charger.dc_power_w\"\nstat = \"mean\"\nwindow_s = [200, 230]\nmin = {m2}\nunit = \"kW\"\n\
         [[expect]]\nsignal = \"charger.dc_power_w\"\nalways = true\nmax = {pk}\nunit = \"kW\"\n\
         [[expect]]\nsignal = \"charger.dc_power_w\"\nalways = true\nmax = 10\nunit = \"kW\"\n\
         [[expect]]\nsignal = \"charger.dc_power_w\"\nnever = true\nmin = {pk2}\nunit = \"kW\"\n\
         [[expect]]\nsignal = \"charger.dc_power_w\"\nstat = \"max\"\nwindow_s = [0, 100000]\nmax = 1000\nunit = \"kW\"\n",
        m = mean / 1e3 - 0.001,
        m2 = mean / 1e3 + 0.001,
        pk = peak / 1e3,
        pk2 = peak / 1e3 + 0.001,
    ));
    assert!(r[0].passed, "{:?}", r[0]);
    assert!((r[0].measured.unwrap() - mean / 1e3).abs() < 1e-9);
    assert_eq!(r[0].window_s, Some((200.0, 230.0)));
    assert!(
        r[0].measured_text.ends_with(" kW"),
        "{}",
        r[0].measured_text
    );
    assert!(!r[1].passed, "a bound just above the mean fails");
    assert!(r[2].passed, "{:?}", r[2]);
    assert_eq!(r[2].measured, Some(peak / 1e3));
    // Always ≤ 10 kW fails at the first step above it.
    assert!(!r[3].passed);
    assert_eq!(r[3].decided_at_s, Some(first_over_10kw.0 as f64 / 1e6));
    assert_eq!(r[3].measured, Some(first_over_10kw.1 / 1e3));
    assert!(r[4].passed, "{:?}", r[4]);
    // A window past the end of the run: the statistic covers what ran.
    assert_eq!(r[5].measured, Some(peak / 1e3));
    assert!(r[5].passed);
}

#[test]
fn events_after_events_within_a_time() {
    let connected = samples("charger.connected");
    let plug_us = connected.iter().find(|p| p.1 > 0.5).unwrap().0;
    let power = samples("charger.dc_power_w");
    let over_us = power.iter().find(|p| p.1 > 50_000.0).unwrap().0;
    let delay_s = (over_us - plug_us) as f64 / 1e6;
    assert!(
        delay_s > 30.0,
        "plug-in, handshake, tests, precharge, ramp: {delay_s}"
    );
    let r = results(&format!(
        "[[expect]]\nafter = \"charge_start:fast\"\nwithin_s = {ok}\nevent = \"signal:charger.dc_power_w > 50 kW\"\n\
         [[expect]]\nafter = \"charge_start\"\nwithin_s = {short}\nevent = \"signal:charger.dc_power_w > 50 kW\"\n\
         [[expect]]\nevent = \"leg_end:0\"\n\
         [[expect]]\nevent = \"fault\"\nnever = true\n\
         [[expect]]\nevent = \"fault:cell_over_temperature\"\n\
         [[expect]]\nevent = \"charge_end:fast\"\nwindow_s = [0, 10]\n",
        ok = delay_s + 0.5,
        short = delay_s - 0.5,
    ));
    assert!(r[0].passed, "{:?}", r[0]);
    assert_eq!(r[0].measured, Some(delay_s));
    assert_eq!(r[0].decided_at_s, Some(over_us as f64 / 1e6));
    assert!(!r[1].passed);
    // Decided when the window after the plug-in closed without the event.
    let closes = plug_us as f64 / 1e6 + delay_s - 0.5;
    assert!(
        (r[1].decided_at_s.unwrap() - closes).abs() < 1e-6,
        "{:?}",
        r[1]
    );
    assert!(
        r[1].message.contains("did not happen within"),
        "{}",
        r[1].message
    );
    assert!(r[2].passed);
    let leg_end = samples("route.leg_index")
        .iter()
        .find(|p| p.1 == 1.0)
        .unwrap()
        .0;
    assert!(
        (r[2].decided_at_s.unwrap() * 1e6 - leg_end as f64).abs() <= 10_000.0,
        "{:?}",
        r[2]
    );
    assert!(r[3].passed, "{:?}", r[3]);
    assert!(!r[4].passed);
    assert!(r[4].message.contains("never happened"), "{}", r[4].message);
    assert!(!r[5].passed, "the stop ends after 10 s: {:?}", r[5]);
}

/// Injects an over-temperature reading at `at_us` and marks it.
struct Overtemp {
    at_us: u64,
}

impl Hook for Overtemp {
    fn before_step(&mut self, step: &mut StepInput<'_>) {
        if step.now_us == self.at_us {
            step.twin
                .inject(Injection::CellTempSensorOffset {
                    group: 0,
                    offset_c: 80.0,
                })
                .unwrap();
            step.marks.push(Mark {
                time_us: step.now_us,
                name: "overtemp".into(),
                kind: MarkKind::Start,
                text: "cell 0 reads 80 K high".into(),
            });
        }
    }
}

fn with_overtemp(expect: &str) -> Vec<ExpectationResult> {
    let s = with(expect);
    let mut runner = Runner::new(&s, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    runner.add_hook(Box::new(Overtemp { at_us: 60_000_000 }));
    while runner.step().unwrap() == Status::Running {}
    runner.finish(false).unwrap().verdicts.expectations
}

#[test]
fn contactors_open_within_a_time_of_an_injected_over_temperature() {
    let expect = "[[expect]]\nafter = \"injected:overtemp\"\nwithin_ms = 3000\nevent = \"signal:bms.contactor_state == 0\"\n\
                  [[expect]]\nafter = \"injected:overtemp\"\nwithin_ms = 3000\nevent = \"fault:cell_over_temperature\"\n\
                  [[expect]]\nafter = \"injected:overtemp\"\nwithin_ms = 10\nevent = \"signal:bms.contactor_state == 0\"\n\
                  [[expect]]\nevent = \"fault:cell_over_temperature\"\nnever = true\n";
    let r = with_overtemp(expect);
    assert!(r[0].passed, "{:?}", r[0]);
    // The BMS debounces the reading (1.9 s), then opens the contactors (0.1 s).
    let open_ms = r[0].measured.unwrap();
    assert!((open_ms - 2010.0).abs() < 1e-6, "{open_ms}");
    assert_eq!(r[0].decided_at_s, Some(62.01));
    assert!(r[0].measured_text.ends_with(" ms"));
    assert_eq!(r[0].bound_text, "within 3000 ms after `injected:overtemp`");
    assert!(r[1].passed, "{:?}", r[1]);
    assert!((r[1].measured.unwrap() - 1910.0).abs() < 1e-6, "{:?}", r[1]);
    assert!(!r[2].passed, "10 ms is too short: {:?}", r[2]);
    assert_eq!(r[2].decided_at_s, Some(60.01));
    assert!(!r[3].passed);
    let fault_s = 60.0 + r[1].measured.unwrap() / 1e3;
    assert!(
        (r[3].decided_at_s.unwrap() - fault_s).abs() < 1e-9,
        "{:?}",
        r[3]
    );
    // Without the injection, the trigger never comes: not a silent pass.
    let plain = results(
        &expect[..expect
            .find("[[expect]]\nafter = \"injected:overtemp\"\nwithin_ms = 3000\nevent = \"fault")
            .unwrap()],
    );
    assert!(!plain[0].passed);
    assert!(
        plain[0]
            .message
            .contains("`injected:overtemp` never happened"),
        "{}",
        plain[0].message
    );
}

#[test]
fn summary_figures_pass_and_fail() {
    let plain = run(&with(""));
    let wh_km = plain.summary.energy_wh_per_km.unwrap();
    let stop_s = plain.summary.charge_stops[0].duration_s;
    let r = results(&format!(
        "[[expect]]\nsummary = \"energy_wh_per_km\"\nmax = {a}\n\
         [[expect]]\nsummary = \"energy_wh_per_km\"\nmax = {b}\n\
         [[expect]]\nsummary = \"stop.duration_s\"\nstop = 0\nequals = {stop_s}\n\
         [[expect]]\nsummary = \"stop.time_10_to_80_s\"\nmax = 1800\n\
         [[expect]]\nsummary = \"plating_ratio_max\"\nmax = 1\n",
        a = wh_km + 0.01,
        b = wh_km - 0.01,
    ));
    assert!(r[0].passed && !r[1].passed, "{r:?}");
    assert_eq!(r[1].measured, Some(wh_km));
    assert!(r[1].measured_text.ends_with(" Wh/km"));
    assert!(r[2].passed, "{:?}", r[2]);
    assert!(!r[3].passed, "50 → 53 % crosses no 10 → 80 %");
    assert!(
        r[3].message.contains("has no time_10_to_80_s"),
        "{}",
        r[3].message
    );
    assert_eq!(r[4].measured, Some(plain.summary.plating_ratio_max));
}

#[test]
fn expectations_change_nothing_of_the_run_and_are_deterministic() {
    let expect = "[[expect]]\nsignal = \"pack.temp_max_c\"\nalways = true\nmax = 60\n\
                  [[expect]]\nevent = \"charge_start\"\n";
    let trace = |s: &Scenario| {
        let mut t = Vec::new();
        let out =
            evtwin_scenario::run(s, &RunOptions::default(), Some(&mut t), &mut Quiet).unwrap();
        (t, out.verdicts)
    };
    let (plain, none) = trace(&with(""));
    let (a, va) = trace(&with(expect));
    let (b, vb) = trace(&with(expect));
    assert!(none.expectations.is_empty());
    assert!(plain == a && a == b, "the same trace, bit for bit");
    assert_eq!(va, vb);
    assert_eq!(va.expectations.len(), 2);
    assert!(va.passed());
}

#[test]
fn an_interrupted_run_decides_only_what_it_reached() {
    let s = with(
        "[[expect]]\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmin = 0\n\
         [[expect]]\nsignal = \"pack.soc_pct\"\nat_s = 1\nmin = 0\n",
    );
    let mut runner = Runner::new(&s, &RunOptions::default(), None::<Vec<u8>>).unwrap();
    for _ in 0..500 {
        runner.step().unwrap();
    }
    let r = runner.finish(true).unwrap().verdicts.expectations;
    assert!(!r[0].passed);
    assert!(
        r[0].message.contains("interrupted at 5 s"),
        "{}",
        r[0].message
    );
    assert!(r[1].passed, "decided at 1 s: {:?}", r[1]);
}

/// The scenario played with the shipped network for `steps` steps;
/// `received` frames are fed to it at their times.
fn on_bus(s: &Scenario, steps: u64, received: &[(u64, evtwin_can::Frame)]) -> RunOutput {
    let net = load_network(s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let mut runner = Runner::new(s, &RunOptions::default(), None::<Vec<u8>>)
        .unwrap()
        .with_network(net);
    let mut frames = Vec::new();
    let mut rx = received.iter().peekable();
    while runner.twin().steps() < steps {
        while let Some((t, f)) = rx.next_if(|(t, _)| *t <= runner.now_us()) {
            runner.handle_frame(f, *t);
        }
        match runner.poll_timeout() {
            Due::Transmit(t) => runner.poll_transmit(t, &mut frames),
            Due::Step(_) => {
                if runner.step().unwrap() != Status::Running {
                    break;
                }
            }
        }
    }
    runner.finish(false).unwrap()
}

#[test]
fn the_bus_cycle_times_presence_decoded_values_and_counters() {
    let expect = "[[expect]]\nmessage = \"BMS_Status\"\ncycle_ms = 50\ntolerance_ms = 0\n\
                  [[expect]]\nmessage = \"BMS_Status\"\ncycle_ms = 45\ntolerance_ms = 2\n\
                  [[expect]]\nmessage = \"BMS_SOC\"\npresent = true\n\
                  [[expect]]\nmessage = \"VCU_Command\"\npresent = false\n\
                  [[expect]]\nmessage = \"VCU_Command\"\npresent = false\nwindow_s = [5, 6]\n\
                  [[expect]]\nmessage = \"BMS_SOC\"\nsignal = \"BMS_SOC\"\nat_s = 2\nmin = 49.9\nmax = 50.1\n\
                  [[expect]]\nmessage = \"BMS_SOC\"\nsignal = \"BMS_SOC\"\nalways = true\nmin = 50.5\n\
                  [[expect]]\ncounter = \"unknown_id\"\nmax = 0\n\
                  [[expect]]\ncounter = \"rejected\"\nequals = 1\n";
    let s = with(expect);
    let stray =
        evtwin_can::Frame::classic(evtwin_can::CanId::standard(0x7FF).unwrap(), &[0; 8]).unwrap();
    let out = on_bus(&s, 300, &[(1_000_000, stray)]);
    let mut r = out.verdicts.expectations;
    assert!(r[0].passed, "virtual time: exactly 50 ms: {:?}", r[0]);
    assert_eq!(r[0].measured, Some(50.0));
    assert!(!r[1].passed);
    assert_eq!(r[1].measured, Some(50.0));
    assert!(
        r[1].message.contains("50 ms after the frame before"),
        "{}",
        r[1].message
    );
    assert!(r[2].passed, "{:?}", r[2]);
    // The twin plays the VCU: its message is there from the start.
    assert!(!r[3].passed && r[3].decided_at_s == Some(0.0), "{:?}", r[3]);
    assert!(r[3].message.contains("VCU_Command was on the bus at 0 s"));
    // A window after the run's end sees no frame.
    let absent = r.remove(4);
    assert!(absent.passed, "{absent:?}");
    assert!(r[4].passed, "{:?}", r[4]);
    let soc = r[4].measured.unwrap();
    assert!((soc - 50.0).abs() < 0.1, "{soc}");
    // Always ≥ 50.5 % fails at the first frame (6 ms: its offset), 50 %.
    assert!(!r[5].passed, "{:?}", r[5]);
    assert_eq!(
        (r[5].measured, r[5].decided_at_s),
        (Some(50.0), Some(0.006))
    );
    assert!(!r[6].passed, "the stray frame counts: {:?}", r[6]);
    assert_eq!(r[6].measured, Some(1.0));
    assert!(r[7].passed, "{:?}", r[7]);

    // `evtwin run` plays no network: not decided, hence failed, with a hint.
    let plain = run(&with("[[expect]]\nmessage = \"BMS_SOC\"\npresent = true\n"));
    let e = &plain.verdicts.expectations[0];
    assert!(!e.passed);
    assert!(e.message.contains("evtwin bridge"), "{}", e.message);
}

#[test]
fn mistakes_are_located() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "[[expect]]\nsignal = \"pack.cell_temp_max_c\"\nat = \"end\"\nmax = 55\n",
            "signal =",
            "unknown signal `pack.cell_temp_max_c`; pack.*:",
            "10",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nalways = true\nwindow_s = [600, 0]\nmax = 1\n",
            "window_s",
            "window_s = [600, 0] is inverted: the start comes first",
            "12",
        ),
        (
            "[[expect]]\nafter = \"injected:x\"\nwithin_ms = 200\nevent = \"signal:pack.contactors_closed == 0\"\n",
            "event =",
            "unknown signal `pack.contactors_closed`",
            "17",
        ),
        (
            "[[expect]]\nmessage = \"BMS_Stat\"\ncycle_ms = 100\ntolerance_ms = 10\n",
            "message =",
            "`BMS_Stat` is not a message of builtin:evtwin.dbc",
            "11",
        ),
        (
            "[[expect]]\nmessage = \"BMS_SOC\"\nsignal = \"BMS_SOCX\"\nat = \"end\"\nmin = 1\n",
            "signal =",
            "`BMS_SOCX` is not a signal of BMS_SOC (signals: BMS_SOC, BMS_SOH)",
            "10",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmin = 1\nunit = \"kW\"\n",
            "unit =",
            "`kW` is not a unit of this signal (it is in %; write %)",
            "8",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nmin = 1\n",
            "[[expect]]",
            "say when to check `pack.soc_pct`",
            "1",
        ),
        (
            "[[expect]]\nsummary = \"energy_per_km\"\nmax = 1\n",
            "summary =",
            "unknown summary figure `energy_per_km`",
            "11",
        ),
        (
            "[[expect]]\nevent = \"fault\"\nwithin_ms = 3\n",
            "within_ms",
            "within_ms needs after",
            "13",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmin = 1\ncycle_ms = 5\n",
            "cycle_ms",
            "`cycle_ms` does not go with `signal`",
            "12",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nat = \"end\"\nmax = 1\nmin = 2\n",
            "min =",
            "min = 2 is above max = 1",
            "7",
        ),
        (
            "[[expect]]\nsignal = \"pack.soc_pct\"\nat = \"start\"\nmax = 1\n",
            "at =",
            "write at = \"end\"",
            "6",
        ),
        (
            "[[expect]]\nsummary = \"stop.duration_s\"\nstop = 1\nmax = 1\n",
            "stop =",
            "stop = 1: the route has 1 charge stop(s)",
            "8",
        ),
        (
            "[[expect]]\nsigal = \"pack.soc_pct\"\n",
            "sigal",
            "unknown field `sigal`",
            "1",
        ),
    ];
    for (expect, at, message, col) in cases {
        let e = load_err(expect);
        let line = line_of(expect, at);
        let want = format!("test.toml:{line}:{col}: ");
        assert!(e.starts_with(&want), "want {want}…{message}, got {e}");
        assert!(e.contains(message), "want {message}, got {e}");
    }
}
