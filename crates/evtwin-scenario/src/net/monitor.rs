//! Watching a network without playing it: every frame of every DBC message,
//! whoever sends it, decoded into the twin's signal space through the mapping.
//! It is the network core ([`Network::observe`]) with every node real: one frame
//! intake, one set of counters ([`NetStats`]). No simulation, no I/O: frames and
//! times are passed in ([`super::listen`] moves them from a bus or a log).

use evtwin_can::Frame;
use evtwin_can::dbc::Dbc;
use evtwin_sim::signals::GroupQuantity;
use evtwin_sim::{Catalogue, Scalar, Signal};

use super::network::Network;
use super::outputs::NetStats;
use super::plan::{Binding, Plan};
use super::setup::{NetFile, NetLoadError, read_network};

/// Most series groups a monitor tracks: the mapping expands `{i}` over
/// 0..1024, so no binding can name a group beyond.
pub const MAX_GROUPS: usize = 1024;

/// Where one DBC signal's value goes: a catalogue position.
#[derive(Debug, Clone, Copy)]
struct Target {
    index: usize,
    /// The series group, for cell signals.
    group: Option<usize>,
    /// Cell signals: the DBC start value, which a sender writes for groups its
    /// pack lacks: such a value does not count for [`Monitor::groups_seen`].
    filler: Option<f64>,
}

/// The network as seen from the bus: the last value of every twin signal that
/// some frame carried.
pub struct Monitor {
    net: Network,
    catalogue: Catalogue,
    /// Per DBC message, per DBC signal.
    targets: Vec<Vec<Option<Target>>>,
    /// By catalogue position.
    values: Vec<Option<f64>>,
    groups_seen: usize,
    last_rx_us: Option<u64>,
}

impl Monitor {
    /// Loads a DBC and a mapping, checked against the signals of a twin with
    /// `groups` series groups (at most [`MAX_GROUPS`]; cell bindings beyond
    /// `groups` are left out, as for a smaller pack). Every DBC message is
    /// decoded, whichever node sends it.
    pub fn load(
        dbc: NetFile<'_>,
        mapping: NetFile<'_>,
        groups: usize,
    ) -> Result<Self, NetLoadError> {
        let (db, src, raw) = read_network(dbc, mapping)?;
        let catalogue = Catalogue::new(groups.min(MAX_GROUPS));
        let plan = Plan::new(&db, &src, &raw, &catalogue, &[])?;
        Ok(Self::from_plan(db, plan, catalogue))
    }

    fn from_plan(dbc: Dbc, plan: Plan, catalogue: Catalogue) -> Self {
        let targets = plan
            .messages
            .iter()
            .map(|pm| {
                let defs = dbc
                    .messages()
                    .get(pm.dbc_index)
                    .map(|m| m.signals.as_slice());
                pm.bindings
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let mut t = target(&catalogue, b)?;
                        if t.group.is_some() {
                            let def = defs.and_then(|d| d.get(i))?;
                            t.filler =
                                Some(def.start_value.unwrap_or_else(|| def.raw_to_physical(0)));
                        }
                        Some(t)
                    })
                    .collect()
            })
            .collect();
        Self {
            targets,
            values: vec![None; catalogue.len()],
            groups_seen: 0,
            last_rx_us: None,
            net: Network::observe(dbc, plan),
            catalogue,
        }
    }

    /// The DBC.
    #[must_use]
    pub fn dbc(&self) -> &Dbc {
        self.net.dbc()
    }

    /// The signals the monitor can hold.
    #[must_use]
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// Takes one frame received at `now_us`: a frame of a DBC message with the
    /// right length (and, if protected, a good E2E CRC and counter) updates the
    /// signals its bound DBC signals carry; anything else is only counted.
    pub fn handle_frame(&mut self, frame: &Frame, now_us: u64) {
        self.last_rx_us = Some(now_us);
        self.net.handle_frame(frame, now_us);
        // Nothing here sets inputs or logs events: drop what the core queued.
        while self.net.poll_input().is_some() {}
        while self.net.poll_event().is_some() {}
        for d in self.net.poll_decoded() {
            let Some(t) = self
                .targets
                .get(d.message)
                .and_then(|m| m.get(d.signal))
                .copied()
                .flatten()
            else {
                continue;
            };
            if let Some(slot) = self.values.get_mut(t.index) {
                *slot = Some(d.value);
                if let Some(g) = t.group
                    && t.filler != Some(d.dbc_value)
                {
                    self.groups_seen = self.groups_seen.max(g + 1);
                }
            }
        }
    }

    /// The last value received for `signal`; `None` before any frame carried it
    /// (or when it is not in the catalogue).
    #[must_use]
    pub fn value(&self, signal: Signal) -> Option<f64> {
        position(&self.catalogue, signal).and_then(|i| self.values.get(i).copied().flatten())
    }

    /// [`Monitor::value`] by signal name (`pack.voltage_v`, `cell[17].temp_c`).
    #[must_use]
    pub fn read_by_name(&self, name: &str) -> Option<f64> {
        self.value(self.catalogue.find(name)?)
    }

    /// 1 + the highest series group any cell signal was received for; 0 before.
    /// A cell value equal to its DBC start value does not count: a sender writes
    /// it for the groups its pack lacks (in a multiplexed frame shared with
    /// groups it has). The shipped DBC starts cell voltages at 0 V, so a pack's
    /// groups are told by their voltages; such values are still stored.
    #[must_use]
    pub fn groups_seen(&self) -> usize {
        self.groups_seen
    }

    /// When the last frame arrived (any frame, used or not), µs as given.
    #[must_use]
    pub fn last_rx_us(&self) -> Option<u64> {
        self.last_rx_us
    }

    /// Counters so far: `rx_frames` given, `rx_used` decoded, the rest by why
    /// they were not (the bridge's counters).
    #[must_use]
    pub fn stats(&self) -> &NetStats {
        self.net.stats()
    }
}

