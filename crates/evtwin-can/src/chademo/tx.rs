//! The periodic schedule both sides share: a burst of N frames every period at
//! absolute deadlines (`start + n·period`, no drift); a late caller skips to the
//! next deadline.

/// A periodic burst of `n` frames.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Burst {
    /// When the next burst is due; `None`: not sending.
    pub next_us: Option<u64>,
    /// Index of the next frame in the burst.
    pub index: u8,
    /// Frames in one burst.
    n: u8,
    /// Stop sending once the next burst is due after this.
    pub until_us: Option<u64>,
}

impl Burst {
    pub(crate) const fn new(n: u8) -> Self {
        Self {
            next_us: None,
            index: 0,
            n,
            until_us: None,
        }
    }

    /// Start sending at `now_us`.
    pub(crate) fn start(&mut self, now_us: u64) {
        if self.next_us.is_none() {
            self.next_us = Some(now_us);
            self.index = 0;
            self.until_us = None;
        }
    }

    /// Send the bursts due up to `until_us`, then stop.
    pub(crate) fn stop_after(&mut self, until_us: u64) {
        self.until_us = Some(until_us);
    }

    /// The deadline, if sending.
    pub(crate) fn due(&self) -> Option<u64> {
        match (self.next_us, self.until_us) {
            (Some(t), Some(u)) if t > u => None,
            (t, _) => t,
        }
    }

    /// Which frame of the burst to send now, if one is due.
    pub(crate) fn take(&mut self, now_us: u64, period_us: u64) -> Option<u8> {
        let t = self.due()?;
        if now_us < t {
            return None;
        }
        let i = self.index;
        self.index += 1;
        if self.index == self.n {
            self.index = 0;
            let mut next = t + period_us;
            while next <= now_us {
                next += period_us;
            }
            self.next_us = Some(next);
        }
        Some(i)
    }
}
