//! Both CHAdeMO sides in one loop, in virtual time, with a small plant: the
//! two exchange frames through a Vec, and time advances to the earliest
//! `poll_timeout` of either side. The plant: a power stage whose current
//! slews toward the charger's setpoint at 300 A/s, a pack of 100 Ah whose
//! voltage is 320 V + 0.8 V per % SOC + 0.05 Ω × I, the output voltage that
//! of the pack while the EV's contactors are closed (or welded), the
//! insulation test's voltage while the charger applies it, else decaying
//! with a 100 ms time constant.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod checks;

use evtwin_can::Frame;
use evtwin_can::chademo::msg::{ChargerCapability, ChargerOutputMsg, EvLimits, EvRequest, EvTime};
use evtwin_can::chademo::{
    ChademoCharger, ChademoEv, ChademoEvent, ChargerConfig, ChargerMeasured, EvBms, EvConfig,
    Lines, Side,
};

/// The plant between the two sides.
#[derive(Debug, Clone, Copy)]
pub struct Plant {
    /// Output current, A.
    pub current_a: f64,
    /// Output (= inlet) voltage, V.
    pub out_v: f64,
    /// SOC, %.
    pub soc_pct: f64,
    /// Power stage slew, A/s.
    pub slew_a_per_s: f64,
    /// Added to the current the stage delivers while on (a fault), A.
    pub extra_a: f64,
    /// Added to the voltage the charger measures (a fault), V.
    pub meas_offset_v: f64,
    /// The EV's contactors stay closed once closed.
    pub welded: bool,
    /// Set while a contactor has closed and is welded.
    pub welded_closed: bool,
    /// The insulation monitor's verdict.
    pub insulation_ok: bool,
}

impl Default for Plant {
    fn default() -> Self {
        Self {
            current_a: 0.0,
            out_v: 0.0,
            soc_pct: 20.0,
            slew_a_per_s: 300.0,
            extra_a: 0.0,
            meas_offset_v: 0.0,
            welded: false,
            welded_closed: false,
            insulation_ok: true,
        }
    }
}

impl Plant {
    /// Pack voltage at the present SOC and current, V.
    pub fn pack_v(&self) -> f64 {
        320.0 + 0.8 * self.soc_pct + 0.05 * self.current_a
    }
}

/// One frame on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// When.
    pub t_us: u64,
    /// Who sent it.
    pub from: Side,
    /// The frame.
    pub frame: Frame,
    /// Whether it reached the other side.
    pub delivered: bool,
    /// What the sender decided to put in it (its `last_sent`).
    pub decided: Decided,
}

/// A sent message as its sender built it.
#[derive(Debug, Clone, Copy)]
pub enum Decided {
    Limits(EvLimits),
    Time(EvTime),
    Request(EvRequest),
    Capability(ChargerCapability),
    Status(ChargerOutputMsg),
}

/// One sample of the plant and both sides, taken at every loop time.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// When.
    pub t_us: u64,
    /// The charger's current setpoint, A.
    pub setpoint_a: f64,
    /// The EV's request as the charger last received it, A.
    pub request_a: f64,
    /// Plant current, A.
    pub current_a: f64,
    /// EV contactors closed.
    pub contactors_closed: bool,
    /// The lines.
    pub lines: Lines,
    /// The lock.
    pub locked: bool,
}

/// The loop.
pub struct Sim {
    pub ev: ChademoEv,
    pub ch: ChademoCharger,
    pub plant: Plant,
    pub bms: EvBms,
    pub now_us: u64,
    pub plugged: bool,
    pub sent: Vec<Sent>,
    pub events: Vec<(u64, Side, ChademoEvent)>,
    pub samples: Vec<Sample>,
    /// Frames of this side are lost from this time on.
    pub mute: Option<(Side, u64)>,
    /// The BMS stops at this SOC (normal stop request).
    pub stop_soc_pct: f64,
    /// What the BMS asks for, A.
    pub want_a: f64,
    /// The d2 wire is cut (a fault).
    pub cut_d2: bool,
    /// The connector is pulled at this time: lines and CAN gone.
    pub unplug_at: Option<u64>,
}

