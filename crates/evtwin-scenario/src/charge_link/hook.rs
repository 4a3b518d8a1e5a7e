//! The hook that runs a charge stop's conversation around every step.

use std::sync::{Arc, Mutex, PoisonError};

use evtwin_can::Frame;
use evtwin_sim::charger::{ChargeLink, Phase};
use evtwin_sim::signals::GroupQuantity;
use evtwin_sim::{Scalar, Signal};

use super::chademo::ChademoLink;
use super::gbt::GbtLink;
use super::plant::PlantView;
use super::{Conversation, LinkRole, LinkSide, Protocol};
use crate::hook::{Hook, Mark, MarkKind, StepInput};

/// A fault in the conversation, driven through the library (tests): from
/// `at_s` of virtual time on (once a conversation is open). To end one, or
/// to start one at a time decided while running, use the hook's
/// [`LinkFaultInbox`] ([`ChargeLinkHook::inbox`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkFault {
    /// When it starts, s of virtual time.
    pub at_s: f64,
    /// What it does.
    pub kind: LinkFaultKind,
}

/// What a [`LinkFault`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkFaultKind {
    /// Every frame this side sends is lost (it stops answering).
    Mute(LinkSide),
    /// Frames with this identifier are lost.
    Drop(u32),
    /// J1939 frames of this PGN are lost, whatever their priority and
    /// addresses (GB/T: a message by its PGN, e.g.
    /// [`evtwin_can::gbt::PGN_BCL`]); for a message sent over the transport
    /// protocol, its connection-management frames (RTS, CTS, EOMA, abort).
    DropPgn(u32),
    /// GB/T: the transport's connections for this PGN (a message of more
    /// than 8 bytes: BRM, BCP, BCS, BMV, BMT) are aborted (reason 2,
    /// resources needed) by the station when the twin plays it, else by the
    /// car right after its RTS; the message never arrives.
    TpAbort(u32),
    /// The car's BMS raises a battery fault (CHAdeMO: high battery
    /// temperature in 0x102 byte 4).
    EvBatteryFault,
    /// The station's power stage fails (CHAdeMO: station malfunction).
    ChargerMalfunction,
    /// The station's insulation monitor finds a fault.
    InsulationFault,
}

impl LinkFaultKind {
    fn describe(self) -> String {
        match self {
            Self::Mute(s) => format!("{} frames lost (it stops answering)", s.as_str()),
            Self::Drop(id) => format!("frames 0x{id:03X} lost"),
            Self::DropPgn(pgn) => match evtwin_can::gbt::name(pgn) {
                "?" => format!("frames of PGN 0x{pgn:04X} lost"),
                name => format!("{name} frames lost"),
            },
            Self::TpAbort(pgn) => format!(
                "transport connections for {} aborted",
                evtwin_can::gbt::name(pgn)
            ),
            Self::EvBatteryFault => "the car's BMS raises a battery fault".to_owned(),
            Self::ChargerMalfunction => "the station's power stage fails".to_owned(),
            Self::InsulationFault => "the insulation monitor finds a fault".to_owned(),
        }
    }
}

/// What a [`ChargeLinkHook`] records for whoever asks (tests, tools): every
/// protocol frame the twin's sides sent (with whether it was delivered) and
/// every protocol event, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkRecord {
    /// (virtual time µs, sender, frame, delivered).
    pub frames: Vec<(u64, LinkSide, Frame, bool)>,
    /// (virtual time µs, side, the event as the state machine names it).
    pub events: Vec<(u64, LinkSide, String)>,
    /// Keep frames (events are always kept).
    pub keep_frames: bool,
}

/// A shared handle through which faults start and end in a
/// [`ChargeLinkHook`] from outside it: the scenario's `[[fault]]`s (the fault
/// hook decides when), a fault panel, a test. Clones share it; the hook
/// applies what it holds at the start of its next step. A kind started
/// twice is in force until it has been ended twice; a fault in force when no
/// conversation is open is applied when the next one opens.
#[derive(Debug, Clone, Default)]
pub struct LinkFaultInbox(Arc<Mutex<Vec<(LinkFaultKind, bool)>>>);

impl LinkFaultInbox {
    /// `fault` starts.
    pub fn start(&self, fault: LinkFaultKind) {
        self.push(fault, true);
    }

    /// `fault` ends (one start of it is undone).
    pub fn end(&self, fault: LinkFaultKind) {
        self.push(fault, false);
    }

    fn push(&self, fault: LinkFaultKind, start: bool) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((fault, start));
    }

    fn take(&self) -> Vec<(LinkFaultKind, bool)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// How a [`ChargeLinkHook`] is built.
