//! The battery management system: a controller node of the car's network that the
//! CAN bridge can simulate or leave to a real ECU. It knows the pack only through
//! its sensors (which may be wrong) and its datasheet (the cell spec), and it
//! decides current limits, SOC, contactors, faults and balancing on a fixed tick.

mod contactor;
mod faults;
mod limits;
mod soc;

use crate::cell::CellSpec;
pub use contactor::{ContactorEvent, ContactorState, Contactors};
pub use faults::{BmsFault, FaultMonitor, FaultSpec, Severity};
pub use soc::{SocEstimator, soc_from_ocv};

/// Settings of the BMS.
#[derive(Debug, Clone, PartialEq)]
pub struct BmsSpec {
    /// Tick period, s.
    pub tick_s: f64,
    /// Charge current stays below this share of the plating / dendrite limit.
    pub plating_margin: f64,
    /// Limits fall linearly from full, this far inside the cell's temperature
    /// window, to a tenth at its edge and to zero this far outside, K.
    pub temp_derate_band_k: f64,
    /// Below this estimated SOC the discharge limit falls linearly…
    pub low_soc_derate: f64,
    /// …to this share of itself at SOC 0.
    pub low_soc_dcl_share: f64,
    /// Current sensor gain error (0.003 reads 0.3 % high).
    pub current_sensor_gain_error: f64,
    /// Current sensor offset, A.
    pub current_sensor_offset_a: f64,
    /// Below this current the pack counts as resting, A.
    pub rest_current_a: f64,
    /// After resting this long, SOC is corrected from OCV, s.
    pub rest_time_s: f64,
    /// A group this far above the lowest is bled, V.
    pub balance_threshold_v: f64,
    /// Bleed current of a balancing group, A.
    pub balance_current_a: f64,
    /// Precharge time, s.
    pub precharge_s: f64,
    /// From the open command to the contacts separating, s.
    pub open_delay_s: f64,
    /// Fault thresholds.
    pub faults: FaultSpec,
}

/// What the BMS reads on a tick. Voltages and temperatures are per series group,
/// as its sensors report them.
#[derive(Debug, Clone, Copy)]
pub struct Sensors<'a> {
    /// Pack current through the sensor (true value; the sensor's own error and any
    /// injected offset are applied by the BMS), A.
    pub current_a: f64,
    /// Extra offset of the current sensor (an injected fault), A.
    pub current_offset_a: f64,
    /// Group voltages as measured, V.
    pub cell_v: &'a [f64],
    /// Group temperatures as measured (NaN or out of range: a failed sensor), °C.
    pub cell_t: &'a [f64],
    /// Isolation resistance of the HV system, Ω.
    pub isolation_ohm: f64,
    /// Pack voltage, V.
    pub pack_v: f64,
    /// Charge current at which the first anode would plate, A (from the plant
    /// model; a real BMS runs an equivalent anode-potential or CCD model).
    pub plating_limit_a: f64,
    /// The vehicle wants HV (car on).
    pub want_hv: bool,
    /// The contacts are welded (an injected plant fault).
    pub welded: bool,
    /// A node the BMS listens to has timed out on the bus.
    pub comm_lost: bool,
}

/// The BMS's decisions after a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct BmsOutput {
    /// Charge current limit, A (magnitude).
    pub ccl_a: f64,
    /// Discharge current limit, A.
    pub dcl_a: f64,
    /// Estimated SOC, 0…1.
    pub soc: f64,
    /// Contactor state.
    pub contactors: ContactorState,
    /// Groups being bled.
    pub balancing: Vec<bool>,
    /// The most severe active fault.
    pub worst_fault: Option<BmsFault>,
}

/// The BMS.
#[derive(Debug, Clone)]
pub struct Bms {
    spec: BmsSpec,
    cell: CellSpec,
    parallel: f64,
    soc: SocEstimator,
    contactors: Contactors,
    faults: FaultMonitor,
    out: BmsOutput,
}

/// Extremes and sums of one tick's readings, in one pass. Implausible temperature
/// readings (a failed sensor) are left out.
struct Readings {
    v_min: f64,
    v_max: f64,
    v_sum: f64,
    t_min: f64,
    t_max: f64,
    t_sum: f64,
    good_t: usize,
}

impl Readings {
    fn of(s: &Sensors, (lo, hi): (f64, f64)) -> Self {
        let mut r = Self {
            v_min: f64::INFINITY,
            v_max: f64::NEG_INFINITY,
            v_sum: 0.0,
            t_min: f64::INFINITY,
            t_max: f64::NEG_INFINITY,
            t_sum: 0.0,
            good_t: 0,
        };
        for (&v, &t) in s.cell_v.iter().zip(s.cell_t) {
            r.v_min = r.v_min.min(v);
            r.v_max = r.v_max.max(v);
            r.v_sum += v;
            // `t >= lo && t <= hi` is false for NaN.
            if t >= lo && t <= hi {
                r.t_min = r.t_min.min(t);
                r.t_max = r.t_max.max(t);
                r.t_sum += t;
                r.good_t += 1;
            }
        }
        r
    }
}

