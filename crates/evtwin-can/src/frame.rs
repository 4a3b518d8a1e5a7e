//! The frame type every part of the crate shares: an identifier (11 or 29 bits),
//! a payload of up to 8 bytes (classic CAN) or 64 bytes (CAN FD), and the flags
//! that go with it. Pure data: no I/O.

use std::fmt;

/// A CAN identifier: standard (11 bits) or extended (29 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CanId {
    /// 11-bit identifier (0..=0x7FF).
    Standard(u16),
    /// 29-bit identifier (`0..=0x1FFF_FFFF`).
    Extended(u32),
}

impl CanId {
    /// The bare identifier value.
    #[must_use]
    pub const fn raw(self) -> u32 {
        match self {
            Self::Standard(id) => id as u32,
            Self::Extended(id) => id,
        }
    }

    /// Whether it is a 29-bit identifier.
    #[must_use]
    pub const fn is_extended(self) -> bool {
        matches!(self, Self::Extended(_))
    }

    /// A standard identifier, if `id` fits in 11 bits.
    #[must_use]
    pub const fn standard(id: u32) -> Option<Self> {
        if id <= 0x7FF {
            #[allow(clippy::cast_possible_truncation)]
            Some(Self::Standard(id as u16))
        } else {
            None
        }
    }

    /// An extended identifier, if `id` fits in 29 bits.
    #[must_use]
    pub const fn extended(id: u32) -> Option<Self> {
        if id <= 0x1FFF_FFFF {
            Some(Self::Extended(id))
        } else {
            None
        }
    }

    /// From a DBC message id: bit 31 set marks an extended identifier.
    #[must_use]
    pub const fn from_dbc(raw: u32) -> Option<Self> {
        if raw & 0x8000_0000 != 0 {
            Self::extended(raw & 0x7FFF_FFFF)
        } else {
            Self::standard(raw)
        }
    }
}

impl fmt::Display for CanId {
    /// As candump writes it: 3 hex digits for standard, 8 for extended.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Standard(id) => write!(f, "{id:03X}"),
            Self::Extended(id) => write!(f, "{id:08X}"),
        }
    }
}

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// More bytes than the frame kind holds.
    #[error("{len} data bytes do not fit a {kind} frame (at most {max})")]
    TooLong {
        /// Bytes given.
        len: usize,
        /// `classic` or `CAN FD`.
        kind: &'static str,
        /// The most the kind holds.
        max: usize,
    },
    /// A CAN FD length that is not one of 0..=8, 12, 16, 20, 24, 32, 48, 64.
    #[error("{len} bytes is not a CAN FD length (0-8, 12, 16, 20, 24, 32, 48, 64)")]
    FdLength {
        /// Bytes given.
        len: usize,
    },
}

/// The lengths a CAN FD frame can have.
pub const FD_LENGTHS: [usize; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64];

/// The smallest CAN FD length that holds `len` bytes (None above 64).
#[must_use]
pub fn fd_length_for(len: usize) -> Option<usize> {
    FD_LENGTHS.into_iter().find(|&l| l >= len)
}

/// A data frame, classic or FD. Remote frames are not modelled (CAN FD has none
/// and DBC-driven networks do not use them); receivers count them as unexpected.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    id: CanId,
    fd: bool,
    brs: bool,
    esi: bool,
    len: u8,
    data: [u8; 64],
}

impl Frame {
    /// A classic frame with 0..=8 bytes.
    pub fn classic(id: CanId, data: &[u8]) -> Result<Self, FrameError> {
        if data.len() > 8 {
            return Err(FrameError::TooLong {
                len: data.len(),
                kind: "classic",
                max: 8,
            });
        }
        Ok(Self::with(id, false, false, data))
    }

    /// A CAN FD frame; `data.len()` must be a CAN FD length. `brs`: bit-rate switch.
    pub fn fd(id: CanId, data: &[u8], brs: bool) -> Result<Self, FrameError> {
        if data.len() > 64 {
            return Err(FrameError::TooLong {
                len: data.len(),
                kind: "CAN FD",
                max: 64,
            });
        }
        if !FD_LENGTHS.contains(&data.len()) {
            return Err(FrameError::FdLength { len: data.len() });
        }
        Ok(Self::with(id, true, brs, data))
    }

    fn with(id: CanId, fd: bool, brs: bool, data: &[u8]) -> Self {
        let mut bytes = [0; 64];
        bytes[..data.len()].copy_from_slice(data);
        #[allow(clippy::cast_possible_truncation)] // checked: at most 64
        let len = data.len() as u8;
        Self {
            id,
            fd,
            brs,
            esi: false,
            len,
            data: bytes,
        }
    }

    /// Its identifier.
    #[must_use]
    pub const fn id(&self) -> CanId {
        self.id
    }

    /// Whether it is a CAN FD frame.
    #[must_use]
    pub const fn is_fd(&self) -> bool {
        self.fd
    }

    /// Whether the FD bit-rate switch is set.
    #[must_use]
    pub const fn brs(&self) -> bool {
        self.brs
    }

    /// Whether the FD error state indicator is set (the sender was error
    /// passive). Logs keep it; classic frames never have it.
    #[must_use]
    pub const fn esi(&self) -> bool {
        self.esi
    }

    /// The frame with the FD error state indicator `esi` (ignored for a
    /// classic frame).
    #[must_use]
    pub const fn with_esi(mut self, esi: bool) -> Self {
        self.esi = esi && self.fd;
        self
    }

    /// Its payload.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data[..usize::from(self.len)]
    }

    /// Its payload length in bytes.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the payload is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)?;
        f.write_str(if self.fd { "##" } else { "#" })?;
        if self.fd {
            write!(f, "{:X}", u8::from(self.brs) | u8::from(self.esi) << 1)?;
        }
        for b in self.data() {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// Which way a frame went, seen from the twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the twin.
    Tx,
    /// Received by the twin.
    Rx,
}

/// A frame with its time and direction, as logs record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamped {
    /// Microseconds since the Unix epoch (wall clock) or since the start (virtual
    /// time); the kernel's receive timestamp for received frames where it has one.
    pub time_us: u64,
    /// Sent or received.
    pub dir: Direction,
    /// The frame.
    pub frame: Frame,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_lengths() {
        assert_eq!(CanId::standard(0x800), None);
        assert_eq!(CanId::extended(0x2000_0000), None);
        assert_eq!(CanId::from_dbc(0x8000_0123), Some(CanId::Extended(0x123)));
        assert_eq!(CanId::from_dbc(0x123), Some(CanId::Standard(0x123)));
        assert_eq!(CanId::Extended(0x123).to_string(), "00000123");
        assert_eq!(fd_length_for(9), Some(12));
        assert_eq!(fd_length_for(65), None);
        assert!(Frame::classic(CanId::Standard(1), &[0; 9]).is_err());
        assert_eq!(
            Frame::fd(CanId::Standard(1), &[0; 10], false),
            Err(FrameError::FdLength { len: 10 })
        );
        let f = Frame::fd(
            CanId::Standard(0x12),
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            true,
        )
        .expect("valid");
        assert_eq!(format!("{f:?}"), "012##10102030405060708090A0B0C");
        assert_eq!(f.len(), 12);
        let e = f.with_esi(true);
        assert!(e.esi() && e != f);
        assert_eq!(format!("{e:?}"), "012##30102030405060708090A0B0C");
        let c = Frame::classic(CanId::Standard(1), &[]).expect("valid");
        assert!(!c.with_esi(true).esi());
    }
}
