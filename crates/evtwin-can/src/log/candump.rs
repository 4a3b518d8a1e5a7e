//! candump `-L` lines: `(seconds.micros) iface frame [R|T]`, with frames as
//! can-utils' `lib.c` writes them: `123#0011` (standard), `12345678#0011`
//! (extended), `123##1<data>` (CAN FD, a flags nibble: 1 = BRS, 2 = ESI,
//! 4 = FDF), `123#R` (remote).

use std::fmt::Write as _;

use super::{LineError, LogRecord, ParsedLog, parse_seconds, tokens};
use crate::frame::{CanId, Direction, Frame, Timestamped};

const CAN_ERR_FLAG: u32 = 0x2000_0000;
const CANFD_BRS: u8 = 0x01;
const CANFD_ESI: u8 = 0x02;

/// Appends one line (with its newline) for `rec` on `iface`.
pub(crate) fn write_line(out: &mut String, iface: &str, rec: &Timestamped) {
    let secs = rec.time_us / 1_000_000;
    let micros = rec.time_us % 1_000_000;
    let frame = &rec.frame;
    // Writing to a String cannot fail.
    let _ = write!(out, "({secs}.{micros:06}) {iface} {}#", frame.id());
    if frame.is_fd() {
        out.push('#');
        let flags = (u8::from(frame.brs()) * CANFD_BRS) | (u8::from(frame.esi()) * CANFD_ESI);
        out.push(char::from(b'0' + flags));
    }
    for b in frame.data() {
        let _ = write!(out, "{b:02X}");
    }
    out.push_str(match rec.dir {
        Direction::Rx => " R\n",
        Direction::Tx => " T\n",
    });
}

/// What one line held.
enum Line {
    Record(LogRecord),
    Remote,
    ErrorFrame,
    Unsupported,
    Other,
}

/// Parses one line into `out` (a record, or a count of what it skipped).
pub(crate) fn parse_into(line: &str, out: &mut ParsedLog) -> Result<(), LineError> {
    match parse_line(line)? {
        Line::Record(r) => out.records.push(r),
        Line::Remote => out.skipped.remote += 1,
        Line::ErrorFrame => out.skipped.error_frames += 1,
        Line::Unsupported => out.skipped.unsupported += 1,
        Line::Other => out.skipped.other_lines += 1,
    }
    Ok(())
}

fn parse_line(line: &str) -> Result<Line, LineError> {
    let trimmed = line.trim_start();
    if trimmed.is_empty()
        || trimmed.starts_with('#')
        || trimmed.starts_with("//")
        || trimmed.starts_with("DROPCOUNT")
    {
        return Ok(Line::Other);
    }
    let mut toks = tokens(line);
    let Some((col, stamp)) = toks.next() else {
        return Ok(Line::Other);
    };
    let Some(inner) = stamp.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return Err((
            col,
            "expected `(seconds.micros)` at the start of a candump line".into(),
        ));
    };
    let time_us = parse_seconds(inner, col + 1)?;
    let (_, iface) = toks
        .next()
        .ok_or_else(|| (line.len() + 1, "missing interface name".to_owned()))?;
    let (fcol, frame_text) = toks
        .next()
        .ok_or_else(|| (line.len() + 1, "missing frame (like `123#0011`)".to_owned()))?;
    let dir = match toks.next() {
        None | Some((_, "R" | "r")) => Direction::Rx,
        Some((_, "T" | "t")) => Direction::Tx,
        Some((c, other)) => {
            return Err((
                c,
                format!("`{other}`: expected direction `R` or `T` or nothing"),
            ));
        }
    };
    if let Some((c, extra)) = toks.next() {
        return Err((c, format!("unexpected `{extra}` after the direction")));
    }
    let frame = match parse_frame(frame_text, fcol)? {
        Parsed::Frame(f) => f,
        Parsed::Remote => return Ok(Line::Remote),
        Parsed::ErrorFrame => return Ok(Line::ErrorFrame),
        Parsed::Xl => return Ok(Line::Unsupported),
    };
    Ok(Line::Record(LogRecord {
        iface: iface.to_owned(),
        rec: Timestamped {
            time_us,
            dir,
            frame,
        },
    }))
}

