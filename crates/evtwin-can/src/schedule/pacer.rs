//! Maps virtual time (µs since the start of a run) onto wall-clock deadlines:
//! the one pacer of every paced loop (the bridge, the viewer's simulation, the
//! log replayer). Its clock is `std::time::Instant`; the blocking wait needs no
//! runtime, the async wait (feature `io`) runs on tokio.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How precisely [`Pacer::wait_until`] hits its deadline.
///
/// Tokio's timer wheel has a 1 ms resolution and rounds every deadline up to
/// the next tick, so [`Precision::Timer`] is typically about 1 ms late (plus
/// the wake-up latency) but costs no CPU. The two other modes sleep on tokio's
/// timer until `margin` before the deadline and then close the gap:
///
/// - [`Precision::Spin`] yields in a loop until the exact instant: lateness
///   drops to µs on an idle machine, at the price of a core kept busy for up
///   to `margin` (+1 ms of timer rounding) per deadline. The loop uses
///   `tokio::task::yield_now`, so other tasks of a current-thread runtime keep
///   running while it waits. On a loaded machine the OS preempts the spinner
///   and the tail gets worse, not better.
/// - [`Precision::Nap`] blocks the thread in `std::thread::sleep` (a
///   high-resolution `nanosleep`, ≈ 50–100 µs late) for the rest: little CPU,
///   but other tasks of the same current-thread runtime are held up for up to
///   `margin` per deadline.
///
/// `benches/schedule.rs` measures all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Sleep on tokio's timer only (no busy waiting).
    Timer,
    /// Sleep until `margin` before the deadline, then yield-spin to it.
    Spin {
        /// How long before the deadline to stop sleeping.
        margin: Duration,
    },
    /// Sleep until `margin` before the deadline, then block the thread in a
    /// precise sleep to it.
    Nap {
        /// How long before the deadline to stop sleeping on tokio's timer.
        margin: Duration,
    },
}

impl Precision {
    /// Spinning for the last 2 ms: enough to cover tokio's 1 ms rounding.
    pub const SPIN_2MS: Self = Self::Spin {
        margin: Duration::from_millis(2),
    };
    /// Blocking for the last 2 ms.
    pub const NAP_2MS: Self = Self::Nap {
        margin: Duration::from_millis(2),
    };
}

/// Paces a run: virtual time `t` is due at wall time
/// `start + (t − anchor) / speed`.
///
/// Deadlines are absolute, all counted from one start instant, never relative
/// sleeps, so lateness never accumulates.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    /// The virtual time at `start`, µs.
    anchor_us: u64,
    speed: Option<f64>,
    precision: Precision,
}

impl Pacer {
    /// `speed`: `None` runs in virtual time (as fast as possible, never waits);
    /// `Some(1.0)` is real time; `Some(n)` is n times faster than real time.
    /// A speed that is not a positive finite number counts as virtual time.
    /// The start instant is now; the precision is [`Precision::Timer`].
    #[must_use]
    pub fn new(speed: Option<f64>) -> Self {
        Self::anchored(0, speed)
    }

    /// A pacer whose clock shows `virtual_us` now (to resume after a pause, or
    /// at another speed, from where a run stands).
    #[must_use]
    pub fn anchored(virtual_us: u64, speed: Option<f64>) -> Self {
        Self {
            start: Instant::now(),
            anchor_us: virtual_us,
            speed: speed.filter(|s| s.is_finite() && *s > 0.0),
            precision: Precision::Timer,
        }
    }

    /// The same pacer with another precision.
    #[must_use]
    pub const fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Restarts the clock: virtual time 0 is now.
    pub fn restart(&mut self) {
        self.start = Instant::now();
        self.anchor_us = 0;
    }

    /// The wall instant virtual time 0 maps to.
    #[must_use]
    pub const fn start(&self) -> Instant {
        self.start
    }

    /// The speed factor (`None`: virtual time).
    #[must_use]
    pub const fn speed(&self) -> Option<f64> {
        self.speed
    }

    /// The wall deadline of `virtual_us` (`None` in virtual time).
    #[must_use]
    pub fn deadline(&self, virtual_us: u64) -> Option<Instant> {
        let speed = self.speed?;
        let wall_s = virtual_us.saturating_sub(self.anchor_us) as f64 / 1e6 / speed;
        // A deadline past what Duration holds is simply "never".
        let offset = Duration::try_from_secs_f64(wall_s).unwrap_or(Duration::MAX);
        Some(self.start.checked_add(offset).unwrap_or_else(far_future))
    }

    /// Virtual time now (µs), from the wall clock; `None` in virtual time.
    #[must_use]
    pub fn virtual_now_us(&self) -> Option<u64> {
        let speed = self.speed?;
        let wall_us = self.start.elapsed().as_secs_f64() * 1e6;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // ≥ 0, saturating
        Some(self.anchor_us.saturating_add((wall_us * speed) as u64))
    }

