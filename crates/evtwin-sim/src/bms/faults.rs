//! Fault detection: thresholds, debounce, codes and severities.

/// A fault the BMS can detect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BmsFault {
    /// A cell above its maximum voltage (plus margin).
    CellOverVoltage,
    /// A cell below its minimum voltage (minus margin).
    CellUnderVoltage,
    /// A cell above its maximum temperature.
    CellOverTemperature,
    /// A cell below its minimum temperature.
    CellUnderTemperature,
    /// Pack current above its rating.
    OverCurrent,
    /// Isolation resistance of the HV system below the minimum.
    Isolation,
    /// A temperature sensor reads an implausible value.
    SensorFailure,
    /// The contactors did not open when commanded.
    ContactorWelded,
    /// A node the BMS depends on (a real VCU or charger controller) went silent.
    Communication,
}

/// What the BMS does about a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Derate: current limits halved.
    Warning,
    /// Open the contactors.
    Critical,
}

impl BmsFault {
    /// Every fault, in code order.
    pub const ALL: [Self; 9] = [
        Self::CellOverVoltage,
        Self::CellUnderVoltage,
        Self::CellOverTemperature,
        Self::CellUnderTemperature,
        Self::OverCurrent,
        Self::Isolation,
        Self::SensorFailure,
        Self::ContactorWelded,
        Self::Communication,
    ];

    /// Numeric code (what a DBC signal would carry), from 1.
    #[must_use]
    pub fn code(self) -> u16 {
        match self {
            Self::CellOverVoltage => 1,
            Self::CellUnderVoltage => 2,
            Self::CellOverTemperature => 3,
            Self::CellUnderTemperature => 4,
            Self::OverCurrent => 5,
            Self::Isolation => 6,
            Self::SensorFailure => 7,
            Self::ContactorWelded => 8,
            Self::Communication => 9,
        }
    }

    /// Stable name for reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CellOverVoltage => "cell_over_voltage",
            Self::CellUnderVoltage => "cell_under_voltage",
            Self::CellOverTemperature => "cell_over_temperature",
            Self::CellUnderTemperature => "cell_under_temperature",
            Self::OverCurrent => "over_current",
            Self::Isolation => "isolation",
            Self::SensorFailure => "sensor_failure",
            Self::ContactorWelded => "contactor_welded",
            Self::Communication => "communication",
        }
    }

    /// Severity.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::CellUnderTemperature | Self::SensorFailure => Severity::Warning,
            _ => Severity::Critical,
        }
    }

    fn index(self) -> usize {
        usize::from(self.code() - 1)
    }
}

/// Thresholds and debounce times.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Over-voltage above the cell's maximum voltage plus this, V.
    pub over_voltage_margin_v: f64,
    /// Under-voltage below the cell's minimum voltage minus this, V.
    pub under_voltage_margin_v: f64,
    /// Over-temperature above the cell's discharge maximum plus this, K.
    pub over_temp_margin_k: f64,
    /// Under-temperature below the cell's discharge minimum minus this, K.
    pub under_temp_margin_k: f64,
    /// Over-current above this multiple of the cell's C-rate limits.
    pub over_current_factor: f64,
    /// Isolation fault below this many ohms per volt of pack voltage.
    pub isolation_min_ohm_per_v: f64,
    /// A temperature reading outside this range is a failed sensor, °C.
    pub sensor_range_c: (f64, f64),
    /// Debounce of the voltage faults, s.
    pub voltage_debounce_s: f64,
    /// Debounce of the temperature and sensor faults, s.
    pub temperature_debounce_s: f64,
    /// Debounce of the over-current fault, s.
    pub current_debounce_s: f64,
    /// Debounce of the isolation fault, s.
    pub isolation_debounce_s: f64,
}

impl FaultSpec {
    /// Debounce time of `fault`, s (the weld check has its own timing).
    #[must_use]
    pub fn debounce_s(&self, fault: BmsFault) -> f64 {
        match fault {
            BmsFault::CellOverVoltage | BmsFault::CellUnderVoltage => self.voltage_debounce_s,
            BmsFault::CellOverTemperature
            | BmsFault::CellUnderTemperature
            | BmsFault::SensorFailure => self.temperature_debounce_s,
            BmsFault::OverCurrent => self.current_debounce_s,
            BmsFault::Isolation => self.isolation_debounce_s,
            // The bridge already waited out the message timeout.
            BmsFault::ContactorWelded | BmsFault::Communication => 0.0,
        }
    }
}

