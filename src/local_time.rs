//! Times of day as the user reads them: in the local time zone, with its abbreviation.
//!
//! [`LocalTime::load`] reads the zone once at startup (`TZ`, else `/etc/localtime`, through
//! jiff and the system's time-zone database); everything after that is pure formatting of a
//! [`Timestamp`], so the model, the screens and the status text take a `LocalTime` as data and
//! tests pass a fixed zone. [`LocalTime::time_of_day`] is the one way a time is written for a
//! person: `13:24:15 CET`.

use std::sync::OnceLock;

use jiff::tz::TimeZone;

use crate::domain::clock::Timestamp;

/// The zone of this process, for sentences written without a context to carry one (error
/// messages: `Display` takes none). Set once by `main`; UTC until then (unit tests).
static PROCESS_ZONE: OnceLock<LocalTime> = OnceLock::new();

/// Sets the zone [`process_zone`] returns; the first call wins. `main` calls it once with
/// [`LocalTime::load`], before anything is written.
pub fn set_process_zone(zone: LocalTime) {
    let _ = PROCESS_ZONE.set(zone);
}

/// The zone set by [`set_process_zone`], else UTC.
pub fn process_zone() -> &'static LocalTime {
    static UTC: OnceLock<LocalTime> = OnceLock::new();
    PROCESS_ZONE
        .get()
        .unwrap_or_else(|| UTC.get_or_init(LocalTime::utc))
}

/// A time zone to show times in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalTime {
    zone: TimeZone,
}

impl Default for LocalTime {
    fn default() -> Self {
        Self::utc()
    }
}

impl LocalTime {
    /// Coordinated Universal Time.
    pub fn utc() -> Self {
        Self {
            zone: TimeZone::UTC,
        }
    }

    /// The zone of this machine: `TZ` when set (an IANA name such as `Europe/Berlin`, or a POSIX
    /// rule), else `/etc/localtime`; UTC when neither can be read. Reads the environment and the
    /// file system: call it once, from `main` or a command, never while rendering.
    pub fn load() -> Self {
        TimeZone::try_system().map_or_else(|_| Self::utc(), |zone| Self { zone })
    }

    /// A zone from a POSIX `TZ` rule (`CET-1CEST,M3.5.0,M10.5.0/3`): needs no time-zone
    /// database, so tests use it for a fixed zone with daylight saving time.
    pub fn posix(rule: &str) -> Option<Self> {
        TimeZone::posix(rule).ok().map(|zone| Self { zone })
    }

    /// A zone by IANA name (`Europe/Berlin`) from the system's time-zone database.
    pub fn named(name: &str) -> Option<Self> {
        TimeZone::get(name).ok().map(|zone| Self { zone })
    }

    /// `13:24:15 CET`: the time of day at `at` and the zone's abbreviation then (it changes
    /// with daylight saving time). Every time shown to a person is written by this function.
    pub fn time_of_day(&self, at: Timestamp) -> String {
        let (hms, abbreviation) = self.parts(at);
        format!("{hms} {abbreviation}")
    }

    /// `2026-11-23 13:24:15 CET`: [`time_of_day`](Self::time_of_day) with the local date, for
    /// deadlines that may be days away.
    pub fn date_time(&self, at: Timestamp) -> String {
        let date = jiff::Timestamp::from_second(at.as_unix_secs())
            .map(|instant| self.zone.to_datetime(instant).date().to_string())
            .unwrap_or_default();
        let time = self.time_of_day(at);
        if date.is_empty() {
            time
        } else {
            format!("{date} {time}")
        }
    }

    /// `13:24 CET`: [`time_of_day`](Self::time_of_day) without the seconds.
    pub fn hour_minute(&self, at: Timestamp) -> String {
        let (hms, abbreviation) = self.parts(at);
        let hm = hms.get(..5).unwrap_or(&hms);
        format!("{hm} {abbreviation}")
    }

    /// `13:24:15` without the zone, for columns of times under a heading that names it
    /// (see [`abbreviation`](Self::abbreviation)).
    pub fn hms(&self, at: Timestamp) -> String {
        self.parts(at).0
    }

    /// The zone's abbreviation at `at` (`CET`, `CEST`, `UTC`, or an offset such as `+0530`
    /// where the database has no letters).
    pub fn abbreviation(&self, at: Timestamp) -> String {
        self.parts(at).1
    }

    /// `HH:MM:SS` and the abbreviation; instants jiff cannot represent (beyond the year 9999)
    /// are written in UTC, as the domain's clock writes them.
    fn parts(&self, at: Timestamp) -> (String, String) {
        let Ok(instant) = jiff::Timestamp::from_second(at.as_unix_secs()) else {
            return (at.utc_hms(), "UTC".to_owned());
        };
        let civil = self.zone.to_datetime(instant);
        let hms = format!(
            "{:02}:{:02}:{:02}",
            civil.hour(),
            civil.minute(),
            civil.second()
        );
        let info = self.zone.to_offset_info(instant);
        (hms, info.abbreviation().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-01-15 12:00:00 UTC (winter) and 2026-07-15 12:00:00 UTC (summer).
    const WINTER: i64 = 1_768_478_400;
    const SUMMER: i64 = 1_784_116_800;
    const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

    #[test]
    fn utc_is_written_with_its_name() {
        let utc = LocalTime::utc();
        let at = Timestamp::from_unix_secs(WINTER);
        assert_eq!(utc.time_of_day(at), "12:00:00 UTC");
        assert_eq!(utc.hour_minute(at), "12:00 UTC");
    }

    #[test]
    fn a_zone_with_daylight_saving_changes_offset_and_abbreviation() {
        let berlin = LocalTime::posix(BERLIN).unwrap();
        assert_eq!(
            berlin.time_of_day(Timestamp::from_unix_secs(WINTER)),
            "13:00:00 CET"
        );
        assert_eq!(
            berlin.time_of_day(Timestamp::from_unix_secs(SUMMER)),
            "14:00:00 CEST"
        );
        assert_eq!(berlin.hms(Timestamp::from_unix_secs(SUMMER)), "14:00:00");
    }

    #[test]
    fn the_system_database_gives_iana_zones_their_abbreviations() {
        // Only where the system has a time-zone database (every Linux with tzdata).
        if let Some(new_york) = LocalTime::named("America/New_York") {
            assert_eq!(
                new_york.time_of_day(Timestamp::from_unix_secs(SUMMER)),
                "08:00:00 EDT"
            );
        }
    }

    #[test]
    fn a_date_time_carries_the_local_date() {
        let berlin = LocalTime::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // 23:30 UTC on 15 January is already the 16th in Berlin.
        let at = Timestamp::from_unix_secs(WINTER + 11 * 3600 + 1800);
        assert_eq!(berlin.date_time(at), "2026-01-16 00:30:00 CET");
    }

    #[test]
    fn instants_beyond_the_calendar_fall_back_to_utc() {
        let berlin = LocalTime::posix(BERLIN).unwrap();
        let far = Timestamp::from_unix_secs(i64::MAX);
        assert!(berlin.time_of_day(far).ends_with(" UTC"));
    }
}
