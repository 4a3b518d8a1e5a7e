//! `evtwin dbc check` and `evtwin dbc decode`, and `evtwin log convert`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use evtwin_can::dbc::{Dbc, Message, RawValue};
use evtwin_can::log::{self, LogRecord};

use crate::{EXIT_BAD_INPUT, EXIT_FAULT, EXIT_OK};

fn load_dbc(path: &Path, warn: bool) -> Option<Dbc> {
    match Dbc::load(path) {
        Ok(d) => {
            for p in d.uncodable().iter().filter(|_| warn) {
                eprintln!("warning: {}:{p}", path.display());
            }
            Some(d)
        }
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// `evtwin dbc check FILE`: parse errors exit 2; semantic problems are listed
/// as `file:line:col: message` and exit 1.
pub fn check(path: &Path) -> u8 {
    let Some(dbc) = load_dbc(path, false) else {
        return EXIT_BAD_INPUT;
    };
    let problems = dbc.check();
    for p in &problems {
        println!("{}:{}:{}: {}", path.display(), p.line, p.col, p.message);
    }
    let signals: usize = dbc.messages().iter().map(|m| m.signals.len()).sum();
    let cyclic = dbc
        .messages()
        .iter()
        .filter(|m| m.cycle_time_ms.is_some())
        .count();
    println!(
        "{}: {} messages ({cyclic} with a cycle time), {signals} signals, nodes {}; {} problem{}",
        path.display(),
        dbc.messages().len(),
        if dbc.nodes().is_empty() {
            "none".to_owned()
        } else {
            dbc.nodes().join(", ")
        },
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    if problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAULT
    }
}

/// `evtwin dbc decode FILE.dbc LOG`: every frame of a candump or ASC log with
/// its signal values, like `cantools decode`.
pub fn decode(dbc_path: &Path, log_path: &Path) -> Result<u8> {
    let Some(dbc) = load_dbc(dbc_path, true) else {
        return Ok(EXIT_BAD_INPUT);
    };
    let reader = match log::LogReader::open(log_path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut raw = Vec::new();
    let mut line = String::new();
    let mut reader = reader;
    let mut failed = None;
    let written = reader.by_ref().try_for_each(|r| {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                failed = Some(e);
                return Ok(());
            }
        };
        line.clear();
        decode_one(&dbc, &r, &mut raw, &mut line);
        writeln!(out, "{line}")
    });
    let written = written.and_then(|()| out.flush());
    if let Some(e) = failed {
        eprintln!("error: {e}");
        return Ok(EXIT_BAD_INPUT);
    }
    report_skipped(log_path, reader.skipped());
    match written {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(EXIT_OK),
    }
}

/// Says on stderr which frames of a log were not decoded or converted.
fn report_skipped(path: &Path, skipped: log::Skipped) {
    if skipped.frames() > 0 {
        eprintln!(
            "warning: {}: left out {skipped} (evtwin's logs hold data frames)",
            path.display()
        );
    }
}

fn decode_one(dbc: &Dbc, r: &LogRecord, raw: &mut Vec<Option<u64>>, line: &mut String) {
    let f = &r.rec.frame;
    let t = r.rec.time_us;
    let _ = write!(
        line,
        "({}.{:06}) {} {f:?} ::",
        t / 1_000_000,
        t % 1_000_000,
        r.iface
    );
    let Some((_, m)) = dbc.message_by_id(f.id()) else {
        line.push_str(" unknown frame");
        return;
    };
    raw.clear();
    raw.resize(m.signals.len(), None);
    if let Err(e) = m.decode_raw(f.data(), raw) {
        let _ = write!(line, " {}: {e}", m.name);
        return;
    }
    let _ = write!(line, " {}(", m.name);
    signals(m, raw, line);
    line.push(')');
}

/// The present signals of a decoded frame: value-table names by raw value,
/// integers with factor 1 exactly (64-bit hashes included), others through
/// `raw × factor + offset`; a float whose bits are NaN prints as NaN.
fn signals(m: &Message, raw: &[Option<u64>], line: &mut String) {
    let mut first = true;
    for (s, bits) in m.signals.iter().zip(raw) {
        let Some(bits) = *bits else {
            continue; // not present under this multiplexer value, or uncodable
        };
        if !first {
            line.push_str(", ");
        }
        first = false;
        let value = s.raw_value(bits);
        let named = match value {
            RawValue::Unsigned(v) => i64::try_from(v).ok().and_then(|v| s.value_name(v)),
            RawValue::Signed(v) => s.value_name(v),
            RawValue::Float(_) => None,
        };
        if let Some(name) = named {
            let _ = write!(line, "{}: '{name}'", s.name);
            continue;
        }
        let _ = write!(line, "{}: ", s.name);
        let _ = if s.is_identity_integer() {
            write!(line, "{value}")
        } else {
            write!(line, "{}", s.raw_to_physical(bits))
        };
        if !s.unit.is_empty() {
            let _ = write!(line, " {}", s.unit);
        }
    }
}

/// `evtwin log convert IN OUT`: between candump `.log` and Vector `.asc`.
pub fn convert(input: &Path, output: &Path) -> u8 {
    match log::convert(input, output) {
        Ok(s) => {
            println!(
                "{} → {}: {} frames",
                input.display(),
                output.display(),
                s.written
            );
            report_skipped(input, s.skipped);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}
