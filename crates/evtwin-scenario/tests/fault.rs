//! `[[fault]]` end to end: scenario files with faults run by the `Runner`
//! around the shipped network, the frames it sends judged by a second network
//! core that plays the other side (the BMS's messages consumed as a real VCU
//! would: timeouts, E2E state machines); the marks in the trace, the frame log
//! and the report; bus-off with its error counters; the seed's randomness;
//! and errors located in the file.

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use evtwin_can::Frame;
use evtwin_scenario::net::{NetEvent, NetFile, Network, load_network};
use evtwin_scenario::{
    Due, MarkKind, RunOptions, RunOutput, Runner, Scenario, Source, from_source,
};
use evtwin_sim::Status;

const HEAD: &str = "[scenario]\nname = \"t\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
    [trace]\nevery_s = 0.1\nsignals = [\"vehicle.speed_mps\"]\n\
    [[route]]\ncruise = { distance_km = 5, speed_kph = 60 }\n";

fn scenario(faults: &str) -> Scenario {
    let src = Source {
        name: "t.toml".into(),
        text: format!("{HEAD}{faults}"),
    };
    from_source(&src, Path::new(".")).unwrap()
}

fn load_error(faults: &str) -> String {
    let src = Source {
        name: "t.toml".into(),
        text: format!("{HEAD}{faults}"),
    };
    from_source(&src, Path::new(".")).unwrap_err().to_string()
}

/// What a run on the shipped network gave.
struct Played {
    out: RunOutput,
    trace: String,
    /// Frames the twin sent, with their time.
    sent: Vec<(u64, Frame)>,
    /// What the other side (a VCU consuming the BMS's messages) saw.
    other: Vec<NetEvent>,
    /// The twin's network at the end.
    net: Network,
}

/// Runs `s` for `secs` of virtual time with the shipped network (every node
/// simulated by the twin), feeding its frames to a network core with the BMS
/// real: the receiving side of the BMS's messages.
fn play(s: &Scenario, secs: f64, seed: Option<u64>) -> Played {
    let net = load_network(s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
    let mut other = load_network(s, NetFile::Builtin, NetFile::Builtin, &["BMS".into()]).unwrap();
    let mut trace = Vec::new();
    let options = RunOptions {
        seed,
        ..RunOptions::default()
    };
    let mut runner = Runner::new(s, &options, Some(&mut trace))
        .unwrap()
        .with_network(net);
    let mut sent = Vec::new();
    let mut frames = Vec::new();
    let mut seen = Vec::new();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let end_us = (secs * 1e6) as u64;
    while runner.now_us() < end_us {
        match runner.poll_timeout() {
            Due::Transmit(t) => {
                frames.clear();
                runner.poll_transmit(t, &mut frames);
                for f in &frames {
                    other.handle_frame(f, t);
                    sent.push((t, *f));
                }
            }
            Due::Step(t) => {
                other.handle_timeout(t);
                seen.extend(std::iter::from_fn(|| other.poll_event()));
                if runner.step().unwrap() != Status::Running {
                    break;
                }
            }
        }
    }
    let (out, net) = runner.finish_with_network(false).unwrap();
    Played {
        out,
        trace: String::from_utf8(trace).unwrap(),
        sent,
        other: seen,
        net: net.unwrap(),
    }
}

fn id_of(net: &Network, message: &str) -> evtwin_can::CanId {
    net.dbc().message_by_name(message).unwrap().1.id
}

fn times_of(p: &Played, message: &str) -> Vec<u64> {
    let id = id_of(&p.net, message);
    p.sent
        .iter()
        .filter(|(_, f)| f.id() == id)
        .map(|(t, _)| *t)
        .collect()
}

#[test]
fn a_dropped_bms_message_times_out_on_the_vcu_side_and_is_marked() {
    let s = scenario(
        "[[fault]]\nname = \"drop-bms\"\nat_s = 2\nkind = \"drop\"\n\
         message = \"BMS_Status\"\nduration_s = 1\n",
    );
    let p = play(&s, 5.0, None);
    // No BMS_Status frame from 2 s to 3 s; the VCU side times out after
    // three cycles (150 ms after the last frame, at the end of that step)
    // and sees it again after 3 s.
    let t = times_of(&p, "BMS_Status");
    assert!(
        !t.iter().any(|&t| (2_000_000..3_000_000).contains(&t)),
        "{t:?}"
    );
    assert!(t.iter().any(|&t| t >= 3_000_000) && t.iter().any(|&t| t < 2_000_000));
    let timeout = p
        .other
        .iter()
        .find_map(|e| match e {
            NetEvent::Timeout { message, at_us, .. } if message == "BMS_Status" => Some(*at_us),
            _ => None,
        })
        .expect("a timeout");
    assert!((2_100_000..2_160_000).contains(&timeout), "{timeout}");
    let resumed = p.other.iter().any(|e| {
        matches!(e, NetEvent::Resumed { message, at_us } if message == "BMS_Status" && *at_us >= 3_000_000)
    });
    assert!(resumed, "{:?}", p.other);
    assert_eq!(
        p.net.bus_faults().stats().dropped,
        20,
        "a 50 ms message for 1 s"
    );
    // Marked: in the run's marks, the trace's last column, the report.
    let marks: Vec<(u64, MarkKind)> = p.out.marks.iter().map(|m| (m.time_us, m.kind)).collect();
    assert_eq!(
        marks,
        [(2_000_000, MarkKind::Start), (3_000_000, MarkKind::End)]
    );
    let rows: Vec<&str> = p.trace.lines().collect();
    assert_eq!(rows[0], "time_s,vehicle.speed_mps,mark");
    let marked: Vec<(usize, &str)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.ends_with(','))
        .skip(1)
        .map(|(k, r)| (k, r.rsplit(',').next().unwrap()))
        .collect();
    // Row k (k ≥ 1) is the state at (k − 1) × 0.1 s: the mark on the row
    // after the step that started it.
    assert_eq!(marked, [(21, "drop-bms:start"), (31, "drop-bms:end")]);
    let f = &p.out.verdicts.faults;
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].start_s, f[0].end_s), (Some(2.0), Some(3.0)));
    assert_eq!(f[0].kind, "drop");
    assert!(f[0].description.contains("BMS_Status frames dropped"));
}

