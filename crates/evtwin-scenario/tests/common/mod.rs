//! Helpers for the integration tests: scenarios from text, shared data paths.

#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};

use evtwin_scenario::{Scenario, Source};
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
