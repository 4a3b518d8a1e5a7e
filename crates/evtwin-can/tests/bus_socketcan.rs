//! SocketCAN: what can be checked without a CAN interface. Opening a name that
//! is no interface must fail cleanly with `BusError::Open` (on this build
//! machine even `socket(AF_CAN)` fails), never panic. Real vcan tests run in
//! the VM (see `examples/vcan_probe.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use evtwin_can::bus::socketcan::Backoff;
use evtwin_can::bus::{BusError, SocketCanBus};

#[test]
fn opening_a_missing_interface_fails_with_open() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // A name that is no interface, and one that is no CAN interface (the
        // kernel refuses to bind a CAN socket to it; here AF_CAN is missing).
        for (name, fd) in [
            ("evtwin-nope0", false),
            ("evtwin-nope0", true),
            ("lo", false),
            ("lo", true),
        ] {
            match SocketCanBus::open(name, fd) {
                Err(BusError::Open { iface, source }) => {
                    assert_eq!(iface, name);
                    eprintln!("open failed as expected: {source}");
                }
                Err(other) => panic!("wrong error: {other}"),
                Ok(_) => panic!("{name} opened as a CAN interface"),
            }
        }
    });
}

#[test]
fn opening_outside_a_runtime_fails_with_open() {
    match SocketCanBus::open("vcan0", false) {
        Err(BusError::Open { source, .. }) => {
            assert!(source.to_string().contains("tokio runtime"), "{source}");
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("opened without a runtime"),
    }
}

#[test]
fn the_default_back_off_is_bounded() {
    let b = Backoff::default();
    assert_eq!(b.max_retries, 12);
    assert!(b.worst_case() < std::time::Duration::from_millis(50));
    assert_eq!(b.delay(b.max_retries), None);
}
