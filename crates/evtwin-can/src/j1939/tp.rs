//! The J1939-21 transport protocol, sans-I/O: frames and time in, frames and
//! events out. One [`Transport`] per local address; it keeps several sessions at
//! once: per peer, one RTS/CTS session in each direction and one BAM it receives,
//! and one BAM it sends.
//!
//! Call order, like quinn-proto: [`Transport::handle_frame`] for every frame
//! received (it returns whether the frame was a TP frame for us),
//! [`Transport::handle_timeout`] when [`Transport::poll_timeout`] says,
//! [`Transport::send`] to start a message, then [`Transport::poll_transmit`] and
//! [`Transport::poll_event`] until `None`.
//!
//! Timing (J1939-21 §5.10.2.4): a receiver aborts after T1 without the next
//! TP.DT, or T2 after its CTS without one; a sender after T3 without a CTS or
//! EOMA after its last TP.DT (or RTS), or T4 after a CTS(0) without the next CTS.
//! A receiver that holds a connection (no buffer free) repeats its CTS(0) every
//! Th. Tr is the response time: this core answers in the same call (0 µs) and
//! sends BAM packets at most Tr apart.

use std::collections::VecDeque;

use super::tp_wire::Cm;
use super::{J1939Id, PGN_TP_CM, PGN_TP_DT};
use crate::frame::Frame;

/// T1: a receiver's wait for the next TP.DT (µs).
pub const T1_US: u64 = 750_000;
/// T2: a receiver's wait for the first TP.DT after its CTS (µs).
pub const T2_US: u64 = 1_250_000;
/// T3: a sender's wait for a CTS or EOMA after its last TP.DT or RTS (µs).
pub const T3_US: u64 = 1_250_000;
/// T4: a sender's wait for the next CTS after a CTS(0) (µs).
pub const T4_US: u64 = 1_050_000;
/// Tr: the response time; also the longest gap between BAM packets (µs).
pub const TR_US: u64 = 200_000;
/// Th: how often a receiver holding a connection repeats its CTS(0) (µs).
pub const TH_US: u64 = 500_000;
/// The shortest gap between BAM packets (µs).
pub const BAM_MIN_GAP_US: u64 = 50_000;
/// The largest TP message (255 packets of 7 bytes).
pub const MAX_SIZE: usize = 1785;

/// Why a connection was aborted (the TP.CM abort's byte 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbortReason {
    /// 1: already in a session and cannot support another.
    AlreadyInSession,
    /// 2: system resources needed for another task.
    ResourcesNeeded,
    /// 3: a timeout occurred.
    Timeout,
    /// 4: CTS received while a data transfer was in progress.
    CtsDuringTransfer,
    /// 5: the retransmit request limit was reached.
    MaxRetransmit,
    /// 6: unexpected data transfer packet.
    UnexpectedDt,
    /// 7: bad sequence number.
    BadSequence,
    /// 8: duplicate sequence number.
    DuplicateSequence,
    /// Any other code.
    Other(u8),
}

impl AbortReason {
    /// The code on the wire.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::AlreadyInSession => 1,
            Self::ResourcesNeeded => 2,
            Self::Timeout => 3,
            Self::CtsDuringTransfer => 4,
            Self::MaxRetransmit => 5,
            Self::UnexpectedDt => 6,
            Self::BadSequence => 7,
            Self::DuplicateSequence => 8,
            Self::Other(c) => c,
        }
    }

    /// From the code on the wire.
    #[must_use]
    pub const fn from_code(code: u8) -> Self {
        match code {
            1 => Self::AlreadyInSession,
            2 => Self::ResourcesNeeded,
            3 => Self::Timeout,
            4 => Self::CtsDuringTransfer,
            5 => Self::MaxRetransmit,
            6 => Self::UnexpectedDt,
            7 => Self::BadSequence,
            8 => Self::DuplicateSequence,
            c => Self::Other(c),
        }
    }
}

/// Which end of a session this node was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TpRole {
    /// It sent the message.
    Sender,
    /// It received the message.
    Receiver,
}

