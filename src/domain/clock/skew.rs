//! Clock skew: how far the server's clock is from this machine's, measured from a reply's `Date`
//! header (RFC 9110 §6.6.1) against the local time the reply arrived.
//!
//! Relative durations from a server (`expires_in`, `interval`, delta-seconds `Retry-After`) need
//! no correction: they are stamped on the local clock on receipt. Absolute server times (an
//! HTTP-date `Retry-After`, an ID token's `exp`) are on the server's clock and go through
//! [`Skew::to_local`] before they are compared with local time. `Date` has whole-second
//! resolution and is stamped before the reply travels, so a measurement is good to a second or
//! two; [`Skew::is_notable`] ignores anything under [`SKEW_NOTICE_SECS`].

use super::Timestamp;

/// Skews smaller than this (either way) are measurement noise and never shown.
pub const SKEW_NOTICE_SECS: u64 = 5;

/// The server's clock minus the local clock, in whole seconds: positive when the server is ahead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Skew(i64);

impl Skew {
    /// A skew of `secs` seconds (server minus local).
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// The skew between a server time and the local time at the same instant.
    pub fn between(server: Timestamp, local: Timestamp) -> Self {
        Self(server.as_unix_secs().saturating_sub(local.as_unix_secs()))
    }

    /// Server minus local, in seconds.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// A time on the server's clock, on the local clock.
    #[must_use]
    pub fn to_local(self, server_time: Timestamp) -> Timestamp {
        Timestamp::from_unix_secs(server_time.as_unix_secs().saturating_sub(self.0))
    }

    /// A local time, on the server's clock.
    #[must_use]
    pub fn to_server(self, local_time: Timestamp) -> Timestamp {
        Timestamp::from_unix_secs(local_time.as_unix_secs().saturating_add(self.0))
    }

    /// True when the skew is large enough to tell the user about.
    pub fn is_notable(self) -> bool {
        self.0.unsigned_abs() >= SKEW_NOTICE_SECS
    }
}

/// Where the server's clock stands: `42 s ahead of this machine` (or `3 min behind …`, `2 h`,
/// `5 days`).
impl std::fmt::Display for Skew {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.unsigned_abs();
        if secs == 0 {
            return f.write_str("in step with this machine");
        }
        let direction = if self.0 > 0 { "ahead of" } else { "behind" };
        let amount = match secs {
            0..120 => format!("{secs} s"),
            120..7_200 => format!("{} min", secs / 60),
            7_200..172_800 => format!("{} h", secs / 3600),
            _ => format!("{} days", secs / 86_400),
        };
        write!(f, "{amount} {direction} this machine")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: i64 = 1_795_439_655;

    #[test]
    fn skew_is_server_minus_local() {
        let local = Timestamp::from_unix_secs(LOCAL);
        let ahead = Skew::between(local.plus_secs(42), local);
        assert_eq!(ahead.secs(), 42);
        assert_eq!(Skew::between(local, local.plus_secs(7)).secs(), -7);
    }

    #[test]
    fn server_times_convert_both_ways() {
        let skew = Skew::from_secs(60);
        let server = Timestamp::from_unix_secs(LOCAL + 100);
        assert_eq!(skew.to_local(server), Timestamp::from_unix_secs(LOCAL + 40));
        assert_eq!(skew.to_server(skew.to_local(server)), server);
        let behind = Skew::from_secs(-60);
        assert_eq!(
            behind.to_local(server),
            Timestamp::from_unix_secs(LOCAL + 160)
        );
    }

    #[test]
    fn conversion_saturates_instead_of_overflowing() {
        let far = Timestamp::from_unix_secs(i64::MAX);
        assert_eq!(Skew::from_secs(-10).to_local(far), far);
        assert_eq!(Skew::from_secs(i64::MIN).to_local(far), far);
    }

    #[test]
    fn only_five_seconds_or_more_is_notable() {
        for (secs, notable) in [(0, false), (4, false), (-4, false), (5, true), (-5, true)] {
            assert_eq!(Skew::from_secs(secs).is_notable(), notable, "{secs}");
        }
        assert!(Skew::from_secs(i64::MIN).is_notable());
    }

    #[test]
    fn reads_as_a_sentence_in_a_sensible_unit() {
        let text = |secs| Skew::from_secs(secs).to_string();
        assert_eq!(text(42), "42 s ahead of this machine");
        assert_eq!(text(-42), "42 s behind this machine");
        assert_eq!(text(119), "119 s ahead of this machine");
        assert_eq!(text(-200), "3 min behind this machine");
        assert_eq!(text(7_200), "2 h ahead of this machine");
        assert_eq!(text(-3 * 86_400), "3 days behind this machine");
        assert_eq!(text(0), "in step with this machine");
    }
}
