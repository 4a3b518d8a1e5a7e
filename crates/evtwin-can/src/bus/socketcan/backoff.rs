//! The retry policy for a full kernel transmit queue (ENOBUFS).

use std::time::Duration;

/// Bounded exponential back-off: the k-th retry (0-based) waits
/// `min(first · 2^k, max)`, and there are at most `max_retries` retries.
///
/// Tokio's timer has a 1 ms resolution, so waits under 1 ms last about 1 ms in
/// practice; the policy is still written in µs so it reads as intended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait (µs).
    pub first_us: u64,
    /// The longest wait (µs).
    pub max_us: u64,
    /// Retries before giving up.
    pub max_retries: u32,
}

impl Default for Backoff {
    /// 50 µs doubling to 5 ms, 12 retries: at most ≈ 31 ms in all.
    fn default() -> Self {
        Self {
            first_us: 50,
            max_us: 5_000,
            max_retries: 12,
        }
    }
}

impl Backoff {
    /// The wait before retry `retry` (0-based), or `None` when the retries are
    /// used up.
    #[must_use]
    pub fn delay(&self, retry: u32) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let factor = 1u64.checked_shl(retry).unwrap_or(u64::MAX);
        let us = self.first_us.saturating_mul(factor).min(self.max_us);
        Some(Duration::from_micros(us))
    }

    /// The longest a send can spend waiting before it gives up.
    #[must_use]
    pub fn worst_case(&self) -> Duration {
        (0..self.max_retries).filter_map(|k| self.delay(k)).sum()
    }
}

/// Whether an I/O error is the kernel's "transmit queue full" answer.
#[must_use]
pub fn is_tx_queue_full(err: &std::io::Error) -> bool {
    err.raw_os_error() == Some(nix::errno::Errno::ENOBUFS as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_caps_then_stops() {
        let b = Backoff::default();
        let us: Vec<u64> = (0..13)
            .map(|k| {
                b.delay(k)
                    .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(0))
            })
            .collect();
        assert_eq!(
            us,
            [
                50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000, 0
            ]
        );
        assert_eq!(b.worst_case(), Duration::from_micros(31_350));
        let huge = Backoff {
            first_us: u64::MAX / 2,
            max_us: u64::MAX,
            max_retries: 100,
        };
        assert_eq!(huge.delay(99), Some(Duration::from_micros(u64::MAX)));
        assert_eq!(
            Backoff {
                max_retries: 0,
                ..b
            }
            .delay(0),
            None
        );
    }

    #[test]
    fn enobufs_is_recognised() {
        assert!(is_tx_queue_full(&std::io::Error::from_raw_os_error(
            nix::errno::Errno::ENOBUFS as i32
        )));
        assert!(!is_tx_queue_full(&std::io::Error::from_raw_os_error(
            nix::errno::Errno::EAGAIN as i32
        )));
        assert!(!is_tx_queue_full(&std::io::Error::other("x")));
    }
}
