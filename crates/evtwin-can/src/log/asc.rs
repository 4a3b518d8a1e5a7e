//! Vector ASC text, the subset CANoe/CANalyzer, python-can and can-utils'
//! `log2asc`/`asc2log` share:
//!
//! ```text
//! date Tue Nov 14 22:13:20.000 2023
//! base hex  timestamps absolute
//! internal events logged
//! // evtwin channel 1 = can0
//! Begin Triggerblock Tue Nov 14 22:13:20.000 2023
//!    0.000000 Start of measurement
//!    0.001234 1  123             Rx   d 8 00 11 22 33 44 55 66 77
//!    0.002000 1  18FF50E5x       Tx   d 2 01 02
//!    0.003000 CANFD   1 Rx      7FF                                   1 0 9 12 <12 bytes> 0 0 3000 0 0 0 0 0
//! End TriggerBlock
//! ```
//!
//! The CAN FD columns after the id: brs, esi, DLC (hex), data length
//! (decimal), data, message duration, message length, flags (hex: 0x1000 FDF,
//! 0x2000 BRS, 0x4000 ESI, 0x10 RTR), CRC and four bit-timing words.

use std::fmt::Write as _;

use super::date::write_date;
use crate::frame::{CanId, Direction, FD_LENGTHS, Timestamped};

mod read;
pub(crate) use read::Reader;

const ASC_F_RTR: u32 = 0x10;
const ASC_F_FDF: u32 = 0x1000;
const ASC_F_BRS: u32 = 0x2000;
const ASC_F_ESI: u32 = 0x4000;

/// The closing line.
pub(crate) const FOOTER: &str = "End TriggerBlock\n";

/// Appends the header; times are then written relative to `base_us`.
pub(crate) fn write_header(out: &mut String, base_us: u64, iface: &str) {
    out.push_str("date ");
    write_date(out, base_us);
    out.push_str("\nbase hex  timestamps absolute\ninternal events logged\n");
    write_channel_comment(out, 1, iface);
    out.push_str("Begin Triggerblock ");
    write_date(out, base_us);
    out.push_str("\n   0.000000 Start of measurement\n");
}

/// Appends the comment that names channel `channel`.
pub(crate) fn write_channel_comment(out: &mut String, channel: u32, iface: &str) {
    let _ = writeln!(out, "// evtwin channel {channel} = {iface}");
}

fn push_id(out: &mut String, id: CanId) {
    let _ = write!(out, "{:X}", id.raw());
    if id.is_extended() {
        out.push('x');
    }
}

fn id_width(id: CanId) -> usize {
    let digits = (32 - id.raw().leading_zeros()).div_ceil(4).max(1);
    digits as usize + usize::from(id.is_extended())
}

/// Appends one frame line, `rel_us` after the header date.
pub(crate) fn write_frame(out: &mut String, rel_us: u64, channel: u32, rec: &Timestamped) {
    let frame = &rec.frame;
    let dir = match rec.dir {
        Direction::Rx => "Rx",
        Direction::Tx => "Tx",
    };
    let _ = write!(out, "{:>4}.{:06} ", rel_us / 1_000_000, rel_us % 1_000_000);
    if frame.is_fd() {
        let _ = write!(out, "CANFD {channel:>3} {dir:<4} ");
        for _ in id_width(frame.id())..8 {
            out.push(' ');
        }
        push_id(out, frame.id());
        let dlc = FD_LENGTHS
            .iter()
            .position(|&l| l == frame.len())
            .unwrap_or(15);
        let brs = u8::from(frame.brs());
        let esi = u8::from(frame.esi());
        let _ = write!(out, "  {:32} {brs} {esi} {dlc:x} {:>2}", "", frame.len());
        for b in frame.data() {
            let _ = write!(out, " {b:02X}");
        }
        let flags = ASC_F_FDF
            | if frame.brs() { ASC_F_BRS } else { 0 }
            | if frame.esi() { ASC_F_ESI } else { 0 };
        let _ = writeln!(
            out,
            " {:>8} {:>4} {flags:>8X} {:>8} {:>8} {:>8} {:>8} {:>8}",
            0, 0, 0, 0, 0, 0, 0
        );
    } else {
        let _ = write!(out, "{channel}  ");
        push_id(out, frame.id());
        for _ in id_width(frame.id())..15 {
            out.push(' ');
        }
        let _ = write!(out, " {dir:<4} d {:x}", frame.len());
        for b in frame.data() {
            let _ = write!(out, " {b:02X}");
        }
        out.push('\n');
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
