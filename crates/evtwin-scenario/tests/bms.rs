//! The BMS and the thermal system inside the whole twin: faults from injected
//! causes, preconditioning, SOC estimation, balancing, cold capacity, pressure.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::bms::{BmsFault, ContactorState};
use evtwin_sim::{Event, FaultCode, Injection, Scalar, Signal, Status, Twin};

fn read(t: &Twin, s: Scalar) -> f64 {
    t.read(Signal::Scalar(s))
}

fn twin(preset: &str, body: &str) -> Twin {
    let s = common::scenario(&format!(
        "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"{preset}\"\n{body}"
    ));
    Twin::new(s.config).unwrap()
}

fn faults(t: &mut Twin) -> Vec<(FaultCode, f64)> {
    t.drain_events()
        .filter_map(|e| match e {
            Event::Fault(f) => Some((f.code, f.time_s)),
            _ => None,
        })
        .collect()
}

/// Injects at t = 10 s, then runs until the contactors are open; returns the time
/// from the injection to open contactors, the faults raised and the final status.
fn inject_and_watch(injection: Injection) -> (f64, Vec<(FaultCode, f64)>, Status) {
    let mut t = twin(
        "model3-rwd-2022",
        "[[route]]\ncruise = { distance_km = 20, speed_kph = 60 }\n",
    );
    for _ in 0..1000 {
        t.step();
    }
    assert_eq!(t.bms().output().contactors, ContactorState::Closed);
    t.inject(injection).unwrap();
    let t0 = t.time_s();
    let mut open_at = None;
    while t.step() == Status::Running && t.time_s() < 200.0 {
        if open_at.is_none() && t.bms().output().contactors == ContactorState::Open {
            open_at = Some(t.time_s());
        }
    }
    let status = t.status();
    (
        open_at.map_or(f64::INFINITY, |x| x - t0),
        faults(&mut t),
        status,
    )
}

#[test]
fn the_bms_opens_the_contactors_within_its_debounce_on_each_fault() {
    // Debounces (presets' defaults): voltage 1 s, temperature 2 s, current 0.2 s,
    // isolation 1 s; plus up to one 0.1 s tick to notice and 0.1 s to open.
    let cases = [
        (
            Injection::CellVoltageSensorOffset {
                group: 5,
                offset_v: 0.8,
            },
            BmsFault::CellOverVoltage,
            1.0,
        ),
        (
            Injection::CellVoltageSensorOffset {
                group: 7,
                offset_v: -2.5,
            },
            BmsFault::CellUnderVoltage,
            1.0,
        ),
        (
            Injection::CellHeat {
                group: 40,
                delta_c: 50.0,
            },
            BmsFault::CellOverTemperature,
            2.0,
        ),
        (
            Injection::CurrentSensorOffset { offset_a: 2000.0 },
            BmsFault::OverCurrent,
            0.2,
        ),
        (
            Injection::IsolationResistance { ohm: 1000.0 },
            BmsFault::Isolation,
            1.0,
        ),
    ];
    for (injection, fault, debounce) in cases {
        let (open_after, raised, status) = inject_and_watch(injection);
        // The BMS fault is raised (a hot cell may first cut the power: `no_power`).
        let bms: Vec<FaultCode> = raised
            .iter()
            .map(|f| f.0)
            .filter(|c| matches!(c, FaultCode::Bms(_)))
            .collect();
        assert_eq!(bms, vec![FaultCode::Bms(fault)], "{fault:?}: {raised:?}");
        assert!(
            open_after <= debounce + 0.2 + 1e-9,
            "{fault:?}: open after {open_after} s"
        );
        assert!(
            open_after >= debounce,
            "{fault:?}: open before its debounce, {open_after} s"
        );
        // The car stops and the run ends on the fault.
        assert_eq!(status, Status::Stopped(FaultCode::Bms(fault)), "{fault:?}");
    }
}

#[test]
fn a_cold_cell_warns_and_derates_without_stopping() {
    let mut t = twin("model3-rwd-2022", "[[route]]\nidle = { duration_s = 30 }\n");
    steps(&mut t, 100);
    let dcl = read(&t, Scalar::BmsDclA);
    t.inject(Injection::CellTempSensorOpen { group: 3 })
        .unwrap();
    steps(&mut t, 300);
    assert_eq!(read(&t, Scalar::BmsFaultCode), 7.0);
    assert!((read(&t, Scalar::BmsDclA) - 0.5 * dcl).abs() < 1e-9);
    assert_eq!(t.bms().output().contactors, ContactorState::Closed);
    while t.step() == Status::Running {}
    assert_eq!(t.status(), Status::Finished);
}

