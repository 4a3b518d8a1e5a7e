//! A CAN controller's fault confinement (ISO 11898-1), sans-I/O: the transmit
//! and receive error counters and the states they put the node in.
//!
//! - a transmit error adds 8 to the TEC, a successful transmission takes 1 off;
//!   a receive error adds 1 to the REC, a good reception takes 1 off;
//! - error-active while both counters are below 128; error-passive when either
//!   reaches 128; bus-off when the TEC passes 255 (the node sends nothing);
//! - a bus-off node returns to error-active, both counters 0, after it has
//!   seen 128 occurrences of 11 consecutive recessive bits
//!   ([`ErrorCounters::recessive_sequence`]); on an idle bus that takes
//!   `128 × 11` bit times ([`recovery_us`]).

/// The controller's fault-confinement state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorState {
    /// Both counters below 128: takes full part in the bus.
    Active,
    /// A counter at 128 or more: sends passive error flags only.
    Passive,
    /// TEC past 255: takes no part in the bus until it recovers.
    BusOff,
}

/// A change of state, with the TEC when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Entered error-passive.
    ErrorPassive {
        /// Transmit error counter.
        tec: u16,
    },
    /// Entered bus-off.
    BusOff {
        /// Transmit error counter.
        tec: u16,
    },
    /// Back to error-active from error-passive (counters fell below 128).
    ErrorActive {
        /// Transmit error counter.
        tec: u16,
    },
    /// Back to error-active from bus-off (counters reset to 0).
    Recovered,
}

/// Occurrences of 11 recessive bits a bus-off node must see to recover.
pub const RECOVERY_SEQUENCES: u16 = 128;

/// Bits in one recovery sequence.
pub const RECOVERY_SEQUENCE_BITS: u64 = 11;

/// The time a bus-off node takes to recover on an idle bus at `bitrate`
/// (bit/s), µs (rounded up): 128 × 11 bit times; 2816 µs at 500 kbit/s.
#[must_use]
pub fn recovery_us(bitrate: u32) -> u64 {
    let bits = u64::from(RECOVERY_SEQUENCES) * RECOVERY_SEQUENCE_BITS * 1_000_000;
    bits.div_ceil(u64::from(bitrate.max(1)))
}

/// One controller's error counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCounters {
    tec: u16,
    rec: u16,
    state: ErrorState,
    /// Recessive sequences seen since bus-off.
    seen: u16,
}

