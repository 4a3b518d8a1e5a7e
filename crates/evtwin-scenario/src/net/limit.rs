//! How many rejected frames are described: every one is counted
//! ([`super::NetStats`]), but only the first few of each kind on each
//! identifier per second of virtual time are described one by one; the rest are
//! summed up once the second is over ("412 more bad CRCs on 0x110 in the last
//! second"). Sans-I/O: time comes in with each call. A flood of bad frames thus
//! costs a bounded number of log lines, whatever the rate.

use std::collections::BTreeMap;

use evtwin_can::CanId;

/// Frames described one by one per kind and identifier per window.
pub const DESCRIBED_PER_WINDOW: u32 = 3;
/// The window, µs of virtual time.
pub const WINDOW_US: u64 = 1_000_000;
/// Kinds × identifiers tracked per window; beyond, frames are summed up by
/// kind alone ("on other identifiers").
const MAX_KEYS: usize = 16;

/// Frames of one kind (and identifier, `None`: any other) not described in a
/// window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed {
    /// Why they were rejected.
    pub why: &'static str,
    /// Their identifier, if tracked alone.
    pub id: Option<CanId>,
    /// How many.
    pub count: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    described: u32,
    suppressed: u64,
}

/// The limiter.
#[derive(Debug, Default, Clone)]
pub struct RejectLimit {
    start_us: Option<u64>,
    tallies: BTreeMap<(&'static str, Option<CanId>), Tally>,
}

impl RejectLimit {
    /// Whether the frame rejected for `why` at `now_us` is to be described;
    /// call [`RejectLimit::roll`] first.
    pub fn admit(&mut self, why: &'static str, id: CanId, now_us: u64) -> bool {
        self.start_us.get_or_insert(now_us);
        let key = if self.tallies.len() < MAX_KEYS || self.tallies.contains_key(&(why, Some(id))) {
            (why, Some(id))
        } else {
            (why, None)
        };
        let t = self.tallies.entry(key).or_default();
        if t.described < DESCRIBED_PER_WINDOW {
            t.described += 1;
            true
        } else {
            t.suppressed += 1;
            false
        }
    }

    /// Ends the window if `now_us` is past it: each kind's undescribed frames go
    /// to `out`, in a stable order.
    pub fn roll(&mut self, now_us: u64, out: &mut impl FnMut(Suppressed)) {
        let Some(start) = self.start_us else { return };
        if now_us >= start.saturating_add(WINDOW_US) {
            self.flush(out);
        }
    }

    /// Ends the window now (at the end of a run).
    pub fn flush(&mut self, out: &mut impl FnMut(Suppressed)) {
        for (&(why, id), t) in &self.tallies {
            if t.suppressed > 0 {
                out(Suppressed {
                    why,
                    id,
                    count: t.suppressed,
                });
            }
        }
        self.tallies.clear();
        self.start_us = None;
    }
}

#[cfg(test)]
mod tests {
    use super::{DESCRIBED_PER_WINDOW, RejectLimit, Suppressed, WINDOW_US};
    use evtwin_can::CanId;

    #[test]
    fn a_flood_is_described_a_few_times_then_summed_up_each_window() {
        let mut l = RejectLimit::default();
        let id = CanId::Standard(0x110);
        let mut out = Vec::new();
        let mut described = 0;
        // 10 000 frames a second for 3 s.
        for n in 0..30_000u64 {
            let now = n * 100;
            l.roll(now, &mut |s| out.push(s));
            described += u32::from(l.admit("bad CRC", id, now));
        }
        l.roll(3 * WINDOW_US, &mut |s| out.push(s));
        assert_eq!(described, 3 * DESCRIBED_PER_WINDOW);
        assert_eq!(out.len(), 3);
        let total: u64 = out.iter().map(|s| s.count).sum();
        assert_eq!(total + u64::from(described), 30_000);
        assert_eq!(
            out[0],
            Suppressed {
                why: "bad CRC",
                id: Some(id),
                count: 10_000 - u64::from(DESCRIBED_PER_WINDOW)
            }
        );
    }

    #[test]
    fn kinds_and_identifiers_have_their_own_quota_and_many_ids_are_bounded() {
        let mut l = RejectLimit::default();
        assert!(l.admit("bad CRC", CanId::Standard(1), 0));
        assert!(l.admit("wrong length", CanId::Standard(1), 0));
        assert!(l.admit("bad CRC", CanId::Standard(2), 0));
        let mut n = 0;
        for id in 0..10_000u16 {
            n += u32::from(l.admit("unknown id", CanId::Standard(id % 0x800), 1));
        }
        // 13 identifiers tracked alone, then 3 more for all the others together.
        assert!(n <= 16 * DESCRIBED_PER_WINDOW, "{n}");
        let mut out = Vec::new();
        l.roll(WINDOW_US, &mut |s| out.push(s));
        assert!(out.iter().any(|s| s.id.is_none()));
        assert!(out.len() <= 16);
    }
}