/// Where a binding's decoded value goes: its signal (an input named after a
/// signal lands there too, a real VCU's `vcu.power_request_w`), else nowhere.
fn target(cat: &Catalogue, b: &Binding) -> Option<Target> {
    let signal = b.signal?;
    Some(Target {
        index: position(cat, signal)?,
        group: match signal {
            Signal::Group(g, _) => Some(g),
            Signal::Scalar(_) => None,
        },
        filler: None,
    })
}

/// The position of `signal` in `cat`, in O(1).
fn position(cat: &Catalogue, signal: Signal) -> Option<usize> {
    match signal {
        Signal::Scalar(s) => {
            // Scalars are declared in catalogue order; checked, with a search
            // as the fallback should that ever change.
            let i = s as usize;
            if Scalar::ALL.get(i) == Some(&s) {
                Some(i)
            } else {
                Scalar::ALL.iter().position(|x| *x == s)
            }
        }
        Signal::Group(g, q) => {
            let nq = GroupQuantity::ALL.len();
            let qi = GroupQuantity::ALL.iter().position(|x| *x == q)?;
            let i = Scalar::ALL.len() + g.checked_mul(nq)? + qi;
            (i < cat.len()).then_some(i)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn positions_match_the_catalogue() {
        let cat = Catalogue::new(5);
        for i in 0..cat.len() {
            assert_eq!(position(&cat, cat.signal(i).unwrap()), Some(i));
        }
        let beyond = Signal::Group(5, GroupQuantity::SocPct);
        assert_eq!(position(&cat, beyond), None);
        assert_eq!(
            position(&cat, Signal::Group(usize::MAX, GroupQuantity::TempC)),
            None
        );
    }

    #[test]
    fn inputs_land_on_the_signal_of_the_same_name_and_input_only_ones_nowhere() {
        let cat = Catalogue::new(1);
        let bound = |name: &str| {
            let q = cat.quantity(name).unwrap();
            Binding {
                signal: q.signal,
                input: q.input,
                scale: 0.001,
                ..Binding::default()
            }
        };
        let t = target(&cat, &bound("vcu.power_request_w")).unwrap();
        let want = cat.find("vcu.power_request_w").unwrap();
        assert_eq!(t.index, position(&cat, want).unwrap());
        assert!(target(&cat, &bound("aux.extra_w")).is_none());
        assert!(target(&cat, &Binding::default()).is_none());
    }

    #[test]
    fn a_huge_group_count_is_capped() {
        let m = Monitor::load(NetFile::Builtin, NetFile::Builtin, usize::MAX).unwrap();
        assert_eq!(m.catalogue().len(), Catalogue::new(MAX_GROUPS).len());
        assert_eq!(m.groups_seen(), 0);
        assert_eq!(m.read_by_name("pack.voltage_v"), None);
    }
}
