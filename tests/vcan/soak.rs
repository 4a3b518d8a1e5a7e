//! A short real-time soak on vcan (`tests/vcan/soak.sh`): memory stays flat,
//! the send error stays bounded, nothing is lost. The one-hour figure in the
//! README comes from the same script with `SOAK_S=3600`.

use super::{BUS, bus, json, read, scratch, session};

/// Wall seconds of the short soak.
const SOAK_S: u32 = 40;
/// RSS growth allowed from the first sample after start-up to the end, kB.
const RSS_GROWTH_KB: u64 = 512;
/// Send-time error bound inside a TCG virtual machine on a loaded 2-core host
/// (see `faults.rs`); measured: p99 5–45 ms depending on the host's load.
const P99_US: u64 = 100_000;

#[test]
fn a_short_real_time_soak_keeps_memory_flat_and_time() {
    let Some(bus) = bus() else { return };
    let _one = BUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let inputs = scratch("in");
    let out = scratch("out");
    let (inp, out) = (inputs.path(), out.path());
    let root = super::common::root();
    for (from, to) in [
        ("tests/vcan/soak.toml", "soak.toml"),
        ("scenarios/cycles/evtwin-city.csv", "evtwin-city.csv"),
    ] {
        std::fs::copy(root.join(from), inp.join(to)).unwrap();
    }
    std::fs::write(inp.join("soak-env"), format!("{SOAK_S}")).unwrap();
    session(&bus, "soak.sh", inp, out, SOAK_S + 60);

    eprint!("{}", read(out, "soak.out"));
    assert_eq!(
        read(out, "soak.rc").trim(),
        "130",
        "{}",
        read(out, "soak.err")
    );
    // Samples: t_s rss_kb cpu_ticks, every 10 s; the first (t = 0) may be
    // before the binary has loaded.
    let samples: Vec<[u64; 3]> = read(out, "soak-samples.txt")
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<u64> = l.split(' ').map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        })
        .collect();
    assert!(samples.len() >= 4, "{samples:?}");
    let first = samples[1];
    let last = samples[samples.len() - 1];
    eprintln!(
        "RSS {} kB at {} s, {} kB at {} s",
        first[1], first[0], last[1], last[0]
    );
    assert!(
        last[1] <= first[1] + RSS_GROWTH_KB,
        "RSS grew from {} to {} kB",
        first[1],
        last[1]
    );
    let report = json(out, "soak.json");
    let net = &report["network"];
    assert_eq!(net["send_errors"], 0);
    let duration_s = report["duration_s"].as_f64().unwrap();
    assert!(
        duration_s >= f64::from(SOAK_S) - 2.0,
        "{duration_s} s simulated in {SOAK_S} s of wall time"
    );
    let p99 = net["lateness_us"]["p99"].as_u64().unwrap();
    assert!(p99 <= P99_US, "send error p99 {p99} µs");
}
