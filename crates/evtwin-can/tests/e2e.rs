//! AUTOSAR E2E profiles 1 and 2 through the public API: reference vectors,
//! round trips and the receiver's detection of corrupted, repeated and lost
//! payloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use evtwin_can::e2e::{DataIdMode, E2eChecker, E2eConfig, E2eStatus, Profile1, Profile2};

fn p01() -> E2eConfig {
    E2eConfig::Profile1(Profile1 {
        data_id: 0x123,
        crc_byte: 0,
        counter_bit: 8,
    })
}

fn p02() -> E2eConfig {
    E2eConfig::Profile2(Profile2 {
        data_id_list: core::array::from_fn(|i| u8::try_from((i * 17 + 3) % 256).unwrap()),
        crc_byte: 0,
        counter_bit: 8,
    })
}

/// A bit-by-bit CRC-8, independent of the `crc` crate.
fn crc8(bytes: &[u8], poly: u8, init: u8, xorout: u8) -> u8 {
    let mut crc = init;
    for &b in bytes {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ poly
            } else {
                crc << 1
            };
        }
    }
    crc ^ xorout
}

#[test]
fn reference_vectors() {
    // Profile 1, data ID 0x123, 8 zero bytes: CRC in byte 0, counter in the low
    // nibble of byte 1.
    let mut data = [0u8; 8];
    let mut counter = 0;
    p01().protect(&mut data, &mut counter).unwrap();
    assert_eq!(data[0], 0xCC);
    p01().protect(&mut data, &mut counter).unwrap();
    assert_eq!(data[0], 0x91);
    assert_eq!(data[1], 0x01);

    // Profile 2.
    let zeros = E2eConfig::Profile2(Profile2 {
        data_id_list: [0; 16],
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut data = [0u8; 8];
    zeros.protect(&mut data, &mut 1).unwrap();
    assert_eq!(data[0], 0x45);
    let ramp = E2eConfig::Profile2(Profile2 {
        data_id_list: core::array::from_fn(|i| u8::try_from(i).unwrap()),
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut data = [0, 2, 2, 3, 4, 5, 6, 7];
    ramp.protect(&mut data, &mut 2).unwrap();
    assert_eq!(data, [0xBC, 2, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn crc_matches_an_independent_implementation() {
    let E2eConfig::Profile2(Profile2 { data_id_list, .. }) = p02() else {
        unreachable!()
    };
    let mut c1 = 0;
    let mut c2 = 0;
    for i in 0..50u8 {
        let mut d = [0, 0, i, i.wrapping_mul(7), 0xFF, i ^ 0x5A, 1, 2];
        p01().protect(&mut d, &mut c1).unwrap();
        let mut msg = vec![0x23, 0x01];
        msg.extend_from_slice(&d[1..]);
        assert_eq!(d[0], crc8(&msg, 0x1D, 0x00, 0x00), "P01 frame {i}");

        let mut d = [0, 0, i, 0x33, i.wrapping_mul(3), 0, 0, 9];
        p02().protect(&mut d, &mut c2).unwrap();
        let mut msg = d[1..].to_vec();
        msg.push(data_id_list[usize::from(d[1] & 0x0F)]);
        assert_eq!(d[0], crc8(&msg, 0x2F, 0xFF, 0xFF), "P02 frame {i}");
    }
}

#[test]
fn round_trips_over_several_counter_wraps() {
    for cfg in [
        p01(),
        p02(),
        E2eConfig::Profile1WithMode(
            Profile1 {
                data_id: 0x0A5,
                crc_byte: 7,
                counter_bit: 4,
            },
            DataIdMode::Nibble { nibble_bit: 0 },
        ),
    ] {
        let mut counter = 0;
        let mut checker = E2eChecker::new(cfg, 1);
        let mut seen = Vec::new();
        for i in 0..40u8 {
            let mut data = [i, 0, 0x10, i, 0, 0, 0, 0];
            cfg.protect(&mut data, &mut counter).unwrap();
            seen.push(cfg.counter_of(&data).unwrap());
            let want = if i == 0 {
                E2eStatus::Initial
            } else {
                E2eStatus::Ok
            };
            assert_eq!(checker.check(&data), want, "{cfg:?} frame {i}");
        }
        let modulus = cfg.counter_modulus();
        let expected: Vec<u8> = (0..40u8).map(|i| i % modulus).collect();
        assert_eq!(seen, expected);
    }
}

#[test]
fn every_single_bit_flip_is_wrong_crc() {
    for cfg in [p01(), p02()] {
        let mut data = [0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC];
        cfg.protect(&mut data, &mut 5).unwrap();
        for bit in 0..64 {
            let mut checker = E2eChecker::new(cfg, 2);
            let mut bad = data;
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                checker.check(&bad),
                E2eStatus::WrongCrc,
                "{cfg:?} bit {bit}"
            );
            // A rejected payload does not disturb the state.
            assert_eq!(checker.check(&data), E2eStatus::Initial);
        }
    }
    // Another data ID (profile 1) or another list entry (profile 2) is caught too.
    let mut data = [0u8; 8];
    p01().protect(&mut data, &mut 0).unwrap();
    let other_id = E2eConfig::Profile1(Profile1 {
        data_id: 0x124,
        crc_byte: 0,
        counter_bit: 8,
    });
    assert_eq!(
        E2eChecker::new(other_id, 1).check(&data),
        E2eStatus::WrongCrc
    );
    // Too short for the layout: rejected, no panic.
    assert_eq!(
        E2eChecker::new(p01(), 1).check(&data[..1]),
        E2eStatus::WrongCrc
    );
    assert_eq!(E2eChecker::new(p01(), 1).check(&[]), E2eStatus::WrongCrc);
}

#[test]
fn repeated_lost_and_out_of_sequence_counters() {
    for cfg in [p01(), p02()] {
        let frames: Vec<[u8; 8]> = (0..20u8)
            .scan(0u8, |counter, i| {
                let mut d = [0, 0, i, 0, 0, 0, 0, 0];
                cfg.protect(&mut d, counter).unwrap();
                Some(d)
            })
            .collect();
        let mut checker = E2eChecker::new(cfg, 2);
        assert_eq!(checker.check(&frames[0]), E2eStatus::Initial);
        assert_eq!(checker.check(&frames[0]), E2eStatus::Repeated);
        assert_eq!(checker.check(&frames[1]), E2eStatus::Ok);
        assert_eq!(checker.lost(), 0);
        // One lost: still within max delta 2.
        assert_eq!(checker.check(&frames[3]), E2eStatus::Ok);
        assert_eq!(checker.lost(), 1);
        // Three lost: delta 4 > 2.
        assert_eq!(checker.check(&frames[7]), E2eStatus::WrongSequence);
        // Resynchronised on the new counter.
        assert_eq!(checker.check(&frames[8]), E2eStatus::Ok);
        // Going backwards is a large forward jump modulo the counter range.
        assert_eq!(checker.check(&frames[6]), E2eStatus::WrongSequence);
        checker.reset();
        assert_eq!(checker.check(&frames[10]), E2eStatus::Initial);
    }
    // Profile 1 never sends counter 15; a payload with a good CRC over 15 is
    // out of sequence.
    let cfg = p01();
    let mut data = [0u8; 8];
    data[1] = 0x0F;
    let mut msg = vec![0x23, 0x01];
    msg.extend_from_slice(&data[1..]);
    data[0] = crc8(&msg, 0x1D, 0, 0);
    assert!(cfg.crc_matches(&data));
    assert_eq!(
        E2eChecker::new(cfg, 1).check(&data),
        E2eStatus::WrongSequence
    );
}

#[test]
fn counter_wrap_is_in_sequence() {
    // 14 → 0 for profile 1, 15 → 0 for profile 2.
    for (cfg, last) in [(p01(), 14u8), (p02(), 15u8)] {
        let mut counter = last;
        let mut a = [0u8; 8];
        cfg.protect(&mut a, &mut counter).unwrap();
        assert_eq!(counter, 0);
        let mut b = [0u8; 8];
        cfg.protect(&mut b, &mut counter).unwrap();
        let mut checker = E2eChecker::new(cfg, 1);
        assert_eq!(checker.check(&a), E2eStatus::Initial);
        assert_eq!(checker.check(&b), E2eStatus::Ok);
    }
}
