//! The receiving end: RTS/CTS sessions (with CTS windows, retransmit requests
//! and holds) and BAM sessions.

use super::tp::{AbortReason, MAX_SIZE, T1_US, T2_US, TH_US, TpEvent, TpRole, Transport};
use super::tp_wire::{Cm, packets_for};

/// Where a receiving session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RxState {
    /// Waiting for TP.DT until `deadline_us` (T2 after a CTS, T1 after a packet).
    Data { deadline_us: u64 },
    /// Held with CTS(0) (no buffer free); the next CTS(0) is due at `next_cts_us`.
    Held { next_cts_us: u64 },
}

/// One message being received.
#[derive(Debug, Clone)]
pub(super) struct RxSession {
    pgn: u32,
    sa: u8,
    bam: bool,
    size: usize,
    packets: u8,
    max_per_cts: u8,
    data: Vec<u8>,
    got: Vec<bool>,
    /// First and last packet of the window granted by the last CTS (BAM: the
    /// next packet expected, and the last).
    window: (u8, u8),
    retransmits: u8,
    state: RxState,
}

impl RxSession {
    pub(super) const fn deadline_us(&self) -> u64 {
        match self.state {
            RxState::Data { deadline_us } => deadline_us,
            RxState::Held { next_cts_us } => next_cts_us,
        }
    }

    fn new(sa: u8, pgn: u32, size: usize, packets: u8, bam: bool, max_per_cts: u8) -> Self {
        Self {
            pgn,
            sa,
            bam,
            size,
            packets,
            max_per_cts,
            data: vec![0xFF; usize::from(packets) * 7],
            got: vec![false; usize::from(packets) + 1],
            window: (1, packets),
            retransmits: 0,
            state: RxState::Data { deadline_us: 0 },
        }
    }

    fn first_missing(&self, from: u8, to: u8) -> Option<u8> {
        (from..=to).find(|&s| !self.got[usize::from(s)])
    }
}

/// Whether an announced size and packet count make sense.
fn valid(size: u16, packets: u8) -> bool {
    let size = usize::from(size);
    size > 8 && size <= MAX_SIZE && packets_for(size) == usize::from(packets)
}

impl Transport {
    pub(super) fn rx_index(&self, sa: u8, bam: bool, pgn: Option<u32>) -> Option<usize> {
        self.rx
            .iter()
            .position(|s| s.sa == sa && s.bam == bam && pgn.is_none_or(|p| p == s.pgn))
    }

    fn active_rx(&self) -> usize {
        self.rx
            .iter()
            .filter(|s| !s.bam && matches!(s.state, RxState::Data { .. }))
            .count()
    }

    /// An RTS from `sa`: a new session (a newer RTS from the same node replaces
    /// an open one), answered with a CTS, or held with CTS(0) when full.
    pub(super) fn rx_rts(
        &mut self,
        sa: u8,
        pgn: u32,
        size: u16,
        packets: u8,
        max_per_cts: u8,
        now_us: u64,
    ) {
        if !valid(size, packets) {
            self.stats.malformed += 1;
            self.push_cm(
                sa,
                Cm::Abort {
                    reason: AbortReason::ResourcesNeeded,
                    pgn,
                },
            );
            return;
        }
        if self.refuses(pgn) {
            self.refused_abort(sa, pgn, TpRole::Receiver);
            return;
        }
        if let Some(i) = self.rx_index(sa, false, None) {
            let old = self.rx.remove(i);
            self.events.push_back(TpEvent::Aborted {
                pgn: old.pgn,
                peer: sa,
                role: TpRole::Receiver,
                reason: AbortReason::AlreadyInSession,
                by_peer: false,
            });
        }
        let s = RxSession::new(sa, pgn, usize::from(size), packets, false, max_per_cts);
        if self.active_rx() >= self.cfg.max_rx_sessions {
            self.push_cm(
                sa,
                Cm::Cts {
                    count: 0,
                    next: 1,
                    pgn,
                },
            );
            self.rx.push(RxSession {
                state: RxState::Held {
                    next_cts_us: now_us + TH_US,
                },
                ..s
            });
        } else {
            self.rx.push(s);
            let i = self.rx.len() - 1;
            self.grant(i, 1, u8::MAX, now_us);
        }
    }

    /// A BAM from `sa`: a new session (replacing an open BAM from it).
    pub(super) fn rx_bam(&mut self, sa: u8, pgn: u32, size: u16, packets: u8, now_us: u64) {
        if !valid(size, packets) {
            self.stats.malformed += 1;
            return;
        }
        if let Some(i) = self.rx_index(sa, true, None) {
            let old = self.rx.remove(i);
            self.events.push_back(TpEvent::Aborted {
                pgn: old.pgn,
                peer: sa,
                role: TpRole::Receiver,
                reason: AbortReason::AlreadyInSession,
                by_peer: false,
            });
        }
        let mut s = RxSession::new(sa, pgn, usize::from(size), packets, true, 0xFF);
        s.state = RxState::Data {
            deadline_us: now_us + T1_US,
        };
        self.rx.push(s);
    }

