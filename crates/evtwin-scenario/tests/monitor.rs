//! Attach mode without a bus: the shipped network played around a twin of the
//! Shanghai–Beijing sedan (192 series groups) produces the simulated nodes'
//! frames; a `Monitor` sized for 256 groups decodes them, directly and through
//! a replayed candump log.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evtwin_can::dbc::Dbc;
use evtwin_can::e2e::{E2eConfig, Profile1};
use evtwin_can::frame::{Direction, Timestamped};
use evtwin_can::log::{LogFormat, LogWriter};
use evtwin_can::{CanId, Frame};
use evtwin_scenario::net::{
    BUILTIN_DBC, ListenError, ListenSource, Monitor, NetFile, load_network, spawn_listener,
};
use evtwin_sim::{Status, Twin};

const STEP_US: u64 = 10_000;

/// The frames the simulated nodes send over `seconds` of driving, then over
/// 1.5 s more with the twin frozen (every message, multiplexed rounds included,
/// then carries the twin's final values), with their times; and the twin.
fn drive(seconds: u64) -> (Twin, Vec<(u64, Frame)>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let s = evtwin_scenario::load(&dir.join("shanghai-beijing-ssb.toml")).unwrap();
    assert_eq!(s.config.pack.series, 192);
    let mut net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let mut twin = Twin::new(s.config.clone()).unwrap();
    let mut out = Vec::new();
    let mut frames = Vec::new();
    let mut send_until = |net: &mut evtwin_scenario::net::Network, twin: &Twin, end_us: u64| {
        while let Some(due) = net.next_due_us().filter(|d| *d < end_us) {
            out.clear();
            net.poll_transmit(due, twin, &mut out);
            frames.extend(out.iter().map(|f| (due, *f)));
        }
    };
    for _ in 0..seconds * 100 {
        let now = twin.steps() * STEP_US;
        send_until(&mut net, &twin, now + STEP_US);
        assert_eq!(twin.step(), Status::Running);
    }
    let now = twin.steps() * STEP_US;
    send_until(&mut net, &twin, now + 1_500_000);
    (twin, frames)
}

fn monitor() -> Monitor {
    Monitor::load(NetFile::Builtin, NetFile::Builtin, 256).unwrap()
}

fn feed(m: &mut Monitor, frames: &[(u64, Frame)]) {
    for (t, f) in frames {
        m.handle_frame(f, *t);
    }
}

/// The resolution of `Message.Signal` in the shipped DBC.
fn factor(dbc: &Dbc, message: &str, signal: &str) -> f64 {
    let (_, m) = dbc.message_by_name(message).unwrap();
    m.signals[m.signal_index(signal).unwrap()].factor
}

#[test]
fn the_monitor_sees_what_the_twin_sends() {
    let (twin, frames) = drive(3);
    let dbc = Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap();
    let mut m = monitor();
    assert_eq!(m.read_by_name("pack.voltage_v"), None);
    feed(&mut m, &frames);
    let cases = [
        ("pack.voltage_v", "BMS_PackState", "BMS_PackVoltage"),
        ("pack.current_a", "BMS_PackState", "BMS_PackCurrent"),
        ("pack.soc_pct", "BMS_DebugTruth", "BMS_TrueSOC"),
        ("bms.soc_est_pct", "BMS_SOC", "BMS_SOC"),
        (
            "cell[17].voltage_v",
            "BMS_CellVoltages",
            "BMS_CellVoltage_017",
        ),
        (
            "cell[191].voltage_v",
            "BMS_CellVoltages",
            "BMS_CellVoltage_191",
        ),
        ("cell[5].temp_c", "BMS_CellTemperatures", "BMS_CellTemp_005"),
    ];
    for (name, message, signal) in cases {
        let want = twin.read(m.catalogue().find(name).unwrap());
        let got = m
            .read_by_name(name)
            .unwrap_or_else(|| panic!("{name} not received"));
        let tol = factor(&dbc, message, signal);
        assert!((got - want).abs() <= tol, "{name}: {got} vs twin {want}");
    }
    // Scaled: kW on the bus, W in the twin.
    let power = m.read_by_name("pack.power_w").unwrap();
    let want = twin.read(m.catalogue().find("pack.power_w").unwrap());
    assert!((power - want).abs() <= 10.0 + 1e-9, "{power} vs {want}");
    assert!(m.read_by_name("pack.voltage_v").unwrap() > 600.0);
    assert_eq!(m.groups_seen(), 192);
    // Groups 192..195 share a temperature frame with 189..191 and travel at
    // their DBC start value (25 °C), which does not count as a group seen;
    // the voltage frames of groups beyond 191 are not sent at all.
    assert_eq!(m.read_by_name("cell[193].temp_c"), Some(25.0));
    assert_eq!(m.read_by_name("cell[192].voltage_v"), None);
    assert_eq!(m.read_by_name("cell[255].temp_c"), None);
    assert_eq!(m.last_rx_us(), Some(frames.last().unwrap().0));
    let st = *m.stats();
    assert_eq!(st.rx_frames, frames.len() as u64);
    assert_eq!(st.rx_used, st.rx_frames);
    assert_eq!((st.unknown_id, st.wrong_length, st.bad_e2e()), (0, 0, 0));
}

