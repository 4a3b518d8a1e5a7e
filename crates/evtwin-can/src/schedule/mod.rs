//! The periodic frame schedule, sans I/O: which messages are due at a given
//! time ([`Schedule`]), and a pacer that maps virtual time onto the wall clock
//! ([`Pacer`]).
//!
//! Deadlines are absolute: the n-th deadline of an entry is
//! `start + offset + n · period`, computed afresh every time, so lateness never
//! accumulates and there is no drift over hours. When a caller falls behind, an
//! entry is emitted once and then jumps to its next future deadline; the missed
//! deadlines are counted as overruns.

mod pacer;

pub use pacer::{Pacer, Precision, lateness_us};

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Why an entry could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A period of zero would be due forever.
    #[error("a periodic entry needs a period above zero")]
    ZeroPeriod,
    /// More entries than the schedule indexes (2^32).
    #[error("too many schedule entries")]
    TooMany,
}

/// Names an entry of a [`Schedule`] (its insertion index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(u32);

impl EntryId {
    /// The insertion index.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone)]
struct Entry<K> {
    key: K,
    period_us: u64,
    /// `start + offset`: the 0-th deadline.
    base_us: u64,
    /// Index of the next deadline.
    n: u64,
    overruns: u64,
    /// Bumped by `remove` / `restart` so stale heap items are skipped.
    generation: u32,
    active: bool,
}

impl<K> Entry<K> {
    fn deadline_us(&self) -> u64 {
        self.base_us
            .saturating_add(self.n.saturating_mul(self.period_us))
    }
}

/// A set of periodic entries, each with its own period and phase offset.
///
/// Efficient for hundreds of entries: a binary heap ordered by (deadline,
/// insertion index), so the order of due entries is deterministic. Popping
/// allocates nothing (the heap's storage is reused).
#[derive(Debug, Clone)]
pub struct Schedule<K> {
    start_us: u64,
    entries: Vec<Entry<K>>,
    /// (deadline, entry index, generation), smallest first.
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    overruns: u64,
}

impl<K: Clone> Schedule<K> {
    /// An empty schedule whose deadlines count from `start_us`.
    #[must_use]
    pub fn new(start_us: u64) -> Self {
        Self {
            start_us,
            entries: Vec::new(),
            heap: BinaryHeap::new(),
            overruns: 0,
        }
    }

    /// The time deadlines count from.
    #[must_use]
    pub const fn start_us(&self) -> u64 {
        self.start_us
    }

    /// Adds an entry due at `start + offset_us + n · period_us` for n = 0, 1, ….
    pub fn add(
        &mut self,
        key: K,
        period_us: u64,
        offset_us: u64,
    ) -> Result<EntryId, ScheduleError> {
        if period_us == 0 {
            return Err(ScheduleError::ZeroPeriod);
        }
        let index = u32::try_from(self.entries.len()).map_err(|_| ScheduleError::TooMany)?;
        let entry = Entry {
            key,
            period_us,
            base_us: self.start_us.saturating_add(offset_us),
            n: 0,
            overruns: 0,
            generation: 0,
            active: true,
        };
        self.heap.push(Reverse((entry.deadline_us(), index, 0)));
        self.entries.push(entry);
        Ok(EntryId(index))
    }

    /// Takes an entry out of the schedule (it is never due again until
    /// [`restart`](Self::restart)ed). Unknown ids are ignored.
    pub fn remove(&mut self, id: EntryId) {
        if let Some(e) = self.entries.get_mut(id.index()) {
            e.active = false;
            e.generation = e.generation.wrapping_add(1);
        }
        self.purge_stale_top();
    }

    /// Drops heap items of removed / restarted entries from the top, so that
    /// [`next_due_us`](Self::next_due_us) names a live deadline.
    fn purge_stale_top(&mut self) {
        while let Some(&Reverse((_, index, generation))) = self.heap.peek() {
            let live = self
                .entries
                .get(index as usize)
                .is_some_and(|e| e.active && e.generation == generation);
            if live {
                break;
            }
            self.heap.pop();
        }
    }

    /// Puts an entry (back) on a fresh grid: due at `at_us + n · period_us`.
    /// Unknown ids are ignored.
    pub fn restart(&mut self, id: EntryId, at_us: u64) {
        let index = id.0;
        if let Some(e) = self.entries.get_mut(id.index()) {
            e.active = true;
            e.generation = e.generation.wrapping_add(1);
            e.base_us = at_us;
            e.n = 0;
            self.heap
                .push(Reverse((e.deadline_us(), index, e.generation)));
        }
        self.purge_stale_top();
    }

    /// Number of entries ever added (removed ones included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry was ever added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The key of an entry.
    #[must_use]
    pub fn key(&self, id: EntryId) -> Option<&K> {
        self.entries.get(id.index()).map(|e| &e.key)
    }

