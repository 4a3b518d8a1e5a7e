//! Schedule + pacer + in-process bus, measured (a plain program, not a
//! criterion statistic).
//!
//! 1. Micro-measures: `Schedule::pop_due` cost per frame with 500 entries, and
//!    an in-process send + receive.
//! 2. A real-time run: 30 messages (cycle times 10 ms – 1 s, 1278 frames/s)
//!    sent through `Schedule` + `Pacer` on one endpoint, with a receiver task
//!    on another, for `SCHEDULE_BENCH_SECONDS` (default 60) per precision mode
//!    (`SCHEDULE_BENCH_PRECISION` = `timer`, `spin`, `nap` or `all`, default
//!    `all`: three runs).
//!    For every frame it records actual − scheduled send time and prints
//!    p50 / p99 / max (µs), frames/s, drift (mean lateness of the last 10 % of
//!    frames minus that of the first 10 %) and the CPU time used.
//!
//! ```text
//! cargo bench -p evtwin-can --bench schedule
//! SCHEDULE_BENCH_SECONDS=10 SCHEDULE_BENCH_PRECISION=spin cargo bench -p evtwin-can --bench schedule
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use evtwin_can::bus::{InProcBus, Transport};
use evtwin_can::schedule::{Pacer, Precision, Schedule, lateness_us};
use evtwin_can::{CanId, Frame};

/// (cycle time ms, how many messages): 30 messages, 1278 frames/s.
const MIX: [(u64, u16); 6] = [(10, 8), (20, 6), (50, 6), (100, 5), (500, 3), (1000, 2)];

fn micro_pop_due() {
    let mut sched = Schedule::new(0);
    let periods_us = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];
    for i in 0..500u32 {
        let p = periods_us[i as usize % periods_us.len()];
        sched.add(i, p, u64::from(i) * 37 % p).unwrap();
    }
    let mut out = Vec::with_capacity(512);
    let mut frames = 0u64;
    let t0 = Instant::now();
    let mut now = 0;
    while frames < 2_000_000 {
        now = sched.next_due_us().unwrap();
        out.clear();
        sched.pop_due(now, &mut out);
        frames += out.len() as u64;
        black_box(&out);
    }
    let ns = t0.elapsed().as_nanos() as f64 / frames as f64;
    println!(
        "pop_due, 500 entries: {ns:.1} ns/frame over {frames} frames ({:.0} s of virtual time)",
        now as f64 / 1e6
    );
}

