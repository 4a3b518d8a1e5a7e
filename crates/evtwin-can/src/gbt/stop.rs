//! Why a charge stops (BST / CST) and which message timed out (BEM / CEM): the
//! 2-bit fields of GB/T 27930-2015 (00 normal, 01 set, 10 not trustworthy),
//! reserved bits 1.

use super::GbtError;

/// A fault the vehicle names in BST bytes 2-3, in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VehicleFault {
    /// Insulation fault.
    Insulation,
    /// Output connector over-temperature.
    ConnectorOverTemp,
    /// BMS component / connector over-temperature.
    BmsOverTemp,
    /// Charging connector fault.
    ConnectorFault,
    /// Battery pack over-temperature.
    PackOverTemp,
    /// High-voltage relay fault.
    Relay,
    /// Detection point 2 voltage fault.
    Cp2Voltage,
    /// Other fault.
    Other,
}

/// Why the vehicle stops (BST), or answers a charger's stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VehicleStop {
    /// The SOC it wanted was reached.
    SocReached,
    /// The total voltage set point was reached.
    TotalVoltageReached,
    /// The cell voltage set point was reached.
    CellVoltageReached,
    /// The charger stopped (the vehicle answers its CST).
    ChargerStopped,
    /// A fault (bytes 2-3).
    Fault(VehicleFault),
    /// Current too high (byte 4).
    CurrentTooHigh,
    /// Voltage abnormal (byte 4).
    VoltageAbnormal,
}

/// A fault the charger names in CST bytes 2-3, in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargerFault {
    /// Charger over-temperature.
    OverTemp,
    /// Charging connector fault.
    ConnectorFault,
    /// Internal over-temperature.
    InternalOverTemp,
    /// The energy asked for cannot be delivered.
    EnergyUnavailable,
    /// Emergency stop.
    EmergencyStop,
    /// Other fault.
    Other,
}

/// Why the charger stops (CST).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChargerStop {
    /// The conditions the charger set were reached.
    ConditionsReached,
    /// Stopped by hand.
    Manual,
    /// A fault (bytes 2-3).
    Fault(ChargerFault),
    /// The BMS stopped (the charger answers its BST).
    BmsStopped,
    /// Current mismatch (byte 4).
    CurrentMismatch,
    /// Voltage abnormal (byte 4).
    VoltageAbnormal,
}

const V_FAULTS: [VehicleFault; 8] = [
    VehicleFault::Insulation,
    VehicleFault::ConnectorOverTemp,
    VehicleFault::BmsOverTemp,
    VehicleFault::ConnectorFault,
    VehicleFault::PackOverTemp,
    VehicleFault::Relay,
    VehicleFault::Cp2Voltage,
    VehicleFault::Other,
];

const C_FAULTS: [ChargerFault; 6] = [
    ChargerFault::OverTemp,
    ChargerFault::ConnectorFault,
    ChargerFault::InternalOverTemp,
    ChargerFault::EnergyUnavailable,
    ChargerFault::EmergencyStop,
    ChargerFault::Other,
];

/// The 4 bytes with 2-bit field `field` (0-based over the 32 bits) set to 01
/// over `base` (the reserved bits already 1).
fn with_field(base: [u8; 4], field: usize) -> [u8; 4] {
    let mut d = base;
    d[field / 4] |= 1 << ((field % 4) * 2);
    d
}

/// The first 2-bit field that is 01, skipping reserved ones (`mask` bits set).
fn first_set(d: &[u8], reserved: [u8; 4]) -> Option<usize> {
    (0..16).find(|&f| {
        let shift = (f % 4) * 2;
        (reserved[f / 4] >> shift) & 3 != 3 && (d[f / 4] >> shift) & 3 == 1
    })
}

const BST_RESERVED: [u8; 4] = [0, 0, 0, 0xF0];
const CST_RESERVED: [u8; 4] = [0, 0, 0xF0, 0xF0];

impl VehicleStop {
    /// BST's 4 bytes.
    #[must_use]
    pub fn encode(self) -> Vec<u8> {
        let field = match self {
            Self::SocReached => 0,
            Self::TotalVoltageReached => 1,
            Self::CellVoltageReached => 2,
            Self::ChargerStopped => 3,
            Self::Fault(f) => 4 + V_FAULTS.iter().position(|&x| x == f).unwrap_or(7),
            Self::CurrentTooHigh => 12,
            Self::VoltageAbnormal => 13,
        };
        with_field(BST_RESERVED, field).to_vec()
    }

    /// The first reason BST names.
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        super::msg::need(super::PGN_BST, d, 4)?;
        Ok(match first_set(d, BST_RESERVED) {
            Some(0) => Self::SocReached,
            Some(1) => Self::TotalVoltageReached,
            Some(2) => Self::CellVoltageReached,
            Some(3) => Self::ChargerStopped,
            Some(f @ 4..=11) => Self::Fault(V_FAULTS[f - 4]),
            Some(12) => Self::CurrentTooHigh,
            Some(13) => Self::VoltageAbnormal,
            _ => {
                return Err(GbtError::NoReason {
                    pgn: super::PGN_BST,
                });
            }
        })
    }
}