#[test]
fn bad_frames_are_counted_and_not_used() {
    let (_, frames) = drive(1);
    let mut m = monitor();
    feed(&mut m, &frames);
    let before = *m.stats();
    let voltage = m.read_by_name("pack.voltage_v").unwrap();
    let fault = m.read_by_name("bms.fault_code").unwrap();
    assert!(fault.abs() < 1e-9);

    m.handle_frame(&Frame::classic(CanId::Standard(0x7AB), &[1; 8]).unwrap(), 1);
    // BMS_PackState (0x140) is 8 bytes long; 4 zero bytes would read as 0 V.
    m.handle_frame(&Frame::classic(CanId::Standard(0x140), &[0; 4]).unwrap(), 2);
    // The last BMS_Status (E2E profile 2) with fault code 9 written over its
    // payload but the CRC left alone.
    let (_, status) = frames
        .iter()
        .rev()
        .find(|(_, f)| f.id() == CanId::Standard(0x130))
        .unwrap();
    let mut data = [0u8; 8];
    data.copy_from_slice(status.data());
    data[2] = (data[2] & 0xF0) | 9;
    let corrupt = Frame::classic(status.id(), &data).unwrap();
    m.handle_frame(&corrupt, 3);
    // The CRC, not the counter, rejects it: a fresh monitor has no counter yet.
    let mut fresh = monitor();
    fresh.handle_frame(&corrupt, 0);
    assert_eq!((fresh.stats().bad_e2e(), fresh.stats().rx_used), (1, 0));
    assert_eq!(fresh.read_by_name("bms.fault_code"), None);
    fresh.handle_frame(status, 1);
    assert_eq!(fresh.read_by_name("bms.fault_code"), Some(0.0));

    let st = *m.stats();
    assert_eq!(st.rx_frames, before.rx_frames + 3);
    assert_eq!(st.rx_used, before.rx_used);
    assert_eq!(st.unknown_id, 1);
    assert_eq!(st.wrong_length, 1);
    assert_eq!(st.bad_e2e(), 1);
    assert_eq!(m.read_by_name("pack.voltage_v"), Some(voltage));
    assert_eq!(m.read_by_name("bms.fault_code"), Some(fault));
    assert_eq!(m.last_rx_us(), Some(3));
}

