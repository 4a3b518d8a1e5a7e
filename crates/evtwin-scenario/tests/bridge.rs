//! The bridge's I/O loop on the in-process bus: a peer endpoint sees every frame
//! at its scheduled virtual time, the peer's bad frames are counted, and the
//! controller's error events reach the report.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use evtwin_can::bus::{BusEvent, InProcBus, Transport};
use evtwin_can::dbc::Dbc;
use evtwin_can::{CanId, Frame};
use evtwin_scenario::net::{BUILTIN_DBC, BridgeSetup, NetFile, bridge, load_network};
use evtwin_scenario::net::{BridgeReport, Network};
use evtwin_scenario::{RunOptions, RunOutput, Runner, Scenario, Source, from_source};

/// What the `tracing` events of a closure say, one line each.
fn events_of<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let w = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || w.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    let out = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    (out, text.lines().map(str::to_owned).collect())
}

/// Scenario `s` with `net` on the in-process bus `hub` (endpoint `end`), in
/// virtual time: the run's output and the lines its events gave.
fn bridged(
    s: &Scenario,
    net: Network,
    hub: &InProcBus,
    end: &mut evtwin_can::bus::InProcEndpoint,
) -> ((RunOutput, BridgeReport), Vec<String>) {
    let runner = Runner::new(s, &RunOptions::default(), None::<Vec<u8>>)
        .unwrap()
        .with_network(net);
    let stop = AtomicBool::new(false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let setup = BridgeSetup {
        speed: None,
        log: None,
        hub: Some(hub),
        stop: &stop,
    };
    events_of(|| rt.block_on(Box::pin(bridge(runner, end, setup))).unwrap())
}

#[test]
fn a_peer_on_the_in_process_bus_sees_every_frame_on_time_and_errors_are_reported() {
    let src = Source {
        name: "t.toml".into(),
        text: "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
               [[route]]\ncruise = { distance_km = 0.3, speed_kph = 50 }\n"
            .into(),
    };
    let s = from_source(&src, Path::new(".")).unwrap();
    let net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let hub = InProcBus::new();
    let mut twin_end = hub.endpoint("evtwin");
    let mut peer = hub.endpoint_with("peer", 1 << 20, false);
    // Before the run: an unknown frame, a frame of the simulated BMS, and two
    // controller events.
    peer.send_now(&Frame::classic(CanId::Standard(0x7A5), &[1]).unwrap());
    peer.send_now(&Frame::classic(CanId::Standard(0x140), &[0; 8]).unwrap());
    hub.inject_event(&BusEvent::ErrorFrame("bit error".into()));
    hub.inject_event(&BusEvent::BusOff);
    let ((out, report), lines) = bridged(&s, net, &hub, &mut twin_end);
    assert_eq!(out.summary.status, "finished");
    assert_eq!(report.net.unknown_id, 1);
    assert_eq!(report.net.unexpected, 1);
    assert_eq!(report.bus.bus_off, 1);
    assert_eq!(report.bus.error_frames, 1);
    assert!(
        lines.iter().any(|l| l.contains("controller bus-off")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("ignored: unknown id")),
        "{lines:?}"
    );
    assert!(report.lateness_us.is_none(), "virtual time is not paced");
    // The peer got every frame, each at its deadline on the virtual clock.
    let mut got = Vec::new();
    while let Some(r) = peer.try_recv().unwrap() {
        got.push(r);
    }
    assert_eq!(got.len() as u64, report.net.tx_frames);
    let dbc = Dbc::parse(BUILTIN_DBC, "evtwin.dbc").unwrap();
    for m in dbc.messages() {
        let times: Vec<u64> = got
            .iter()
            .filter(|r| r.frame.id() == m.id)
            .map(|r| r.time_us)
            .collect();
        let cycle_us = u64::from(m.cycle_time_ms.unwrap()) * 1000;
        assert!(times.len() > 5, "{}", m.name);
        for w in times.windows(2) {
            assert_eq!(w[1] - w[0], cycle_us, "{} frames {w:?}", m.name);
        }
    }
}

/// Bad frames in the flood test.
const FLOOD: u64 = 20_000;

#[test]
fn a_flood_of_bad_frames_is_counted_exactly_and_described_a_bounded_number_of_times() {
    let src = Source {
        name: "t.toml".into(),
        text: "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
               [[route]]\ncruise = { distance_km = 0.1, speed_kph = 50 }\n"
            .into(),
    };
    let s = from_source(&src, Path::new(".")).unwrap();
    let net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &["VCU".into()]).unwrap();
    let hub = InProcBus::new();
    let mut twin_end = hub.endpoint_with("evtwin", 1 << 16, false);
    let mut peer = hub.endpoint_with("peer", 1 << 20, false);
    // 20 000 frames of the real VCU's command with a cycling CRC byte (one may
    // match by chance), and 5 000 of an unknown identifier, all at once.
    for n in 0..FLOOD {
        let crc = u8::try_from(n % 251).unwrap();
        peer.send_now(
            &Frame::classic(CanId::Standard(0x110), &[crc, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
        );
    }
    for _ in 0..5_000 {
        peer.send_now(&Frame::classic(CanId::Standard(0x7A5), &[1]).unwrap());
    }
    let ((_, report), lines) = bridged(&s, net, &hub, &mut twin_end);
    let n = report.net;
    assert_eq!(n.rx_frames, FLOOD + 5_000, "counted exactly");
    // One frame in 251 may carry the right CRC by chance.
    assert!(n.bad_crc + n.bad_counter >= FLOOD - 1, "{n:?}");
    assert_eq!(n.unknown_id, 5_000);
    let described = lines.iter().filter(|l| l.contains("ignored: ")).count();
    assert!(described <= 9, "{described} lines: {lines:?}");
    let summed: u64 = lines
        .iter()
        .filter(|l| l.contains(" more frames ignored ("))
        .map(|l| {
            let head = l.split(" more frames").next().unwrap();
            head.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(
        summed + described as u64,
        n.bad_crc + n.bad_counter + n.unknown_id,
        "every rejected frame described or summed up: {lines:?}"
    );
    assert!(lines.len() < 40, "bounded: {} lines", lines.len());
    assert!(
        lines
            .iter()
            .any(|l| l.contains("more frames ignored (bad CRC) on 0x110")),
        "{lines:?}"
    );
}
