//! GB/T 27930 between the plant and `evtwin_can::gbt`'s two sides: both
//! in-process, or the one the twin plays against a real car or station on
//! the bus (frames told apart by their J1939 source address: the BMS 0xF4,
//! the charger 0x56).
//!
//! The BMS asks for what the pack accepts (BCL), the station delivers its
//! setpoint (the demand within both limits) as the session's current bound;
//! against a real station the bound is the output current its CCS reports.
//! The BMS sends BST at the stop's target SOC, the station CST at its time
//! limit. A side that times out sends BEM / CEM and the sides reconnect, up
//! to three times (the standard's attempts); the stop ends when they give up
//! (its reason: the first error) or on a BST / CST.
//!
//! The station is ready (CRO 0xAA) once its insulation test and precharge
//! (the station's `insulation_test_s + precharge_s`) have passed since the
//! parameters phase began, so the handshake takes what a station takes.

use evtwin_can::Frame;
use evtwin_can::gbt::{
    BMS_ADDR, CHARGER_ADDR, ChargerFault, ChargerStatus, ChargerStop, GbtCharger, GbtEvent,
    GbtVehicle, Mode, Phase as GbtPhase, StationParams, VehicleFault, VehicleParams, VehicleStatus,
    VehicleStop,
};
use evtwin_can::j1939::J1939Id;
use evtwin_sim::charger::{ChargeEnd, ChargeLink, Phase};

use super::chademo_map::snake;
use super::gbt_map::{GbtStop, setup};
use super::hook::{LinkFaultKind, LinkRecord};
use super::plant::{Cable, PlantView};
use super::{Conversation, Faults, LinkRole, LinkSide};

/// The BMS's highest charging voltage above the pack's full-charge voltage, V.
const MAX_V_MARGIN_V: f64 = 10.0;
/// Unix time at virtual time 0 for the station's CTS (fixed: deterministic).
const EPOCH_UNIX_S: u64 = 1_767_225_600;
/// The VIN the car announces (BRM).
const VIN: &str = "LEVTWIN0000000001";
/// A real station's reported output counts while its last CCS is at most
/// this old, µs (the CCS timeout).
const REMOTE_FRESH_US: u64 = 1_000_000;

/// The sides the twin plays and their glue.
pub(crate) struct GbtLink {
    role: LinkRole,
    v: Option<GbtVehicle>,
    c: Option<GbtCharger>,
    opened: bool,
    cable: Cable,
    faults: Faults,
    started_us: u64,
    parameters_since_us: Option<u64>,
    handshake_s: Option<f64>,
    first_error: Option<GbtStop>,
    stop: Option<GbtStop>,
    reconnects: u32,
    energy_kwh: f64,
    sent: u64,
    remote_rx_us: Option<u64>,
    pass_due_us: Option<u64>,
}

impl GbtLink {
    pub fn new(role: LinkRole) -> Self {
        Self {
            role,
            v: None,
            c: None,
            opened: false,
            cable: Cable::default(),
            faults: Faults::default(),
            started_us: 0,
            parameters_since_us: None,
            handshake_s: None,
            first_error: None,
            stop: None,
            reconnects: 0,
            energy_kwh: 0.0,
            sent: 0,
            remote_rx_us: None,
            pass_due_us: None,
        }
    }

    /// The car's fixed parameters, from the pack (at plug-in).
    fn vehicle_params(p: &PlantView) -> VehicleParams {
        let rated_v = p.nominal_v;
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
        // The car's own target; against a real station the scenario's time
        // limit too (GB/T's BST has no "user stop": it says SOC reached).
        let wanted = p.wanted.is_some_and(|w| {
            matches!(w, ChargeEnd::TargetSoc | ChargeEnd::Full) || !self.role.plays_charger()
        });
        let stop = if p.high_temp || self.faults.ev_battery {
            Some(VehicleStop::Fault(VehicleFault::PackOverTemp))
        } else if wanted {
            Some(VehicleStop::SocReached)
        } else {
            None
        };
        VehicleStatus {
            pack_v: p.pack_v,
            current_a: p.charge_a,
            soc_pct: p.soc_pct,
            max_cell_v: p.cell_v_max_v,
            min_cell_v: p.cell_v_min_v,
            max_temp_c: p.temp_max_c,
            min_temp_c: p.temp_min_c,
            ccl_a: p.accept_a,
            demand_v: p.full_v,
            demand_a: p.accept_a,
            mode: Mode::ConstantCurrent,
            remaining_min: p.est_charge_min(),
            ready: v.phase() == GbtPhase::Parameters,
            stop,
        }
    }

