//! Behaviour of the whole twin: inputs from outside, charge stops, leg joins,
//! limits, faults.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::charger::ChargeEnd;
use evtwin_sim::charger::Phase;
use evtwin_sim::{Event, FaultCode, Input, RealNodes, Scalar, Signal, Status, Twin};

fn read(t: &Twin, s: Scalar) -> f64 {
    t.read(Signal::Scalar(s))
}

fn twin(route: &str, extra: &str) -> Twin {
    let s = common::scenario(&format!(
        "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n{extra}\n{route}"
    ));
    Twin::new(s.config).unwrap()
}

const STATION: &str =
    "[stations.dc]\nmax_power_kw = 150\nmax_voltage_v = 500\nmax_current_a = 400\n";

fn steps(t: &mut Twin, n: u32) {
    for _ in 0..n {
        t.step();
    }
}

fn events(t: &mut Twin) -> Vec<Event> {
    t.drain_events().collect()
}

#[test]
fn a_real_bms_discharge_limit_bounds_the_pack_current() {
    let route = "[[route]]\ncruise = { distance_km = 5, speed_kph = 100 }\n";
    let mut free = twin(route, "");
    let mut capped = twin(route, "");
    capped.set_real_nodes(RealNodes {
        bms: true,
        ..RealNodes::default()
    });
    capped.set_input(Input::BmsDclA, 60.0);
    let (mut peak_free, mut peak_capped) = (0.0_f64, 0.0_f64);
    let mut limited = 0;
    for _ in 0..3000 {
        free.step();
        capped.step();
        limited += u32::from(capped.last_step().limited);
        peak_free = peak_free.max(read(&free, Scalar::PackCurrentA));
        peak_capped = peak_capped.max(read(&capped, Scalar::PackCurrentA));
    }
    assert!(peak_free > 150.0, "{peak_free}");
    assert!(peak_capped <= 60.0 + 1e-9, "{peak_capped}");
    assert_eq!(read(&capped, Scalar::DischargeLimitA), 60.0);
    assert!(limited > 0);
    // NaN clears the input.
    capped.set_input(Input::BmsDclA, f64::NAN);
    assert!(capped.input(Input::BmsDclA).is_nan());
}

#[test]
fn a_real_bms_charge_limit_bounds_regeneration() {
    let route = "[[route]]\ncruise = { distance_km = 3, speed_kph = 120 }\n[[route]]\nidle = { duration_s = 10 }\n";
    let run = |limit: Option<f64>| {
        let mut t = twin(route, "");
        if let Some(l) = limit {
            t.set_real_nodes(RealNodes {
                bms: true,
                ..RealNodes::default()
            });
            t.set_input(Input::BmsCclA, l);
        }
        let mut most_negative = 0.0_f64;
        while t.step() == Status::Running {
            most_negative = most_negative.min(read(&t, Scalar::PackCurrentA));
        }
        (most_negative, *t.ledger())
    };
    let (free_i, free) = run(None);
    let (capped_i, capped) = run(Some(20.0));
    assert!(free_i < -50.0, "{free_i}");
    assert!(capped_i >= -20.0 - 1e-9, "{capped_i}");
    assert!(capped.regen_j < free.regen_j);
    assert!(capped.friction_brake_j > free.friction_brake_j);
}

#[test]
fn extra_aux_load_and_a_speed_cap_take_effect() {
    let route = "[[route]]\nidle = { duration_s = 100 }\n[[route]]\ncruise = { distance_km = 3, speed_kph = 120 }\n";
    let mut t = twin(route, "[environment]\nambient_c = 20\n");
    t.set_real_nodes(RealNodes {
        vcu: true,
        ..RealNodes::default()
    });
    t.set_input(Input::AuxExtraW, 1000.0);
    steps(&mut t, 10_000);
    // 100 s idle at 20 °C (no HVAC): base 250 W + 1000 W.
    assert!(
        (t.ledger().aux_j - 1250.0 * 100.0).abs() < 1e-6,
        "{}",
        t.ledger().aux_j
    );
    t.set_input(Input::DriverSpeedCapMps, 15.0);
    let mut top = 0.0_f64;
    while t.step() == Status::Running {
        top = top.max(read(&t, Scalar::SpeedMps));
    }
    assert!(top <= 15.0 + 1e-9 && top > 14.9, "{top}");
}

