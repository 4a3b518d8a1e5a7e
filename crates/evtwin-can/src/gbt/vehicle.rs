//! The vehicle (BMS) side of GB/T 27930-2015, sans-I/O.

use super::link::Link;
use super::msg::{self, Bcl, Bcp, Bcs, Brm, Bsd, Bsm, Ccs, Cml, Crm, Csd};
use super::stop::{ChargerStop, GbtTimeout, VehicleStop};
use super::{
    BMS_ADDR, CHARGER_ADDR, GbtError, GbtEvent, MAX_RECONNECTS, PGN_BCL, PGN_BCP, PGN_BCS, PGN_BEM,
    PGN_BHM, PGN_BMT, PGN_BMV, PGN_BRM, PGN_BRO, PGN_BSD, PGN_BSM, PGN_BST, PGN_CCS, PGN_CEM,
    PGN_CHM, PGN_CML, PGN_CRM, PGN_CRO, PGN_CSD, PGN_CST, Phase, TIMEOUT_FAST_US, TIMEOUT_READY_US,
    TIMEOUT_STATS_US, TIMEOUT_US,
};
use crate::frame::Frame;

mod inputs;
mod payload;
pub use inputs::{VehicleParams, VehicleStatus};

/// The vehicle side. See the module doc of [`super`].
#[derive(Debug)]
pub struct GbtVehicle {
    link: Link,
    params: VehicleParams,
    status: VehicleStatus,
    cells_v: Vec<f64>,
    temps_c: Vec<f64>,
    offer: Option<Cml>,
    charger_output: Option<Ccs>,
    cro_seen: bool,
    bro_ready_sent: bool,
    bem: Vec<GbtTimeout>,
}

impl GbtVehicle {
    /// A vehicle at address 0xF4 waiting for the charger's CHM.
    #[must_use]
    pub fn new(params: VehicleParams) -> Self {
        Self {
            link: Link::new(BMS_ADDR, CHARGER_ADDR),
            params,
            status: VehicleStatus::default(),
            cells_v: Vec::new(),
            temps_c: Vec::new(),
            offer: None,
            charger_output: None,
            cro_seen: false,
            bro_ready_sent: false,
            bem: Vec::new(),
        }
    }

    /// The BMS's and the pack's values now. A stop request takes effect at the
    /// next [`Self::handle_timeout`] (at most one BCL period later).
    pub fn set_status(&mut self, status: VehicleStatus) {
        self.status = status;
    }

    /// Each cell's voltage and each probe's temperature, for BMV / BMT every
    /// 10 s while charging (none sent while empty).
    pub fn set_cells(&mut self, cells_v: &[f64], temps_c: &[f64]) {
        self.cells_v.clear();
        self.cells_v.extend_from_slice(cells_v);
        self.temps_c.clear();
        self.temps_c.extend_from_slice(temps_c);
    }

    /// Where the conversation stands.
    #[must_use]
    pub const fn phase(&self) -> Phase {
        self.link.phase
    }

    /// The charger's limits (CML), once received.
    #[must_use]
    pub const fn offer(&self) -> Option<Cml> {
        self.offer
    }

    /// The charger's last CCS while charging.
    #[must_use]
    pub const fn charger_output(&self) -> Option<Ccs> {
        self.charger_output
    }

    /// The demand BCL sends now: the charge curve's, the current capped by the
    /// BMS's CCL and BCP's highest current, the voltage by BHM's highest.
    #[must_use]
    pub fn demand(&self) -> Bcl {
        let s = &self.status;
        Bcl {
            v: s.demand_v.min(self.params.max_charge_v),
            a: s.demand_a
                .min(s.ccl_a)
                .min(self.params.max_charge_a)
                .max(0.0),
            mode: s.mode,
        }
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
        if self.link.phase == Phase::Charging
            && let Some(reason) = self.status.stop
        {
            self.stop(reason, now_us);
        }
        for pgn in self.link.due(now_us) {
            let data = self.payload(pgn);
            if pgn == PGN_BRO && self.status.ready && !self.bro_ready_sent {
                // the charger has 5 s to answer BRO 0xAA with a CRO
                self.bro_ready_sent = true;
                self.link.expect(GbtTimeout::Cro, now_us + TIMEOUT_US);
            }
            self.link.send(pgn, data, now_us);
        }
    }

    /// When [`Self::handle_timeout`] is next due.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.link.next_time()
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