    fn charger_status(&self, p: &PlantView) -> ChargerStatus {
        let stop = if self.faults.malfunction || self.faults.insulation {
            Some(ChargerStop::Fault(ChargerFault::Other))
        } else if p.wanted == Some(ChargeEnd::Duration) {
            Some(ChargerStop::ConditionsReached)
        } else {
            None
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let prepare_us = (p.station_prepare_s.max(0.0) * 1e6).round() as u64;
        let prepared = self
            .parameters_since_us
            .is_some_and(|t| p.now_us >= t.saturating_add(prepare_us));
        ChargerStatus {
            output_v: self.cable.v,
            output_a: p.dc_power_w / self.cable.v.max(1.0),
            energy_kwh: self.energy_kwh,
            // The power stage stays ready once prepared (CRO 0xAA goes on
            // saying so after the charging began).
            ready: prepared,
            stop,
        }
    }

    /// The real station's latest CCS, while fresh (the twin plays the car).
    fn remote_output(&self, now_us: u64) -> Option<evtwin_can::gbt::Ccs> {
        let fresh = self
            .remote_rx_us
            .is_some_and(|t| now_us.saturating_sub(t) <= REMOTE_FRESH_US);
        let v = self.v.as_ref()?;
        (fresh && v.phase() == GbtPhase::Charging)
            .then(|| v.charger_output())
            .flatten()
    }

    fn collect(&mut self, now_us: u64, rec: &mut LinkRecord) {
        let mut got: Vec<(LinkSide, GbtEvent)> = Vec::new();
        if let Some(v) = self.v.as_mut() {
            while let Some(e) = v.poll_event() {
                got.push((LinkSide::Ev, e));
            }
        }
        if let Some(c) = self.c.as_mut() {
            while let Some(e) = c.poll_event() {
                got.push((LinkSide::Charger, e));
            }
        }
        let t_s = now_us as f64 / 1e6;
        // The side whose view names the phases: the station when the twin
        // plays it, else the car.
        let lead = if self.c.is_some() {
            LinkSide::Charger
        } else {
            LinkSide::Ev
        };
        for (side, e) in got {
            // A reconnect prepares the output again.
            if side == lead
                && let GbtEvent::Phase(p) = &e
                && !matches!(p, GbtPhase::Parameters | GbtPhase::Charging)
            {
                self.parameters_since_us = None;
            }
            match &e {
                GbtEvent::Phase(GbtPhase::Charging)
                    if side == lead && self.handshake_s.is_none() =>
                {
                    self.handshake_s = Some(now_us.saturating_sub(self.started_us) as f64 / 1e6);
                }
                GbtEvent::Phase(GbtPhase::Parameters) if side == lead => {
                    self.parameters_since_us = Some(now_us);
                }
                GbtEvent::Reconnecting(_) if side == lead => self.reconnects += 1,
                GbtEvent::ErrorSent(codes) if self.first_error.is_none() => {
                    tracing::info!(
                        time_s = t_s,
                        side = side.as_str(),
                        ?codes,
                        "GB/T error sent"
                    );
                    self.first_error = Some(GbtStop::Timeout(side, codes.clone()));
                }
                // The real other side's BEM / CEM (our own sides' are sent above).
                GbtEvent::ErrorReceived(codes) if self.first_error.is_none() => {
                    let from = match side {
                        LinkSide::Ev => LinkSide::Charger,
                        LinkSide::Charger => LinkSide::Ev,
                    };
                    self.first_error = Some(GbtStop::Timeout(from, codes.clone()));
                }
                // A real station's CST while the car charges, whatever its
                // reason (a station answering a BST it never got says "BMS
                // stopped"): the station stopped.
                GbtEvent::StoppedByCharger(r)
                    if self.stop.is_none() && self.c.is_none() && side == LinkSide::Ev =>
                {
                    self.stopping(GbtStop::Charger(*r), side, t_s);
                }
                GbtEvent::Phase(GbtPhase::GaveUp) if self.stop.is_none() => {
                    let s = self
                        .first_error
                        .clone()
                        .unwrap_or(GbtStop::Timeout(side, Vec::new()));
                    self.stopping(s, side, t_s);
                }
                _ => {
                    if self.stop.is_none()
                        && let Some(s) = GbtStop::from_event(&e, side)
                        && !matches!(s, GbtStop::Timeout(..))
                    {
                        self.stopping(s, side, t_s);
                    }
                }
            }
            tracing::debug!(time_s = t_s, side = side.as_str(), "GB/T {e:?}");
            rec.events.push((now_us, side, format!("{e:?}")));
        }
    }

    fn stopping(&mut self, s: GbtStop, seen_by: LinkSide, t_s: f64) {
        tracing::info!(
            time_s = t_s,
            reason = %s.name(),
            seen_by = seen_by.as_str(),
            stopped_by = s.by().as_str(),
            "GB/T session stopping"
        );
        self.stop = Some(s);
    }

    /// Every side the twin plays is over: the statistics exchanged, or the
    /// reconnects given up (a car never called by a station counts as over
    /// once the stop is decided).
    fn ended(&self) -> bool {
        let over = |p| matches!(p, GbtPhase::Done | GbtPhase::GaveUp);
        let given_up = matches!(self.stop, Some(GbtStop::Unfinished(..)));
        let v = self
            .v
            .as_ref()
            .is_none_or(|v| over(v.phase()) || v.phase() == GbtPhase::Idle || given_up);
        let c = self.c.as_ref().is_none_or(|c| over(c.phase()));
        self.stop.is_some() && v && c
    }

    /// A transport fault: the receiving side (the station: every GB/T
    /// message over the transport is the car's) refuses the connections
    /// when the twin plays it, else the car aborts its own.
    fn refuse_transport(&mut self, pgn: u32, on: bool) {
        if let Some(c) = self.c.as_mut() {
            c.refuse_transport(pgn, on);
        } else if let Some(v) = self.v.as_mut() {
            v.refuse_transport(pgn, on);
        }
    }

    /// Which side sent a frame on the bus, by its source and destination
    /// addresses (GB/T's frames go between the BMS and the station).
    fn sender(frame: &Frame) -> Option<LinkSide> {
        let id = J1939Id::from_can(frame.id())?;
        match (id.sa, id.da) {
            (BMS_ADDR, CHARGER_ADDR) => Some(LinkSide::Ev),
            (CHARGER_ADDR, BMS_ADDR) => Some(LinkSide::Charger),
            _ => None,
        }
    }
}

impl Conversation for GbtLink {
    fn set_plant(&mut self, p: &PlantView) {
        if p.connected() && !self.opened {
            self.opened = true;
            self.started_us = p.now_us;
            if self.role.plays_ev() {
                self.v = Some(GbtVehicle::new(Self::vehicle_params(p)));
            }
            if self.role.plays_charger() {
                let mut c = GbtCharger::new(StationParams {
                    max_v: p.station_max_v,
                    min_v: p.station_min_v,
                    max_a: p.station_max_a,
                    min_a: 0.0,
                    charger_number: 1,
                    epoch_unix_s: EPOCH_UNIX_S,
                });
                c.start(p.now_us);
                self.c = Some(c);
            }
            for pgn in self.faults.tp_abort.clone() {
                self.refuse_transport(pgn, true);
            }
        }
        if !self.opened {
            return;
        }
        // The car's contactors: closed while it charges (the car's own
        // phase, or, against a real car, the station's).
        let closed = match (&self.v, &self.c) {
            (Some(v), _) => v.phase() == GbtPhase::Charging,
            (None, Some(c)) => c.phase() == GbtPhase::Charging,
            _ => false,
        };
        let applied = match &self.c {
            Some(c) => c.setpoint().map(|(sp_v, _)| sp_v),
            None => self.remote_output(p.now_us).map(|o| o.v),
        };
        self.cable.step(p.dt_s, closed, p.pack_v, applied);
        // What the station delivers: into the pack and the car's loads.
        self.energy_kwh += p.dc_power_w * p.dt_s / 3.6e6;
        let vs = self.v.as_ref().map(|v| self.vehicle_status(p, v));
        let cs = self.c.is_some().then(|| self.charger_status(p));
        if let (Some(v), Some(vs)) = (self.v.as_mut(), vs) {
            v.set_status(vs);
        }
        if let (Some(c), Some(cs)) = (self.c.as_mut(), cs) {
            c.set_status(cs);
        }
        // What the new values decide (ready, a stop) takes effect now, at the
        // step's start, so the periodic messages it starts keep the step grid.
        if let Some(c) = self.c.as_mut() {
            c.handle_timeout(p.now_us);
        }
        if let Some(v) = self.v.as_mut() {
            v.handle_timeout(p.now_us);
        }
        // Its frames and events are taken at this instant by the next pump.
        self.pass_due_us = Some(p.now_us);
    }