impl ChargerStop {
    /// CST's 4 bytes; a fault sets the fault-stop field (byte 1 bits 5-6) and
    /// its own field in bytes 2-3.
    #[must_use]
    pub fn encode(self) -> Vec<u8> {
        let d = match self {
            Self::ConditionsReached => with_field(CST_RESERVED, 0),
            Self::Manual => with_field(CST_RESERVED, 1),
            Self::Fault(f) => {
                let i = C_FAULTS.iter().position(|&x| x == f).unwrap_or(5);
                with_field(with_field(CST_RESERVED, 2), 4 + i)
            }
            Self::BmsStopped => with_field(CST_RESERVED, 3),
            Self::CurrentMismatch => with_field(CST_RESERVED, 12),
            Self::VoltageAbnormal => with_field(CST_RESERVED, 13),
        };
        d.to_vec()
    }

    /// The reason CST names (a fault: the fault it names in bytes 2-3).
    pub fn decode(d: &[u8]) -> Result<Self, GbtError> {
        super::msg::need(super::PGN_CST, d, 4)?;
        let fault = (4..10).find(|&f| d[f / 4] >> ((f % 4) * 2) & 3 == 1);
        if let Some(f) = fault {
            return Ok(Self::Fault(C_FAULTS[f - 4]));
        }
        Ok(match first_set(d, CST_RESERVED) {
            Some(0) => Self::ConditionsReached,
            Some(1) => Self::Manual,
            Some(2) => Self::Fault(ChargerFault::Other),
            Some(3) => Self::BmsStopped,
            Some(12) => Self::CurrentMismatch,
            Some(13) => Self::VoltageAbnormal,
            _ => {
                return Err(GbtError::NoReason {
                    pgn: super::PGN_CST,
                });
            }
        })
    }
}

/// A message that did not come in time: the vehicle's (BEM) or the charger's (CEM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GbtTimeout {
    /// BEM: CRM 0x00 not received.
    Crm00,
    /// BEM: CRM 0xAA not received.
    CrmAa,
    /// BEM: CTS / CML not received.
    Cml,
    /// BEM: CRO (0xAA) not received.
    Cro,
    /// BEM: CCS not received.
    Ccs,
    /// BEM: CST not received.
    Cst,
    /// BEM: CSD not received.
    Csd,
    /// CEM: BRM not received.
    Brm,
    /// CEM: BCP not received.
    Bcp,
    /// CEM: BRO (0xAA) not received.
    Bro,
    /// CEM: BCS not received.
    Bcs,
    /// CEM: BCL not received.
    Bcl,
    /// CEM: BST not received.
    Bst,
    /// CEM: BSD not received.
    Bsd,
}

const BEM_CODES: [GbtTimeout; 7] = [
    GbtTimeout::Crm00,
    GbtTimeout::CrmAa,
    GbtTimeout::Cml,
    GbtTimeout::Cro,
    GbtTimeout::Ccs,
    GbtTimeout::Cst,
    GbtTimeout::Csd,
];
const CEM_CODES: [GbtTimeout; 7] = [
    GbtTimeout::Brm,
    GbtTimeout::Bcp,
    GbtTimeout::Bro,
    GbtTimeout::Bcs,
    GbtTimeout::Bcl,
    GbtTimeout::Bst,
    GbtTimeout::Bsd,
];
/// Each code's 2-bit field (0-based over the 32 bits).
const BEM_FIELDS: [usize; 7] = [0, 1, 4, 5, 8, 9, 12];
const CEM_FIELDS: [usize; 7] = [0, 4, 5, 8, 9, 10, 12];
/// Reserved bits (1) of BEM and CEM.
pub const BEM_RESERVED: [u8; 4] = [0xF0, 0xF0, 0xF0, 0xFC];
/// Reserved bits (1) of CEM.
pub const CEM_RESERVED: [u8; 4] = [0xFC, 0xF0, 0xC0, 0xFC];

impl GbtTimeout {
    /// Whether the vehicle reports it (BEM) rather than the charger (CEM).
    #[must_use]
    pub fn is_bem(self) -> bool {
        BEM_CODES.contains(&self)
    }

    fn field(self) -> usize {
        BEM_CODES
            .iter()
            .position(|&c| c == self)
            .map(|i| BEM_FIELDS[i])
            .or_else(|| {
                CEM_CODES
                    .iter()
                    .position(|&c| c == self)
                    .map(|i| CEM_FIELDS[i])
            })
            .unwrap_or(0)
    }

    /// The BEM or CEM payload naming `codes` (all of one side).
    #[must_use]
    pub fn encode(codes: &[Self], bem: bool) -> Vec<u8> {
        let base = if bem { BEM_RESERVED } else { CEM_RESERVED };
        codes
            .iter()
            .filter(|c| c.is_bem() == bem)
            .fold(base, |d, c| with_field(d, c.field()))
            .to_vec()
    }

    /// The codes a BEM (`bem`) or CEM payload sets.
    pub fn decode(d: &[u8], bem: bool) -> Result<Vec<Self>, GbtError> {
        let pgn = if bem { super::PGN_BEM } else { super::PGN_CEM };
        super::msg::need(pgn, d, 4)?;
        let (codes, fields) = if bem {
            (BEM_CODES, BEM_FIELDS)
        } else {
            (CEM_CODES, CEM_FIELDS)
        };
        Ok(codes
            .iter()
            .zip(fields)
            .filter(|&(_, f)| d[f / 4] >> ((f % 4) * 2) & 3 == 1)
            .map(|(&c, _)| c)
            .collect())
    }
}
