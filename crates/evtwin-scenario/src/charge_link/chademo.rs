//! CHAdeMO between the plant and `evtwin_can::chademo`'s two sides.
//!
//! The connector's lines besides CAN (d1, d2, k, proximity) are not on the
//! bus. With both sides in-process they are wired between the two state
//! machines. With a real charger (the twin is the car), the charger's d1/d2
//! are modelled locally by a *shadow* charger: our own charger state machine,
//! fed with the car's frames as they went out and with the voltage the real
//! charger reports in its 0x109, whose frames are never sent: d1/d2 follow
//! the protocol as a conforming charger drives them given what CAN shows.
//! With a real car (the twin is the station), k is the car's "charging
//! enabled" bit in its latest 0x102 (the car drives both together).

use evtwin_can::Frame;
use evtwin_can::chademo::msg::{ChargerOutputMsg, EvFaults};
use evtwin_can::chademo::{
    ChademoCharger, ChademoEv, ChademoEvent, ChargerConfig, ChargerMeasured, ChargerPhase, EvBms,
    EvConfig, EvPhase, Lines, STOP_CURRENT_A, StopReason,
};
use evtwin_sim::charger::{ChargeEnd, ChargeLink, Phase};

use super::chademo_map::{charger_setup, end_for, ev_setup, initiator, reason_name, snake};
use super::hook::{LinkFaultKind, LinkRecord};
use super::plant::{Cable, PlantView};
use super::{Conversation, Faults, LinkRole, LinkSide};

/// CHAdeMO 1.x sends the current in one byte.
pub(crate) const MAX_CURRENT_A: f64 = 255.0;
/// The car's maximum battery voltage above its full-charge voltage, V (its
/// overvoltage limit, 0x100).
const MAX_V_MARGIN_V: f64 = 10.0;

/// A real charger's reported output voltage counts while its last frame is
/// at most this old, µs (the CAN timeout).
const REMOTE_FRESH_US: u64 = 1_000_000;

/// A phase, to be named when it changes.
enum Name {
    Charger(ChargerPhase),
    Ev(EvPhase),
}

/// Both sides, or the one the twin plays, and their glue.
pub(crate) struct ChademoLink {
    role: LinkRole,
    ev: Option<ChademoEv>,
    ch: Option<ChademoCharger>,
    shadow: Option<ChademoCharger>,
    cable: Cable,
    shadow_cable: Cable,
    plant: Option<PlantView>,
    faults: Faults,
    started: bool,
    started_us: u64,
    handshake_s: Option<f64>,
    stop: Option<(StopReason, LinkSide)>,
    charger_stop_sent: bool,
    stop_final: bool,
    remote_rx_us: Option<u64>,
    sent: u64,
}

impl ChademoLink {
    pub fn new(role: LinkRole) -> Self {
        let charger = || ChademoCharger::new(ChargerConfig::default());
        Self {
            role,
            ev: role.plays_ev().then(|| ChademoEv::new(EvConfig::default())),
            ch: role.plays_charger().then(charger),
            shadow: (role == LinkRole::Ev).then(charger),
            cable: Cable::default(),
            shadow_cable: Cable::default(),
            plant: None,
            faults: Faults::default(),
            started: false,
            started_us: 0,
            handshake_s: None,
            stop: None,
            charger_stop_sent: false,
            stop_final: false,
            remote_rx_us: None,
            sent: 0,
        }
    }

    fn plugged(&self) -> bool {
        self.plant.is_some_and(|p| p.connected())
    }

    /// The real charger's latest 0x109, as the car received it.
    fn remote_status(&self) -> Option<ChargerOutputMsg> {
        self.ev.as_ref().and_then(|e| e.charger_view().1)
    }

    fn lines(&self) -> Lines {
        let plugged = self.plugged();
        match (&self.ev, self.ch.as_ref().or(self.shadow.as_ref())) {
            (Some(ev), Some(ch)) => Lines::wire(plugged, ch.lines(), ev.lines()),
            (None, Some(ch)) => {
                // k as the car's 0x102 says (it drives both together).
                let k = ch.ev_view().2.is_some_and(|r| r.status.charging_enabled);
                let l = ch.lines();
                Lines {
                    plugged,
                    d1: plugged && l.d1,
                    d2: plugged && l.d2,
                    k: plugged && k,
                }
            }
            _ => Lines::default(),
        }
    }