    /// Sends session `i` a CTS for packets from `next` (the configured window,
    /// the sender's limit, what is left up to packet `upto`), and starts T2.
    fn grant(&mut self, i: usize, next: u8, upto: u8, now_us: u64) {
        let s = &self.rx[i];
        let left = upto.min(s.packets) - next + 1;
        let count = self.cfg.cts_window.min(s.max_per_cts).min(left).max(1);
        let (sa, pgn) = (s.sa, s.pgn);
        self.rx[i].window = (next, next + count - 1);
        self.rx[i].state = RxState::Data {
            deadline_us: now_us + T2_US,
        };
        self.push_cm(sa, Cm::Cts { count, next, pgn });
    }

    /// Gives a CTS to the oldest held session when a buffer is free.
    pub(super) fn promote_held(&mut self, now_us: u64) {
        if self.active_rx() >= self.cfg.max_rx_sessions {
            return;
        }
        if let Some(i) = self
            .rx
            .iter()
            .position(|s| matches!(s.state, RxState::Held { .. }))
        {
            self.grant(i, 1, u8::MAX, now_us);
        }
    }

    /// Ends session `i` with an abort of ours (an abort frame unless BAM).
    fn rx_abort(&mut self, i: usize, reason: AbortReason, now_us: u64) {
        let s = self.rx.remove(i);
        if !s.bam {
            self.push_cm(s.sa, Cm::Abort { reason, pgn: s.pgn });
        }
        self.events.push_back(TpEvent::Aborted {
            pgn: s.pgn,
            peer: s.sa,
            role: TpRole::Receiver,
            reason,
            by_peer: false,
        });
        self.promote_held(now_us);
    }

    /// A TP.DT packet.
    pub(super) fn rx_dt(&mut self, sa: u8, bam: bool, seq: u8, bytes: &[u8], now_us: u64) {
        let Some(i) = self.rx_index(sa, bam, None) else {
            self.stats.unexpected += 1;
            return;
        };
        let s = &mut self.rx[i];
        if matches!(s.state, RxState::Held { .. }) {
            self.stats.unexpected += 1;
            return;
        }
        if bam && seq != s.window.0 {
            self.rx_abort(i, AbortReason::BadSequence, now_us);
            return;
        }
        let (first, last) = s.window;
        if seq < first || seq > last {
            self.stats.duplicates += u64::from(seq < first && seq >= 1);
            self.stats.unexpected += u64::from(seq == 0 || seq > last);
            return;
        }
        if s.got[usize::from(seq)] {
            self.stats.duplicates += 1;
        } else {
            let at = (usize::from(seq) - 1) * 7;
            let n = bytes.len().min(7);
            s.data[at..at + n].copy_from_slice(&bytes[..n]);
            s.got[usize::from(seq)] = true;
        }
        s.state = RxState::Data {
            deadline_us: now_us + T1_US,
        };
        if bam {
            s.window.0 = seq.saturating_add(1);
            if seq == s.packets {
                self.rx_done(i, now_us);
            }
            return;
        }
        if seq == last || s.first_missing(first, last).is_none() {
            self.end_window(i, now_us);
        }
    }

    /// The window's last packet came: ask again for what is missing, grant the
    /// next window, or acknowledge the message.
    fn end_window(&mut self, i: usize, now_us: u64) {
        let s = &self.rx[i];
        let (first, last) = s.window;
        if let Some(missing) = s.first_missing(first, last) {
            if s.retransmits >= self.cfg.max_retransmits {
                self.rx_abort(i, AbortReason::MaxRetransmit, now_us);
                return;
            }
            self.rx[i].retransmits += 1;
            self.stats.retransmit_requests += 1;
            // a retransmit request never reaches past the window it repairs
            self.grant(i, missing, last, now_us);
            return;
        }
        if last >= s.packets {
            let (sa, pgn, size, packets) = (s.sa, s.pgn, s.size, s.packets);
            #[allow(clippy::cast_possible_truncation)] // at most 1785
            self.push_cm(
                sa,
                Cm::Eoma {
                    size: size as u16,
                    packets,
                    pgn,
                },
            );
            self.rx_done(i, now_us);
        } else {
            self.grant(i, last + 1, u8::MAX, now_us);
        }
    }

    /// Session `i` is whole: the event, and a buffer for a held session.
    fn rx_done(&mut self, i: usize, now_us: u64) {
        let mut s = self.rx.remove(i);
        s.data.truncate(s.size);
        self.events.push_back(TpEvent::Received {
            pgn: s.pgn,
            sa: s.sa,
            da: if s.bam { super::GLOBAL } else { self.local },
            data: s.data,
        });
        self.promote_held(now_us);
    }

    /// T1/T2 timeouts and held sessions' CTS(0).
    pub(super) fn rx_timeouts(&mut self, now_us: u64) {
        let mut i = 0;
        while i < self.rx.len() {
            match self.rx[i].state {
                RxState::Data { deadline_us } if deadline_us <= now_us => {
                    self.rx_abort(i, AbortReason::Timeout, now_us);
                    continue;
                }
                RxState::Held { next_cts_us } if next_cts_us <= now_us => {
                    let (sa, pgn) = (self.rx[i].sa, self.rx[i].pgn);
                    self.push_cm(
                        sa,
                        Cm::Cts {
                            count: 0,
                            next: 1,
                            pgn,
                        },
                    );
                    self.rx[i].state = RxState::Held {
                        next_cts_us: next_cts_us + TH_US,
                    };
                }
                _ => {}
            }
            i += 1;
        }
    }
}