#[test]
fn e2e_crc_disturbances_make_the_receiver_go_invalid_and_counter_ones_silence_it() {
    for mode in [
        "mode = \"random\"",
        "mode = \"value\"\nvalue = 0",
        "mode = \"offset\"\noffset = 1",
        "mode = \"freeze\"",
    ] {
        let s = scenario(&format!(
            "[[fault]]\nat_s = 1\nkind = \"e2e_crc\"\nmessage = \"BMS_Status\"\n{mode}\nduration_s = 0.5\n"
        ));
        let p = play(&s, 2.5, None);
        let invalid = p.other.iter().find_map(|e| match e {
            NetEvent::Invalid { message, at_us, .. } if message == "BMS_Status" => Some(*at_us),
            _ => None,
        });
        let valid = p.other.iter().find_map(|e| match e {
            NetEvent::Valid { message, at_us } if message == "BMS_Status" => Some(*at_us),
            _ => None,
        });
        let invalid = invalid.unwrap_or_else(|| panic!("{mode}: {:?}", p.other));
        // More than 3 errors in 10 frames of a 50 ms message: the 4th bad one.
        // (freeze: the first frozen CRC is the right one, so one frame later.)
        assert!(
            (1_150_000..1_250_000).contains(&invalid),
            "{mode}: {invalid}"
        );
        let valid = valid.unwrap_or_else(|| panic!("{mode}: never valid again"));
        assert!(valid > 1_500_000, "{mode}: {valid}");
    }
    // A disturbed counter (repeated, or a jump each frame) is no error for the
    // state machine (AUTOSAR: REPEATED / WRONGSEQUENCE count for nothing), but
    // no frame is used: the message times out, then comes back.
    for mode in ["mode = \"freeze\"", "mode = \"value\"\nvalue = 3"] {
        let s = scenario(&format!(
            "[[fault]]\nat_s = 1\nkind = \"e2e_counter\"\nmessage = \"BMS_Status\"\n{mode}\nduration_s = 0.5\n"
        ));
        let p = play(&s, 2.5, None);
        let rejected = p
            .other
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    NetEvent::Rejected {
                        why: "bad counter",
                        ..
                    }
                )
            })
            .count();
        assert!(rejected >= 3, "{mode}: {:?}", p.other);
        let timeout = p.other.iter().find_map(|e| match e {
            NetEvent::Timeout { message, at_us, .. } if message == "BMS_Status" => Some(*at_us),
            _ => None,
        });
        let timeout = timeout.unwrap_or_else(|| panic!("{mode}: {:?}", p.other));
        // 150 ms after the last good frame (0.952 s; freeze: its first frozen
        // counter is the right one, 1.002 s), at the end of that step.
        assert!(
            (1_100_000..1_170_000).contains(&timeout),
            "{mode}: {timeout}"
        );
    }
}

