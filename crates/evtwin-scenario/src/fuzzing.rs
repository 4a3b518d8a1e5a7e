//! Entry points for fuzzing what a bus controls, shared by the bounded smoke
//! run (`tests/fuzz_smoke.rs`) and the coverage-guided targets in `fuzz/`:
//! the network core's frame intake, deadlines and transmit schedule, driven by
//! arbitrary bytes. Each entry point panics only on a broken invariant.

// A fuzzing entry point reports a broken invariant by panicking.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::OnceLock;

use evtwin_can::{CanId, Frame};
use evtwin_sim::Signal;

use crate::net::{InputChange, NetFile, NetStats, Network, Values, load_network};
use crate::{Scenario, Source, from_source};

fn scenario() -> &'static Scenario {
    static S: OnceLock<Scenario> = OnceLock::new();
    S.get_or_init(|| {
        let src = Source {
            name: "fuzz.toml".into(),
            text: "[scenario]\nname = \"fuzz\"\n[vehicle]\npreset = \"model3-rwd-2022\"\n\
                   [[route]]\nidle = { duration_s = 1 }\n"
                .into(),
        };
        // The built-in scenario always loads; a failure here is a bug.
        from_source(&src, Path::new(".")).expect("the fuzzing scenario loads")
    })
}

/// Loads what [`network`] needs once (call it before a fuzzer's loop, so that
/// a forking fuzzer does it before the fork, not in every child).
pub fn prepare() {
    let _ = networks();
}

/// The shipped network for each set of real nodes (bits: BMS, VCU, CHARGER):
/// loading it costs milliseconds, so once per set.
fn networks() -> &'static [Network] {
    static NETS: OnceLock<Vec<Network>> = OnceLock::new();
    NETS.get_or_init(|| {
        (0..8_u8)
            .map(|roles| {
                let real: Vec<String> = [(1, "BMS"), (2, "VCU"), (4, "CHARGER")]
                    .iter()
                    .filter(|(bit, _)| roles & bit != 0)
                    .map(|(_, n)| (*n).to_owned())
                    .collect();
                load_network(scenario(), NetFile::Builtin, NetFile::Builtin, &real)
                    .expect("the shipped network loads")
            })
            .collect()
    })
}

/// Values the twin would give: one number for every signal, from the input.
struct Fixed(f64);

impl Values for Fixed {
    fn value(&self, _signal: Signal) -> f64 {
        self.0
    }
}

/// Reads bytes off the front of the input.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
}

/// Every received frame is counted exactly once, in one class.
fn check_counts(s: &NetStats) {
    let classes = s.rx_used
        + s.unknown_id
        + s.wrong_length
        + s.bad_crc
        + s.bad_counter
        + s.unexpected
        + s.unplayed
        + s.out_of_range
        + s.while_invalid;
    assert_eq!(s.rx_frames, classes, "frames counted once each: {s:?}");
}

/// The shipped network with the real nodes the first byte picks (bits: BMS,
/// VCU, CHARGER), fed frames, deadlines and transmit calls from the rest:
/// per frame a time step, an identifier (one of the DBC's, or any standard or
/// extended one), a length (classic or FD) and a payload. Checks that every
/// frame is counted once, that only finite values reach the plant, and that
/// every frame sent has its message's length.
pub fn network(data: &[u8]) {
    let mut input = Input(data);
    let Some(roles) = input.byte() else { return };
    let mut net = networks()[usize::from(roles & 7)].clone();
    let values = Fixed(f64::from(roles) * 0.37 - 20.0);
    let ids: Vec<CanId> = net.dbc().messages().iter().map(|m| m.id).collect();
    let (mut now_us, mut out) = (0_u64, Vec::new());
    while let (Some(dt), Some(sel), Some(lo), Some(len)) =
        (input.byte(), input.byte(), input.byte(), input.byte())
    {
        now_us += u64::from(dt) * 997;
        let raw = u32::from(sel & 0x1F) << 8 | u32::from(lo);
        let id = match sel >> 5 {
            0..=3 => ids.get(usize::from(lo) % ids.len().max(1)).copied(),
            4 | 5 => CanId::standard(raw & 0x7FF),
            _ => CanId::extended(raw << 13 | u32::from(dt)),
        };
        let fd = len & 0x80 != 0;
        let payload = input.take(usize::from(len & 0x7F).min(64));
        let frame = id.and_then(|id| {
            if fd {
                Frame::fd(id, payload, len & 0x40 != 0).ok()
            } else {
                Frame::classic(id, payload).ok()
            }
        });
        net.handle_timeout(now_us);
        if let Some(f) = frame {
            net.handle_frame(&f, now_us);
        }
        while let Some(change) = net.poll_input() {
            if let InputChange::Set { value, .. } = change {
                assert!(value.is_finite(), "a non-finite value reached the plant");
            }
        }
        while net.poll_event().is_some() {}
        if net.next_due_us().is_some_and(|due| due <= now_us) {
            out.clear();
            net.poll_transmit(now_us, &values, &mut out);
            for f in &out {
                let (_, m) = net
                    .dbc()
                    .message_by_id(f.id())
                    .expect("the twin sends only the DBC's messages");
                assert!(f.len() >= m.len_bytes, "{f:?} shorter than its message");
            }
        }
        check_counts(net.stats());
    }
    net.finish(now_us);
    while net.poll_event().is_some() {}
    check_counts(net.stats());
}