fn micro_inproc() {
    let rt = runtime();
    rt.block_on(async {
        let bus = InProcBus::new();
        let mut a = bus.endpoint("a");
        let mut b = bus.endpoint("b");
        let f = Frame::classic(CanId::Standard(0x123), &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        let n = 1_000_000u32;
        let t0 = Instant::now();
        for _ in 0..n {
            a.send(&f).await.unwrap();
            black_box(b.try_recv().unwrap());
        }
        let ns = t0.elapsed().as_nanos() as f64 / f64::from(n);
        println!("in-process send + try_recv (2 endpoints): {ns:.0} ns/frame");
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10)) // USER_HZ = 100 on Linux
}

fn real_time(seconds: u64, precision: Precision) -> Run {
    let rt = runtime();
    rt.block_on(async {
        let bus = InProcBus::new();
        let mut tx = bus.endpoint("twin");
        let mut rx = bus.endpoint("tester");
        let mut sched = Schedule::new(0);
        let mut k = 0u16;
        for (period_ms, count) in MIX {
            for _ in 0..count {
                // Phases spread over the first period, as ECUs do.
                let offset_us = u64::from(k) * 317 % (period_ms * 1000);
                sched.add(0x100 + k, period_ms * 1000, offset_us).unwrap();
                k += 1;
            }
        }
        let end_us = seconds * 1_000_000;
        let expected: u64 = MIX
            .iter()
            .map(|&(p, c)| u64::from(c) * (end_us / (p * 1000)))
            .sum();

        let stop = Arc::new(AtomicBool::new(false));
        let stop_rx = Arc::clone(&stop);
        let receiver = tokio::spawn(async move {
            let mut got = 0u64;
            let mut counters = [0u8; 64];
            let mut order_errors = 0u64;
            loop {
                let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
                match rx.recv_until(deadline).await.unwrap() {
                    Some(t) => {
                        let i = (t.frame.id().raw() - 0x100) as usize;
                        if t.frame.data()[0] != counters[i] {
                            order_errors += 1;
                        }
                        counters[i] = t.frame.data()[0].wrapping_add(1);
                        got += 1;
                    }
                    None if stop_rx.load(Ordering::Relaxed) => break,
                    None => {}
                }
            }
            (got, order_errors, rx.rx_dropped())
        });

        let mut lateness = Vec::with_capacity(expected as usize + 64);
        let mut counters = [0u8; 64];
        let mut due = Vec::with_capacity(64);
        let cpu0 = cpu_time();
        let pacer = Pacer::new(Some(1.0)).with_precision(precision);
        while let Some(t) = sched.next_due_us().filter(|&t| t < end_us) {
            // Popped at the scheduled instant `t` (not at the wall clock's
            // virtual now), so a late wake sends every frame, late, and the
            // lateness of each is what gets measured.
            pacer.wait_until(t).await;
            let scheduled = pacer.deadline(t).unwrap();
            bus.set_time_us(t);
            due.clear();
            sched.pop_due(t, &mut due);
            for &id in &due {
                let i = usize::from(id - 0x100);
                let f = Frame::classic(CanId::Standard(id), &[counters[i], 0, 0, 0, 0, 0, 0, 0])
                    .unwrap();
                counters[i] = counters[i].wrapping_add(1);
                tx.send(&f).await.unwrap();
                lateness.push(lateness_us(Instant::now(), scheduled));
            }
        }
        let wall = pacer.start().elapsed();
        let cpu = cpu0.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
        stop.store(true, Ordering::Relaxed);
        let (got, order_errors, dropped) = receiver.await.unwrap();

        Run {
            lateness,
            wall,
            cpu,
            got,
            order_errors,
            dropped,
            expected,
        }
    })
}

/// What one real-time run measured.
struct Run {
    lateness: Vec<u64>,
    wall: Duration,
    cpu: Option<Duration>,
    got: u64,
    order_errors: u64,
    dropped: u64,
    expected: u64,
}

#[allow(clippy::cast_sign_loss)] // percentile index: ≥ 0
fn report(run: &Run, precision: Precision, seconds: u64) {
    let Run {
        lateness,
        wall,
        cpu,
        got,
        order_errors,
        dropped,
        expected,
    } = run;
    let n = lateness.len();
    let tenth = (n / 10).max(1);
    let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len() as f64;
    let first = mean(&lateness[..tenth]);
    let last = mean(&lateness[n - tenth..]);
    let mut sorted = lateness.clone();
    sorted.sort_unstable();
    let pct = |p: f64| sorted[((n as f64 - 1.0) * p).round() as usize];
    println!(
        "real time, {precision:?}, {seconds} s: {n} frames sent ({expected} expected), \
         {:.1} frames/s; received {got}, {dropped} dropped, {order_errors} out of order",
        n as f64 / wall.as_secs_f64()
    );
    println!(
        "  lateness (actual - scheduled send) µs: p50 {} p90 {} p99 {} p99.9 {} max {}",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(0.999),
        sorted[n - 1]
    );
    println!(
        "  drift: mean lateness first 10 % {first:.1} µs, last 10 % {last:.1} µs \
         (difference {:+.1} µs)",
        last - first
    );
    if let Some(cpu) = cpu {
        println!(
            "  CPU: {:.2} s over {:.2} s of wall time ({:.1} % of a core)",
            cpu.as_secs_f64(),
            wall.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not used.
    let seconds: u64 = std::env::var("SCHEDULE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let modes = match std::env::var("SCHEDULE_BENCH_PRECISION").as_deref() {
        Ok("timer") => vec![Precision::Timer],
        Ok("spin") => vec![Precision::SPIN_2MS],
        Ok("nap") => vec![Precision::NAP_2MS],
        _ => vec![Precision::Timer, Precision::SPIN_2MS, Precision::NAP_2MS],
    };
    micro_pop_due();
    micro_inproc();
    for p in modes {
        let run = real_time(seconds, p);
        report(&run, p, seconds);
    }
}
