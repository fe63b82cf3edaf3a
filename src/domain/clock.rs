//! Time as the rest of the crate sees it: whole unix seconds, read only through a [`Clock`].
//!
//! `SystemClock` is the only place that reads the wall clock; tests pass literal timestamps or a
//! fake clock. Durations are plain `u64` seconds whose names end in `_secs`.

use std::time::{SystemTime, UNIX_EPOCH};

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

/// Formats a number of seconds as `m:ss` (or `h:mm:ss` from one hour on), for countdowns.
pub fn format_countdown(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
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
    fn utc_hms_of_known_instant() {
        // 2026-11-23T13:14:15Z
        assert_eq!(
            Timestamp::from_unix_secs(1_795_439_655).utc_hms(),
            "13:14:15"
        );
    }
}
