//! Entry points for fuzzing and for the property tests' smoke runs: each
//! takes arbitrary bytes, drives one parser (and what uses its output) and
//! panics only on a broken property. Not a stable API.

use crate::dbc::Dbc;
use crate::e2e::{DataIdMode, E2eChecker, E2eConfig, Profile1, Profile2};
use crate::log::{LogFormat, LogReader, LogWriter};

/// The DBC loader and checker on `data` as text; then every message of what
/// loads decodes payloads made of `data` at every length, and encodes values
/// made of it.
pub fn dbc(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(db) = Dbc::parse(&text, "fuzz.dbc") else {
        return;
    };
    let _ = db.check();
    let _ = db.uncodable();
    let mut payload = [0u8; 64];
    for (i, (b, k)) in payload.iter_mut().zip(0u8..).enumerate() {
        *b = data.get(i % data.len().max(1)).copied().unwrap_or(0) ^ k;
    }
    for m in db.messages().iter().take(64) {
        let n = m.signals.len();
        let mut phys = vec![0.0; n];
        let mut raw = vec![None; n];
        for len in [0, m.len_bytes.min(64), 64] {
            let p = &payload[..len];
            let decoded = m.decode(p, &mut phys).is_ok();
            assert_eq!(decoded, m.decode_raw(p, &mut raw).is_ok());
            if decoded {
                for (i, (v, r)) in phys.iter().zip(&raw).enumerate() {
                    // Present in one view, present in the other (a NaN float is present).
                    assert!(
                        r.is_some() || v.is_nan(),
                        "{}.{}",
                        m.name,
                        m.signals[i].name
                    );
                    assert_eq!(m.raw_bits(i, p), *r);
                }
            }
        }
        let values: Vec<f64> = (0..n)
            .map(|i| match payload[i % 64] % 4 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => -1e300,
                _ => f64::from(payload[i % 64]),
            })
            .collect();
        let mut out = [0u8; 64];
        let _ = m.encode(&values, &mut out);
        let _ = m.encode(&values, &mut out[..m.len_bytes.min(64) / 2]);
        for i in 0..n {
            let _ = m.is_present(i, &values);
        }
    }
}

/// A log reader on `data`; what it reads is written back and must read back
/// the same.
pub fn log(data: &[u8], format: LogFormat) {
    let records: Vec<_> = LogReader::new(data, format, "fuzz")
        .filter_map(Result::ok)
        .collect();
    let buf = SharedBuf::default();
    {
        let iface = records.first().map_or("can0", |r| r.iface.as_str());
        let mut w = LogWriter::new(Box::new(buf.clone()), format, iface);
        for r in &records {
            // Interface names with blanks cannot be written in either format.
            if r.iface.split_whitespace().count() != 1 {
                return;
            }
            w.write_record(r)
                .unwrap_or_else(|e| panic!("writing to memory: {e}"));
        }
        w.finish()
            .unwrap_or_else(|e| panic!("writing to memory: {e}"));
    }
    let written = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
    let again: Vec<_> = LogReader::new(written.as_slice(), format, "again")
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("our own log does not read back: {e}"));
    assert_eq!(again.len(), records.len());
    for (a, b) in again.iter().zip(&records) {
        assert_eq!(a.rec.frame, b.rec.frame);
        assert_eq!(a.rec.dir, b.rec.dir);
        if format == LogFormat::Candump {
            assert_eq!(a, b);
        }
    }
}

/// The E2E checker with a configuration and payloads taken from `data`.
pub fn e2e(data: &[u8]) {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let crc_byte = usize::from(byte(1) % 10);
    let counter_bit = usize::from(byte(2) % 80) & !3;
    let cfg = match byte(0) % 3 {
        0 => E2eConfig::Profile1(Profile1 {
            data_id: u16::from_le_bytes([byte(3), byte(4)]),
            crc_byte,
            counter_bit,
        }),
        1 => E2eConfig::Profile1WithMode(
            Profile1 {
                data_id: u16::from_le_bytes([byte(3), byte(4)]),
                crc_byte,
                counter_bit,
            },
            match byte(5) % 4 {
                0 => DataIdMode::Both,
                1 => DataIdMode::Alt,
                2 => DataIdMode::Low,
                _ => DataIdMode::Nibble {
                    nibble_bit: usize::from(byte(6) % 80) & !3,
                },
            },
        ),
        _ => {
            let mut list = [0u8; 16];
            for (i, b) in list.iter_mut().enumerate() {
                *b = byte(3 + i);
            }
            E2eConfig::Profile2(Profile2 {
                data_id_list: list,
                crc_byte,
                counter_bit,
            })
        }
    };
    let mut checker = E2eChecker::new(cfg, byte(7));
    let rest = data.get(8..).unwrap_or_default();
    let len = usize::from(byte(8) % 65);
    for chunk in rest.chunks(len.max(1)) {
        let _ = checker.check(chunk);
        let mut p = chunk.to_vec();
        let mut counter = byte(9);
        if cfg.protect(&mut p, &mut counter).is_ok() {
            // What the sender protects, the receiver accepts.
            assert!(cfg.crc_matches(&p), "{cfg:?} {p:?}");
        }
    }
}

#[derive(Clone, Default)]
struct SharedBuf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.write_all(b)?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
