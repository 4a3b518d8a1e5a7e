//! Turns error frames (and the link state netlink reports) into controller
//! state changes, the way the bridge wants to hear about them.

use ::socketcan::CanError;
use ::socketcan::errors::ControllerProblems;

use crate::bus::{BusEvent, BusStats};

/// The controller's fault-confinement state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControllerState {
    /// Error counters below 96.
    #[default]
    ErrorActive,
    /// An error counter reached the warning level (96).
    ErrorWarning,
    /// An error counter reached 128: the controller may no longer send active
    /// error flags.
    ErrorPassive,
    /// The transmit error counter passed 255: the controller is off the bus.
    BusOff,
}

/// The state an error frame reports, if it reports one.
///
/// Bus-off (class `CAN_ERR_BUSOFF`) wins over everything; then the
/// controller-problem class (`CAN_ERR_CRTL`, data byte 1): passive bits, then
/// warning bits, then "active"; a restart (`CAN_ERR_RESTARTED`) means active.
/// With no state class, the error counters (`CAN_ERR_CNT`) decide: either at
/// 128 or above means error-passive, at 96 or above warning. Other classes
/// (protocol violations, missing ACK, lost arbitration, …) report no state.
#[must_use]
pub fn state_of(err: &CanError) -> Option<ControllerState> {
    if err.is_bus_off() {
        return Some(ControllerState::BusOff);
    }
    if let Some(p) = err.controller() {
        if p.intersects(ControllerProblems::RX_PASSIVE | ControllerProblems::TX_PASSIVE) {
            return Some(ControllerState::ErrorPassive);
        }
        if p.intersects(ControllerProblems::RX_WARNING | ControllerProblems::TX_WARNING) {
            return Some(ControllerState::ErrorWarning);
        }
        if p.contains(ControllerProblems::ACTIVE) {
            return Some(ControllerState::ErrorActive);
        }
    }
    if err.is_restarted() {
        return Some(ControllerState::ErrorActive);
    }
    err.counters().map(|(tx, rx)| match tx.max(rx) {
        128.. => ControllerState::ErrorPassive,
        96.. => ControllerState::ErrorWarning,
        _ => ControllerState::ErrorActive,
    })
}

/// Follows the controller state and emits [`BusEvent`]s on the changes that
/// matter: into error-passive, into bus-off, and back to error-active after
/// either (warning-level changes are tracked but not reported).
#[derive(Debug, Clone, Default)]
pub struct StateTracker {
    state: ControllerState,
    /// A passive or bus-off was reported and no recovery since.
    degraded: bool,
}

impl StateTracker {
    /// The current state.
    #[must_use]
    pub const fn state(&self) -> ControllerState {
        self.state
    }

    /// Records an error frame: counts it, and pushes an `ErrorFrame` event plus
    /// any state-change event.
    pub fn on_error_frame(
        &mut self,
        err: &CanError,
        stats: &mut BusStats,
        events: &mut Vec<BusEvent>,
    ) {
        stats.error_frames += 1;
        events.push(BusEvent::ErrorFrame(err.to_string()));
        if let Some(s) = state_of(err) {
            self.set(s, stats, events);
        }
    }

