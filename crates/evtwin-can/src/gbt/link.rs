//! What both sides share: the transport, the periodic messages of the present
//! phase, the watched timeouts, the output queues and the reconnect count.

use std::collections::VecDeque;

use super::{GbtEvent, GbtTimeout, Phase, priority};
use crate::frame::Frame;
use crate::j1939::{J1939Id, TpConfig, TpEvent, Transport};

/// A message sent every `period_us`, next at `next_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periodic {
    pub pgn: u32,
    pub period_us: u64,
    pub next_us: u64,
}

/// One side's plumbing.
#[derive(Debug)]
pub struct Link {
    pub local: u8,
    pub peer: u8,
    pub phase: Phase,
    pub tp: Transport,
    out: VecDeque<Frame>,
    pub events: VecDeque<GbtEvent>,
    /// TP messages waiting for the session to the peer to be free.
    tp_queue: VecDeque<(u32, Vec<u8>)>,
    pub periodic: Vec<Periodic>,
    /// Messages the other side must send by a time, else this timeout.
    pub watch: Vec<(GbtTimeout, u64)>,
    pub reconnects: u8,
    pub frames_sent: u64,
    pub frames_received: u64,
    pub malformed: u64,
    /// The time of the last frame or tick, µs: frames queued then are due then.
    pub last_us: u64,
}

impl Link {
    pub fn new(local: u8, peer: u8) -> Self {
        Self {
            local,
            peer,
            phase: Phase::Idle,
            tp: Transport::new(local, TpConfig::default()),
            out: VecDeque::new(),
            events: VecDeque::new(),
            tp_queue: VecDeque::new(),
            periodic: Vec::new(),
            watch: Vec::new(),
            reconnects: 0,
            frames_sent: 0,
            frames_received: 0,
            malformed: 0,
            last_us: 0,
        }
    }

    /// Enters `phase` (an event when it changes).
    pub fn set_phase(&mut self, phase: Phase) {
        if self.phase != phase {
            self.phase = phase;
            self.events.push_back(GbtEvent::Phase(phase));
        }
    }

    /// Sends these messages from now on, each first at `now_us` (a message that
    /// was already scheduled keeps its rhythm); the others stop.
    pub fn schedule(&mut self, now_us: u64, list: &[(u32, u64)]) {
        let old = std::mem::take(&mut self.periodic);
        self.periodic = list
            .iter()
            .map(|&(pgn, period_us)| {
                let next_us = old
                    .iter()
                    .find(|p| p.pgn == pgn && p.period_us == period_us)
                    .map_or(now_us, |p| p.next_us);
                Periodic {
                    pgn,
                    period_us,
                    next_us,
                }
            })
            .collect();
        self.tp_queue
            .retain(|(pgn, _)| list.iter().any(|&(p, _)| p == *pgn));
    }

    /// Expects a message by `at_us`, else `code`.
    pub fn expect(&mut self, code: GbtTimeout, at_us: u64) {
        self.watch.retain(|&(c, _)| c != code);
        self.watch.push((code, at_us));
    }

    /// No longer expects it.
    pub fn got(&mut self, code: GbtTimeout) {
        self.watch.retain(|&(c, _)| c != code);
    }

    /// Puts a message on the way: one frame, or the transport for more than 8
    /// bytes (queued while a session to the peer is open).
    pub fn send(&mut self, pgn: u32, data: Vec<u8>, now_us: u64) {
        if data.len() <= 8 {
            let id = J1939Id::new(priority(pgn), pgn, self.local, self.peer);
            self.out.push_back(id.frame(&data));
        } else if self.tp.open_sessions() == 0 && self.tp_queue.is_empty() {
            self.start_tp(pgn, &data, now_us);
        } else if let Some(q) = self.tp_queue.iter_mut().find(|(p, _)| *p == pgn) {
            q.1 = data; // the freshest values
        } else {
            self.tp_queue.push_back((pgn, data));
        }
    }

    fn start_tp(&mut self, pgn: u32, data: &[u8], now_us: u64) {
        if self.tp.send(pgn, self.peer, data, now_us).is_err() {
            // busy only if a session is open: the queue takes it
            self.tp_queue.push_back((pgn, data.to_vec()));
        }
    }

