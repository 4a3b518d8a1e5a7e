//! AUTOSAR E2E protection, profiles 1 and 2: a CRC-8 and a 4-bit alive counter
//! inside the payload, written by the sender ([`E2eConfig::protect`]) and checked
//! by the receiver ([`E2eChecker`]).
//!
//! - Profile 1: CRC-8 (poly 0x1D, init 0x00, no final xor) over the data ID
//!   (per [`DataIdMode`]) and then every data byte except the CRC byte; counter
//!   0..=14.
//! - Profile 2: `CRC_8_AUTOSAR` (poly 0x2F, init 0xFF, xorout 0xFF) over every
//!   data byte except the CRC byte and then `data_id_list[counter]`; counter 0..=15.
//!
//! The standard layout puts the CRC in byte 0 and the counter in the low nibble
//! of byte 1 (`crc_byte: 0, counter_bit: 8`). Bit offsets count from bit 0 of
//! byte 0 (LSB first), so `counter_bit: 12` is the high nibble of byte 1.

use crc::{Algorithm, CRC_8_AUTOSAR, Crc};

/// Profile 1's CRC: poly 0x1D, init 0x00, no reflection, no final xor.
const P01_ALGORITHM: Algorithm<u8> = Algorithm {
    width: 8,
    poly: 0x1D,
    init: 0x00,
    refin: false,
    refout: false,
    xorout: 0x00,
    check: 0x37,
    residue: 0x00,
};

static P01_CRC: Crc<u8> = Crc::<u8>::new(&P01_ALGORITHM);
static P02_CRC: Crc<u8> = Crc::<u8>::new(&CRC_8_AUTOSAR);

/// How profile 1 folds the 16-bit data ID into the CRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DataIdMode {
    /// Low byte, then high byte (AUTOSAR `E2E_P01_DATAID_BOTH`).
    #[default]
    Both,
    /// Low byte when the counter is even, high byte when odd (`DATAID_ALT`).
    Alt,
    /// Low byte only (`DATAID_LOW`); the high byte is not used.
    Low,
    /// Low byte, then a zero byte; the data ID's bits 8..=11 travel in the
    /// payload as a nibble at bit offset `nibble_bit` (`DATAID_NIBBLE`).
    Nibble {
        /// Bit offset (a multiple of 4) of the data ID nibble in the payload.
        nibble_bit: usize,
    },
}

/// Profile 1 settings (data ID mode [`DataIdMode::Both`]; use
/// [`E2eConfig::Profile1WithMode`] for another mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile1 {
    /// The 16-bit data ID of the message.
    pub data_id: u16,
    /// Byte offset of the CRC.
    pub crc_byte: usize,
    /// Bit offset of the counter nibble (a multiple of 4).
    pub counter_bit: usize,
}

/// Profile 2 settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile2 {
    /// One data ID byte per counter value.
    pub data_id_list: [u8; 16],
    /// Byte offset of the CRC (0 in the AUTOSAR layout).
    pub crc_byte: usize,
    /// Bit offset of the counter nibble (8 in the AUTOSAR layout).
    pub counter_bit: usize,
}

/// The E2E protection of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum E2eConfig {
    /// Profile 1 with the data ID in both bytes.
    Profile1(Profile1),
    /// Profile 1 with another data ID mode.
    Profile1WithMode(Profile1, DataIdMode),
    /// Profile 2.
    Profile2(Profile2),
}

/// Why a payload cannot carry the configured protection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E2eError {
    /// A field lies past the end of the payload.
    #[error("E2E {field} at {position} does not fit a {len}-byte payload")]
    OutOfRange {
        /// `CRC`, `counter` or `data ID nibble`.
        field: &'static str,
        /// Its byte or bit offset, as configured.
        position: usize,
        /// The payload length.
        len: usize,
    },
    /// A nibble offset that is not a multiple of 4.
    #[error("E2E {field} bit offset {bit} is not a multiple of 4")]
    Unaligned {
        /// `counter` or `data ID nibble`.
        field: &'static str,
        /// The bit offset.
        bit: usize,
    },
    /// Two fields share bits.
    #[error("E2E fields overlap (CRC byte {crc_byte}, nibble at bit {bit})")]
    Overlap {
        /// The CRC byte.
        crc_byte: usize,
        /// The overlapping nibble's bit offset.
        bit: usize,
    },
    /// Profile 1 nibble mode with a data ID above 0x0FFF.
    #[error("data ID {data_id:#06X} does not fit the nibble mode (at most 0x0FFF)")]
    DataIdTooWide {
        /// The data ID.
        data_id: u16,
    },
}

fn get_nibble(data: &[u8], bit: usize) -> u8 {
    (data[bit / 8] >> (bit % 8)) & 0x0F
}

fn set_nibble(data: &mut [u8], bit: usize, value: u8) {
    let shift = bit % 8;
    let byte = &mut data[bit / 8];
    *byte = (*byte & !(0x0F << shift)) | ((value & 0x0F) << shift);
}

fn check_nibble(
    field: &'static str,
    bit: usize,
    crc_byte: usize,
    len: usize,
) -> Result<(), E2eError> {
    if !bit.is_multiple_of(4) {
        return Err(E2eError::Unaligned { field, bit });
    }
    if bit / 8 >= len {
        return Err(E2eError::OutOfRange {
            field,
            position: bit,
            len,
        });
    }
    if bit / 8 == crc_byte {
        return Err(E2eError::Overlap { crc_byte, bit });
    }
    Ok(())
}

