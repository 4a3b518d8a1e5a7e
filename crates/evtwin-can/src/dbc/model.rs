//! The model the codec works on: messages and signals with everything the
//! DBC says about them resolved (attributes, value types, multiplexing).
//!
//! Built by [`crate::dbc::Dbc::parse`]; treat the public fields as read-only
//! (the codec's precomputed bit layout is derived from them at load time).

use super::layout::{ByteOrder, Layout};
use crate::frame::CanId;

/// How a signal's raw bits are interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// A two's complement (`signed`) or unsigned integer of `size` bits.
    Integer,
    /// An IEEE 754 single (`SIG_VALTYPE_ … : 1`), 32 bits.
    Float32,
    /// An IEEE 754 double (`SIG_VALTYPE_ … : 2`), 64 bits.
    Float64,
}

/// The condition under which a multiplexed signal is in the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuxCondition {
    /// Index (in the message's signals) of the switch; `usize::MAX` when the
    /// switch the DBC names does not exist ([`crate::dbc::Dbc::check`]
    /// reports it), so the signal is never present.
    pub switch: usize,
    /// Inclusive ranges of the switch's raw value that select the signal
    /// (`m3` gives `(3, 3)`; `SG_MUL_VAL_` gives its ranges), sorted.
    pub ranges: Vec<(u64, u64)>,
}

impl MuxCondition {
    /// Whether the switch's raw value `raw` selects the signal.
    #[must_use]
    pub fn selects(&self, raw: u64) -> bool {
        self.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&raw))
    }
}

/// A signal's part in multiplexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MuxRole {
    /// Always present.
    Plain,
    /// A switch (`M`) that is always present.
    Switch,
    /// Present when its switch (which is present) has one of some values (`m3`
    /// or `SG_MUL_VAL_`).
    Multiplexed(MuxCondition),
    /// A nested switch (`m3M`): multiplexed itself, selects other signals.
    MultiplexedSwitch(MuxCondition),
}

impl MuxRole {
    /// Whether the signal selects other signals.
    #[must_use]
    pub const fn is_switch(&self) -> bool {
        matches!(self, Self::Switch | Self::MultiplexedSwitch(_))
    }

    /// The condition for the signal to be present (None: always).
    #[must_use]
    pub const fn condition(&self) -> Option<&MuxCondition> {
        match self {
            Self::Plain | Self::Switch => None,
            Self::Multiplexed(c) | Self::MultiplexedSwitch(c) => Some(c),
        }
    }
}

/// A signal of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalDef {
    /// Its name.
    pub name: String,
    /// DBC start bit: the least significant bit for Intel, the most
    /// significant for Motorola (bit `i` of byte `b` is `8 b + i`).
    pub start_bit: u32,
    /// Width in bits (1..=64 for a usable signal).
    pub size: u32,
    /// Intel or Motorola.
    pub byte_order: ByteOrder,
    /// Two's complement (`-` in DBC) rather than unsigned.
    pub signed: bool,
    /// Integer, float or double.
    pub kind: ValueKind,
    /// physical = raw × factor + offset.
    pub factor: f64,
    /// physical = raw × factor + offset.
    pub offset: f64,
    /// Physical minimum (DBC `[min|max]`; ignored by the codec unless min < max).
    pub min: f64,
    /// Physical maximum.
    pub max: f64,
    /// Unit text.
    pub unit: String,
    /// Receiving nodes (`Vector__XXX` left out).
    pub receivers: Vec<String>,
    /// Multiplexing role.
    pub mux: MuxRole,
    /// Physical start value (`GenSigStartValue`, raw in the DBC, converted).
    pub start_value: Option<f64>,
    /// Value table (`VAL_`): raw value → name, sorted by raw value.
    pub values: Vec<(i64, String)>,
    /// 1-based line of its `SG_` statement in the original text (0: unknown).
    pub line: usize,
    /// 1-based column of its `SG_` keyword.
    pub col: usize,
    pub(crate) layout: Layout,
    /// Raw bits written when no value is given.
    pub(crate) start_raw: u64,
}

impl SignalDef {
    /// The name of raw value `raw` in its value table.
    #[must_use]
    pub fn value_name(&self, raw: i64) -> Option<&str> {
        self.values
            .binary_search_by_key(&raw, |(v, _)| *v)
            .ok()
            .and_then(|i| self.values.get(i))
            .map(|(_, name)| name.as_str())
    }

    /// The raw value called `name` in its value table.
    #[must_use]
    pub fn value_of_name(&self, name: &str) -> Option<i64> {
        self.values.iter().find(|(_, n)| n == name).map(|(v, _)| *v)
    }

