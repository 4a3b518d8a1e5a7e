//! The runtime codec: physical values ↔ payload bytes, per message, with no
//! allocation.
//!
//! Conversions follow python cantools (the reference the golden vectors come
//! from): decode is `raw × factor + offset`; encode is
//! `(physical − offset) / factor` rounded half to even (Python's `round`) for
//! integer signals, cast to `f32`/kept as `f64` for float signals.

use super::error::DecodeError;
use super::model::{Message, SignalDef, ValueKind};

/// What [`Message::encode`] did besides writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeReport {
    /// Signals whose value was outside `[min, max]` (when min < max) or outside
    /// what the field can hold, and were clamped (never wrapped).
    pub clamped: u32,
    /// Present signals not written: their field does not fit the output slice
    /// or the signal cannot be coded (see [`SignalDef::is_codable`]).
    pub dropped: u32,
}

/// A signal's raw field value, exact: an integer of any width up to 64 bits
/// (no trip through `f64`, which holds 53), or the float the bits hold (NaN
/// included: a NaN here is a value, not an absent signal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue {
    /// An unsigned integer field.
    Unsigned(u64),
    /// A two's complement field, sign-extended.
    Signed(i64),
    /// An IEEE 754 single or double field.
    Float(f64),
}

impl std::fmt::Display for RawValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsigned(v) => write!(f, "{v}"),
            Self::Signed(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v}"),
        }
    }
}

/// Sign-extends the low `size` bits of `raw`.
#[must_use]
pub(crate) fn sign_extend(raw: u64, size: u32) -> i64 {
    if size == 0 || size >= 64 {
        return raw.cast_signed();
    }
    let shift = 64 - size;
    (raw << shift).cast_signed() >> shift
}

impl SignalDef {
    /// Physical value of raw field bits.
    #[inline]
    #[must_use]
    pub fn raw_to_physical(&self, bits: u64) -> f64 {
        let raw = match self.kind {
            #[allow(clippy::cast_possible_truncation)] // the low 32 bits
            ValueKind::Float32 => f64::from(f32::from_bits(bits as u32)),
            ValueKind::Float64 => f64::from_bits(bits),
            ValueKind::Integer if self.signed => sign_extend(bits, self.size) as f64,
            ValueKind::Integer => bits as f64,
        };
        if self.factor == 1.0 && self.offset == 0.0 {
            raw
        } else {
            raw * self.factor + self.offset
        }
    }

    /// The exact raw value of field bits (see [`RawValue`]).
    #[must_use]
    pub fn raw_value(&self, bits: u64) -> RawValue {
        match self.kind {
            #[allow(clippy::cast_possible_truncation)] // the low 32 bits
            ValueKind::Float32 => RawValue::Float(f64::from(f32::from_bits(bits as u32))),
            ValueKind::Float64 => RawValue::Float(f64::from_bits(bits)),
            ValueKind::Integer if self.signed => RawValue::Signed(sign_extend(bits, self.size)),
            ValueKind::Integer => RawValue::Unsigned(bits),
        }
    }

    /// Whether physical values are the raw integers themselves (an integer
    /// signal with factor 1 and offset 0): [`SignalDef::raw_value`] is then
    /// the exact physical value, where `f64` rounds above 2^53.
    #[must_use]
    pub fn is_identity_integer(&self) -> bool {
        self.kind == ValueKind::Integer && self.factor == 1.0 && self.offset == 0.0
    }

    /// The field bits for physical value `phys` (not NaN) and whether it had
    /// to be clamped to `[min, max]` or to the field's range.
    #[must_use]
    pub fn to_raw_bits(&self, phys: f64) -> (u64, bool) {
        let mut clamped = false;
        let mut p = phys;
        if self.min < self.max {
            if p < self.min {
                p = self.min;
                clamped = true;
            } else if p > self.max {
                p = self.max;
                clamped = true;
            }
        }
        let raw = if self.factor == 0.0 {
            0.0
        } else if self.factor == 1.0 && self.offset == 0.0 {
            p
        } else {
            (p - self.offset) / self.factor
        };
        let bits = match self.kind {
            ValueKind::Float32 => {
                let limit = f64::from(f32::MAX);
                let r = if raw.abs() > limit {
                    clamped = true;
                    raw.clamp(-limit, limit)
                } else {
                    raw
                };
                #[allow(clippy::cast_possible_truncation)] // in range
                u64::from((r as f32).to_bits())
            }
            ValueKind::Float64 => {
                if raw.is_infinite() {
                    clamped = true;
                    raw.clamp(f64::MIN, f64::MAX).to_bits()
                } else {
                    raw.to_bits()
                }
            }
            ValueKind::Integer => {
                let (bits, c) = self.integer_bits(raw.round_ties_even());
                clamped |= c;
                bits
            }
        };
        (bits, clamped)
    }