/// A BMS for a 400 V pack: max 450 V, min 300 V, target 410 V.
pub fn bms() -> EvBms {
    EvBms {
        target_voltage_v: 410.0,
        max_voltage_v: 450.0,
        min_voltage_v: 300.0,
        capacity_kwh: 40.0,
        est_charge_time_min: 30.0,
        ..EvBms::default()
    }
}

impl Sim {
    /// Plugged in, not started: set up the plant, the BMS and faults, then
    /// [`Sim::start`].
    pub fn build(ev: EvConfig, ch: ChargerConfig) -> Self {
        Self {
            ev: ChademoEv::new(ev),
            ch: ChademoCharger::new(ch),
            plant: Plant::default(),
            bms: bms(),
            now_us: 0,
            plugged: true,
            sent: Vec::new(),
            events: Vec::new(),
            samples: Vec::new(),
            mute: None,
            stop_soc_pct: 80.0,
            want_a: 100.0,
            cut_d2: false,
            unplug_at: None,
        }
    }

    /// The charger's start button at t = 0.
    pub fn start(&mut self) {
        self.feed();
        self.ch.start(0);
        self.step_to(0);
    }

    /// Built and started.
    pub fn new(ev: EvConfig, ch: ChargerConfig) -> Self {
        let mut s = Self::build(ev, ch);
        s.start();
        s
    }

    /// Default configurations.
    pub fn standard() -> Self {
        Self::new(EvConfig::default(), ChargerConfig::default())
    }

    fn lines(&self) -> Lines {
        let mut l = Lines::wire(self.plugged, self.ch.lines(), self.ev.lines());
        l.d2 &= !self.cut_d2;
        l
    }

    fn wire(&mut self) {
        let lines = self.lines();
        self.ev.set_lines(lines, self.now_us);
        self.ch.set_lines(lines, self.now_us);
        // A line one side changed may change the other's.
        let again = self.lines();
        if again != lines {
            self.ev.set_lines(again, self.now_us);
            self.ch.set_lines(again, self.now_us);
        }
    }

    fn feed(&mut self) {
        let p = self.plant;
        let mut b = self.bms;
        b.pack_voltage_v = p.pack_v();
        b.pack_current_a = p.current_a;
        b.inlet_voltage_v = p.out_v;
        b.soc_pct = p.soc_pct;
        b.current_request_a = if p.soc_pct < self.stop_soc_pct {
            self.want_a
        } else {
            0.0
        };
        b.stop_request |= p.soc_pct >= self.stop_soc_pct;
        self.ev.set_bms(b);
        self.ch.set_measured(ChargerMeasured {
            output_v: p.out_v + p.meas_offset_v,
            output_a: p.current_a,
            insulation_ok: p.insulation_ok,
        });
    }

    fn plant_step(&mut self, dt_s: f64) {
        let out = self.ch.output();
        let p = &mut self.plant;
        let closed = self.ev.output().contactors_closed;
        if closed && p.welded {
            p.welded_closed = true;
        }
        // Pulling the connector breaks the circuit.
        let connected = (closed || p.welded_closed) && self.plugged;
        if connected {
            // The fault's extra current flows only while the stage delivers.
            let target = if out.output_enabled && out.current_setpoint_a > 0.0 {
                out.current_setpoint_a + p.extra_a
            } else {
                0.0
            };
            let step = p.slew_a_per_s * dt_s;
            p.current_a += (target - p.current_a).clamp(-step, step);
            p.soc_pct += p.current_a * dt_s / 3600.0;
            p.out_v = p.pack_v();
        } else {
            p.current_a = 0.0;
            if out.output_enabled && out.voltage_setpoint_v > 0.0 {
                p.out_v = out.voltage_setpoint_v;
            } else {
                p.out_v *= (-dt_s / 0.1).exp();
                if p.out_v < 0.5 {
                    p.out_v = 0.0;
                }
            }
        }
    }

    fn collect(&mut self) {
        while let Some(e) = self.ev.poll_event() {
            self.events.push((self.now_us, Side::Ev, e));
        }
        while let Some(e) = self.ch.poll_event() {
            self.events.push((self.now_us, Side::Charger, e));
        }
    }