#[test]
fn frames_of_real_ecus_decode_into_the_twin_signal_space() {
    let dbc = Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap();
    let (_, cmd) = dbc.message_by_name("VCU_Command").unwrap();
    let mut v = vec![f64::NAN; cmd.signals.len()];
    v[cmd.signal_index("VCU_ContactorRequest").unwrap()] = 1.0;
    v[cmd.signal_index("VCU_PowerRequest").unwrap()] = 12.5; // kW
    v[cmd.signal_index("VCU_SpeedLimit").unwrap()] = 90.0; // km/h, input only
    let mut data = [0u8; 8];
    assert_eq!(cmd.encode(&v, &mut data).clamped, 0);
    let e2e = E2eConfig::Profile1(Profile1 {
        data_id: 0x0110,
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut counter = 0;
    e2e.protect(&mut data, &mut counter).unwrap();
    let mut m = monitor();
    m.handle_frame(&Frame::classic(cmd.id, &data).unwrap(), 7);
    assert_eq!(m.stats().rx_used, 1);
    let watts = m.read_by_name("vcu.power_request_w").unwrap();
    assert!((watts - 12_500.0).abs() < 1e-6, "{watts}");
    assert_eq!(m.read_by_name("vcu.contactor_request"), Some(1.0));
    assert_eq!(m.read_by_name("driver.speed_cap_mps"), None);
    assert_eq!(m.groups_seen(), 0);
}

fn write_log(path: &Path, frames: &[(u64, Frame)]) {
    let mut w = LogWriter::create(path, LogFormat::Candump, "vcan0").unwrap();
    for (t, frame) in frames {
        let rec = Timestamped {
            time_us: 1_700_000_000_000_000 + t,
            dir: Direction::Tx,
            frame: *frame,
        };
        w.write(&rec).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn a_replayed_log_leaves_the_same_values() {
    let (_, frames) = drive(2);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bus.log");
    write_log(&path, &frames);
    let mut direct = monitor();
    feed(&mut direct, &frames);

    let shared = Arc::new(Mutex::new(monitor()));
    let stop = Arc::new(AtomicBool::new(false));
    let source = ListenSource::Log {
        path,
        speed: f64::INFINITY,
    };
    let report = spawn_listener(source, shared.clone(), stop)
        .unwrap()
        .join()
        .unwrap()
        .unwrap();
    assert_eq!(report.frames, frames.len() as u64);
    assert!(!report.stopped);
    let m = shared.lock().unwrap();
    assert_eq!(m.stats(), direct.stats());
    assert_eq!(m.groups_seen(), 192);
    let mut compared = 0;
    for s in m.catalogue().iter() {
        assert_eq!(m.value(s), direct.value(s), "{}", s.name());
        compared += usize::from(m.value(s).is_some());
    }
    assert!(compared > 400, "only {compared} signals received");
    // Times are µs since the first frame.
    assert_eq!(m.last_rx_us(), Some(frames.last().unwrap().0 - frames[0].0));
}

#[test]
fn a_paced_replay_keeps_time_and_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let frame = Frame::classic(CanId::Standard(0x7AB), &[0; 8]).unwrap();
    let short = dir.path().join("short.log");
    write_log(&short, &[(0, frame), (200_000, frame), (400_000, frame)]);
    let listen = |path: &Path, speed: f64, stop: Arc<AtomicBool>| {
        let m = Arc::new(Mutex::new(monitor()));
        let source = ListenSource::Log {
            path: path.to_owned(),
            speed,
        };
        (spawn_listener(source, m.clone(), stop).unwrap(), m)
    };
    let t0 = Instant::now();
    let (h, m) = listen(&short, 2.0, Arc::new(AtomicBool::new(false)));
    let report = h.join().unwrap().unwrap();
    let took = t0.elapsed();
    assert_eq!(report.frames, 3);
    assert!(took >= Duration::from_millis(195), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(m.lock().unwrap().stats().unknown_id, 3);

    let long = dir.path().join("long.log");
    write_log(&long, &[(0, frame), (60_000_000, frame)]);
    let stop = Arc::new(AtomicBool::new(false));
    let t0 = Instant::now();
    let (h, _) = listen(&long, 1.0, stop.clone());
    std::thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    let report = h.join().unwrap().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(report.stopped);
    assert_eq!(report.frames, 1);
}

#[test]
fn sources_that_cannot_be_read_are_errors() {
    let m = Arc::new(Mutex::new(monitor()));
    let stop = Arc::new(AtomicBool::new(false));
    let iface = ListenSource::Interface("evtwinnone0".into());
    let err = spawn_listener(iface, m.clone(), stop.clone())
        .unwrap()
        .join()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, ListenError::Bus(_)), "{err:?}");
    assert!(
        err.to_string().starts_with("cannot open evtwinnone0: "),
        "{err}"
    );
    let missing = ListenSource::Log {
        path: "/nonexistent/evtwin/bus.log".into(),
        speed: 1.0,
    };
    let err = spawn_listener(missing, m.clone(), stop)
        .unwrap()
        .join()
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, ListenError::Log(_)), "{err:?}");
    assert!(err.to_string().contains("bus.log"), "{err}");
    assert_eq!(m.lock().unwrap().stats().rx_frames, 0);
}