    fn wire(&mut self, now_us: u64) {
        for _ in 0..2 {
            let lines = self.lines();
            if let Some(ev) = self.ev.as_mut() {
                ev.set_lines(lines, now_us);
            }
            for ch in [self.ch.as_mut(), self.shadow.as_mut()]
                .into_iter()
                .flatten()
            {
                ch.set_lines(lines, now_us);
            }
            if self.lines() == lines {
                break;
            }
        }
    }

    fn collect(&mut self, now_us: u64, rec: &mut LinkRecord) {
        let mut got: Vec<(LinkSide, ChademoEvent)> = Vec::new();
        if let Some(ev) = self.ev.as_mut() {
            while let Some(e) = ev.poll_event() {
                got.push((LinkSide::Ev, e));
            }
        }
        if let Some(ch) = self.ch.as_mut() {
            while let Some(e) = ch.poll_event() {
                got.push((LinkSide::Charger, e));
            }
        }
        if let Some(sh) = self.shadow.as_mut() {
            while sh.poll_event().is_some() {}
        }
        for (side, e) in got {
            let t_s = now_us as f64 / 1e6;
            match e {
                ChademoEvent::CanStarted if self.role == LinkRole::Ev => self.started_us = now_us,
                ChademoEvent::ConnectorLocked if self.handshake_s.is_none() => {
                    self.handshake_s = Some(now_us.saturating_sub(self.started_us) as f64 / 1e6);
                }
                // The first stop, or the initiator's own account of it when
                // the other side reported it first (its reaction to a flag).
                ChademoEvent::Stopping(r)
                    if self.stop.is_none_or(|(first, seen)| {
                        let by = initiator(first, seen);
                        seen != by && side == by && !self.stop_final
                    }) =>
                {
                    let by = initiator(r, side);
                    tracing::info!(
                        time_s = t_s,
                        reason = %reason_name(r),
                        seen_by = side.as_str(),
                        stopped_by = by.as_str(),
                        "CHAdeMO session stopping"
                    );
                    self.stop_final |= self.stop.is_some();
                    self.stop = Some((r, side));
                }
                _ => {}
            }
            tracing::debug!(time_s = t_s, side = side.as_str(), "CHAdeMO {e:?}");
            rec.events.push((now_us, side, format!("{e:?}")));
        }
    }

    fn bms(&self, p: &PlantView) -> EvBms {
        let wanted = p.wanted.is_some_and(|w| {
            matches!(w, ChargeEnd::TargetSoc | ChargeEnd::Full) || !self.role.plays_charger()
        });
        EvBms {
            pack_voltage_v: p.pack_v,
            pack_current_a: p.charge_a,
            inlet_voltage_v: self.cable.v,
            soc_pct: p.soc_pct,
            target_voltage_v: p.full_v,
            current_request_a: p.accept_a.min(MAX_CURRENT_A),
            max_voltage_v: p.full_v + MAX_V_MARGIN_V,
            min_voltage_v: p.empty_v,
            capacity_kwh: p.capacity_kwh,
            est_charge_time_min: p.est_charge_min(),
            high_temp: p.high_temp || self.faults.ev_battery,
            faults: EvFaults::default(),
            shift_not_park: false,
            stop_request: wanted,
        }
    }
}

