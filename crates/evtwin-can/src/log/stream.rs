//! Reading a log a line at a time: memory stays flat whatever the log's size
//! (one line of at most [`MAX_LINE_BYTES`], at most one record pending).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{LogError, LogFormat, LogRecord, ParsedLog, Skipped, asc, candump, format_of};
use crate::file::open_regular;

/// The longest line a log may have (a CAN FD line is under 400 bytes).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

enum State {
    Candump,
    Asc(asc::Reader),
}

/// The records of a candump or ASC log, read as they are needed. Iterating
/// gives records or the first error (then nothing more); [`LogReader::skipped`]
/// counts what was recognised but is not a record so far.
pub struct LogReader<R> {
    input: R,
    origin: String,
    state: State,
    line_no: usize,
    buf: Vec<u8>,
    pending: ParsedLog,
    queue: VecDeque<LogRecord>,
    failed: bool,
}

impl LogReader<BufReader<std::fs::File>> {
    /// Opens a log file (a regular file; the format from the extension).
    pub fn open(path: &Path) -> Result<Self, LogError> {
        let format = format_of(path)?;
        let file = open_regular(path)?;
        Ok(Self::new(
            BufReader::with_capacity(64 * 1024, file),
            format,
            &path.display().to_string(),
        ))
    }
}

impl<R: BufRead> LogReader<R> {
    /// Reads `input` as `format`; `origin` names it in errors.
    pub fn new(input: R, format: LogFormat, origin: &str) -> Self {
        Self {
            input,
            origin: origin.to_owned(),
            state: match format {
                LogFormat::Candump => State::Candump,
                LogFormat::Asc => State::Asc(asc::Reader::default()),
            },
            line_no: 0,
            buf: Vec::with_capacity(256),
            pending: ParsedLog::default(),
            queue: VecDeque::new(),
            failed: false,
        }
    }

    /// What was skipped in the lines read so far.
    #[must_use]
    pub const fn skipped(&self) -> Skipped {
        self.pending.skipped
    }

    fn error(&self, col: usize, message: String) -> LogError {
        LogError::Parse {
            origin: self.origin.clone(),
            line: self.line_no,
            col,
            message,
        }
    }

    /// Reads and parses the next line; false at the end.
    fn step(&mut self) -> Result<bool, LogError> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = std::io::Read::take(&mut self.input, limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| LogError::Io {
                path: self.origin.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        if self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
            return Err(self.error(
                1,
                format!("line longer than {MAX_LINE_BYTES} bytes: not a log"),
            ));
        }
        let mut bytes = self.buf.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = match std::str::from_utf8(bytes) {
            Ok(l) => l,
            Err(e) => {
                let col = e.valid_up_to() + 1;
                return Err(self.error(col, "not UTF-8 text".to_owned()));
            }
        };
        let result = match &mut self.state {
            State::Candump => candump::parse_into(line, &mut self.pending),
            State::Asc(reader) => reader.line(line, &mut self.pending),
        };
        if let Err((col, message)) = result {
            return Err(self.error(col, message));
        }
        self.queue.extend(self.pending.records.drain(..));
        Ok(true)
    }
}

impl<R: BufRead> Iterator for LogReader<R> {
    type Item = Result<LogRecord, LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.queue.pop_front() {
                return Some(Ok(r));
            }
            if self.failed {
                return None;
            }
            match self.step() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
