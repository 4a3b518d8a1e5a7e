//! Logs through the public API: candump and ASC round trips, conversion, and
//! positioned errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use evtwin_can::log::{self, LogError, LogFormat, LogRecord, LogWriter};
use evtwin_can::{CanId, Direction, Frame, Timestamped};

fn rec(iface: &str, time_us: u64, dir: Direction, frame: Frame) -> LogRecord {
    LogRecord::new(iface, time_us, dir, frame)
}

/// Classic and FD, standard and extended, both directions, two interfaces,
/// empty payloads, times with every microsecond digit in use.
fn sample(t0: u64) -> Vec<LogRecord> {
    let ramp: Vec<u8> = (0..64).map(|i| i * 3 + 1).collect();
    vec![
        rec(
            "can0",
            t0,
            Direction::Rx,
            Frame::classic(
                CanId::Standard(0x123),
                &[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77],
            )
            .unwrap(),
        ),
        rec(
            "can0",
            t0 + 1_234,
            Direction::Tx,
            Frame::classic(CanId::Extended(0x18FF_50E5), &[0xDE, 0xAD]).unwrap(),
        ),
        rec(
            "can0",
            t0 + 2_000,
            Direction::Rx,
            Frame::classic(CanId::Standard(0), &[]).unwrap(),
        ),
        rec(
            "can1",
            t0 + 10_007,
            Direction::Tx,
            Frame::fd(CanId::Standard(0x7FF), &ramp[..12], true).unwrap(),
        ),
        rec(
            "can1",
            t0 + 999_999,
            Direction::Rx,
            Frame::fd(CanId::Extended(0x1ABC_DEF0), &ramp, false).unwrap(),
        ),
        rec(
            "can0",
            t0 + 1_000_000,
            Direction::Rx,
            Frame::fd(CanId::Standard(0x100), &ramp[..8], true).unwrap(),
        ),
        rec(
            "can0",
            t0 + 61_500_001,
            Direction::Tx,
            Frame::classic(CanId::Extended(0), &[1]).unwrap(),
        ),
        rec(
            "can0",
            t0 + 61_500_001,
            Direction::Rx,
            Frame::fd(CanId::Standard(0x55), &[], false).unwrap(),
        ),
    ]
}

/// A `Write` whose bytes the test can read after the writer is gone.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render(records: &[LogRecord], format: LogFormat) -> String {
    let sink = Shared::default();
    let mut w = LogWriter::new(Box::new(sink.clone()), format, &records[0].iface);
    for r in records {
        w.write_record(r).unwrap();
    }
    w.finish().unwrap();
    let bytes = sink.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn candump_text_round_trips_exactly() {
    let records = sample(1_700_000_000_123_456);
    let text = render(&records, LogFormat::Candump);
    assert_eq!(
        text.lines().next().unwrap(),
        "(1700000000.123456) can0 123#0011223344556677 R"
    );
    assert_eq!(
        text.lines().nth(3).unwrap(),
        "(1700000000.133463) can1 7FF##10104070A0D101316191C1F22 T"
    );
    assert_eq!(
        text.lines().nth(7).unwrap(),
        "(1700000061.623457) can0 055##0 R"
    );
    let parsed = log::parse(&text, LogFormat::Candump, "mem.log").unwrap();
    assert_eq!(parsed, records);
    assert_eq!(render(&parsed, LogFormat::Candump), text);
}

#[test]
fn asc_round_trips_exactly_with_absolute_and_relative_times() {
    for t0 in [1_700_000_000_123_456, 0, 5_000] {
        let records = sample(t0);
        let text = render(&records, LogFormat::Asc);
        let parsed = log::parse(&text, LogFormat::Asc, "mem.asc").unwrap();
        assert_eq!(parsed, records, "t0 {t0}\n{text}");
        assert_eq!(render(&parsed, LogFormat::Asc), text);
        assert!(text.ends_with("End TriggerBlock\n"));
    }
    let text = render(&sample(1_700_000_000_123_456), LogFormat::Asc);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "date Tue Nov 14 22:13:20.123 2023");
    assert_eq!(
        lines[6],
        "   0.000456 1  123             Rx   d 8 00 11 22 33 44 55 66 77"
    );
    assert_eq!(lines[7], "   0.001690 1  18FF50E5x       Tx   d 2 DE AD");
    assert_eq!(lines[9], "// evtwin channel 2 = can1");
}

