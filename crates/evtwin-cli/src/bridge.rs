//! `evtwin bridge`: the twin on a CAN bus, playing every simulated node of the
//! network and consuming the real ones' frames.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use evtwin_can::bus::{InProcBus, SocketCanBus, Transport};
use evtwin_can::log::{LogFormat, LogWriter};
use evtwin_scenario::net::{
    BridgeReport, BridgeSetup, NetFile, Network, Role, bridge, load_network,
};
use evtwin_scenario::{RunOptions, RunOutput, Runner, TimeMode, resolve_time};

use crate::{EXIT_BAD_INPUT, Reported, create, exit_code, load};

/// What `evtwin bridge` was asked to do.
#[derive(Debug, clap::Args)]
pub struct BridgeArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// CAN interface (`vcan0`, `can0`), or `inproc` for the built-in in-process bus
    /// (default: the scenario's `[bus] interface`, else `inproc`).
    #[arg(long)]
    iface: Option<String>,
    /// Nodes played by real ECUs on the bus, e.g. `VCU,CHARGER` (default: the
    /// scenario's `[bus] real`). Options given here replace the scenario's.
    #[arg(long, value_delimiter = ',', value_name = "NODE,...")]
    real: Vec<String>,
    /// DBC of the network (default: the shipped assets/dbc/evtwin.dbc).
    #[arg(long, value_name = "FILE.dbc")]
    dbc: Option<PathBuf>,
    /// Signal mapping (default: the shipped assets/dbc/evtwin.map.toml).
    #[arg(long, value_name = "FILE.toml")]
    map: Option<PathBuf>,
    /// Log every frame sent and received: `.log` candump -L, `.asc` Vector ASC.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Speed: 1 is real time, N runs N times faster (only without real ECUs).
    /// Default: real time on a CAN interface, virtual time (as fast as possible)
    /// on the in-process bus.
    #[arg(long, value_name = "N")]
    speed: Option<f64>,
    /// Open the interface for CAN FD frames (implied when the DBC has FD messages).
    #[arg(long)]
    fd: bool,
    /// Write the CSV trace here.
    #[arg(long, value_name = "FILE.csv")]
    trace: Option<PathBuf>,
    /// Also write the JSON summary (with the network counters) to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    /// The summary, with the expectations' results when there are some.
    #[serde(flatten)]
    summary: crate::verdicts::Report<'a>,
    network: &'a BridgeReport,
}

/// For users without a CAN interface at hand.
const HINT: &str = " (a virtual bus to try it on: `sudo ip link add dev vcan0 type vcan && sudo ip link set up vcan0`)";

fn net_file(p: Option<&Path>) -> NetFile<'_> {
    p.map_or(NetFile::Builtin, NetFile::Path)
}

/// Runs `evtwin bridge`.
pub fn run(args: &BridgeArgs) -> Result<u8> {
    let scenario = match load(&args.scenario) {
        Ok(s) => s,
        Err(Reported(code)) => return Ok(code),
    };
    let bus = &scenario.bus;
    let iface = args
        .iface
        .clone()
        .or_else(|| bus.interface.clone())
        .unwrap_or_else(|| "inproc".into());
    let real = if args.real.is_empty() {
        bus.real.clone()
    } else {
        args.real.clone()
    };
    let dbc = args.dbc.as_deref().or(bus.dbc.as_deref());
    let map = args.map.as_deref().or(bus.mapping.as_deref());
    let net = load_network(&scenario, net_file(dbc), net_file(map), &real);
    let net = match net {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}", e.render());
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let inproc = iface == "inproc";
    let time = match resolve_time(args.speed, bus, Some(&iface), &real) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let mut log = match &args.log {
        Some(p) => {
            let Some(format) = LogFormat::from_path(p) else {
                eprintln!("error: --log {}: {}", p.display(), LogFormat::CHOICES);
                return Ok(EXIT_BAD_INPUT);
            };
            let iface = if inproc { "vcan0" } else { &iface };
            Some(
                LogWriter::create(p, format, iface)
                    .with_context(|| format!("creating {}", p.display()))?,
            )
        }
        None => None,
    };
    let interrupt = crate::interrupt::Interrupt::install();
    describe(&net, &iface, time);
    let fd = args.fd || net.dbc().messages().iter().any(|m| m.fd);
    let trace_out = args.trace.as_deref().map(create).transpose()?;
    let runner = Runner::new(&scenario, &RunOptions::default(), trace_out)
        .with_context(|| format!("running {}", args.scenario.display()))?
        .with_network(net);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let hub = InProcBus::new();
    let setup = BridgeSetup {
        speed: time.speed(),
        log: log.as_mut(),
        hub: inproc.then_some(&hub),
        stop: &interrupt.stop,
    };
    let (out, report) = rt.block_on(async {
        if inproc {
            let mut bus = hub.endpoint("evtwin");
            Box::pin(go(runner, &mut bus, setup)).await
        } else {
            let mut bus =
                SocketCanBus::open(&iface, fd).map_err(|e| anyhow::anyhow!("{e}{HINT}"))?;
            Box::pin(go(runner, &mut bus, setup)).await
        }
    })?;
    // The ASC footer and the last buffered frames: a log that cannot be
    // completed fails the run like one that could not be written.
    if let Some(l) = log {
        l.finish()
            .map_err(|e| anyhow::anyhow!("writing the frame log: {e}"))?;
    }
    print(args, &iface, &out, &report)?;
    Ok(crate::verdicts::exit_code(
        exit_code(&out.summary, &interrupt),
        &out.verdicts,
    ))
}

