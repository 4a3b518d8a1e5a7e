//! Codec throughput: encode and decode every message of a DBC once per
//! iteration; throughput counts the messages' signals (decode yields a value,
//! NaN when absent, for every one). Also the time to load the DBC.
//!
//! `cargo bench -p evtwin-can --bench codec -- --warm-up-time 1 --measurement-time 3`
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use evtwin_can::dbc::{Dbc, Message};

const DBCS: &[(&str, &str)] = &[
    (
        "foxbms",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/dbc/foxbms.dbc"
        ),
    ),
    (
        "evtwin",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/dbc/evtwin.dbc"),
    ),
    (
        "features",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/features.dbc"),
    ),
];

/// Mid-range values, the top-level switch on its first value.
fn inputs(m: &Message) -> Vec<f64> {
    let mut v: Vec<f64> = m
        .signals
        .iter()
        .map(|s| {
            if s.min < s.max {
                f64::midpoint(s.min, s.max)
            } else {
                0.0
            }
        })
        .collect();
    if let (Some(i), Some(&first)) = (m.multiplexor(), m.mux_values().first()) {
        v[i] = first as f64;
    }
    v
}

fn bench(c: &mut Criterion) {
    for &(name, path) in DBCS {
        let text = std::fs::read_to_string(path).unwrap();
        let dbc = Dbc::parse(&text, path).unwrap();
        let signals: usize = dbc.messages().iter().map(|m| m.signals.len()).sum();
        let values: Vec<Vec<f64>> = dbc.messages().iter().map(inputs).collect();
        let mut frames: Vec<[u8; 64]> = vec![[0; 64]; dbc.messages().len()];
        for ((m, v), f) in dbc.messages().iter().zip(&values).zip(&mut frames) {
            m.encode(v, f);
        }
        let mut out: Vec<Vec<f64>> = dbc
            .messages()
            .iter()
            .map(|m| vec![0.0; m.signals.len()])
            .collect();

        let mut group = c.benchmark_group(format!("codec/{name}"));
        group.throughput(Throughput::Elements(signals as u64));
        group.bench_function("encode", |b| {
            b.iter(|| {
                for ((m, v), f) in dbc.messages().iter().zip(&values).zip(&mut frames) {
                    black_box(m.encode(black_box(v), f));
                }
            });
        });
        group.bench_function("decode", |b| {
            b.iter(|| {
                for ((m, f), o) in dbc.messages().iter().zip(&frames).zip(&mut out) {
                    m.decode(black_box(f), o).unwrap();
                }
                black_box(&out);
            });
        });
        group.finish();

        let mut group = c.benchmark_group(format!("load/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("parse", |b| {
            b.iter(|| Dbc::parse(black_box(&text), "bench").unwrap());
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