#[derive(Debug, Clone, Default)]
pub struct LinkOptions {
    /// Faults to inject, in any order.
    pub faults: Vec<LinkFault>,
    /// Where to record frames and events (none: not recorded).
    pub record: Option<Arc<Mutex<LinkRecord>>>,
}

/// Runs the conversation of every charge leg that names a protocol.
pub struct ChargeLinkHook {
    protocols: Vec<Protocol>,
    opts: LinkOptions,
    fault_next: usize,
    inbox: LinkFaultInbox,
    /// The faults in force and how many times each was started.
    active: Vec<(LinkFaultKind, u32)>,
    conv: Option<(usize, Box<dyn Conversation>)>,
    done_legs: Vec<usize>,
    on_bus: bool,
    outbox: Vec<Frame>,
    outbox_due_us: u64,
    rec: LinkRecord,
    step_us: u64,
    cells_v: Vec<f64>,
    temps_c: Vec<f64>,
    /// The pack's ratings, read once ([`PlantView::rating`]).
    rating: Option<(f64, f64)>,
}

/// Each group's voltage and temperature.
fn read_cells(twin: &evtwin_sim::Twin, cells_v: &mut Vec<f64>, temps_c: &mut Vec<f64>) {
    let groups = twin.config().pack.series;
    cells_v.clear();
    temps_c.clear();
    for g in 0..groups {
        cells_v.push(twin.read(Signal::Group(g, GroupQuantity::VoltageV)));
        temps_c.push(twin.read(Signal::Group(g, GroupQuantity::TempC)));
    }
}

impl ChargeLinkHook {
    /// A hook for `protocols` (one per leg of the route, [`Protocol::None`]
    /// for legs without one).
    #[must_use]
    pub fn new(protocols: Vec<Protocol>, mut opts: LinkOptions) -> Self {
        opts.faults.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        let keep_frames = opts.record.is_some();
        Self {
            protocols,
            opts,
            fault_next: 0,
            inbox: LinkFaultInbox::default(),
            active: Vec::new(),
            conv: None,
            done_legs: Vec::new(),
            on_bus: false,
            outbox: Vec::new(),
            outbox_due_us: 0,
            rec: LinkRecord {
                keep_frames,
                ..LinkRecord::default()
            },
            step_us: 0,
            cells_v: Vec::new(),
            temps_c: Vec::new(),
            rating: None,
        }
    }

    /// The same hook, its faults started and ended through `inbox` (shared
    /// with whoever decides them).
    #[must_use]
    pub fn with_inbox(mut self, inbox: LinkFaultInbox) -> Self {
        self.inbox = inbox;
        self
    }

    /// A handle to start and end faults while it runs.
    #[must_use]
    pub fn inbox(&self) -> LinkFaultInbox {
        self.inbox.clone()
    }

    /// Starts or ends one fault: a kind goes into the conversation when its
    /// first start comes and out when its last end does.
    fn apply(&mut self, fault: LinkFaultKind, start: bool, now_us: u64) {
        let k = self.active.iter().position(|(f, _)| *f == fault);
        let flip = match (k, start) {
            (Some(k), true) => {
                self.active[k].1 += 1;
                false
            }
            (None, true) => {
                self.active.push((fault, 1));
                true
            }
            (Some(k), false) => {
                self.active[k].1 -= 1;
                let last = self.active[k].1 == 0;
                if last {
                    self.active.remove(k);
                }
                last
            }
            // An end without a start: nothing in force to end.
            (None, false) => false,
        };
        if flip && let Some((_, conv)) = self.conv.as_mut() {
            conv.inject(fault, now_us);
        }
    }

    /// The faults in force, into a conversation that just opened.
    fn reapply(&mut self, now_us: u64) {
        if let Some((_, conv)) = self.conv.as_mut() {
            for (fault, _) in &self.active {
                conv.inject(*fault, now_us);
            }
        }
    }

    fn publish(&mut self) {
        if let Some(r) = &self.opts.record {
            let mut shared = r.lock().unwrap_or_else(PoisonError::into_inner);
            shared.frames.append(&mut self.rec.frames);
            shared.events.append(&mut self.rec.events);
        }
        self.rec.frames.clear();
        self.rec.events.clear();
    }

    fn open(&mut self, leg: usize, role: LinkRole, step: &mut StepInput<'_>) {
        let protocol = self.protocols.get(leg).copied().unwrap_or_default();
        let conv: Box<dyn Conversation> = match protocol {
            Protocol::None => return,
            Protocol::Chademo => Box::new(ChademoLink::new(role)),
            Protocol::Gbt27930 => Box::new(GbtLink::new(role)),
        };
        tracing::info!(
            time_s = step.now_us as f64 / 1e6,
            protocol = protocol.as_str(),
            role = role.as_str(),
            "charge protocol session opened"
        );
        step.twin
            .set_charge_link(Some(ChargeLink::new(protocol.as_str(), role.as_str())));
        self.conv = Some((leg, conv));
    }