async fn go<T: Transport, W: Write>(
    runner: Runner<W>,
    bus: &mut T,
    setup: BridgeSetup<'_>,
) -> Result<(RunOutput, BridgeReport)> {
    bridge(runner, bus, setup)
        .await
        .context("running the bridge")
}

fn describe(net: &Network, iface: &str, time: TimeMode) {
    let plan = net.plan();
    let count = |r: Role| plan.messages.iter().filter(|m| m.role == r).count();
    let real: Vec<&str> = plan.real.iter().map(String::as_str).collect();
    let time = time.describe();
    tracing::info!(
        "{} on {iface}, {time}: {} messages sent by the twin, {} consumed from real {}",
        net.dbc().origin(),
        count(Role::Simulated),
        count(Role::Real),
        if real.is_empty() {
            "nodes (none)".to_owned()
        } else {
            real.join(", ")
        }
    );
}

fn print(args: &BridgeArgs, iface: &str, out: &RunOutput, r: &BridgeReport) -> Result<()> {
    let summary = &out.summary;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(
            &mut stdout,
            &Report {
                summary: crate::verdicts::Report::new(summary, &out.verdicts)?,
                network: r,
            },
        )?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", summary.render_text())?;
        let n = &r.net;
        writeln!(
            stdout,
            "  bus          {}: sent {} frames, received {} ({} used, {} the charging protocol's); {} values clamped",
            iface,
            n.tx_frames - r.send_errors.min(n.tx_frames),
            n.rx_frames,
            n.rx_used,
            n.rx_protocol,
            n.clamped
        )?;
        print_link(&mut stdout, iface, r)?;
        writeln!(
            stdout,
            "  rejected     unknown id {}, wrong length {}, bad CRC {}, bad counter {}, out of range {}, from a simulated node {}; timeouts {}",
            n.unknown_id,
            n.wrong_length,
            n.bad_crc,
            n.bad_counter,
            n.out_of_range,
            n.unexpected,
            n.timeouts
        )?;
        if n.invalid > 0 {
            writeln!(
                stdout,
                "  invalid      {} times a real node's message failed too many checks; {} good frames unused meanwhile",
                n.invalid, n.while_invalid
            )?;
        }
        for (signal, count) in &r.clamped {
            writeln!(
                stdout,
                "  clamped      {signal}: {count} values outside its DBC range"
            )?;
        }
        if let Some(l) = &r.lateness_us {
            writeln!(
                stdout,
                "  timing       send error p50 {} µs, p99 {} µs, max {} µs over {} frames",
                l.p50, l.p99, l.max, l.frames
            )?;
        }
        print_controller(&mut stdout, iface, r)?;
        let b = &r.bus;
        if b.error_frames + b.bus_off + b.error_passive + b.tx_dropped + b.tx_enobufs_retries > 0 {
            writeln!(
                stdout,
                "  controller   error frames {}, error-passive {}, bus-off {}, ENOBUFS retries {}, dropped {}",
                b.error_frames, b.error_passive, b.bus_off, b.tx_enobufs_retries, b.tx_dropped
            )?;
        }
        if let Some(p) = &args.log {
            writeln!(stdout, "  frame log    {}", p.display())?;
        }
        if let (Some(path), Some(info)) = (&args.trace, &out.trace) {
            crate::trace_line(&mut stdout, path, info)?;
        }
        crate::verdicts::render(&mut stdout, &out.verdicts)?;
    }
    if let Some(path) = &args.report {
        let mut f = create(path)?;
        serde_json::to_writer_pretty(
            &mut f,
            &Report {
                summary: crate::verdicts::Report::new(summary, &out.verdicts)?,
                network: r,
            },
        )?;
        writeln!(f)?;
        f.flush()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The link's spells down and other send failures, when there were any.
fn print_link(stdout: &mut impl Write, iface: &str, r: &BridgeReport) -> Result<()> {
    let l = &r.link;
    if l.down_spells > 0 {
        writeln!(
            stdout,
            "  link         {iface} went down {} time(s), {:.2} s in all: {} frames not sent",
            l.down_spells, l.down_s, l.not_sent_down
        )?;
    }
    if l.not_sent_other > 0 {
        writeln!(
            stdout,
            "  not sent     {} frames failed to send (see the log)",
            l.not_sent_other
        )?;
    }
    Ok(())
}

/// The controller's state and error counters (netlink), where it has one.
fn print_controller(stdout: &mut impl Write, iface: &str, r: &BridgeReport) -> Result<()> {
    if let Some(c) = &r.controller {
        let rate = c
            .bitrate
            .map_or_else(String::new, |b| format!(" at {} kbit/s", b / 1000));
        let count = |v: Option<u16>| v.map_or_else(|| "?".to_owned(), |n| n.to_string());
        writeln!(
            stdout,
            "  controller   {iface}{rate}: {} at the end, worst {}; error counters up to tx {} rx {} (netlink, {} queries)",
            c.state_end,
            c.state_worst,
            count(c.tx_errors_max),
            count(c.rx_errors_max),
            c.polls
        )?;
    }
    Ok(())
}