    fn flushes(&self) -> bool {
        false
    }

    fn wants_cells(&self) -> bool {
        self.v.is_some()
    }

    fn set_cells(&mut self, cells_v: &[f64], temps_c: &[f64]) {
        if let Some(v) = self.v.as_mut() {
            v.set_cells(cells_v, temps_c);
        }
    }

    fn step_to(&mut self, t: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord) {
        // Rounds at one instant until both sides are quiet: a message that
        // starts a periodic one (CHM → BHM) is answered at once.
        loop {
            if let Some(c) = self.c.as_mut() {
                c.handle_timeout(t);
            }
            if let Some(v) = self.v.as_mut() {
                v.handle_timeout(t);
            }
            let mut out: Vec<(LinkSide, Frame)> = Vec::new();
            if let Some(v) = self.v.as_mut() {
                while let Some(f) = v.poll_transmit() {
                    out.push((LinkSide::Ev, f));
                }
            }
            if let Some(c) = self.c.as_mut() {
                while let Some(f) = c.poll_transmit() {
                    out.push((LinkSide::Charger, f));
                }
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
                match from {
                    LinkSide::Ev => {
                        if let Some(c) = self.c.as_mut() {
                            c.handle_frame(&f, t);
                        }
                    }
                    LinkSide::Charger => {
                        if let Some(v) = self.v.as_mut() {
                            v.handle_frame(&f, t);
                        }
                    }
                }
            }
        }
        self.collect(t, rec);
        self.pass_due_us = None;
    }

