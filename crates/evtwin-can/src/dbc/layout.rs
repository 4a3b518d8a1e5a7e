//! Where a signal's bits lie in the payload, precomputed once so that reading
//! and writing a field is a handful of byte operations.
//!
//! Intel (little-endian) signals: the start bit is the least significant bit,
//! bit `i` of byte `b` is bit `8 b + i`, the field runs upwards. Motorola
//! (big-endian) signals: the start bit is the most significant bit in the same
//! numbering (the DBC and cantools convention); in network order (byte 0 first,
//! bit 7 first) the field runs from there for `size` bits.

/// Byte order of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Little-endian (`@1` in DBC).
    Intel,
    /// Big-endian (`@0` in DBC).
    Motorola,
}

/// A signal's field in the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Layout {
    /// First payload byte touched.
    first: u8,
    /// Number of bytes touched (1..=9), 0 for a field that cannot be placed.
    bytes: u8,
    /// Right shift of the field inside the bytes read as one integer.
    shift: u8,
    /// Bytes are read most significant first (Motorola).
    big: bool,
    /// `size` low bits set.
    mask: u64,
}

impl Layout {
    /// The layout of a field of `size` bits at `start`, or an empty layout
    /// (which [`Layout::is_valid`] rejects) when `size` is not in 1..=64 or the
    /// field does not end inside `len_bytes` bytes (at most 64).
    pub(crate) fn new(start: u32, size: u32, order: ByteOrder, len_bytes: usize) -> Self {
        Self::span(start, size, order)
            .filter(|&(_, last)| last < len_bytes.min(64))
            .map_or_else(Self::default, |(first, last)| {
                let mask = if size == 64 {
                    u64::MAX
                } else {
                    (1u64 << size) - 1
                };
                let start = start as usize;
                let size = size as usize;
                let shift = match order {
                    ByteOrder::Intel => start % 8,
                    ByteOrder::Motorola => {
                        let lsb = msb_network(start) + size - 1;
                        7 - lsb % 8
                    }
                };
                #[allow(clippy::cast_possible_truncation)] // all < 72
                Self {
                    first: first as u8,
                    bytes: (last - first + 1) as u8,
                    shift: shift as u8,
                    big: order == ByteOrder::Motorola,
                    mask,
                }
            })
    }

    /// The first and last payload byte a field touches (no length check), or
    /// None when `size` is not in 1..=64 or the field would end past byte 64.
    pub(crate) fn span(start: u32, size: u32, order: ByteOrder) -> Option<(usize, usize)> {
        if !(1..=64).contains(&size) || start >= 512 {
            return None;
        }
        let (start, size) = (start as usize, size as usize);
        let (first, last) = match order {
            ByteOrder::Intel => (start / 8, (start + size - 1) / 8),
            ByteOrder::Motorola => {
                let msb = msb_network(start);
                (msb / 8, (msb + size - 1) / 8)
            }
        };
        (last < 64).then_some((first, last))
    }

    /// Whether the field can be read and written.
    pub(crate) const fn is_valid(&self) -> bool {
        self.bytes != 0
    }

    /// Index one past the last byte touched.
    pub(crate) const fn end(&self) -> usize {
        self.first as usize + self.bytes as usize
    }

    /// The field's bits, unsigned; None when the field cannot be placed or
    /// `data` does not hold [`Layout::end`] bytes.
    #[inline]
    pub(crate) fn read(&self, data: &[u8]) -> Option<u64> {
        if !self.is_valid() {
            return None;
        }
        let bytes = data.get(self.first as usize..self.end())?;
        let acc = if self.big {
            bytes.iter().fold(0u128, |acc, &b| acc << 8 | u128::from(b))
        } else {
            bytes
                .iter()
                .rev()
                .fold(0u128, |acc, &b| acc << 8 | u128::from(b))
        };
        #[allow(clippy::cast_possible_truncation)] // masked to 64 bits
        let value = (acc >> self.shift) as u64 & self.mask;
        Some(value)
    }