/// The E2E counters of `message`'s frames the twin sent, in order.
fn counters(p: &Played, message: &str) -> Vec<u8> {
    let pm = &p.net.plan().messages[p.net.dbc().message_by_name(message).unwrap().0];
    let cfg = pm.e2e.unwrap();
    let id = pm.id;
    p.sent
        .iter()
        .filter(|(_, f)| f.id() == id)
        .map(|(_, f)| cfg.counter_of(f.data()).unwrap())
        .collect()
}

#[test]
fn an_e2e_counter_disturbance_for_n_frames_continues_or_resynchronises() {
    let fault = |then: &str| {
        scenario(&format!(
            "[[fault]]\nat_s = 0.05\nkind = \"e2e_counter\"\nmessage = \"BMS_Limits\"\n\
             mode = \"value\"\nvalue = 9\nframes = 3\nthen = \"{then}\"\n"
        ))
    };
    let plain = counters(&play(&scenario(""), 0.4, None), "BMS_Limits");
    let cont = counters(&play(&fault("continue"), 0.4, None), "BMS_Limits");
    let resync = counters(&play(&fault("resync"), 0.4, None), "BMS_Limits");
    // Profile 1 counts 0..=14.
    let n = plain.len();
    assert!(n > 15, "{plain:?}");
    assert!(
        plain
            .iter()
            .enumerate()
            .all(|(k, &c)| usize::from(c) == k % 15)
    );
    let i = (0..n).find(|&k| cont[k] != plain[k]).unwrap();
    assert_eq!(i, (0..n).find(|&k| resync[k] != plain[k]).unwrap());
    assert_eq!(cont[i..i + 3], [9, 9, 9]);
    assert_eq!(resync[i..i + 3], [9, 9, 9]);
    // Continue: on from 9; resync: back to the sender's own count.
    assert_eq!(cont[i + 3..i + 6], [10, 11, 12]);
    assert_eq!(resync[i + 3..i + 6], plain[i + 3..i + 6]);
    assert_ne!(plain[i + 3], 10);
}