/// What the transport tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TpEvent {
    /// A whole message arrived (RTS/CTS to us, or BAM).
    Received {
        /// Its PGN.
        pgn: u32,
        /// Who sent it.
        sa: u8,
        /// To whom (us, or global for BAM).
        da: u8,
        /// The payload, exactly the announced size.
        data: Vec<u8>,
    },
    /// A message we sent went out whole (EOMA received; BAM: last packet sent).
    Sent {
        /// Its PGN.
        pgn: u32,
        /// To whom.
        da: u8,
        /// Its size in bytes.
        len: usize,
    },
    /// A session ended without its message.
    Aborted {
        /// The message's PGN.
        pgn: u32,
        /// The other node.
        peer: u8,
        /// Our end.
        role: TpRole,
        /// Why.
        reason: AbortReason,
        /// Whether the peer aborted (its TP.CM abort) or we did.
        by_peer: bool,
    },
}

/// Why [`Transport::send`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TpSendError {
    /// The transport protocol carries 9 to 1785 bytes.
    #[error("a TP message has 9 to {MAX_SIZE} bytes, not {0}")]
    Size(usize),
    /// A session with that destination (or a BAM) is still open.
    #[error("a session to {da:#04X} (PGN {pgn:#06X}) is still open")]
    Busy {
        /// The destination.
        da: u8,
        /// The open session's PGN.
        pgn: u32,
    },
}

/// Settings; [`TpConfig::default`] suits GB/T 27930.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpConfig {
    /// Priority of TP.CM / TP.DT frames (J1939 default 7).
    pub priority: u8,
    /// Gap between BAM packets, clamped to 50..=200 ms (µs).
    pub bam_gap_us: u64,
    /// Packets per CTS this receiver grants (1..=255).
    pub cts_window: u8,
    /// Packets per CTS this sender asks for in its RTS (0xFF: no limit).
    pub max_per_cts: u8,
    /// RTS/CTS messages received at once; more are held with CTS(0).
    pub max_rx_sessions: usize,
    /// Retransmit requests per session before aborting.
    pub max_retransmits: u8,
}

impl Default for TpConfig {
    fn default() -> Self {
        Self {
            priority: 7,
            bam_gap_us: BAM_MIN_GAP_US,
            cts_window: 16,
            max_per_cts: 0xFF,
            max_rx_sessions: 4,
            max_retransmits: 2,
        }
    }
}

/// Counts of what the transport saw that it could not use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TpStats {
    /// TP frames too short or with an unknown control byte or bad sizes.
    pub malformed: u64,
    /// TP frames for no open session (a late TP.DT, a CTS for nothing).
    pub unexpected: u64,
    /// Duplicate TP.DT packets ignored.
    pub duplicates: u64,
    /// CTS this node sent to ask for packets again.
    pub retransmit_requests: u64,
    /// Aborts this node sent.
    pub aborts_sent: u64,
}

/// The J1939-21 transport of one local address. See the module doc.
#[derive(Debug)]
pub struct Transport {
    pub(super) local: u8,
    pub(super) cfg: TpConfig,
    pub(super) tx: Vec<super::tp_tx::TxSession>,
    pub(super) rx: Vec<super::tp_rx::RxSession>,
    pub(super) out: VecDeque<Frame>,
    pub(super) events: VecDeque<TpEvent>,
    pub(super) stats: TpStats,
    /// PGNs whose RTS/CTS connections this node aborts ([`Transport::refuse`]).
    pub(super) refused: Vec<u32>,
}

impl Transport {
    /// A transport for local address `local`.
    #[must_use]
    pub fn new(local: u8, mut cfg: TpConfig) -> Self {
        cfg.bam_gap_us = cfg.bam_gap_us.clamp(BAM_MIN_GAP_US, TR_US);
        cfg.cts_window = cfg.cts_window.max(1);
        cfg.max_rx_sessions = cfg.max_rx_sessions.max(1);
        Self {
            local,
            cfg,
            tx: Vec::new(),
            rx: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            stats: TpStats::default(),
            refused: Vec::new(),
        }
    }

    /// Refuses (`on`) or accepts again the RTS/CTS connections of `pgn`
    /// (fault injection, or a node short of resources): as the receiver it
    /// answers the RTS with an abort instead of a CTS; as the sender it
    /// aborts its own connection right after the RTS. Both with reason 2
    /// (resources needed), counted in [`TpStats::aborts_sent`] and reported
    /// as [`TpEvent::Aborted`] (`by_peer: false`). BAM is not affected.
    pub fn refuse(&mut self, pgn: u32, on: bool) {
        self.refused.retain(|p| *p != pgn);
        if on {
            self.refused.push(pgn);
        }
    }