/// Debounce state: a condition must hold this long before the fault is set.
/// Critical faults latch; warnings clear once their condition is gone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultMonitor {
    held_s: [f64; BmsFault::ALL.len()],
    active: [bool; BmsFault::ALL.len()],
}

impl FaultMonitor {
    /// Feeds one tick of `dt_s` in which `present` reports each condition; returns
    /// the faults that became active on this tick.
    pub fn update(
        &mut self,
        spec: &FaultSpec,
        dt_s: f64,
        present: impl Fn(BmsFault) -> bool,
    ) -> Vec<BmsFault> {
        let mut raised = Vec::new();
        for f in BmsFault::ALL {
            let k = f.index();
            if present(f) {
                self.held_s[k] += dt_s;
                if !self.active[k] && self.held_s[k] >= spec.debounce_s(f) - 1e-9 {
                    self.active[k] = true;
                    raised.push(f);
                }
            } else {
                self.held_s[k] = 0.0;
                if f.severity() == Severity::Warning {
                    self.active[k] = false;
                }
            }
        }
        raised
    }

    /// Sets a fault at once (no debounce).
    pub fn set(&mut self, f: BmsFault) {
        self.active[f.index()] = true;
    }

    /// Whether `f` is active.
    #[must_use]
    pub fn is_active(&self, f: BmsFault) -> bool {
        self.active[f.index()]
    }

    /// The most severe active fault (lowest code among equals), if any.
    #[must_use]
    pub fn worst(&self) -> Option<BmsFault> {
        BmsFault::ALL
            .into_iter()
            .filter(|f| self.is_active(*f))
            .max_by_key(|f| (f.severity(), std::cmp::Reverse(f.code())))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn spec() -> FaultSpec {
        FaultSpec {
            over_voltage_margin_v: 0.05,
            under_voltage_margin_v: 0.3,
            over_temp_margin_k: 0.0,
            under_temp_margin_k: 0.0,
            over_current_factor: 1.2,
            isolation_min_ohm_per_v: 100.0,
            sensor_range_c: (-45.0, 150.0),
            voltage_debounce_s: 1.0,
            temperature_debounce_s: 2.0,
            current_debounce_s: 0.2,
            isolation_debounce_s: 1.0,
        }
    }

    #[test]
    fn faults_need_their_debounce_and_criticals_latch() {
        let s = spec();
        let mut m = FaultMonitor::default();
        let ov = |f: BmsFault| f == BmsFault::CellOverVoltage;
        for _ in 0..9 {
            assert!(m.update(&s, 0.1, ov).is_empty());
        }
        assert_eq!(m.update(&s, 0.1, ov), vec![BmsFault::CellOverVoltage]);
        // Latched even when the condition goes away.
        m.update(&s, 0.1, |_| false);
        assert!(m.is_active(BmsFault::CellOverVoltage));
        // A short glitch never sets a fault.
        let mut m = FaultMonitor::default();
        for k in 0..50 {
            m.update(&s, 0.1, |f| f == BmsFault::CellUnderVoltage && k % 5 != 4);
        }
        assert!(!m.is_active(BmsFault::CellUnderVoltage));
    }

    #[test]
    fn warnings_clear_and_the_worst_fault_wins() {
        let s = spec();
        let mut m = FaultMonitor::default();
        for _ in 0..20 {
            m.update(&s, 0.1, |f| f == BmsFault::SensorFailure);
        }
        assert_eq!(m.worst(), Some(BmsFault::SensorFailure));
        m.update(&s, 0.1, |_| false);
        assert_eq!(m.worst(), None);
        m.set(BmsFault::CellUnderTemperature);
        m.set(BmsFault::Isolation);
        assert_eq!(m.worst(), Some(BmsFault::Isolation));
        assert_eq!(BmsFault::Isolation.severity(), Severity::Critical);
    }
}