impl Default for ErrorCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl ErrorCounters {
    /// A controller that has just joined the bus: error-active, counters 0.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            tec: 0,
            rec: 0,
            state: ErrorState::Active,
            seen: 0,
        }
    }

    /// Transmit error counter.
    #[must_use]
    pub const fn tec(&self) -> u16 {
        self.tec
    }

    /// Receive error counter.
    #[must_use]
    pub const fn rec(&self) -> u16 {
        self.rec
    }

    /// The state now.
    #[must_use]
    pub const fn state(&self) -> ErrorState {
        self.state
    }

    /// Whether the node may transmit (not bus-off).
    #[must_use]
    pub fn can_transmit(&self) -> bool {
        self.state != ErrorState::BusOff
    }

    /// A transmission failed (TEC + 8). Ignored while bus-off.
    pub fn transmit_error(&mut self) -> Option<Transition> {
        if self.state == ErrorState::BusOff {
            return None;
        }
        self.tec = self.tec.saturating_add(8);
        self.settle()
    }

    /// A transmission succeeded (TEC − 1). Ignored while bus-off.
    pub fn transmit_ok(&mut self) -> Option<Transition> {
        if self.state == ErrorState::BusOff {
            return None;
        }
        self.tec = self.tec.saturating_sub(1);
        self.settle()
    }

    /// A reception failed (REC + 1, held at 128 and above as the standard
    /// allows). Ignored while bus-off.
    pub fn receive_error(&mut self) -> Option<Transition> {
        if self.state == ErrorState::BusOff {
            return None;
        }
        self.rec = (self.rec + 1).min(128);
        self.settle()
    }

    /// A frame was received (REC − 1). Ignored while bus-off.
    pub fn receive_ok(&mut self) -> Option<Transition> {
        if self.state == ErrorState::BusOff {
            return None;
        }
        self.rec = self.rec.saturating_sub(1);
        self.settle()
    }

    /// The bus-off node saw 11 consecutive recessive bits; the 128th
    /// occurrence brings it back, counters reset. Ignored unless bus-off.
    pub fn recessive_sequence(&mut self) -> Option<Transition> {
        if self.state != ErrorState::BusOff {
            return None;
        }
        self.seen += 1;
        if self.seen < RECOVERY_SEQUENCES {
            return None;
        }
        *self = Self::new();
        Some(Transition::Recovered)
    }

    /// Moves to the state the counters call for.
    fn settle(&mut self) -> Option<Transition> {
        let next = if self.tec > 255 {
            ErrorState::BusOff
        } else if self.tec >= 128 || self.rec >= 128 {
            ErrorState::Passive
        } else {
            ErrorState::Active
        };
        if next == self.state {
            return None;
        }
        self.state = next;
        let tec = self.tec;
        Some(match next {
            ErrorState::BusOff => {
                self.seen = 0;
                Transition::BusOff { tec }
            }
            ErrorState::Passive => Transition::ErrorPassive { tec },
            ErrorState::Active => Transition::ErrorActive { tec },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_errors_make_it_passive_and_thirty_two_bus_off() {
        let mut c = ErrorCounters::new();
        for k in 1..16 {
            assert_eq!(c.transmit_error(), None, "error {k}");
        }
        assert_eq!(c.tec(), 120);
        assert_eq!(c.state(), ErrorState::Active);
        assert_eq!(
            c.transmit_error(),
            Some(Transition::ErrorPassive { tec: 128 })
        );
        for _ in 17..32 {
            assert_eq!(c.transmit_error(), None);
        }
        assert_eq!((c.tec(), c.state()), (248, ErrorState::Passive));
        assert_eq!(c.transmit_error(), Some(Transition::BusOff { tec: 256 }));
        assert!(!c.can_transmit());
        // Bus-off ignores traffic until it has seen 128 recessive sequences.
        assert_eq!(c.transmit_ok(), None);
        assert_eq!(c.tec(), 256);
        for _ in 1..128 {
            assert_eq!(c.recessive_sequence(), None);
        }
        assert_eq!(c.recessive_sequence(), Some(Transition::Recovered));
        assert_eq!((c.tec(), c.rec(), c.state()), (0, 0, ErrorState::Active));
    }

    #[test]
    fn successes_bring_a_passive_node_back() {
        let mut c = ErrorCounters::new();
        for _ in 0..17 {
            c.transmit_error();
        }
        assert_eq!((c.tec(), c.state()), (136, ErrorState::Passive));
        for _ in 0..8 {
            assert_eq!(c.transmit_ok(), None);
        }
        assert_eq!(c.transmit_ok(), Some(Transition::ErrorActive { tec: 127 }));
    }

    #[test]
    fn receive_errors_alone_make_it_passive_but_never_bus_off() {
        let mut c = ErrorCounters::new();
        let transitions: Vec<_> = (0..300).filter_map(|_| c.receive_error()).collect();
        assert_eq!(transitions, [Transition::ErrorPassive { tec: 0 }]);
        assert_eq!(c.rec(), 128);
        assert_eq!(c.receive_ok(), Some(Transition::ErrorActive { tec: 0 }));
    }

    #[test]
    fn recovery_takes_128_times_11_bits() {
        assert_eq!(recovery_us(500_000), 2816);
        assert_eq!(recovery_us(250_000), 5632);
        assert_eq!(recovery_us(1_000_000), 1408);
    }
}
