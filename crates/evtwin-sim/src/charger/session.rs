//! One connection of a car to a station, phase by phase.

use super::{ChargeEnd, ChargeStopReport, Station};
use crate::pack::OperatingPoint;

/// Where a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Parking at the station and plugging the cable in.
    PlugIn,
    /// Station and car exchange their parameters.
    Handshake,
    /// The station tests the isolation of the cable and the car's inlet.
    InsulationTest,
    /// The station brings its output to the pack's voltage.
    Precharge,
    /// The current rises to what is asked.
    Ramp,
    /// The station's limits (power, current, voltage) bind.
    Charging,
    /// The pack's limits bind: constant voltage at the end, plating, temperature.
    Taper,
    /// The current falls to zero.
    Stopping,
    /// Unplugging.
    Unplug,
    /// The car may leave.
    Done,
}

impl Phase {
    /// Number for signals: 1 plug-in … 9 unplug, 10 done.
    #[must_use]
    pub fn code(self) -> f64 {
        match self {
            Self::PlugIn => 1.0,
            Self::Handshake => 2.0,
            Self::InsulationTest => 3.0,
            Self::Precharge => 4.0,
            Self::Ramp => 5.0,
            Self::Charging => 6.0,
            Self::Taper => 7.0,
            Self::Stopping => 8.0,
            Self::Unplug => 9.0,
            Self::Done => 10.0,
        }
    }

    /// Whether the station delivers current (and covers the auxiliaries).
    #[must_use]
    pub fn delivering(self) -> bool {
        matches!(
            self,
            Self::Ramp | Self::Charging | Self::Taper | Self::Stopping
        )
    }
}

/// Who moves a session through its setup phases (plug-in, handshake,
/// insulation test, precharge, unplug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhaseControl {
    /// The built-in durations of the station (`plug_in_s`, `handshake_s`, …).
    #[default]
    Timed,
    /// A protocol holds the session in its present setup phase.
    Hold,
    /// A protocol ends the present setup phase now: the session moves to the
    /// next one at the next step (held, this advances one phase per step).
    Advance,
}

/// One connection of a car to a station.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    station: Station,
    control: PhaseControl,
    phase: Phase,
    phase_s: f64,
    current_a: f64,
    steps: u64,
    t10_s: Option<f64>,
    t80_s: Option<f64>,
    shown_start: f64,
    /// The running report.
    pub report: ChargeStopReport,
}

/// The flows of one charging step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChargeStep {
    /// Charge current into the pack from the station, A (≥ 0).
    pub charge_current_a: f64,
    /// DC power from the station, W.
    pub dc_power_w: f64,
    /// Power from the grid, W.
    pub grid_power_w: f64,
    /// Of the DC power, what the car's auxiliaries drew, W (0 while the station
    /// is not delivering: the pack feeds them then).
    pub aux_w: f64,
    /// The phase of this step.
    pub phase: Phase,
}

impl Session {
    /// Plugs in at `time_s` with the pack at true SOC `soc`, displayed as `shown`.
    #[must_use]
    pub fn new(station: Station, leg: usize, time_s: f64, (soc, shown): (f64, f64)) -> Self {
        Self {
            report: ChargeStopReport {
                leg,
                station: station.name.clone(),
                start_s: time_s,
                duration_s: 0.0,
                setup_s: 0.0,
                soc_start: soc,
                soc_end: soc,
                energy_dc_wh: 0.0,
                energy_grid_wh: 0.0,
                energy_pack_wh: 0.0,
                energy_aux_wh: 0.0,
                peak_power_w: 0.0,
                time_10_to_80_s: None,
                end: ChargeEnd::Duration,
                link: None,
            },
            station,
            control: PhaseControl::Timed,
            phase: Phase::PlugIn,
            phase_s: 0.0,
            current_a: 0.0,
            steps: 0,
            t10_s: None,
            t80_s: None,
            shown_start: shown,
        }
    }

    /// The station.
    #[must_use]
    pub fn station(&self) -> &Station {
        &self.station
    }

    /// The current phase.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Hands the setup phases to a protocol (or back to the built-in timing).
    pub fn set_control(&mut self, control: PhaseControl) {
        self.control = control;
    }

    /// Who moves the setup phases now.
    #[must_use]
    pub fn control(&self) -> PhaseControl {
        self.control
    }

    /// Whether the station's voltage range covers the pack's open-circuit voltage.
    #[must_use]
    pub fn compatible(&self, pack_ocv_v: f64) -> bool {
        pack_ocv_v <= self.station.max_voltage_v && pack_ocv_v >= self.station.min_voltage_v
    }

    /// Ends the charge for `end`: the current ramps down, then the cable comes out.
    /// Before any current has flowed the session goes straight to unplugging.
    pub fn stop(&mut self, end: ChargeEnd) {
        if matches!(self.phase, Phase::Stopping | Phase::Unplug | Phase::Done) {
            return;
        }
        self.report.end = end;
        self.phase = if self.phase.delivering() {
            Phase::Stopping
        } else {
            Phase::Unplug
        };
        self.phase_s = 0.0;
    }

