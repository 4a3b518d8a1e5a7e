//! What the bridge learns from its sends about the link: an interface that goes
//! down (`ip link set can0 down`, a cable pulled from a USB adapter, the
//! interface deleted) makes every send fail until it is back. The twin keeps
//! simulating and the bridge keeps trying each frame at its deadline; this
//! watch turns the failures into one warning when the link goes, one line when
//! it is back (how long, how many frames were not sent), and counters for the
//! report. Other send errors are counted apart.

use std::io::ErrorKind;

use evtwin_can::bus::socketcan::ControllerState;
use evtwin_can::bus::{BusError, LinkStatus};

/// The link's history over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct LinkReport {
    /// Times the interface went down.
    pub down_spells: u64,
    /// Time it was down in all, s (up to the last failed send of each spell).
    pub down_s: f64,
    /// Frames not sent because the interface was down.
    pub not_sent_down: u64,
    /// Frames not sent for any other reason.
    pub not_sent_other: u64,
}

/// Follows send outcomes (see the module's documentation).
#[derive(Debug, Default)]
pub struct LinkWatch {
    iface: String,
    report: LinkReport,
    /// Virtual time of the first and the last failed send of the present spell, µs.
    down: Option<(u64, u64)>,
    /// Frames not sent in the present spell.
    spell_lost: u64,
}

/// Errors that mean "the interface is not there or not up".
fn is_down(e: &BusError) -> bool {
    match e {
        BusError::Io { source, .. } | BusError::Open { source, .. } => {
            // ENETDOWN; ENODEV and ENXIO when the interface is gone.
            source.kind() == ErrorKind::NetworkDown || matches!(source.raw_os_error(), Some(6 | 19))
        }
        BusError::TxQueueFull { .. } => false,
    }
}

impl LinkWatch {
    /// A watch over `iface`.
    #[must_use]
    pub fn new(iface: &str) -> Self {
        Self {
            iface: iface.to_owned(),
            ..Self::default()
        }
    }

    /// A frame due at `at_us` was sent.
    pub fn sent(&mut self, at_us: u64) {
        if let Some((from_us, to_us)) = self.down.take() {
            let down_s = (to_us - from_us) as f64 / 1e6;
            self.report.down_s += down_s;
            tracing::warn!(
                time_s = at_us as f64 / 1e6,
                kind = "link_up",
                lost = self.spell_lost,
                "{} is up again after {down_s:.2} s down: {} frames were not sent meanwhile",
                self.iface,
                self.spell_lost
            );
            self.spell_lost = 0;
        }
    }

    /// A frame due at `at_us` could not be sent.
    pub fn failed(&mut self, at_us: u64, e: &BusError) {
        if !is_down(e) {
            self.report.not_sent_other += 1;
            if self.report.not_sent_other <= 10 {
                tracing::warn!(
                    time_s = at_us as f64 / 1e6,
                    kind = "send",
                    "send failed: {e}"
                );
            }
            return;
        }
        self.report.not_sent_down += 1;
        self.spell_lost += 1;
        if let Some((_, to_us)) = &mut self.down {
            *to_us = at_us;
        } else {
            self.down = Some((at_us, at_us));
            self.report.down_spells += 1;
            tracing::error!(
                time_s = at_us as f64 / 1e6,
                kind = "link_down",
                "{} is down ({e}): frames are not sent until it is back; the twin keeps simulating",
                self.iface
            );
        }
    }

    /// The report at the end of the run (a spell still open counts to its last
    /// failed send).
    #[must_use]
    pub fn finish(mut self) -> LinkReport {
        if let Some((from_us, to_us)) = self.down.take() {
            self.report.down_s += (to_us - from_us) as f64 / 1e6;
        }
        self.report
    }
}

/// The controller as the kernel reported it (netlink, about once a second),
/// for interfaces that have one (an SJA1000, an mcp251x, a USB adapter; not
/// `vcan`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ControllerReport {
    /// Nominal bitrate, bit/s, when configured.
    pub bitrate: Option<u32>,
    /// State at the end of the run.
    pub state_end: &'static str,
    /// The worst state seen.
    pub state_worst: &'static str,
    /// Highest transmit error counter seen.
    pub tx_errors_max: Option<u16>,
    /// Highest receive error counter seen.
    pub rx_errors_max: Option<u16>,
    /// Queries answered.
    pub polls: u64,
}