#[test]
fn files_convert_both_ways_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let records = sample(1_700_000_000_000_001);
    let log_path = dir.path().join("a.log");
    let mut w = LogWriter::create(&log_path, LogFormat::Candump, "can0").unwrap();
    for r in &records {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let original = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(log::read(&log_path).unwrap(), records);

    let asc_path = dir.path().join("b.ASC");
    let summary = log::convert(&log_path, &asc_path).unwrap();
    assert_eq!(summary.written, records.len());
    assert_eq!(log::read(&asc_path).unwrap(), records);
    let back = dir.path().join("c.log");
    log::convert(&asc_path, &back).unwrap();
    assert_eq!(std::fs::read_to_string(&back).unwrap(), original);
}

#[test]
fn writer_uses_its_interface_and_drop_finishes_asc() {
    let sink = Shared::default();
    {
        let mut w = LogWriter::new(Box::new(sink.clone()), LogFormat::Asc, "vcan0");
        let f = Frame::classic(CanId::Standard(1), &[2]).unwrap();
        w.write(&Timestamped {
            time_us: 42,
            dir: Direction::Tx,
            frame: f,
        })
        .unwrap();
    }
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.ends_with("   0.000042 1  1               Tx   d 1 02\nEnd TriggerBlock\n"),
        "{text}"
    );
    let parsed = log::parse(&text, LogFormat::Asc, "x").unwrap();
    assert_eq!(parsed[0].iface, "vcan0");
    // An empty ASC log is still a valid one.
    let sink = Shared::default();
    LogWriter::new(Box::new(sink.clone()), LogFormat::Asc, "can0")
        .finish()
        .unwrap();
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.starts_with("date Thu Jan 01 00:00:00.000 1970\n")
            && text.ends_with("End TriggerBlock\n")
    );
    assert!(log::parse(&text, LogFormat::Asc, "x").unwrap().is_empty());
}

#[test]
fn skipped_lines_are_counted() {
    let text = "# comment\n\
        (1.000000) can0 123#R\n\
        (1.000000) can0 123#R8 T\n\
        (1.000001) can0 20000004#0004000000000000\n\
        (1.000002) can0 00123#80:00:11223344#AA\n\
        DROPCOUNT: dropped 2 CAN frames on 'can0' socket (total drops 2)\n\
        (1.000003) can0 124#01 T\n";
    let p = log::parse_detailed(text, LogFormat::Candump, "x").unwrap();
    assert_eq!(p.records.len(), 1);
    assert_eq!(
        (
            p.skipped.remote,
            p.skipped.error_frames,
            p.skipped.unsupported,
            p.skipped.other_lines
        ),
        (2, 1, 1, 2)
    );
}

#[test]
fn errors_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.log");
    std::fs::write(
        &path,
        "(1.000000) can0 123#00 R\n(1.000001) can0 123#0011223344556677AA R\n",
    )
    .unwrap();
    let err = log::read(&path).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::Parse {
                line: 2,
                col: 21,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2:21: 9 data bytes do not fit a classic frame (at most 8)",
            path.display()
        )
    );
    let path = dir.path().join("bad.asc");
    std::fs::write(
        &path,
        "base hex  timestamps absolute\n   0.1 1  123 Rx d 2 00\n",
    )
    .unwrap();
    let err = log::read(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("bad.asc:2:24: expected 2 data bytes, found 1"),
        "{err}"
    );
    let err = log::read(&dir.path().join("x.blf")).unwrap_err();
    assert!(matches!(err, LogError::UnknownFormat { .. }), "{err}");
    let err = log::read(&dir.path().join("missing.log")).unwrap_err();
    assert!(matches!(err, LogError::File(_)), "{err}");
}