    /// Goes back to the setup phase `phase` (handshake, insulation test or
    /// precharge) while current flows: the output is off at once and the
    /// setup runs again (a protocol's reconnect after a communication
    /// error). A stopping or ended session, or one not yet delivering, stays.
    pub fn restart_setup(&mut self, phase: Phase) {
        let setup = matches!(
            phase,
            Phase::Handshake | Phase::InsulationTest | Phase::Precharge
        );
        if setup && matches!(self.phase, Phase::Ramp | Phase::Charging | Phase::Taper) {
            self.phase = phase;
            self.phase_s = 0.0;
            self.current_a = 0.0;
        }
    }

    fn advance(&mut self, next: Phase, after_s: f64) {
        if self.phase_s >= after_s - 1e-9 {
            self.phase = next;
            self.phase_s = 0.0;
        }
    }

    /// One step of `dt_s`. While delivering, the charge current is the smallest of
    /// `pack_limit_a` (what the pack and its BMS accept), the station's voltage,
    /// current and power limits (the auxiliary load `aux_w` is drawn from the station
    /// too) and the current ramp.
    pub fn step(
        &mut self,
        op: &OperatingPoint,
        pack_limit_a: f64,
        aux_w: f64,
        dt_s: f64,
    ) -> ChargeStep {
        self.phase_s += dt_s;
        let st = &self.station;
        let timed = match self.phase {
            Phase::PlugIn => Some((Phase::Handshake, st.plug_in_s)),
            Phase::Handshake => Some((Phase::InsulationTest, st.handshake_s)),
            Phase::InsulationTest => Some((Phase::Precharge, st.insulation_test_s)),
            Phase::Precharge => Some((Phase::Ramp, st.precharge_s)),
            Phase::Unplug => Some((Phase::Done, st.unplug_s)),
            _ => None,
        };
        if let Some((next, after_s)) = timed {
            match self.control {
                PhaseControl::Timed => self.advance(next, after_s),
                PhaseControl::Hold => {}
                PhaseControl::Advance => self.advance(next, 0.0),
            }
        }
        let st = &self.station;
        let phase = self.phase;
        if !phase.delivering() {
            self.current_a = 0.0;
            return ChargeStep {
                charge_current_a: 0.0,
                dc_power_w: 0.0,
                grid_power_w: 0.0,
                aux_w: 0.0,
                phase,
            };
        }
        let step_a = st.ramp_a_per_s * dt_s;
        let current = if phase == Phase::Stopping {
            let c = (self.current_a - step_a).max(0.0);
            if c == 0.0 {
                self.phase = Phase::Unplug;
                self.phase_s = 0.0;
            }
            c
        } else {
            let by_voltage = op.charge_current_for_voltage(st.max_voltage_v);
            let by_power = op.charge_current_for_power(st.max_power_w - aux_w);
            let by_current = st.max_current_a - aux_w / op.emf_v.max(1.0);
            let station_a = by_voltage.min(by_power).min(by_current);
            let ramp_a = self.current_a + step_a;
            let wanted = pack_limit_a.min(station_a).max(0.0);
            self.phase = if ramp_a < wanted {
                Phase::Ramp
            } else if pack_limit_a < station_a {
                Phase::Taper
            } else {
                Phase::Charging
            };
            wanted.min(ramp_a)
        };
        self.current_a = current;
        let pack_power_w = current * op.mean_voltage_v(-current);
        let dc_power_w = pack_power_w + aux_w;
        ChargeStep {
            charge_current_a: current,
            dc_power_w,
            grid_power_w: dc_power_w / st.efficiency,
            aux_w,
            phase,
        }
    }

    /// Books a finished step: `pack_in_j` went into the pack terminals, leaving it at
    /// true SOC `soc` and displayed (BMS-estimated) SOC `shown`; `time_s` is the time
    /// at the step's end. The 10 → 80 % time follows the displayed SOC, as drivers
    /// and testers time it.
    pub fn record(
        &mut self,
        step: &ChargeStep,
        pack_in_j: f64,
        (soc, shown): (f64, f64),
        time_s: f64,
        dt_s: f64,
    ) {
        self.steps += 1;
        let r = &mut self.report;
        r.duration_s = self.steps as f64 * dt_s;
        if step.phase.delivering() && r.setup_s == 0.0 {
            r.setup_s = r.duration_s - dt_s;
        }
        r.soc_end = soc;
        r.energy_dc_wh += step.dc_power_w * dt_s / 3600.0;
        r.energy_grid_wh += step.grid_power_w * dt_s / 3600.0;
        r.energy_pack_wh += pack_in_j / 3600.0;
        r.energy_aux_wh += step.aux_w * dt_s / 3600.0;
        r.peak_power_w = r.peak_power_w.max(step.dc_power_w);
        if self.t10_s.is_none() && self.shown_start <= 0.10 && shown >= 0.10 {
            self.t10_s = Some(time_s);
        }
        if self.t80_s.is_none() && shown >= 0.80 {
            self.t80_s = Some(time_s);
        }
        if let (Some(a), Some(b)) = (self.t10_s, self.t80_s) {
            r.time_10_to_80_s = Some(b - a);
        }
    }
}
