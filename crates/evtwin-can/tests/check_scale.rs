//! `Dbc::check` in near-linear time with a cap on what it holds (issue 13,
//! class 4), and the same answers as the pairwise definition on small
//! random messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::time::Instant;

use evtwin_can::dbc::Dbc;

#[test]
fn thousands_of_overlapping_signals_are_listed_once_each_and_capped() {
    let mut text = String::from("BO_ 1 Big: 64 X\n");
    for k in 0..4000 {
        let _ = writeln!(text, " SG_ S{k} : 0|8@1+ (1,0) [0|0] \"\" X");
    }
    let dbc = Dbc::parse(&text, "big.dbc").unwrap();
    let start = Instant::now();
    let problems = dbc.check();
    let took = start.elapsed();
    assert_eq!(problems.len(), 1001);
    assert_eq!(
        problems[0].message,
        "message Big: 2999 more signals overlap others (the first 1000 are listed)"
    );
    assert_eq!(problems[1].message, "signal Big.S1 overlaps S0 (line 2)");
    assert!(took.as_secs_f64() < 5.0, "{took:?}");
}

#[test]
fn thirty_thousand_multiplexed_signals_on_the_same_bits_are_fine() {
    let mut text = String::from("BO_ 1 Mux: 64 X\n SG_ Sel M : 0|16@1+ (1,0) [0|0] \"\" X\n");
    for k in 0..30_000 {
        let _ = writeln!(text, " SG_ V{k} m{k} : 16|32@1+ (1,0) [0|0] \"\" X");
    }
    text.push_str(" SG_ Plain : 40|8@1+ (1,0) [0|0] \"\" X\n");
    let dbc = Dbc::parse(&text, "mux.dbc").unwrap();
    let start = Instant::now();
    let problems = dbc.check();
    let took = start.elapsed();
    // Only the plain signal overlaps (the first multiplexed one it meets).
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(shown, ["30003:2: signal Mux.Plain overlaps V0 (line 3)"]);
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
}

/// A small xorshift generator: the same cases every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The pairwise definition: for each signal the first earlier one whose bits
/// it shares and that no common switch keeps apart.
fn brute_force(dbc: &Dbc) -> Vec<String> {
    let mut out = Vec::new();
    for m in dbc.messages() {
        let chain = |mut k: usize| {
            let mut c = Vec::new();
            while let Some(cond) = m.signals[k].mux.condition() {
                c.push(cond.clone());
                k = cond.switch;
                if c.len() > m.signals.len() {
                    break;
                }
            }
            c
        };
        let bits = |k: usize| {
            let s = &m.signals[k];
            let mut data = vec![0u8; m.len_bytes];
            // Mark the field's bits through the codec's own layout.
            let mut on = vec![0.0; m.signals.len()];
            on[k] = if s.signed { -1.0 } else { f64::MAX };
            let only = [k];
            m.encode_only(&on, &only, &mut data);
            data
        };
        for j in 0..m.signals.len() {
            let (cj, bj) = (chain(j), bits(j));
            let first = (0..j).find(|&i| {
                let (ci, bi) = (chain(i), bits(i));
                let clash = bi.iter().zip(&bj).any(|(a, b)| a & b != 0);
                let apart = ci.iter().any(|a| {
                    cj.iter().any(|b| {
                        a.switch == b.switch
                            && !a.ranges.iter().any(|&(lo, hi)| {
                                b.ranges.iter().any(|&(l2, h2)| lo <= h2 && l2 <= hi)
                            })
                    })
                });
                clash && !apart
            });
            if let Some(i) = first {
                out.push(format!(
                    "signal {}.{} overlaps {}",
                    m.name, m.signals[j].name, m.signals[i].name
                ));
            }
        }
    }
    out
}

#[test]
fn the_same_overlaps_as_the_pairwise_definition() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..300 {
        let mut text = String::from("BO_ 1 R: 8 X\n SG_ Top M : 0|2@1+ (1,0) [0|0] \"\" X\n");
        let _ = writeln!(text, " SG_ Sub m1M : 2|2@1+ (1,0) [0|0] \"\" X");
        let mut ext = String::from("SG_MUL_VAL_ 1 Sub Top 1-1;\n");
        let n = 2 + rng.below(10);
        for k in 0..n {
            let start = 4 + rng.below(50);
            let size = 1 + rng.below(10);
            let mark = match rng.below(4) {
                0 => String::new(),
                1 | 2 => format!("m{}", rng.below(3)),
                _ => "m1".to_owned(),
            };
            let _ = writeln!(
                text,
                " SG_ S{k} {mark} : {start}|{size}@1+ (1,0) [0|0] \"\" X"
            );
            if !mark.is_empty() {
                let (switch, lo) = if rng.below(3) == 0 {
                    ("Sub", rng.below(4))
                } else {
                    ("Top", rng.below(4))
                };
                let hi = lo + rng.below(2);
                let _ = writeln!(ext, "SG_MUL_VAL_ 1 S{k} {switch} {lo}-{hi};");
            }
        }
        text.push_str(&ext);
        let dbc = Dbc::parse(&text, "r.dbc").unwrap();
        let fast: Vec<String> = dbc
            .check()
            .into_iter()
            .filter(|p| p.message.contains(" overlaps "))
            .map(|p| p.message[..p.message.find(" (line").unwrap()].to_owned())
            .collect();
        let mut slow = brute_force(&dbc);
        let mut fast_sorted = fast.clone();
        fast_sorted.sort();
        slow.sort();
        assert_eq!(fast_sorted, slow, "case {case}:\n{text}");
    }
}
