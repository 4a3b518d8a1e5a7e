//! SAE J1939 on CAN, the part the charging protocols need: 29-bit identifiers
//! (priority, PGN, source and destination address) and the J1939-21 transport
//! protocol for messages of 9 to 1785 bytes ([`tp::Transport`], sans-I/O).

pub mod tp;
mod tp_rx;
mod tp_tx;
mod tp_wire;

pub use tp::{AbortReason, TpConfig, TpEvent, TpRole, TpSendError, TpStats, Transport};

use crate::frame::{CanId, Frame};

/// The global (broadcast) destination address.
pub const GLOBAL: u8 = 0xFF;
/// TP.CM, the transport protocol's connection management PGN.
pub const PGN_TP_CM: u32 = 0xEC00;
/// TP.DT, the transport protocol's data transfer PGN.
pub const PGN_TP_DT: u32 = 0xEB00;

/// A J1939 identifier taken apart: priority (0..=7), PGN (18 bits), source and
/// destination address. For a PDU2 PGN (PF ≥ 240) the destination is [`GLOBAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct J1939Id {
    /// Priority, 0 (highest) ..= 7.
    pub priority: u8,
    /// Parameter group number (data page, PF and, for PDU2, PS).
    pub pgn: u32,
    /// Source address.
    pub sa: u8,
    /// Destination address ([`GLOBAL`] for PDU2 PGNs).
    pub da: u8,
}

/// Whether `pgn` is a PDU1 (destination-specific) PGN: PF below 240.
#[must_use]
pub const fn is_pdu1(pgn: u32) -> bool {
    (pgn >> 8) & 0xFF < 240
}

impl J1939Id {
    /// An identifier from its parts.
    #[must_use]
    pub const fn new(priority: u8, pgn: u32, sa: u8, da: u8) -> Self {
        Self {
            priority,
            pgn,
            sa,
            da,
        }
    }

    /// The parts of an extended identifier; `None` for a standard one.
    #[must_use]
    pub const fn from_can(id: CanId) -> Option<Self> {
        let CanId::Extended(raw) = id else {
            return None;
        };
        #[allow(clippy::cast_possible_truncation)] // masked to 3 and 8 bits
        let (priority, ps, sa) = (
            ((raw >> 26) & 7) as u8,
            ((raw >> 8) & 0xFF) as u8,
            (raw & 0xFF) as u8,
        );
        let pf = (raw >> 16) & 0xFF;
        let page = (raw >> 24) & 3;
        let (pgn, da) = if pf < 240 {
            (page << 16 | pf << 8, ps)
        } else {
            (page << 16 | pf << 8 | ps as u32, GLOBAL)
        };
        Some(Self {
            priority,
            pgn,
            sa,
            da,
        })
    }

    /// The 29-bit identifier value.
    #[must_use]
    pub const fn raw(self) -> u32 {
        let ps = if is_pdu1(self.pgn) {
            self.da as u32
        } else {
            self.pgn & 0xFF
        };
        ((self.priority & 7) as u32) << 26 | (self.pgn & 0x3_FF00) << 8 | ps << 8 | self.sa as u32
    }

    /// As a CAN identifier (always extended).
    #[must_use]
    pub const fn can_id(self) -> CanId {
        CanId::Extended(self.raw())
    }

    /// A classic frame with this identifier; `data` is cut to 8 bytes.
    #[must_use]
    pub fn frame(self, data: &[u8]) -> Frame {
        let data = &data[..data.len().min(8)];
        Frame::classic(self.can_id(), data).unwrap_or_else(|_| unreachable!("8 bytes at most"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        // GB/T CHM: priority 6, PGN 0x2600, charger 0x56 to BMS 0xF4.
        let id = J1939Id::new(6, 0x2600, 0x56, 0xF4);
        assert_eq!(id.raw(), 0x1826_F456);
        assert_eq!(J1939Id::from_can(CanId::Extended(0x1826_F456)), Some(id));
        // PDU2: PGN 0xFECA (DM1) is broadcast; the PS is part of the PGN.
        let dm1 = J1939Id::from_can(CanId::Extended(0x18FE_CA00)).unwrap_or_else(|| unreachable!());
        assert_eq!((dm1.pgn, dm1.da, dm1.sa), (0xFECA, GLOBAL, 0));
        assert_eq!(dm1.raw(), 0x18FE_CA00);
        assert_eq!(J1939Id::from_can(CanId::Standard(0x100)), None);
        assert!(is_pdu1(PGN_TP_CM) && !is_pdu1(0xFECA));
    }
}
