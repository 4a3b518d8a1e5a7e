//! GB/T 27930-2015 message payloads: encode (unused bits and bytes are 1) and
//! decode. Little-endian; voltages 0.1 V, currents 0.1 A with a −400 A offset
//! where a charging current is negative on the wire (`raw = 4000 − 10·I`).

use super::GbtError;

/// A voltage in 0.1 V steps.
#[must_use]
pub fn enc_v(v: f64) -> [u8; 2] {
    enc(v, 0.1, 0.0)
}

/// A charging current (positive into the pack) in the −400 A offset encoding.
#[must_use]
pub fn enc_a(a: f64) -> [u8; 2] {
    enc(-a, 0.1, -400.0)
}

/// `raw = round((x − offset) / scale)`, clamped to 0..=0xFFFE (0xFFFF is "not available").
#[must_use]
pub fn enc(x: f64, scale: f64, offset: f64) -> [u8; 2] {
    let raw = ((x - offset) / scale).round().clamp(0.0, 65_534.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped
    (raw as u16).to_le_bytes()
}

fn enc8(x: f64, offset: f64) -> u8 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped
    let raw = (x - offset).round().clamp(0.0, 254.0) as u8;
    raw
}

fn raw16(d: &[u8], i: usize) -> f64 {
    f64::from(u16::from_le_bytes([d[i], d[i + 1]]))
}

fn dec_v(d: &[u8], i: usize) -> f64 {
    raw16(d, i) * 0.1
}

fn dec_a(d: &[u8], i: usize) -> f64 {
    400.0 - raw16(d, i) * 0.1
}

/// Checks a payload is at least `need` bytes.
pub fn need(pgn: u32, d: &[u8], need: usize) -> Result<(), GbtError> {
    if d.len() < need {
        Err(GbtError::Length {
            pgn,
            len: d.len(),
            need,
        })
    } else {
        Ok(())
    }
}

/// BHM: the vehicle's highest allowed charging voltage.
#[must_use]
pub fn bhm(max_charge_v: f64) -> Vec<u8> {
    enc_v(max_charge_v).to_vec()
}

/// CRM: recognition result, charger number, area code (ASCII).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crm {
    /// 0xAA when the charger recognised the vehicle (after BRM), else 0x00.
    pub recognized: bool,
    /// The charger's number.
    pub charger_number: u32,
}

impl Crm {
    /// 8 bytes; the area code is left 0xFF (not available).
    #[must_use]
    pub fn encode(self) -> Vec<u8> {
        let mut d = vec![if self.recognized { 0xAA } else { 0x00 }];
        d.extend_from_slice(&self.charger_number.to_le_bytes());
        d.extend_from_slice(&[0xFF; 3]);
        d
    }

    /// From 8 bytes (5 at least); an unknown result byte is an error.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(super::PGN_CRM, d, 5)?;
        let recognized = match d[0] {
            0x00 => false,
            0xAA => true,
            b => {
                return Err(GbtError::Value {
                    pgn: super::PGN_CRM,
                    byte: 0,
                    value: b,
                });
            }
        };
        Ok(Self {
            recognized,
            charger_number: u32::from_le_bytes([d[1], d[2], d[3], d[4]]),
        })
    }
}

/// BRM: the vehicle's identification (41 bytes, sent over TP).
#[derive(Debug, Clone, PartialEq)]
pub struct Brm {
    /// Battery type: 1 lead-acid, 2 `NiMH`, 3 LFP, 4 LMO, 5 LCO, 6 NCM, 7 Li polymer, 8 LTO, `0xFF` other.
    pub chemistry: u8,
    /// Rated capacity (Ah, 0.1 Ah).
    pub rated_ah: f64,
    /// Rated pack voltage (V, 0.1 V).
    pub rated_v: f64,
    /// The VIN (17 ASCII characters; shorter is padded with 0xFF).
    pub vin: String,
}

/// BRM's length in bytes (GB/T 27930-2015 without the optional software version).
pub const BRM_LEN: usize = 41;

