//! The CSV trace: one row per sample, one column per selected signal, numbers in
//! their shortest round-trip form (so the file carries every bit of the values),
//! hashed with SHA-256 as it is written.

use std::io::{self, BufWriter, Write};

use evtwin_sim::{Signal, Twin};

use crate::hook::{Mark, MarkKind};
use sha2::{Digest, Sha256};

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceInfo {
    /// Data rows (the header excluded).
    pub rows: u64,
    /// SHA-256 of the whole file, lower-case hex.
    pub sha256: String,
}

/// A trace being written.
pub struct Trace<W: Write> {
    out: BufWriter<Hashing<W>>,
    signals: Vec<Signal>,
    rows: u64,
    number: ryu::Buffer,
    /// A last column `mark` (scenarios with faults only).
    marks: bool,
}

impl<W: Write> Trace<W> {
    /// Starts a trace of `signals` on `out`, writing the header.
    pub fn new(out: W, signals: Vec<Signal>) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(
            1 << 16,
            Hashing {
                inner: out,
                hasher: Sha256::new(),
            },
        );
        let names: Vec<String> = signals.iter().map(|s| s.name()).collect();
        writeln!(out, "{}", names.join(","))?;
        Ok(Self {
            out,
            signals,
            rows: 0,
            number: ryu::Buffer::new(),
            marks: false,
        })
    }

    /// A trace with a last column `mark`: the injections marked since the
    /// previous row (`name:start`, `name:end`, `name:once`, several separated
    /// by `; `), empty on most rows. Only scenarios with faults have it, so the
    /// traces of the others stay as they were.
    pub fn with_marks(out: W, signals: Vec<Signal>) -> io::Result<Self> {
        let mut names: Vec<String> = signals.iter().map(|s| s.name()).collect();
        names.push("mark".to_owned());
        let mut out = BufWriter::with_capacity(
            1 << 16,
            Hashing {
                inner: out,
                hasher: Sha256::new(),
            },
        );
        writeln!(out, "{}", names.join(","))?;
        Ok(Self {
            out,
            signals,
            rows: 0,
            number: ryu::Buffer::new(),
            marks: true,
        })
    }

    /// Appends the twin's current values and, with a `mark` column, `marks`
    /// (those since the previous row).
    pub fn row_with_marks(&mut self, twin: &Twin, marks: &[Mark]) -> io::Result<()> {
        self.values(twin)?;
        if self.marks {
            self.out.write_all(b",")?;
            let cell: Vec<String> = marks
                .iter()
                .map(|m| {
                    let what = match m.kind {
                        MarkKind::Start => "start",
                        MarkKind::End => "end",
                        MarkKind::Instant => "once",
                    };
                    format!("{}:{what}", m.name)
                })
                .collect();
            self.out.write_all(csv_field(&cell.join("; ")).as_bytes())?;
        }
        self.out.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Appends the twin's current values (and an empty mark, if the trace
    /// has that column).
    pub fn row(&mut self, twin: &Twin) -> io::Result<()> {
        self.row_with_marks(twin, &[])
    }

    fn values(&mut self, twin: &Twin) -> io::Result<()> {
        for (k, s) in self.signals.iter().enumerate() {
            if k > 0 {
                self.out.write_all(b",")?;
            }
            let v = twin.read(*s);
            let text = if v.is_finite() {
                self.number.format_finite(v)
            } else if v.is_nan() {
                "NaN"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            self.out.write_all(text.as_bytes())?;
        }
        Ok(())
    }

    /// Flushes everything and returns the row count and hash.
    pub fn finish(self) -> io::Result<TraceInfo> {
        let hashing = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        let Hashing { mut inner, hasher } = hashing;
        inner.flush()?;
        let digest = hasher.finalize();
        let sha256 = digest.iter().fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
        Ok(TraceInfo {
            rows: self.rows,
            sha256,
        })
    }
}

/// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}
