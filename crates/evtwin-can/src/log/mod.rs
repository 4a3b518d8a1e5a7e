//! Logs of timestamped frames: candump `-L` text (`.log`, what `canplayer`,
//! `log2asc` and python-can read) and Vector ASC (`.asc`, what CANoe/CANalyzer,
//! `asc2log` and python-can read). Writing is buffered and allocation-free per
//! frame ([`LogWriter`]); reading gives [`LogRecord`]s or a positioned error
//! (`file:line:col: message`).
//!
//! candump lines carry the direction as a trailing ` R` / ` T`, as
//! `candump -L -x` writes it; `canplayer` ignores it (it reads four fields),
//! `log2asc` turns it into `Rx` / `Tx`, python-can and cantools read it.
//!
//! ASC times are written relative to the header date, which is the first
//! record's time rounded down to the millisecond (the date holds milliseconds
//! only), so the first record sits at 0.000000..0.000999 s and absolute times
//! survive a round trip exactly. Dates are written and read as UTC.

mod asc;
mod candump;
mod date;
mod stream;
mod writer;

pub use stream::{LogReader, MAX_LINE_BYTES};
pub use writer::LogWriter;

use std::path::Path;

use crate::frame::{Direction, Frame, Timestamped};

/// The log file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogFormat {
    /// candump `-L` text: `(1700000000.000000) can0 123#0011 R`.
    Candump,
    /// Vector ASC text.
    Asc,
}

impl LogFormat {
    /// Which extension selects which format, for messages.
    pub const CHOICES: &'static str =
        "the extension selects the format: .log for candump -L text, .asc for Vector ASC";

    /// From a file name: `.log` (candump) or `.asc` (ASC), case-insensitive.
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("log") {
            Some(Self::Candump)
        } else if ext.eq_ignore_ascii_case("asc") {
            Some(Self::Asc)
        } else {
            None
        }
    }
}

/// One frame read from a log, with the interface it was seen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Interface name (candump) or `can<N-1>` for ASC channel N (or the name an
    /// `// evtwin channel N = name` comment gave it).
    pub iface: String,
    /// Time (µs), direction and frame.
    pub rec: Timestamped,
}

impl LogRecord {
    /// A record of `frame` on `iface` at `time_us`, going `dir`.
    #[must_use]
    pub fn new(iface: impl Into<String>, time_us: u64, dir: Direction, frame: Frame) -> Self {
        Self {
            iface: iface.into(),
            rec: Timestamped {
                time_us,
                dir,
                frame,
            },
        }
    }
}

/// Lines a reader recognised but could not turn into a [`LogRecord`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Remote (RTR) frames: [`crate::Frame`] has none.
    pub remote: usize,
    /// Error frames.
    pub error_frames: usize,
    /// CAN XL frames and ASC `TxRq` lines.
    pub unsupported: usize,
    /// Comments, `DROPCOUNT` lines and ASC events other than frames.
    pub other_lines: usize,
    /// ASC frames timed before 1970 (a negative time further before the
    /// header date than the date is after 1970).
    pub negative_time: usize,
}

impl Skipped {
    /// Frames skipped (remote, error, unsupported, untimeable): what a
    /// converter loses. Comments and other events are not frames.
    #[must_use]
    pub const fn frames(&self) -> usize {
        self.remote + self.error_frames + self.unsupported + self.negative_time
    }
}

impl std::fmt::Display for Skipped {
    /// `2 remote (RTR) frames, 1 error frame` (the frame kinds present).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = [
            (self.remote, "remote (RTR) frame"),
            (self.error_frames, "error frame"),
            (self.unsupported, "CAN XL frame or TxRq line"),
            (self.negative_time, "frame timed before 1970"),
        ];
        let mut first = true;
        for (n, what) in parts.into_iter().filter(|(n, _)| *n > 0) {
            let sep = if first { "" } else { ", " };
            let s = if n == 1 { "" } else { "s" };
            write!(f, "{sep}{n} {what}{s}")?;
            first = false;
        }
        if first {
            f.write_str("no frames")?;
        }
        Ok(())
    }
}

/// A whole log, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedLog {
    /// The frames, in file order.
    pub records: Vec<LogRecord>,
    /// What was skipped.
    pub skipped: Skipped,
}