impl Conversation for ChademoLink {
    fn set_plant(&mut self, p: &PlantView) {
        let now = p.now_us;
        let closed = match (&self.ev, &self.ch) {
            (Some(ev), _) => ev.output().contactors_closed,
            // A real car says its contactors are open only after its welding
            // check; the protocol has it open them once a stop has brought
            // the current to 5 A or less, and so the station's model assumes.
            (None, Some(ch)) => {
                let stopped = ch.stop_reason().is_some() && p.charge_a <= STOP_CURRENT_A;
                !stopped && ch.ev_view().2.is_some_and(|r| !r.status.contactor_open)
            }
            _ => false,
        };
        if let Some(ch) = &self.ch {
            let o = ch.output();
            let applied =
                (o.output_enabled && o.voltage_setpoint_v > 0.0).then_some(o.voltage_setpoint_v);
            self.cable.step(p.dt_s, closed, p.pack_v, applied);
        } else {
            // A real charger: its output as it reports it, while it reports;
            // silent for the CAN timeout, its output is taken as off.
            let fresh = self
                .remote_rx_us
                .is_some_and(|t| p.now_us.saturating_sub(t) <= REMOTE_FRESH_US);
            let reported = self
                .remote_status()
                .filter(|_| fresh)
                .map(|s| f64::from(s.present_v));
            self.cable.step(p.dt_s, closed, p.pack_v, reported);
        }
        // The shadow station's own output, as its state machine drives it:
        // its d2 then comes on its own timing (test, discharge), whatever the
        // real station's reported voltage does.
        if let Some(sh) = &self.shadow {
            let o = sh.output();
            let applied =
                (o.output_enabled && o.voltage_setpoint_v > 0.0).then_some(o.voltage_setpoint_v);
            self.shadow_cable.step(p.dt_s, closed, p.pack_v, applied);
        }
        self.plant = Some(*p);
        let bms = self.bms(p);
        if let Some(ev) = self.ev.as_mut() {
            ev.set_bms(bms);
        }
        let measured = ChargerMeasured {
            output_v: self.cable.v,
            output_a: p.charge_a,
            insulation_ok: !self.faults.insulation,
        };
        // The station ends the stop at its time limit; a car's target is the
        // car's to act on.
        let stop = p.wanted == Some(ChargeEnd::Duration);
        let shadow_measured = ChargerMeasured {
            output_v: self.shadow_cable.v,
            ..measured
        };
        for (ch, m) in [
            (self.ch.as_mut(), measured),
            (self.shadow.as_mut(), shadow_measured),
        ] {
            if let Some(ch) = ch {
                ch.set_measured(m);
                ch.set_available(p.station_max_v, p.station_max_a.min(MAX_CURRENT_A));
            }
        }
        if p.connected() && !self.started {
            self.started = true;
            self.started_us = now;
            for ch in [self.ch.as_mut(), self.shadow.as_mut()]
                .into_iter()
                .flatten()
            {
                ch.start(now);
            }
            // d1 reaches the car at once.
            self.wire(now);
        }
        if stop
            && !self.charger_stop_sent
            && let Some(ch) = self.ch.as_mut()
        {
            ch.request_stop(now);
            self.charger_stop_sent = true;
        }
    }

    fn step_to(&mut self, t: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord) {
        self.step_to_impl(t, bus, rec);
    }

    fn handle_frame(&mut self, frame: &Frame, now_us: u64, rec: &mut LinkRecord) -> bool {
        let id = frame.id().raw();
        if frame.id().is_extended() {
            return false;
        }
        let from = match id {
            0x100..=0x102 => LinkSide::Ev,
            0x108 | 0x109 => LinkSide::Charger,
            _ => return false,
        };
        // Our own side's frames (echoed), or a side we play: not ours to take.
        if self.role.plays(from) {
            return false;
        }
        if self.faults.lost(from, frame) {
            return true;
        }
        match from {
            LinkSide::Ev => {
                if let Some(ch) = self.ch.as_mut() {
                    ch.handle_frame(frame, now_us);
                }
            }
            LinkSide::Charger => {
                if let Some(ev) = self.ev.as_mut() {
                    ev.handle_frame(frame, now_us);
                }
                self.remote_rx_us = Some(now_us);
            }
        }
        self.wire(now_us);
        self.collect(now_us, rec);
        true
    }

