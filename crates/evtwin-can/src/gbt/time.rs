//! Civil date and time from Unix seconds (UTC), for CTS. Howard Hinnant's
//! days-from-civil algorithm, inverted.

/// (year, month, day, hour, minute, second) of `unix_s` in UTC.
#[must_use]
pub fn civil(unix_s: u64) -> (u32, u32, u32, u32, u32, u32) {
    let days = unix_s / 86_400;
    let rem = unix_s % 86_400;
    #[allow(clippy::cast_possible_truncation)] // < 86400
    let (h, mi, s) = (
        (rem / 3600) as u32,
        (rem / 60 % 60) as u32,
        (rem % 60) as u32,
    );
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    #[allow(clippy::cast_possible_truncation)] // a year, a month, a day
    (y as u32, m as u32, d as u32, h, mi, s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_dates() {
        assert_eq!(super::civil(0), (1970, 1, 1, 0, 0, 0));
        // 2026-12-06 01:51:19 UTC
        assert_eq!(super::civil(1_796_521_879), (2026, 12, 6, 1, 51, 19));
        assert_eq!(super::civil(951_782_400), (2000, 2, 29, 0, 0, 0));
    }
}