#[test]
fn a_welded_contactor_is_found_when_the_car_parks() {
    let mut t = twin(
        "model3-rwd-2022",
        "[[route]]\nidle = { duration_s = 5 }\n[[route]]\npark = { duration_s = 5 }\n",
    );
    t.inject(Injection::WeldedContactors).unwrap();
    while t.step() == Status::Running {}
    let raised = faults(&mut t);
    assert!(
        raised
            .iter()
            .any(|f| f.0 == FaultCode::Bms(BmsFault::ContactorWelded)),
        "{raised:?}"
    );
    assert_eq!(t.bms().output().contactors, ContactorState::Welded);
}

fn steps(t: &mut Twin, n: u32) {
    for _ in 0..n {
        t.step();
    }
}

#[test]
fn preconditioning_reaches_the_best_charging_temperature() {
    // 0 °C, pack cold-soaked; 100 km (an hour) to a charger that asks for
    // preconditioning.
    let body = "[environment]\nambient_c = 0\n[pack]\ninitial_soc_pct = 60\n\
        [[route]]\ncruise = { distance_km = 100, speed_kph = 100 }\n\
        [[route]]\ncharge = { station = \"dc\", until_soc_pct = 80 }\n\
        [stations.dc]\nmax_power_kw = 350\nmax_voltage_v = 1000\nmax_current_a = 500\n";
    let mut t = twin("ssb-sedan-800v", body);
    let mut at_plug_in = None;
    let mut started_precondition = None;
    while t.step() == Status::Running {
        if started_precondition.is_none() && read(&t, Scalar::ThermalMode) == 3.0 {
            started_precondition = Some(t.time_s());
        }
        if at_plug_in.is_none() && read(&t, Scalar::ChargerConnected) == 1.0 {
            at_plug_in = Some(read(&t, Scalar::TempMeanC));
        }
    }
    // The sulfide cell's best charging temperature is 55 °C; the preset starts 35 min
    // before arrival: about 60 − 35 = 25 min into the hour's drive, and gets there.
    let started = started_precondition.unwrap();
    assert!(
        (started / 60.0 - 25.0).abs() < 2.0,
        "preconditioning from second {started}"
    );
    let t_plug = at_plug_in.unwrap();
    assert!((t_plug - 55.0).abs() < 3.0, "pack at plug-in: {t_plug} °C");
    // Without preconditioning the pack arrives cold.
    let cold = body.replace(
        "until_soc_pct = 80 }",
        "until_soc_pct = 80, precondition = false }",
    );
    let mut t = twin("ssb-sedan-800v", &cold);
    let mut t_cold = None;
    while t.step() == Status::Running {
        if t_cold.is_none() && read(&t, Scalar::ChargerConnected) == 1.0 {
            t_cold = Some(read(&t, Scalar::TempMeanC));
        }
    }
    assert!(t_cold.unwrap() < 20.0, "{t_cold:?}");
}

#[test]
fn the_estimated_soc_drifts_with_the_sensor_and_is_corrected_at_rest() {
    let body = "[pack.bms]\ncurrent_sensor_gain_error_pct = 2.0\n\
        [[route]]\ncruise = { distance_km = 60, speed_kph = 110 }\n\
        [[route]]\npark = { duration_min = 45 }\n";
    let mut t = twin("model3-rwd-2022", body);
    let mut gap_after_drive = None;
    while t.step() == Status::Running {
        if gap_after_drive.is_none() && read(&t, Scalar::LegIndex) == 1.0 {
            gap_after_drive = Some(read(&t, Scalar::PackSocPct) - read(&t, Scalar::BmsSocEstPct));
        }
    }
    // A 2 % high reading counts 2 % too much charge out: the estimate runs low.
    let gap = gap_after_drive.unwrap();
    assert!(gap > 0.1 && gap < 1.0, "{gap}");
    // After the default 30 min of rest the estimate is reset from OCV; what remains
    // is the RC branches' last relaxation.
    let after_rest = read(&t, Scalar::PackSocPct) - read(&t, Scalar::BmsSocEstPct);
    assert!(
        after_rest.abs() < 0.3 * gap,
        "corrected from OCV: {after_rest} (was {gap})"
    );
}

