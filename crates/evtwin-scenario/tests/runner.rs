//! One runner for every front end: a hook added to the runner acts in a plain
//! run and on the bridge alike, and a network with no real node changes nothing
//! of the plant (the same trace, bit for bit).

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use evtwin_can::bus::InProcBus;
use evtwin_scenario::net::{BridgeSetup, NetFile, bridge, load_network};
use evtwin_scenario::{
    Due, Hook, RunOptions, Runner, Scenario, Source, StepInput, StepView, from_source,
};
use evtwin_sim::{Event, Injection, Status};

fn scenario() -> Scenario {
    let src = Source {
        name: "t.toml".into(),
        text: "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
               [trace]\nevery_s = 0.5\n\
               [[route]]\ncruise = { distance_km = 0.5, speed_kph = 60 }\n"
            .into(),
    };
    from_source(&src, Path::new(".")).unwrap()
}

/// Heats group 3 by 30 K at 10 s and notes what happened after each step.
struct HotSpot {
    done: bool,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Hook for HotSpot {
    fn before_step(&mut self, step: &mut StepInput<'_>) {
        let now_us = step.now_us;
        if !self.done && now_us >= 10_000_000 {
            step.twin
                .inject(Injection::CellHeat {
                    group: 3,
                    delta_c: 30.0,
                })
                .unwrap();
            self.done = true;
            self.seen
                .lock()
                .unwrap()
                .push(format!("injected at {now_us}"));
        }
    }

    fn after_step(&mut self, step: &StepView<'_>) {
        for e in step.events {
            if let Event::LegFinished { index, .. } = e {
                let line = format!("leg {index} finished at step {}", step.twin.steps());
                self.seen.lock().unwrap().push(line);
            }
        }
    }
}

fn hook() -> (Box<HotSpot>, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::default();
    let h = HotSpot {
        done: false,
        seen: Arc::clone(&seen),
    };
    (Box::new(h), seen)
}

/// A plain run (what `evtwin run` does): the trace and the hook's notes.
fn plain(s: &Scenario) -> (Vec<u8>, Vec<String>, f64) {
    let mut trace = Vec::new();
    let (h, seen) = hook();
    let mut runner = Runner::new(s, &RunOptions::default(), Some(&mut trace)).unwrap();
    runner.add_hook(h);
    while runner.step().unwrap() == Status::Running {}
    let peak = runner.finish(false).unwrap().summary.peak_cell_temp_c;
    let seen = seen.lock().unwrap().clone();
    (trace, seen, peak)
}

#[test]
fn a_hook_acts_the_same_in_a_run_and_on_the_bridge_and_the_network_changes_nothing() {
    let s = scenario();
    let (trace_run, seen_run, peak_run) = plain(&s);
    assert_eq!(seen_run[0], "injected at 10000000");
    assert!(
        seen_run[1].starts_with("leg 0 finished at step"),
        "{seen_run:?}"
    );
    assert!(
        peak_run > 50.0,
        "the hot spot shows in the summary: {peak_run}"
    );

    // The same scenario on the bridge, the shipped network on the in-process bus.
    let net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let mut trace_bridge = Vec::new();
    let (h, seen) = hook();
    let mut runner = Runner::new(&s, &RunOptions::default(), Some(&mut trace_bridge))
        .unwrap()
        .with_network(net);
    runner.add_hook(h);
    let hub = InProcBus::new();
    let mut end = hub.endpoint("evtwin");
    let stop = AtomicBool::new(false);
    let setup = BridgeSetup {
        speed: None,
        log: None,
        hub: Some(&hub),
        stop: &stop,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (out, report) = rt
        .block_on(Box::pin(bridge(runner, &mut end, setup)))
        .unwrap();
    assert!(report.net.tx_frames > 1000);
    assert_eq!(out.summary.peak_cell_temp_c, peak_run);
    assert_eq!(*seen.lock().unwrap(), seen_run);
    assert!(trace_run == trace_bridge, "the same trace, bit for bit");
}

#[test]
fn the_runner_says_what_is_due_frames_before_the_step() {
    let s = scenario();
    let net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let mut runner = Runner::new(&s, &RunOptions::default(), None::<Vec<u8>>)
        .unwrap()
        .with_network(net);
    let mut frames = Vec::new();
    let mut steps = 0;
    // 1 s: every frame due is encoded before the step it precedes ends.
    while steps < 100 {
        match runner.poll_timeout() {
            Due::Transmit(t) => {
                assert!(t >= runner.now_us() && t < runner.now_us() + 10_000);
                runner.poll_transmit(t, &mut frames);
            }
            Due::Step(t) => {
                assert_eq!(t, runner.now_us() + 10_000);
                runner.step().unwrap();
                steps += 1;
            }
        }
    }
    // The shipped network sends 15 messages; in one second the 10 ms ones
    // alone make 100 frames each.
    assert!(frames.len() > 300, "{}", frames.len());
    let tx = runner.network().unwrap().stats().tx_frames;
    assert_eq!(tx, frames.len() as u64);
}