    fn on_message(&mut self, pgn: u32, d: &[u8], now_us: u64) {
        let phase = self.link.phase;
        match pgn {
            PGN_CHM if phase == Phase::Idle => {
                self.link.set_phase(Phase::Handshake);
                self.link.schedule(now_us, &[(PGN_BHM, 250_000)]);
                self.link.expect(GbtTimeout::Crm00, now_us + TIMEOUT_US);
            }
            PGN_CRM => match Crm::decode(d) {
                Err(e) => self.malformed(e),
                Ok(c) => self.on_crm(c.recognized, now_us),
            },
            PGN_CML if phase == Phase::Parameters => match Cml::decode(d) {
                Err(e) => self.malformed(e),
                Ok(c) => {
                    if self.offer.is_none() {
                        self.link.events.push_back(GbtEvent::Offer(c));
                        self.link.schedule(now_us, &[(PGN_BRO, 250_000)]);
                    }
                    self.offer = Some(c);
                    self.link.got(GbtTimeout::Cml);
                }
            },
            PGN_CRO if phase == Phase::Parameters && self.offer.is_some() => {
                match msg::dec_ready(PGN_CRO, d) {
                    Err(e) => self.malformed(e),
                    Ok(ready) => {
                        if !self.cro_seen {
                            self.cro_seen = true;
                            self.link.expect(GbtTimeout::Cro, now_us + TIMEOUT_READY_US);
                        }
                        if ready && self.bro_ready_sent {
                            self.charging(now_us);
                        }
                    }
                }
            }
            PGN_CCS if phase == Phase::Charging => match Ccs::decode(d) {
                Err(e) => self.malformed(e),
                Ok(c) => {
                    self.charger_output = Some(c);
                    self.link.expect(GbtTimeout::Ccs, now_us + TIMEOUT_FAST_US);
                }
            },
            PGN_CST => self.on_cst(d, now_us),
            PGN_CSD if phase == Phase::Statistics => match Csd::decode(d) {
                Err(e) => self.malformed(e),
                Ok(c) => {
                    self.link.events.push_back(GbtEvent::ChargerStatistics(c));
                    self.link.quiet();
                    self.link.set_phase(Phase::Done);
                }
            },
            PGN_CEM if !matches!(phase, Phase::GaveUp | Phase::Done) => {
                match GbtTimeout::decode(d, false) {
                    Err(e) => self.malformed(e),
                    // in the error phase: already waiting for the charger's restart
                    Ok(codes) => {
                        if phase != Phase::Error {
                            self.link.events.push_back(GbtEvent::ErrorReceived(codes));
                            self.error(None, now_us);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn on_crm(&mut self, recognized: bool, now_us: u64) {
        let phase = self.link.phase;
        if !recognized {
            if matches!(phase, Phase::Done | Phase::GaveUp | Phase::Recognition) {
                return;
            }
            self.link.got(GbtTimeout::Crm00);
            self.bem.clear();
            self.offer = None;
            self.cro_seen = false;
            self.bro_ready_sent = false;
            self.charger_output = None;
            self.link.watch.clear();
            self.link.set_phase(Phase::Recognition);
            self.link.schedule(now_us, &[(PGN_BRM, 250_000)]);
            self.link.expect(GbtTimeout::CrmAa, now_us + TIMEOUT_US);
        } else if phase == Phase::Recognition {
            self.link.got(GbtTimeout::CrmAa);
            self.link.set_phase(Phase::Parameters);
            self.link.schedule(now_us, &[(PGN_BCP, 500_000)]);
            self.link.expect(GbtTimeout::Cml, now_us + TIMEOUT_US);
        }
    }

    fn charging(&mut self, now_us: u64) {
        self.link.got(GbtTimeout::Cro);
        self.link.set_phase(Phase::Charging);
        let mut list = vec![(PGN_BCL, 50_000), (PGN_BCS, 250_000), (PGN_BSM, 250_000)];
        if !self.cells_v.is_empty() {
            list.push((PGN_BMV, 10_000_000));
        }
        if !self.temps_c.is_empty() {
            list.push((PGN_BMT, 10_000_000));
        }
        self.link.schedule(now_us, &list);
        self.link.expect(GbtTimeout::Ccs, now_us + TIMEOUT_FAST_US);
    }

    /// The BMS ends the charge: BST every 10 ms until CST.
    fn stop(&mut self, reason: VehicleStop, now_us: u64) {
        self.link
            .events
            .push_back(GbtEvent::StoppedByVehicle(reason));
        self.link.got(GbtTimeout::Ccs);
        self.link.set_phase(Phase::Stopping);
        self.link.schedule(now_us, &[(PGN_BST, 10_000)]);
        self.link.expect(GbtTimeout::Cst, now_us + TIMEOUT_US);
    }

    fn on_cst(&mut self, d: &[u8], now_us: u64) {
        let reason = match ChargerStop::decode(d) {
            Ok(r) => r,
            Err(e) => return self.malformed(e),
        };
        match self.link.phase {
            Phase::Stopping => {
                self.link.got(GbtTimeout::Cst);
                self.statistics(now_us);
            }
            Phase::Charging | Phase::Parameters => {
                // the charger stops: BST (charger stopped) once, then the statistics
                self.link
                    .events
                    .push_back(GbtEvent::StoppedByCharger(reason));
                self.link.watch.clear();
                self.link.set_phase(Phase::Stopping);
                self.link.schedule(now_us, &[]);
                let bst = VehicleStop::ChargerStopped.encode();
                self.link.send(PGN_BST, bst, now_us);
                self.statistics(now_us);
            }
            _ => {}
        }
    }

    fn statistics(&mut self, now_us: u64) {
        self.link.set_phase(Phase::Statistics);
        self.link.schedule(now_us, &[(PGN_BSD, 250_000)]);
        self.link.expect(GbtTimeout::Csd, now_us + TIMEOUT_STATS_US);
    }

    /// A communication error: our own timeout (`Some`: BEM with its code) or
    /// the charger's CEM. Then wait for the charger's CRM 0x00, or give up.
    fn error(&mut self, code: Option<GbtTimeout>, now_us: u64) {
        self.link.quiet();
        self.charger_output = None;
        self.bem.clear();
        if let Some(code) = code {
            self.bem.push(code);
            self.link.events.push_back(GbtEvent::ErrorSent(vec![code]));
        }
        if self.link.reconnects >= MAX_RECONNECTS {
            if code.is_some() {
                self.link.send(PGN_BEM, self.payload(PGN_BEM), now_us);
            }
            self.link.set_phase(Phase::GaveUp);
            return;
        }
        self.link.reconnects += 1;
        self.link.set_phase(Phase::Error);
        self.link
            .events
            .push_back(GbtEvent::Reconnecting(self.link.reconnects));
        if code.is_some() {
            self.link.schedule(now_us, &[(PGN_BEM, 250_000)]);
        }
        self.link.expect(GbtTimeout::Crm00, now_us + TIMEOUT_US);
    }
}
