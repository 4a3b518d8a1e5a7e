//! A charge stop whose phases a charging protocol drives (CHAdeMO, GB/T 27930):
//! what the protocol decides for the session ([`ChargeLink`]) and what it
//! reports ([`LinkReport`]). The protocol itself runs outside the plant (in
//! `evtwin-scenario`'s charge-link hook); the twin only takes its decisions.

use super::{ChargeEnd, Phase};

/// What a charging protocol decides for the session, set before each step with
/// [`crate::Twin::set_charge_link`] and changed in place with
/// [`crate::Twin::charge_link_mut`].
///
/// While a link is set: plug-in keeps its built-in duration (the car parks and
/// plugs in before any conversation); the other setup phases (handshake,
/// insulation test, precharge, unplug) advance only as far as [`Self::setup`]
/// says, one phase per step; the current is bounded by
/// [`Self::current_limit_a`]; the twin never ends the stop itself (its target
/// SOC, a full pack, the time limit are offered to the protocol through
/// [`crate::Twin::charge_end_wanted`]); [`Self::stop`] ends it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChargeLink {
    /// How far the session may go: `Handshake`, `InsulationTest`, `Precharge`,
    /// `Ramp` (current may flow), `Unplug` or `Done`.
    pub setup: Phase,
    /// Bound on the charge current, A (the charger's setpoint; infinite: none).
    pub current_limit_a: f64,
    /// End the stop now for this reason (the current ramps down, then unplug).
    pub stop: Option<ChargeEnd>,
    /// What the protocol reports; copied into the stop's report at its end.
    pub report: LinkReport,
}

impl ChargeLink {
    /// A link for `protocol`, playing `role`, before the conversation starts.
    #[must_use]
    pub fn new(protocol: &str, role: &str) -> Self {
        Self {
            setup: Phase::Handshake,
            current_limit_a: 0.0,
            stop: None,
            report: LinkReport {
                protocol: protocol.to_owned(),
                role: role.to_owned(),
                ..LinkReport::default()
            },
        }
    }
}

/// What a charging protocol reports about one charge stop.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkReport {
    /// `chademo` or `gbt27930`.
    pub protocol: String,
    /// Which sides the twin plays: `both`, `ev` (a real charger) or `charger`
    /// (a real car).
    pub role: String,
    /// The protocol's phase now (the charger's view when the twin plays it,
    /// else the car's), e.g. `charging`.
    pub phase: String,
    /// The same as a number for traces (`charge.protocol_phase`): 0 before the
    /// conversation, then the protocol's own phase order (see the scenarios
    /// README).
    pub phase_code: f64,
    /// The handshake: from the start of the conversation (the station's
    /// start, or the car's first frame when only the car is played) to the
    /// parameters agreed, charging enabled and the connector locked (CHAdeMO:
    /// the lock as the side the twin plays first knows it), s.
    pub handshake_s: Option<f64>,
    /// Protocol frames sent (by the sides the twin plays).
    pub frames_sent: u64,
    /// Protocol frames received (by the sides the twin plays, from the other).
    pub frames_received: u64,
    /// Why the conversation stopped, in the protocol's words (`ev_normal`,
    /// `can_timeout`, …).
    pub stop_reason: Option<String>,
    /// Who stopped it: `ev` or `charger`.
    pub stopped_by: Option<String>,
    /// Reconnect attempts after communication errors (GB/T: up to three).
    pub reconnects: u32,
    /// The conversation is over (both sides the twin plays ended).
    pub ended: bool,
}