    /// Blocks the thread until `virtual_us` is due, in slices of at most
    /// `slice` so that `stop` is noticed; returns how late it woke (µs), or
    /// `None` when `stop` was raised first. In virtual time it returns at once.
    pub fn wait_blocking(
        &self,
        virtual_us: u64,
        stop: &AtomicBool,
        slice: Duration,
    ) -> Option<u64> {
        let Some(deadline) = self.deadline(virtual_us) else {
            return (!stop.load(Ordering::Relaxed)).then_some(0);
        };
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Some(lateness_us(Instant::now(), deadline));
            }
            std::thread::sleep(left.min(slice));
        }
    }

    /// Waits until `virtual_us` is due and returns how late it woke (µs of wall
    /// time, actual − scheduled; never negative). In virtual time it returns 0
    /// at once; when the deadline has already passed it returns at once with
    /// how long ago that was.
    #[cfg(feature = "io")]
    pub async fn wait_until(&self, virtual_us: u64) -> u64 {
        use tokio::time::Instant;
        let Some(deadline) = self.deadline(virtual_us).map(Instant::from_std) else {
            return 0;
        };
        match self.precision {
            Precision::Timer => tokio::time::sleep_until(deadline).await,
            Precision::Spin { margin } => {
                if let Some(early) = deadline.checked_sub(margin)
                    && early > Instant::now()
                {
                    tokio::time::sleep_until(early).await;
                }
                while Instant::now() < deadline {
                    tokio::task::yield_now().await;
                }
            }
            Precision::Nap { margin } => {
                if let Some(early) = deadline.checked_sub(margin)
                    && early > Instant::now()
                {
                    tokio::time::sleep_until(early).await;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if !left.is_zero() {
                    std::thread::sleep(left);
                }
            }
        }
        lateness_us(Instant::now().into_std(), deadline.into_std())
    }
}

/// `actual − scheduled` in µs, 0 when early.
#[must_use]
pub fn lateness_us(actual: Instant, scheduled: Instant) -> u64 {
    u64::try_from(actual.saturating_duration_since(scheduled).as_micros()).unwrap_or(u64::MAX)
}

fn far_future() -> Instant {
    // About 30 years: tokio's own notion of "far future".
    Instant::now() + Duration::from_hours(24 * 365 * 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_scale_with_speed() {
        let p = Pacer::new(Some(4.0));
        let d = p.deadline(2_000_000).map(|d| d - p.start());
        assert_eq!(d, Some(Duration::from_millis(500)));
        assert_eq!(Pacer::new(None).deadline(5), None);
        assert_eq!(Pacer::new(Some(0.0)).speed(), None);
        assert_eq!(Pacer::new(Some(f64::NAN)).speed(), None);
    }

    #[test]
    fn an_anchored_pacer_resumes_where_the_run_stands() {
        let p = Pacer::anchored(60_000_000, Some(10.0));
        let d = p.deadline(61_000_000).map(|d| d - p.start());
        assert_eq!(d, Some(Duration::from_millis(100)));
        assert!(p.virtual_now_us().is_some_and(|t| t >= 60_000_000));
        let stop = AtomicBool::new(false);
        let late = p.wait_blocking(60_050_000, &stop, Duration::from_millis(1));
        assert!(p.start().elapsed() >= Duration::from_millis(5));
        assert!(late.is_some_and(|l| l < 50_000), "{late:?}");
        stop.store(true, Ordering::Relaxed);
        assert_eq!(
            p.wait_blocking(u64::MAX, &stop, Duration::from_millis(1)),
            None
        );
    }

    #[cfg(feature = "io")]
    #[tokio::test(flavor = "current_thread")]
    async fn waits_to_the_absolute_deadline() {
        for (i, precision) in [Precision::Timer, Precision::SPIN_2MS, Precision::NAP_2MS]
            .into_iter()
            .enumerate()
        {
            let p = Pacer::new(Some(2.0)).with_precision(precision);
            // 10 ms of virtual time at 2x: 5 ms of wall time.
            let late = p.wait_until(10_000).await;
            let elapsed = p.start().elapsed();
            assert!(elapsed >= Duration::from_millis(5), "{i}: {elapsed:?}");
            assert!(late < 50_000, "{i}: late {late} µs");
        }
        let p = Pacer::new(Some(1.0));
        p.wait_until(5_000).await;
        // A deadline in the past returns at once with its lateness.
        let late = p.wait_until(1_000).await;
        assert!(late >= 4_000, "late {late} µs");
        assert_eq!(Pacer::new(None).wait_until(u64::MAX).await, 0);
    }
}