    /// The earliest pending deadline, if any entry is active.
    #[must_use]
    pub fn next_due_us(&self) -> Option<u64> {
        // Stale items (removed / restarted entries) are purged from the top
        // by every call that can leave them there.
        self.heap.peek().map(|Reverse((d, _, _))| *d)
    }

    /// Deadlines skipped so far, over all entries.
    #[must_use]
    pub const fn overruns(&self) -> u64 {
        self.overruns
    }

    /// Deadlines skipped so far by one entry.
    #[must_use]
    pub fn overruns_of(&self, id: EntryId) -> u64 {
        self.entries.get(id.index()).map_or(0, |e| e.overruns)
    }

    /// Appends to `out` the key of every entry due at or before `now_us`, each
    /// once, in deadline order (ties: insertion order).
    pub fn pop_due(&mut self, now_us: u64, out: &mut Vec<K>) {
        self.pop_due_with(now_us, |key, _| out.push(key.clone()));
    }

    /// Like [`pop_due`](Self::pop_due), calling `f(key, deadline_us)` for each
    /// due entry, with the deadline it was due at.
    pub fn pop_due_with(&mut self, now_us: u64, mut f: impl FnMut(&K, u64)) {
        while let Some(&Reverse((deadline_us, index, generation))) = self.heap.peek() {
            if deadline_us > now_us {
                break;
            }
            self.heap.pop();
            let Some(e) = self.entries.get_mut(index as usize) else {
                continue;
            };
            if !e.active || e.generation != generation {
                continue; // stale
            }
            f(&e.key, deadline_us);
            // The next deadline strictly after `now_us` (at least n + 1).
            let next_n = if now_us >= e.base_us {
                ((now_us - e.base_us) / e.period_us).saturating_add(1)
            } else {
                e.n + 1
            };
            let next_n = next_n.max(e.n + 1);
            let skipped = next_n - e.n - 1;
            e.overruns += skipped;
            self.overruns += skipped;
            e.n = next_n;
            self.heap
                .push(Reverse((e.deadline_us(), index, generation)));
        }
        self.purge_stale_top();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn drain(s: &mut Schedule<&'static str>, now: u64) -> Vec<&'static str> {
        let mut out = Vec::new();
        s.pop_due(now, &mut out);
        out
    }

    #[test]
    fn absolute_deadlines_and_order() {
        let mut s = Schedule::new(1_000);
        s.add("a", 10, 0).unwrap();
        s.add("b", 20, 5).unwrap();
        s.add("c", 10, 0).unwrap();
        assert_eq!(s.next_due_us(), Some(1_000));
        assert_eq!(drain(&mut s, 999), Vec::<&str>::new());
        assert_eq!(drain(&mut s, 1_000), vec!["a", "c"]);
        assert_eq!(s.next_due_us(), Some(1_005));
        assert_eq!(drain(&mut s, 1_010), vec!["b", "a", "c"]);
        assert_eq!(s.next_due_us(), Some(1_020));
        assert_eq!(s.overruns(), 0);
    }

    #[test]
    fn late_pops_skip_to_the_next_future_deadline() {
        let mut s = Schedule::new(0);
        let a = s.add("a", 100, 0).unwrap();
        assert_eq!(drain(&mut s, 0), vec!["a"]);
        // Due at 100, 200, 300; popped at 350: once, two skipped, next at 400.
        assert_eq!(drain(&mut s, 350), vec!["a"]);
        assert_eq!(s.overruns_of(a), 2);
        assert_eq!(s.next_due_us(), Some(400));
        // Still on the original grid: no lateness carried over.
        assert_eq!(drain(&mut s, 400), vec!["a"]);
        assert_eq!(s.next_due_us(), Some(500));
    }

    #[test]
    fn no_drift_over_many_periods() {
        let mut s = Schedule::new(7);
        s.add(0u8, 3_333, 11).unwrap();
        let mut out = Vec::new();
        let mut now = 0;
        for _ in 0..1_000_000 {
            now = s.next_due_us().unwrap();
            out.clear();
            s.pop_due(now, &mut out);
            assert_eq!(out.len(), 1);
        }
        assert_eq!(now, 7 + 11 + 999_999 * 3_333);
    }

    #[test]
    fn remove_and_restart() {
        let mut s = Schedule::new(0);
        let a = s.add("a", 10, 0).unwrap();
        s.add("b", 15, 0).unwrap();
        s.remove(a);
        assert_eq!(s.next_due_us(), Some(0));
        assert_eq!(drain(&mut s, 0), vec!["b"]);
        assert_eq!(
            s.next_due_us(),
            Some(15),
            "no ghost deadline of the removed entry"
        );
        assert_eq!(drain(&mut s, 30), vec!["b"]);
        s.restart(a, 33);
        assert_eq!(drain(&mut s, 44), vec!["a"]);
        assert_eq!(s.next_due_us(), Some(45));
        assert_eq!(drain(&mut s, 45), vec!["b"]);
        assert_eq!(s.next_due_us(), Some(53));
        assert_eq!(s.add("z", 0, 0), Err(ScheduleError::ZeroPeriod));
    }
}