/// What went wrong reading or writing a log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be read, created or written.
    #[error("{path}: {source}")]
    Io {
        /// The file (or `<stream>`).
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A malformed line.
    #[error("{origin}:{line}:{col}: {message}")]
    Parse {
        /// The file name (or whatever the caller passed to [`parse`]).
        origin: String,
        /// 1-based line number.
        line: usize,
        /// 1-based column (byte) of the offending text.
        col: usize,
        /// What is wrong.
        message: String,
    },
    /// The file is not a regular file.
    #[error("{0}")]
    File(#[from] crate::file::FileError),
    /// The file name says neither `.log` nor `.asc`.
    #[error("{path}: unknown log format ({})", LogFormat::CHOICES)]
    UnknownFormat {
        /// The file.
        path: String,
    },
}

/// A parse error inside one line: 1-based column and message.
pub(crate) type LineError = (usize, String);

/// Whitespace-separated tokens of a line with their 1-based columns.
pub(crate) fn tokens(line: &str) -> impl Iterator<Item = (usize, &str)> {
    line.split_ascii_whitespace().map(move |tok| {
        // `tok` is a sub-slice of `line`: its offset is the pointer difference.
        let offset = tok.as_ptr() as usize - line.as_ptr() as usize;
        (offset + 1, tok)
    })
}

/// Parses `digits[.digits]` seconds into microseconds (digits past the sixth
/// decimal are dropped).
pub(crate) fn parse_seconds(text: &str, col: usize) -> Result<u64, LineError> {
    let bad = || (col, format!("`{text}` is not a time in seconds"));
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: u64 = int.parse().map_err(|_| bad())?;
    let mut micros = 0u64;
    for i in 0..6 {
        let digit = frac.as_bytes().get(i).map_or(0, |b| u64::from(b - b'0'));
        micros = micros * 10 + digit;
    }
    secs.checked_mul(1_000_000)
        .and_then(|us| us.checked_add(micros))
        .ok_or_else(|| (col, format!("time `{text}` is out of range")))
}

/// Parses a log text; `origin` names it in errors.
pub fn parse(text: &str, format: LogFormat, origin: &str) -> Result<Vec<LogRecord>, LogError> {
    parse_detailed(text, format, origin).map(|p| p.records)
}

/// Parses a log text and reports what was skipped.
pub fn parse_detailed(text: &str, format: LogFormat, origin: &str) -> Result<ParsedLog, LogError> {
    collect(LogReader::new(text.as_bytes(), format, origin))
}

fn collect<R: std::io::BufRead>(mut reader: LogReader<R>) -> Result<ParsedLog, LogError> {
    let records = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok(ParsedLog {
        records,
        skipped: reader.skipped(),
    })
}

fn format_of(path: &Path) -> Result<LogFormat, LogError> {
    LogFormat::from_path(path).ok_or_else(|| LogError::UnknownFormat {
        path: path.display().to_string(),
    })
}

/// Reads a log file; the format comes from the extension.
pub fn read(path: &Path) -> Result<Vec<LogRecord>, LogError> {
    read_detailed(path).map(|p| p.records)
}

/// Reads a log file and reports what was skipped (the whole log in memory:
/// [`LogReader`] reads it a record at a time).
pub fn read_detailed(path: &Path) -> Result<ParsedLog, LogError> {
    collect(LogReader::open(path)?)
}

/// What [`convert`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConvertSummary {
    /// Frames written.
    pub written: usize,
    /// Lines of the input that carried no writable frame.
    pub skipped: Skipped,
}

/// Converts a log from one format to the other (or rewrites it in the same
/// one); both formats come from the extensions. The output's main interface is
/// the first record's (`can0` for an empty log). Streams: one record in
/// memory at a time.
pub fn convert(input: &Path, output: &Path) -> Result<ConvertSummary, LogError> {
    let mut reader = LogReader::open(input)?;
    let format = format_of(output)?;
    let first = reader.next().transpose()?;
    let iface = first.as_ref().map_or("can0", |r| r.iface.as_str());
    let mut writer = LogWriter::create(output, format, iface)?;
    let mut written = 0;
    for rec in first.into_iter().map(Ok).chain(reader.by_ref()) {
        writer.write_record(&rec?)?;
        written += 1;
    }
    writer.finish()?;
    Ok(ConvertSummary {
        written,
        skipped: reader.skipped(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_paths() {
        assert_eq!(
            LogFormat::from_path(Path::new("a/b.log")),
            Some(LogFormat::Candump)
        );
        assert_eq!(
            LogFormat::from_path(Path::new("b.ASC")),
            Some(LogFormat::Asc)
        );
        assert_eq!(LogFormat::from_path(Path::new("b.blf")), None);
        assert_eq!(LogFormat::from_path(Path::new("log")), None);
    }

    #[test]
    fn seconds_and_columns() {
        assert_eq!(
            parse_seconds("1700000000.000001", 1),
            Ok(1_700_000_000_000_001)
        );
        assert_eq!(parse_seconds("1.5", 1), Ok(1_500_000));
        assert_eq!(parse_seconds("2", 1), Ok(2_000_000));
        assert_eq!(parse_seconds("0.123456789", 1), Ok(123_456));
        assert!(parse_seconds("1.", 1).is_ok());
        assert_eq!(parse_seconds("-1.0", 7).unwrap_err().0, 7);
        assert!(parse_seconds("1.2.3", 1).is_err());
        assert!(parse_seconds("99999999999999999999.0", 1).is_err());
        let t: Vec<_> = tokens("  ab c\td").collect();
        assert_eq!(t, [(3, "ab"), (6, "c"), (8, "d")]);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = parse(
            "(1.000000) can0 123#00 R\n(x) can0 1#00\n",
            LogFormat::Candump,
            "t.log",
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "t.log:2:2: `x` is not a time in seconds");
    }
}
