//! The twin's signal space: every value it publishes has a stable name and a unit.
//!
//! Scalars come first (in the order of [`Scalar::ALL`]), then three signals per
//! series group: `cell[i].soc_pct`, `cell[i].voltage_v`, `cell[i].temp_c`, where
//! `i` is the 0-based series group (its parallel cells share one state).

macro_rules! scalars {
    ($( $variant:ident => $name:literal, $unit:literal, $doc:literal; )*) => {
        /// A scalar signal.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Scalar {
            $( #[doc = $doc] $variant, )*
        }

        impl Scalar {
            /// Every scalar, in catalogue order.
            pub const ALL: &'static [Scalar] = &[$(Scalar::$variant),*];

            /// Its name, e.g. `pack.voltage_v`.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Scalar::$variant => $name,)* }
            }

            /// Its unit, e.g. `V` (`1` for ratios and flags).
            #[must_use]
            pub const fn unit(self) -> &'static str {
                match self { $(Scalar::$variant => $unit,)* }
            }

            /// One line of description.
            #[must_use]
            pub const fn doc(self) -> &'static str {
                match self { $(Scalar::$variant => $doc,)* }
            }
        }
    };
}

scalars! {
    TimeS => "time_s", "s", "virtual time since the start";
    LegIndex => "route.leg_index", "1", "0-based index of the current leg";
    OdometerKm => "vehicle.odometer_km", "km", "distance driven";
    ElevationM => "vehicle.elevation_m", "m", "height above the start";
    SpeedMps => "vehicle.speed_mps", "m/s", "vehicle speed at the end of the step";
    TargetSpeedMps => "driver.target_speed_mps", "m/s", "speed the route asks for";
    AccelMps2 => "vehicle.accel_mps2", "m/s²", "acceleration over the step";
    GradePct => "vehicle.grade_pct", "%", "road grade, rise over run";
    TraceMiss => "driver.trace_miss", "1", "1 while the car cannot follow its target";
    PowertrainLimited => "vehicle.powertrain_limited", "1", "1 while motor or battery limits cut the acceleration";
    VcuContactorRequest => "vcu.contactor_request", "1", "VCU asks the BMS for HV: 1 close, 0 open (a real VCU's input when set)";
    VcuMode => "vcu.mode", "1", "VCU mode: 0 off, 1 drive, 2 charge";
    VcuPowerRequestW => "vcu.power_request_w", "W", "motor electric power the VCU requests (negative regenerating)";
    WheelPowerW => "vehicle.wheel_power_w", "W", "power at the wheels (negative braking)";
    DragPowerW => "vehicle.drag_power_w", "W", "aerodynamic drag power";
    RollingPowerW => "vehicle.rolling_power_w", "W", "rolling-resistance power";
    GradePowerW => "vehicle.grade_power_w", "W", "climbing power (negative downhill)";
    FrictionBrakePowerW => "vehicle.friction_brake_power_w", "W", "power into the friction brakes";
    MotorMechPowerW => "motor.mech_power_w", "W", "motor shaft power (negative generating)";
    MotorElecPowerW => "motor.elec_power_w", "W", "motor electric power (negative generating)";
    MotorSpeedRpm => "motor.speed_rpm", "rpm", "motor speed";
    MotorTorqueNm => "motor.torque_nm", "N·m", "motor torque (negative generating)";
    MotorEfficiency => "motor.efficiency", "1", "motor efficiency this step";
    AuxPowerW => "aux.power_w", "W", "auxiliary load including HVAC";
    HvacPowerW => "aux.hvac_power_w", "W", "HVAC electric power";
    AmbientC => "env.ambient_c", "°C", "ambient air temperature";
    AirDensity => "env.air_density_kg_m3", "kg/m³", "air density";
    PackVoltageV => "pack.voltage_v", "V", "terminal voltage at the end of the step";
    PackCurrentA => "pack.current_a", "A", "pack current (positive discharging)";
    PackPowerW => "pack.power_w", "W", "terminal power (positive discharging)";
    PackOcvV => "pack.ocv_v", "V", "open-circuit voltage";
    PackSocPct => "pack.soc_pct", "%", "true SOC: charge held over capacity";
    PackSocMinPct => "pack.soc_min_pct", "%", "lowest group SOC";
    PackSocMaxPct => "pack.soc_max_pct", "%", "highest group SOC";
    DischargeLimitA => "pack.discharge_limit_a", "A", "discharge current limit in force: the cells' (voltage, C-rate) or the BMS limit, the lower";
    ChargeLimitA => "pack.charge_limit_a", "A", "charge current limit in force: the cells' (voltage, C-rate) or the BMS limit, the lower";
    DischargePowerLimitW => "pack.discharge_power_limit_w", "W", "discharge power available";
    ChargePowerLimitW => "pack.charge_power_limit_w", "W", "charge power accepted";
    CellVMinV => "pack.cell_v_min_v", "V", "lowest group voltage";
    CellVMinIndex => "pack.cell_v_min_index", "1", "group with the lowest voltage";
    CellVMaxV => "pack.cell_v_max_v", "V", "highest group voltage";
    CellVMaxIndex => "pack.cell_v_max_index", "1", "group with the highest voltage";
    TempMinC => "pack.temp_min_c", "°C", "coldest group temperature";
    TempMaxC => "pack.temp_max_c", "°C", "hottest group temperature";
    TempMaxIndex => "pack.temp_max_index", "1", "hottest group";
    TempMeanC => "pack.temp_mean_c", "°C", "mean group temperature";
    PackHeatW => "pack.heat_w", "W", "heat generated in the cells";
    CoolantC => "pack.coolant_c", "°C", "coolant and housing temperature";
    SocSpreadPct => "pack.soc_spread_pct", "%", "highest minus lowest group SOC";
    PlatingRatio => "pack.plating_ratio", "1", "charge current over the plating / dendrite limit (above 1: harm)";
    PlatingLimitA => "pack.plating_limit_a", "A", "charge current at which the first anode would plate or grow dendrites";
    BmsSocEstPct => "bms.soc_est_pct", "%", "SOC as the BMS estimates it";
    BmsSohPct => "bms.soh_pct", "%", "state of health the BMS reports (no ageing model yet: 100)";
    BmsCclA => "bms.ccl_a", "A", "BMS charge current limit (a real BMS's when it is real)";
    BmsDclA => "bms.dcl_a", "A", "BMS discharge current limit (a real BMS's when it is real)";
    BmsContactorState => "bms.contactor_state", "1", "0 open, 1 precharging, 2 closed, 3 opening, 4 welded";
    BmsFaultCode => "bms.fault_code", "1", "most severe active fault: 0 none, 1 OV, 2 UV, 3 OT, 4 UT, 5 OC, 6 isolation, 7 sensor, 8 welded, 9 communication";
    BmsBalancingCount => "bms.balancing_count", "1", "groups being bled";
    ThermalMode => "thermal.mode", "1", "0 off, 1 heating, 2 cooling, 3 preconditioning";
    ThermalHeaterW => "thermal.heater_w", "W", "heat from the coolant heater";
    ThermalChillerW => "thermal.chiller_w", "W", "heat taken out by the chiller";
    ThermalPowerW => "thermal.power_w", "W", "electric power of heater, chiller and pump";
    ChargerConnected => "charger.connected", "1", "1 while plugged in";
    ChargerPhase => "charger.phase", "1", "0 none, 1 plug-in, 2 handshake, 3 insulation test, 4 precharge, 5 ramp, 6 charging, 7 taper, 8 stopping, 9 unplug, 10 done";
    ChargerPowerW => "charger.dc_power_w", "W", "DC power from the station";
    ChargerGridPowerW => "charger.grid_power_w", "W", "power drawn from the grid";
    ChargerVoltageV => "charger.voltage_v", "V", "station output voltage (0 when not delivering)";
    ChargerCurrentA => "charger.current_a", "A", "station output current (0 when not delivering)";
    ChargerCurrentSetpointA => "charger.current_setpoint_a", "A", "current the charge controller asks of the station";
    EnergyChemicalWh => "energy.chemical_wh", "Wh", "chemical energy out of the cells (OCV × charge)";
    EnergyBatteryLossWh => "energy.battery_loss_wh", "Wh", "losses in R0 and the RC branches";
    EnergyTerminalWh => "energy.terminal_wh", "Wh", "net energy out of the pack terminals";
    EnergyAuxWh => "energy.aux_wh", "Wh", "auxiliaries and HVAC";
    EnergyMotorLossWh => "energy.motor_loss_wh", "Wh", "motor and inverter losses";
    EnergyTransmissionLossWh => "energy.transmission_loss_wh", "Wh", "gear losses";
    EnergyFrictionBrakeWh => "energy.friction_brake_wh", "Wh", "friction braking";
    EnergyRegenWh => "energy.regen_wh", "Wh", "electric energy regenerated";
    EnergyDragWh => "energy.drag_wh", "Wh", "aerodynamic drag";
    EnergyRollingWh => "energy.rolling_wh", "Wh", "rolling resistance";
    EnergyGradeWh => "energy.grade_wh", "Wh", "net climbing (potential energy)";
    EnergyKineticWh => "energy.kinetic_wh", "Wh", "net change of kinetic energy, body and wheels";
    EnergyChargerDcWh => "energy.charger_dc_wh", "Wh", "DC energy from chargers";
    EnergyGridWh => "energy.grid_wh", "Wh", "energy from the grid";
    EnergyThermalWh => "energy.thermal_wh", "Wh", "pack thermal system (part of the auxiliaries)";
    EnergyBalancingWh => "energy.balancing_wh", "Wh", "bled by cell balancing";
    ChargeProtocolPhase => "charge.protocol_phase", "1", "the charging protocol's phase (0 none; see the scenarios README); only in traces that name it";
}

