//! Helpers for the integration tests: scenarios from text, shared data paths.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};

use evtwin_scenario::net::{NetFile, load_network};
use evtwin_scenario::{Due, RunOptions, Runner, Scenario, Source, Summary};
use evtwin_sim::{Status, Twin};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data/<rel>` beside the repository (present in CI and on developer machines).
pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel);
    assert!(
        p.exists(),
        "missing shared test data {}: clone ../shared beside the repository",
        p.display()
    );
    p
}

/// Parses scenario text (relative paths resolve against the shared cycles).
pub fn scenario(toml: &str) -> Scenario {
    let src = Source {
        name: "test.toml".into(),
        text: toml.into(),
    };
    evtwin_scenario::from_source(&src, &shared("cycles"))
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The reference sedan on one drive cycle at 20 °C, with a driver whose jerk is
/// unbounded (it then follows the trace exactly).
pub fn on_cycle(file: &str, exact_driver: bool) -> Scenario {
    let driver = if exact_driver {
        "[driver]\nmax_jerk_mps3 = inf\nmax_accel_mps2 = 10.0\n"
    } else {
        ""
    };
    scenario(&format!(
        "[scenario]\nname = \"{file}\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n[environment]\nambient_c = 20\n{driver}[[route]]\ncycle = {{ file = \"{file}\" }}\n"
    ))
}

/// Runs a twin to the end, calling `each` after every step.
pub fn run(s: &Scenario, mut each: impl FnMut(&Twin)) -> Twin {
    let mut twin = Twin::new(s.config.clone()).unwrap();
    while twin.step() == Status::Running {
        each(&twin);
    }
    each(&twin);
    assert_eq!(twin.status(), Status::Finished);
    twin
}

/// Runs `twin` to its end, observing every step; returns its run statistics.
#[allow(dead_code)] // not every test file uses it
pub fn run_observed(twin: &mut Twin) -> evtwin_sim::RunStats {
    let mut stats = evtwin_sim::RunStats::new(twin);
    loop {
        let status = twin.step();
        stats.observe(twin);
        if status != Status::Running {
            return stats;
        }
    }
}

/// Two twins on one virtual bus: `car` plays the EV side (`--real CHARGER`),
/// `station` the charger side (`--real EV`); frames go from one to the other
/// at their time; both step in lockstep. Also counts the frames on the bus
/// that `protocol` picks.
pub fn two_twins(
    s: &Scenario,
    protocol: impl Fn(&evtwin_can::Frame) -> bool,
) -> (Summary, Summary, usize) {
    pair(
        (s, s),
        protocol,
        u64::MAX,
        (NetFile::Builtin, NetFile::Builtin),
    )
}

/// [`two_twins`] with a scenario of its own for each (the same route and
/// station; faults of one side only, say).
pub fn two_twins_apart(
    car: &Scenario,
    station: &Scenario,
    protocol: impl Fn(&evtwin_can::Frame) -> bool,
) -> (Summary, Summary, usize) {
    pair(
        (car, station),
        protocol,
        u64::MAX,
        (NetFile::Builtin, NetFile::Builtin),
    )
}

/// [`two_twins`] on a charging bus (the protocol's frames only: the network
/// of `tests/vcan/protocol-only.dbc`), with the station frozen from
/// `station_frozen_us` on (it neither steps nor sends: a process stopped
/// with SIGSTOP).
pub fn two_twins_frozen(
    s: &Scenario,
    protocol: impl Fn(&evtwin_can::Frame) -> bool,
    station_frozen_us: u64,
) -> (Summary, Summary, usize) {
    let dir = root().join("tests/vcan");
    let dbc = dir.join("protocol-only.dbc");
    let map = dir.join("protocol-only.map.toml");
    pair(
        (s, s),
        protocol,
        station_frozen_us,
        (NetFile::Path(&dbc), NetFile::Path(&map)),
    )
}

fn pair(
    (s_car, s_station): (&Scenario, &Scenario),
    protocol: impl Fn(&evtwin_can::Frame) -> bool,
    station_frozen_us: u64,
    files: (NetFile<'_>, NetFile<'_>),
) -> (Summary, Summary, usize) {
    let net = |s, real: &str| load_network(s, files.0, files.1, &[real.into()]);
    let opts = RunOptions::default();
    let mut car = Runner::new(s_car, &opts, None::<Vec<u8>>)
        .unwrap()
        .with_network(net(s_car, "CHARGER").unwrap());
    let mut station = Runner::new(s_station, &opts, None::<Vec<u8>>)
        .unwrap()
        .with_network(net(s_station, "EV").unwrap());
    let protocol_frames = lockstep(&mut car, &mut station, &protocol, station_frozen_us);
    let car = car.finish(false).unwrap().summary;
    let station = station.finish(false).unwrap().summary;
    (car, station, protocol_frames)
}

/// Runs a car twin and a station twin on one virtual bus until both end:
/// frames go from one to the other at their time, the steps in lockstep; the
/// station is frozen from `station_frozen_us` on (it neither steps nor
/// sends). Returns how many frames on the bus `protocol` picks.
pub fn lockstep(
    car: &mut Runner<Vec<u8>>,
    station: &mut Runner<Vec<u8>>,
    protocol: &impl Fn(&evtwin_can::Frame) -> bool,
    station_frozen_us: u64,
) -> usize {
    let mut protocol_frames = 0;
    let at = |d: Due| match d {
        Due::Transmit(t) => (t, 0),
        Due::Step(t) => (t, 1),
    };
    let (mut car_done, mut station_done) = (false, false);
    while !(car_done && station_done) {
        let far = (u64::MAX, 1);
        let ta = if car_done {
            far
        } else {
            at(car.poll_timeout())
        };
        let mut tb = if station_done {
            far
        } else {
            at(station.poll_timeout())
        };
        if tb.0 >= station_frozen_us {
            station_done = true;
            tb = far;
        }
        if ta.1 == 1 && tb.1 == 1 {
            if !car_done {
                car_done = car.step().unwrap() != Status::Running;
            }
            if !station_done {
                station_done = station.step().unwrap() != Status::Running;
            }
            continue;
        }
        let mut out = Vec::new();
        if ta <= tb {
            car.poll_transmit(ta.0, &mut out);
            if !station_done {
                for f in &out {
                    station.handle_frame(f, ta.0);
                }
            }
        } else {
            station.poll_transmit(tb.0, &mut out);
            if !car_done {
                for f in &out {
                    car.handle_frame(f, tb.0);
                }
            }
        }
        protocol_frames += out.iter().filter(|f| protocol(f)).count();
    }
    protocol_frames
}
