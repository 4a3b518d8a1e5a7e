//! A bounded fuzzing smoke run of the scenario loaders (issue 13, Proof):
//! scenario text, a vehicle preset, a cell definition, its table and a drive
//! cycle, each mutated by a seeded generator and loaded through `load` from
//! files, as a user's would be. No input may panic; every refusal is a
//! located error. `EVTWIN_FUZZ_ITERS` scales it (default 60 per file kind).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n.max(1) as u64).unwrap_or(0)
    }
}

const INTERESTING: &[u8] = b"0123456789.-+e=[]{}\",\n #_abcxyz";

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(6) {
        let at = rng.below(data.len() + 1);
        match rng.below(4) {
            0 if at < data.len() => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            1 => {
                let end = (at + rng.below(12)).min(data.len());
                data.drain(at..end);
            }
            2 => {
                let end = (at + rng.below(40)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            _ => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
        }
    }
    data
}

const SCENARIO: &str = "[scenario]\nname = \"f\"\nstep_ms = 100\n[vehicle]\npreset = \"v.toml\"\n\
    [pack]\nchemistry = \"c.toml\"\nseries = 4\nparallel = 1\n[environment]\nambient_c = 10\n\
    [[route]]\ncycle = { file = \"cycle.csv\", repeat = 2 }\n[[route]]\ncharge = { station = \"s\", until_soc_pct = 80 }\n\
    [stations.s]\nmax_power_kw = 50\nmax_voltage_v = 500\nmax_current_a = 125\n";

#[test]
fn scenario_preset_cell_table_and_cycle_loaders() {
    let iters: usize = std::env::var("EVTWIN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir().unwrap();
    let read = |p: &str| std::fs::read(format!("{ROOT}/{p}")).unwrap();
    let cell = String::from_utf8(read("assets/cells/nmc-graphite-21700.toml"))
        .unwrap()
        .replace("nmc-graphite-21700.csv", "t.csv");
    let files: [(&str, Vec<u8>); 5] = [
        ("s.toml", SCENARIO.as_bytes().to_vec()),
        ("v.toml", read("assets/vehicles/model3-rwd-2022.toml")),
        ("c.toml", cell.into_bytes()),
        ("t.csv", read("assets/cells/nmc-graphite-21700.csv")),
        (
            "cycle.csv",
            b"time_s,speed_mps\n0,0\n10,5\n20,8\n30,0\n".to_vec(),
        ),
    ];
    let put = |name: &str, data: &[u8]| std::fs::write(dir.path().join(name), data).unwrap();
    for (name, data) in &files {
        put(name, data);
    }
    let scenario = dir.path().join("s.toml");
    evtwin_scenario::load(&scenario).unwrap_or_else(|e| panic!("the seed: {}", e.render()));
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for (name, seed) in &files {
        for i in 0..iters {
            let input = mutate(&mut rng, seed);
            put(name, &input);
            let loaded = catch_unwind(AssertUnwindSafe(|| evtwin_scenario::load(&scenario)));
            match loaded {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => assert!(
                    e.to_string().contains(':'),
                    "{name} {i}: an error without a place: {e}"
                ),
                Err(_) => {
                    let kept = std::env::temp_dir().join(format!("evtwin-fuzz-{name}"));
                    let _ = std::fs::write(&kept, &input);
                    panic!(
                        "{name}: input {i} panicked (kept in {}):\n{}",
                        kept.display(),
                        String::from_utf8_lossy(&input)
                    );
                }
            }
        }
        put(name, seed);
    }
    assert!(Path::new(&scenario).is_file());
}

/// The network core's frame intake with arbitrary frames: random role sets,
/// identifiers (the DBC's and any other), lengths, payloads and times.
/// `evtwin_scenario::fuzzing::network` checks its invariants (each frame
/// counted once in one class, only finite values to the plant, sent frames of
/// their message's length); a panic here names the input.
#[test]
fn network_frame_intake() {
    let iters: usize = std::env::var("EVTWIN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
        * 50;
    let mut rng = Rng(0x0DDB_A11C_AFE0_0001);
    for i in 0..iters {
        let len = 1 + rng.below(600);
        let input: Vec<u8> = (0..len)
            .map(|_| u8::try_from(rng.below(256)).unwrap_or(0))
            .collect();
        if catch_unwind(AssertUnwindSafe(|| {
            evtwin_scenario::fuzzing::network(&input);
        }))
        .is_err()
        {
            let kept = std::env::temp_dir().join("evtwin-fuzz-network");
            let _ = std::fs::write(&kept, &input);
            panic!("network input {i} panicked (kept in {})", kept.display());
        }
    }
}
