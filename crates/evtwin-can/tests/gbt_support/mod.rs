//! Both GB/T sides in one loop in virtual time: frames go through a Vec,
//! time advances to the earlier of the two sides' `poll_timeout`, a small
//! plant closes the loop (the charger's setpoint becomes its output and the
//! pack's current; the SOC rises with it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use evtwin_can::Frame;
use evtwin_can::gbt::{
    ChargerStatus, GbtCharger, GbtEvent, GbtVehicle, Mode, Phase, StationParams, VehicleParams,
    VehicleStatus, VehicleStop,
};
use evtwin_can::j1939::J1939Id;

/// Unix time of virtual time 0 (2026-12-06 01:51:19 UTC).
pub const EPOCH_S: u64 = 1_796_521_879;

/// A frame on the bus.
#[derive(Debug, Clone, Copy)]
pub struct Rec {
    pub t: u64,
    pub from_vehicle: bool,
    pub frame: Frame,
}

impl Rec {
    pub fn id(&self) -> J1939Id {
        J1939Id::from_can(self.frame.id()).unwrap()
    }
}

pub fn vehicle_params() -> VehicleParams {
    VehicleParams {
        max_charge_v: 450.0,
        max_cell_v: 4.2,
        max_charge_a: 250.0,
        energy_kwh: 75.0,
        max_temp_c: 55.0,
        rated_ah: 200.0,
        rated_v: 380.0,
        chemistry: 6,
        vin: "LEVTWIN0000000001".into(),
    }
}

pub fn station() -> StationParams {
    StationParams {
        max_v: 750.0,
        min_v: 200.0,
        max_a: 100.0,
        min_a: 0.0,
        charger_number: 0x1234_5678,
        epoch_unix_s: EPOCH_S,
    }
}

type Lose = Box<dyn FnMut(&Rec) -> bool>;

pub struct Session {
    pub v: GbtVehicle,
    pub c: GbtCharger,
    pub now: u64,
    pub frames: Vec<Rec>,
    pub v_events: Vec<(u64, GbtEvent)>,
    pub c_events: Vec<(u64, GbtEvent)>,
    /// Frames for which it returns true are lost.
    pub lose: Lose,
    pub vs: VehicleStatus,
    pub cs: ChargerStatus,
    pub capacity_ah: f64,
    pub target_soc: f64,
    /// The charge curve's current demand, A.
    pub curve_a: f64,
    /// Frames to the vehicle before this time are lost (its BMS wakes up then).
    pub bms_wakes_us: u64,
    /// The charger's insulation test and precharge, from its parameters phase.
    pub charger_prep_us: u64,
    v_params_at: Option<u64>,
    c_params_at: Option<u64>,
}

impl Session {
    pub fn new() -> Self {
        let mut c = GbtCharger::new(station());
        c.start(0);
        let vs = VehicleStatus {
            pack_v: 380.0,
            soc_pct: 79.0,
            max_cell_v: 3.95,
            min_cell_v: 3.93,
            max_temp_c: 31.0,
            min_temp_c: 29.0,
            ccl_a: 150.0,
            demand_v: 420.0,
            mode: Mode::ConstantCurrent,
            remaining_min: 5.0,
            ..VehicleStatus::default()
        };
        let mut v = GbtVehicle::new(vehicle_params());
        v.set_cells(&[3.95, 3.94, 3.93], &[29.0, 31.0]);
        Self {
            v,
            c,
            now: 0,
            frames: Vec::new(),
            v_events: Vec::new(),
            c_events: Vec::new(),
            lose: Box::new(|_| false),
            vs,
            cs: ChargerStatus::default(),
            capacity_ah: 50.0,
            target_soc: 80.0,
            curve_a: 120.0,
            bms_wakes_us: 1_000_000,
            charger_prep_us: 300_000,
            v_params_at: None,
            c_params_at: None,
        }
    }