#[test]
fn bus_off_goes_error_passive_then_bus_off_then_recovers() {
    let s = scenario(
        "[[fault]]\nname = \"bms-off\"\nat_s = 1\nkind = \"bus_off\"\nnode = \"BMS\"\nduration_s = 0.5\n",
    );
    let p = play(&s, 3.0, None);
    let marks: Vec<(u64, &str)> = p
        .out
        .marks
        .iter()
        .map(|m| (m.time_us, m.text.as_str()))
        .collect();
    // The first frame after 1 s is retransmitted until the counters say
    // bus-off (16 errors: TEC 128, 32: TEC 256); 128 × 11 bits at 500 kbit/s
    // later the controller is back, and goes bus-off again at its next frame
    // while the fault lasts (only the first of each is described).
    let first = marks[1].0;
    assert!((1_000_000..1_010_000).contains(&first), "{marks:?}");
    assert_eq!(marks[0].1.split(':').next(), Some("bms-off"));
    assert_eq!(marks[1], (first, "BMS error-passive (TEC 128)"));
    assert_eq!(marks[2], (first, "BMS bus-off (TEC 256)"));
    assert_eq!(
        marks[3],
        (first + 2816, "BMS recovered from bus-off (TEC 0)")
    );
    assert_eq!(marks[4], (1_500_000, "bms-off ends"));
    // Its last bus-off ended before the fault did (counted, not described
    // again): nothing more to mark.
    assert_eq!(marks.len(), 5, "{marks:?}");
    let c = p.net.bus_faults().controller("BMS").unwrap();
    assert_eq!((c.tec(), c.rec()), (0, 0));
    let stats = p.net.bus_faults().stats();
    assert!(stats.bus_offs > 50, "{stats:?}");
    assert_eq!(stats.tx_errors, 32 * stats.bus_offs);
    // Nothing of the BMS reached the bus during the fault; the VCU side
    // timed out and saw its messages again.
    let bms: Vec<evtwin_can::CanId> = ["BMS_Status", "BMS_Limits", "BMS_SOC"]
        .iter()
        .map(|m| id_of(&p.net, m))
        .collect();
    let during = p
        .sent
        .iter()
        .filter(|(t, f)| (1_000_000..1_500_000).contains(t) && bms.contains(&f.id()))
        .count();
    assert_eq!(during, 0);
    let timed_out = p
        .other
        .iter()
        .any(|e| matches!(e, NetEvent::Timeout { message, .. } if message == "BMS_Limits"));
    let back = p.other.iter().any(|e| matches!(e, NetEvent::Resumed { message, at_us } if message == "BMS_Limits" && *at_us > 1_500_000));
    assert!(timed_out && back, "{:?}", p.other);
    let r = &p.out.verdicts.faults[0];
    assert!(r.description.contains("SocketCAN"), "{}", r.description);
    assert!(
        r.description.contains("at the end TEC 0 REC 0 (Active)"),
        "{}",
        r.description
    );
}

#[test]
fn stop_node_delay_and_override_change_what_the_twin_sends() {
    let s = scenario(
        "[[fault]]\nat_s = 1\nkind = \"stop_node\"\nnode = \"BMS\"\nduration_s = 0.5\n\
         [[fault]]\nat_s = 2\nkind = \"delay\"\nmessage = \"BMS_Status\"\ndelay_ms = 55\nduration_s = 0.5\n\
         [[fault]]\nat_s = 3\nkind = \"override\"\nmessage = \"BMS_SOC\"\nsignal = \"BMS_SOC\"\nvalue = 12.5\nduration_s = 0.5\n",
    );
    let p = play(&s, 4.0, None);
    let soc = times_of(&p, "BMS_SOC");
    let status = times_of(&p, "BMS_Status");
    let limits = times_of(&p, "BMS_Limits");
    // Stopped: nothing of the BMS from 1 s to 1.5 s.
    for t in [&soc, &status, &limits] {
        assert!(
            !t.iter().any(|&t| (1_000_000..1_500_000).contains(&t)),
            "{t:?}"
        );
    }
    // Delayed: from 2 s to 2.5 s, every BMS_Status frame comes 55 ms after
    // its slot; the others on time.
    let plain = times_of(&play(&scenario(""), 4.0, None), "BMS_Status");
    let mut want: Vec<u64> = plain
        .iter()
        .filter(|&&t| t >= 1_500_000)
        .map(|&t| {
            if (2_000_000..2_500_000).contains(&t) {
                t + 55_000
            } else {
                t
            }
        })
        .collect();
    want.sort_unstable();
    let got: Vec<u64> = status.iter().copied().filter(|&t| t >= 1_500_000).collect();
    assert_eq!(got, want);
    assert_eq!(p.net.bus_faults().stats().delayed, 10);
    // Overridden: BMS_SOC decodes as 12.5 in the window only.
    let (k, m) = p.net.dbc().message_by_name("BMS_SOC").unwrap();
    let sig = m.signals.iter().position(|s| s.name == "BMS_SOC").unwrap();
    let _ = k;
    let mut vals = vec![f64::NAN; m.signals.len()];
    let decoded: Vec<(u64, f64)> = p
        .sent
        .iter()
        .filter(|(_, f)| f.id() == m.id)
        .map(|(t, f)| {
            m.decode(f.data(), &mut vals).unwrap();
            (*t, vals[sig])
        })
        .collect();
    for (t, v) in &decoded {
        let inside = (3_000_000..3_500_000).contains(t);
        assert_eq!((*v - 12.5).abs() < 1e-9, inside, "{t}: {v}");
    }
}

