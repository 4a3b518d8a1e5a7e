//! The dates in ASC headers (`Tue Nov 14 22:13:20.000 2023`), to and from
//! microseconds since the Unix epoch, in UTC.

use std::fmt::Write as _;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// German abbreviations CANoe writes under a German locale.
const MONTHS_DE: [(&str, u32); 4] = [("Mär", 3), ("Mai", 5), ("Okt", 10), ("Dez", 12)];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1..=12, day 1..=31) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 1..=12, 1..=31
    (year, month as u32, day as u32)
}

/// Appends `Www Mmm DD HH:MM:SS.mmm YYYY` for `time_us` (sub-millisecond
/// digits are dropped).
pub(crate) fn write_date(out: &mut String, time_us: u64) {
    let secs = time_us / 1_000_000;
    let millis = (time_us % 1_000_000) / 1000;
    #[allow(clippy::cast_possible_wrap)] // u64 µs / 86400e6 fits i64
    let days = (secs / 86_400) as i64;
    let sod = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0..7
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1) as usize];
    let _ = write!(
        out,
        "{weekday} {month_name} {day:02} {:02}:{:02}:{:02}.{millis:03} {year}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
}

fn month_number(name: &str) -> Option<u32> {
    let by_english = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name));
    #[allow(clippy::cast_possible_truncation)] // < 12
    by_english
        .map(|i| i as u32 + 1)
        .or_else(|| MONTHS_DE.iter().find(|(m, _)| *m == name).map(|&(_, n)| n))
}

/// Parses `[Www] Mmm D HH:MM:SS[.fff] [am|pm] YYYY` into µs since the epoch
/// (UTC). None when it does not look like that.
pub(crate) fn parse_date(text: &str) -> Option<u64> {
    let mut toks: Vec<&str> = text.split_ascii_whitespace().collect();
    if toks.first().is_some_and(|t| month_number(t).is_none()) {
        toks.remove(0); // the weekday
    }
    let (month, day, time, rest) = match toks.as_slice() {
        [m, d, t, rest @ ..] => (month_number(m)?, d.parse::<u32>().ok()?, *t, rest),
        _ => return None,
    };
    let (meridiem, year) = match rest {
        [y] => (None, y),
        [p, y] => (Some(p.to_ascii_lowercase()), y),
        _ => return None,
    };
    let year: i64 = year.parse().ok()?;
    // Logs are from this era; anything else would only overflow the arithmetic.
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut parts = hms.split(':').map(str::parse::<u64>);
    let (mut hour, minute, second) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    if parts.next().is_some() || !(1..=31).contains(&day) || minute > 59 || second > 60 {
        return None;
    }
    match meridiem.as_deref() {
        None => {}
        Some("am") if (1..=12).contains(&hour) => hour %= 12,
        Some("pm") if (1..=12).contains(&hour) => hour = hour % 12 + 12,
        Some(_) => return None,
    }
    if hour > 23 || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let micros = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(6)
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let days = u64::try_from(days_from_civil(year, month, day)).ok()?;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(us: u64) -> String {
        let mut s = String::new();
        write_date(&mut s, us);
        s
    }

    #[test]
    fn known_dates() {
        assert_eq!(date(0), "Thu Jan 01 00:00:00.000 1970");
        // 1700000000 = 2023-11-14 22:13:20 UTC, a Tuesday.
        assert_eq!(date(1_700_000_000_123_456), "Tue Nov 14 22:13:20.123 2023");
        // 2024-02-29 12:00:00 UTC, a Thursday.
        assert_eq!(date(1_709_208_000_000_000), "Thu Feb 29 12:00:00.000 2024");
    }

    #[test]
    fn parses_the_spellings_in_use() {
        assert_eq!(
            parse_date("Tue Nov 14 22:13:20.123 2023"),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(
            parse_date("Tue Nov 14 22:13:20 2023"),
            Some(1_700_000_000_000_000)
        );
        assert_eq!(
            parse_date("Tue Nov 14 10:13:20.123 pm 2023"),
            Some(1_700_000_000_123_000)
        );
        assert_eq!(parse_date("Thu Jan  1 12:00:00 am 1970"), Some(0));
        assert_eq!(
            parse_date("Di Dez 14 22:13:20 2021").map(|t| t > 0),
            Some(true)
        );
        assert_eq!(
            parse_date("Nov 14 22:13:20 2023"),
            Some(1_700_000_000_000_000)
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("Tue Nov 14 25:13:20 2023"), None);
        for us in [
            0,
            86_399_999_000,
            951_782_400_000_000,
            4_102_444_800_000_000,
        ] {
            assert_eq!(parse_date(&date(us)), Some(us), "{}", date(us));
        }
    }
}
