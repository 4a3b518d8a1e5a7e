//! TP.CM and TP.DT frames: their bytes (J1939-21 §5.10), nothing else.

use super::tp::AbortReason;

/// Control byte of a request to send.
pub const RTS: u8 = 16;
/// Control byte of a clear to send.
pub const CTS: u8 = 17;
/// Control byte of an end of message acknowledgment.
pub const EOMA: u8 = 19;
/// Control byte of a broadcast announce message.
pub const BAM: u8 = 32;
/// Control byte of a connection abort.
pub const ABORT: u8 = 255;

/// A decoded TP.CM frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cm {
    /// Request to send: size, packets, packets per CTS (0xFF: no limit).
    Rts {
        size: u16,
        packets: u8,
        max_per_cts: u8,
        pgn: u32,
    },
    /// Clear to send: how many packets, from which one (0 packets: hold).
    Cts { count: u8, next: u8, pgn: u32 },
    /// End of message acknowledgment.
    Eoma { size: u16, packets: u8, pgn: u32 },
    /// Broadcast announce.
    Bam { size: u16, packets: u8, pgn: u32 },
    /// Connection abort.
    Abort { reason: AbortReason, pgn: u32 },
}

fn pgn_bytes(pgn: u32) -> [u8; 3] {
    let b = pgn.to_le_bytes();
    [b[0], b[1], b[2]]
}

fn size_bytes(size: u16) -> [u8; 2] {
    size.to_le_bytes()
}

impl Cm {
    /// The 8 bytes of the frame; reserved bytes are 0xFF.
    #[must_use]
    pub fn encode(self) -> [u8; 8] {
        let (head, pgn): ([u8; 5], u32) = match self {
            Self::Rts {
                size,
                packets,
                max_per_cts,
                pgn,
            } => {
                let s = size_bytes(size);
                ([RTS, s[0], s[1], packets, max_per_cts], pgn)
            }
            Self::Cts { count, next, pgn } => ([CTS, count, next, 0xFF, 0xFF], pgn),
            Self::Eoma { size, packets, pgn } => {
                let s = size_bytes(size);
                ([EOMA, s[0], s[1], packets, 0xFF], pgn)
            }
            Self::Bam { size, packets, pgn } => {
                let s = size_bytes(size);
                ([BAM, s[0], s[1], packets, 0xFF], pgn)
            }
            Self::Abort { reason, pgn } => ([ABORT, reason.code(), 0xFF, 0xFF, 0xFF], pgn),
        };
        let p = pgn_bytes(pgn);
        [
            head[0], head[1], head[2], head[3], head[4], p[0], p[1], p[2],
        ]
    }

    /// Decodes 8 bytes; `None` for a short frame or an unknown control byte.
    #[must_use]
    pub fn decode(d: &[u8]) -> Option<Self> {
        if d.len() < 8 {
            return None;
        }
        let size = u16::from_le_bytes([d[1], d[2]]);
        let pgn = u32::from_le_bytes([d[5], d[6], d[7], 0]);
        Some(match d[0] {
            RTS => Self::Rts {
                size,
                packets: d[3],
                max_per_cts: d[4],
                pgn,
            },
            CTS => Self::Cts {
                count: d[1],
                next: d[2],
                pgn,
            },
            EOMA => Self::Eoma {
                size,
                packets: d[3],
                pgn,
            },
            BAM => Self::Bam {
                size,
                packets: d[3],
                pgn,
            },
            ABORT => Self::Abort {
                reason: AbortReason::from_code(d[1]),
                pgn,
            },
            _ => return None,
        })
    }
}

/// Packets needed for `size` bytes (7 per TP.DT).
#[must_use]
pub fn packets_for(size: usize) -> usize {
    size.div_ceil(7)
}

/// The TP.DT frame's 8 bytes for packet `seq` (1-based) of `data`; the last
/// packet is padded with 0xFF.
#[must_use]
pub fn dt(data: &[u8], seq: u8) -> [u8; 8] {
    let mut out = [0xFF; 8];
    out[0] = seq;
    let start = (usize::from(seq) - 1) * 7;
    let end = (start + 7).min(data.len());
    if start < end {
        out[1..=end - start].copy_from_slice(&data[start..end]);
    }
    out
}
