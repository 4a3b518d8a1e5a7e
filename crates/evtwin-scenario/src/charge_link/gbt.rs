//! GB/T 27930 between the plant and `evtwin_can::gbt`'s two sides, both
//! in-process (the twin plays the car's BMS and the station; a real car or
//! station on the bus is refused when the network is loaded).
//!
//! The BMS asks for what the pack accepts (BCL), the station delivers its
//! setpoint (the demand within both limits) as the session's current bound;
//! the BMS sends BST at the stop's target SOC, the station CST at its time
//! limit, and a side that times out sends BEM / CEM, which ends the stop.

use evtwin_can::Frame;
use evtwin_can::gbt::{
    ChargerFault, ChargerStatus, ChargerStop, GbtCharger, GbtEvent, GbtVehicle, Mode,
    Phase as GbtPhase, StationParams, VehicleFault, VehicleParams, VehicleStatus, VehicleStop,
};
use evtwin_sim::charger::{ChargeEnd, ChargeLink, Phase};

use super::chademo_map::snake;
use super::gbt_map::{GbtStop, setup};
use super::hook::{LinkFaultKind, LinkRecord};
use super::plant::{Cable, PlantView};
use super::{Conversation, Faults, LinkSide};

/// The BMS's highest charging voltage above the pack's full-charge voltage, V.
const MAX_V_MARGIN_V: f64 = 10.0;
/// Unix time at virtual time 0 for the station's CTS (fixed: deterministic).
const EPOCH_UNIX_S: u64 = 1_767_225_600;
/// The VIN the car announces (BRM).
const VIN: &str = "LEVTWIN0000000001";

/// Both sides and their glue.
pub(crate) struct GbtLink {
    sides: Option<(GbtVehicle, GbtCharger)>,
    cable: Cable,
    faults: Faults,
    started_us: u64,
    handshake_s: Option<f64>,
    stop: Option<GbtStop>,
    energy_kwh: f64,
    sent: u64,
}

impl GbtLink {
    pub fn new() -> Self {
        Self {
            sides: None,
            cable: Cable::default(),
            faults: Faults::default(),
            started_us: 0,
            handshake_s: None,
            stop: None,
            energy_kwh: 0.0,
            sent: 0,
        }
    }

    /// The car's fixed parameters, from the pack (at plug-in).
    fn vehicle_params(p: &PlantView) -> VehicleParams {
        let rated_v = f64::midpoint(p.full_v, p.empty_v);
        VehicleParams {
            max_charge_v: p.full_v + MAX_V_MARGIN_V,
            max_cell_v: p.full_v / p.series.max(1.0),
            max_charge_a: p.accept_a.max(1.0),
            energy_kwh: p.capacity_kwh,
            max_temp_c: 55.0,
            rated_ah: p.capacity_kwh * 1000.0 / rated_v.max(1.0),
            rated_v,
            chemistry: 6,
            vin: VIN.to_owned(),
        }
    }

    fn vehicle_status(&self, p: &PlantView, v: &GbtVehicle) -> VehicleStatus {
        let cell_v = p.pack_v / p.series.max(1.0);
        let stop = if p.high_temp || self.faults.ev_battery {
            Some(VehicleStop::Fault(VehicleFault::PackOverTemp))
        } else if matches!(p.wanted, Some(ChargeEnd::TargetSoc | ChargeEnd::Full)) {
            Some(VehicleStop::SocReached)
        } else {
            None
        };
        VehicleStatus {
            pack_v: p.pack_v,
            current_a: p.charge_a,
            soc_pct: p.soc_pct,
            max_cell_v: cell_v,
            min_cell_v: cell_v,
            max_temp_c: 25.0,
            min_temp_c: 25.0,
            ccl_a: p.accept_a,
            demand_v: p.full_v,
            demand_a: p.accept_a,
            mode: Mode::ConstantCurrent,
            remaining_min: p.est_charge_min(),
            ready: v.phase() == GbtPhase::Parameters,
            stop,
        }
    }

    fn collect(&mut self, now_us: u64, rec: &mut LinkRecord) {
        let Some((v, c)) = self.sides.as_mut() else {
            return;
        };
        let mut got: Vec<(LinkSide, GbtEvent)> = Vec::new();
        while let Some(e) = v.poll_event() {
            got.push((LinkSide::Ev, e));
        }
        while let Some(e) = c.poll_event() {
            got.push((LinkSide::Charger, e));
        }
        let t_s = now_us as f64 / 1e6;
        for (side, e) in got {
            if side == LinkSide::Charger
                && e == GbtEvent::Phase(GbtPhase::Charging)
                && self.handshake_s.is_none()
            {
                self.handshake_s = Some(now_us.saturating_sub(self.started_us) as f64 / 1e6);
            }
            if self.stop.is_none()
                && let Some(s) = GbtStop::from_event(&e, side)
            {
                tracing::info!(
                    time_s = t_s,
                    reason = %s.name(),
                    seen_by = side.as_str(),
                    stopped_by = s.by().as_str(),
                    "GB/T session stopping"
                );
                self.stop = Some(s);
            }
            tracing::debug!(time_s = t_s, side = side.as_str(), "GB/T {e:?}");
            rec.events.push((now_us, side, format!("{e:?}")));
        }
    }

