//! Inputs a real VCU or a timed-out bus drives: the contactor request, the power
//! request, and the BMS's communication fault.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use evtwin_sim::bms::{BmsFault, ContactorState};
use evtwin_sim::{FaultCode, Input, RealNodes, Scalar, Signal, Status, Twin};

fn read(t: &Twin, s: Scalar) -> f64 {
    t.read(Signal::Scalar(s))
}

fn cruising() -> Twin {
    let s = common::scenario(
        "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
         [[route]]\ncruise = { distance_km = 20, speed_kph = 60 }\n",
    );
    let mut t = Twin::new(s.config).unwrap();
    t.set_real_nodes(RealNodes {
        vcu: true,
        ..RealNodes::default()
    });
    for _ in 0..1000 {
        t.step();
    }
    t
}

#[test]
fn a_real_vcu_opening_the_contactors_takes_hv_away_and_closing_restores_it() {
    let mut t = cruising();
    assert_eq!(t.bms().output().contactors, ContactorState::Closed);
    assert_eq!(read(&t, Scalar::VcuContactorRequest), 1.0);
    assert_eq!(read(&t, Scalar::VcuMode), 1.0);
    t.set_input(Input::VcuContactorRequest, 0.0);
    for _ in 0..50 {
        t.step();
    }
    assert_eq!(read(&t, Scalar::VcuContactorRequest), 0.0);
    assert_eq!(t.bms().output().contactors, ContactorState::Open);
    let v0 = read(&t, Scalar::SpeedMps);
    for _ in 0..500 {
        t.step();
    }
    assert!(
        read(&t, Scalar::SpeedMps) < v0,
        "no HV: the car coasts down"
    );
    assert!(read(&t, Scalar::PackCurrentA).abs() < 1e-9);
    t.set_input(Input::VcuContactorRequest, 1.0);
    for _ in 0..100 {
        t.step();
    }
    // Precharge (0.5 s) then closed.
    assert_eq!(t.bms().output().contactors, ContactorState::Closed);
    assert_eq!(t.status(), Status::Running);
}

#[test]
fn a_real_vcu_power_request_bounds_traction() {
    let mut t = cruising();
    let mut free = cruising();
    let drive_w = read(&t, Scalar::MotorElecPowerW);
    assert!(
        drive_w > 5000.0,
        "still accelerating to 60 km/h: {drive_w} W"
    );
    assert!((read(&t, Scalar::VcuPowerRequestW) - drive_w).abs() < 1e-9);
    t.set_input(Input::VcuPowerRequestW, 2000.0);
    for _ in 0..2000 {
        t.step();
        free.step();
        assert!(read(&t, Scalar::MotorElecPowerW) <= 2000.0 + 1e-6);
    }
    let (capped, uncapped) = (read(&t, Scalar::SpeedMps), read(&free, Scalar::SpeedMps));
    assert!(
        capped < uncapped - 2.0,
        "2 kW cannot reach 60 km/h: {capped} vs {uncapped} m/s"
    );
    t.set_input(Input::VcuPowerRequestW, f64::NAN);
    for _ in 0..100 {
        t.step();
    }
    assert!(
        read(&t, Scalar::MotorElecPowerW) > 2000.0,
        "unset: the driver's demand again"
    );
}

#[test]
fn a_bus_timeout_raises_the_communication_fault_and_the_bms_opens_the_contactors() {
    let mut t = cruising();
    t.set_comm_lost(true);
    let t0 = t.time_s();
    let mut open_at = None;
    while t.step() == Status::Running && t.time_s() < t0 + 120.0 {
        if open_at.is_none() && t.bms().output().contactors == ContactorState::Open {
            open_at = Some(t.time_s() - t0);
        }
    }
    // One 0.1 s tick to notice, 0.1 s open delay.
    let open_s = open_at.expect("contactors opened");
    assert!(open_s <= 0.21, "opened after {open_s} s");
    assert_eq!(read(&t, Scalar::BmsFaultCode), 9.0);
    assert_eq!(
        t.status(),
        Status::Stopped(FaultCode::Bms(BmsFault::Communication))
    );
}