    fn plant(&mut self, dt_us: u64) {
        let dt_s = dt_us as f64 * 1e-6;
        let a = self.cs.output_a;
        self.vs.current_a = a;
        self.vs.soc_pct += a * dt_s / (self.capacity_ah * 3600.0) * 100.0;
        self.cs.energy_kwh += self.vs.pack_v * a * dt_s / 3.6e6;
        self.vs.pack_v = 380.0 + (self.vs.soc_pct - 79.0) * 2.0;
        self.vs.demand_a = self.curve_a;
        if self.vs.soc_pct >= self.target_soc && self.vs.stop.is_none() {
            self.vs.stop = Some(VehicleStop::SocReached);
        }
        // BRO 0xAA 1.2 s into the parameters phase, CRO 0xAA 300 ms in
        if self.v.phase() == Phase::Parameters {
            let at = *self.v_params_at.get_or_insert(self.now);
            self.vs.ready = self.now >= at + 1_200_000;
        }
        if self.c.phase() == Phase::Parameters {
            let at = *self.c_params_at.get_or_insert(self.now);
            self.cs.ready = self.now >= at.saturating_add(self.charger_prep_us);
        }
        let (v, a) = self
            .c
            .setpoint()
            .map_or((0.0, 0.0), |(_, a)| (self.vs.pack_v, a));
        self.cs.output_v = v;
        self.cs.output_a = a;
    }

    /// One step: to the next due time of either side. `false` when neither
    /// has anything more to do.
    pub fn step(&mut self) -> bool {
        let Some(next) = [self.v.poll_timeout(), self.c.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
        else {
            return false;
        };
        let next = next.max(self.now);
        let dt = next - self.now;
        self.now = next;
        self.plant(dt);
        self.v.set_status(self.vs);
        self.c.set_status(self.cs);
        self.v.handle_timeout(self.now);
        self.c.handle_timeout(self.now);
        self.exchange();
        true
    }

    fn exchange(&mut self) {
        loop {
            let mut moved = false;
            while let Some(frame) = self.v.poll_transmit() {
                moved = true;
                let r = Rec {
                    t: self.now,
                    from_vehicle: true,
                    frame,
                };
                self.frames.push(r);
                if !(self.lose)(&r) {
                    self.c.handle_frame(&frame, self.now);
                }
            }
            while let Some(frame) = self.c.poll_transmit() {
                moved = true;
                let r = Rec {
                    t: self.now,
                    from_vehicle: false,
                    frame,
                };
                self.frames.push(r);
                if !(self.lose)(&r) && self.now >= self.bms_wakes_us {
                    self.v.handle_frame(&frame, self.now);
                }
            }
            while let Some(e) = self.v.poll_event() {
                self.v_events.push((self.now, e));
            }
            while let Some(e) = self.c.poll_event() {
                self.c_events.push((self.now, e));
            }
            if !moved {
                break;
            }
        }
    }

    /// Steps until `done` or `end_us` of virtual time.
    pub fn run(&mut self, end_us: u64, done: impl Fn(&Self) -> bool) {
        while self.now < end_us && !done(self) && self.step() {}
    }

    /// Both sides ended (normally or not).
    pub fn ended(&self) -> bool {
        let end = |p| matches!(p, Phase::Done | Phase::GaveUp);
        end(self.v.phase()) && end(self.c.phase())
    }

    /// The phases a side went through, in order.
    pub fn phases(events: &[(u64, GbtEvent)]) -> Vec<Phase> {
        events
            .iter()
            .filter_map(|(_, e)| match e {
                GbtEvent::Phase(p) => Some(*p),
                _ => None,
            })
            .collect()
    }

    /// When a side first entered `phase`.
    pub fn entered(events: &[(u64, GbtEvent)], phase: Phase) -> Option<u64> {
        events
            .iter()
            .find(|(_, e)| *e == GbtEvent::Phase(phase))
            .map(|&(t, _)| t)
    }

    /// Frames of one message: single frames with this PGN, or the TP.CM RTS
    /// frames that announce it.
    pub fn of(&self, pgn: u32) -> Vec<Rec> {
        self.frames
            .iter()
            .filter(|r| {
                let id = r.id();
                id.pgn == pgn
                    || (id.pgn == 0xEC00
                        && r.frame.data()[0] == 16
                        && u32::from_le_bytes([
                            r.frame.data()[5],
                            r.frame.data()[6],
                            r.frame.data()[7],
                            0,
                        ]) == pgn)
            })
            .copied()
            .collect()
    }

    /// The gaps between consecutive frames of `recs`.
    pub fn gaps(recs: &[Rec]) -> Vec<u64> {
        recs.windows(2).map(|w| w[1].t - w[0].t).collect()
    }
}
