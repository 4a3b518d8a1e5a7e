//! The main contactors: open → precharging → closed, and closed → opening → open,
//! with a welded contact detected when the bus voltage does not fall on opening.

/// Contactor state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContactorState {
    /// Pack disconnected.
    #[default]
    Open,
    /// Precharge resistor in: the DC link charges; no load current yet.
    Precharging,
    /// Pack connected.
    Closed,
    /// Commanded open; load current is zero, the contacts are separating.
    Opening,
    /// Commanded open, but the bus voltage stayed up: the contacts are welded.
    Welded,
}

impl ContactorState {
    /// Number for signals: 0 open, 1 precharging, 2 closed, 3 opening, 4 welded.
    #[must_use]
    pub fn code(self) -> f64 {
        match self {
            Self::Open => 0.0,
            Self::Precharging => 1.0,
            Self::Closed => 2.0,
            Self::Opening => 3.0,
            Self::Welded => 4.0,
        }
    }

    /// Whether the pack is connected to the bus (a welded contactor is).
    #[must_use]
    pub fn connected(self) -> bool {
        matches!(self, Self::Closed | Self::Welded | Self::Opening)
    }
}

/// The state machine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contactors {
    state: ContactorState,
    timer_s: f64,
}

/// What a contactor update found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactorEvent {
    /// Nothing worth reporting.
    None,
    /// The contacts are welded.
    Welded,
}

impl Contactors {
    /// Contactors starting in `state`.
    #[must_use]
    pub fn new(state: ContactorState) -> Self {
        Self {
            state,
            timer_s: 0.0,
        }
    }

    /// Current state.
    #[must_use]
    pub fn state(&self) -> ContactorState {
        self.state
    }

    /// Advances by `dt_s`. `want_closed`: the BMS allows and the vehicle asks for
    /// HV; `welded`: the contacts are physically stuck (an injected fault).
    pub fn update(
        &mut self,
        want_closed: bool,
        welded: bool,
        precharge_s: f64,
        open_delay_s: f64,
        dt_s: f64,
    ) -> ContactorEvent {
        self.timer_s += dt_s;
        let (next, event) = match (self.state, want_closed) {
            (ContactorState::Open, true) => (ContactorState::Precharging, ContactorEvent::None),
            (ContactorState::Precharging, true) if self.timer_s >= precharge_s - 1e-9 => {
                (ContactorState::Closed, ContactorEvent::None)
            }
            (ContactorState::Precharging, false) => (ContactorState::Open, ContactorEvent::None),
            (ContactorState::Closed, false) => (ContactorState::Opening, ContactorEvent::None),
            (ContactorState::Opening, _) if self.timer_s >= open_delay_s - 1e-9 => {
                if welded {
                    (ContactorState::Welded, ContactorEvent::Welded)
                } else {
                    (ContactorState::Open, ContactorEvent::None)
                }
            }
            (state, _) => (state, ContactorEvent::None),
        };
        if next != self.state {
            self.state = next;
            self.timer_s = 0.0;
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_through_precharge_and_opens_after_the_delay() {
        let mut c = Contactors::default();
        c.update(true, false, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Precharging);
        c.update(true, false, 0.3, 0.1, 0.1);
        c.update(true, false, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Precharging);
        c.update(true, false, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Closed);
        c.update(false, false, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Opening);
        c.update(false, false, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Open);
    }

    #[test]
    fn a_weld_is_detected_on_opening() {
        let mut c = Contactors::new(ContactorState::Closed);
        assert_eq!(c.update(false, true, 0.3, 0.1, 0.1), ContactorEvent::None);
        assert_eq!(c.update(false, true, 0.3, 0.1, 0.1), ContactorEvent::Welded);
        assert_eq!(c.state(), ContactorState::Welded);
        assert!(c.state().connected());
        // A welded contactor cannot be closed again either: it stays welded.
        c.update(true, true, 0.3, 0.1, 0.1);
        assert_eq!(c.state(), ContactorState::Welded);
    }
}