    /// Moves to `state`, counting and reporting the change if it matters.
    pub fn set(
        &mut self,
        state: ControllerState,
        stats: &mut BusStats,
        events: &mut Vec<BusEvent>,
    ) {
        if state == self.state {
            return;
        }
        self.state = state;
        match state {
            ControllerState::ErrorPassive => {
                stats.error_passive += 1;
                self.degraded = true;
                events.push(BusEvent::ErrorPassive);
            }
            ControllerState::BusOff => {
                stats.bus_off += 1;
                self.degraded = true;
                events.push(BusEvent::BusOff);
            }
            ControllerState::ErrorActive => {
                if std::mem::take(&mut self.degraded) {
                    events.push(BusEvent::Recovered);
                }
            }
            ControllerState::ErrorWarning => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ::socketcan::CanErrorFrame;

    // Error classes and controller bits from <linux/can/error.h>.
    const CRTL: u32 = 0x04;
    const PROT: u32 = 0x08;
    const ACK: u32 = 0x20;
    const BUSOFF: u32 = 0x40;
    const RESTARTED: u32 = 0x100;
    const CNT: u32 = 0x200;
    const RX_WARNING: u8 = 0x04;
    const TX_WARNING: u8 = 0x08;
    const RX_PASSIVE: u8 = 0x10;
    const TX_PASSIVE: u8 = 0x20;
    const ACTIVE: u8 = 0x40;

    fn err(class: u32, data: [u8; 8]) -> CanError {
        CanErrorFrame::new_error(class, &data).unwrap().into_error()
    }

    #[test]
    fn classification() {
        use ControllerState::*;
        assert_eq!(state_of(&err(BUSOFF, [0; 8])), Some(BusOff));
        assert_eq!(
            state_of(&err(BUSOFF | CRTL, [0, ACTIVE, 0, 0, 0, 0, 0, 0])),
            Some(BusOff)
        );
        let passive = [0, TX_PASSIVE | RX_WARNING, 0, 0, 0, 0, 130, 90];
        assert_eq!(state_of(&err(CRTL | CNT, passive)), Some(ErrorPassive));
        assert_eq!(
            state_of(&err(CRTL, [0, RX_PASSIVE, 0, 0, 0, 0, 0, 0])),
            Some(ErrorPassive)
        );
        let warning = [0, RX_WARNING | TX_WARNING, 0, 0, 0, 0, 0, 0];
        assert_eq!(state_of(&err(CRTL, warning)), Some(ErrorWarning));
        assert_eq!(
            state_of(&err(CRTL, [0, ACTIVE, 0, 0, 0, 0, 0, 0])),
            Some(ErrorActive)
        );
        assert_eq!(state_of(&err(RESTARTED, [0; 8])), Some(ErrorActive));
        assert_eq!(
            state_of(&err(CNT, [0, 0, 0, 0, 0, 0, 10, 140])),
            Some(ErrorPassive)
        );
        assert_eq!(
            state_of(&err(CNT, [0, 0, 0, 0, 0, 0, 100, 0])),
            Some(ErrorWarning)
        );
        assert_eq!(state_of(&err(ACK, [0; 8])), None);
        assert_eq!(state_of(&err(PROT, [0, 0, 0x04, 0x0A, 0, 0, 0, 0])), None);
    }

    #[test]
    fn tracker_reports_transitions_once() {
        let mut t = StateTracker::default();
        let mut stats = BusStats::default();
        let mut ev = Vec::new();
        t.on_error_frame(&err(ACK, [0; 8]), &mut stats, &mut ev);
        assert_eq!(ev, [BusEvent::ErrorFrame("no ack".into())]);
        ev.clear();
        let passive = err(CRTL, [0, TX_PASSIVE, 0, 0, 0, 0, 0, 0]);
        t.on_error_frame(&passive, &mut stats, &mut ev);
        t.on_error_frame(&passive, &mut stats, &mut ev);
        t.on_error_frame(&err(BUSOFF, [0; 8]), &mut stats, &mut ev);
        t.on_error_frame(&err(RESTARTED, [0; 8]), &mut stats, &mut ev);
        // Warning → active with nothing degraded in between: no Recovered.
        t.on_error_frame(
            &err(CRTL, [0, RX_WARNING, 0, 0, 0, 0, 0, 0]),
            &mut stats,
            &mut ev,
        );
        t.on_error_frame(
            &err(CRTL, [0, ACTIVE, 0, 0, 0, 0, 0, 0]),
            &mut stats,
            &mut ev,
        );
        let states: Vec<_> = ev
            .into_iter()
            .filter(|e| !matches!(e, BusEvent::ErrorFrame(_)))
            .collect();
        assert_eq!(
            states,
            [
                BusEvent::ErrorPassive,
                BusEvent::BusOff,
                BusEvent::Recovered
            ]
        );
        assert_eq!(
            (stats.error_frames, stats.error_passive, stats.bus_off),
            (7, 1, 1)
        );
        assert_eq!(t.state(), ControllerState::ErrorActive);
    }
}
