//! The J1939-21 transport (`evtwin_can::j1939::Transport`) against an
//! independent peer: the Linux kernel's own J1939 stack (`can-j1939.ko`) through
//! can-utils' `j1939cat`, on vcan0 in `tools/vcan-vm`, both directions, RTS/CTS
//! and BAM, a 200-byte and a 150-byte message.
//!
//! `harness = false`: with no arguments this binary is the test (it boots the VM
//! and checks the results); `peer recv|send ...` makes it our side of the bus
//! inside the VM (raw SocketCAN, the sans-I/O transport driven in real time).
//! Skips without QEMU (fails with `EVTWIN_REQUIRE_VCAN=1`) or without a
//! `can-j1939.ko` for the VM's kernel.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use evtwin_can::bus::{SocketCanBus, Transport as _};
use evtwin_can::j1939::{TpConfig, TpEvent, Transport};
use tokio::time::Instant;

fn hex(s: &str) -> u32 {
    u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

/// `recv IFACE LOCAL COUNT TIMEOUT_MS` or `send IFACE LOCAL DA PGN FILE TIMEOUT_MS`:
/// prints `RX pgn=.. sa=.. da=.. len=.. hex=..` / `SENT ..` / `ABORTED ..`; exit 0
/// when the messages came or the message went, 1 otherwise.
fn peer(args: &[String]) -> i32 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let send = args[0] == "send";
        let local = hex(&args[2]) as u8;
        let mut bus = SocketCanBus::open(&args[1], false).unwrap();
        let start = Instant::now();
        let now_us = || start.elapsed().as_micros() as u64;
        let mut tp = Transport::new(local, TpConfig::default());
        let (count, timeout_ms) = if send {
            let payload = std::fs::read(&args[5]).unwrap();
            tp.send(hex(&args[4]), hex(&args[3]) as u8, &payload, now_us())
                .unwrap();
            (1, args[6].parse::<u64>().unwrap())
        } else {
            (
                args[3].parse::<usize>().unwrap(),
                args[4].parse::<u64>().unwrap(),
            )
        };
        let end = start + Duration::from_millis(timeout_ms);
        let mut done = 0;
        loop {
            while let Some(f) = tp.poll_transmit() {
                bus.send(&f).await.unwrap();
            }
            while let Some(e) = tp.poll_event() {
                match e {
                    TpEvent::Received { pgn, sa, da, data } => {
                        let h = data.iter().fold(String::new(), |mut h, b| {
                            use std::fmt::Write as _;
                            let _ = write!(h, "{b:02x}");
                            h
                        });
                        println!(
                            "RX pgn={pgn:#x} sa={sa:#x} da={da:#x} len={} hex={h}",
                            data.len()
                        );
                        done += 1;
                    }
                    TpEvent::Sent { pgn, da, len } => {
                        println!("SENT pgn={pgn:#x} da={da:#x} len={len}");
                        done += 1;
                    }
                    TpEvent::Aborted { .. } => {
                        println!("ABORTED {e:?}");
                        return 1;
                    }
                }
            }
            if done >= count {
                // let the last frames (EOMA) leave
                while let Some(f) = tp.poll_transmit() {
                    bus.send(&f).await.unwrap();
                }
                println!("STATS {:?}", tp.stats());
                return 0;
            }
            let wake = tp
                .poll_timeout()
                .map_or(end, |t| (start + Duration::from_micros(t)).min(end));
            if Instant::now() >= end {
                println!("TIMEOUT {:?}", tp.stats());
                return 1;
            }
            match bus.recv_until(wake).await.unwrap() {
                Some(t) => {
                    tp.handle_frame(&t.frame, now_us());
                }
                None => tp.handle_timeout(now_us()),
            }
        }
    })
}

/// The payload of `len` bytes the test sends both ways.
fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// How the VM gets can-j1939: `--module can-j1939` where the harness has it,
/// else the module file from the harness's cache, loaded by the script.
fn j1939_module(harness: &Path) -> Option<Vec<String>> {
    let help = Command::new(harness).arg("--help").output().ok()?;
    if String::from_utf8_lossy(&help.stdout).contains("--module") {
        return Some(vec!["--module".into(), "can-j1939".into()]);
    }
    let cache = std::env::var_os("EVTWIN_VCAN_VM_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/evtwin-vcan-vm"),
        PathBuf::from,
    );
    let ko = std::fs::read_dir(cache.join("pkg"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("modules/can-j1939.ko"))
        .find(|p| p.is_file())?;
    Some(vec![
        "--copy".into(),
        format!("{}:/lib/modules/extra/can-j1939.ko", ko.display()),
        "--env".into(),
        "J1939_KO=/lib/modules/extra/can-j1939.ko".into(),
    ])
}

fn skip(why: &str) {
    assert!(
        std::env::var("EVTWIN_REQUIRE_VCAN").map_or(true, |v| v != "1"),
        "EVTWIN_REQUIRE_VCAN=1 but {why}"
    );
    println!("skipped: {why}");
}

