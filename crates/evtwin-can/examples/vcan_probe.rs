//! Probe a SocketCAN interface: send N frames 0x123 carrying a counter, then
//! print every frame received for T ms in candump `-L` form, then the stats.
//!
//! ```text
//! cargo run -p evtwin-can --example vcan_probe -- vcan0 [N=10] [T_MS=500] [--fd]
//! ```
//! Run `candump -L vcan0` (or `cangen vcan0`) beside it to see both directions.

use std::time::Duration;

use evtwin_can::bus::{SocketCanBus, Transport};
use evtwin_can::{CanId, Frame, Timestamped};

fn candump_line(iface: &str, t: &Timestamped) -> String {
    use std::fmt::Write as _;
    let mut data = String::new();
    for b in t.frame.data() {
        let _ = write!(data, "{b:02X}");
    }
    let sep = if t.frame.is_fd() {
        format!("##{:X}", u8::from(t.frame.brs()))
    } else {
        "#".to_owned()
    };
    format!(
        "({}.{:06}) {iface} {}{sep}{data}",
        t.time_us / 1_000_000,
        t.time_us % 1_000_000,
        t.frame.id()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fd = args.iter().any(|a| a == "--fd");
    let mut pos = args.iter().filter(|a| !a.starts_with("--"));
    let iface = pos.next().map_or("vcan0", String::as_str).to_owned();
    let n: u32 = pos.next().map_or(Ok(10), |s| s.parse())?;
    let t_ms: u64 = pos.next().map_or(Ok(500), |s| s.parse())?;

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut bus = SocketCanBus::open(&iface, fd)?;
        println!(
            "# opened {iface} ({}), controller {:?}",
            if bus.is_fd() { "CAN FD" } else { "classic" },
            bus.controller_state()
        );
        let id = CanId::Standard(0x123);
        for i in 0..n {
            let c = i.to_le_bytes();
            let frame = if fd {
                Frame::fd(id, &[c[0], c[1], c[2], c[3], 0, 0, 0, 0, 0, 0, 0, 0], true)?
            } else {
                Frame::classic(id, &c)?
            };
            bus.send(&frame).await?;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(t_ms);
        while let Some(t) = bus.recv_until(deadline).await? {
            println!("{}", candump_line(&iface, &t));
        }
        for e in bus.drain_events() {
            println!("# event {e:?}");
        }
        println!("# link state {:?}", bus.poll_link_state());
        println!("# stats {:?}", bus.stats());
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
