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
/// send, RFC 9110 §5.6.7).
pub fn parse_http_date(value: &str) -> Option<Timestamp> {
    let mut parts = value.split_whitespace().skip(1);
    let day: i64 = parts.next()?.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| Some(*m) == parts.clone().next())?;
    parts.next();
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let month = i64::try_from(month).ok()? + 1;
    Some(Timestamp::from_unix_secs(
        days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s,
    ))
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
