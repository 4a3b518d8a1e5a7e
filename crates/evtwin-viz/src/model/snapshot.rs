//! One frame's worth of the twin's state, read from its signals.

use evtwin_sim::signals::GroupQuantity;
use evtwin_sim::{Scalar, Signal};

/// One series group as the pack panel shows it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GroupView {
    /// True SOC, %.
    pub soc_pct: f32,
    /// Terminal voltage, V.
    pub voltage_v: f32,
    /// Temperature, °C.
    pub temp_c: f32,
    /// Being bled by the BMS.
    pub balancing: bool,
}

/// What the viewer shows at one instant. Values a source does not provide
/// (attach mode before a message arrives) are NaN.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Virtual time, s.
    pub time_s: f64,
    /// Current route leg.
    pub leg_index: f64,
    /// Distance driven, m.
    pub odometer_m: f64,
    /// Vehicle speed, m/s.
    pub speed_mps: f64,
    /// Acceleration, m/s².
    pub accel_mps2: f64,
    /// Road grade, %.
    pub grade_pct: f64,
    /// Ambient air, °C.
    pub ambient_c: f64,
    /// True SOC, %.
    pub soc_pct: f64,
    /// SOC the BMS estimates, %.
    pub soc_est_pct: f64,
    /// Pack terminal voltage, V.
    pub pack_voltage_v: f64,
    /// Pack current (positive discharging), A.
    pub pack_current_a: f64,
    /// Pack power (positive discharging), W.
    pub pack_power_w: f64,
    /// Motor electric power (negative regenerating), W.
    pub motor_power_w: f64,
    /// Power into the friction brakes, W.
    pub friction_brake_w: f64,
    /// Lowest and highest group voltage, V.
    pub cell_v_min_v: f64,
    /// See `cell_v_min_v`.
    pub cell_v_max_v: f64,
    /// Coldest and hottest group, °C.
    pub temp_min_c: f64,
    /// See `temp_min_c`.
    pub temp_max_c: f64,
    /// Contactors: 0 open, 1 precharging, 2 closed, 3 opening, 4 welded.
    pub contactor_state: f64,
    /// BMS fault code (0 none).
    pub fault_code: f64,
    /// Groups being bled.
    pub balancing_count: f64,
    /// Charger plugged in (1).
    pub charger_connected: f64,
    /// Charging phase (see [`charge_phase_name`]).
    pub charger_phase: f64,
    /// DC power from the station, W.
    pub charger_power_w: f64,
    /// Station output voltage, V.
    pub charger_voltage_v: f64,
    /// Station output current, A.
    pub charger_current_a: f64,
    /// Net energy out of the pack terminals since the start, Wh.
    pub terminal_wh: f64,
    /// DC energy the chargers put in since the start, Wh.
    pub charger_dc_wh: f64,
    /// Per series group.
    pub groups: Vec<GroupView>,
    /// The charging protocol's conversation, while a stop runs one.
    pub protocol: Option<ProtocolView>,
}

/// What a charge stop's protocol says (from `Twin::charge_link`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtocolView {
    /// `chademo` or `gbt27930`.
    pub protocol: String,
    /// Which sides the twin plays: `both`, `ev`, `charger`.
    pub role: String,
    /// The protocol's phase now, in its own words.
    pub phase: String,
    /// Why it stopped, once it has.
    pub stop_reason: Option<String>,
    /// Who stopped it (`ev` or `charger`).
    pub stopped_by: Option<String>,
}

impl ProtocolView {
    /// The station display's line: `CHAdeMO: charging (both simulated)`, then
    /// who stopped and why once a side has.
    #[must_use]
    pub fn line(&self) -> String {
        let name = match self.protocol.as_str() {
            "chademo" => "CHAdeMO",
            "gbt27930" => "GB/T 27930",
            other => other,
        };
        let who = match self.role.as_str() {
            "both" => "both sides simulated",
            "ev" => "a real station",
            "charger" => "a real car",
            other => other,
        };
        let mut out = format!("{name}: {} ({who})", self.phase);
        if let Some(reason) = &self.stop_reason {
            let by = self.stopped_by.as_deref().unwrap_or("?");
            out.push_str("\nstopped by ");
            out.push_str(by);
            out.push_str(": ");
            out.push_str(reason);
        }
        out
    }
}

impl Snapshot {
    /// Reads every field through `read` (a twin, or a bus monitor); `balancing`
    /// flags groups being bled (may be shorter than `groups`).
    pub fn read(read: impl Fn(Signal) -> Option<f64>, groups: usize, balancing: &[bool]) -> Self {
        let s = |x: Scalar| read(Signal::Scalar(x)).unwrap_or(f64::NAN);
        #[allow(clippy::cast_possible_truncation)] // display precision is enough
        let g = |i: usize, q: GroupQuantity| read(Signal::Group(i, q)).unwrap_or(f64::NAN) as f32;
        Self {
            time_s: s(Scalar::TimeS),
            leg_index: s(Scalar::LegIndex),
            odometer_m: s(Scalar::OdometerKm) * 1000.0,
            speed_mps: s(Scalar::SpeedMps),
            accel_mps2: s(Scalar::AccelMps2),
            grade_pct: s(Scalar::GradePct),
            ambient_c: s(Scalar::AmbientC),
            soc_pct: s(Scalar::PackSocPct),
            soc_est_pct: s(Scalar::BmsSocEstPct),
            pack_voltage_v: s(Scalar::PackVoltageV),
            pack_current_a: s(Scalar::PackCurrentA),
            pack_power_w: s(Scalar::PackPowerW),
            motor_power_w: s(Scalar::MotorElecPowerW),
            friction_brake_w: s(Scalar::FrictionBrakePowerW),
            cell_v_min_v: s(Scalar::CellVMinV),
            cell_v_max_v: s(Scalar::CellVMaxV),
            temp_min_c: s(Scalar::TempMinC),
            temp_max_c: s(Scalar::TempMaxC),
            contactor_state: s(Scalar::BmsContactorState),
            fault_code: s(Scalar::BmsFaultCode),
            balancing_count: s(Scalar::BmsBalancingCount),
            charger_connected: s(Scalar::ChargerConnected),
            charger_phase: s(Scalar::ChargerPhase),
            charger_power_w: s(Scalar::ChargerPowerW),
            charger_voltage_v: s(Scalar::ChargerVoltageV),
            charger_current_a: s(Scalar::ChargerCurrentA),
            terminal_wh: s(Scalar::EnergyTerminalWh),
            charger_dc_wh: s(Scalar::EnergyChargerDcWh),
            groups: (0..groups)
                .map(|i| GroupView {
                    soc_pct: g(i, GroupQuantity::SocPct),
                    voltage_v: g(i, GroupQuantity::VoltageV),
                    temp_c: g(i, GroupQuantity::TempC),
                    balancing: balancing.get(i).copied().unwrap_or(false),
                })
                .collect(),
            protocol: None,
        }
    }