    fn faults_due(&mut self, step: &mut StepInput<'_>) {
        for (fault, start) in self.inbox.take() {
            self.apply(fault, start, step.now_us);
        }
        if self.conv.is_none() {
            return;
        }
        while let Some(f) = self.opts.faults.get(self.fault_next).copied() {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let at_us = (f.at_s.max(0.0) * 1e6).round() as u64;
            if at_us > step.now_us {
                break;
            }
            self.apply(f.kind, true, step.now_us);
            step.marks.push(Mark {
                time_us: step.now_us,
                name: "charge-link".to_owned(),
                kind: MarkKind::Start,
                text: f.kind.describe(),
            });
            self.fault_next += 1;
        }
    }
}

impl Hook for ChargeLinkHook {
    fn before_step(&mut self, step: &mut StepInput<'_>) {
        self.step_us = step.step_us;
        self.on_bus = step.net.is_some();
        let role = step.net.as_ref().map_or(LinkRole::Both, |n| {
            LinkRole::from_real(n.plan().real.iter().map(String::as_str))
        });
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let leg = step.twin.read(Signal::Scalar(Scalar::LegIndex)).max(0.0) as usize;
        // A conversation whose stop is over (the twin took the link back).
        if let Some((l, _)) = &self.conv
            && (*l != leg || step.twin.charge_link().is_none())
        {
            self.done_legs.push(*l);
            self.conv = None;
        }
        if self.conv.is_none() && !self.done_legs.contains(&leg) {
            self.open(leg, role, step);
            self.reapply(step.now_us);
        }
        self.faults_due(step);
        let Some((_, conv)) = self.conv.as_mut() else {
            return;
        };
        let rating = *self
            .rating
            .get_or_insert_with(|| PlantView::rating(step.twin));
        let plant = PlantView::read(step.twin, step.now_us, rating);
        conv.set_plant(&plant);
        // Cells once a second of virtual time (BMV / BMT go every 10 s).
        if conv.wants_cells() && step.now_us % 1_000_000 < self.step_us.max(1) {
            read_cells(step.twin, &mut self.cells_v, &mut self.temps_c);
            conv.set_cells(&self.cells_v, &self.temps_c);
        }
        // Everything due within this step, as a bus driver would have polled
        // it before the step. Frames the plant's new values made due now go
        // out with the next poll on a bus; without one they are not kept.
        let mut bus = std::mem::take(&mut self.outbox);
        conv.pump(step.now_us + self.step_us - 1, &mut bus, &mut self.rec);
        if self.on_bus {
            self.outbox = bus;
            self.outbox_due_us = step.now_us + self.step_us;
        }
        if let Some(link) = step.twin.charge_link_mut() {
            conv.decide(link, &plant);
            // The last frames go out before the stop ends (the run may end
            // with it).
            if !self.outbox.is_empty() && link.setup == Phase::Done {
                link.setup = Phase::Unplug;
            }
        }
        self.publish();
    }

    fn poll_timeout(&self) -> Option<u64> {
        if !self.on_bus {
            return None;
        }
        if !self.outbox.is_empty() {
            return Some(self.outbox_due_us);
        }
        self.conv.as_ref().and_then(|(_, c)| c.poll_timeout())
    }

    fn poll_transmit(&mut self, now_us: u64, out: &mut Vec<Frame>) {
        out.append(&mut self.outbox);
        if let Some((_, conv)) = self.conv.as_mut() {
            conv.pump(now_us, out, &mut self.rec);
        }
    }

    fn handle_frame(&mut self, frame: &Frame, now_us: u64) -> bool {
        self.conv
            .as_mut()
            .is_some_and(|(_, conv)| conv.handle_frame(frame, now_us, &mut self.rec))
    }
}

/// The hook a scenario's charge legs ask for (none when no leg names a
/// protocol), added by [`crate::Runner::new`]; the scenario's conversation
/// faults reach it through `inbox` (the fault hook holds the other end).
pub(crate) fn from_scenario(
    scenario: &crate::Scenario,
    inbox: &LinkFaultInbox,
) -> Option<Box<dyn Hook>> {
    scenario
        .charge_protocols
        .iter()
        .any(|p| *p != Protocol::None)
        .then(|| {
            Box::new(
                ChargeLinkHook::new(scenario.charge_protocols.clone(), LinkOptions::default())
                    .with_inbox(inbox.clone()),
            ) as Box<dyn Hook>
        })
}