fn rx_line(text: &str) -> (u32, u8, u8, Vec<u8>) {
    let line = text
        .lines()
        .find(|l| l.starts_with("RX "))
        .unwrap_or_else(|| panic!("no RX line in {text:?}"));
    let field = |k: &str| line.split(' ').find_map(|w| w.strip_prefix(k)).unwrap();
    let data = field("hex=");
    let bytes = (0..data.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&data[i..i + 2], 16).unwrap())
        .collect();
    (
        hex(field("pgn=")),
        hex(field("sa=")) as u8,
        hex(field("da=")) as u8,
        bytes,
    )
}

fn host_test() {
    let root = common::root();
    let harness = root.join("tools/vcan-vm");
    let has_qemu = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("qemu-system-x86_64").is_file()));
    if !has_qemu {
        return skip("no qemu-system-x86_64 for tools/vcan-vm");
    }
    let Some(module) = j1939_module(&harness) else {
        return skip("no can-j1939.ko for the VM's kernel in the vcan-vm cache");
    };
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir_all(&inp).unwrap();
    let (rts, bam) = (payload(200, 7), payload(150, 99));
    std::fs::write(inp.join("rts.bin"), &rts).unwrap();
    std::fs::write(inp.join("bam.bin"), &bam).unwrap();
    std::fs::copy(root.join("tests/vcan/j1939.sh"), inp.join("j1939.sh")).unwrap();
    let me = std::env::current_exe().unwrap();
    let o = Command::new(&harness)
        .args(["-q", "--exclusive", "--copy"])
        .arg(format!("{}:/usr/local/bin/j1939peer", me.display()))
        .arg("--copy")
        .arg(format!("{}:/in", inp.display()))
        .args(&module)
        .arg("--out")
        .arg(&out)
        .args([
            "--env",
            "IN=/in",
            "--env",
            "OUT=/out",
            "--env",
            "PEER=/usr/local/bin/j1939peer",
        ])
        .args(["--timeout", "90", "--", "sh", "/in/j1939.sh"])
        .output()
        .unwrap();
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap_or_default();
    assert!(
        o.status.success(),
        "j1939.sh failed ({}):\n{}{}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
        read("all.log")
    );
    assert_eq!(read("errors.txt"), "", "{}", read("all.log"));
    // kernel -> us
    assert_eq!(
        rx_line(&read("rx_rts.txt")),
        (0x12300, 0x90, 0x80, rts.clone()),
        "RTS/CTS from the kernel"
    );
    assert_eq!(
        rx_line(&read("rx_bam.txt")),
        (0x12300, 0x90, 0xFF, bam.clone()),
        "BAM from the kernel"
    );
    // us -> kernel
    assert!(
        read("tx_rts.txt").starts_with("SENT pgn=0x12300 da=0x80 len=200"),
        "{}",
        read("tx_rts.txt")
    );
    assert!(
        read("tx_bam.txt").starts_with("SENT pgn=0x12300 da=0xff len=150"),
        "{}",
        read("tx_bam.txt")
    );
    assert_eq!(
        std::fs::read(out.join("kernel_rts.bin")).unwrap(),
        rts,
        "what j1939cat -r got (RTS/CTS)"
    );
    assert_eq!(
        std::fs::read(out.join("kernel_bam.bin")).unwrap(),
        bam,
        "what j1939cat -r -B got (BAM)"
    );
    // the capture: both directions used TP.CM / TP.DT as J1939-21 says
    let log = read("all.log");
    let cm = |needle: &str| log.lines().filter(|l| l.contains(needle)).count();
    assert!(
        cm("1CEC8090#10C8001DFF002301") >= 1,
        "our RTS (200 bytes, 29 packets):\n{log}"
    );
    // our CTS windows to the kernel's RTS (16 packets, then the last 13) and our EOMA
    assert_eq!(cm("1CEC9080#111001FFFF002301"), 1, "{log}");
    assert_eq!(cm("1CEC9080#110D11FFFF002301"), 1, "{log}");
    assert!(
        cm("1CEC9080#13C8001DFF002301") >= 2,
        "our EOMA, and the kernel's:\n{log}"
    );
    assert!(
        cm("1CECFF90#20960016FF002301") >= 1,
        "a BAM of 150 bytes:\n{log}"
    );
    println!("vcan_j1939: kernel <-> evtwin J1939-21, RTS/CTS and BAM both ways: ok");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "peer") {
        std::process::exit(peer(&args[1..]));
    }
    // cargo test passes harness flags (--nocapture, filters); a filter that
    // does not match this test's name skips it
    if args
        .iter()
        .any(|a| !a.starts_with("--") && !"vcan_j1939".contains(a.as_str()))
    {
        return;
    }
    if args.iter().any(|a| a == "--list") {
        println!("vcan_j1939: test");
        return;
    }
    host_test();
}
