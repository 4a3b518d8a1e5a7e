//! What the protocol's sides need of the plant, read from the twin once per
//! step, and the one piece of plant the twin does not model: the voltage on
//! the charge cable between the station's output and the car's contactors.

use evtwin_sim::charger::{ChargeEnd, Phase};
use evtwin_sim::route::LegKind;
use evtwin_sim::{Scalar, Signal, Twin};

/// The plant as the protocol sees it at the start of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlantView {
    /// Virtual time, µs.
    pub now_us: u64,
    /// The step, s.
    pub dt_s: f64,
    /// The session's phase (none: not at a station yet).
    pub phase: Option<Phase>,
    /// Pack terminal voltage, V.
    pub pack_v: f64,
    /// Charge current into the pack from the station, A (≥ 0).
    pub charge_a: f64,
    /// SOC as the BMS estimates it, %.
    pub soc_pct: f64,
    /// What the pack accepts now: the cells' and the BMS's limit and the
    /// charge power limit at this voltage, A.
    pub accept_a: f64,
    /// The pack's full-charge voltage (series × cell maximum), V.
    pub full_v: f64,
    /// The pack's empty voltage (series × cell minimum), V.
    pub empty_v: f64,
    /// Nominal energy, kWh.
    pub capacity_kwh: f64,
    /// Nominal voltage (series × the cell's nominal), V.
    pub nominal_v: f64,
    /// DC power from the station (into the pack and the car's loads), W.
    pub dc_power_w: f64,
    /// The BMS reports an over-temperature fault.
    pub high_temp: bool,
    /// The end the twin would make (target SOC, full, time limit).
    pub wanted: Option<ChargeEnd>,
    /// The station's offer: highest voltage, V.
    pub station_max_v: f64,
    /// The station's offer: largest current, A.
    pub station_max_a: f64,
    /// The stop's target SOC, %.
    pub until_pct: f64,
    /// The station's offer: lowest voltage, V.
    pub station_min_v: f64,
    /// Cells in series.
    pub series: f64,
    /// Highest group voltage, V.
    pub cell_v_max_v: f64,
    /// Lowest group voltage, V.
    pub cell_v_min_v: f64,
    /// Hottest group, °C.
    pub temp_max_c: f64,
    /// Coldest group, °C.
    pub temp_min_c: f64,
    /// The station's insulation test and precharge, s (what a GB/T station
    /// takes between the car's BRO 0xAA and its own CRO 0xAA).
    pub station_prepare_s: f64,
}

/// The BMS's over-temperature fault code (`bms.fault_code` 3).
const FAULT_OT: f64 = 3.0;

impl PlantView {
    /// Reads the twin at `now_us`.
    /// The plant's values at `now_us`; `(capacity_kwh, nominal_v)` are the
    /// pack's ratings ([`PlantView::rating`]: an integral over the cell's
    /// OCV curve, too dear for every step).
    pub fn read(twin: &Twin, now_us: u64, (capacity_kwh, nominal_v): (f64, f64)) -> Self {
        let r = |s: Scalar| twin.read(Signal::Scalar(s));
        let cfg = twin.config();
        let series = cfg.pack.series as f64;
        let pack_v = r(Scalar::PackVoltageV);
        let by_power = r(Scalar::ChargePowerLimitW) / pack_v.max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let leg = r(Scalar::LegIndex).max(0.0) as usize;
        let (station_max_v, station_min_v, station_max_a, until, prepare_s) =
            match cfg.route.legs().get(leg).map(|l| &l.kind) {
                Some(LegKind::Charge(c)) => (
                    c.station.max_voltage_v,
                    c.station.min_voltage_v,
                    c.station.max_current_a,
                    c.until_soc.unwrap_or(1.0),
                    c.station.insulation_test_s + c.station.precharge_s,
                ),
                _ => (0.0, 0.0, 0.0, 1.0, 0.0),
            };
        Self {
            now_us,
            dt_s: cfg.step_s,
            phase: twin.charge_phase(),
            pack_v,
            charge_a: r(Scalar::ChargerCurrentA).max(0.0),
            soc_pct: r(Scalar::BmsSocEstPct),
            accept_a: r(Scalar::ChargeLimitA).min(by_power).max(0.0),
            full_v: series * cfg.pack.cell.voltage_max_v,
            empty_v: series * cfg.pack.cell.voltage_min_v,
            capacity_kwh,
            nominal_v,
            dc_power_w: r(Scalar::ChargerPowerW).max(0.0),
            high_temp: r(Scalar::BmsFaultCode) == FAULT_OT,
            wanted: twin.charge_end_wanted(),
            station_max_v,
            station_max_a,
            until_pct: until * 100.0,
            station_min_v,
            series,
            cell_v_max_v: r(Scalar::CellVMaxV),
            cell_v_min_v: r(Scalar::CellVMinV),
            temp_max_c: r(Scalar::TempMaxC),
            temp_min_c: r(Scalar::TempMinC),
            station_prepare_s: prepare_s,
        }
    }

    /// The pack's rated energy, kWh, and nominal voltage, V (fixed for a run).
    pub fn rating(twin: &Twin) -> (f64, f64) {
        (
            twin.pack().nominal_energy_wh() / 1000.0,
            twin.pack().nominal_voltage_v(),
        )
    }

    /// Whether the car is at the station past plug-in (the conversation may run).
    pub fn connected(&self) -> bool {
        self.phase.is_some_and(|p| p != Phase::PlugIn)
    }

    /// Time to the target SOC at the present power, min (a rough estimate
    /// for the car's messages), at most 254.
    pub fn est_charge_min(&self) -> f64 {
        let power_kw = (self.charge_a * self.pack_v / 1000.0).max(1.0);
        let left_kwh = ((self.until_pct - self.soc_pct) / 100.0).max(0.0) * self.capacity_kwh;
        (left_kwh / power_kw * 60.0).min(254.0)
    }
}

/// The cable's voltage: the pack's while the car's contactors are closed, the
/// station's test voltage while it applies one, else decaying through the
/// station's discharge resistor (time constant 100 ms; 0 below 0.5 V).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Cable {
    /// Volts now.
    pub v: f64,
}

/// The discharge time constant, s.
const DISCHARGE_TAU_S: f64 = 0.1;

impl Cable {
    /// One step of `dt_s`: `closed` the car's contactors; `applied` a voltage
    /// the station drives (none: off).
    pub fn step(&mut self, dt_s: f64, closed: bool, pack_v: f64, applied: Option<f64>) {
        self.v = if closed {
            pack_v
        } else if let Some(v) = applied {
            v
        } else {
            let v = self.v * (-dt_s / DISCHARGE_TAU_S).exp();
            if v < 0.5 { 0.0 } else { v }
        };
    }
}