#[test]
fn a_charger_setpoint_bounds_the_charge_current() {
    let route = "[[route]]\ncharge = { station = \"dc\", max_duration_min = 2 }\n";
    let mut t = twin(route, &format!("[pack]\ninitial_soc_pct = 30\n{STATION}"));
    t.set_real_nodes(RealNodes {
        charger: true,
        ..RealNodes::default()
    });
    t.set_input(Input::ChargerCurrentSetpointA, 50.0);
    steps(&mut t, 6000);
    assert!((read(&t, Scalar::PackCurrentA) + 50.0).abs() < 1e-9);
    assert_eq!(read(&t, Scalar::ChargerConnected), 1.0);
}

#[test]
fn a_charge_stop_runs_constant_current_then_tapers_at_the_voltage_limit() {
    let route = "[[route]]\ncharge = { station = \"dc\", until_soc_pct = 100 }\n";
    let mut t = twin(
        route,
        &format!("[pack]\ninitial_soc_pct = 5\nsoc_max_pct = 100\n{STATION}"),
    );
    let mut samples = Vec::new();
    let mut k = 0u64;
    while t.step() == Status::Running {
        k += 1;
        if k.is_multiple_of(100) {
            samples.push((
                read(&t, Scalar::PackSocPct),
                -read(&t, Scalar::PackCurrentA),
                read(&t, Scalar::CellVMaxV),
                read(&t, Scalar::ChargerPowerW),
                read(&t, Scalar::ChargerPhase),
            ));
        }
    }
    let report = events(&mut t)
        .into_iter()
        .find_map(|e| match e {
            Event::ChargeStop(r) => Some(r),
            _ => None,
        })
        .unwrap();
    assert_eq!(report.end, ChargeEnd::Full);
    // Early on: the station's 150 kW (or the cell's C-rate) bounds the current,
    // cells far below 4.2 V.
    let early = samples.iter().find(|s| s.0 > 30.0).unwrap();
    assert!(early.2 < 4.1, "{early:?}");
    assert!(early.3 > 100_000.0, "{early:?}");
    // Late, while the station still delivers (taper, phase 7): the highest cell
    // sits at 4.2 V and the current falls as SOC rises.
    let late: Vec<_> = samples
        .iter()
        .filter(|s| s.0 > 97.0 && s.4 == 7.0)
        .collect();
    assert!(late.len() > 3);
    for s in &late {
        assert!((s.2 - 4.2).abs() < 2e-3, "{s:?}");
    }
    assert!(
        late.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-9),
        "current tapers"
    );
    assert!(late.last().unwrap().1 < 0.1 * early.1);
    // Crossed 10 % and 80 % during the stop.
    let t1080 = report.time_10_to_80_s.unwrap();
    assert!(t1080 > 600.0 && t1080 < 3600.0, "{t1080}");
    assert!(
        report.energy_grid_wh > report.energy_dc_wh && report.energy_dc_wh > report.energy_pack_wh
    );
}

#[test]
fn an_incompatible_station_is_a_fault_and_the_car_drives_on() {
    let route = "[[route]]\ncharge = { station = \"low\", until_soc_pct = 80 }\n[[route]]\ncruise = { distance_km = 1, speed_kph = 50 }\n";
    let station = "[stations.low]\nmax_power_kw = 50\nmax_voltage_v = 300\nmax_current_a = 125\n";
    let mut t = twin(route, station);
    while t.step() == Status::Running {}
    assert_eq!(t.status(), Status::Finished);
    let ev = events(&mut t);
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::Fault(f) if f.code == FaultCode::StationIncompatible))
    );
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::ChargeStop(r) if r.end == ChargeEnd::Incompatible))
    );
    assert!(t.odometer_m() > 990.0);
}

#[test]
fn a_cruise_leg_ends_at_rest_before_a_stop() {
    let route = "[[route]]\ncruise = { distance_km = 2, speed_kph = 90 }\n[[route]]\nidle = { duration_s = 30 }\n";
    let mut t = twin(route, "");
    let mut at_idle = None;
    while t.step() == Status::Running {
        for e in events(&mut t) {
            if let Event::LegStarted { index: 1, .. } = e {
                at_idle = Some((read(&t, Scalar::SpeedMps), t.odometer_m()));
            }
        }
    }
    let (v, d) = at_idle.unwrap();
    assert!(v < 0.1, "arrives at rest: {v}");
    assert!((d - 2000.0).abs() < 1.0, "stops at the leg's end: {d}");
    assert_eq!(read(&t, Scalar::SpeedMps), 0.0);
}