    fn muted(&self, side: Side) -> bool {
        // A pulled connector takes CAN with it.
        !self.plugged
            || self
                .mute
                .is_some_and(|(s, t)| s == side && self.now_us >= t)
    }

    /// One loop turn at `t_us`.
    pub fn step_to(&mut self, t_us: u64) {
        let dt_s = (t_us - self.now_us) as f64 / 1e6;
        self.plant_step(dt_s);
        self.now_us = t_us;
        if self.unplug_at.is_some_and(|u| t_us >= u) {
            self.plugged = false;
        }
        self.feed();
        self.wire();
        self.ev.handle_timeout(t_us);
        self.ch.handle_timeout(t_us);
        // Frames go back and forth until both sides are quiet at this instant.
        loop {
            let mut wire: Vec<(Side, Frame, Decided)> = Vec::new();
            while let Some(f) = self.ev.poll_transmit(t_us) {
                let (l, t, r) = self.ev.last_sent();
                let d = match f.id().raw() {
                    0x100 => Decided::Limits(l),
                    0x101 => Decided::Time(t),
                    _ => Decided::Request(r),
                };
                wire.push((Side::Ev, f, d));
            }
            while let Some(f) = self.ch.poll_transmit(t_us) {
                let (c, s) = self.ch.last_sent();
                let d = if f.id().raw() == 0x108 {
                    Decided::Capability(c)
                } else {
                    Decided::Status(s)
                };
                wire.push((Side::Charger, f, d));
            }
            if wire.is_empty() {
                break;
            }
            for (from, frame, decided) in wire {
                let delivered = !self.muted(from);
                self.sent.push(Sent {
                    t_us,
                    from,
                    frame,
                    delivered,
                    decided,
                });
                if delivered {
                    match from {
                        Side::Ev => self.ch.handle_frame(&frame, t_us),
                        Side::Charger => self.ev.handle_frame(&frame, t_us),
                    }
                }
            }
            self.wire();
        }
        self.wire();
        self.collect();
        let req = self
            .ch
            .ev_view()
            .2
            .map_or(0.0, |r| f64::from(r.current_request_a));
        self.samples.push(Sample {
            t_us,
            setpoint_a: self.ch.output().current_setpoint_a,
            request_a: req,
            current_a: self.plant.current_a,
            contactors_closed: self.ev.output().contactors_closed,
            lines: self.lines(),
            locked: self.ch.lines().lock,
        });
    }

    /// The next loop time: the earliest `poll_timeout`, or None when both
    /// sides are quiet.
    pub fn next_us(&self) -> Option<u64> {
        let t = [self.ev.poll_timeout(), self.ch.poll_timeout()]
            .into_iter()
            .flatten()
            .min()?;
        Some(t.max(self.now_us + 1))
    }

    /// Runs until both sides are quiet or `end_us`, calling `hook` before each
    /// turn (to inject faults).
    pub fn run_with(&mut self, end_us: u64, mut hook: impl FnMut(&mut Self)) {
        let mut turns = 0;
        while let Some(t) = self.next_us() {
            if t > end_us {
                break;
            }
            hook(self);
            self.step_to(t);
            turns += 1;
            assert!(turns < 1_000_000, "the loop does not end");
        }
    }

    /// Runs to the end (at most 2 h of virtual time).
    pub fn run(&mut self) {
        self.run_with(7_200_000_000, |_| {});
    }

    /// The first time `side` reported an event matching `f`.
    pub fn when(&self, side: Side, f: impl Fn(&ChademoEvent) -> bool) -> Option<u64> {
        self.events
            .iter()
            .find(|(_, s, e)| *s == side && f(e))
            .map(|(t, _, _)| *t)
    }

    /// Frames sent by `from` with identifier `id`.
    pub fn frames(&self, from: Side, id: u16) -> Vec<&Sent> {
        self.sent
            .iter()
            .filter(|s| s.from == from && s.frame.id().raw() == u32::from(id))
            .collect()
    }
}