impl Scalar {
    /// Whether the default trace (no `[trace] signals`) leaves it out: signals
    /// added after the default columns were fixed, so that traces of existing
    /// scenarios keep their columns (and their golden hashes).
    #[must_use]
    pub const fn on_request_only(self) -> bool {
        matches!(self, Self::ChargeProtocolPhase)
    }
}

/// Per-group quantities, in catalogue order within each group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupQuantity {
    /// True SOC of the group, %.
    SocPct,
    /// Terminal voltage of the group's cells, V.
    VoltageV,
    /// Group temperature, °C.
    TempC,
}

impl GroupQuantity {
    /// All, in catalogue order.
    pub const ALL: [Self; 3] = [Self::SocPct, Self::VoltageV, Self::TempC];

    /// Suffix after `cell[i].`.
    #[must_use]
    pub const fn suffix(self) -> &'static str {
        match self {
            Self::SocPct => "soc_pct",
            Self::VoltageV => "voltage_v",
            Self::TempC => "temp_c",
        }
    }

    /// Unit.
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self {
            Self::SocPct => "%",
            Self::VoltageV => "V",
            Self::TempC => "°C",
        }
    }
}

/// A signal: a scalar or one group's quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// A pack- or vehicle-level value.
    Scalar(Scalar),
    /// A series group's value.
    Group(usize, GroupQuantity),
}