impl Brm {
    /// 41 bytes: protocol version 1.1 (01 01 00), chemistry, capacity, voltage,
    /// maker / pack number / date / cycle count / ownership not available (0xFF),
    /// the VIN in bytes 25..41.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut d = vec![0xFF; BRM_LEN];
        d[..3].copy_from_slice(&super::VERSION);
        d[3] = self.chemistry;
        d[4..6].copy_from_slice(&enc(self.rated_ah, 0.1, 0.0));
        d[6..8].copy_from_slice(&enc_v(self.rated_v));
        for (slot, b) in d[24..41].iter_mut().zip(self.vin.bytes()) {
            *slot = b;
        }
        d
    }

    /// From at least 41 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(super::PGN_BRM, d, BRM_LEN)?;
        let vin: String = d[24..41]
            .iter()
            .take_while(|&&b| b != 0xFF && b != 0)
            .map(|&b| char::from(b))
            .collect();
        Ok(Self {
            chemistry: d[3],
            rated_ah: raw16(d, 4) * 0.1,
            rated_v: dec_v(d, 6),
            vin,
        })
    }
}

/// BCP: the battery's charging parameters (13 bytes, over TP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bcp {
    /// Highest allowed cell voltage (V, 0.01 V).
    pub max_cell_v: f64,
    /// Highest allowed charging current (A).
    pub max_a: f64,
    /// Nominal energy (kWh, 0.1 kWh).
    pub energy_kwh: f64,
    /// Highest allowed total charging voltage (V).
    pub max_v: f64,
    /// Highest allowed temperature (°C, −50 offset).
    pub max_temp_c: f64,
    /// State of charge (%, 0.1 %).
    pub soc_pct: f64,
    /// Present pack voltage (V).
    pub pack_v: f64,
}

impl Bcp {
    /// The 13 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(13);
        d.extend_from_slice(&enc(self.max_cell_v, 0.01, 0.0));
        d.extend_from_slice(&enc_a(self.max_a));
        d.extend_from_slice(&enc(self.energy_kwh, 0.1, 0.0));
        d.extend_from_slice(&enc_v(self.max_v));
        d.push(enc8(self.max_temp_c, -50.0));
        d.extend_from_slice(&enc(self.soc_pct, 0.1, 0.0));
        d.extend_from_slice(&enc_v(self.pack_v));
        d
    }

    /// From at least 13 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(super::PGN_BCP, d, 13)?;
        Ok(Self {
            max_cell_v: raw16(d, 0) * 0.01,
            max_a: dec_a(d, 2),
            energy_kwh: raw16(d, 4) * 0.1,
            max_v: dec_v(d, 6),
            max_temp_c: f64::from(d[8]) - 50.0,
            soc_pct: raw16(d, 9) * 0.1,
            pack_v: dec_v(d, 11),
        })
    }
}

/// CTS: the charger's clock, BCD: seconds, minutes, hours, day, month, year (2 bytes).
#[must_use]
pub fn cts(unix_s: u64) -> Vec<u8> {
    let (y, mo, d, h, mi, s) = super::time::civil(unix_s);
    let bcd = |v: u32| {
        #[allow(clippy::cast_possible_truncation)] // two decimal digits
        let b = (((v / 10 % 10) << 4) | (v % 10)) as u8;
        b
    };
    vec![
        bcd(s),
        bcd(mi),
        bcd(h),
        bcd(d),
        bcd(mo),
        bcd(y % 100),
        bcd(y / 100),
    ]
}

/// CML: what the charger can deliver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cml {
    /// Highest output voltage (V).
    pub max_v: f64,
    /// Lowest output voltage (V).
    pub min_v: f64,
    /// Highest output current (A).
    pub max_a: f64,
    /// Lowest output current (A).
    pub min_a: f64,
}

impl Cml {
    /// The 8 bytes.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        [
            enc_v(self.max_v),
            enc_v(self.min_v),
            enc_a(self.max_a),
            enc_a(self.min_a),
        ]
        .concat()
    }

    /// From 8 bytes.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        need(super::PGN_CML, d, 8)?;
        Ok(Self {
            max_v: dec_v(d, 0),
            min_v: dec_v(d, 2),
            max_a: dec_a(d, 4),
            min_a: dec_a(d, 6),
        })
    }
}

/// BRO / CRO: 0xAA ready, 0x00 not ready.
#[must_use]
pub fn ready(ready: bool) -> Vec<u8> {
    vec![if ready { 0xAA } else { 0x00 }]
}

/// Decodes a BRO / CRO byte; anything but 0x00 / 0xAA is an error.
pub fn dec_ready(pgn: u32, d: &[u8]) -> Result<bool, GbtError> {
    need(pgn, d, 1)?;
    match d[0] {
        0x00 => Ok(false),
        0xAA => Ok(true),
        b => Err(GbtError::Value {
            pgn,
            byte: 0,
            value: b,
        }),
    }
}

mod charging;
pub use charging::{Bcl, Bcs, Bsd, Bsm, Ccs, Csd, Mode, bmt, bmv};