    /// Field bits of a rounded raw integer value, clamped to the field.
    fn integer_bits(&self, r: f64) -> (u64, bool) {
        let size = self.size.clamp(1, 64);
        if self.signed {
            let max = i64::MAX >> (64 - size);
            let min = -max - 1;
            #[allow(clippy::cast_possible_truncation)] // saturating cast
            let v = r as i64;
            // Compare in f64 as well: `r as i64` saturates at i64 bounds.
            let (v, c) = if r < min as f64 || v < min {
                (min, true)
            } else if r > max as f64 || v > max {
                (max, true)
            } else {
                (v, false)
            };
            (v.cast_unsigned() & self.mask(), c)
        } else {
            let max = self.mask();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let v = r as u64; // saturating cast
            if r < 0.0 {
                (0, true)
            } else if r > max as f64 || v > max {
                (max, true)
            } else {
                (v, false)
            }
        }
    }

    fn mask(&self) -> u64 {
        match self.size {
            0 => 0,
            s if s >= 64 => u64::MAX,
            s => (1u64 << s) - 1,
        }
    }

    /// A switch's field bits as a switch value (None when negative).
    pub(crate) fn bits_as_switch(&self, bits: u64) -> Option<u64> {
        if self.signed {
            u64::try_from(sign_extend(bits, self.size)).ok()
        } else {
            Some(bits)
        }
    }

    /// Start raw bits from a raw `GenSigStartValue`.
    pub(crate) fn start_bits(&self, raw: f64) -> u64 {
        match self.kind {
            #[allow(clippy::cast_possible_truncation)]
            ValueKind::Float32 => u64::from((raw as f32).to_bits()),
            ValueKind::Float64 => raw.to_bits(),
            ValueKind::Integer => self.integer_bits(raw.round_ties_even()).0,
        }
    }
}

impl Message {
    /// Encodes physical `values` (indexed like `self.signals`; NaN or missing:
    /// the signal's start value, raw 0 if it has none) into `out`.
    ///
    /// `out[..len_bytes]` is cleared first, so bits no signal covers are 0. For a
    /// multiplexed message only the signals the switch values select are
    /// written. Values outside `[min, max]` (when min < max) or outside the
    /// field are clamped and counted. Fields past the end of `out` are not
    /// written (counted in `dropped`).
    pub fn encode(&self, values: &[f64], out: &mut [u8]) -> EncodeReport {
        let n = self.len_bytes.min(out.len());
        if let Some(head) = out.get_mut(..n) {
            head.fill(0);
        }
        let mut report = EncodeReport::default();
        let bits_of = |i: usize, s: &SignalDef| -> (u64, bool) {
            match values.get(i) {
                Some(&v) if !v.is_nan() => s.to_raw_bits(v),
                _ => (s.start_raw, false),
            }
        };
        for (i, signal) in self.signals.iter().enumerate() {
            if signal.mux.condition().is_some()
                && !self.present_with(i, 0, &mut |j, s| s.bits_as_switch(bits_of(j, s).0))
            {
                continue;
            }
            let (bits, clamped) = bits_of(i, signal);
            if clamped {
                report.clamped += 1;
            }
            if !signal.layout.is_valid() || !signal.layout.write(out, bits) {
                report.dropped += 1;
            }
        }
        report
    }

