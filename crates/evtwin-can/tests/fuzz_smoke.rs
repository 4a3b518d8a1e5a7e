//! A bounded fuzzing smoke run of every parser a bus or a user controls in
//! this crate (issue 13, Proof): the DBC loader and checker with decoding of
//! arbitrary frames, the candump and ASC readers (with a write/read round
//! trip), and the E2E checker. Inputs are seeds from the repository mutated
//! by a seeded generator, so each run is the same; `EVTWIN_FUZZ_ITERS` scales
//! it (default 300 per target). A panic prints the input and leaves it in
//! `$TMPDIR/evtwin-fuzz-<target>.bin` to become a regression test. The
//! coverage-guided targets over the same entry points are in `fuzz/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use evtwin_can::fuzzing;
use evtwin_can::log::LogFormat;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The same mutations every run: xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

/// Bytes the formats give meaning to.
const INTERESTING: &[u8] = b"0123456789abcdefABCDEFxXmM|@+-()[]:;,\"\n #.R_-eE ";

/// One mutant of a seed: 1 to 8 edits (flip, set, delete, duplicate, splice).
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 if at < data.len() => data[at] ^= 1 << rng.below(8),
            1 if at < data.len() => data[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => {
                let end = (at + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len());
                let end = (from + rng.below(80)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => data.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
        }
    }
    data
}

fn iterations() -> usize {
    std::env::var("EVTWIN_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn run(target: &str, seeds: &[Vec<u8>], f: impl Fn(&[u8])) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ target.len() as u64);
    for seed in seeds {
        f(seed);
    }
    for i in 0..iterations() {
        let input = mutate(&mut rng, seeds);
        if catch_unwind(AssertUnwindSafe(|| f(&input))).is_err() {
            let path = std::env::temp_dir().join(format!("evtwin-fuzz-{target}.bin"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "{target}: input {i} panicked (kept in {}):\n{}",
                path.display(),
                String::from_utf8_lossy(&input)
            );
        }
    }
}

fn files(names: &[&str]) -> Vec<Vec<u8>> {
    names
        .iter()
        .map(|n| std::fs::read(format!("{ROOT}/{n}")).expect(n))
        .collect()
}

#[test]
fn dbc_loader_checker_and_codec() {
    let mut seeds = files(&[
        "crates/evtwin-can/tests/data/features.dbc",
        "tests/bad/c9-signals-outside.dbc",
        "tests/bad/dbc-overlap.dbc",
    ]);
    seeds.push(
        b"BO_ 1 M: 8 X\n SG_ S M : 0|4@1+ (1,0) [0|0] \"\" X\n SG_ A m1 : 4|60@0- (0.5,-3) [0|0] \"u\" X\n\
          SG_MUL_VAL_ 1 A S 1-3;\nSIG_VALTYPE_ 1 A : 1;\nBA_ \"GenSigStartValue\" SG_ 1 A 7;\n"
            .to_vec(),
    );
    run("dbc", &seeds, fuzzing::dbc);
}

#[test]
fn candump_reader() {
    let mut seeds = files(&[
        "tests/bad/c10-remote-and-error-frames.log",
        "tests/bad/ok.log",
    ]);
    seeds.push(
        b"(1700000000.123456) can0 12345678##3AABBCCDDEEFF00112233 T\n(1.5) vcan1 7FF#R\n".to_vec(),
    );
    run("candump", &seeds, |d| fuzzing::log(d, LogFormat::Candump));
}

#[test]
fn asc_reader() {
    let mut seeds = files(&["tests/bad/c10-negative-time.asc"]);
    seeds.push(
        b"date Tue Nov 14 22:13:20.000 2023\nbase hex  timestamps relative\n// evtwin channel 2 = vcan1\n\
          Begin Triggerblock Tue Nov 14 22:13:20.000 2023\n   0.001 1  123x Rx d 2 01 02\n\
          \x20  0.003 CANFD   2 Tx 7FF 1 1 9 12 00 01 02 03 04 05 06 07 08 09 0A 0B 0 0 7000 0 0 0 0 0\n\
          \x20  0.004 1  ErrorFrame\nEnd TriggerBlock\n"
            .to_vec(),
    );
    run("asc", &seeds, |d| fuzzing::log(d, LogFormat::Asc));
}

#[test]
fn e2e_checker() {
    let seeds = vec![
        vec![0, 0, 8, 0x34, 0x12, 0, 0, 1, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        vec![
            2, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 8, 0, 0, 0, 0, 0, 0, 0,
        ],
    ];
    run("e2e", &seeds, fuzzing::e2e);
}
