//! The plant faults a `[[fault]]` can inject, each shown doing its thing in the
//! whole twin with a measured value: an internal short, capacity fade,
//! resistance rise, stuck sensors, a coolant pump failure, a heater failure;
//! and each ended with `Twin::clear`.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::{FaultCode, Injection, Scalar, SensorKind, Signal, Twin};

fn read(t: &Twin, s: Scalar) -> f64 {
    t.read(Signal::Scalar(s))
}

fn twin(preset: &str, body: &str) -> Twin {
    let s = common::scenario(&format!(
        "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"{preset}\"\n{body}"
    ));
    Twin::new(s.config).unwrap()
}

fn steps(t: &mut Twin, n: u32) {
    for _ in 0..n {
        t.step();
    }
}

const CRUISE: &str = "[[route]]\ncruise = { distance_km = 60, speed_kph = 90 }\n";

#[test]
fn an_internal_short_drains_and_heats_its_group() {
    let mut t = twin(
        "model3-rwd-2022",
        "[[route]]\nidle = { duration_min = 20 }\n",
    );
    steps(&mut t, 100);
    let short = Injection::InternalShort {
        group: 3,
        resistance_ohm: 0.05,
    };
    t.inject(short).unwrap();
    steps(&mut t, 60_000); // 10 min
    let p = t.pack();
    let (soc2, soc3, soc4) = (p.group_soc(2), p.group_soc(3), p.group_soc(4));
    let (t2, t3, t4) = (p.group_temp_c(2), p.group_temp_c(3), p.group_temp_c(4));
    // ~3.7 V / 0.05 Ω ≈ 74 A for 600 s ≈ 12 Ah out of a ~230 Ah group: ~5 %.
    assert!(
        soc3 < soc2 - 0.03 && soc3 < soc4 - 0.03,
        "{soc2} {soc3} {soc4}"
    );
    // ~270 W of heat in the group against its neighbours.
    assert!(t3 > t2 + 2.0 && t3 > t4 + 2.0, "{t2} {t3} {t4}");
    let short_j = t.ledger().internal_short_j;
    let ah = (soc2 - soc3) * p.group_capacity_ah(3);
    // The energy dissipated is the charge lost times ~3.7 V.
    assert!(
        (short_j / 3600.0 / ah - 3.7).abs() < 0.4,
        "{short_j} J, {ah} Ah"
    );
    // Cleared: the group stops losing charge.
    t.clear(short);
    let before = t.pack().group_soc(3) - t.pack().group_soc(2);
    steps(&mut t, 6000);
    let after = t.pack().group_soc(3) - t.pack().group_soc(2);
    assert!((after - before).abs() < 1e-4, "{before} {after}");
}

#[test]
fn capacity_fade_makes_a_group_empty_faster() {
    let mut t = twin("model3-rwd-2022", CRUISE);
    let cap = t.pack().group_capacity_ah(5);
    let fade = Injection::CapacityFade {
        group: 5,
        factor: 0.8,
    };
    t.inject(fade).unwrap();
    assert!((t.pack().group_capacity_ah(5) / cap - 0.8).abs() < 1e-12);
    steps(&mut t, 240_000); // 40 min at 90 km/h
    let p = t.pack();
    // Same charge out of a fifth less capacity: a quarter more SOC lost.
    let (lost_4, lost_5) = (0.9 - p.group_soc(4), 0.9 - p.group_soc(5));
    assert!(
        lost_5 > 1.15 * lost_4,
        "group 4 lost {lost_4}, group 5 {lost_5}"
    );
    t.clear(fade);
    assert!((t.pack().group_capacity_ah(5) - cap).abs() < 1e-9);
}

#[test]
fn a_resistance_rise_sags_a_group_under_load() {
    let mut t = twin("model3-rwd-2022", CRUISE);
    steps(&mut t, 6000);
    let sag = |t: &Twin| t.pack().group_voltage_v(6) - t.pack().group_voltage_v(7);
    let before = sag(&t);
    t.inject(Injection::ResistanceRise {
        group: 7,
        factor: 4.0,
    })
    .unwrap();
    steps(&mut t, 100);
    let current = read(&t, Scalar::PackCurrentA);
    let after = sag(&t);
    assert!(current > 20.0, "{current}");
    // Three more times the group's resistance: millivolts per ampere more sag.
    assert!(
        after - before > 0.005,
        "{before} → {after} V at {current} A"
    );
}

