use super::*;
use crate::bms::faults::tests::spec as fault_spec;
use crate::cell::tests::test_cell;

fn bms_spec() -> BmsSpec {
    BmsSpec {
        tick_s: 0.1,
        plating_margin: 0.9,
        temp_derate_band_k: 5.0,
        low_soc_derate: 0.1,
        low_soc_dcl_share: 0.3,
        current_sensor_gain_error: 0.0,
        current_sensor_offset_a: 0.0,
        rest_current_a: 1.0,
        rest_time_s: 600.0,
        balance_threshold_v: 0.01,
        balance_current_a: 0.2,
        precharge_s: 0.3,
        open_delay_s: 0.1,
        faults: fault_spec(),
    }
}

/// Test cell: 5 Ah, 2C charge, 5C discharge, 2.8–4.2 V; charge 0…55 °C,
/// discharge −30…60 °C.
fn bms(groups: usize) -> Bms {
    Bms::new(bms_spec(), test_cell(), 2, groups, 0.5, true)
}

struct Readings {
    v: Vec<f64>,
    t: Vec<f64>,
    current_a: f64,
    isolation_ohm: f64,
}

impl Readings {
    fn normal(groups: usize) -> Self {
        Self {
            v: vec![3.6; groups],
            t: vec![25.0; groups],
            current_a: 0.0,
            isolation_ohm: 1e7,
        }
    }

    fn sensors(&self) -> Sensors<'_> {
        Sensors {
            current_a: self.current_a,
            current_offset_a: 0.0,
            cell_v: &self.v,
            cell_t: &self.t,
            isolation_ohm: self.isolation_ohm,
            pack_v: 3.6 * self.v.len() as f64,
            plating_limit_a: f64::INFINITY,
            want_hv: true,
            welded: false,
            comm_lost: false,
        }
    }
}

#[test]
fn limits_follow_the_temperature_window_and_the_plating_margin() {
    let mut b = bms(4);
    let mut r = Readings::normal(4);
    b.tick(&r.sensors());
    // 10 Ah of groups: 2C charge, 5C discharge.
    assert_eq!((b.output().ccl_a, b.output().dcl_a), (20.0, 50.0));
    // 2.5 K inside the 0 °C charge minimum: halfway from full to a tenth.
    r.t[1] = 2.5;
    b.tick(&r.sensors());
    assert!((b.output().ccl_a - 20.0 * 0.55).abs() < 1e-12);
    // At the edge a tenth, 2.5 K past it a twentieth, 5 K past it nothing;
    // discharge unaffected.
    r.t[1] = 0.0;
    b.tick(&r.sensors());
    assert!((b.output().ccl_a - 2.0).abs() < 1e-12);
    r.t[1] = -2.5;
    b.tick(&r.sensors());
    assert!((b.output().ccl_a - 1.0).abs() < 1e-12);
    r.t[1] = -5.0;
    b.tick(&r.sensors());
    assert_eq!(b.output().ccl_a, 0.0);
    assert_eq!(b.output().dcl_a, 50.0);
    // The anode limit binds below the C-rate.
    r.t[1] = 25.0;
    let s = Sensors {
        plating_limit_a: 10.0,
        ..r.sensors()
    };
    b.tick(&s);
    assert!((b.output().ccl_a - 9.0).abs() < 1e-12);
}

#[test]
fn limits_follow_the_cell_voltages_and_the_soc_estimate() {
    // Groups of two test cells: R0 = 10 mΩ / 2 = 5 mΩ at 25 °C (× 4 at −20 °C).
    let mut b = bms(4);
    let mut r = Readings::normal(4);
    // Charging at 10 A with the highest group at 4.17 V: it may take 0.03 V / 5 mΩ
    // more, 16 A in all.
    r.v[2] = 4.17;
    r.current_a = -10.0;
    b.tick(&r.sensors());
    assert!(
        (b.output().ccl_a - 16.0).abs() < 1e-9,
        "{}",
        b.output().ccl_a
    );
    // Constant voltage: at 4.2 V the limit is the current flowing, so it follows
    // the taper instead of collapsing.
    r.v[2] = 4.2;
    r.current_a = -8.0;
    b.tick(&r.sensors());
    assert!(
        (b.output().ccl_a - 8.0).abs() < 1e-9,
        "{}",
        b.output().ccl_a
    );
    // Discharging 5 A with the lowest group at 2.9 V: 0.1 V / 5 mΩ more, 25 A.
    let mut r = Readings::normal(4);
    r.v[0] = 2.9;
    r.current_a = 5.0;
    b.tick(&r.sensors());
    assert!(
        (b.output().dcl_a - 25.0).abs() < 1e-9,
        "{}",
        b.output().dcl_a
    );
    // At −20 °C (inside the −30 °C discharge window) R0 is four times higher.
    r.t = vec![-20.0; 4];
    b.tick(&r.sensors());
    assert!(
        (b.output().dcl_a - 10.0).abs() < 1e-9,
        "{}",
        b.output().dcl_a
    );
    // Below 10 % estimated SOC the 50 A discharge limit falls toward 30 % of
    // itself at 0: at 5 %, 0.3 + 0.7 × 0.5 = 65 %.
    let mut low = Bms::new(bms_spec(), test_cell(), 2, 4, 0.05, true);
    low.tick(&Readings::normal(4).sensors());
    assert!(
        (low.output().dcl_a - 32.5).abs() < 1e-9,
        "{}",
        low.output().dcl_a
    );
    assert_eq!(low.output().ccl_a, 20.0);
}