    /// Whether its own condition holds for physical values indexed like the
    /// message's signals (one level: exact on [`Message::decode`] output, where
    /// absent switches are NaN; for encode input use [`Message::is_present`]).
    #[must_use]
    pub fn is_present(&self, values: &[f64], signals: &[Self]) -> bool {
        match self.mux.condition() {
            None => true,
            Some(c) => match (values.get(c.switch), signals.get(c.switch)) {
                (Some(&v), Some(switch)) if !v.is_nan() => {
                    switch.switch_raw(v).is_some_and(|raw| c.selects(raw))
                }
                _ => false,
            },
        }
    }

    /// The raw switch value a physical value stands for (None if negative).
    pub(crate) fn switch_raw(&self, phys: f64) -> Option<u64> {
        self.bits_as_switch(self.to_raw_bits(phys).0)
    }

    /// Whether the codec can read and write it (width 1..=64 matching its
    /// kind, inside the message).
    #[must_use]
    pub fn is_codable(&self) -> bool {
        self.layout.is_valid()
    }
}

/// A message (frame) of the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Its name.
    pub name: String,
    /// Its identifier.
    pub id: CanId,
    /// Payload length in bytes (DBC DLC field).
    pub len_bytes: usize,
    /// Sent as CAN FD: `VFrameFormat` says so, or it is longer than 8 bytes.
    pub fd: bool,
    /// The sending node (empty when none: `Vector__XXX`).
    pub sender: String,
    /// `GenMsgCycleTime` (or its `BA_DEF_DEF_` default when that is > 0); None
    /// for event messages and an explicit 0.
    pub cycle_time_ms: Option<u32>,
    /// Its signals in DBC order.
    pub signals: Vec<SignalDef>,
    /// 1-based line of its `BO_` statement in the original text (0: unknown).
    pub line: usize,
    /// 1-based column of its `BO_` keyword.
    pub col: usize,
}

impl Message {
    /// A received frame of `len` bytes fits this message: its DBC length, or
    /// for an FD message the FD length a sender pads it to.
    #[must_use]
    pub fn accepts_len(&self, len: usize) -> bool {
        len == self.len_bytes
            || (self.fd && crate::frame::fd_length_for(self.len_bytes) == Some(len))
    }

    /// Index of the signal called `name`.
    #[must_use]
    pub fn signal_index(&self, name: &str) -> Option<usize> {
        self.signals.iter().position(|s| s.name == name)
    }

    /// Index of the top-level switch (a switch not itself multiplexed).
    #[must_use]
    pub fn multiplexor(&self) -> Option<usize> {
        self.signals
            .iter()
            .position(|s| matches!(s.mux, MuxRole::Switch))
    }

    /// The top-level switch's raw values that select at least one signal,
    /// sorted (ranges are expanded, at most 65 536 values in all).
    #[must_use]
    pub fn mux_values(&self) -> Vec<u64> {
        let Some(top) = self.multiplexor() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in self.signals.iter().filter_map(|s| s.mux.condition()) {
            if c.switch != top {
                continue;
            }
            for &(lo, hi) in &c.ranges {
                let mut v = lo;
                while v <= hi && out.len() < 1 << 16 {
                    out.push(v);
                    match v.checked_add(1) {
                        Some(n) => v = n,
                        None => break,
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether signal `index` is in the payload when the signals have the
    /// physical values `values` (indexed like `signals`; NaN for a switch means
    /// its start value, as in [`Message::encode`]): follows nested switches.
    #[must_use]
    pub fn is_present(&self, index: usize, values: &[f64]) -> bool {
        self.present_with(index, 0, &mut |switch, s: &SignalDef| {
            let v = values.get(switch).copied().unwrap_or(f64::NAN);
            let bits = if v.is_nan() {
                s.start_raw
            } else {
                s.to_raw_bits(v).0
            };
            s.bits_as_switch(bits)
        })
    }

    /// Presence of signal `index`, reading switch values with `raw_of`: every
    /// switch up its chain must be read and select the one below. A chain
    /// longer than the message has signals revisits one: a cycle, never present
    /// (any real nesting depth is followed; `depth` is where the chain starts).
    pub(crate) fn present_with(
        &self,
        index: usize,
        depth: usize,
        raw_of: &mut impl FnMut(usize, &SignalDef) -> Option<u64>,
    ) -> bool {
        let mut k = index;
        for _ in depth..=self.signals.len() {
            let Some(signal) = self.signals.get(k) else {
                return false;
            };
            let Some(c) = signal.mux.condition() else {
                return true;
            };
            let Some(switch) = self.signals.get(c.switch) else {
                return false;
            };
            if !raw_of(c.switch, switch).is_some_and(|raw| c.selects(raw)) {
                return false;
            }
            k = c.switch;
        }
        false
    }
}
