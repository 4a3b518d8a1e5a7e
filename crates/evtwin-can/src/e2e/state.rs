//! AUTOSAR E2E's receiver state machine (`E2E_SM`): the result of each frame's
//! check goes into a window of the last N; enough OK results make the
//! message VALID, too many errors make it INVALID (a communication fault, like
//! silence). Sans-I/O: results in, state out; no clock.
//!
//! One deliberate difference from AUTOSAR: `NODATA` moves to `INIT` on the
//! first frame of the message, whatever its check (AUTOSAR waits for one that
//! is not an error, so a node that only ever sends garbage would never leave
//! `NODATA` and never be reported).

use std::collections::VecDeque;

/// What one frame's check gave, as the state machine counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The frame passed (CRC, length, plausibility).
    Ok,
    /// The frame failed (bad CRC, wrong length, implausible values).
    Error,
    /// Neither (a repeated counter or a jump: AUTOSAR's `REPEATED`,
    /// `WRONGSEQUENCE`): takes a place in the window, counts for nothing.
    Other,
}

/// The receiver's view of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmState {
    /// No frame yet.
    NoData,
    /// Frames arrive, not yet enough OK ones to trust them.
    Init,
    /// Trusted.
    Valid,
    /// Too many errors in the window: a communication fault.
    Invalid,
}

/// The state machine's thresholds (AUTOSAR `E2E_SMConfigType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmConfig {
    /// Results kept (frames).
    pub window: usize,
    /// INIT → VALID: at least this many OK results…
    pub min_ok_init: usize,
    /// …and at most this many errors; more errors: INIT → INVALID.
    pub max_error_init: usize,
    /// VALID stays VALID with at least this many OK results…
    pub min_ok_valid: usize,
    /// …and at most this many errors; otherwise VALID → INVALID.
    pub max_error_valid: usize,
    /// INVALID → VALID: at least this many OK results…
    pub min_ok_invalid: usize,
    /// …and at most this many errors.
    pub max_error_invalid: usize,
}

impl Default for SmConfig {
    /// A window of 10 frames (100 ms of a 10 ms message): VALID after 2 OK
    /// frames; INVALID with more than 3 errors in the window (more than 2
    /// before VALID); VALID again after 5 OK frames with at most 1 error.
    fn default() -> Self {
        Self {
            window: 10,
            min_ok_init: 2,
            max_error_init: 2,
            min_ok_valid: 1,
            max_error_valid: 3,
            min_ok_invalid: 5,
            max_error_invalid: 1,
        }
    }
}

/// The state machine of one message.
#[derive(Debug, Clone)]
pub struct E2eStateMachine {
    cfg: SmConfig,
    window: VecDeque<Check>,
    ok: usize,
    errors: usize,
    state: SmState,
}

impl E2eStateMachine {
    /// In `NoData`.
    #[must_use]
    pub fn new(cfg: SmConfig) -> Self {
        Self {
            cfg,
            window: VecDeque::with_capacity(cfg.window.max(1)),
            ok: 0,
            errors: 0,
            state: SmState::NoData,
        }
    }

    /// The present state.
    #[must_use]
    pub const fn state(&self) -> SmState {
        self.state
    }

    /// Adds one frame's result; returns the state after it.
    pub fn check(&mut self, result: Check) -> SmState {
        if self.window.len() >= self.cfg.window.max(1)
            && let Some(old) = self.window.pop_front()
        {
            self.count(old, false);
        }
        self.window.push_back(result);
        self.count(result, true);
        let c = &self.cfg;
        let (ok, errors) = (self.ok, self.errors);
        self.state = match self.state {
            SmState::NoData | SmState::Init if errors > c.max_error_init => SmState::Invalid,
            SmState::NoData | SmState::Init if ok >= c.min_ok_init => SmState::Valid,
            SmState::NoData | SmState::Init => SmState::Init,
            SmState::Valid if ok >= c.min_ok_valid && errors <= c.max_error_valid => SmState::Valid,
            SmState::Invalid if ok >= c.min_ok_invalid && errors <= c.max_error_invalid => {
                SmState::Valid
            }
            SmState::Valid | SmState::Invalid => SmState::Invalid,
        };
        self.state
    }

    fn count(&mut self, r: Check, add: bool) {
        let n = match r {
            Check::Ok => &mut self.ok,
            Check::Error => &mut self.errors,
            Check::Other => return,
        };
        if add {
            *n += 1;
        } else {
            *n = n.saturating_sub(1);
        }
    }

    /// Back to `NoData` with an empty window (after a timeout: what comes next
    /// is judged afresh).
    pub fn reset(&mut self) {
        self.window.clear();
        self.ok = 0;
        self.errors = 0;
        self.state = SmState::NoData;
    }
}

#[cfg(test)]
mod tests {
    use super::{Check, E2eStateMachine, SmConfig, SmState};

    fn feed(sm: &mut E2eStateMachine, r: Check, n: usize) -> SmState {
        (0..n).fold(sm.state(), |_, _| sm.check(r))
    }

    #[test]
    fn good_frames_make_it_valid_after_min_ok_init() {
        let mut sm = E2eStateMachine::new(SmConfig::default());
        assert_eq!(sm.state(), SmState::NoData);
        assert_eq!(sm.check(Check::Ok), SmState::Init);
        assert_eq!(sm.check(Check::Ok), SmState::Valid);
    }

    #[test]
    fn only_errors_from_the_start_are_invalid_within_the_window() {
        let mut sm = E2eStateMachine::new(SmConfig::default());
        assert_eq!(feed(&mut sm, Check::Error, 2), SmState::Init);
        assert_eq!(sm.check(Check::Error), SmState::Invalid);
        // A lucky frame among the garbage changes nothing.
        assert_eq!(sm.check(Check::Ok), SmState::Invalid);
        assert_eq!(feed(&mut sm, Check::Error, 20), SmState::Invalid);
    }

    #[test]
    fn rare_errors_keep_it_valid_and_a_burst_makes_it_invalid_until_it_recovers() {
        let mut sm = E2eStateMachine::new(SmConfig::default());
        for _ in 0..50 {
            feed(&mut sm, Check::Ok, 9);
            assert_eq!(sm.check(Check::Error), SmState::Valid);
        }
        assert_eq!(feed(&mut sm, Check::Error, 3), SmState::Invalid);
        // VALID again once the window holds 5 OK results and at most 1 error.
        assert_eq!(feed(&mut sm, Check::Ok, 8), SmState::Invalid);
        assert_eq!(sm.check(Check::Ok), SmState::Valid);
    }

    #[test]
    fn repeated_counters_count_for_nothing_and_reset_starts_over() {
        let mut sm = E2eStateMachine::new(SmConfig::default());
        assert_eq!(feed(&mut sm, Check::Other, 30), SmState::Init);
        sm.reset();
        assert_eq!(sm.state(), SmState::NoData);
        assert_eq!(feed(&mut sm, Check::Ok, 2), SmState::Valid);
    }
}
