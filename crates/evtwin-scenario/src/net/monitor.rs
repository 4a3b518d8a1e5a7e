//! Watching a network without playing it: every frame of every DBC message,
//! whoever sends it, decoded into the twin's signal space through the mapping.
//! No simulation, no I/O: frames and times are passed in ([`super::listen`]
//! moves them from a bus or a log).

use evtwin_can::Frame;
use evtwin_can::dbc::Dbc;
use evtwin_can::e2e::{E2eChecker, E2eStatus};
use evtwin_sim::signals::GroupQuantity;
use evtwin_sim::{Catalogue, Scalar, Signal};

use super::plan::{Binding, Plan};
use super::setup::{NetFile, NetLoadError, read_network};

/// Most series groups a monitor tracks: the mapping expands `{i}` over
/// 0..1024, so no binding can name a group beyond.
pub const MAX_GROUPS: usize = 1024;

/// Counters of the frames a [`Monitor`] was given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MonitorStats {
    /// Frames given, whatever became of them.
    pub frames: u64,
    /// Frames of a DBC message that passed the checks and were decoded.
    pub decoded: u64,
    /// Frames whose identifier is not in the DBC.
    pub unknown_id: u64,
    /// Frames with the wrong length for their message.
    pub wrong_length: u64,
    /// Frames of an E2E-protected message with a wrong CRC, or whose counter
    /// repeated or jumped (as the bridge judges them): not used.
    pub bad_e2e: u64,
}

/// Where one DBC signal's value goes: a catalogue position, with the mapping's
/// scale (twin value = (DBC value - add) / scale).
#[derive(Debug, Clone, Copy)]
struct Target {
    index: usize,
    /// The series group, for cell signals.
    group: Option<usize>,
    /// Cell signals: the DBC start value, which a sender writes for groups its
    /// pack lacks: such a value does not count for [`Monitor::groups_seen`].
    filler: Option<f64>,
    scale: f64,
    add: f64,
}

/// The network as seen from the bus: the last value of every twin signal that
/// some frame carried.
#[derive(Debug, Clone)]
pub struct Monitor {
    dbc: Dbc,
    catalogue: Catalogue,
    /// Per DBC message, per DBC signal.
    targets: Vec<Vec<Option<Target>>>,
    /// Per DBC message, for E2E-protected ones.
    checkers: Vec<Option<E2eChecker>>,
    /// By catalogue position.
    values: Vec<Option<f64>>,
    /// Decoding buffer, as wide as the widest message.
    scratch: Vec<f64>,
    stats: MonitorStats,
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
        Ok(Self::from_plan(db, &plan, catalogue))
    }

    fn from_plan(dbc: Dbc, plan: &Plan, catalogue: Catalogue) -> Self {
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
        let checkers = plan
            .messages
            .iter()
            .map(|m| m.e2e.map(|cfg| E2eChecker::new(cfg, 2)))
            .collect();
        let widest = dbc.messages().iter().map(|m| m.signals.len()).max();
        Self {
            targets,
            checkers,
            values: vec![None; catalogue.len()],
            scratch: vec![f64::NAN; widest.unwrap_or(0)],
            stats: MonitorStats::default(),
            groups_seen: 0,
            last_rx_us: None,
            dbc,
            catalogue,
        }
    }

    /// The DBC.
    #[must_use]
    pub fn dbc(&self) -> &Dbc {
        &self.dbc
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
        self.stats.frames += 1;
        self.last_rx_us = Some(now_us);
        let Some((k, m)) = self.dbc.message_by_id(frame.id()) else {
            self.stats.unknown_id += 1;
            return;
        };
        let payload = frame.data().get(..m.len_bytes);
        let (Some(payload), true) = (payload, m.accepts_len(frame.len())) else {
            self.stats.wrong_length += 1;
            return;
        };
        if let Some(checker) = self.checkers.get_mut(k).and_then(Option::as_mut) {
            match checker.check(payload) {
                E2eStatus::Ok | E2eStatus::Initial => {}
                E2eStatus::WrongCrc | E2eStatus::Repeated | E2eStatus::WrongSequence => {
                    self.stats.bad_e2e += 1;
                    return;
                }
            }
        }
        let Some(values) = self.scratch.get_mut(..m.signals.len()) else {
            return;
        };
        if m.decode(payload, values).is_err() {
            self.stats.wrong_length += 1;
            return;
        }
        let targets = self.targets.get(k).map_or(&[][..], Vec::as_slice);
        for (v, t) in values.iter().zip(targets) {
            if let Some(t) = t
                && v.is_finite()
                && let Some(slot) = self.values.get_mut(t.index)
            {
                *slot = Some((v - t.add) / t.scale);
                if let Some(g) = t.group
                    && t.filler != Some(*v)
                {
                    self.groups_seen = self.groups_seen.max(g + 1);
                }
            }
        }
        self.stats.decoded += 1;
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

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> &MonitorStats {
        &self.stats
    }
}

/// Where a binding's decoded value goes: its `sim` signal, else the catalogue
/// signal named like its `input` (a real VCU's `vcu.power_request_w`), else
/// nowhere.
fn target(cat: &Catalogue, b: &Binding) -> Option<Target> {
    let signal = b.sim.or_else(|| cat.find(b.input?.name()))?;
    Some(Target {
        index: position(cat, signal)?,
        group: match signal {
            Signal::Group(g, _) => Some(g),
            Signal::Scalar(_) => None,
        },
        filler: None,
        scale: b.scale,
        add: b.add,
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
    fn inputs_without_a_sim_land_on_the_signal_of_the_same_name() {
        use evtwin_sim::Input;
        let cat = Catalogue::new(1);
        let only_input = |input| Binding {
            input: Some(input),
            scale: 0.001,
            ..Binding::default()
        };
        let t = target(&cat, &only_input(Input::VcuPowerRequestW)).unwrap();
        let want = cat.find("vcu.power_request_w").unwrap();
        assert_eq!(t.index, position(&cat, want).unwrap());
        assert!((t.scale - 0.001).abs() < 1e-12);
        assert!(target(&cat, &only_input(Input::AuxExtraW)).is_none());
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
