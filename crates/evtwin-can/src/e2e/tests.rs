use super::*;

const STD1: Profile1 = Profile1 {
    data_id: 0x123,
    crc_byte: 0,
    counter_bit: 8,
};

#[test]
fn p01_reference_vectors() {
    let cfg = E2eConfig::Profile1(STD1);
    let mut counter = 0;
    let mut data = [0u8; 8];
    cfg.protect(&mut data, &mut counter).unwrap();
    assert_eq!(data, [0xCC, 0, 0, 0, 0, 0, 0, 0]);
    cfg.protect(&mut data, &mut counter).unwrap();
    assert_eq!(data[..2], [0x91, 0x01]);
    assert_eq!(counter, 2);
}

#[test]
fn p02_reference_vectors() {
    let cfg = E2eConfig::Profile2(Profile2 {
        data_id_list: [0; 16],
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut counter = 1;
    let mut data = [0u8; 8];
    cfg.protect(&mut data, &mut counter).unwrap();
    assert_eq!(data[..2], [0x45, 0x01]);
    let list: [u8; 16] = core::array::from_fn(|i| u8::try_from(i).unwrap());
    let cfg = E2eConfig::Profile2(Profile2 {
        data_id_list: list,
        crc_byte: 0,
        counter_bit: 8,
    });
    let mut data = [0, 2, 2, 3, 4, 5, 6, 7];
    let mut counter = 2;
    cfg.protect(&mut data, &mut counter).unwrap();
    assert_eq!(data[0], 0xBC);
}

#[test]
fn counters_wrap() {
    let p1 = E2eConfig::Profile1(STD1);
    let mut c = 14;
    p1.protect(&mut [0; 8], &mut c).unwrap();
    assert_eq!(c, 0);
    let mut c = 15; // invalid for profile 1: reduced to 0
    let mut data = [0; 8];
    p1.protect(&mut data, &mut c).unwrap();
    assert_eq!((p1.counter_of(&data), c), (Some(0), 1));
    let p2 = E2eConfig::Profile2(Profile2 {
        data_id_list: [7; 16],
        crc_byte: 0,
        counter_bit: 12,
    });
    let mut c = 15;
    let mut data = [0, 0xA5, 0];
    p2.protect(&mut data, &mut c).unwrap();
    assert_eq!((data[1], c), (0xF5, 0));
}

#[test]
fn bad_layouts_are_errors_not_panics() {
    let mut c = 0;
    let short = E2eConfig::Profile1(Profile1 {
        crc_byte: 8,
        ..STD1
    });
    assert!(matches!(
        short.protect(&mut [0; 8], &mut c),
        Err(E2eError::OutOfRange { .. })
    ));
    let odd = E2eConfig::Profile1(Profile1 {
        counter_bit: 9,
        ..STD1
    });
    assert!(matches!(
        odd.protect(&mut [0; 8], &mut c),
        Err(E2eError::Unaligned { .. })
    ));
    let overlap = E2eConfig::Profile1(Profile1 {
        counter_bit: 4,
        ..STD1
    });
    assert!(matches!(overlap.validate(8), Err(E2eError::Overlap { .. })));
    let wide = E2eConfig::Profile1WithMode(STD1_WIDE, DataIdMode::Nibble { nibble_bit: 12 });
    assert!(matches!(
        wide.validate(8),
        Err(E2eError::DataIdTooWide { .. })
    ));
    assert!(!E2eConfig::Profile1(STD1).crc_matches(&[0xCC]));
}

const STD1_WIDE: Profile1 = Profile1 {
    data_id: 0x1234,
    crc_byte: 0,
    counter_bit: 8,
};

#[test]
fn modes_round_trip() {
    for mode in [
        DataIdMode::Both,
        DataIdMode::Alt,
        DataIdMode::Low,
        DataIdMode::Nibble { nibble_bit: 12 },
    ] {
        let cfg = E2eConfig::Profile1WithMode(STD1, mode);
        let mut checker = E2eChecker::new(cfg, 1);
        let mut c = 0;
        for i in 0..40u8 {
            let mut data = [i, 0, i, 3, 4, 5, 6, 7];
            cfg.protect(&mut data, &mut c).unwrap();
            let want = if i == 0 {
                E2eStatus::Initial
            } else {
                E2eStatus::Ok
            };
            assert_eq!(checker.check(&data), want, "{mode:?} frame {i}");
        }
    }
    // Nibble mode carries bits 8..=11 of the ID in the payload.
    let cfg = E2eConfig::Profile1WithMode(STD1, DataIdMode::Nibble { nibble_bit: 12 });
    let mut data = [0; 8];
    cfg.protect(&mut data, &mut 3).unwrap();
    assert_eq!(data[1], 0x13);
    // Alt mode: even counters use the low byte only.
    let alt = E2eConfig::Profile1WithMode(STD1, DataIdMode::Alt);
    let low = E2eConfig::Profile1WithMode(STD1, DataIdMode::Low);
    let (mut a, mut b) = ([0; 8], [0; 8]);
    alt.protect(&mut a, &mut 2).unwrap();
    low.protect(&mut b, &mut 2).unwrap();
    assert_eq!(a, b);
    alt.protect(&mut a, &mut 3).unwrap();
    low.protect(&mut b, &mut 3).unwrap();
    assert_ne!(a[0], b[0]);
}