/// Ticks until the contactors are open; returns the time taken, s.
fn time_to_open(b: &mut Bms, r: &Readings, offset_a: f64) -> (f64, Vec<BmsFault>) {
    let mut raised = Vec::new();
    for k in 1..=200 {
        let s = Sensors {
            current_offset_a: offset_a,
            ..r.sensors()
        };
        raised.extend(b.tick(&s));
        if b.output().contactors == ContactorState::Open {
            return (f64::from(k) * 0.1, raised);
        }
    }
    (f64::INFINITY, raised)
}

/// A fault, how to provoke it, and the current sensor's offset.
type Case = (BmsFault, fn(&mut Readings), f64);

#[test]
fn each_critical_fault_opens_the_contactors_within_its_debounce() {
    let spec = fault_spec();
    let cases: [Case; 5] = [
        (BmsFault::CellOverVoltage, |r| r.v[2] = 4.3, 0.0),
        (BmsFault::CellUnderVoltage, |r| r.v[0] = 2.4, 0.0),
        (BmsFault::CellOverTemperature, |r| r.t[3] = 61.0, 0.0),
        (BmsFault::Isolation, |r| r.isolation_ohm = 1000.0, 0.0),
        (BmsFault::OverCurrent, |_| {}, 70.0),
    ];
    for (fault, inject, offset) in cases {
        let mut b = bms(4);
        let mut r = Readings::normal(4);
        inject(&mut r);
        let (t, raised) = time_to_open(&mut b, &r, offset);
        // Debounce, plus one tick to command open, plus the open delay.
        let allowed = spec.debounce_s(fault) + 0.1 + 0.1 + 1e-9;
        assert_eq!(raised, vec![fault], "{fault:?}");
        assert!(
            t <= allowed,
            "{fault:?}: open after {t} s (allowed {allowed} s)"
        );
        assert!(t >= spec.debounce_s(fault), "{fault:?}: too early, {t} s");
        assert_eq!((b.output().ccl_a, b.output().dcl_a), (0.0, 0.0));
    }
}

#[test]
fn warnings_derate_without_opening() {
    let mut b = bms(4);
    let mut r = Readings::normal(4);
    r.t[0] = f64::NAN;
    for _ in 0..30 {
        b.tick(&r.sensors());
    }
    assert_eq!(b.output().worst_fault, Some(BmsFault::SensorFailure));
    assert_eq!(b.output().contactors, ContactorState::Closed);
    assert_eq!((b.output().ccl_a, b.output().dcl_a), (10.0, 25.0));
    // The failed sensor is ignored, not read as a temperature.
    r.t[0] = 25.0;
    b.tick(&r.sensors());
    assert_eq!(b.output().worst_fault, None);
}

#[test]
fn a_welded_contactor_is_reported_when_it_should_open() {
    let mut b = bms(4);
    let r = Readings::normal(4);
    let mut raised = Vec::new();
    for _ in 0..5 {
        let s = Sensors {
            want_hv: false,
            welded: true,
            ..r.sensors()
        };
        raised.extend(b.tick(&s));
    }
    assert_eq!(raised, vec![BmsFault::ContactorWelded]);
    assert_eq!(b.output().contactors, ContactorState::Welded);
}

#[test]
fn balancing_bleeds_the_high_groups_at_rest_only() {
    let mut b = bms(4);
    let mut r = Readings::normal(4);
    r.v = vec![3.60, 3.615, 3.605, 3.62];
    b.tick(&r.sensors());
    assert_eq!(b.output().balancing, vec![false, true, false, true]);
    r.current_a = 20.0;
    b.tick(&r.sensors());
    assert_eq!(b.output().balancing, vec![false; 4]);
    // Charging balances too.
    r.current_a = -5.0;
    b.tick(&r.sensors());
    assert_eq!(b.output().balancing, vec![false, true, false, true]);
}

#[test]
fn precharge_holds_the_limits_at_zero() {
    let mut b = Bms::new(bms_spec(), test_cell(), 2, 4, 0.5, false);
    let r = Readings::normal(4);
    b.tick(&r.sensors());
    assert_eq!(b.output().contactors, ContactorState::Precharging);
    assert_eq!(b.output().dcl_a, 0.0);
    for _ in 0..3 {
        b.tick(&r.sensors());
    }
    assert_eq!(b.output().contactors, ContactorState::Closed);
    assert_eq!(b.output().dcl_a, 50.0);
}
