//! The five CHAdeMO frames (IEEE 2030.1.1, CHAdeMO 1.x), each as a struct of
//! wire values with `encode` / `decode`. 11-bit identifiers, 8 data bytes,
//! little-endian words. Reserved bytes and unused flag bits are sent as 0 (the
//! CHAdeMO convention; `../shared/docs/can-reference.md` names no other value);
//! on receipt they are ignored but reported by `decode` so a caller can count
//! them. The CHAdeMO 2.0 frames 0x110 / 0x118 (dynamic control, extended
//! functions) are not in the reference tables and are not implemented.

pub use super::flags::{ChargerStatus, EvFaults, EvStatus};
use crate::frame::{CanId, Frame};

/// EV → charger: charging limits (0x100).
pub const ID_EV_LIMITS: u16 = 0x100;
/// EV → charger: charging time and capacity (0x101).
pub const ID_EV_TIME: u16 = 0x101;
/// EV → charger: request, faults and status (0x102).
pub const ID_EV_STATUS: u16 = 0x102;
/// Charger → EV: capability (0x108).
pub const ID_CHARGER_CAPABILITY: u16 = 0x108;
/// Charger → EV: output and status (0x109).
pub const ID_CHARGER_STATUS: u16 = 0x109;

/// Why a received frame was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MsgError {
    /// Not an 8-byte classic frame with the expected 11-bit identifier.
    #[error("frame 0x{id:X} has {len} data bytes (CHAdeMO frames have 8)")]
    Length {
        /// Identifier.
        id: u32,
        /// Bytes received.
        len: usize,
    },
    /// An identifier that is not the message's.
    #[error("frame 0x{id:X} is not CHAdeMO message 0x{want:X}")]
    WrongId {
        /// Identifier received.
        id: u32,
        /// Identifier expected.
        want: u16,
    },
}

fn frame(id: u16, data: [u8; 8]) -> Frame {
    // 8 bytes always fit a classic frame.
    Frame::classic(CanId::Standard(id), &data).unwrap_or_else(|_| unreachable!())
}

fn bytes(f: &Frame, want: u16) -> Result<[u8; 8], MsgError> {
    if f.id() != CanId::Standard(want) {
        return Err(MsgError::WrongId {
            id: f.id().raw(),
            want,
        });
    }
    let d = f.data();
    if f.is_fd() || d.len() != 8 {
        return Err(MsgError::Length {
            id: f.id().raw(),
            len: d.len(),
        });
    }
    let mut b = [0; 8];
    b.copy_from_slice(d);
    Ok(b)
}

fn word(b: [u8; 8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn put(b: &mut [u8; 8], i: usize, v: u16) {
    b[i..i + 2].copy_from_slice(&v.to_le_bytes());
}

/// A decoded message and whether any reserved bit was set (ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<T> {
    /// The message.
    pub msg: T,
    /// Whether a reserved byte or unused flag bit was not 0.
    pub reserved_set: bool,
}

/// 0x100: the EV's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvLimits {
    /// Byte 0: minimum charge current, A.
    pub min_charge_current_a: u8,
    /// Byte 2..3: minimum battery voltage, V.
    pub min_battery_v: u16,
    /// Byte 4..5: maximum battery voltage, V: the charger stops above it.
    pub max_battery_v: u16,
    /// Byte 6: charged-rate reference, % (100 = the SOC scale's full).
    pub charged_rate_ref_pct: u8,
}

impl EvLimits {
    /// The frame; bytes 1 and 7 reserved (0).
    #[must_use]
    pub fn encode(&self) -> Frame {
        let mut b = [0; 8];
        b[0] = self.min_charge_current_a;
        put(&mut b, 2, self.min_battery_v);
        put(&mut b, 4, self.max_battery_v);
        b[6] = self.charged_rate_ref_pct;
        frame(ID_EV_LIMITS, b)
    }

    /// From a frame.
    pub fn decode(f: &Frame) -> Result<Decoded<Self>, MsgError> {
        let b = bytes(f, ID_EV_LIMITS)?;
        Ok(Decoded {
            msg: Self {
                min_charge_current_a: b[0],
                min_battery_v: word(b, 2),
                max_battery_v: word(b, 4),
                charged_rate_ref_pct: b[6],
            },
            reserved_set: b[1] != 0 || b[7] != 0,
        })
    }
}

/// 0x101: the EV's charging time and capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvTime {
    /// Byte 1: maximum charging time in 10 s units; 0xFF: use the minutes.
    pub max_charge_time_10s: u8,
    /// Byte 2: maximum charging time, minutes.
    pub max_charge_time_min: u8,
    /// Byte 3: estimated charging time, minutes.
    pub est_charge_time_min: u8,
    /// Byte 5..6: rated battery capacity, 0.1 kWh units.
    pub rated_capacity_100wh: u16,
}

impl EvTime {
    /// The frame; bytes 0, 4 and 7 reserved (0).
    #[must_use]
    pub fn encode(&self) -> Frame {
        let mut b = [0; 8];
        b[1] = self.max_charge_time_10s;
        b[2] = self.max_charge_time_min;
        b[3] = self.est_charge_time_min;
        put(&mut b, 5, self.rated_capacity_100wh);
        frame(ID_EV_TIME, b)
    }

    /// From a frame.
    pub fn decode(f: &Frame) -> Result<Decoded<Self>, MsgError> {
        let b = bytes(f, ID_EV_TIME)?;
        Ok(Decoded {
            msg: Self {
                max_charge_time_10s: b[1],
                max_charge_time_min: b[2],
                est_charge_time_min: b[3],
                rated_capacity_100wh: word(b, 5),
            },
            reserved_set: b[0] != 0 || b[4] != 0 || b[7] != 0,
        })
    }

