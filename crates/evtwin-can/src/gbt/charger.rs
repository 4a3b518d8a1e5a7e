//! The charger side of GB/T 27930-2015, sans-I/O.

use super::link::Link;
use super::msg::{self, Bcl, Bcp, Bcs, Brm, Bsd, Ccs, Cml, Crm, Csd};
use super::stop::{ChargerStop, GbtTimeout, VehicleStop};
use super::{
    BMS_ADDR, CHARGER_ADDR, CSD_LINGER_US, GbtError, GbtEvent, MAX_RECONNECTS, PGN_BCL, PGN_BCP,
    PGN_BCS, PGN_BEM, PGN_BHM, PGN_BRM, PGN_BRO, PGN_BSD, PGN_BST, PGN_CCS, PGN_CEM, PGN_CHM,
    PGN_CML, PGN_CRM, PGN_CRO, PGN_CSD, PGN_CST, PGN_CTS, Phase, RESTART_DELAY_US, TIMEOUT_FAST_US,
    TIMEOUT_READY_US, TIMEOUT_STATS_US, TIMEOUT_US, VERSION,
};
use crate::frame::Frame;

mod inputs;
mod payload;
pub use inputs::{ChargerStatus, StationParams};

/// What the charger waits for besides the watched messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alarm {
    /// No BHM yet: go on to the recognition (a 2011 vehicle sends none).
    NoBhm,
    /// The error hold is over: start the recognition again.
    Restart,
    /// The statistics have been sent long enough.
    Done,
}

/// The charger side. See the module doc of [`super`].
#[derive(Debug)]
pub struct GbtCharger {
    link: Link,
    station: StationParams,
    status: ChargerStatus,
    identity: Option<Brm>,
    battery: Option<Bcp>,
    demand: Option<Bcl>,
    vehicle_status: Option<Bcs>,
    bro_seen: bool,
    bro_ready: bool,
    bst_seen: bool,
    charging_since_us: u64,
    /// When the recognition last began (a reconnect's restart).
    recognition_since_us: u64,
    stop_reason: ChargerStop,
    cem: Vec<GbtTimeout>,
    alarm: Option<(u64, Alarm)>,
}

/// The vehicle repeats its BEM every 250 ms until it sees the charger's
/// CRM: a BEM within one such period of a restart is the last attempt's.
const BEM_PERIOD_US: u64 = 250_000;

impl GbtCharger {
    /// A charger at address 0x56; [`Self::start`] begins the handshake.
    #[must_use]
    pub fn new(station: StationParams) -> Self {
        Self {
            link: Link::new(CHARGER_ADDR, BMS_ADDR),
            station,
            status: ChargerStatus::default(),
            identity: None,
            battery: None,
            demand: None,
            vehicle_status: None,
            bro_seen: false,
            bro_ready: false,
            bst_seen: false,
            charging_since_us: 0,
            recognition_since_us: 0,
            stop_reason: ChargerStop::BmsStopped,
            cem: Vec::new(),
            alarm: None,
        }
    }

    /// The gun is connected and auxiliary power on: CHM every 250 ms.
    pub fn start(&mut self, now_us: u64) {
        self.link.set_phase(Phase::Handshake);
        self.link.schedule(now_us, &[(PGN_CHM, 250_000)]);
        self.alarm = Some((now_us + TIMEOUT_US, Alarm::NoBhm));
    }

    /// The power stage's values now. A stop request takes effect at the next
    /// [`Self::handle_timeout`] (at most one CCS period later).
    pub fn set_status(&mut self, status: ChargerStatus) {
        self.status = status;
    }

    /// Where the conversation stands.
    #[must_use]
    pub const fn phase(&self) -> Phase {
        self.link.phase
    }

    /// The vehicle's identification (BRM), once received.
    #[must_use]
    pub const fn identity(&self) -> Option<&Brm> {
        self.identity.as_ref()
    }

    /// The battery's parameters (BCP), once received.
    #[must_use]
    pub const fn battery(&self) -> Option<Bcp> {
        self.battery
    }

