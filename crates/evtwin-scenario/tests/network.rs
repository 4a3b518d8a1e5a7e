//! The network without I/O: the shipped DBC and mapping played around a twin,
//! with this test acting as a real VCU (frames built with the codec and E2E
//! protection, as an independent ECU would).

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_can::dbc::Dbc;
use evtwin_can::e2e::{E2eConfig, Profile1};
use evtwin_can::{CanId, Frame};
use evtwin_scenario::net::{BUILTIN_DBC, NetEvent, NetFile, Network, load_network};
use evtwin_scenario::{Scenario, Source, apply_inputs, from_source};
use evtwin_sim::bms::{BmsFault, ContactorState};
use evtwin_sim::{RealNodes, Scalar, Signal, Status, Twin};

fn scenario() -> Scenario {
    let src = Source {
        name: "t.toml".into(),
        text: "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
               [[route]]\ncruise = { distance_km = 30, speed_kph = 60 }\n"
            .into(),
    };
    from_source(&src, Path::new(".")).unwrap()
}

/// The shipped network around a new twin of `s`, with `real` nodes (the twin
/// told which of its controllers are real, as the runner does).
fn start(s: &Scenario, real: &[String]) -> (Network, Twin) {
    let net = load_network(s, NetFile::Builtin, NetFile::Builtin, real).unwrap();
    let mut twin = Twin::new(s.config.clone()).unwrap();
    twin.set_real_nodes(RealNodes::from_names(real.iter().map(String::as_str)));
    (net, twin)
}

/// A received frame, its values moved into the twin as the runner moves them.
fn receive(net: &mut Network, f: &Frame, now_us: u64, twin: &mut Twin) {
    net.handle_frame(f, now_us);
    apply_inputs(net, twin);
}

/// The network's events so far.
fn events(net: &mut Network) -> Vec<NetEvent> {
    std::iter::from_fn(|| net.poll_event()).collect()
}

/// A real VCU: `VCU_Command` with its counter and CRC.
struct Vcu {
    dbc: Dbc,
    counter: u8,
    e2e: E2eConfig,
}

impl Vcu {
    fn new() -> Self {
        Self {
            dbc: Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap(),
            counter: 0,
            e2e: E2eConfig::Profile1(Profile1 {
                data_id: 0x0110,
                crc_byte: 0,
                counter_bit: 8,
            }),
        }
    }

    fn frame(&mut self, contactor: f64, power_kw: f64) -> Frame {
        let (_, m) = self.dbc.message_by_name("VCU_Command").unwrap();
        let mut v = vec![f64::NAN; m.signals.len()];
        v[m.signal_index("VCU_ContactorRequest").unwrap()] = contactor;
        v[m.signal_index("VCU_Mode").unwrap()] = 1.0;
        v[m.signal_index("VCU_PowerRequest").unwrap()] = power_kw;
        let mut data = [0u8; 8];
        let report = m.encode(&v, &mut data);
        assert_eq!(report.clamped, 0);
        self.e2e.protect(&mut data, &mut self.counter).unwrap();
        Frame::classic(m.id, &data).unwrap()
    }

    /// `VCU_VehicleStatus` (100 ms), start values: only its presence matters here.
    fn status(&self) -> Frame {
        let (_, m) = self.dbc.message_by_name("VCU_VehicleStatus").unwrap();
        let v = vec![f64::NAN; m.signals.len()];
        let mut data = [0u8; 8];
        m.encode(&v, &mut data);
        Frame::classic(m.id, &data).unwrap()
    }

    /// What the VCU sends at `now_us`: the command every 10 ms, the status every 100 ms.
    fn at(&mut self, now_us: u64, contactor: f64, power_kw: f64) -> Vec<Frame> {
        let mut out = vec![self.frame(contactor, power_kw)];
        if now_us.is_multiple_of(100_000) {
            out.push(self.status());
        }
        out
    }
}

fn contactors(t: &Twin) -> ContactorState {
    t.bms().output().contactors
}