    /// Messages received over TP (to be handled by the side), and aborts.
    pub fn tp_events(&mut self, now_us: u64) -> Vec<(u32, Vec<u8>)> {
        let mut got = Vec::new();
        while let Some(e) = self.tp.poll_event() {
            match e {
                TpEvent::Received { pgn, sa, data, .. } if sa == self.peer => got.push((pgn, data)),
                TpEvent::Received { .. } | TpEvent::Sent { .. } => {}
                TpEvent::Aborted { pgn, reason, .. } => {
                    self.events
                        .push_back(GbtEvent::TransportAborted { pgn, reason });
                }
            }
        }
        if self.tp.open_sessions() == 0
            && let Some((pgn, data)) = self.tp_queue.pop_front()
        {
            self.start_tp(pgn, &data, now_us);
        }
        got
    }

    /// The periodic messages due at `now_us` (their next times moved on).
    pub fn due(&mut self, now_us: u64) -> Vec<u32> {
        let mut due = Vec::new();
        for p in &mut self.periodic {
            if p.next_us <= now_us {
                due.push(p.pgn);
                p.next_us += p.period_us;
                if p.next_us <= now_us {
                    p.next_us = now_us + p.period_us;
                }
            }
        }
        due
    }

    /// The first watched timeout that has expired at `now_us`.
    pub fn expired(&self, now_us: u64) -> Option<GbtTimeout> {
        self.watch
            .iter()
            .filter(|&&(_, at)| at <= now_us)
            .min_by_key(|&&(_, at)| at)
            .map(|&(c, _)| c)
    }

    /// The earliest of: frames waiting to go (due since the last frame or
    /// tick), a periodic message, a watched timeout, the transport.
    pub fn next_time(&self) -> Option<u64> {
        let waiting = (!self.out.is_empty() || self.tp.has_transmit()).then_some(self.last_us);
        let p = self.periodic.iter().map(|p| p.next_us);
        let w = self.watch.iter().map(|&(_, at)| at);
        waiting
            .into_iter()
            .chain(p)
            .chain(w)
            .chain(self.tp.poll_timeout())
            .min()
    }

    /// The next frame: single frames first, then the transport's.
    pub fn poll_transmit(&mut self) -> Option<Frame> {
        let f = self.out.pop_front().or_else(|| self.tp.poll_transmit());
        self.frames_sent += u64::from(f.is_some());
        f
    }

    /// Stops everything: no periodic message, no timeout, no TP queue.
    pub fn quiet(&mut self) {
        self.periodic.clear();
        self.watch.clear();
        self.tp_queue.clear();
    }

    /// A frame from the bus: `Some((pgn, payload))` when it is a single-frame
    /// message from the peer to us; TP frames go to the transport.
    pub fn intake(&mut self, frame: &Frame, now_us: u64) -> Option<(u32, Vec<u8>)> {
        self.last_us = self.last_us.max(now_us);
        if self.tp.handle_frame(frame, now_us) {
            self.frames_received += 1;
            return None;
        }
        let id = J1939Id::from_can(frame.id())?;
        if id.sa != self.peer || (id.da != self.local && id.da != crate::j1939::GLOBAL) {
            return None;
        }
        self.frames_received += 1;
        Some((id.pgn, frame.data().to_vec()))
    }

    /// A frame from the bus: the messages it completes for the side to
    /// handle, in order (a single-frame message, then any TP payloads).
    pub fn receive(&mut self, frame: &Frame, now_us: u64) -> Vec<(u32, Vec<u8>)> {
        let mut got: Vec<_> = self.intake(frame, now_us).into_iter().collect();
        got.extend(self.tp_events(now_us));
        got
    }

    /// The transport's timeouts at `now_us`: the TP payloads that completes.
    pub fn tick(&mut self, now_us: u64) -> Vec<(u32, Vec<u8>)> {
        self.last_us = self.last_us.max(now_us);
        self.tp.handle_timeout(now_us);
        self.tp_events(now_us)
    }

    /// Frames sent, received, and received but malformed.
    pub const fn counts(&self) -> (u64, u64, u64) {
        (self.frames_sent, self.frames_received, self.malformed)
    }
}
