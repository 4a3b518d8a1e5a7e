//! The charging and end-of-charge messages: BCL, BCS, CCS, BSM, BMV, BMT, BSD, CSD.

use super::{dec_a, dec_v, enc, enc_a, enc_v, enc8, need, raw16};
use crate::gbt::GbtError;

/// BCL charging mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 1: constant voltage.
    ConstantVoltage,
    /// 2: constant current.
    ConstantCurrent,
}

/// BCL: the vehicle's demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bcl {
    /// Voltage demand (V).
    pub v: f64,
    /// Current demand (A, charging positive).
    pub a: f64,
    /// CV or CC.
    pub mode: Mode,
}

impl Bcl {
    /// The 5 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mode = match self.mode {
            Mode::ConstantVoltage => 1,
            Mode::ConstantCurrent => 2,
        };
        [&enc_v(self.v)[..], &enc_a(self.a), &[mode]].concat()
    }

    /// From 5 bytes; a mode other than 1 or 2 is an error.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_BCL, d, 5)?;
        let mode = match d[4] {
            1 => Mode::ConstantVoltage,
            2 => Mode::ConstantCurrent,
            b => {
                return Err(GbtError::Value {
                    pgn: crate::gbt::PGN_BCL,
                    byte: 4,
                    value: b,
                });
            }
        };
        Ok(Self {
            v: dec_v(d, 0),
            a: dec_a(d, 2),
            mode,
        })
    }
}

/// BCS: the vehicle's charging status (9 bytes, over TP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bcs {
    /// Measured charging voltage (V).
    pub v: f64,
    /// Measured charging current (A, charging positive).
    pub a: f64,
    /// Highest cell voltage (V, 0.01 V, 12 bits).
    pub max_cell_v: f64,
    /// That cell's group number (4 bits).
    pub max_cell_group: u8,
    /// State of charge (%, 1 %).
    pub soc_pct: f64,
    /// Estimated minutes to full (0..=600).
    pub remaining_min: f64,
}

impl Bcs {
    /// The 9 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let cell = u16::from_le_bytes(enc(self.max_cell_v, 0.01, 0.0)).min(0xFFF)
            | u16::from(self.max_cell_group & 0xF) << 12;
        let mut d = [&enc_v(self.v)[..], &enc_a(self.a), &cell.to_le_bytes()].concat();
        d.push(enc8(self.soc_pct.clamp(0.0, 100.0), 0.0));
        d.extend_from_slice(&enc(self.remaining_min.clamp(0.0, 600.0), 1.0, 0.0));
        d
    }

    /// From 9 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_BCS, d, 9)?;
        let cell = u16::from_le_bytes([d[4], d[5]]);
        #[allow(clippy::cast_possible_truncation)] // 4 bits
        Ok(Self {
            v: dec_v(d, 0),
            a: dec_a(d, 2),
            max_cell_v: f64::from(cell & 0xFFF) * 0.01,
            max_cell_group: (cell >> 12) as u8,
            soc_pct: f64::from(d[6]),
            remaining_min: raw16(d, 7),
        })
    }
}

/// CCS: the charger's output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ccs {
    /// Output voltage (V).
    pub v: f64,
    /// Output current (A, charging positive).
    pub a: f64,
    /// Minutes charged so far.
    pub minutes: f64,
    /// Charging permitted (false: paused).
    pub permit: bool,
}

impl Ccs {
    /// The 8 bytes: byte 7 bits 1-2 the permit, the rest 1.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut d = [
            &enc_v(self.v)[..],
            &enc_a(self.a),
            &enc(self.minutes, 1.0, 0.0),
        ]
        .concat();
        d.push(0xFC | u8::from(self.permit));
        d.push(0xFF);
        d
    }

    /// From 7 bytes at least.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_CCS, d, 7)?;
        Ok(Self {
            v: dec_v(d, 0),
            a: dec_a(d, 2),
            minutes: raw16(d, 4),
            permit: d[6] & 3 == 1,
        })
    }
}

