//! A charge stop driven by a charging protocol: the twin takes the protocol's
//! decisions ([`ChargeLink`]) instead of its built-in phase timing, and offers
//! it the ends it would have made itself ([`Twin::charge_end_wanted`]).

use super::Twin;
use crate::charger::{ChargeEnd, ChargeLink, Phase, PhaseControl, Session};

impl Twin {
    /// Hands the present (or next) charge stop to a charging protocol, or takes
    /// it back (`None`). The link ends with the stop: its report goes into the
    /// stop's [`crate::charger::ChargeStopReport::link`] and the link is
    /// cleared, so a protocol sets a new one for the next stop.
    pub fn set_charge_link(&mut self, link: Option<ChargeLink>) {
        self.link = link;
    }

    /// The protocol's link, while one drives the stop.
    #[must_use]
    pub fn charge_link(&self) -> Option<&ChargeLink> {
        self.link.as_ref()
    }

    /// The protocol's link, to change its decisions between steps.
    pub fn charge_link_mut(&mut self) -> Option<&mut ChargeLink> {
        self.link.as_mut()
    }

    /// While a link drives the stop: the end the twin would have made itself
    /// (target SOC, full pack, time limit), first one first; the protocol
    /// decides what to do with it (the car asks for a normal stop, the
    /// station stops).
    #[must_use]
    pub fn charge_end_wanted(&self) -> Option<ChargeEnd> {
        self.link_wanted
    }

    /// The charge session's phase now, if the car is at a station.
    #[must_use]
    pub fn charge_phase(&self) -> Option<Phase> {
        self.session.as_ref().map(Session::phase)
    }

    /// Applies the link's decisions to `session` before its step: its stop,
    /// and how far the setup phases may go (plug-in keeps its duration; a
    /// setup phase below the present one while current flows restarts the
    /// setup from there).
    pub(super) fn apply_link(&self, session: &mut Session) {
        let Some(link) = &self.link else {
            return;
        };
        if let Some(end) = link.stop {
            session.stop(end);
        } else if link.setup.code() < Phase::Ramp.code() {
            // The conversation went back to its setup (a reconnect): the
            // output goes off and the setup phases run again.
            session.restart_setup(link.setup);
        }
        let phase = session.phase();
        let control = if phase == Phase::PlugIn {
            PhaseControl::Timed
        } else if phase.code() < link.setup.code() {
            PhaseControl::Advance
        } else {
            PhaseControl::Hold
        };
        session.set_control(control);
    }

    /// The link's bound on the charge current (no link: none).
    pub(super) fn link_limit_a(&self) -> f64 {
        self.link
            .as_ref()
            .map_or(f64::INFINITY, |l| l.current_limit_a.max(0.0))
    }

    /// Whether a link drives the stop; if so, `end` (an end the twin would
    /// make) is offered to it instead of stopping the session.
    pub(super) fn offer_end(&mut self, end: ChargeEnd) -> bool {
        if self.link.is_none() {
            return false;
        }
        self.link_wanted = self.link_wanted.or(Some(end));
        true
    }
}