    fn poll_timeout(&self) -> Option<u64> {
        [
            self.ev.as_ref().and_then(ChademoEv::poll_timeout),
            self.ch.as_ref().and_then(ChademoCharger::poll_timeout),
            self.shadow.as_ref().and_then(ChademoCharger::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn decide(&mut self, link: &mut ChargeLink, p: &PlantView) {
        let (setup, code, name) = match (&self.ch, &self.ev) {
            (Some(ch), _) => {
                let ph = ch.phase();
                (charger_setup(ph), ph as u8, Name::Charger(ph))
            }
            (None, Some(ev)) => {
                let ph = ev.phase();
                (ev_setup(ph), ph as u8, Name::Ev(ph))
            }
            _ => return,
        };
        link.setup = if self.ended() { Phase::Done } else { setup };
        link.current_limit_a = match (&self.ch, self.remote_status()) {
            (Some(ch), _) => {
                let o = ch.output();
                if o.output_enabled {
                    o.current_setpoint_a
                } else {
                    0.0
                }
            }
            // A real charger: the current it reports, while the car's
            // contactors are closed.
            (None, Some(s))
                if s.status.charging
                    && self
                        .ev
                        .as_ref()
                        .is_some_and(|e| e.output().contactors_closed) =>
            {
                f64::from(s.present_a)
            }
            _ => 0.0,
        };
        let r = &mut link.report;
        let code = f64::from(code) + 1.0;
        if r.phase_code != code {
            r.phase_code = code;
            // Named only when it changes (no allocation per step).
            r.phase = snake(&match name {
                Name::Charger(ph) => format!("{ph:?}"),
                Name::Ev(ph) => format!("{ph:?}"),
            });
        }
        r.handshake_s = self.handshake_s;
        r.frames_sent = self.sent;
        r.frames_received = self.ev.as_ref().map_or(0, |e| e.rx_stats().taken)
            + self.ch.as_ref().map_or(0, |c| c.rx_stats().taken);
        r.ended = self.ended();
        if let Some((reason, side)) = self.stop {
            let name = reason_name(reason);
            if r.stop_reason.as_deref() != Some(name.as_str()) {
                r.stop_reason = Some(name);
                r.stopped_by = Some(initiator(reason, side).as_str().to_owned());
            }
            if link.stop.is_none() {
                link.stop = Some(end_for(reason, p.wanted));
            }
        }
    }

    fn inject(&mut self, fault: LinkFaultKind, _now_us: u64) {
        self.faults.note(fault);
        if fault == LinkFaultKind::ChargerMalfunction
            && let Some(ch) = self.ch.as_mut()
        {
            ch.set_malfunction(true);
        }
    }
}

impl ChademoLink {
    /// One instant: deadlines, then frames back and forth until both sides
    /// are quiet at `t`.
    fn step_to_impl(&mut self, t: u64, bus: &mut Vec<Frame>, rec: &mut LinkRecord) {
        self.wire(t);
        for ch in [self.ch.as_mut(), self.shadow.as_mut()]
            .into_iter()
            .flatten()
        {
            ch.handle_timeout(t);
        }
        if let Some(ev) = self.ev.as_mut() {
            ev.handle_timeout(t);
        }
        loop {
            let mut out: Vec<(LinkSide, Frame)> = Vec::new();
            if let Some(ev) = self.ev.as_mut() {
                while let Some(f) = ev.poll_transmit(t) {
                    out.push((LinkSide::Ev, f));
                }
            }
            if let Some(ch) = self.ch.as_mut() {
                while let Some(f) = ch.poll_transmit(t) {
                    out.push((LinkSide::Charger, f));
                }
            }
            // The shadow's frames never leave it.
            if let Some(sh) = self.shadow.as_mut() {
                while sh.poll_transmit(t).is_some() {}
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
                        for ch in [self.ch.as_mut(), self.shadow.as_mut()]
                            .into_iter()
                            .flatten()
                        {
                            ch.handle_frame(&f, t);
                        }
                    }
                    LinkSide::Charger => {
                        if let Some(ev) = self.ev.as_mut() {
                            ev.handle_frame(&f, t);
                        }
                    }
                }
            }
            self.wire(t);
        }
        self.wire(t);
        self.collect(t, rec);
    }

    /// Every side the twin plays is over (or never started) and has sent
    /// its last frame.
    fn ended(&self) -> bool {
        let ev = self.ev.as_ref().is_none_or(|e| {
            e.poll_timeout().is_none()
                && (e.phase() == EvPhase::Ended
                    || (e.phase() == EvPhase::Idle && self.stop.is_some()))
        });
        let ch = self
            .ch
            .as_ref()
            .is_none_or(|c| c.phase() == ChargerPhase::Ended && c.poll_timeout().is_none());
        self.started && ev && ch
    }
}