enum Parsed {
    Frame(Frame),
    Remote,
    ErrorFrame,
    Xl,
}

fn hex_value(text: &str, col: usize) -> Result<u32, LineError> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err((col, format!("`{text}` is not a hexadecimal CAN ID")));
    }
    u32::from_str_radix(text, 16)
        .map_err(|_| (col, format!("`{text}` is not a hexadecimal CAN ID")))
}

fn parse_frame(text: &str, col: usize) -> Result<Parsed, LineError> {
    let Some((id_text, rest)) = text.split_once('#') else {
        return Err((col, format!("`{text}`: expected `<id>#<data>`")));
    };
    let raw = hex_value(id_text, col)?;
    let id = match id_text.len() {
        3 => CanId::standard(raw)
            .ok_or_else(|| (col, format!("standard CAN ID {raw:#X} is above 0x7FF")))?,
        8 if raw & CAN_ERR_FLAG != 0 => return Ok(Parsed::ErrorFrame),
        8 => CanId::extended(raw)
            .ok_or_else(|| (col, format!("extended CAN ID {raw:#X} is above 0x1FFFFFFF")))?,
        5 => return Ok(Parsed::Xl),
        n => {
            return Err((
                col,
                format!("CAN ID `{id_text}` has {n} digits (3 for standard, 8 for extended)"),
            ));
        }
    };
    let data_col = col + id_text.len() + 1;
    if rest.starts_with(['R', 'r']) {
        return Ok(Parsed::Remote);
    }
    let (fd, flags, data_text, data_col) = if let Some(fd_rest) = rest.strip_prefix('#') {
        let mut chars = fd_rest.chars();
        let flags = chars.next().and_then(|c| c.to_digit(16)).ok_or_else(|| {
            (
                data_col + 1,
                "expected a CAN FD flags nibble after `##`".to_owned(),
            )
        })?;
        #[allow(clippy::cast_possible_truncation)] // a hex digit
        let flags = flags as u8;
        (true, flags, chars.as_str(), data_col + 2)
    } else {
        (false, 0, rest, data_col)
    };
    let mut data = [0u8; 64];
    let len = parse_data(data_text, data_col, fd, &mut data)?;
    let frame = if fd {
        Frame::fd(id, &data[..len], flags & CANFD_BRS != 0)
            .map(|f| f.with_esi(flags & CANFD_ESI != 0))
    } else {
        Frame::classic(id, &data[..len])
    };
    frame
        .map(Parsed::Frame)
        .map_err(|e| (data_col, e.to_string()))
}