#[test]
fn random_disturbances_come_from_the_seed() {
    let s = scenario(
        "[[fault]]\nat_s = 0.5\nkind = \"e2e_crc\"\nmessage = \"BMS_Limits\"\nmode = \"random\"\nframes = 20\n\
         [[fault]]\nat_s = 0.5\nkind = \"e2e_counter\"\nmessage = \"BMS_Status\"\nmode = \"random\"\nframes = 20\n",
    );
    let frames =
        |seed| -> Vec<Frame> { play(&s, 1.5, seed).sent.iter().map(|(_, f)| *f).collect() };
    let a = frames(Some(1));
    assert_eq!(a, frames(Some(1)), "the same seed, the same frames");
    assert_ne!(a, frames(Some(2)), "another seed, other values");
}

#[test]
fn plant_faults_on_the_odometer_on_events_until_events_and_cleared() {
    let s = scenario(
        "[[fault]]\nname = \"short\"\nat_km = 1.0\nkind = \"internal_short\"\ngroup = 3\n\
         resistance_ohm = 0.05\nuntil = \"signal:vehicle.odometer_km >= 2\"\n\
         [[fault]]\nname = \"stuck\"\non = \"injected:short\"\nkind = \"stuck_sensor\"\nsensor = \"current\"\n\
         [[fault]]\nname = \"unstick\"\non = \"cleared:short\"\nclear = \"stuck\"\n\
         [[fault]]\nname = \"never\"\non = \"fault:isolation\"\nkind = \"heater_failure\"\n",
    );
    let p = play(&s, 200.0, None);
    let marks: Vec<(&str, MarkKind, u64)> = p
        .out
        .marks
        .iter()
        .map(|m| (m.name.as_str(), m.kind, m.time_us))
        .collect();
    let at = |name: &str, kind: MarkKind| {
        marks
            .iter()
            .find(|(n, k, _)| *n == name && *k == kind)
            .map_or_else(|| panic!("{name} {kind:?}: {marks:?}"), |m| m.2)
    };
    // 1 km at 60 km/h from a standing start: about 64 s.
    let short_start = at("short", MarkKind::Start);
    assert!(
        (55e6..75e6).contains(&(short_start as f64)),
        "{short_start}"
    );
    // The stuck sensor starts the step after the short's mark was seen.
    assert_eq!(at("stuck", MarkKind::Start), short_start + 10_000);
    let short_end = at("short", MarkKind::End);
    // 1 km more at 60 km/h: 60 s.
    assert!((short_end - short_start) as f64 > 58e6, "{short_end}");
    assert_eq!(at("stuck", MarkKind::End), short_end + 10_000);
    let f = &p.out.verdicts.faults;
    let names: Vec<&str> = f.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["short", "stuck", "unstick", "never"]);
    assert_eq!(f[0].start_s, Some(short_start as f64 / 1e6));
    assert_eq!(f[2].start_s, Some((short_end + 10_000) as f64 / 1e6));
    assert_eq!(f[3].start_s, None);
    assert!(f[3].description.contains("its trigger never came"));
    assert!(
        p.out.verdicts.faults[0]
            .description
            .contains("internal short of group 3")
    );
}

