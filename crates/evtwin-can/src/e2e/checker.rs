//! The receiver side of E2E: CRC and counter supervision.

use super::E2eConfig;

/// What the receiver concluded about one payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum E2eStatus {
    /// CRC right, counter advanced by 1..=`max_delta_counter`.
    Ok,
    /// CRC right, same counter as the last accepted payload.
    Repeated,
    /// CRC right, counter jumped by more than `max_delta_counter`: the checker
    /// resynchronises on the new counter. Also profile 1's invalid counter 15,
    /// after which the next good payload is [`E2eStatus::Initial`].
    WrongSequence,
    /// CRC wrong (or payload too short for the layout): the data must not be used.
    WrongCrc,
    /// CRC right, first payload seen (or first after [`E2eChecker::reset`]).
    Initial,
}

/// The receiver's side: checks CRC and counter progress of successive payloads
/// of one message, after AUTOSAR's `E2E_P01Check` / `E2E_P02Check` (without the
/// SYNC and NONEWDATA states).
#[derive(Debug, Clone)]
pub struct E2eChecker {
    cfg: E2eConfig,
    max_delta_counter: u8,
    last_counter: Option<u8>,
    lost: u8,
}

impl E2eChecker {
    /// A checker that accepts counter jumps of up to `max_delta_counter`
    /// (at least 1) as [`E2eStatus::Ok`].
    #[must_use]
    pub fn new(cfg: E2eConfig, max_delta_counter: u8) -> Self {
        Self {
            cfg,
            max_delta_counter: max_delta_counter.max(1),
            last_counter: None,
            lost: 0,
        }
    }

    /// Checks one payload and updates the state.
    pub fn check(&mut self, data: &[u8]) -> E2eStatus {
        self.lost = 0;
        if !self.cfg.crc_matches(data) {
            return E2eStatus::WrongCrc;
        }
        let Some(counter) = self.cfg.counter_of(data) else {
            return E2eStatus::WrongCrc;
        };
        let modulus = self.cfg.counter_modulus();
        if counter >= modulus {
            self.last_counter = None;
            return E2eStatus::WrongSequence;
        }
        let Some(last) = self.last_counter.replace(counter) else {
            return E2eStatus::Initial;
        };
        let delta = (counter + modulus - last) % modulus;
        if delta == 0 {
            E2eStatus::Repeated
        } else if delta <= self.max_delta_counter {
            self.lost = delta - 1;
            E2eStatus::Ok
        } else {
            E2eStatus::WrongSequence
        }
    }

    /// How many payloads the last [`E2eStatus::Ok`] skipped (AUTOSAR's
    /// `OKSOMELOST` when above 0).
    #[must_use]
    pub const fn lost(&self) -> u8 {
        self.lost
    }

    /// Forgets the last counter: the next good payload is [`E2eStatus::Initial`].
    pub fn reset(&mut self) {
        self.last_counter = None;
        self.lost = 0;
    }

    /// The configuration it checks against.
    #[must_use]
    pub const fn config(&self) -> &E2eConfig {
        &self.cfg
    }
}