    /// Whether the connections of `pgn` are refused.
    #[must_use]
    pub fn refuses(&self, pgn: u32) -> bool {
        self.refused.contains(&pgn)
    }

    /// Aborts a connection of `pgn` with `peer` at our end, as
    /// [`Self::refuse`] says.
    pub(super) fn refused_abort(&mut self, peer: u8, pgn: u32, role: TpRole) {
        let reason = AbortReason::ResourcesNeeded;
        self.push_cm(peer, Cm::Abort { reason, pgn });
        self.events.push_back(TpEvent::Aborted {
            pgn,
            peer,
            role,
            reason,
            by_peer: false,
        });
    }

    /// Its local address.
    #[must_use]
    pub const fn local(&self) -> u8 {
        self.local
    }

    /// What it counted.
    #[must_use]
    pub const fn stats(&self) -> TpStats {
        self.stats
    }

    /// Open sessions (sending and receiving, held ones included).
    #[must_use]
    pub fn open_sessions(&self) -> usize {
        self.tx.len() + self.rx.len()
    }

    /// Takes a frame off the bus; `true` when it was a TP frame for this node
    /// (to its address, or a BAM), `false` for anything else (left to the caller).
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) -> bool {
        let Some(id) = J1939Id::from_can(frame.id()) else {
            return false;
        };
        if (id.pgn != PGN_TP_CM && id.pgn != PGN_TP_DT)
            || id.sa == self.local
            || (id.da != self.local && id.da != super::GLOBAL)
        {
            return false;
        }
        let global = id.da == super::GLOBAL;
        let d = frame.data();
        if id.pgn == PGN_TP_DT {
            if d.len() < 2 {
                self.stats.malformed += 1;
            } else {
                self.rx_dt(id.sa, global, d[0], &d[1..], now_us);
            }
            return true;
        }
        match Cm::decode(d) {
            Some(Cm::Rts {
                size,
                packets,
                max_per_cts,
                pgn,
            }) if !global => self.rx_rts(id.sa, pgn, size, packets, max_per_cts, now_us),
            Some(Cm::Bam { size, packets, pgn }) if global => {
                self.rx_bam(id.sa, pgn, size, packets, now_us);
            }
            Some(Cm::Cts { count, next, pgn }) if !global => {
                self.tx_cts(id.sa, pgn, count, next, now_us);
            }
            Some(Cm::Eoma { pgn, .. }) if !global => self.tx_eoma(id.sa, pgn),
            Some(Cm::Abort { reason, pgn }) if !global => {
                self.peer_abort(id.sa, pgn, reason, now_us);
            }
            None | Some(_) => self.stats.malformed += 1,
        }
        true
    }

    /// Acts on every deadline at or before `now_us`: timeouts, BAM packets due,
    /// a held connection's CTS(0).
    pub fn handle_timeout(&mut self, now_us: u64) {
        self.tx_timeouts(now_us);
        self.rx_timeouts(now_us);
    }

    /// The next time [`Transport::handle_timeout`] has something to do.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let tx = self.tx.iter().map(super::tp_tx::TxSession::deadline_us);
        let rx = self.rx.iter().map(super::tp_rx::RxSession::deadline_us);
        tx.chain(rx).min()
    }

    /// The next frame to put on the bus.
    pub fn poll_transmit(&mut self) -> Option<Frame> {
        self.out.pop_front()
    }

    /// Whether frames wait for [`Self::poll_transmit`] (a CTS answering an
    /// RTS, the data packets a CTS asked for).
    #[must_use]
    pub fn has_transmit(&self) -> bool {
        !self.out.is_empty()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<TpEvent> {
        self.events.pop_front()
    }

    /// A TP.CM frame from us to `da`.
    pub(super) fn push_cm(&mut self, da: u8, cm: Cm) {
        if matches!(cm, Cm::Abort { .. }) {
            self.stats.aborts_sent += 1;
        }
        let id = J1939Id::new(self.cfg.priority, PGN_TP_CM, self.local, da);
        self.out.push_back(id.frame(&cm.encode()));
    }

    /// A TP.DT frame from us to `da`.
    pub(super) fn push_dt(&mut self, da: u8, bytes: [u8; 8]) {
        let id = J1939Id::new(self.cfg.priority, PGN_TP_DT, self.local, da);
        self.out.push_back(id.frame(&bytes));
    }
}
