//! Time as the rest of the crate sees it: whole unix seconds, read only through a [`Clock`].
//!
//! `SystemClock` is the only place that reads the wall clock; tests pass literal timestamps or a
//! fake clock. Durations are plain `u64` seconds whose names end in `_secs`.

use std::time::{SystemTime, UNIX_EPOCH};

mod skew;
pub use skew::{SKEW_NOTICE_SECS, Skew};

/// A point in time, in whole seconds since the unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Wraps unix seconds.
    pub const fn from_unix_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// The unix seconds inside.
    pub const fn as_unix_secs(self) -> i64 {
        self.0
    }

    /// This time plus `secs` seconds (saturating).
    #[must_use]
    pub fn plus_secs(self, secs: u64) -> Self {
        Self(
            self.0
                .saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)),
        )
    }

    /// Seconds from `self` until `later`; zero when `later` is not after `self`.
    pub fn secs_until(self, later: Timestamp) -> u64 {
        u64::try_from(later.0.saturating_sub(self.0)).unwrap_or(0)
    }

    /// This instant as an RFC 3339 UTC timestamp, `2026-11-23T13:14:15Z` (years clamped to
    /// 0000–9999, the range RFC 3339 can write).
    pub fn to_rfc3339(self) -> String {
        const MIN_SECS: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
        const MAX_SECS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
        let secs = self.0.clamp(MIN_SECS, MAX_SECS);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let day_secs = secs.rem_euclid(86_400);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            day_secs / 3600,
            (day_secs % 3600) / 60,
            day_secs % 60
        )
    }

    /// `HH:MM:SS` of this instant in UTC.
    pub fn utc_hms(self) -> String {
        let day_secs = self.0.rem_euclid(86_400);
        format!(
            "{:02}:{:02}:{:02}",
            day_secs / 3600,
            (day_secs % 3600) / 60,
            day_secs % 60
        )
    }
}

/// Year, month (1–12) and day (1–31) of the proleptic Gregorian calendar for a count of days
/// since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // day of the 400-year era, [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year, [0, 365]
    let mp = (5 * doy + 2) / 153; // March = 0, [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a number of seconds as `m:ss` (or `h:mm:ss` from one hour on), for countdowns.
pub fn format_countdown(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A length of time in its two largest units, for ages and spans: `40 s`, `12 min`,
/// `3 h 5 min`, `2 d 4 h`.
pub fn format_span(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_until_never_goes_negative() {
        let t = Timestamp::from_unix_secs(100);
        assert_eq!(t.secs_until(Timestamp::from_unix_secs(130)), 30);
        assert_eq!(t.secs_until(Timestamp::from_unix_secs(90)), 0);
    }

    #[test]
    fn countdown_switches_to_hours() {
        assert_eq!(format_countdown(0), "0:00");
        assert_eq!(format_countdown(599), "9:59");
        assert_eq!(format_countdown(3600 + 61), "1:01:01");
    }

    #[test]
    fn rfc3339_of_known_instants() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (1_795_439_655, "2026-11-23T13:14:15Z"),
            (1_798_761_599, "2026-12-31T23:59:59Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (i64::MAX, "9999-12-31T23:59:59Z"),
            (i64::MIN, "0000-01-01T00:00:00Z"),
        ] {
            assert_eq!(Timestamp::from_unix_secs(secs).to_rfc3339(), text, "{secs}");
        }
    }

    #[test]
    fn spans_use_the_two_largest_units() {
        assert_eq!(format_span(40), "40 s");
        assert_eq!(format_span(12 * 60 + 5), "12 min");
        assert_eq!(format_span(3 * 3600), "3 h");
        assert_eq!(format_span(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(format_span(2 * 86_400 + 4 * 3600 + 59), "2 d 4 h");
    }

    #[test]
    fn utc_hms_of_known_instant() {
        // 2026-11-23T13:14:15Z
        assert_eq!(
            Timestamp::from_unix_secs(1_795_439_655).utc_hms(),
            "13:14:15"
        );
    }
}
