//! The sending end: RTS/CTS and BAM sessions.

use super::tp::{AbortReason, MAX_SIZE, T3_US, T4_US, TpEvent, TpRole, TpSendError, Transport};
use super::tp_wire::{Cm, dt, packets_for};

/// Where a sending session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TxState {
    /// BAM: the next packet and when it is due.
    Bam { next_seq: u8, next_at_us: u64 },
    /// Waiting for a CTS or the EOMA (T3).
    WaitCts { deadline_us: u64 },
    /// The receiver holds the connection (CTS(0)); waiting for its next CTS (T4).
    Hold { deadline_us: u64 },
}

/// One message being sent.
#[derive(Debug, Clone)]
pub(super) struct TxSession {
    pgn: u32,
    da: u8,
    data: Vec<u8>,
    packets: u8,
    state: TxState,
}

impl TxSession {
    pub(super) const fn deadline_us(&self) -> u64 {
        match self.state {
            TxState::Bam { next_at_us, .. } => next_at_us,
            TxState::WaitCts { deadline_us } | TxState::Hold { deadline_us } => deadline_us,
        }
    }
}

impl Transport {
    /// Starts sending `payload` (9..=1785 bytes) with PGN `pgn` to `da`: RTS/CTS
    /// to one node, BAM to [`super::GLOBAL`]. One session per destination at a time.
    pub fn send(
        &mut self,
        pgn: u32,
        da: u8,
        payload: &[u8],
        now_us: u64,
    ) -> Result<(), TpSendError> {
        if payload.len() <= 8 || payload.len() > MAX_SIZE {
            return Err(TpSendError::Size(payload.len()));
        }
        if let Some(s) = self.tx.iter().find(|s| s.da == da) {
            return Err(TpSendError::Busy { da, pgn: s.pgn });
        }
        #[allow(clippy::cast_possible_truncation)] // at most 1785 bytes: 255 packets
        let (size, packets) = (payload.len() as u16, packets_for(payload.len()) as u8);
        let state = if da == super::GLOBAL {
            self.push_cm(da, Cm::Bam { size, packets, pgn });
            TxState::Bam {
                next_seq: 1,
                next_at_us: now_us + self.cfg.bam_gap_us,
            }
        } else {
            let max_per_cts = self.cfg.max_per_cts;
            self.push_cm(
                da,
                Cm::Rts {
                    size,
                    packets,
                    max_per_cts,
                    pgn,
                },
            );
            if self.refuses(pgn) {
                self.refused_abort(da, pgn, TpRole::Sender);
                return Ok(());
            }
            TxState::WaitCts {
                deadline_us: now_us + T3_US,
            }
        };
        self.tx.push(TxSession {
            pgn,
            da,
            data: payload.to_vec(),
            packets,
            state,
        });
        Ok(())
    }

    fn tx_index(&self, peer: u8, pgn: u32) -> Option<usize> {
        self.tx
            .iter()
            .position(|s| s.da == peer && s.pgn == pgn && !matches!(s.state, TxState::Bam { .. }))
    }

    /// A CTS from `peer`: send the packets it asks for, or hold.
    pub(super) fn tx_cts(&mut self, peer: u8, pgn: u32, count: u8, next: u8, now_us: u64) {
        let Some(i) = self.tx_index(peer, pgn) else {
            self.stats.unexpected += 1;
            return;
        };
        if count == 0 {
            self.tx[i].state = TxState::Hold {
                deadline_us: now_us + T4_US,
            };
            return;
        }
        let packets = self.tx[i].packets;
        if next == 0 || next > packets {
            self.tx_abort(i, AbortReason::BadSequence);
            return;
        }
        let last = next.saturating_add(count - 1).min(packets);
        for seq in next..=last {
            let bytes = dt(&self.tx[i].data, seq);
            self.push_dt(peer, bytes);
        }
        self.tx[i].state = TxState::WaitCts {
            deadline_us: now_us + T3_US,
        };
    }

    /// The EOMA from `peer`: the message arrived.
    pub(super) fn tx_eoma(&mut self, peer: u8, pgn: u32) {
        let Some(i) = self.tx_index(peer, pgn) else {
            self.stats.unexpected += 1;
            return;
        };
        let s = self.tx.remove(i);
        self.events.push_back(TpEvent::Sent {
            pgn,
            da: peer,
            len: s.data.len(),
        });
    }

    /// We abort sending session `i`: an abort frame and an event.
    fn tx_abort(&mut self, i: usize, reason: AbortReason) {
        let s = self.tx.remove(i);
        self.push_cm(s.da, Cm::Abort { reason, pgn: s.pgn });
        self.events.push_back(TpEvent::Aborted {
            pgn: s.pgn,
            peer: s.da,
            role: TpRole::Sender,
            reason,
            by_peer: false,
        });
    }

    /// A TP.CM abort from `peer` for `pgn`: whichever session of ours it names.
    pub(super) fn peer_abort(&mut self, peer: u8, pgn: u32, reason: AbortReason, now_us: u64) {
        let role = if let Some(i) = self.tx_index(peer, pgn) {
            self.tx.remove(i);
            TpRole::Sender
        } else if let Some(i) = self.rx_index(peer, false, Some(pgn)) {
            self.rx.remove(i);
            self.promote_held(now_us);
            TpRole::Receiver
        } else {
            self.stats.unexpected += 1;
            return;
        };
        self.events.push_back(TpEvent::Aborted {
            pgn,
            peer,
            role,
            reason,
            by_peer: true,
        });
    }

    /// BAM packets due, and T3/T4 timeouts.
    pub(super) fn tx_timeouts(&mut self, now_us: u64) {
        let mut i = 0;
        while i < self.tx.len() {
            match self.tx[i].state {
                TxState::Bam {
                    next_seq,
                    next_at_us,
                } if next_at_us <= now_us => {
                    let bytes = dt(&self.tx[i].data, next_seq);
                    self.push_dt(super::GLOBAL, bytes);
                    if next_seq >= self.tx[i].packets {
                        let s = self.tx.remove(i);
                        self.events.push_back(TpEvent::Sent {
                            pgn: s.pgn,
                            da: s.da,
                            len: s.data.len(),
                        });
                        continue;
                    }
                    // packets are paced from their due time, not from a late call
                    self.tx[i].state = TxState::Bam {
                        next_seq: next_seq + 1,
                        next_at_us: next_at_us + self.cfg.bam_gap_us,
                    };
                    continue; // the next packet may be due too
                }
                TxState::WaitCts { deadline_us } | TxState::Hold { deadline_us }
                    if deadline_us <= now_us =>
                {
                    self.tx_abort(i, AbortReason::Timeout);
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
    }
}
