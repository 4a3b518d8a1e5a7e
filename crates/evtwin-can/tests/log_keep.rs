//! Logs keep every frame (issue 13, class 10): CAN FD's ESI flag in both
//! formats, ASC times before the header date, and a count of what a data-frame
//! log cannot hold; and logs are read a line at a time (class 4).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufReader, Read};

use evtwin_can::log::{self, LogError, LogFormat, LogReader, MAX_LINE_BYTES};

#[test]
fn esi_survives_conversion_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.log");
    std::fs::write(
        &src,
        "(1.000000) can0 123##3AABB T\n(1.000100) can0 124##1CC R\n(1.000200) can0 125##2DD R\n",
    )
    .unwrap();
    let asc = dir.path().join("mid.asc");
    let back = dir.path().join("back.log");
    assert_eq!(log::convert(&src, &asc).unwrap().written, 3);
    let text = std::fs::read_to_string(&asc).unwrap();
    let fd_lines: Vec<&str> = text.lines().filter(|l| l.contains("CANFD")).collect();
    // brs esi columns and the flags word (FDF 0x1000, BRS 0x2000, ESI 0x4000).
    assert!(
        fd_lines[0].contains(" 1 1 2  2 AA BB") && fd_lines[0].contains("7000"),
        "{text}"
    );
    assert!(
        fd_lines[1].contains(" 1 0 1  1 CC") && fd_lines[1].contains("3000"),
        "{text}"
    );
    assert!(
        fd_lines[2].contains(" 0 1 1  1 DD") && fd_lines[2].contains("5000"),
        "{text}"
    );
    log::convert(&asc, &back).unwrap();
    let got = std::fs::read_to_string(&back).unwrap();
    assert_eq!(got, std::fs::read_to_string(&src).unwrap());
    let records = log::read(&back).unwrap();
    let esi: Vec<bool> = records.iter().map(|r| r.rec.frame.esi()).collect();
    assert_eq!(esi, [true, false, true]);
}

const ASC_HEAD: &str = "date Tue Nov 14 22:13:20.000 2023\nbase hex  timestamps absolute\n\
                        Begin Triggerblock Tue Nov 14 22:13:20.000 2023\n";
/// 2023-11-14 22:13:20 UTC, µs.
const BASE_US: u64 = 1_700_000_000_000_000;

#[test]
fn asc_times_before_the_header_date_are_kept() {
    let text = format!("{ASC_HEAD}  -0.500000 1  123 Rx d 1 01\n   0.250000 1  123 Rx d 1 02\n");
    let p = log::parse_detailed(&text, LogFormat::Asc, "neg.asc").unwrap();
    let times: Vec<u64> = p.records.iter().map(|r| r.rec.time_us).collect();
    assert_eq!(times, [BASE_US - 500_000, BASE_US + 250_000]);
    assert_eq!(p.skipped.frames(), 0);
    // Without a date, a negative time is before 1970: counted, not dropped silently.
    let p = log::parse_detailed("  -1.0 1  123 Rx d 1 01\n", LogFormat::Asc, "x.asc").unwrap();
    assert!(p.records.is_empty());
    assert_eq!(p.skipped.negative_time, 1);
    assert_eq!(p.skipped.to_string(), "1 frame timed before 1970");
}

#[test]
fn what_a_data_frame_log_cannot_hold_is_counted_and_named() {
    let text = "(1.0) can0 123#R\n(1.0) can0 124#R2\n(1.0) can0 20000004#0004000000000000\n\
                (1.0) can0 125#01\n";
    let p = log::parse_detailed(text, LogFormat::Candump, "x.log").unwrap();
    assert_eq!(p.records.len(), 1);
    assert_eq!(p.skipped.frames(), 3);
    assert_eq!(
        p.skipped.to_string(),
        "2 remote (RTR) frames, 1 error frame"
    );
    let asc = format!(
        "{ASC_HEAD}   0.1 1  123 Rx r\n   0.2 1  ErrorFrame\n   0.3 CANFD 1 Rx 123 0 0 1 1 00 0 0 10 0 0 0 0 0\n"
    );
    let p = log::parse_detailed(&asc, LogFormat::Asc, "x.asc").unwrap();
    assert_eq!((p.skipped.remote, p.skipped.error_frames), (2, 1), "{p:?}");
}

/// An endless candump log.
struct Endless(u64);

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let line = format!("({}.000000) can0 123#00\n", self.0);
        self.0 += 1;
        let n = line.len().min(buf.len());
        buf[..n].copy_from_slice(&line.as_bytes()[..n]);
        Ok(n)
    }
}

#[test]
fn logs_are_read_a_line_at_a_time() {
    let reader = LogReader::new(BufReader::new(Endless(0)), LogFormat::Candump, "endless");
    let times: Vec<u64> = reader.take(3).map(|r| r.unwrap().rec.time_us).collect();
    assert_eq!(times, [0, 1_000_000, 2_000_000]);
    // A line with no end is refused once it passes the limit, not buffered.
    let long = std::io::repeat(b'0').take(10 * MAX_LINE_BYTES as u64);
    let mut reader = LogReader::new(BufReader::new(long), LogFormat::Candump, "zeros.log");
    let err = reader.next().unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "zeros.log:1:1: line longer than 65536 bytes: not a log"
    );
    assert!(reader.next().is_none());
}

#[test]
fn only_regular_files_are_read_as_logs() {
    let err = LogReader::open(std::path::Path::new("/dev/zero.log"))
        .err()
        .unwrap();
    assert!(matches!(err, LogError::File(_)), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.log");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = log::read(&fifo).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("fifo.log: is a FIFO, not a regular file (only regular files are read)"),
        "{err}"
    );
}