#[test]
fn balancing_narrows_the_spread_at_rest() {
    let body = "[pack]\ncapacity_spread_pct = 3.0\ninitial_soc_pct = 95\n[pack.bms]\nbalance_current_a = 2.0\n\
        [[route]]\ncruise = { distance_km = 150, speed_kph = 120 }\n\
        [[route]]\npark = { duration_h = 6 }\n";
    let mut t = twin("model3-rwd-2022", body);
    let mut spread_at_park = None;
    while t.step() == Status::Running {
        if spread_at_park.is_none() && read(&t, Scalar::LegIndex) == 1.0 {
            spread_at_park = Some(read(&t, Scalar::SocSpreadPct));
        }
    }
    let before = spread_at_park.unwrap();
    let after = read(&t, Scalar::SocSpreadPct);
    assert!(
        before > 1.0,
        "a 3 % capacity spread shows after 150 km: {before}"
    );
    assert!(after < 0.6 * before, "bled from {before} % to {after} %");
    assert!(t.ledger().balancing_j > 0.0);
    // The books still close with balancing in them.
    let l = t.ledger();
    assert!(
        (l.chemical_j - l.battery_loss_j - l.terminal_j - l.balancing_j).abs()
            < 1e-6 * l.chemical_j
    );
}

#[test]
fn cold_capacity_and_stack_pressure_take_effect() {
    // A sulfide pack at −15 °C can use 83.5 % of its capacity (80 % at −20 °C, 87 %
    // at −10 °C): from 30 % SOC it stops near the 16.5 % floor, not at its 3 % window.
    let cold = "[environment]\nambient_c = -15\n[pack]\ninitial_soc_pct = 30\ninitial_temp_c = -15\n\
        [pack.thermal]\nheater_max_kw = 0\n[[route]]\ncruise = { distance_km = 400, speed_kph = 90 }\n";
    let mut t = twin("ssb-sedan-800v", cold);
    while t.step() == Status::Running {}
    assert!(matches!(t.status(), Status::Stopped(_)));
    let soc = t.pack().soc();
    assert!((soc - 0.165).abs() < 0.02, "{soc}");
    // Halving the stack pressure raises the interface share (60 %) of resistance by √2.
    let at = |mpa: f64| {
        let t = twin(
            "ssb-sedan-800v",
            &format!(
                "[pack]\nstack_pressure_mpa = {mpa}\n[[route]]\nidle = {{ duration_s = 1 }}\n"
            ),
        );
        t.pack().group_plating_limit_a(0)
    };
    // The CCD rises with pressure as p^0.5 (and the plating limit with it).
    assert!(
        (at(20.0) / at(5.0) - 2.0).abs() < 0.05,
        "{}",
        at(20.0) / at(5.0)
    );
}

#[test]
fn a_fast_charge_past_the_dendrite_limit_is_flagged() {
    // A typical sulfide cell (CCD 1 mA/cm²) with the BMS told to ignore the limit.
    let dir = tempfile::tempdir().unwrap();
    let cell = std::fs::read_to_string(common::root().join("assets/cells/sulfide.toml")).unwrap();
    let cell = cell.replace("ccd_ma_per_cm2 = 9.0", "ccd_ma_per_cm2 = 1.0");
    std::fs::write(dir.path().join("typical.toml"), cell).unwrap();
    std::fs::copy(
        common::root().join("assets/cells/sulfide.csv"),
        dir.path().join("sulfide.csv"),
    )
    .unwrap();
    let chem = dir.path().join("typical.toml");
    let body = format!(
        "[pack]\nchemistry = \"{}\"\ninitial_soc_pct = 20\n[pack.bms]\nplating_margin = 2.0\n\
         [[route]]\ncharge = {{ station = \"dc\", max_duration_min = 5 }}\n\
         [stations.dc]\nmax_power_kw = 350\nmax_voltage_v = 1000\nmax_current_a = 500\n",
        chem.display()
    );
    let mut t = twin("ssb-sedan-800v", &body);
    let st = common::run_observed(&mut t);
    assert!(st.plating_ratio_max > 1.5, "{}", st.plating_ratio_max);
    assert!(st.plating_over_steps > 0);
    // With the default margin the BMS keeps it below 1.
    let mut t = twin(
        "ssb-sedan-800v",
        &body.replace("plating_margin = 2.0", "plating_margin = 0.9"),
    );
    let st = common::run_observed(&mut t);
    assert!(
        st.plating_ratio_max <= 0.9 + 1e-9,
        "{}",
        st.plating_ratio_max
    );
}