/// Hex byte pairs with optional `.` separators; a classic 8-byte payload may
/// end in `_<raw dlc>` (9..F), which is accepted and dropped.
fn parse_data(text: &str, col: usize, fd: bool, out: &mut [u8; 64]) -> Result<usize, LineError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut len = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => i += 1,
            b'_' if !fd
                && len == 8
                && bytes.len() == i + 2
                && matches!(bytes[i + 1], b'9' | b'A'..=b'F' | b'a'..=b'f') =>
            {
                break;
            }
            _ => {
                let pair = text
                    .get(i..i + 2)
                    .filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit()));
                let Some(pair) = pair else {
                    return Err((
                        col + i,
                        format!("bad data byte in `{text}`: expected pairs of hex digits"),
                    ));
                };
                if len == out.len() {
                    return Err((col + i, "more than 64 data bytes".into()));
                }
                out[len] =
                    u8::from_str_radix(pair, 16).map_err(|_| (col + i, "bad hex".to_owned()))?;
                len += 1;
                i += 2;
            }
        }
    }
    Ok(len)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn one(line: &str) -> Result<Line, LineError> {
        parse_line(line)
    }

    fn record(line: &str) -> LogRecord {
        match one(line) {
            Ok(Line::Record(r)) => r,
            _ => panic!("no record in {line}"),
        }
    }

    #[test]
    fn writes_the_candump_layout() {
        let mut s = String::new();
        let f = Frame::classic(
            CanId::Standard(0x123),
            &[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77],
        )
        .unwrap();
        write_line(
            &mut s,
            "can0",
            &Timestamped {
                time_us: 1_700_000_000_000_000,
                dir: Direction::Rx,
                frame: f,
            },
        );
        let f = Frame::classic(CanId::Extended(0x18FF_50E5), &[]).unwrap();
        write_line(
            &mut s,
            "vcan1",
            &Timestamped {
                time_us: 1_500_042,
                dir: Direction::Tx,
                frame: f,
            },
        );
        let f = Frame::fd(CanId::Standard(0x7FF), &[0xAB; 12], true).unwrap();
        write_line(
            &mut s,
            "can0",
            &Timestamped {
                time_us: 7,
                dir: Direction::Tx,
                frame: f,
            },
        );
        assert_eq!(
            s,
            "(1700000000.000000) can0 123#0011223344556677 R\n\
             (1.500042) vcan1 18FF50E5# T\n\
             (0.000007) can0 7FF##1ABABABABABABABABABABABAB T\n"
        );
    }

    #[test]
    fn reads_what_can_utils_write() {
        let r = record("(1700000000.123456) can0 123#0011223344556677");
        assert_eq!(r.iface, "can0");
        assert_eq!(r.rec.time_us, 1_700_000_000_123_456);
        assert_eq!(r.rec.dir, Direction::Rx);
        assert_eq!(
            r.rec.frame.data(),
            [0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]
        );
        // Padded interface names (several interfaces), nanoseconds, separators.
        let r = record("(1.000000001)  vcan0 00000123#11.22 T");
        assert_eq!((r.rec.time_us, r.rec.dir), (1_000_000, Direction::Tx));
        assert_eq!(r.rec.frame.id(), CanId::Extended(0x123));
        assert_eq!(r.rec.frame.data(), [0x11, 0x22]);
        // FD with FDF|BRS as recent candump writes it; raw DLC suffix.
        let r = record("(0.1) can1 456##5" /* no data */);
        assert!(r.rec.frame.is_fd() && r.rec.frame.brs() && r.rec.frame.is_empty());
        let r = record("(0.1) can1 456##400112233445566778899AABB");
        assert!(!r.rec.frame.brs());
        assert_eq!(r.rec.frame.len(), 12);
        let r = record("(0.1) can1 456#0011223344556677_C");
        assert_eq!(r.rec.frame.len(), 8);
        assert!(matches!(one("(0.1) can0 123#R"), Ok(Line::Remote)));
        assert!(matches!(one("(0.1) can0 123#R8_9 R"), Ok(Line::Remote)));
        assert!(matches!(
            one("(0.1) can0 20000080#0000000000000000"),
            Ok(Line::ErrorFrame)
        ));
        assert!(matches!(
            one("(0.1) can0 00123#80:00:11223344#00"),
            Ok(Line::Unsupported)
        ));
        assert!(matches!(
            one("DROPCOUNT: dropped 1 CAN frame on 'can0' socket"),
            Ok(Line::Other)
        ));
        assert!(matches!(one(""), Ok(Line::Other)));
    }

    #[test]
    fn malformed_lines_point_at_the_problem() {
        let cases = [
            ("123#00", 1, "expected `(seconds.micros)`"),
            ("(1.0) can0", 11, "missing frame"),
            ("(1.0) can0 12#00", 12, "has 2 digits"),
            ("(1.0) can0 800#00", 12, "above 0x7FF"),
            ("(1.0) can0 123#0", 16, "pairs of hex digits"),
            ("(1.0) can0 123#0G", 16, "pairs of hex digits"),
            (
                "(1.0) can0 123#001122334455667788",
                16,
                "do not fit a classic",
            ),
            (
                "(1.0) can0 123##1001122334455667788",
                18,
                "not a CAN FD length",
            ),
            ("(1.0) can0 123##", 17, "flags nibble"),
            ("(1.0) can0 123#00 X", 19, "expected direction"),
            ("(1.0) can0 123#00 R x", 21, "unexpected"),
            ("(1.x) can0 123#00", 2, "not a time"),
        ];
        for (line, col, msg) in cases {
            match one(line) {
                Err((c, m)) => {
                    assert_eq!(c, col, "{line}: {m}");
                    assert!(m.contains(msg), "{line}: {m}");
                }
                Ok(_) => panic!("{line} parsed"),
            }
        }
    }
}