#[test]
fn a_climb_beyond_the_motor_is_a_trace_miss_not_a_crash() {
    // 25 % at 150 km/h needs ≈ 1752·9.81·0.243·41.7 ≈ 174 kW of climbing alone,
    // plus drag and rolling: more than the 239 kW motor can do.
    let route = "[[route]]\ncruise = { distance_km = 3, speed_kph = 150, grade_pct = 25 }\n";
    let mut t = twin(route, "");
    let st = common::run_observed(&mut t);
    assert_eq!(t.status(), Status::Finished);
    assert!(st.trace_miss_steps > 0);
    assert!(st.limited_steps > 0);
    assert!(st.trace_miss_spells >= 1);
}

#[test]
fn parking_draws_nothing_and_idling_draws_the_auxiliaries() {
    let route =
        "[[route]]\npark = { duration_min = 10 }\n[[route]]\nidle = { duration_min = 10 }\n";
    let mut t = twin(route, "[environment]\nambient_c = 0\n");
    steps(&mut t, 60_000);
    assert_eq!(t.ledger().aux_j, 0.0);
    assert_eq!(read(&t, Scalar::PackCurrentA), 0.0);
    while t.step() == Status::Running {}
    // 0 °C: base 250 W + HVAC 120 W/K × (21 − 2 − 0) K / COP 2.3; the pack heater
    // (below its 10 °C threshold) on top, booked apart as well.
    // After the park, HV returns through the BMS's 0.5 s precharge: no load before.
    let watts = 250.0 + 120.0 * 19.0 / 2.3;
    let cabin = (t.ledger().aux_j - t.ledger().thermal_j) / 600.0;
    assert!((cabin - watts * 599.5 / 600.0).abs() < 1e-6, "{cabin}");
    assert!(t.ledger().thermal_j / 600.0 > 1000.0, "the pack heater ran");
}

#[test]
fn running_out_of_charge_stops_the_run_with_a_fault() {
    let route = "[[route]]\ncruise = { distance_km = 300, speed_kph = 110 }\n";
    let mut t = twin(route, "[pack]\ninitial_soc_pct = 10\n");
    while t.step() == Status::Running {}
    assert_eq!(t.status(), Status::Stopped(FaultCode::BatteryDepleted));
    assert!((t.pack().soc() - 0.05).abs() < 1e-3);
    // And stepping a stopped twin changes nothing.
    let steps_before = t.steps();
    t.step();
    assert_eq!(t.steps(), steps_before);
}

// --- Regressions found in review ---------------------------------------------