/// The names and units of every signal of a twin (its shape depends on the
/// number of series groups).
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    groups: usize,
}

impl Catalogue {
    /// The catalogue of a twin with `groups` series groups.
    #[must_use]
    pub fn new(groups: usize) -> Self {
        Self { groups }
    }

    /// Number of signals.
    #[must_use]
    pub fn len(&self) -> usize {
        Scalar::ALL.len() + GroupQuantity::ALL.len() * self.groups
    }

    /// Never empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The signal at catalogue position `index`.
    #[must_use]
    pub fn signal(&self, index: usize) -> Option<Signal> {
        let ns = Scalar::ALL.len();
        if index < ns {
            return Some(Signal::Scalar(Scalar::ALL[index]));
        }
        let k = index - ns;
        let nq = GroupQuantity::ALL.len();
        (k / nq < self.groups).then(|| Signal::Group(k / nq, GroupQuantity::ALL[k % nq]))
    }

    /// Every signal in order.
    pub fn iter(&self) -> impl Iterator<Item = Signal> + '_ {
        (0..self.len()).filter_map(|i| self.signal(i))
    }

    /// Looks a signal up by name.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<Signal> {
        if let Some(s) = Scalar::ALL.iter().find(|s| s.name() == name) {
            return Some(Signal::Scalar(*s));
        }
        let rest = name.strip_prefix("cell[")?;
        let (index, suffix) = rest.split_once("].")?;
        // Plain decimal only: `cell[03]` or `cell[+3]` are not names of signals.
        let plain = !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
            && (index == "0" || !index.starts_with('0'));
        if !plain {
            return None;
        }
        let group: usize = index.parse().ok()?;
        let q = GroupQuantity::ALL
            .into_iter()
            .find(|q| q.suffix() == suffix)?;
        (group < self.groups).then_some(Signal::Group(group, q))
    }
}

