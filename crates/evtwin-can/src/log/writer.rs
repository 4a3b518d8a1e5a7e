//! The buffered log writer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::{LogError, LogFormat, LogRecord, asc, candump};
use crate::frame::Timestamped;

/// Writes timestamped frames to a candump or ASC log, buffered. Formatting
/// reuses one line buffer: no allocation per frame. ASC needs a closing line:
/// call [`LogWriter::finish`] (dropping the writer does it too, ignoring errors).
pub struct LogWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    origin: String,
    format: LogFormat,
    iface: String,
    line: String,
    /// ASC: µs of the header date once the header is out.
    asc_base_us: Option<u64>,
    /// ASC: channel numbers of interfaces other than the main one (channel 1).
    asc_channels: BTreeMap<String, u32>,
    finished: bool,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter")
            .field("origin", &self.origin)
            .field("format", &self.format)
            .field("iface", &self.iface)
            .finish_non_exhaustive()
    }
}

impl LogWriter {
    /// Creates (truncates) `path`; `iface` names the interface of the frames
    /// given to [`LogWriter::write`] (ASC: channel 1).
    pub fn create(path: &Path, format: LogFormat, iface: &str) -> Result<Self, LogError> {
        let file = File::create(path).map_err(|source| LogError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut writer = Self::new(Box::new(file), format, iface);
        writer.origin = path.display().to_string();
        Ok(writer)
    }

    /// Writes to any sink (errors name it `<stream>`).
    #[must_use]
    pub fn new(out: Box<dyn Write + Send>, format: LogFormat, iface: &str) -> Self {
        Self {
            out: BufWriter::with_capacity(64 * 1024, out),
            origin: "<stream>".to_owned(),
            format,
            iface: iface.to_owned(),
            line: String::with_capacity(256),
            asc_base_us: None,
            asc_channels: BTreeMap::new(),
            finished: false,
        }
    }

    /// Its format.
    #[must_use]
    pub const fn format(&self) -> LogFormat {
        self.format
    }

    /// Writes one frame seen on the writer's interface. ASC: the first frame
    /// fixes the header date; a later frame that is earlier than that date is
    /// written at 0.000000.
    pub fn write(&mut self, rec: &Timestamped) -> Result<(), LogError> {
        self.line.clear();
        match self.format {
            LogFormat::Candump => candump::write_line(&mut self.line, &self.iface, rec),
            LogFormat::Asc => {
                let base = self.asc_header(rec.time_us);
                asc::write_frame(&mut self.line, rec.time_us.saturating_sub(base), 1, rec);
            }
        }
        self.emit()
    }

    /// Writes one frame seen on the record's interface (ASC: interfaces other
    /// than the writer's get channels 2, 3, ... in order of appearance, named
    /// in `// evtwin channel N = name` comments).
    pub fn write_record(&mut self, rec: &LogRecord) -> Result<(), LogError> {
        if rec.iface == self.iface {
            return self.write(&rec.rec);
        }
        self.line.clear();
        match self.format {
            LogFormat::Candump => candump::write_line(&mut self.line, &rec.iface, &rec.rec),
            LogFormat::Asc => {
                let base = self.asc_header(rec.rec.time_us);
                let next = u32::try_from(self.asc_channels.len())
                    .map_or(u32::MAX, |n| n.saturating_add(2));
                let channel = if let Some(&ch) = self.asc_channels.get(&rec.iface) {
                    ch
                } else {
                    self.asc_channels.insert(rec.iface.clone(), next);
                    asc::write_channel_comment(&mut self.line, next, &rec.iface);
                    next
                };
                asc::write_frame(
                    &mut self.line,
                    rec.rec.time_us.saturating_sub(base),
                    channel,
                    &rec.rec,
                );
            }
        }
        self.emit()
    }

    /// Writes a comment line at `time_us` (an injected fault's mark): candump
    /// `# (secs.micros) text`, which `canplayer` and `log2asc` skip (they
    /// read only lines that start with `(`); ASC `// secs.micros text`
    /// (relative to the header's date, like frames). Line breaks in `text`
    /// become spaces. Our reader skips both.
    pub fn comment(&mut self, time_us: u64, text: &str) -> Result<(), LogError> {
        self.line.clear();
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let (secs, micros) = match self.format {
            LogFormat::Candump => (time_us / 1_000_000, time_us % 1_000_000),
            LogFormat::Asc => {
                let rel = time_us.saturating_sub(self.asc_header(time_us));
                (rel / 1_000_000, rel % 1_000_000)
            }
        };
        let lead = match self.format {
            LogFormat::Candump => "#",
            LogFormat::Asc => "//",
        };
        // Writing to a String cannot fail.
        let _ = writeln!(self.line, "{lead} ({secs}.{micros:06}) {text}");
        self.emit()
    }

    /// Puts the ASC header into the line buffer on the first frame; returns
    /// the header date's µs.
    fn asc_header(&mut self, time_us: u64) -> u64 {
        if let Some(base) = self.asc_base_us {
            return base;
        }
        let base = time_us - time_us % 1000;
        asc::write_header(&mut self.line, base, &self.iface);
        self.asc_base_us = Some(base);
        base
    }

    fn emit(&mut self) -> Result<(), LogError> {
        let result = self.out.write_all(self.line.as_bytes());
        result.map_err(|source| self.io(source))
    }

    fn io(&self, source: std::io::Error) -> LogError {
        LogError::Io {
            path: self.origin.clone(),
            source,
        }
    }

    /// Pushes buffered lines to the sink.
    pub fn flush(&mut self) -> Result<(), LogError> {
        let result = self.out.flush();
        result.map_err(|source| self.io(source))
    }

    /// Writes what the format needs at the end (ASC: the header if no frame
    /// came, then `End TriggerBlock`) and flushes.
    pub fn finish(mut self) -> Result<(), LogError> {
        self.finish_inner()
    }

    fn finish_inner(&mut self) -> Result<(), LogError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        if self.format == LogFormat::Asc {
            self.line.clear();
            self.asc_header(0);
            self.line.push_str(asc::FOOTER);
            self.emit()?;
        }
        self.flush()
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        let _ = self.finish_inner();
    }
}