fn charge_report(t: &mut Twin) -> evtwin_sim::charger::ChargeStopReport {
    while t.step() == Status::Running {}
    events(t)
        .into_iter()
        .find_map(|e| match e {
            Event::ChargeStop(r) => Some(r),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_stronger_station_cannot_exceed_the_packs_charge_power() {
    // The pack is rated for 100 kW here (below its cells' 2.5C ≈ 149 kW); the
    // station could give 350 kW.
    let station = "[stations.hpc]\nmax_power_kw = 350\nmax_voltage_v = 1000\nmax_current_a = 500\n";
    let route = "[[route]]\ncharge = { station = \"hpc\", until_soc_pct = 60 }\n";
    let pack = "[pack]\ninitial_soc_pct = 10\nmax_charge_power_kw = 100\n";
    let mut t = twin(route, &format!("{pack}{station}"));
    let mut peak = 0.0_f64;
    while t.step() == Status::Running {
        peak = peak.max(-read(&t, Scalar::PackPowerW));
    }
    assert!(peak <= 100_000.0 * (1.0 + 1e-9), "{peak}");
    assert!(peak > 99_900.0, "the limit is reached: {peak}");
}

#[test]
fn a_duration_only_stop_ends_at_the_top_of_the_window() {
    let route = "[[route]]\ncharge = { station = \"dc\", max_duration_min = 60 }\n";
    let mut t = twin(route, &format!("[pack]\ninitial_soc_pct = 90\n{STATION}"));
    let r = charge_report(&mut t);
    assert_eq!(r.end, ChargeEnd::TargetSoc);
    assert!((r.soc_end - 0.98).abs() < 1e-4, "{}", r.soc_end);
}

#[test]
fn a_small_setpoint_is_not_a_full_pack() {
    let route = "[[route]]\ncharge = { station = \"dc\", max_duration_min = 2 }\n";
    let mut t = twin(route, &format!("[pack]\ninitial_soc_pct = 30\n{STATION}"));
    t.set_real_nodes(RealNodes {
        charger: true,
        ..RealNodes::default()
    });
    t.set_input(Input::ChargerCurrentSetpointA, 2.0);
    let r = charge_report(&mut t);
    assert_eq!(r.end, ChargeEnd::Duration);
    // The stop is asked for 120 s after plug-in; the 2 A ramp down at 100 A/s takes
    // two 10 ms steps, then unplugging its default 20 s.
    assert!(
        (r.duration_s - (120.0 + 0.02 + 20.0)).abs() < 1e-9,
        "{}",
        r.duration_s
    );
}

#[test]
fn the_incompatible_stations_step_is_a_real_step() {
    let route = "[[route]]\nidle = { duration_s = 10 }\n[[route]]\ncharge = { station = \"low\", until_soc_pct = 80 }\n[[route]]\nidle = { duration_s = 10 }\n";
    let station = "[stations.low]\nmax_power_kw = 50\nmax_voltage_v = 300\nmax_current_a = 125\n";
    let mut t = twin(route, &format!("[environment]\nambient_c = -10\n{station}"));
    let st = common::run_observed(&mut t);
    assert_eq!(t.steps(), 2001);
    // −10 °C: base 250 W + HVAC 120 W/K × 29 K / COP 1.8, for all 20.01 s; the pack
    // heater runs too (booked apart as well).
    let watts = 250.0 + 120.0 * 29.0 / 1.8;
    let cabin = t.ledger().aux_j - t.ledger().thermal_j;
    assert!((cabin - watts * 20.01).abs() < 1e-6, "{cabin}");
    assert!(t.ledger().thermal_j > 0.0);
    let off_charger = st.off_charger_terminal_j;
    assert!((off_charger - t.ledger().terminal_j).abs() < 1e-9 * off_charger.abs());
}

#[test]
fn a_car_that_cannot_climb_stalls_with_a_fault() {
    let route = "[[route]]\ncruise = { distance_km = 5, speed_kph = 50, grade_pct = 30 }\n";
    let mut t = twin(route, "[vehicle.body]\ntest_mass_kg = 5000\n");
    while t.step() == Status::Running {}
    assert_eq!(t.status(), Status::Stopped(FaultCode::Stalled));
    assert!(t.time_s() < 70.0, "{}", t.time_s());
}

#[test]
fn a_cycle_that_ends_at_speed_hands_over_without_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cycle = dir.path().join("ramp.csv");
    std::fs::write(&cycle, "time_s,speed_mps\n0,0\n20,20\n60,20\n").unwrap();
    let route = format!(
        "[[route]]\ncycle = {{ file = \"{}\" }}\n[[route]]\ncruise = {{ distance_km = 1, speed_kph = 72 }}\n",
        cycle.display()
    );
    let mut t = twin(&route, "");
    let mut min_accel = 0.0_f64;
    let mut misses = 0;
    loop {
        let status = t.step();
        misses += u32::from(t.last_step().trace_miss);
        if status != Status::Running {
            break;
        }
        if t.time_s() > 30.0 && t.time_s() < 70.0 {
            min_accel = min_accel.min(read(&t, Scalar::AccelMps2));
        }
    }
    assert_eq!(misses, 0);
    assert!(
        min_accel > -0.01,
        "no braking at the hand-over: {min_accel}"
    );
}

#[test]
fn the_clock_counts_whole_microseconds() {
    let mut t = twin("[[route]]\nidle = { duration_s = 100 }\n", "");
    steps(&mut t, 5998);
    assert_eq!(t.time_s(), 59.98);
    assert!(
        t.read(Signal::Group(96, evtwin_sim::signals::GroupQuantity::TempC))
            .is_nan()
    );
}

/// Independent check of the whole chain at steady speed: wheel power from the
/// preset's body figures, gear and the motor map read by hand, auxiliaries, and
/// the pack's resistance; against the twin's own books.
#[test]
fn steady_cruise_consumption_matches_a_hand_calculation() {
    let mut t = twin(
        "[[route]]\ncruise = { distance_km = 12, speed_kph = 100 }\n",
        "[environment]\nambient_c = 20\n",
    );
    let v = 100.0 / 3.6;
    // Skip the acceleration, then measure 4 km of steady driving.
    while read(&t, Scalar::OdometerKm) < 4.0 {
        t.step();
    }
    let (e0, d0) = (t.ledger().terminal_j, t.odometer_m());
    while read(&t, Scalar::OdometerKm) < 8.0 {
        t.step();
    }
    let measured = (t.ledger().terminal_j - e0) / (t.odometer_m() - d0);
    let rho = 101_325.0 / (287.05 * 293.15);
    let wheel = 0.5 * rho * 0.23 * 2.22 * v * v * v + 1752.0 * 9.81 * 0.007 * v;
    let mech = wheel / 0.98;
    // ≈ 10.1 kW of 239 kW: the map's segment 0.04–0.06, η from 0.88 to 0.90.
    let load = mech / 239_000.0;
    assert!((0.04..0.06).contains(&load), "{load}");
    let eta = 0.88 + (load - 0.04) / 0.02 * 0.02;
    let battery = mech / eta + 250.0;
    let want = battery / v;
    assert!(
        (measured / want - 1.0).abs() < 2e-3,
        "{measured} J/m vs {want} J/m"
    );
}

#[test]
fn a_simulated_nodes_inputs_are_ignored_and_a_real_bms_limit_replaces_the_models() {
    let route = "[[route]]\ncruise = { distance_km = 5, speed_kph = 100 }\n";
    let mut sim = twin(route, "");
    let mut real = twin(route, "");
    // The simulated BMS: an input for its limit changes nothing.
    assert!(sim.set_input(Input::BmsDclA, 60.0));
    real.set_real_nodes(RealNodes {
        bms: true,
        ..RealNodes::default()
    });
    let own = read(&real, Scalar::BmsDclA);
    // A real BMS sending a larger limit than the model's: the real one is in force.
    assert!(real.set_input(Input::BmsDclA, own + 100.0));
    assert_eq!(read(&real, Scalar::BmsDclA), own + 100.0);
    assert_eq!(read(&sim, Scalar::BmsDclA), own);
    let mut peak = 0.0_f64;
    for _ in 0..3000 {
        sim.step();
        peak = peak.max(read(&sim, Scalar::PackCurrentA));
    }
    assert!(peak > 150.0, "{peak}");
    // Not a value the input takes: refused, the last one stays.
    assert!(!real.set_input(Input::BmsDclA, f64::INFINITY));
    assert_eq!(real.input(Input::BmsDclA), own + 100.0);
    assert!(!real.set_input(Input::VcuMode, 7.0));
}

#[test]
fn a_protocol_holds_advances_and_aborts_the_setup_phases() {
    let route = "[[route]]\ncharge = { station = \"dc\", max_duration_min = 30 }\n";
    let mut t = twin(route, &format!("[pack]\ninitial_soc_pct = 30\n{STATION}"));
    t.set_real_nodes(RealNodes {
        charger: true,
        ..RealNodes::default()
    });
    let phase = |t: &Twin| read(t, Scalar::ChargerPhase);
    assert!(t.set_input(Input::ChargerPhaseRequest, 1.0));
    steps(&mut t, 60_000); // 10 min held: still plugging in
    assert_eq!(phase(&t), Phase::PlugIn.code());
    assert!(t.set_input(Input::ChargerPhaseRequest, 2.0));
    t.step();
    assert_eq!(phase(&t), Phase::Handshake.code(), "one phase per step");
    t.set_input(Input::ChargerPhaseRequest, 1.0);
    steps(&mut t, 100);
    assert_eq!(phase(&t), Phase::Handshake.code());
    t.set_input(Input::ChargerPhaseRequest, 2.0);
    steps(&mut t, 3);
    assert!(read(&t, Scalar::ChargerCurrentA) >= 0.0);
    assert!(phase(&t) >= Phase::Ramp.code(), "{}", phase(&t));
    t.set_input(Input::ChargerPhaseRequest, 0.0);
    steps(&mut t, 1000);
    assert!(read(&t, Scalar::ChargerCurrentA) > 10.0);
    t.set_input(Input::ChargerPhaseRequest, 3.0);
    let r = charge_report(&mut t);
    assert_eq!(r.end, ChargeEnd::Aborted);
}