fn rank(s: ControllerState) -> u8 {
    match s {
        ControllerState::ErrorActive => 0,
        ControllerState::ErrorWarning => 1,
        ControllerState::ErrorPassive => 2,
        ControllerState::BusOff => 3,
    }
}

fn name(s: ControllerState) -> &'static str {
    match s {
        ControllerState::ErrorActive => "error-active",
        ControllerState::ErrorWarning => "error-warning",
        ControllerState::ErrorPassive => "error-passive",
        ControllerState::BusOff => "bus-off",
    }
}

/// Collects [`LinkStatus`] answers into a [`ControllerReport`].
#[derive(Debug, Default)]
pub struct ControllerWatch {
    worst: Option<ControllerState>,
    report: Option<ControllerReport>,
}

impl ControllerWatch {
    /// One answer (or `None`: no controller, or the query failed).
    pub fn observe(&mut self, status: Option<LinkStatus>) {
        let Some(st) = status else { return };
        let worst = match self.worst {
            Some(w) if rank(w) >= rank(st.state) => w,
            _ => st.state,
        };
        self.worst = Some(worst);
        let r = self.report.get_or_insert_with(ControllerReport::default);
        r.bitrate = st.bitrate.or(r.bitrate);
        r.state_end = name(st.state);
        r.state_worst = name(worst);
        r.tx_errors_max = st.tx_errors.max(r.tx_errors_max);
        r.rx_errors_max = st.rx_errors.max(r.rx_errors_max);
        r.polls += 1;
    }

    /// The report, if the interface ever answered.
    #[must_use]
    pub fn finish(self) -> Option<ControllerReport> {
        self.report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: i32) -> BusError {
        BusError::Io {
            iface: "vcan0".into(),
            source: std::io::Error::from_raw_os_error(raw),
        }
    }

    #[test]
    fn a_spell_down_is_counted_once_with_its_length_and_losses() {
        let mut w = LinkWatch::new("vcan0");
        w.sent(0);
        for t in 0..50_u64 {
            w.failed(1_000_000 + t * 10_000, &err(100)); // ENETDOWN
        }
        w.sent(1_500_000);
        w.failed(2_000_000, &err(19)); // ENODEV: a second spell
        w.failed(2_000_000, &err(22)); // EINVAL: not a link problem
        let r = w.finish();
        assert_eq!(r.down_spells, 2);
        assert_eq!(r.not_sent_down, 51);
        assert_eq!(r.not_sent_other, 1);
        assert!((r.down_s - 0.49).abs() < 1e-9, "{}", r.down_s);
    }

    #[test]
    fn the_controller_report_keeps_the_worst_state_and_the_highest_counters() {
        let st = |state, tx| {
            Some(LinkStatus {
                state,
                tx_errors: Some(tx),
                rx_errors: Some(0),
                bitrate: Some(500_000),
            })
        };
        let mut w = ControllerWatch::default();
        w.observe(None);
        w.observe(st(ControllerState::ErrorActive, 0));
        w.observe(st(ControllerState::ErrorPassive, 136));
        w.observe(st(ControllerState::ErrorActive, 40));
        let r = w.finish().unwrap();
        assert_eq!(
            (r.state_end, r.state_worst),
            ("error-active", "error-passive")
        );
        assert_eq!(
            (r.tx_errors_max, r.polls, r.bitrate),
            (Some(136), 3, Some(500_000))
        );
        assert_eq!(ControllerWatch::default().finish(), None);
    }

    #[test]
    fn a_full_queue_is_not_a_link_down() {
        let mut w = LinkWatch::new("can0");
        w.failed(
            5,
            &BusError::TxQueueFull {
                iface: "can0".into(),
                retries: 3,
            },
        );
        let r = w.finish();
        assert_eq!((r.down_spells, r.not_sent_other), (0, 1));
    }
}