    /// The maximum charging time, s (the 10 s field unless it is 0xFF).
    #[must_use]
    pub fn max_charge_time_s(&self) -> u32 {
        if self.max_charge_time_10s == 0xFF {
            u32::from(self.max_charge_time_min) * 60
        } else {
            u32::from(self.max_charge_time_10s) * 10
        }
    }
}

/// 0x102: the EV's request, faults and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvRequest {
    /// Byte 0: control protocol number.
    pub protocol: u8,
    /// Byte 1..2: target battery voltage, V.
    pub target_v: u16,
    /// Byte 3: charging current request, A.
    pub current_request_a: u8,
    /// Byte 4: fault flags.
    pub faults: EvFaults,
    /// Byte 5: status flags.
    pub status: EvStatus,
    /// Byte 6: state of charge, % of the charged-rate reference.
    pub soc_pct: u8,
}

impl EvRequest {
    /// The frame; byte 7 reserved (0).
    #[must_use]
    pub fn encode(&self) -> Frame {
        let mut b = [0; 8];
        b[0] = self.protocol;
        put(&mut b, 1, self.target_v);
        b[3] = self.current_request_a;
        b[4] = self.faults.bits();
        b[5] = self.status.bits();
        b[6] = self.soc_pct;
        frame(ID_EV_STATUS, b)
    }

    /// From a frame.
    pub fn decode(f: &Frame) -> Result<Decoded<Self>, MsgError> {
        let b = bytes(f, ID_EV_STATUS)?;
        Ok(Decoded {
            msg: Self {
                protocol: b[0],
                target_v: word(b, 1),
                current_request_a: b[3],
                faults: EvFaults::from_bits(b[4]),
                status: EvStatus::from_bits(b[5]),
                soc_pct: b[6],
            },
            reserved_set: b[4] & 0xE0 != 0 || b[5] & 0xE0 != 0 || b[7] != 0,
        })
    }
}

/// 0x108: the charger's capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerCapability {
    /// Byte 0: welding detection supported (0: no; anything else: yes).
    pub welding_detection: u8,
    /// Byte 1..2: available output voltage, V.
    pub available_v: u16,
    /// Byte 3: available output current, A.
    pub available_a: u8,
    /// Byte 4..5: threshold voltage, V: the charger stops above it.
    pub threshold_v: u16,
}

impl ChargerCapability {
    /// The frame; bytes 6 and 7 reserved (0).
    #[must_use]
    pub fn encode(&self) -> Frame {
        let mut b = [0; 8];
        b[0] = self.welding_detection;
        put(&mut b, 1, self.available_v);
        b[3] = self.available_a;
        put(&mut b, 4, self.threshold_v);
        frame(ID_CHARGER_CAPABILITY, b)
    }

    /// From a frame.
    pub fn decode(f: &Frame) -> Result<Decoded<Self>, MsgError> {
        let b = bytes(f, ID_CHARGER_CAPABILITY)?;
        Ok(Decoded {
            msg: Self {
                welding_detection: b[0],
                available_v: word(b, 1),
                available_a: b[3],
                threshold_v: word(b, 4),
            },
            reserved_set: b[6] != 0 || b[7] != 0,
        })
    }
}

/// 0x109: the charger's output and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChargerOutputMsg {
    /// Byte 0: control protocol number.
    pub protocol: u8,
    /// Byte 1..2: present output voltage, V.
    pub present_v: u16,
    /// Byte 3: present output current, A.
    pub present_a: u8,
    /// Byte 5: status flags.
    pub status: ChargerStatus,
    /// Byte 6: remaining charging time, 10 s units (0xFF: see the minutes).
    pub remaining_10s: u8,
    /// Byte 7: remaining charging time, minutes.
    pub remaining_min: u8,
}

impl ChargerOutputMsg {
    /// The frame; byte 4 reserved (0).
    #[must_use]
    pub fn encode(&self) -> Frame {
        let mut b = [0; 8];
        b[0] = self.protocol;
        put(&mut b, 1, self.present_v);
        b[3] = self.present_a;
        b[5] = self.status.bits();
        b[6] = self.remaining_10s;
        b[7] = self.remaining_min;
        frame(ID_CHARGER_STATUS, b)
    }

    /// From a frame.
    pub fn decode(f: &Frame) -> Result<Decoded<Self>, MsgError> {
        let b = bytes(f, ID_CHARGER_STATUS)?;
        Ok(Decoded {
            msg: Self {
                protocol: b[0],
                present_v: word(b, 1),
                present_a: b[3],
                status: ChargerStatus::from_bits(b[5]),
                remaining_10s: b[6],
                remaining_min: b[7],
            },
            reserved_set: b[4] != 0 || b[5] & 0xC0 != 0,
        })
    }
}

/// A physical value as a wire integer: rounded, clamped to `0..=max`.
#[must_use]
pub fn wire(v: f64, max: u16) -> u16 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= f64::from(max) {
        max
    } else {
        // In range: 0 < v < max <= u16::MAX.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let w = v.round() as u16;
        w
    }
}

/// [`wire`] for a byte.
#[must_use]
pub fn wire8(v: f64) -> u8 {
    #[allow(clippy::cast_possible_truncation)] // clamped to 255
    let w = wire(v, 255) as u8;
    w
}