impl Signal {
    /// Its name.
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Self::Scalar(s) => s.name().to_owned(),
            Self::Group(g, q) => format!("cell[{g}].{}", q.suffix()),
        }
    }

    /// Its unit.
    #[must_use]
    pub fn unit(self) -> &'static str {
        match self {
            Self::Scalar(s) => s.unit(),
            Self::Group(_, q) => q.unit(),
        }
    }
}

/// A controller of the car's network, simulated by the twin or played by a real
/// ECU on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// The battery management system.
    Bms,
    /// The vehicle control unit (driver demand, modes, contactor request).
    Vcu,
    /// The charging station's controller.
    Charger,
}

impl Node {
    /// Every node.
    pub const ALL: [Self; 3] = [Self::Bms, Self::Vcu, Self::Charger];

    /// Its name in a DBC (`BU_`): `BMS`, `VCU`, `CHARGER`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Bms => "BMS",
            Self::Vcu => "VCU",
            Self::Charger => "CHARGER",
        }
    }

    /// Looks a node up by its DBC name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.name() == name)
    }
}

/// Which controllers are played by real ECUs. A real node's inputs replace what
/// the twin's own model of that node decides; the inputs of a simulated node are
/// ignored (the twin's model stands in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RealNodes {
    /// The BMS is real.
    pub bms: bool,
    /// The VCU is real.
    pub vcu: bool,
    /// The charger controller is real.
    pub charger: bool,
}

impl RealNodes {
    /// Whether `node` is real.
    #[must_use]
    pub const fn contains(self, node: Node) -> bool {
        match node {
            Node::Bms => self.bms,
            Node::Vcu => self.vcu,
            Node::Charger => self.charger,
        }
    }

    /// The real ones among `names` (DBC node names; others are not the twin's).
    #[must_use]
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut r = Self::default();
        for n in names.into_iter().filter_map(Node::from_name) {
            match n {
                Node::Bms => r.bms = true,
                Node::Vcu => r.vcu = true,
                Node::Charger => r.charger = true,
            }
        }
        r
    }
}

/// What values an input takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A quantity in the input's unit.
    Continuous,
    /// One of a few states, by code `0..states.len()`; the names are the states'.
    Discrete(&'static [&'static str]),
}

/// A value the twin accepts from outside: what a real node decides in place of
/// the twin's model of it. Each input is the quantity of a signal and carries its
/// name and unit (`bms.ccl_a` overrides the signal `bms.ccl_a`), or, for a
/// quantity the twin's own model never produces (a speed cap, an extra load),
/// a name and unit of its own. Unset inputs (NaN) leave the twin's model alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// A real BMS's charge current limit, A: replaces the simulated BMS's.
    BmsCclA,
    /// A real BMS's discharge current limit, A: replaces the simulated BMS's.
    BmsDclA,
    /// A charger controller's current setpoint, A: the station delivers at most this.
    ChargerCurrentSetpointA,
    /// A charge protocol's phase request: 0 none (built-in timing), 1 hold the
    /// setup phases, 2 advance to the next setup phase now, 3 abort the session.
    ChargerPhaseRequest,
    /// A real VCU's contactor request: 0 open, 1 close.
    VcuContactorRequest,
    /// A real VCU's mode: 0 off, 1 drive, 2 charge.
    VcuMode,
    /// A real VCU's motor power request, W: traction takes at most this.
    VcuPowerRequestW,
    /// Additional auxiliary load a real VCU asks for, W.
    AuxExtraW,
    /// A speed cap a real VCU sets for the driver, m/s.
    DriverSpeedCapMps,
}

