//! The step and the controller tick: a 1 s step runs with the default BMS tick
//! (the tick follows the step where the step is longer); the slow-parameter clock
//! is off unless asked for.

// In tests and benches a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_scenario::{Scenario, Source};
use evtwin_sim::{Status, Twin};

fn load(scenario: &str, bms: &str) -> Result<Scenario, String> {
    let text = format!(
        "[scenario]\nname = \"step\"\n{scenario}\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
         [pack.bms]\n{bms}\n[[route]]\ncruise = {{ distance_km = 5, speed_kph = 90 }}\n"
    );
    let src = Source {
        name: "step.toml".into(),
        text,
    };
    evtwin_scenario::from_source(&src, Path::new(".")).map_err(|e| e.render())
}

#[test]
fn the_default_tick_follows_a_longer_step() {
    for (step_ms, tick_s) in [(10, 0.1), (100, 0.1), (250, 0.25), (1000, 1.0)] {
        let s = load(&format!("step_ms = {step_ms}"), "").unwrap();
        assert_eq!(s.config.bms.tick_s, tick_s, "step {step_ms} ms");
        let mut twin = Twin::new(s.config).unwrap();
        while twin.step() == Status::Running {}
        assert_eq!(twin.status(), Status::Finished, "step {step_ms} ms");
        assert!((twin.odometer_m() - 5000.0).abs() < 1.0);
    }
    // A tick asked for explicitly is kept, and must still be a whole number of steps.
    let s = load("step_ms = 1000", "tick_ms = 2000").unwrap();
    assert_eq!(s.config.bms.tick_s, 2.0);
    let e = load("step_ms = 1000", "tick_ms = 100").unwrap_err();
    assert!(e.contains("BMS tick"), "{e}");
}

#[test]
fn the_parameter_clock_is_off_unless_asked_for() {
    let s = load("", "").unwrap();
    assert_eq!(s.config.parameter_refresh_s, f64::INFINITY);
    let s = load("parameter_refresh_ms = 500", "").unwrap();
    assert_eq!(s.config.parameter_refresh_s, 0.5);
    let e = load("parameter_refresh_ms = 120000", "").unwrap_err();
    assert!(e.contains("parameter_refresh_ms"), "{e}");
}

#[test]
fn the_epa_preset_takes_its_road_load_from_the_coastdown_coefficients() {
    let load_preset = |preset: &str| {
        let src = Source {
            name: "epa.toml".into(),
            text: format!(
                "[scenario]\nname = \"epa\"\n[vehicle]\npreset = \"{preset}\"\n\
                 [[route]]\ncruise = {{ distance_km = 1, speed_kph = 120 }}\n"
            ),
        };
        evtwin_scenario::from_source(&src, Path::new("."))
            .map_err(|e| e.render())
            .unwrap()
    };
    let epa = load_preset("model3-rwd-2022-epa").config.vehicle.body;
    let phys = load_preset("model3-rwd-2022").config.vehicle.body;
    assert!(phys.coastdown.is_none());
    let c = epa.coastdown.unwrap();
    // EPA's target at 120 km/h (74.565 mph): 37.17 + 0.0470 v + 0.01440 v² lbf
    // = 120.74 lbf = 537.06 N, 17.90 kW, to the preset's rounding.
    let v = 120.0 / 3.6;
    let rho20 = evtwin_sim::vehicle::air_density_kg_m3(20.0);
    let road = epa.road_load(v, v, 1.0, 0.0, rho20);
    assert!((c.force_n(v) - 537.06).abs() < 0.01, "{}", c.force_n(v));
    assert!(((road.drag_w + road.rolling_w) / 1000.0 - 17.902).abs() < 0.001);
    // The physical preset (Cd·A, C_rr) needs 16 % less there.
    let p = phys.road_load(v, v, 1.0, 0.0, rho20);
    let ratio = (road.drag_w + road.rolling_w) / (p.drag_w + p.rolling_w);
    assert!((ratio - 1.163).abs() < 0.001, "{ratio}");
}
