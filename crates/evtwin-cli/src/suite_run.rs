//! `evtwin suite`: one scenario's run. Its own `Runner` with the recorder hook;
//! its own in-process bus when it has a `[bus]`; its `tracing` events captured
//! into its report's stderr (the suite's own stderr stays for the suite).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use evtwin_can::bus::{InProcBus, SocketCanBus, Transport};
use evtwin_report::{Recorder, ScenarioMeta, ScenarioReport};
use evtwin_scenario::net::{BridgeSetup, NetFile, bridge, load_network};
use evtwin_scenario::{RunOptions, RunOutput, Runner};
use evtwin_sim::Status;

use crate::suite_plan::{Bus, Planned};

/// The most bytes of events kept per scenario.
const MAX_EVENTS: usize = 64 * 1024;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut v = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let room = MAX_EVENTS.saturating_sub(v.len()).min(buf.len());
        v.extend_from_slice(&buf[..room]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs one planned scenario; `stop` (Ctrl-C) ends it early. Returns its
/// report and the seconds its simulation took.
pub fn run(p: &Planned, stop: &AtomicBool) -> (ScenarioReport, f64) {
    let meta = ScenarioMeta::of(&p.scenario, &p.key, &p.sha256);
    let capture = Capture::default();
    let sub = tracing_subscriber::fmt()
        .with_writer({
            let c = capture.clone();
            move || c.clone()
        })
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .compact()
        .finish();
    let start = Instant::now();
    let result = tracing::subscriber::with_default(sub, || play(p, stop));
    let sim_s = start.elapsed().as_secs_f64();
    let mut stderr = String::new();
    for w in &p.scenario.warnings {
        stderr.push_str("warning: ");
        stderr.push_str(&w.render());
        stderr.push('\n');
    }
    stderr.push_str(&String::from_utf8_lossy(
        &capture.0.lock().unwrap_or_else(PoisonError::into_inner),
    ));
    let report = match result {
        Ok((out, rec)) => {
            let stdout = out.summary.render_text();
            ScenarioReport::from_run(meta, &out, Some(rec), stdout, stderr)
        }
        Err(e) => {
            let mut r = ScenarioReport::error(meta, &e, sim_s);
            r.stderr = stderr;
            r
        }
    };
    (report, sim_s)
}

fn play(p: &Planned, stop: &AtomicBool) -> Result<(RunOutput, evtwin_report::Recording), String> {
    let (recorder, handle) = Recorder::new();
    let mut runner = Runner::new(&p.scenario, &RunOptions::default(), None::<std::io::Sink>)
        .map_err(|e| e.to_string())?;
    runner.add_hook(Box::new(recorder));
    let out = match &p.bus {
        Bus::None => {
            let mut interrupted = false;
            while runner.step().map_err(|e| e.to_string())? == Status::Running {
                if runner.twin().steps() % 1000 == 0 && stop.load(Ordering::Relaxed) {
                    interrupted = true;
                    break;
                }
            }
            runner.finish(interrupted).map_err(|e| e.to_string())?
        }
        Bus::InProc => on_bus(p, runner, None, stop)?,
        Bus::Exclusive { iface, time } => on_bus(p, runner, Some((iface, time.speed())), stop)?,
    };
    Ok((out, handle.take()))
}

fn on_bus(
    p: &Planned,
    runner: Runner<std::io::Sink>,
    iface: Option<(&String, Option<f64>)>,
    stop: &AtomicBool,
) -> Result<RunOutput, String> {
    let b = &p.scenario.bus;
    let net = load_network(
        &p.scenario,
        net_file(b.dbc.as_deref()),
        net_file(b.mapping.as_deref()),
        &b.real,
    )
    .map_err(|e| e.render())?;
    let fd = net.dbc().messages().iter().any(|m| m.fd);
    let runner = runner.with_network(net);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let hub = InProcBus::new();
    rt.block_on(async {
        match iface {
            Some((iface, speed)) if iface != "inproc" => {
                let mut bus = SocketCanBus::open(iface, fd).map_err(|e| e.to_string())?;
                go(runner, &mut bus, speed, None, stop).await
            }
            other => {
                let mut bus = hub.endpoint("evtwin");
                go(
                    runner,
                    &mut bus,
                    other.and_then(|(_, s)| s),
                    Some(&hub),
                    stop,
                )
                .await
            }
        }
    })
}

fn net_file(p: Option<&std::path::Path>) -> NetFile<'_> {
    p.map_or(NetFile::Builtin, NetFile::Path)
}

async fn go<T: Transport>(
    runner: Runner<std::io::Sink>,
    bus: &mut T,
    speed: Option<f64>,
    hub: Option<&InProcBus>,
    stop: &AtomicBool,
) -> Result<RunOutput, String> {
    let setup = BridgeSetup {
        speed,
        log: None,
        hub,
        stop,
    };
    Box::pin(bridge(runner, bus, setup))
        .await
        .map(|(out, _)| out)
        .map_err(|e| e.to_string())
}
