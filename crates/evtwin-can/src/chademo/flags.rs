//! The flag bytes of 0x102 (the EV's faults and status) and 0x109 (the
//! charger's status), one bool per bit. Unused bits are sent as 0 and ignored
//! on receipt.

/// 0x102 byte 4: the EV's fault flags (bits 5..7 unused, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[allow(clippy::struct_excessive_bools)] // one bool per wire bit
pub struct EvFaults {
    /// bit 0: battery overvoltage.
    pub overvoltage: bool,
    /// bit 1: battery undervoltage.
    pub undervoltage: bool,
    /// bit 2: battery current deviation.
    pub current_deviation: bool,
    /// bit 3: high battery temperature.
    pub high_temp: bool,
    /// bit 4: battery voltage deviation.
    pub voltage_deviation: bool,
}

impl EvFaults {
    /// The byte.
    #[must_use]
    pub const fn bits(self) -> u8 {
        (self.overvoltage as u8)
            | (self.undervoltage as u8) << 1
            | (self.current_deviation as u8) << 2
            | (self.high_temp as u8) << 3
            | (self.voltage_deviation as u8) << 4
    }

    /// From the byte (bits 5..7 ignored).
    #[must_use]
    pub const fn from_bits(b: u8) -> Self {
        Self {
            overvoltage: b & 1 != 0,
            undervoltage: b & 2 != 0,
            current_deviation: b & 4 != 0,
            high_temp: b & 8 != 0,
            voltage_deviation: b & 16 != 0,
        }
    }

    /// Whether any flag is set.
    #[must_use]
    pub const fn any(self) -> bool {
        self.bits() != 0
    }

    /// Both sets of flags together.
    #[must_use]
    pub const fn union(self, o: Self) -> Self {
        Self::from_bits(self.bits() | o.bits())
    }
}

/// 0x102 byte 5: the EV's status flags (bits 5..7 unused, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[allow(clippy::struct_excessive_bools)] // one bool per wire bit
pub struct EvStatus {
    /// bit 0: vehicle charging enabled.
    pub charging_enabled: bool,
    /// bit 1: shift position is not park.
    pub shift_not_park: bool,
    /// bit 2: charging-system fault detected by the EV.
    pub system_fault: bool,
    /// bit 3: EV contactors open (or welding detection finished); 0 while closed
    /// or during welding detection.
    pub contactor_open: bool,
    /// bit 4: the EV requests a normal stop.
    pub stop_request: bool,
}

impl EvStatus {
    /// The byte.
    #[must_use]
    pub const fn bits(self) -> u8 {
        (self.charging_enabled as u8)
            | (self.shift_not_park as u8) << 1
            | (self.system_fault as u8) << 2
            | (self.contactor_open as u8) << 3
            | (self.stop_request as u8) << 4
    }

    /// From the byte (bits 5..7 ignored).
    #[must_use]
    pub const fn from_bits(b: u8) -> Self {
        Self {
            charging_enabled: b & 1 != 0,
            shift_not_park: b & 2 != 0,
            system_fault: b & 4 != 0,
            contactor_open: b & 8 != 0,
            stop_request: b & 16 != 0,
        }
    }
}

/// 0x109 byte 5: the charger's status flags (bits 6..7 unused, 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[allow(clippy::struct_excessive_bools)] // one bool per wire bit
pub struct ChargerStatus {
    /// bit 0: charging (0: standby).
    pub charging: bool,
    /// bit 1: station malfunction.
    pub malfunction: bool,
    /// bit 2: connector locked (energizing).
    pub connector_locked: bool,
    /// bit 3: battery incompatible.
    pub battery_incompatible: bool,
    /// bit 4: charging-system malfunction (detected by the charger).
    pub system_malfunction: bool,
    /// bit 5: charger stop control (1: stopped or stopping).
    pub stop_control: bool,
}

impl ChargerStatus {
    /// The byte.
    #[must_use]
    pub const fn bits(self) -> u8 {
        (self.charging as u8)
            | (self.malfunction as u8) << 1
            | (self.connector_locked as u8) << 2
            | (self.battery_incompatible as u8) << 3
            | (self.system_malfunction as u8) << 4
            | (self.stop_control as u8) << 5
    }

    /// From the byte (bits 6..7 ignored).
    #[must_use]
    pub const fn from_bits(b: u8) -> Self {
        Self {
            charging: b & 1 != 0,
            malfunction: b & 2 != 0,
            connector_locked: b & 4 != 0,
            battery_incompatible: b & 8 != 0,
            system_malfunction: b & 16 != 0,
            stop_control: b & 32 != 0,
        }
    }

    /// Whether a fault flag is set (malfunction, incompatible, system).
    #[must_use]
    pub const fn fault(self) -> bool {
        self.malfunction || self.battery_incompatible || self.system_malfunction
    }
}