impl E2eConfig {
    /// Byte offset of the CRC in the payload.
    #[must_use]
    pub fn crc_byte(&self) -> usize {
        self.parts().0
    }

    fn parts(&self) -> (usize, usize) {
        match self {
            Self::Profile1(p) | Self::Profile1WithMode(p, _) => (p.crc_byte, p.counter_bit),
            Self::Profile2(p) => (p.crc_byte, p.counter_bit),
        }
    }

    fn mode(&self) -> Option<DataIdMode> {
        match self {
            Self::Profile1(_) => Some(DataIdMode::Both),
            Self::Profile1WithMode(_, mode) => Some(*mode),
            Self::Profile2(_) => None,
        }
    }

    /// How many counter values there are: 15 (profile 1) or 16 (profile 2).
    #[must_use]
    pub const fn counter_modulus(&self) -> u8 {
        match self {
            Self::Profile1(_) | Self::Profile1WithMode(..) => 15,
            Self::Profile2(_) => 16,
        }
    }

    /// Whether a payload of `len` bytes can carry this protection.
    pub fn validate(&self, len: usize) -> Result<(), E2eError> {
        let (crc_byte, counter_bit) = self.parts();
        if crc_byte >= len {
            return Err(E2eError::OutOfRange {
                field: "CRC",
                position: crc_byte,
                len,
            });
        }
        check_nibble("counter", counter_bit, crc_byte, len)?;
        if let Self::Profile1WithMode(p, DataIdMode::Nibble { nibble_bit }) = self {
            check_nibble("data ID nibble", *nibble_bit, crc_byte, len)?;
            if *nibble_bit == counter_bit {
                return Err(E2eError::Overlap {
                    crc_byte,
                    bit: *nibble_bit,
                });
            }
            if p.data_id > 0x0FFF {
                return Err(E2eError::DataIdTooWide { data_id: p.data_id });
            }
        }
        Ok(())
    }

    /// The CRC of `data` (which must pass [`Self::validate`]) for the counter
    /// it carries; the CRC byte itself is skipped.
    fn crc(&self, data: &[u8]) -> u8 {
        let (crc_byte, counter_bit) = self.parts();
        let before = &data[..crc_byte];
        let after = &data[crc_byte + 1..];
        match self {
            Self::Profile2(p) => {
                let counter = get_nibble(data, counter_bit);
                let mut digest = P02_CRC.digest();
                digest.update(before);
                digest.update(after);
                digest.update(&[p.data_id_list[usize::from(counter)]]);
                digest.finalize()
            }
            Self::Profile1(p) | Self::Profile1WithMode(p, _) => {
                let [low, high] = p.data_id.to_le_bytes();
                let mut digest = P01_CRC.digest();
                match self.mode().unwrap_or_default() {
                    DataIdMode::Both => digest.update(&[low, high]),
                    DataIdMode::Alt => {
                        let odd = get_nibble(data, counter_bit) % 2 == 1;
                        digest.update(&[if odd { high } else { low }]);
                    }
                    DataIdMode::Low => digest.update(&[low]),
                    DataIdMode::Nibble { .. } => digest.update(&[low, 0]),
                }
                digest.update(before);
                digest.update(after);
                digest.finalize()
            }
        }
    }

    /// Protects a payload: writes `*counter` (reduced modulo the profile's
    /// counter range) into the counter nibble, the data ID nibble in profile 1
    /// nibble mode, then the CRC; then advances `*counter` (wrapping 14 → 0 in
    /// profile 1, 15 → 0 in profile 2).
    pub fn protect(&self, data: &mut [u8], counter: &mut u8) -> Result<(), E2eError> {
        self.validate(data.len())?;
        let (crc_byte, counter_bit) = self.parts();
        let modulus = self.counter_modulus();
        let value = *counter % modulus;
        set_nibble(data, counter_bit, value);
        if let Self::Profile1WithMode(p, DataIdMode::Nibble { nibble_bit }) = self {
            #[allow(clippy::cast_possible_truncation)] // masked to 4 bits
            set_nibble(data, *nibble_bit, ((p.data_id >> 8) & 0x0F) as u8);
        }
        data[crc_byte] = self.crc(data);
        *counter = (value + 1) % modulus;
        Ok(())
    }

    /// Whether the CRC of `data` is right (false when `data` is too short).
    #[must_use]
    pub fn crc_matches(&self, data: &[u8]) -> bool {
        if self.validate(data.len()).is_err() {
            return false;
        }
        let nibble_ok = match self {
            Self::Profile1WithMode(p, DataIdMode::Nibble { nibble_bit }) => {
                u16::from(get_nibble(data, *nibble_bit)) == (p.data_id >> 8) & 0x0F
            }
            _ => true,
        };
        nibble_ok && data[self.parts().0] == self.crc(data)
    }

    /// The counter a payload carries (None when `data` is too short).
    #[must_use]
    pub fn counter_of(&self, data: &[u8]) -> Option<u8> {
        let bit = self.parts().1;
        (bit / 8 < data.len()).then(|| get_nibble(data, bit))
    }
}

mod checker;
pub use checker::{E2eChecker, E2eStatus};
mod state;
pub use state::{Check, E2eStateMachine, SmConfig, SmState};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