    fn handle_frame(&mut self, frame: &Frame, now_us: u64, rec: &mut LinkRecord) -> bool {
        let Some(from) = Self::sender(frame) else {
            return false;
        };
        // Our own sides' frames (echoed), or a side we play: not ours to take.
        if self.role.plays(from) {
            return false;
        }
        if self.faults.lost(from, frame) {
            return true;
        }
        match from {
            LinkSide::Ev => {
                if let Some(c) = self.c.as_mut() {
                    c.handle_frame(frame, now_us);
                }
            }
            LinkSide::Charger => {
                if let Some(v) = self.v.as_mut() {
                    v.handle_frame(frame, now_us);
                }
                self.remote_rx_us = Some(now_us);
            }
        }
        self.collect(now_us, rec);
        true
    }

    fn poll_timeout(&self) -> Option<u64> {
        if self.ended() {
            return self.pass_due_us;
        }
        [
            self.pass_due_us,
            self.v.as_ref().and_then(GbtVehicle::poll_timeout),
            self.c.as_ref().and_then(GbtCharger::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn decide(&mut self, link: &mut ChargeLink, p: &PlantView) {
        let ph = match (&self.c, &self.v) {
            (Some(c), _) => c.phase(),
            (None, Some(v)) => v.phase(),
            _ => {
                link.setup = Phase::Handshake;
                link.current_limit_a = 0.0;
                return;
            }
        };
        // The car alone (a real station): the scenario's limit ends a stop
        // the station never called (no CHM) or never brought to charging
        // (the car's BST only goes while it charges); every side the twin
        // plays over without a stop named (a station that ended the session
        // its own way): the stop ends too.
        if self.stop.is_none()
            && self.c.is_none()
            && !matches!(
                ph,
                GbtPhase::Charging | GbtPhase::Stopping | GbtPhase::Statistics
            )
            && let Some(w) = p.wanted
        {
            self.stop = Some(GbtStop::Unfinished(w, ph));
        }
        let over = |p| matches!(p, GbtPhase::Done | GbtPhase::GaveUp);
        if self.stop.is_none()
            && self.v.as_ref().is_none_or(|v| over(v.phase()))
            && self.c.as_ref().is_none_or(|c| over(c.phase()))
        {
            self.stop = Some(GbtStop::Unfinished(
                p.wanted.unwrap_or(ChargeEnd::Aborted),
                ph,
            ));
        }
        let ended = self.ended();
        link.setup = if ended { Phase::Done } else { setup(ph) };
        link.current_limit_a = match &self.c {
            Some(c) => c.setpoint().map_or(0.0, |(_, a)| a),
            None => self
                .remote_output(p.now_us)
                .filter(|o| o.permit)
                .map_or(0.0, |o| o.a.max(0.0)),
        };
        let r = &mut link.report;
        let code = f64::from(ph as u8) + 1.0;
        if r.phase_code != code {
            r.phase_code = code;
            r.phase = snake(&format!("{ph:?}"));
        }
        r.handshake_s = self.handshake_s;
        r.frames_sent = self.sent;
        r.frames_received = self.v.as_ref().map_or(0, |v| v.counts().1)
            + self.c.as_ref().map_or(0, |c| c.counts().1);
        r.reconnects = self.reconnects;
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
        if let LinkFaultKind::TpAbort(pgn) = fault {
            let on = self.faults.tp_abort.contains(&pgn);
            self.refuse_transport(pgn, on);
        }
    }
}