impl Bms {
    /// A BMS for a pack of `groups` series groups of `parallel` cells, starting with
    /// `soc` (read from OCV at wake-up) and contactors `closed` or open.
    #[must_use]
    pub fn new(
        spec: BmsSpec,
        cell: CellSpec,
        parallel: usize,
        groups: usize,
        soc: f64,
        closed: bool,
    ) -> Self {
        let parallel = parallel as f64;
        let state = if closed {
            ContactorState::Closed
        } else {
            ContactorState::Open
        };
        Self {
            soc: SocEstimator::new(soc, cell.capacity_ah * parallel),
            contactors: Contactors::new(state),
            faults: FaultMonitor::default(),
            out: BmsOutput {
                ccl_a: 0.0,
                dcl_a: 0.0,
                soc,
                contactors: state,
                balancing: vec![false; groups],
                worst_fault: None,
            },
            spec,
            cell,
            parallel,
        }
    }

    /// Settings.
    #[must_use]
    pub fn spec(&self) -> &BmsSpec {
        &self.spec
    }

    /// The latest decisions.
    #[must_use]
    pub fn output(&self) -> &BmsOutput {
        &self.out
    }

    /// Whether `fault` is active.
    #[must_use]
    pub fn has_fault(&self, fault: BmsFault) -> bool {
        self.faults.is_active(fault)
    }

    /// One tick. Returns the faults raised on it.
    pub fn tick(&mut self, s: &Sensors) -> Vec<BmsFault> {
        let dt = self.spec.tick_s;
        let measured_a = s.current_a * (1.0 + self.spec.current_sensor_gain_error)
            + self.spec.current_sensor_offset_a
            + s.current_offset_a;
        let fs = &self.spec.faults;
        let r = Readings::of(s, fs.sensor_range_c);
        let (v_min, v_max, t_min, t_max) = (r.v_min, r.v_max, r.t_min, r.t_max);
        let sensor_failed = r.good_t < s.cell_t.len();
        let v_mean = r.v_sum / s.cell_v.len() as f64;
        let t_mean = if r.good_t > 0 {
            r.t_sum / r.good_t as f64
        } else {
            25.0
        };
        let c = &self.cell;
        let rated_a = c.capacity_ah * self.parallel;
        let present = |f: BmsFault| match f {
            BmsFault::CellOverVoltage => v_max > c.voltage_max_v + fs.over_voltage_margin_v,
            BmsFault::CellUnderVoltage => v_min < c.voltage_min_v - fs.under_voltage_margin_v,
            BmsFault::CellOverTemperature => {
                t_max > c.temperature.discharge_max_c + fs.over_temp_margin_k
            }
            BmsFault::CellUnderTemperature => {
                t_min < c.temperature.discharge_min_c - fs.under_temp_margin_k
            }
            BmsFault::OverCurrent => {
                let limit = if measured_a >= 0.0 {
                    c.max_discharge_c
                } else {
                    c.max_charge_c
                };
                measured_a.abs() > fs.over_current_factor * limit * rated_a
            }
            BmsFault::Isolation => s.isolation_ohm < fs.isolation_min_ohm_per_v * s.pack_v,
            BmsFault::SensorFailure => sensor_failed,
            BmsFault::ContactorWelded => false,
            BmsFault::Communication => s.comm_lost,
        };
        let mut raised = self.faults.update(fs, dt, present);
        let critical = self
            .faults
            .worst()
            .is_some_and(|f| f.severity() == Severity::Critical);
        let event = self.contactors.update(
            s.want_hv && !critical,
            s.welded,
            self.spec.precharge_s,
            self.spec.open_delay_s,
            dt,
        );
        if event == ContactorEvent::Welded && !self.faults.is_active(BmsFault::ContactorWelded) {
            self.faults.set(BmsFault::ContactorWelded);
            raised.push(BmsFault::ContactorWelded);
        }
        self.soc.update(
            measured_a,
            dt,
            self.spec.rest_current_a,
            self.spec.rest_time_s,
            v_mean,
            t_mean,
            &c.table,
        );
        self.limits(&limits::Inputs {
            t_min,
            t_max,
            // The coldest cell has the highest resistance: the cautious one.
            t_resistance: if t_min.is_finite() { t_min } else { t_mean },
            v_min,
            v_max,
            measured_a,
            plating_limit_a: s.plating_limit_a,
        });
        self.balance(s.cell_v, measured_a, v_min);
        self.out.soc = self.soc.soc();
        self.out.contactors = self.contactors.state();
        self.out.worst_fault = self.faults.worst();
        raised
    }

    /// Passive balancing: while charging or resting, bleed every group more than the
    /// threshold above the lowest.
    fn balance(&mut self, cell_v: &[f64], measured_a: f64, v_min: f64) {
        let active = measured_a < self.spec.rest_current_a
            && self.contactors.state() != ContactorState::Welded;
        let threshold = v_min + self.spec.balance_threshold_v;
        for (flag, v) in self.out.balancing.iter_mut().zip(cell_v) {
            *flag = active && *v > threshold;
        }
    }
}

#[cfg(test)]
mod tests;