    /// Plugged in to a station.
    #[must_use]
    pub fn charging(&self) -> bool {
        self.charger_connected > 0.5
    }

    /// Friction brakes working, or a clear deceleration.
    #[must_use]
    pub fn braking(&self) -> bool {
        self.friction_brake_w > 100.0 || self.accel_mps2 < -0.5
    }

    /// The motor is feeding the pack.
    #[must_use]
    pub fn regenerating(&self) -> bool {
        self.motor_power_w < -500.0
    }

    /// Index of the hottest group (None without group data).
    #[must_use]
    pub fn hottest_group(&self) -> Option<usize> {
        arg_by(&self.groups, |g| g.temp_c, |a, b| a > b)
    }

    /// Index of the weakest group: the lowest voltage.
    #[must_use]
    pub fn weakest_group(&self) -> Option<usize> {
        arg_by(&self.groups, |g| g.voltage_v, |a, b| a < b)
    }

    /// A blend `alpha` (0…1) of the way from `self` to `next`, for drawing
    /// between two published snapshots. Discrete fields come from `next`.
    #[must_use]
    pub fn lerp(&self, next: &Self, alpha: f64) -> Self {
        let l = |a: f64, b: f64| {
            if a.is_finite() {
                a + (b - a) * alpha
            } else {
                b
            }
        };
        let mut out = next.clone();
        out.time_s = l(self.time_s, next.time_s);
        out.odometer_m = l(self.odometer_m, next.odometer_m);
        out.speed_mps = l(self.speed_mps, next.speed_mps);
        out
    }
}

fn arg_by(
    groups: &[GroupView],
    key: impl Fn(&GroupView) -> f32,
    better: impl Fn(f32, f32) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, g) in groups.iter().enumerate() {
        let v = key(g);
        if v.is_finite() && best.is_none_or(|(_, b)| better(v, b)) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// The charging phase's name.
#[must_use]
pub fn charge_phase_name(phase: f64) -> &'static str {
    const NAMES: [&str; 11] = [
        "none",
        "plug-in",
        "handshake",
        "insulation test",
        "precharge",
        "ramp",
        "charging",
        "taper",
        "stopping",
        "unplug",
        "done",
    ];
    index(phase)
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

/// The contactors' state name.
#[must_use]
pub fn contactor_name(state: f64) -> &'static str {
    const NAMES: [&str; 5] = ["open", "precharging", "closed", "opening", "welded"];
    index(state)
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

/// The BMS fault's name.
#[must_use]
pub fn fault_name(code: f64) -> &'static str {
    const NAMES: [&str; 10] = [
        "none",
        "overvoltage",
        "undervoltage",
        "overtemperature",
        "undertemperature",
        "overcurrent",
        "isolation",
        "sensor",
        "welded contactors",
        "communication",
    ];
    index(code)
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("?")
}

fn index(v: f64) -> Option<usize> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // range-checked
    (0.0..64.0).contains(&v).then(|| v.round() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(temps: &[f32]) -> Snapshot {
        Snapshot {
            groups: temps
                .iter()
                .enumerate()
                .map(|(i, &t)| GroupView {
                    temp_c: t,
                    #[allow(clippy::cast_precision_loss)]
                    voltage_v: 3.7 - i as f32 * 0.01,
                    ..GroupView::default()
                })
                .collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn hottest_and_weakest_skip_missing_values() {
        let s = groups(&[20.0, f32::NAN, 31.5, 25.0]);
        assert_eq!(s.hottest_group(), Some(2));
        assert_eq!(s.weakest_group(), Some(3));
        assert_eq!(Snapshot::default().hottest_group(), None);
    }

    #[test]
    fn names_cover_every_code_and_reject_nonsense() {
        assert_eq!(charge_phase_name(7.0), "taper");
        assert_eq!(contactor_name(2.0), "closed");
        assert_eq!(fault_name(9.0), "communication");
        assert_eq!(fault_name(f64::NAN), "?");
        assert_eq!(charge_phase_name(-1.0), "?");
        assert_eq!(charge_phase_name(11.0), "?");
    }

    #[test]
    fn lerp_blends_motion_and_takes_the_rest_from_the_newer() {
        let a = Snapshot {
            odometer_m: 100.0,
            fault_code: 0.0,
            ..Snapshot::default()
        };
        let b = Snapshot {
            odometer_m: 200.0,
            fault_code: 3.0,
            ..Snapshot::default()
        };
        let m = a.lerp(&b, 0.25);
        assert_eq!(m.odometer_m, 125.0);
        assert_eq!(m.fault_code, 3.0);
    }
}