    /// Writes the low bits of `raw` into the field; false (nothing written)
    /// when `data` is too short.
    #[inline]
    pub(crate) fn write(&self, data: &mut [u8], raw: u64) -> bool {
        if !self.is_valid() {
            return false;
        }
        let Some(bytes) = data.get_mut(self.first as usize..self.end()) else {
            return false;
        };
        let field_mask = u128::from(self.mask) << self.shift;
        let field = u128::from(raw & self.mask) << self.shift;
        let n = bytes.len();
        #[allow(clippy::cast_possible_truncation)] // one byte at a time
        for (k, b) in bytes.iter_mut().enumerate() {
            let byte_shift = if self.big { 8 * (n - 1 - k) } else { 8 * k };
            let m = (field_mask >> byte_shift) as u8;
            let v = (field >> byte_shift) as u8;
            *b = (*b & !m) | v;
        }
        true
    }

    /// Bit set of the field over a 64-byte payload (bit `8 b + i` = bit `i` of
    /// byte `b`), for overlap checks.
    pub(crate) fn bits(&self) -> [u64; 8] {
        let mut set = [0u64; 8];
        if !self.is_valid() {
            return set;
        }
        let mut scratch = [0u8; 64];
        self.write(&mut scratch, u64::MAX);
        for (i, chunk) in scratch.chunks_exact(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            set[i] = u64::from_le_bytes(word);
        }
        set
    }
}

/// Network bit number (byte 0 bit 7 = 0, byte 0 bit 0 = 7, byte 1 bit 7 = 8…)
/// of a DBC Motorola start bit.
const fn msb_network(start: usize) -> usize {
    (start / 8) * 8 + 7 - start % 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intel_fields() {
        let l = Layout::new(4, 12, ByteOrder::Intel, 8);
        let mut d = [0u8; 8];
        assert!(l.write(&mut d, 0xABC));
        assert_eq!(d[..3], [0xC0, 0xAB, 0x00]);
        assert_eq!(l.read(&d), Some(0xABC));
        let l = Layout::new(0, 64, ByteOrder::Intel, 8);
        assert!(l.write(&mut d, 0x0102_0304_0506_0708));
        assert_eq!(d, [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(l.read(&d), Some(0x0102_0304_0506_0708));
    }

    #[test]
    fn motorola_fields() {
        // cantools: 7|16@0+ → bytes 0..2 big-endian.
        let l = Layout::new(7, 16, ByteOrder::Motorola, 8);
        let mut d = [0u8; 8];
        assert!(l.write(&mut d, 0x1234));
        assert_eq!(d[..3], [0x12, 0x34, 0x00]);
        // 3|12@0+ : msb at bit 3 of byte 0, runs into byte 1 (all of it).
        let l = Layout::new(3, 12, ByteOrder::Motorola, 8);
        let mut d = [0u8; 8];
        assert!(l.write(&mut d, 0xABC));
        assert_eq!(d[..3], [0x0A, 0xBC, 0x00]);
        assert_eq!(l.read(&d), Some(0xABC));
        // Unaligned 64-bit Motorola field spans 9 bytes.
        let l = Layout::new(3, 64, ByteOrder::Motorola, 9);
        let mut d = [0u8; 9];
        assert!(l.write(&mut d, u64::MAX));
        assert_eq!(d, [0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0]);
        assert_eq!(l.read(&d), Some(u64::MAX));
    }

    #[test]
    fn invalid_fields() {
        assert!(!Layout::new(0, 0, ByteOrder::Intel, 8).is_valid());
        assert!(!Layout::new(0, 65, ByteOrder::Intel, 8).is_valid());
        assert!(!Layout::new(60, 8, ByteOrder::Intel, 8).is_valid());
        // Motorola 7|16 in a 1-byte message.
        assert!(!Layout::new(7, 16, ByteOrder::Motorola, 1).is_valid());
        let l = Layout::new(8, 8, ByteOrder::Intel, 2);
        assert_eq!(l.read(&[0]), None);
        assert!(!l.write(&mut [0], 1));
        assert_eq!(l.bits()[0], 0xFF00);
        // An empty layout reads nothing (it used to read 0) and writes nothing.
        let empty = Layout::new(60, 8, ByteOrder::Intel, 8);
        assert_eq!(empty.read(&[0xFF; 8]), None);
        assert!(!empty.write(&mut [0; 8], 1));
    }
}