/// BSM: the battery's state: extreme cells and temperatures, 2-bit flags.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bsm {
    /// Number of the highest cell (1-based).
    pub max_cell_no: u8,
    /// Highest temperature (°C).
    pub max_temp_c: f64,
    /// Lowest temperature (°C).
    pub min_temp_c: f64,
    /// Fault flags, byte 6 (cell V, SOC, overcurrent, over-temperature: 00 normal).
    pub flags: u8,
    /// Charging permitted.
    pub permit: bool,
}

impl Bsm {
    /// The 7 bytes: byte 7 bits 1-4 insulation / connector normal (00), 5-6 the
    /// permit (01 allowed, 00 forbidden), 7-8 unused (1).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        vec![
            self.max_cell_no.saturating_sub(1),
            enc8(self.max_temp_c, -50.0),
            0,
            enc8(self.min_temp_c, -50.0),
            0,
            self.flags,
            0xC0 | u8::from(self.permit) << 4,
        ]
    }

    /// From 7 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_BSM, d, 7)?;
        Ok(Self {
            max_cell_no: d[0].saturating_add(1),
            max_temp_c: f64::from(d[1]) - 50.0,
            min_temp_c: f64::from(d[3]) - 50.0,
            flags: d[5],
            permit: (d[6] >> 4) & 3 == 1,
        })
    }
}

/// BMV: each cell's voltage (0.01 V, 12 bits; group 0 in the top 4 bits).
#[must_use]
pub fn bmv(cells_v: &[f64]) -> Vec<u8> {
    cells_v
        .iter()
        .flat_map(|&v| (u16::from_le_bytes(enc(v, 0.01, 0.0)).min(0xFFF)).to_le_bytes())
        .collect()
}

/// BMT: each temperature probe (°C, −50 offset).
#[must_use]
pub fn bmt(temps_c: &[f64]) -> Vec<u8> {
    temps_c.iter().map(|&t| enc8(t, -50.0)).collect()
}

/// BSD: the vehicle's statistics at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bsd {
    /// SOC at the stop (%).
    pub soc_pct: f64,
    /// Lowest cell voltage (V).
    pub min_cell_v: f64,
    /// Highest cell voltage (V).
    pub max_cell_v: f64,
    /// Lowest temperature (°C).
    pub min_temp_c: f64,
    /// Highest temperature (°C).
    pub max_temp_c: f64,
}

impl Bsd {
    /// The 7 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut d = vec![enc8(self.soc_pct.clamp(0.0, 100.0), 0.0)];
        d.extend_from_slice(&enc(self.min_cell_v, 0.01, 0.0));
        d.extend_from_slice(&enc(self.max_cell_v, 0.01, 0.0));
        d.push(enc8(self.min_temp_c, -50.0));
        d.push(enc8(self.max_temp_c, -50.0));
        d
    }

    /// From 7 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_BSD, d, 7)?;
        Ok(Self {
            soc_pct: f64::from(d[0]),
            min_cell_v: raw16(d, 1) * 0.01,
            max_cell_v: raw16(d, 3) * 0.01,
            min_temp_c: f64::from(d[5]) - 50.0,
            max_temp_c: f64::from(d[6]) - 50.0,
        })
    }
}

/// CSD: the charger's statistics at the end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Csd {
    /// Minutes charged.
    pub minutes: f64,
    /// Energy delivered (kWh, 0.1 kWh).
    pub energy_kwh: f64,
    /// The charger's number.
    pub charger_number: u32,
}

impl Csd {
    /// The 8 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        [
            &enc(self.minutes, 1.0, 0.0)[..],
            &enc(self.energy_kwh, 0.1, 0.0),
            &self.charger_number.to_le_bytes(),
        ]
        .concat()
    }

    /// From 8 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(crate::gbt::PGN_CSD, d, 8)?;
        Ok(Self {
            minutes: raw16(d, 0),
            energy_kwh: raw16(d, 2) * 0.1,
            charger_number: u32::from_le_bytes([d[4], d[5], d[6], d[7]]),
        })
    }
}