impl Input {
    /// Every input.
    pub const ALL: [Self; 9] = [
        Self::BmsCclA,
        Self::BmsDclA,
        Self::ChargerCurrentSetpointA,
        Self::ChargerPhaseRequest,
        Self::VcuContactorRequest,
        Self::VcuMode,
        Self::VcuPowerRequestW,
        Self::AuxExtraW,
        Self::DriverSpeedCapMps,
    ];

    /// The signal this input overrides (its name and unit are the signal's);
    /// `None` for a quantity only a real node produces.
    #[must_use]
    pub const fn signal(self) -> Option<Scalar> {
        match self {
            Self::BmsCclA => Some(Scalar::BmsCclA),
            Self::BmsDclA => Some(Scalar::BmsDclA),
            Self::ChargerCurrentSetpointA => Some(Scalar::ChargerCurrentSetpointA),
            Self::VcuContactorRequest => Some(Scalar::VcuContactorRequest),
            Self::VcuMode => Some(Scalar::VcuMode),
            Self::VcuPowerRequestW => Some(Scalar::VcuPowerRequestW),
            Self::ChargerPhaseRequest | Self::AuxExtraW | Self::DriverSpeedCapMps => None,
        }
    }

    /// Its name: the overridden signal's, e.g. `bms.ccl_a`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self.signal() {
            Some(s) => s.name(),
            None => match self {
                Self::ChargerPhaseRequest => "charger.phase_request",
                Self::AuxExtraW => "aux.extra_w",
                _ => "driver.speed_cap_mps",
            },
        }
    }

    /// Its unit.
    #[must_use]
    pub const fn unit(self) -> &'static str {
        match self.signal() {
            Some(s) => s.unit(),
            None => match self {
                Self::ChargerPhaseRequest => "1",
                Self::AuxExtraW => "W",
                _ => "m/s",
            },
        }
    }

    /// One line of description.
    #[must_use]
    pub const fn doc(self) -> &'static str {
        match self {
            Self::BmsCclA => "a real BMS's charge current limit (replaces the simulated BMS's)",
            Self::BmsDclA => "a real BMS's discharge current limit (replaces the simulated BMS's)",
            Self::ChargerCurrentSetpointA => {
                "a charger controller's current setpoint: the station delivers at most this"
            }
            Self::ChargerPhaseRequest => {
                "a charge protocol's phase request: 0 none (built-in timing), 1 hold, 2 advance, 3 abort"
            }
            Self::VcuContactorRequest => "a real VCU's contactor request: 0 open, 1 close",
            Self::VcuMode => "a real VCU's mode: 0 off, 1 drive, 2 charge (HV in drive and charge)",
            Self::VcuPowerRequestW => {
                "a real VCU's motor power request: traction takes at most this"
            }
            Self::AuxExtraW => "additional auxiliary load a real VCU asks for",
            Self::DriverSpeedCapMps => "a speed cap a real VCU sets for the driver",
        }
    }

    /// The node whose decision it is.
    #[must_use]
    pub const fn node(self) -> Node {
        match self {
            Self::BmsCclA | Self::BmsDclA => Node::Bms,
            Self::ChargerCurrentSetpointA | Self::ChargerPhaseRequest => Node::Charger,
            Self::VcuContactorRequest
            | Self::VcuMode
            | Self::VcuPowerRequestW
            | Self::AuxExtraW
            | Self::DriverSpeedCapMps => Node::Vcu,
        }
    }

    /// Continuous or discrete.
    #[must_use]
    pub const fn kind(self) -> InputKind {
        match self {
            Self::ChargerPhaseRequest => InputKind::Discrete(&["none", "hold", "advance", "abort"]),
            Self::VcuContactorRequest => InputKind::Discrete(&["open", "close"]),
            Self::VcuMode => InputKind::Discrete(&["off", "drive", "charge"]),
            _ => InputKind::Continuous,
        }
    }

    /// Whether `value` is one this input takes: finite for a continuous one, a
    /// state code for a discrete one (NaN, which clears an input, always is).
    #[must_use]
    pub fn accepts(self, value: f64) -> bool {
        if value.is_nan() {
            return true;
        }
        match self.kind() {
            InputKind::Continuous => value.is_finite(),
            InputKind::Discrete(states) => {
                value >= 0.0 && value.fract() == 0.0 && value < states.len() as f64
            }
        }
    }

    /// Looks an input up by name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The input that overrides `signal`, if any.
    #[must_use]
    pub fn for_signal(signal: Signal) -> Option<Self> {
        match signal {
            Signal::Scalar(s) => Self::ALL.into_iter().find(|i| i.signal() == Some(s)),
            Signal::Group(..) => None,
        }
    }
}