/// Steps the twin with the network for `seconds`; `vcu` sends a frame each 10 ms.
fn run(
    twin: &mut Twin,
    net: &mut Network,
    seconds: f64,
    mut vcu: impl FnMut(u64) -> Vec<Frame>,
    sent: &mut Vec<Frame>,
) {
    let step_us = 10_000;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let steps = (seconds * 100.0) as u64;
    for _ in 0..steps {
        let now = twin.steps() * step_us;
        while let Some(due) = net.next_due_us().filter(|d| *d < now + step_us) {
            net.poll_transmit(due, twin, sent);
        }
        for f in vcu(now) {
            receive(net, &f, now, twin);
        }
        net.handle_timeout(now + step_us);
        apply_inputs(net, twin);
        if twin.step() != Status::Running {
            break;
        }
    }
}

#[test]
fn a_real_vcu_drives_the_contactors_and_its_silence_trips_the_communication_fault() {
    let s = scenario();
    let (mut net, mut twin) = start(&s, &["VCU".into()]);
    let mut vcu = Vcu::new();
    let mut sent = Vec::new();
    run(
        &mut twin,
        &mut net,
        10.0,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    assert_eq!(contactors(&twin), ContactorState::Closed);
    assert!(twin.read(Signal::Scalar(Scalar::SpeedMps)) > 5.0);
    // The real VCU asks for 3 kW only: traction obeys.
    run(&mut twin, &mut net, 5.0, |t| vcu.at(t, 1.0, 3.0), &mut sent);
    let p = twin.read(Signal::Scalar(Scalar::MotorElecPowerW));
    assert!(p <= 3000.0 + 1e-6, "motor draws {p} W");
    // It opens the contactors.
    run(
        &mut twin,
        &mut net,
        0.5,
        |t| vcu.at(t, 0.0, 300.0),
        &mut sent,
    );
    assert_eq!(contactors(&twin), ContactorState::Open);
    // And closes them again (precharge first).
    run(
        &mut twin,
        &mut net,
        1.0,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    assert_eq!(contactors(&twin), ContactorState::Closed);
    assert_eq!(net.stats().timeouts, 0);
    assert_eq!(net.stats().bad_crc + net.stats().bad_counter, 0);
    // Silence: the 100 ms timeout, one BMS tick, the open delay.
    let t0 = twin.time_s();
    let mut open_at = None;
    for _ in 0..100 {
        run(&mut twin, &mut net, 0.01, |_| Vec::new(), &mut sent);
        if open_at.is_none() && contactors(&twin) == ContactorState::Open {
            open_at = Some(twin.time_s() - t0);
        }
    }
    let open_s = open_at.expect("contactors opened");
    assert!(
        (0.1..=0.35).contains(&open_s),
        "opened {open_s} s after the last frame"
    );
    // VCU_Command after 100 ms, VCU_VehicleStatus after 300 ms.
    assert_eq!(net.stats().timeouts, 2);
    assert_eq!(
        twin.bms().output().worst_fault,
        Some(BmsFault::Communication)
    );
    // It comes back: its counter jumped, but after a timeout that starts a new
    // sequence, not a bad counter.
    vcu.counter = 9;
    let _ = events(&mut net);
    run(
        &mut twin,
        &mut net,
        0.5,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    assert_eq!(net.stats().bad_counter, 0);
    let resumed = events(&mut net)
        .into_iter()
        .filter(|e| matches!(e, NetEvent::Resumed { .. }))
        .count();
    assert_eq!(resumed, 2);
}

#[test]
fn malformed_frames_are_counted_and_the_twin_keeps_running() {
    let s = scenario();
    let (mut net, mut twin) = start(&s, &["VCU".into()]);
    let mut vcu = Vcu::new();
    let mut sent = Vec::new();
    run(
        &mut twin,
        &mut net,
        1.0,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    let good = vcu.frame(1.0, 300.0);
    let mut bad_crc = good.data().to_vec();
    bad_crc[0] ^= 0x5A;
    let short = &good.data()[..7];
    let frames = [
        Frame::classic(CanId::Standard(0x7FF), &[1, 2, 3]).unwrap(),
        Frame::classic(good.id(), short).unwrap(),
        Frame::classic(good.id(), &bad_crc).unwrap(),
        good,
        good,                                                     // the same counter again
        Frame::classic(CanId::Standard(0x140), &[0; 8]).unwrap(), // a BMS frame: the twin plays the BMS
    ];
    let now = twin.steps() * 10_000;
    for f in &frames {
        receive(&mut net, f, now, &mut twin);
    }
    let st = *net.stats();
    assert_eq!(st.unknown_id, 1);
    assert_eq!(st.wrong_length, 1);
    assert_eq!(st.bad_crc, 1);
    assert_eq!(st.bad_counter, 1);
    assert_eq!(st.unexpected, 1);
    let events: Vec<_> = events(&mut net);
    assert_eq!(events.len(), 5, "{events:?}");
    run(
        &mut twin,
        &mut net,
        2.0,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    assert_eq!(twin.status(), Status::Running);
    assert_eq!(contactors(&twin), ContactorState::Closed);
}

#[test]
fn simulated_nodes_send_on_their_cycle_with_the_twins_values() {
    let s = scenario();
    let (mut net, mut twin) = start(&s, &[]);
    let dbc = Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap();
    let mut sent = Vec::new();
    run(&mut twin, &mut net, 10.0, |_| Vec::new(), &mut sent);
    // Every cyclic message: 10 s / cycle frames (the stagger may cut one).
    for m in dbc.messages() {
        let n = sent.iter().filter(|f| f.id() == m.id).count();
        let cycle = f64::from(m.cycle_time_ms.unwrap());
        #[allow(clippy::cast_precision_loss)]
        let expected = 10_000.0 / cycle;
        assert!(
            (n as f64 - expected).abs() <= 1.0,
            "{}: {n} frames in 10 s, cycle {cycle} ms",
            m.name
        );
    }
    // The last pack state frame carries the pack voltage of its time (20 ms ago at most).
    let (_, m) = dbc.message_by_name("BMS_PackState").unwrap();
    let last = sent.iter().rev().find(|f| f.id() == m.id).unwrap();
    let mut v = vec![0.0; m.signals.len()];
    m.decode(last.data(), &mut v).unwrap();
    let volts = v[m.signal_index("BMS_PackVoltage").unwrap()];
    let twin_v = twin.read(Signal::Scalar(Scalar::PackVoltageV));
    assert!(
        (volts - twin_v).abs() < 0.5,
        "{volts} V on the bus, {twin_v} V in the twin"
    );
    // Multiplexed cell voltages: every group of the pack appears.
    let (_, cv) = dbc.message_by_name("BMS_CellVoltages").unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for f in sent.iter().filter(|f| f.id() == cv.id) {
        let mut v = vec![f64::NAN; cv.signals.len()];
        cv.decode(f.data(), &mut v).unwrap();
        for (k, s) in cv.signals.iter().enumerate() {
            if let Some(i) = s.name.strip_prefix("BMS_CellVoltage_")
                && v[k].is_finite()
                && v[k] > 1.0
            {
                seen.insert(i.parse::<usize>().unwrap());
            }
        }
    }
    let groups = s.config.pack.series;
    assert_eq!(seen.len(), groups, "cells seen on the bus");
    assert_eq!(net.stats().clamped, 0);
}

/// A real charger controller: `CHG_Setpoints` (E2E) and `CHG_Status`, 100 ms.
fn charger_frames(dbc: &Dbc, counter: &mut u8, setpoint_a: f64) -> Vec<Frame> {
    let (_, sp) = dbc.message_by_name("CHG_Setpoints").unwrap();
    let mut v = vec![f64::NAN; sp.signals.len()];
    v[sp.signal_index("CHG_CurrentSetpoint").unwrap()] = setpoint_a;
    let mut data = [0u8; 8];
    sp.encode(&v, &mut data);
    let e2e = E2eConfig::Profile1(Profile1 {
        data_id: 0x0C51,
        crc_byte: 0,
        counter_bit: 8,
    });
    e2e.protect(&mut data, counter).unwrap();
    let (_, st) = dbc.message_by_name("CHG_Status").unwrap();
    let mut status = [0u8; 8];
    st.encode(&vec![f64::NAN; st.signals.len()], &mut status);
    vec![
        Frame::classic(sp.id, &data).unwrap(),
        Frame::classic(st.id, &status).unwrap(),
    ]
}

#[test]
fn a_real_charger_controllers_setpoint_drives_the_charger() {
    let src = Source {
        name: "t.toml".into(),
        text: "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
               [pack]\ninitial_soc_pct = 30\n\
               [[route]]\ncharge = { station = \"dc\", until_soc_pct = 80, max_duration_min = 3 }\n\
               [stations.dc]\nmax_power_kw = 150\nmax_voltage_v = 500\nmax_current_a = 375\n"
            .into(),
    };
    let s = from_source(&src, Path::new(".")).unwrap();
    let peak_charge_a = |real: bool| {
        let nodes = if real {
            vec!["CHARGER".to_owned()]
        } else {
            vec![]
        };
        let (mut net, mut twin) = start(&s, &nodes);
        let dbc = Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap();
        let mut counter = 0;
        let mut sent = Vec::new();
        let mut peak = 0.0_f64;
        for _ in 0..120 {
            run(
                &mut twin,
                &mut net,
                1.0,
                |t| {
                    if real && t.is_multiple_of(100_000) {
                        charger_frames(&dbc, &mut counter, 40.0)
                    } else {
                        Vec::new()
                    }
                },
                &mut sent,
            );
            peak = peak.max(-twin.read(Signal::Scalar(Scalar::PackCurrentA)));
        }
        assert_eq!(net.stats().timeouts, 0);
        assert_eq!(net.stats().bad_crc + net.stats().bad_counter, 0);
        peak
    };
    let own = peak_charge_a(false);
    let real = peak_charge_a(true);
    assert!(own > 150.0, "the twin's own charger controller: {own} A");
    assert!(
        (30.0..=40.0 + 1e-6).contains(&real),
        "a real one asking 40 A: {real} A"
    );
}

#[test]
fn a_real_vcu_that_has_not_started_yet_is_reported_not_faulted() {
    let s = scenario();
    let (mut net, mut twin) = start(&s, &["VCU".into()]);
    let mut sent = Vec::new();
    run(&mut twin, &mut net, 3.0, |_| Vec::new(), &mut sent);
    assert_eq!(net.stats().timeouts, 0);
    assert_eq!(twin.bms().output().worst_fault, None);
    assert_eq!(
        contactors(&twin),
        ContactorState::Closed,
        "the twin's own VCU logic"
    );
    let missing: Vec<_> = events(&mut net)
        .into_iter()
        .filter(|e| matches!(e, NetEvent::Missing { .. }))
        .collect();
    // VCU_Command (100 ms timeout) and VCU_VehicleStatus (300 ms), once each.
    assert_eq!(missing.len(), 2, "{missing:?}");
    // Once it has started, its silence is a fault.
    let mut vcu = Vcu::new();
    run(
        &mut twin,
        &mut net,
        1.0,
        |t| vcu.at(t, 1.0, 300.0),
        &mut sent,
    );
    run(&mut twin, &mut net, 1.0, |_| Vec::new(), &mut sent);
    assert_eq!(
        twin.bms().output().worst_fault,
        Some(BmsFault::Communication)
    );
}

/// A CAN FD message of 18 bytes travels in a 20-byte frame: its E2E CRC covers
/// the DBC's 18 bytes, not the padding.
const FD_DBC: &str = r#"VERSION ""

NS_ :

BS_:

BU_: ECU BMS

BO_ 768 Fd20: 18 ECU
 SG_ Fd20_CRC : 0|8@1+ (1,0) [0|255] "" BMS
 SG_ Fd20_Counter : 8|4@1+ (1,0) [0|14] "" BMS
 SG_ Fd20_Limit : 16|16@1+ (0.1,0) [0|6553.5] "A" BMS

BA_DEF_ BO_  "GenMsgCycleTime" INT 0 65535;
BA_DEF_ BO_  "VFrameFormat" ENUM  "StandardCAN","ExtendedCAN","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","reserved","StandardCAN_FD","ExtendedCAN_FD";
BA_DEF_DEF_  "GenMsgCycleTime" 0;
BA_DEF_DEF_  "VFrameFormat" "StandardCAN";
BA_ "GenMsgCycleTime" BO_ 768 10;
BA_ "VFrameFormat" BO_ 768 14;
"#;

#[test]
fn e2e_on_a_padded_fd_frame_covers_the_dbc_length() {
    let dir = tempfile::tempdir().unwrap();
    let dbc_path = dir.path().join("fd.dbc");
    let map_path = dir.path().join("fd.map.toml");
    std::fs::write(&dbc_path, FD_DBC).unwrap();
    std::fs::write(
        &map_path,
        "[messages.Fd20]\ne2e = { profile = 1, data_id = 0x300, counter = \"Fd20_Counter\", crc = \"Fd20_CRC\" }\n\
         [signals]\n\"Fd20.Fd20_Limit\" = { signal = \"bms.ccl_a\" }\n",
    )
    .unwrap();
    let s = scenario();
    let mut net = load_network(
        &s,
        NetFile::Path(&dbc_path),
        NetFile::Path(&map_path),
        &["ECU".into()],
    )
    .unwrap();
    let mut twin = Twin::new(s.config.clone()).unwrap();
    let dbc = Dbc::parse(FD_DBC, "fd.dbc").unwrap();
    let (_, m) = dbc.message_by_name("Fd20").unwrap();
    assert!(m.fd);
    let e2e = E2eConfig::Profile1(Profile1 {
        data_id: 0x300,
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut counter = 0;
    for k in 0..3u64 {
        let mut v = vec![f64::NAN; m.signals.len()];
        v[m.signal_index("Fd20_Limit").unwrap()] = 42.0;
        let mut data = [0u8; 20];
        m.encode(&v, &mut data[..18]);
        e2e.protect(&mut data[..18], &mut counter).unwrap();
        data[18..].fill(0xCC); // padding a peer may fill with anything
        let f = Frame::fd(m.id, &data, true).unwrap();
        receive(&mut net, &f, k * 10_000, &mut twin);
    }
    assert_eq!(net.stats().bad_crc, 0);
    assert_eq!(net.stats().rx_used, 3);
    assert_eq!(twin.input(evtwin_sim::Input::BmsCclA), 42.0);
}

const TWO_DBC: &str = r#"VERSION ""

NS_ :

BS_:

BU_: ECU BMS CLUSTER

BO_ 769 ToBms: 8 ECU
 SG_ ToBms_Limit : 0|16@1+ (0.1,0) [0|6553.5] "A" BMS

BO_ 770 ToCluster: 8 ECU
 SG_ ToCluster_Text : 0|8@1+ (1,0) [0|255] "" CLUSTER

BA_DEF_ BO_  "GenMsgCycleTime" INT 0 65535;
BA_DEF_DEF_  "GenMsgCycleTime" 0;
BA_ "GenMsgCycleTime" BO_ 769 10;
BA_ "GenMsgCycleTime" BO_ 770 10;
"#;

#[test]
fn only_the_messages_the_bms_receives_fault_it_when_they_stop() {
    let dir = tempfile::tempdir().unwrap();
    let dbc_path = dir.path().join("two.dbc");
    let map_path = dir.path().join("two.map.toml");
    std::fs::write(&dbc_path, TWO_DBC).unwrap();
    std::fs::write(
        &map_path,
        "[signals]\n\"ToBms.ToBms_Limit\" = { signal = \"bms.ccl_a\" }\n",
    )
    .unwrap();
    let s = scenario();
    let mut net = load_network(
        &s,
        NetFile::Path(&dbc_path),
        NetFile::Path(&map_path),
        &["ECU".into()],
    )
    .unwrap();
    let mut twin = Twin::new(s.config.clone()).unwrap();
    let to_bms = Frame::classic(CanId::Standard(769), &[0; 8]).unwrap();
    let to_cluster = Frame::classic(CanId::Standard(770), &[0; 8]).unwrap();
    let mut sent = Vec::new();
    // Both for 1 s, then only the BMS's.
    run(
        &mut twin,
        &mut net,
        1.0,
        |_| vec![to_bms, to_cluster],
        &mut sent,
    );
    run(&mut twin, &mut net, 1.0, |_| vec![to_bms], &mut sent);
    assert_eq!(net.stats().timeouts, 1);
    assert_eq!(twin.bms().output().worst_fault, None);
    assert!(
        events(&mut net)
            .into_iter()
            .any(|e| matches!(e, NetEvent::Timeout { faulted: false, .. }))
    );
    // Then the BMS's stops too.
    run(&mut twin, &mut net, 1.0, |_| Vec::new(), &mut sent);
    assert_eq!(net.stats().timeouts, 2);
    assert_eq!(
        twin.bms().output().worst_fault,
        Some(BmsFault::Communication)
    );
}

/// Runs `steps` steps of 10 ms with a real VCU whose frames `spoil` may corrupt (frame
/// number in, frame out); returns when the BMS first reported the
/// communication fault, s after the start, if it did.
fn garbage_run(steps: u64, mut spoil: impl FnMut(u64, Frame) -> Frame) -> (Network, Option<f64>) {
    let s = scenario();
    let (mut net, mut twin) = start(&s, &["VCU".into()]);
    let mut vcu = Vcu::new();
    let mut sent = Vec::new();
    let mut n = 0;
    let mut fault_at = None;
    for _ in 0..steps {
        run(
            &mut twin,
            &mut net,
            0.01,
            |t| {
                let mut out = vcu.at(t, 1.0, 300.0);
                out[0] = spoil(n, out[0]);
                n += 1;
                out
            },
            &mut sent,
        );
        if fault_at.is_none() && twin.bms().output().worst_fault == Some(BmsFault::Communication) {
            fault_at = Some(twin.time_s());
        }
    }
    (net, fault_at)
}

fn bad_crc(f: Frame) -> Frame {
    let mut d = f.data().to_vec();
    d[0] ^= 0x5A;
    Frame::classic(f.id(), &d).unwrap()
}

#[test]
fn a_real_vcu_that_sends_only_bad_crcs_faults_the_bms_within_the_window() {
    let (mut net, fault_at) = garbage_run(100, |_, f| bad_crc(f));
    let at = fault_at.expect("communication fault raised");
    // Three bad frames (30 ms), then the BMS's next 100 ms tick.
    assert!(at <= 0.15, "raised after {at} s");
    assert_eq!(net.stats().invalid, 1);
    assert!(
        events(&mut net)
            .iter()
            .any(|e| matches!(e, NetEvent::Invalid { faulted: true, .. }))
    );
}

#[test]
fn a_real_vcu_that_sends_only_wrong_lengths_faults_the_bms_too() {
    let (net, fault_at) = garbage_run(100, |_, f| Frame::classic(f.id(), &f.data()[..5]).unwrap());
    assert!(fault_at.expect("communication fault raised") <= 0.15);
    assert_eq!(net.stats().invalid, 1);
    assert!(net.stats().wrong_length >= 3);
}

#[test]
fn one_lucky_frame_among_garbage_is_not_used() {
    let (net, fault_at) = garbage_run(100, |n, f| if n == 50 { f } else { bad_crc(f) });
    assert!(fault_at.is_some());
    assert_eq!(net.stats().while_invalid, 1);
    assert_eq!(net.stats().timeouts, 0, "no timeout started by it");
}

#[test]
fn a_mostly_good_sender_with_rare_bad_frames_does_not_fault() {
    let (net, fault_at) = garbage_run(500, |n, f| if n % 20 == 7 { bad_crc(f) } else { f });
    assert_eq!(fault_at, None);
    assert_eq!(net.stats().invalid, 0);
    assert_eq!(net.stats().bad_crc, 25);
}

#[test]
fn a_burst_of_bad_frames_faults_and_good_frames_recover() {
    let (mut net, fault_at) = garbage_run(200, |n, f| {
        if (100..110).contains(&n) {
            bad_crc(f)
        } else {
            f
        }
    });
    assert!(fault_at.is_some());
    let evs = events(&mut net);
    assert!(evs.iter().any(|e| matches!(e, NetEvent::Invalid { .. })));
    assert!(
        evs.iter().any(|e| matches!(e, NetEvent::Valid { .. })),
        "{evs:?}"
    );
}
