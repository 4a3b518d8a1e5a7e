use super::*;
use crate::frame::Frame;
use crate::log::date::parse_date;
use crate::log::{LineError, ParsedLog};

/// A whole text through the line reader; errors carry their line number.
fn parse(text: &str) -> Result<ParsedLog, (usize, LineError)> {
    let mut reader = Reader::default();
    let mut out = ParsedLog::default();
    for (i, line) in text.lines().enumerate() {
        reader.line(line, &mut out).map_err(|e| (i + 1, e))?;
    }
    Ok(out)
}

fn ts(time_us: u64, dir: Direction, frame: Frame) -> Timestamped {
    Timestamped {
        time_us,
        dir,
        frame,
    }
}

#[test]
fn writes_vector_layout() {
    let mut s = String::new();
    write_header(&mut s, 1_700_000_000_000_000, "can0");
    let f = Frame::classic(
        CanId::Standard(0x123),
        &[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77],
    )
    .unwrap();
    write_frame(&mut s, 1234, 1, &ts(0, Direction::Rx, f));
    let f = Frame::classic(CanId::Extended(0x18FF_50E5), &[1, 2]).unwrap();
    write_frame(&mut s, 2_000_000, 2, &ts(0, Direction::Tx, f));
    let f = Frame::fd(CanId::Standard(0x7FF), &[0xAB; 12], true).unwrap();
    write_frame(&mut s, 3000, 1, &ts(0, Direction::Rx, f));
    s.push_str(FOOTER);
    let expected = "date Tue Nov 14 22:13:20.000 2023\n\
        base hex  timestamps absolute\n\
        internal events logged\n\
        // evtwin channel 1 = can0\n\
        Begin Triggerblock Tue Nov 14 22:13:20.000 2023\n   \
        0.000000 Start of measurement\n   \
        0.001234 1  123             Rx   d 8 00 11 22 33 44 55 66 77\n   \
        2.000000 2  18FF50E5x       Tx   d 2 01 02\n   \
        0.003000 CANFD   1 Rx        7FF                                   1 0 9 12 AB AB AB AB AB AB AB AB AB AB AB AB        0    0     3000        0        0        0        0        0\n\
        End TriggerBlock\n";
    assert_eq!(s, expected);
    let parsed = parse(&s).unwrap();
    assert_eq!(parsed.records.len(), 3);
    assert_eq!(parsed.records[0].rec.time_us, 1_700_000_000_001_234);
    assert_eq!(parsed.records[0].iface, "can0");
    assert_eq!(parsed.records[1].iface, "can1");
    assert_eq!(parsed.records[1].rec.dir, Direction::Tx);
    assert!(parsed.records[2].rec.frame.brs());
    assert_eq!(parsed.skipped.other_lines, 1); // Start of measurement
}

#[test]
fn reads_canoe_and_log2asc_variants() {
    let text = "date Wed Jun 22 03:24:18.123 pm 2022\n\
        base dec  timestamps relative\n\
        no internal events logged\n\
        // version 13.0.0\n\
        Begin Triggerblock Wed Jun 22 03:24:18.123 pm 2022\n\
        0.000000 Start of measurement\n\
        0.5000 1  291             Rx   d 2 1 255  Length = 0 BitCount = 0 ID = 291\n\
        0.5000 2  ErrorFrame\n\
        0.5000 1  291             TxRq d 0\n\
        0.5000 1  291             Rx   r\n\
        1.000000 CANFD   1 Tx         17  msgCanFdFr1                      1 0 a 16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 89 192 100000  214   223040 80000000 46500250 460a0250 20011736 20010205\n\
        0.25 CANFD   3 Rx 100x 0 0 8  8 1 2 3 4 5 6 7 8 130000  130        0 0 0 0 0 0\n\
        0.25 CANFD   3 Rx 100x 0 0 8  0 130000  130       10 0 0 0 0 0\n\
        0.25 1 Statistic: D 0 R 0 XD 0 XR 0 E 0 O 0 B 0.00%\n";
    let parsed = parse(text).unwrap();
    let start = parse_date("Jun 22 15:24:18.123 2022").unwrap();
    let r = &parsed.records;
    assert_eq!(r.len(), 3);
    assert_eq!(
        (r[0].rec.time_us, r[0].rec.frame.id()),
        (start + 500_000, CanId::Standard(291))
    );
    assert_eq!(r[0].rec.frame.data(), [1, 255]);
    // Relative timestamps add up: 0.5 * 4 + 1.0.
    assert_eq!(r[1].rec.time_us, start + 3_000_000);
    assert_eq!((r[1].rec.dir, r[1].rec.frame.len()), (Direction::Tx, 16));
    assert_eq!(r[1].rec.frame.data()[14..], [89, 192]);
    assert!(r[1].rec.frame.is_fd() && r[1].rec.frame.brs());
    // Flags 0: a classic frame in the CANFD line format.
    assert!(!r[2].rec.frame.is_fd());
    assert_eq!(r[2].iface, "can2");
    assert_eq!(r[2].rec.frame.id(), CanId::Extended(100));
    let s = parsed.skipped;
    assert_eq!(
        (s.error_frames, s.unsupported, s.remote, s.other_lines),
        (1, 1, 2, 2)
    );
}

#[test]
fn malformed_frames_are_positioned_errors() {
    let cases = [
        ("0.1 1  800             Rx   d 1 00", 8, "out of range"),
        (
            "0.1 1  123             Rx   d 8 00 11",
            38,
            "expected 8 data bytes, found 2",
        ),
        ("0.1 1  123             Rx   q 1 00", 29, "expected `d`"),
        ("0.1 1  123             Rx   d 1 100", 33, "data byte"),
        ("0.1 0  123             Rx   d 1 00", 5, "channel"),
        (
            "0.1 CANFD 1 Rx 123 1 0 9 10 00 00 00 00 00 00 00 00 00 00",
            26,
            "not a CAN FD length",
        ),
        ("0.1 CANFD 1 Up 123 1 0 0 0", 13, "expected `Rx` or `Tx`"),
        (
            "0.1 CANFD 1 Rx 123 1 0 9 12 00",
            31,
            "expected 12 data bytes",
        ),
        ("0.1.2 1  123             Rx   d 1 00", 1, "not a time"),
        ("base oct timestamps absolute", 6, "expected `hex` or `dec`"),
    ];
    for (line, col, msg) in cases {
        match parse(line) {
            Err((1, (c, m))) => {
                assert!(m.contains(msg), "{line}: {m}");
                assert_eq!(c, col, "{line}: {m}");
            }
            other => panic!("{line}: {other:?}"),
        }
    }
}