#[test]
fn a_stuck_temperature_sensor_hides_a_hot_spot() {
    let mut t = twin("model3-rwd-2022", CRUISE);
    steps(&mut t, 1000);
    let sensor = SensorKind::CellTemp { group: 9 };
    t.inject(Injection::StuckSensor { sensor }).unwrap();
    let held = t.bms_readings().1[9];
    t.inject(Injection::CellHeat {
        group: 9,
        delta_c: 40.0,
    })
    .unwrap();
    let mut faults = Vec::new();
    for _ in 0..3000 {
        t.step();
        assert_eq!(
            t.bms_readings().1[9],
            held,
            "the BMS reads the frozen value"
        );
        faults.extend(t.drain_events().filter_map(|e| match e {
            evtwin_sim::Event::Fault(f) => Some(f.code),
            _ => None,
        }));
    }
    let truth = t.pack().group_temp_c(9);
    assert!(truth > held + 30.0, "true {truth} °C, read {held} °C");
    // 40 K would trip the over-temperature fault; frozen, the BMS never sees it.
    assert!(
        !faults.contains(&FaultCode::Bms(
            evtwin_sim::bms::BmsFault::CellOverTemperature
        )),
        "{faults:?}"
    );
    t.clear(Injection::StuckSensor { sensor });
    t.step();
    steps(&mut t, 100);
    assert!(t.bms_readings().1[9] > held + 30.0, "unfrozen");
}

#[test]
fn stuck_voltage_and_current_sensors_hold_their_values() {
    let body = "[[route]]\ncruise = { distance_km = 5, speed_kph = 90 }\n\
        [[route]]\npark = { duration_min = 5 }\n";
    let mut t = twin("model3-rwd-2022", body);
    steps(&mut t, 6000);
    let cur = SensorKind::Current;
    let volt = SensorKind::CellVoltage { group: 2 };
    t.inject(Injection::StuckSensor { sensor: cur }).unwrap();
    t.inject(Injection::StuckSensor { sensor: volt }).unwrap();
    let (v0, i0) = (t.bms_readings().0[2], t.bms_readings().2);
    let true_v0 = t.pack().group_voltage_v(2);
    while read(&t, Scalar::LegIndex) < 1.0 {
        t.step();
    }
    steps(&mut t, 1000);
    let (v1, i1) = (t.bms_readings().0[2], t.bms_readings().2);
    let (true_v1, true_i1) = (t.pack().group_voltage_v(2), read(&t, Scalar::PackCurrentA));
    assert!(
        i0 > 20.0 && true_i1.abs() < 1.0,
        "driving {i0} A, parked {true_i1} A"
    );
    assert!((i1 - i0).abs() < 1e-9, "the BMS still reads {i1} A");
    assert!((true_v1 - true_v0).abs() > 0.01, "{true_v0} → {true_v1}");
    assert_eq!(v1, v0);
}

/// Mean pack temperature after 20 min of driving in the cold, with `fault`
/// injected at the start.
fn cold_drive(fault: Option<Injection>) -> (f64, f64) {
    let body = "[environment]\nambient_c = -10\n\
        [[route]]\ncruise = { distance_km = 100, speed_kph = 90 }\n";
    let mut t = twin("ssb-sedan-800v", body);
    if let Some(f) = fault {
        t.inject(f).unwrap();
    }
    let mut heater_j = 0.0;
    for _ in 0..120_000 {
        t.step();
        heater_j += read(&t, Scalar::ThermalHeaterW) * 0.01;
    }
    (read(&t, Scalar::TempMeanC), heater_j)
}

#[test]
fn without_pump_or_heater_a_cold_pack_stays_cold() {
    let (normal_c, normal_j) = cold_drive(None);
    let (no_pump_c, _) = cold_drive(Some(Injection::CoolantPumpFailure));
    let (no_heater_c, no_heater_j) = cold_drive(Some(Injection::HeaterFailure));
    assert!(normal_j > 1e6, "the heater works in the cold: {normal_j} J");
    assert_eq!(no_heater_j, 0.0);
    assert!(
        normal_c > no_heater_c + 2.0,
        "{normal_c} vs {no_heater_c} °C"
    );
    assert!(normal_c > no_pump_c + 2.0, "{normal_c} vs {no_pump_c} °C");
}