    /// The vehicle's last BCS.
    #[must_use]
    pub const fn vehicle_status(&self) -> Option<Bcs> {
        self.vehicle_status
    }

    /// What the power stage should deliver now, `(V, A)`: while charging, the
    /// vehicle's BCL demand within the station's and the battery's limits;
    /// otherwise nothing (`None`: output off).
    #[must_use]
    pub fn setpoint(&self) -> Option<(f64, f64)> {
        if self.link.phase != Phase::Charging {
            return None;
        }
        let d = self.demand?;
        let bat = self.battery?;
        let v = d.v.min(self.station.max_v).min(bat.max_v);
        let a = d.a.min(self.station.max_a).min(bat.max_a).max(0.0);
        Some((v, a))
    }

    /// Reconnect attempts so far.
    #[must_use]
    pub const fn reconnects(&self) -> u8 {
        self.link.reconnects
    }

    /// Frames sent, received, and received but malformed.
    #[must_use]
    pub const fn counts(&self) -> (u64, u64, u64) {
        self.link.counts()
    }

    /// A frame from the bus.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        for (pgn, data) in self.link.receive(frame, now_us) {
            self.on_message(pgn, &data, now_us);
        }
    }

    /// Timeouts and the periodic messages due at `now_us`.
    pub fn handle_timeout(&mut self, now_us: u64) {
        for (pgn, data) in self.link.tick(now_us) {
            self.on_message(pgn, &data, now_us);
        }
        if let Some(code) = self.link.expired(now_us) {
            self.error(Some(code), now_us);
        }
        if let Some((at, alarm)) = self.alarm
            && at <= now_us
        {
            self.alarm = None;
            match alarm {
                Alarm::NoBhm | Alarm::Restart => self.recognition(now_us),
                Alarm::Done => {
                    self.link.quiet();
                    self.link.set_phase(Phase::Done);
                }
            }
        }
        self.maybe_charge(now_us);
        if matches!(self.link.phase, Phase::Charging | Phase::Parameters)
            && let Some(reason) = self.status.stop
        {
            self.link
                .events
                .push_back(GbtEvent::StoppedByCharger(reason));
            self.stop_reason = reason;
            self.stopping(now_us);
        }
        for pgn in self.link.due(now_us) {
            let data = self.payload(pgn, now_us);
            self.link.send(pgn, data, now_us);
        }
    }

    /// When [`Self::handle_timeout`] is next due.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let alarm = self.alarm.map(|(at, _)| at);
        self.link.next_time().into_iter().chain(alarm).min()
    }

    /// The next frame to send.
    pub fn poll_transmit(&mut self) -> Option<Frame> {
        self.link.poll_transmit()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<GbtEvent> {
        self.link.events.pop_front()
    }

    /// Refuses (`on`) or accepts again the transport's connections for
    /// messages of `pgn` ([`crate::j1939::Transport::refuse`]: a fault, or a
    /// node short of resources); the aborts show as
    /// [`GbtEvent::TransportAborted`].
    pub fn refuse_transport(&mut self, pgn: u32, on: bool) {
        self.link.tp.refuse(pgn, on);
    }

    fn malformed(&mut self, e: GbtError) {
        self.link.malformed += 1;
        self.link.events.push_back(GbtEvent::Malformed(e));
    }

    #[allow(clippy::too_many_lines)] // one arm per message
    fn on_message(&mut self, pgn: u32, d: &[u8], now_us: u64) {
        let phase = self.link.phase;
        match pgn {
            PGN_BHM if phase == Phase::Handshake => {
                if let Err(e) = msg::need(PGN_BHM, d, 2) {
                    return self.malformed(e);
                }
                let v = f64::from(u16::from_le_bytes([d[0], d[1]])) * 0.1;
                self.link.events.push_back(GbtEvent::VehicleMaxV(v));
                self.alarm = None;
                self.recognition(now_us);
            }
            PGN_BRM if phase == Phase::Recognition && self.identity.is_none() => {
                match Brm::decode(d) {
                    Err(e) => self.malformed(e),
                    Ok(b) => {
                        self.link.events.push_back(GbtEvent::Identified(b.clone()));
                        self.identity = Some(b);
                        self.link.got(GbtTimeout::Brm);
                        // CRM 0xAA at once, then every 250 ms
                        self.link.schedule(now_us, &[]);
                        self.link.schedule(now_us, &[(PGN_CRM, 250_000)]);
                        self.link.expect(GbtTimeout::Bcp, now_us + TIMEOUT_US);
                    }
                }
            }
            PGN_BCP if phase == Phase::Recognition && self.identity.is_some() => {
                match Bcp::decode(d) {
                    Err(e) => self.malformed(e),
                    Ok(b) => {
                        self.link.events.push_back(GbtEvent::Parameters(b));
                        self.battery = Some(b);
                        self.link.got(GbtTimeout::Bcp);
                        self.link.set_phase(Phase::Parameters);
                        self.link
                            .schedule(now_us, &[(PGN_CTS, 500_000), (PGN_CML, 250_000)]);
                        self.link.expect(GbtTimeout::Bro, now_us + TIMEOUT_US);
                    }
                }
            }
            PGN_BRO if phase == Phase::Parameters => match msg::dec_ready(PGN_BRO, d) {
                Err(e) => self.malformed(e),
                Ok(ready) => {
                    if !self.bro_seen {
                        self.bro_seen = true;
                        self.link.expect(GbtTimeout::Bro, now_us + TIMEOUT_READY_US);
                    }
                    if ready && !self.bro_ready {
                        self.bro_ready = true;
                        self.link.got(GbtTimeout::Bro);
                        self.link.schedule(now_us, &[(PGN_CRO, 250_000)]);
                    }
                }
            },
            PGN_BCL if phase == Phase::Charging => match Bcl::decode(d) {
                Err(e) => self.malformed(e),
                Ok(b) => {
                    if self.demand.is_none() {
                        // the vehicle charges: CRO is no longer needed
                        self.link.schedule(now_us, &[(PGN_CCS, 50_000)]);
                    }
                    if self.demand != Some(b) {
                        self.link.events.push_back(GbtEvent::Demand(b));
                    }
                    self.demand = Some(b);
                    self.link.expect(GbtTimeout::Bcl, now_us + TIMEOUT_FAST_US);
                }
            },
            PGN_BCS if phase == Phase::Charging => match Bcs::decode(d) {
                Err(e) => self.malformed(e),
                Ok(b) => {
                    self.vehicle_status = Some(b);
                    self.link.expect(GbtTimeout::Bcs, now_us + TIMEOUT_US);
                }
            },
            PGN_BST => self.on_bst(d, now_us),
            PGN_BSD if phase == Phase::Stopping && self.bst_seen => match Bsd::decode(d) {
                Err(e) => self.malformed(e),
                Ok(b) => {
                    self.link.events.push_back(GbtEvent::VehicleStatistics(b));
                    self.link.got(GbtTimeout::Bsd);
                    self.link.set_phase(Phase::Statistics);
                    self.link.schedule(now_us, &[(PGN_CSD, 250_000)]);
                    self.alarm = Some((now_us + CSD_LINGER_US, Alarm::Done));
                }
            },
            // A BEM the vehicle sent before it saw our restart's CRM is no
            // new error.
            PGN_BEM
                if phase == Phase::Recognition
                    && now_us < self.recognition_since_us + BEM_PERIOD_US
                    && self.link.reconnects > 0 => {}
            PGN_BEM if !matches!(phase, Phase::GaveUp | Phase::Done | Phase::Error) => {
                match GbtTimeout::decode(d, true) {
                    Err(e) => self.malformed(e),
                    Ok(codes) => {
                        self.link.events.push_back(GbtEvent::ErrorReceived(codes));
                        self.error(None, now_us);
                    }
                }
            }
            _ => {}
        }
    }

    /// BRO 0xAA received and the power stage ready: CRO 0xAA, the charging starts.
    fn maybe_charge(&mut self, now_us: u64) {
        if self.link.phase == Phase::Parameters && self.bro_ready && self.status.ready {
            self.link.set_phase(Phase::Charging);
            self.charging_since_us = now_us;
            // CRO 0xAA at once, not at the next beat of CRO 0x00.
            self.link.periodic.retain(|p| p.pgn != PGN_CRO);
            self.link
                .schedule(now_us, &[(PGN_CRO, 250_000), (PGN_CCS, 50_000)]);
            self.link.expect(GbtTimeout::Bcl, now_us + TIMEOUT_FAST_US);
            self.link.expect(GbtTimeout::Bcs, now_us + TIMEOUT_US);
        }
    }

    fn on_bst(&mut self, d: &[u8], now_us: u64) {
        let reason = match VehicleStop::decode(d) {
            Ok(r) => r,
            Err(e) => return self.malformed(e),
        };
        match self.link.phase {
            Phase::Charging | Phase::Parameters => {
                self.link
                    .events
                    .push_back(GbtEvent::StoppedByVehicle(reason));
                self.stop_reason = ChargerStop::BmsStopped;
                self.stopping(now_us);
                self.bst_seen = true;
                self.link.got(GbtTimeout::Bst);
                self.link.expect(GbtTimeout::Bsd, now_us + TIMEOUT_STATS_US);
            }
            Phase::Stopping if !self.bst_seen => {
                self.bst_seen = true;
                self.link.got(GbtTimeout::Bst);
                self.link.expect(GbtTimeout::Bsd, now_us + TIMEOUT_STATS_US);
            }
            _ => {}
        }
    }

    /// CST every 10 ms until the vehicle's BSD; output off.
    fn stopping(&mut self, now_us: u64) {
        self.link.watch.clear();
        self.demand = None;
        self.link.set_phase(Phase::Stopping);
        self.link.schedule(now_us, &[(PGN_CST, 10_000)]);
        self.link.expect(GbtTimeout::Bst, now_us + TIMEOUT_US);
    }

    /// CRM 0x00 every 250 ms until BRM.
    fn recognition(&mut self, now_us: u64) {
        self.identity = None;
        self.battery = None;
        self.demand = None;
        self.bro_seen = false;
        self.bro_ready = false;
        self.bst_seen = false;
        self.cem.clear();
        self.link.watch.clear();
        self.recognition_since_us = now_us;
        self.link.set_phase(Phase::Recognition);
        self.link.schedule(now_us, &[(PGN_CRM, 250_000)]);
        self.link.expect(GbtTimeout::Brm, now_us + TIMEOUT_US);
    }

    /// A communication error: our timeout (`Some`: CEM with its code) or the
    /// vehicle's BEM. Output off; after [`RESTART_DELAY_US`] the recognition
    /// starts again, or after three reconnects the charger gives up.
    fn error(&mut self, code: Option<GbtTimeout>, now_us: u64) {
        self.link.quiet();
        self.demand = None;
        self.cem.clear();
        if let Some(code) = code {
            self.cem.push(code);
            self.link.events.push_back(GbtEvent::ErrorSent(vec![code]));
        }
        if self.link.reconnects >= MAX_RECONNECTS {
            if code.is_some() {
                self.link
                    .send(PGN_CEM, self.payload(PGN_CEM, now_us), now_us);
            }
            self.alarm = None;
            self.link.set_phase(Phase::GaveUp);
            return;
        }
        self.link.reconnects += 1;
        self.link.set_phase(Phase::Error);
        self.link
            .events
            .push_back(GbtEvent::Reconnecting(self.link.reconnects));
        if code.is_some() {
            self.link.schedule(now_us, &[(PGN_CEM, 250_000)]);
        }
        self.alarm = Some((now_us + RESTART_DELAY_US, Alarm::Restart));
    }
}
