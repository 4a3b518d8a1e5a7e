//! Reading ASC text.

use std::collections::BTreeMap;

use super::super::date::parse_date;
use super::super::{LineError, LogRecord, ParsedLog, parse_seconds, tokens};
use super::{ASC_F_BRS, ASC_F_ESI, ASC_F_FDF, ASC_F_RTR};
use crate::frame::{CanId, Direction, Frame};

/// The state an ASC text carries from line to line (radix, time base).
pub(crate) struct Reader {
    radix: u32,
    relative: bool,
    base_us: u64,
    /// The last record's time after the base, µs (negative: before it).
    last_rel_us: i128,
    names: BTreeMap<u32, String>,
}

impl Default for Reader {
    fn default() -> Self {
        Self {
            radix: 16,
            relative: false,
            base_us: 0,
            last_rel_us: 0,
            names: BTreeMap::new(),
        }
    }
}

fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

impl Reader {
    /// Reads one line into `out` (a record, or a count of what it skipped).
    pub(crate) fn line(&mut self, line: &str, out: &mut ParsedLog) -> Result<(), LineError> {
        let trimmed = line.trim();
        if trimmed.is_empty()
            || starts_with_ci(trimmed, "end triggerblock")
            || starts_with_ci(trimmed, "internal events logged")
            || starts_with_ci(trimmed, "no internal events logged")
        {
            return Ok(());
        }
        if starts_with_ci(trimmed, "date ") {
            if let Some(us) = parse_date(&trimmed[5..]) {
                self.base_us = us;
            }
            return Ok(());
        }
        if starts_with_ci(trimmed, "begin triggerblock") {
            if let Some(us) = parse_date(&trimmed["begin triggerblock".len()..]) {
                self.base_us = us;
            }
            self.last_rel_us = 0;
            return Ok(());
        }
        if starts_with_ci(trimmed, "base ") {
            return self.base_line(line);
        }
        if let Some(comment) = trimmed.strip_prefix("//") {
            self.comment(comment);
            return Ok(());
        }
        let toks: Vec<(usize, &str)> = tokens(line).collect();
        let Some(&(col, first)) = toks.first() else {
            return Ok(());
        };
        let (negative, digits) = match first.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, first),
        };
        if !digits.starts_with(|c: char| c.is_ascii_digit()) {
            out.skipped.other_lines += 1;
            return Ok(());
        }
        let stamp = i128::from(parse_seconds(digits, col + usize::from(negative))?);
        let stamp = if negative { -stamp } else { stamp };
        let rel_us = if self.relative {
            self.last_rel_us + stamp
        } else {
            stamp
        };
        self.last_rel_us = rel_us;
        // Before the header date is kept; before 1970 (or past u64) cannot be.
        let Ok(time_us) = u64::try_from(i128::from(self.base_us) + rel_us) else {
            out.skipped.negative_time += 1;
            return Ok(());
        };
        match toks.get(1) {
            Some((_, kw)) if kw.eq_ignore_ascii_case("CANFD") => self.fd_line(&toks, time_us, out),
            Some((_, ch)) if ch.bytes().all(|b| b.is_ascii_digit()) => {
                self.classic_line(&toks, time_us, out)
            }
            _ => {
                out.skipped.other_lines += 1;
                Ok(())
            }
        }
    }

    fn base_line(&mut self, line: &str) -> Result<(), LineError> {
        let toks: Vec<(usize, &str)> = tokens(line).collect();
        for pair in toks.windows(2) {
            let (key, (col, value)) = (pair[0].1, pair[1]);
            if key.eq_ignore_ascii_case("base") {
                self.radix = match value.to_ascii_lowercase().as_str() {
                    "hex" => 16,
                    "dec" => 10,
                    _ => return Err((col, format!("base `{value}`: expected `hex` or `dec`"))),
                };
            } else if key.eq_ignore_ascii_case("timestamps") {
                self.relative = match value.to_ascii_lowercase().as_str() {
                    "absolute" => false,
                    "relative" => true,
                    _ => {
                        return Err((
                            col,
                            format!("timestamps `{value}`: expected `absolute` or `relative`"),
                        ));
                    }
                };
            }
        }
        Ok(())
    }

    fn comment(&mut self, comment: &str) {
        let Some(rest) = comment.trim().strip_prefix("evtwin channel ") else {
            return;
        };
        if let Some((n, name)) = rest.split_once('=')
            && let Ok(n) = n.trim().parse::<u32>()
            && !name.trim().is_empty()
        {
            self.names.insert(n, name.trim().to_owned());
        }
    }

    fn iface(&self, (col, text): (usize, &str)) -> Result<String, LineError> {
        match text.parse::<u32>() {
            Ok(0) | Err(_) => Err((col, format!("channel `{text}`: expected a number from 1"))),
            Ok(n) => Ok(self
                .names
                .get(&n)
                .cloned()
                .unwrap_or_else(|| format!("can{}", n - 1))),
        }
    }

    fn number(&self, (col, text): (usize, &str), what: &str, max: u32) -> Result<u32, LineError> {
        u32::from_str_radix(text, self.radix)
            .ok()
            .filter(|&v| v <= max)
            .ok_or_else(|| (col, format!("`{text}` is not a valid {what}")))
    }

    fn id(&self, (col, text): (usize, &str)) -> Result<CanId, LineError> {
        let (digits, extended) = match text.strip_suffix(['x', 'X']) {
            Some(d) => (d, true),
            None => (text, false),
        };
        let raw = u32::from_str_radix(digits, self.radix)
            .map_err(|_| (col, format!("`{text}` is not a CAN ID")))?;
        let id = if extended {
            CanId::extended(raw)
        } else {
            CanId::standard(raw)
        };
        id.ok_or_else(|| (col, format!("CAN ID `{text}` is out of range")))
    }

    fn data(
        &self,
        toks: &[(usize, &str)],
        at: usize,
        len: usize,
        end_col: usize,
    ) -> Result<[u8; 64], LineError> {
        let mut data = [0u8; 64];
        for (i, byte) in data.iter_mut().enumerate().take(len) {
            let tok = toks
                .get(at + i)
                .copied()
                .ok_or_else(|| (end_col, format!("expected {len} data bytes, found {i}")))?;
            #[allow(clippy::cast_possible_truncation)] // checked <= 255
            let value = self.number(tok, "data byte", 255)? as u8;
            *byte = value;
        }
        Ok(data)
    }

    fn classic_line(
        &self,
        toks: &[(usize, &str)],
        time_us: u64,
        out: &mut ParsedLog,
    ) -> Result<(), LineError> {
        let end_col = toks.last().map_or(1, |(c, t)| c + t.len());
        let Some(&(_, what)) = toks.get(2) else {
            out.skipped.other_lines += 1;
            return Ok(());
        };
        if what.eq_ignore_ascii_case("ErrorFrame") {
            out.skipped.error_frames += 1;
            return Ok(());
        }
        let dir = match toks.get(3).map(|t| t.1) {
            Some("Rx") => Direction::Rx,
            Some("Tx") => Direction::Tx,
            Some("TxRq") => {
                out.skipped.unsupported += 1;
                return Ok(());
            }
            _ => {
                out.skipped.other_lines += 1; // statistics, chip states, J1939 events...
                return Ok(());
            }
        };
        let iface = self.iface(toks[1])?;
        let id = self.id(toks[2])?;
        match toks.get(4).map(|t| t.1) {
            Some("r" | "R") => {
                out.skipped.remote += 1;
                return Ok(());
            }
            Some("d" | "D") => {}
            _ => {
                return Err((
                    toks.get(4).map_or(end_col, |t| t.0),
                    "expected `d` (data) or `r` (remote)".into(),
                ));
            }
        }
        let dlc_tok = toks
            .get(5)
            .copied()
            .ok_or((end_col, "missing DLC".to_owned()))?;
        let len = (self.number(dlc_tok, "DLC", 15)? as usize).min(8);
        let data = self.data(toks, 6, len, end_col)?;
        let frame = Frame::classic(id, &data[..len]).map_err(|e| (dlc_tok.0, e.to_string()))?;
        out.records.push(LogRecord::new(iface, time_us, dir, frame));
        Ok(())
    }

    fn fd_line(
        &self,
        toks: &[(usize, &str)],
        time_us: u64,
        out: &mut ParsedLog,
    ) -> Result<(), LineError> {
        let end_col = toks.last().map_or(1, |(c, t)| c + t.len());
        let need = |i: usize| {
            toks.get(i)
                .copied()
                .ok_or((end_col, "incomplete CANFD line".to_owned()))
        };
        let iface = self.iface(need(2)?)?;
        if need(3)?.1.eq_ignore_ascii_case("ErrorFrame")
            || need(4)?.1.eq_ignore_ascii_case("ErrorFrame")
        {
            out.skipped.error_frames += 1;
            return Ok(());
        }
        let dir = match need(3)? {
            (_, "Rx") => Direction::Rx,
            (_, "Tx") => Direction::Tx,
            (_, "TxRq") => {
                out.skipped.unsupported += 1;
                return Ok(());
            }
            (col, other) => return Err((col, format!("`{other}`: expected `Rx` or `Tx`"))),
        };
        let id = self.id(need(4)?)?;
        // An optional symbolic name sits between the id and the BRS bit.
        let named = !matches!((need(5)?.1, need(6)?.1), ("0" | "1", "0" | "1"));
        let at = if named { 6 } else { 5 };
        let brs = match need(at)? {
            (_, b) if b == "0" || b == "1" => b == "1",
            (col, b) => return Err((col, format!("BRS `{b}`: expected 0 or 1"))),
        };
        let esi = match need(at + 1)? {
            (_, e) if e == "0" || e == "1" => e == "1",
            (col, e) => return Err((col, format!("ESI `{e}`: expected 0 or 1"))),
        };
        let dlc_tok = need(at + 2)?;
        let dlc = u32::from_str_radix(dlc_tok.1, 16)
            .ok()
            .filter(|&d| d <= 15)
            .ok_or_else(|| (dlc_tok.0, format!("`{}` is not a valid DLC", dlc_tok.1)))?;
        let len_tok = need(at + 3)?;
        let len = len_tok
            .1
            .parse::<usize>()
            .ok()
            .filter(|&l| l <= 64)
            .ok_or_else(|| {
                (
                    len_tok.0,
                    format!("`{}` is not a data length (0..=64)", len_tok.1),
                )
            })?;
        let data = self.data(toks, at + 4, len, end_col)?;
        // Message duration, message length, flags: classic frames may use this
        // line format too, told apart by the FDF flag.
        let flags = match toks.get(at + 4 + len + 2) {
            Some(&(col, f)) => Some(
                u32::from_str_radix(f, 16)
                    .map_err(|_| (col, format!("flags `{f}` are not hexadecimal")))?,
            ),
            None => None,
        };
        let fd = flags.is_none_or(|f| f & ASC_F_FDF != 0);
        if !fd && flags.is_some_and(|f| f & ASC_F_RTR != 0) {
            out.skipped.remote += 1;
            return Ok(());
        }
        let brs = brs || flags.is_some_and(|f| f & ASC_F_BRS != 0);
        let esi = esi || flags.is_some_and(|f| f & ASC_F_ESI != 0);
        let frame = if fd {
            Frame::fd(id, &data[..len], brs).map(|f| f.with_esi(esi))
        } else {
            Frame::classic(id, &data[..len])
        }
        .map_err(|e| (len_tok.0, e.to_string()))?;
        let _ = dlc; // the data length is authoritative
        out.records.push(LogRecord::new(iface, time_us, dir, frame));
        Ok(())
    }
}