    /// Encodes only the signals listed in `signals` (indices into
    /// `self.signals`), which the caller knows to be present: the fast path for
    /// a sender that has worked out each multiplexer branch once. NaN values mean
    /// start values, as in [`Message::encode`]; `out[..len_bytes]` is cleared
    /// first.
    pub fn encode_only(&self, values: &[f64], signals: &[usize], out: &mut [u8]) -> EncodeReport {
        let n = self.len_bytes.min(out.len());
        if let Some(head) = out.get_mut(..n) {
            head.fill(0);
        }
        let mut report = EncodeReport::default();
        for &i in signals {
            let Some(signal) = self.signals.get(i) else {
                report.dropped += 1;
                continue;
            };
            let (bits, clamped) = match values.get(i) {
                Some(&v) if !v.is_nan() => signal.to_raw_bits(v),
                _ => (signal.start_raw, false),
            };
            if clamped {
                report.clamped += 1;
            }
            if !signal.layout.is_valid() || !signal.layout.write(out, bits) {
                report.dropped += 1;
            }
        }
        report
    }

    /// Decodes `data` into physical values `out` (indexed like
    /// `self.signals`): NaN for signals not present under the switch values in
    /// `data` and for signals that cannot be coded. `data` may be longer than
    /// the message, not shorter. A float signal whose bits are a NaN also gives
    /// NaN, and integers wider than 53 bits are rounded to `f64`: where that
    /// matters, [`Message::decode_raw`] says what is present, exactly.
    pub fn decode(&self, data: &[u8], out: &mut [f64]) -> Result<(), DecodeError> {
        let out = self.output(data, out)?;
        self.read_fields(data, |i, bits| {
            out[i] = bits.map_or(f64::NAN, |b| self.signals[i].raw_to_physical(b));
        });
        Ok(())
    }

    /// Decodes `data` into raw field bits `out` (indexed like
    /// `self.signals`): `Some(bits)` for each signal present under the switch
    /// values in `data` and codable, `None` for the others. Exact, with
    /// presence apart from the value (see [`SignalDef::raw_value`]).
    pub fn decode_raw(&self, data: &[u8], out: &mut [Option<u64>]) -> Result<(), DecodeError> {
        let out = self.output(data, out)?;
        self.read_fields(data, |i, bits| out[i] = bits);
        Ok(())
    }

    /// The part of `out` a decode of `data` fills: one slot per signal, once
    /// `data` holds the whole message.
    fn output<'o, T>(&self, data: &[u8], out: &'o mut [T]) -> Result<&'o mut [T], DecodeError> {
        if data.len() < self.len_bytes {
            return Err(DecodeError::TooShort {
                got: data.len(),
                need: self.len_bytes,
            });
        }
        let got = out.len();
        out.get_mut(..self.signals.len())
            .ok_or(DecodeError::OutputTooShort {
                got,
                need: self.signals.len(),
            })
    }

    /// Calls `each(i, bits)` for every signal: its raw field bits when it is
    /// present under the switch values in `data` and codable, else `None`.
    /// `data` holds at least the message (checked by the callers).
    fn read_fields(&self, data: &[u8], mut each: impl FnMut(usize, Option<u64>)) {
        let data = &data[..self.len_bytes];
        for (i, signal) in self.signals.iter().enumerate() {
            let present = signal.mux.condition().is_none()
                || self.present_with(i, 0, &mut |_, s| {
                    s.layout.read(data).and_then(|b| s.bits_as_switch(b))
                });
            each(
                i,
                if present {
                    signal.layout.read(data)
                } else {
                    None
                },
            );
        }
    }

    /// Raw field bits of signal `index` in `data`, if present and codable.
    #[must_use]
    pub fn raw_bits(&self, index: usize, data: &[u8]) -> Option<u64> {
        let signal = self.signals.get(index)?;
        let data = data.get(..self.len_bytes)?;
        let present = self.present_with(index, 0, &mut |_, s| {
            s.layout.read(data).and_then(|b| s.bits_as_switch(b))
        });
        present.then(|| signal.layout.read(data)).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_extension() {
        assert_eq!(sign_extend(0b111, 3), -1);
        assert_eq!(sign_extend(0b011, 3), 3);
        assert_eq!(sign_extend(0b100, 3), -4);
        assert_eq!(sign_extend(u64::MAX, 64), -1);
        assert_eq!(sign_extend(1 << 62, 63), -(1 << 62));
    }
}