/// A name of the catalogue: a signal the twin publishes, an input it accepts, or
/// both (an input named after the signal it overrides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    /// The signal of that name, readable.
    pub signal: Option<Signal>,
    /// The input of that name, settable.
    pub input: Option<Input>,
}

impl Catalogue {
    /// Looks a name up among the signals and the inputs.
    #[must_use]
    pub fn quantity(&self, name: &str) -> Option<Quantity> {
        let signal = self.find(name);
        let input = match signal {
            Some(s) => Input::for_signal(s),
            None => Input::from_name(name),
        };
        (signal.is_some() || input.is_some()).then_some(Quantity { signal, input })
    }

    /// Every input, in declaration order.
    pub fn inputs(&self) -> impl Iterator<Item = Input> {
        Input::ALL.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let cat = Catalogue::new(4);
        let names: Vec<String> = cat.iter().map(Signal::name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(names.len(), cat.len());
        for s in cat.iter() {
            assert_eq!(cat.find(&s.name()), Some(s));
        }
        assert_eq!(cat.find("cell[4].temp_c"), None);
        assert_eq!(cat.find("cell[03].temp_c"), None);
        assert_eq!(cat.find("cell[+3].temp_c"), None);
        assert_eq!(cat.find("cell[].temp_c"), None);
        assert_eq!(
            cat.find("cell[3].temp_c"),
            Some(Signal::Group(3, GroupQuantity::TempC))
        );
        for i in Input::ALL {
            assert_eq!(Input::from_name(i.name()), Some(i));
            let q = cat
                .quantity(i.name())
                .expect("every input is in the catalogue");
            assert_eq!(q.input, Some(i));
            // One name per quantity: an input named like a signal is that signal's.
            assert_eq!(
                q.signal.map(Signal::name).as_deref(),
                i.signal().map(Scalar::name)
            );
            if let Some(s) = q.signal {
                assert_eq!(s.unit(), i.unit());
            }
        }
        assert!(Input::VcuMode.accepts(2.0) && !Input::VcuMode.accepts(3.0));
        assert!(!Input::VcuMode.accepts(0.5) && Input::VcuMode.accepts(f64::NAN));
        assert!(!Input::BmsCclA.accepts(f64::INFINITY) && Input::BmsCclA.accepts(-3.0));
        assert_eq!(
            RealNodes::from_names(["VCU", "GATEWAY"]),
            RealNodes {
                vcu: true,
                ..RealNodes::default()
            }
        );
    }

    #[test]
    fn every_name_carries_a_unit_suffix_or_is_a_flag_or_index() {
        for s in Scalar::ALL {
            let n = s.name();
            let tail = n.rsplit('.').next().unwrap_or(n);
            let known = [
                "_s", "_km", "_m", "_mps", "_mps2", "_pct", "_w", "_rpm", "_nm", "_c", "_kg_m3",
                "_v", "_a", "_wh", "_index", "_count", "_ratio",
            ];
            let flags = [
                "trace_miss",
                "powertrain_limited",
                "efficiency",
                "connected",
                "contactor_state",
                "contactor_request",
                "fault_code",
                "mode",
                "phase",
                "protocol_phase",
            ];
            assert!(
                known.iter().any(|k| tail.ends_with(k)) || flags.contains(&tail),
                "{n} has no unit suffix"
            );
        }
    }
}