    /// Both sides are over: the statistics exchanged, or a side gave up or
    /// stopped on an error (the stop does not reconnect).
    fn ended(&self) -> bool {
        let Some((v, c)) = &self.sides else {
            return false;
        };
        let over = |p| matches!(p, GbtPhase::Done | GbtPhase::GaveUp | GbtPhase::Error);
        self.stop.is_some() && over(c.phase()) && (over(v.phase()) || v.phase() == GbtPhase::Idle)
    }
}

impl Conversation for GbtLink {
    fn set_plant(&mut self, p: &PlantView) {
        if p.connected() && self.sides.is_none() {
            let mut c = GbtCharger::new(StationParams {
                max_v: p.station_max_v,
                min_v: p.station_min_v,
                max_a: p.station_max_a,
                min_a: 0.0,
                charger_number: 1,
                epoch_unix_s: EPOCH_UNIX_S,
            });
            c.start(p.now_us);
            self.started_us = p.now_us;
            self.sides = Some((GbtVehicle::new(Self::vehicle_params(p)), c));
        }
        let Some((v, c)) = &self.sides else {
            return;
        };
        let closed = v.phase() == GbtPhase::Charging;
        let applied = c.setpoint().map(|(sp_v, _)| sp_v);
        self.cable.step(p.dt_s, closed, p.pack_v, applied);
        self.energy_kwh += p.pack_v * p.charge_a * p.dt_s / 3.6e6;
        let vs = self.vehicle_status(p, v);
        let stop = if self.faults.malfunction || self.faults.insulation {
            Some(ChargerStop::Fault(ChargerFault::Other))
        } else if p.wanted == Some(ChargeEnd::Duration) {
            Some(ChargerStop::ConditionsReached)
        } else {
            None
        };
        let cs = ChargerStatus {
            output_v: self.cable.v,
            output_a: p.charge_a,
            energy_kwh: self.energy_kwh,
            ready: c.phase() == GbtPhase::Parameters,
            stop,
        };
        if let Some((v, c)) = self.sides.as_mut() {
            v.set_status(vs);
            c.set_status(cs);
        }
    }

    fn step_to(&mut self, t: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord) {
        let Some((v, c)) = self.sides.as_mut() else {
            return;
        };
        c.handle_timeout(t);
        v.handle_timeout(t);
        loop {
            let Some((v, c)) = self.sides.as_mut() else {
                return;
            };
            let mut out: Vec<(LinkSide, Frame)> = Vec::new();
            while let Some(f) = v.poll_transmit() {
                out.push((LinkSide::Ev, f));
            }
            while let Some(f) = c.poll_transmit() {
                out.push((LinkSide::Charger, f));
            }
            if out.is_empty() {
                break;
            }
            for (from, f) in out {
                let delivered = !self.faults.lost(from, &f);
                if rec.keep_frames {
                    rec.frames.push((t, from, f, delivered));
                }
                if !delivered {
                    continue;
                }
                self.sent += 1;
                bus.push(f);
                if let Some((v, c)) = self.sides.as_mut() {
                    match from {
                        LinkSide::Ev => c.handle_frame(&f, t),
                        LinkSide::Charger => v.handle_frame(&f, t),
                    }
                }
            }
        }
        self.collect(t, rec);
    }

    fn handle_frame(&mut self, _frame: &Frame, _now_us: u64, _rec: &mut LinkRecord) {
        // Both sides play in-process: the bus carries only their own frames.
    }

    fn poll_timeout(&self) -> Option<u64> {
        let (v, c) = self.sides.as_ref()?;
        if self.ended() {
            return None;
        }
        [v.poll_timeout(), c.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    fn decide(&mut self, link: &mut ChargeLink, p: &PlantView) {
        let Some((v, c)) = &self.sides else {
            link.setup = Phase::Handshake;
            link.current_limit_a = 0.0;
            return;
        };
        let ph = c.phase();
        let ended = self.ended();
        link.setup = if ended { Phase::Done } else { setup(ph) };
        link.current_limit_a = c.setpoint().map_or(0.0, |(_, a)| a);
        let r = &mut link.report;
        let code = f64::from(ph as u8) + 1.0;
        if r.phase_code != code {
            r.phase_code = code;
            r.phase = snake(&format!("{ph:?}"));
        }
        r.handshake_s = self.handshake_s;
        r.frames_sent = self.sent;
        r.frames_received = v.counts().1 + c.counts().1;
        r.ended = ended;
        if let Some(s) = &self.stop {
            let name = s.name();
            if r.stop_reason.as_deref() != Some(name.as_str()) {
                r.stop_reason = Some(name);
                r.stopped_by = Some(s.by().as_str().to_owned());
            }
            if link.stop.is_none() {
                link.stop = Some(s.end(p.wanted));
            }
        }
    }

    fn inject(&mut self, fault: LinkFaultKind, _now_us: u64) {
        self.faults.note(fault);
    }
}