#[test]
fn bad_faults_are_errors_at_their_key() {
    let cases = [
        (
            "[[fault]]\nat_s = 1\nkind = \"cell_heat\"\ngroup = 96\ndelta_c = 40\n",
            "t.toml:13:9: group 96 is not in the pack: groups are 0 to 95 (as in cell[N])",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"drop\"\nmessage = \"BMS_Statuss\"\n",
            "t.toml:13:11: `BMS_Statuss` is not a message of the scenario's DBC",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"bus_off\"\nnode = \"ABS\"\n",
            "t.toml:13:8: `ABS` is not a node the twin plays on this bus",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"override\"\nmessage = \"BMS_SOC\"\nsignal = \"SOC\"\nvalue = 1\n",
            "t.toml:14:10: `SOC` is not a signal of BMS_SOC (BMS_SOC, BMS_SOH)",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"e2e_crc\"\nmessage = \"BMS_SOC\"\nmode = \"random\"\n",
            "t.toml:13:11: `BMS_SOC` has no E2E protection in the mapping",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"e2e_counter\"\nmessage = \"BMS_Status\"\nmode = \"wobble\"\n",
            "t.toml:14:8: mode `wobble`: value, freeze, random or offset",
        ),
        (
            "[[fault]]\nat_s = 1\nat_km = 2\nkind = \"heater_failure\"\n",
            "t.toml:12:9: give one trigger: at_s, at_km or on",
        ),
        (
            "[[fault]]\non = \"charge_strat\"\nkind = \"heater_failure\"\n",
            "t.toml:11:7: unknown event `charge_strat`",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"cell_heat\"\ngroup = 1\ndelta_c = 5\nduration_s = 3\n",
            "t.toml:15:14: cell_heat is done once: no duration_s or until",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"heater_failure\"\ngroup = 1\n",
            "t.toml:13:9: a heater_failure fault has no `group` (it takes no other keys)",
        ),
        (
            "[[fault]]\nat_s = 1\nclear = \"nothing\"\n",
            "t.toml:12:9: no fault is named `nothing`",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"tsunami\"\n",
            "t.toml:12:8: unknown fault kind `tsunami`",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"drop\"\nmessage = \"VCU_Command\"\n[bus]\nreal = [\"VCU\"]\n",
            "t.toml:13:11: `VCU_Command` is not sent by the twin (its sender VCU is a real node)",
        ),
        (
            "[[fault]]\nat_s = 1\nkind = \"heater_failure\"\nbogus = 1\n",
            "t.toml:13:1: unknown field `bogus`",
        ),
    ];
    for (text, want) in cases {
        let got = load_error(text);
        assert!(got.starts_with(want), "{text}\n got: {got}\nwant: {want}");
    }
}

#[test]
fn the_bridge_writes_marks_into_the_frame_log() {
    use evtwin_can::bus::InProcBus;
    use evtwin_can::log::{LogFormat, LogWriter};
    use evtwin_scenario::net::{BridgeSetup, bridge};
    let s = scenario(
        "[[fault]]\nname = \"drop-bms\"\nat_s = 1\nkind = \"drop\"\nmessage = \"BMS_Status\"\nduration_s = 0.5\n",
    );
    let dir = tempfile::tempdir().unwrap();
    for (file, format, lead) in [
        ("f.log", LogFormat::Candump, "# (1.000000) "),
        ("f.asc", LogFormat::Asc, "// (1.000000) "),
    ] {
        let path = dir.path().join(file);
        let mut log = LogWriter::create(&path, format, "inproc").unwrap();
        let net = load_network(&s, NetFile::Builtin, NetFile::Builtin, &[]).unwrap();
        let runner = Runner::new(&s, &RunOptions::default(), None::<Vec<u8>>)
            .unwrap()
            .with_network(net);
        let hub = InProcBus::new();
        let mut end = hub.endpoint("evtwin");
        let stop = std::sync::atomic::AtomicBool::new(false);
        let setup = BridgeSetup {
            speed: None,
            log: Some(&mut log),
            hub: Some(&hub),
            stop: &stop,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (out, report) = rt
            .block_on(Box::pin(bridge(runner, &mut end, setup)))
            .unwrap();
        log.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let comments: Vec<&str> = text.lines().filter(|l| l.starts_with(&lead[..2])).collect();
        let start = format!("{lead}evtwin fault start: drop-bms: BMS_Status frames dropped");
        let end_line = format!(
            "{}evtwin fault end: drop-bms ends",
            lead.replace("1.000000", "1.500000")
        );
        assert!(comments.contains(&start.as_str()), "{comments:?}");
        assert!(comments.contains(&end_line.as_str()), "{comments:?}");
        // Our reader reads every frame and skips the marks.
        let frames = evtwin_can::log::read(&path).unwrap();
        assert_eq!(frames.len() as u64, report.net.tx_frames);
        assert_eq!(out.marks.len(), 2);
    }
}
