//! HTTP dates: `Retry-After`, and the server's clock from its `Date` header.

use super::{HttpResponse, MAX_SERVER_SECS};
use crate::domain::clock::{Skew, Timestamp};

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in seconds from `now`.
/// An HTTP-date is on the server's clock, so it is measured from `now` on that clock (`skew`).
pub fn retry_after_secs(value: &str, now: Timestamp, skew: Skew) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.min(MAX_SERVER_SECS));
    }
    parse_http_date(value).map(|at| skew.to_server(now).secs_until(at).min(MAX_SERVER_SECS))
}

/// The server's clock against ours, from the reply's `Date` (RFC 9110 §6.6.1) and the local
/// time `now` it arrived at; `None` without a readable `Date`.
pub fn server_skew(resp: &HttpResponse, now: Timestamp) -> Option<Skew> {
    let date = parse_http_date(resp.date.as_deref()?.trim())?;
    Some(Skew::between(date, now))
}

/// Parses an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT` (the only form servers must
/// send, RFC 9110 §5.6.7). Every field is bounded (years 1970–9999, hours 0–23, minutes 0–59,
/// seconds 0–60) and the arithmetic is checked, so a hostile header gives `None`, never a panic
/// or a wrapped value.
pub fn parse_http_date(value: &str) -> Option<Timestamp> {
    let mut parts = value.split_whitespace().skip(1);
    let day: i64 = parts.next()?.parse::<u8>().ok()?.into();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == parts.clone().next())?;
    parts.next();
    let year: i64 = parts.next()?.parse::<u16>().ok()?.into();
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u8>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some()
        || parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || !(1970..=9999).contains(&year)
        || h > 23
        || m > 59
        || s > 60
    {
        return None;
    }
    let month = i64::try_from(month).ok()? + 1;
    let secs = days_from_civil(year, month, day)
        .checked_mul(86_400)?
        .checked_add(i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))?;
    Some(Timestamp::from_unix_secs(secs))
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm); the
/// caller bounds the year, so nothing here can overflow.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rfc_example_and_bounds_every_field() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").map(Timestamp::as_unix_secs),
            Some(784_111_777)
        );
        for bad in [
            "Sun, 06 Nov 99999999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 1994 -1:49:37 GMT",
            "Sun, 06 Nov 1994 08:-5:37 GMT",
            "Sun, 06 Nov 1994 08:49:-1 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Sun, -6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 9223372036854775807:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
        assert!(parse_http_date("Fri, 31 Dec 9999 23:59:60 GMT").is_some());
    }

    /// A seeded generator of hostile strings: date-shaped ones with arbitrary fields, and
    /// arbitrary characters. Deterministic, so a failure reproduces.
    fn hostile_strings(count: usize) -> Vec<String> {
        let mut state: u64 = 0x5eed_da7e;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let pieces = [
            "-", "+", "0", "9", ":", " ", "GMT", "Nov", "Sun,", "\u{1b}", "é", "\u{0}",
        ];
        (0..count)
            .map(|i| {
                if i % 2 == 0 {
                    #[allow(clippy::cast_possible_wrap)]
                    let field = |n: u64| (n as i64).to_string();
                    format!(
                        "Sun, {} Nov {} {}:{}:{} GMT",
                        field(next() % 64),
                        field(next()),
                        field(next()),
                        field(next() >> (next() % 64)),
                        field(next().wrapping_neg()),
                    )
                } else {
                    let len = next() % 40;
                    (0..len)
                        .map(|_| {
                            let n = next();
                            if n % 3 == 0 {
                                char::from_u32(u32::try_from(n % 0x11_0000).unwrap_or(0))
                                    .unwrap_or('x')
                                    .to_string()
                            } else {
                                pieces[usize::try_from(n % 12).unwrap_or(0)].to_owned()
                            }
                        })
                        .collect()
                }
            })
            .collect()
    }

    #[test]
    fn no_string_makes_date_parsing_panic() {
        let now = Timestamp::from_unix_secs(1_800_000_000);
        for value in hostile_strings(20_000) {
            if let Some(at) = parse_http_date(&value) {
                let secs = at.as_unix_secs();
                assert!(
                    (0..=253_402_300_800).contains(&secs),
                    "{value:?} gave {secs}"
                );
            }
            let _ = retry_after_secs(&value, now, Skew::default());
        }
    }
}
