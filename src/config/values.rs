//! Checks of single values in `config.toml`, and the wording of their errors: each names the
//! key, quotes the value as written and says what would be valid. Enum-like keys take the names
//! of the clap `ValueEnum`s the flags use.

use clap::ValueEnum;
use toml::de::DeValue;

use super::REFRESH_SKEW_RANGE_SECS;
use crate::oauth::provider::{EndpointError, checked_url, is_loopback};

/// The valid key closest to `key` (ignoring case, `_` and `-`), within two edits.
pub(crate) fn suggestion<'k>(key: &str, valid: &[&'k str]) -> Option<&'k str> {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = norm(key);
    valid
        .iter()
        .map(|k| (edit_distance(&wanted, &norm(k)), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `a`, `a or b`, `a, b or c`.
pub(super) fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

pub(super) fn choice<T: ValueEnum>(
    key: &str,
    value: &DeValue<'_>,
    written: &str,
) -> Result<T, String> {
    value
        .as_str()
        .and_then(|s| T::from_str(s.trim(), false).ok())
        .ok_or_else(|| {
            let names: Vec<String> = T::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value)
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            format!("{key} = {written} is not valid; choose {}", or_list(&names))
        })
}

pub(super) fn string(key: &str, value: &DeValue<'_>, written: &str) -> Result<String, String> {
    match value.as_str().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(format!(
            "{key} = {written} is not valid; give a non-empty string in quotes"
        )),
    }
}

pub(super) fn endpoint(
    key: &'static str,
    value: &DeValue<'_>,
    written: &str,
) -> Result<String, String> {
    let url = string(key, value, written)?;
    match checked_url(key, &url) {
        Ok(_) => Ok(url),
        Err(EndpointError::Insecure { .. }) => Err(format!(
            "{key} = {written} is not valid; use https:// (plain http:// only for 127.0.0.1, ::1 and localhost)"
        )),
        Err(EndpointError::Invalid { reason, .. }) => Err(format!(
            "{key} = {written} is not valid ({reason}); give an https:// URL"
        )),
        Err(e) => Err(format!("{key} = {written} is not valid ({e})")),
    }
}

pub(super) fn host(value: &DeValue<'_>, written: &str) -> Result<String, String> {
    let host = string("host", value, written)?;
    let url = if host.contains("://") {
        host.clone()
    } else {
        format!("https://{host}")
    };
    match checked_url("host", &url) {
        // Plain http is what a local server usually speaks: say so rather than fail on TLS.
        Ok(url) if !host.contains("://") && is_loopback(&url) => Err(format!(
            "host = {written} is not valid; a loopback address needs its scheme: write host = \"http://{host}\" for a local server that speaks plain http, or \"https://{host}\" for one that speaks TLS"
        )),
        Ok(_) => Ok(host),
        Err(_) => Err(format!(
            "host = {written} is not valid; give a host name such as \"eu3.app.anaplan.com\", or an https:// URL"
        )),
    }
}

pub(super) fn redirect_uri(value: &DeValue<'_>, written: &str) -> Result<String, String> {
    let uri = string("redirect_uri", value, written)?;
    match url::Url::parse(&uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(uri),
        _ => Err(format!(
            "redirect_uri = {written} is not valid; give an http:// or https:// URL registered for the client"
        )),
    }
}

pub(super) fn scopes(value: &DeValue<'_>, written: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "scopes = {written} is not valid; give a string such as \"openid offline_access\", or an array of strings"
        )
    };
    let joined = match value {
        DeValue::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        DeValue::Array(items) => {
            let words: Option<Vec<&str>> = items
                .iter()
                .map(|i| i.get_ref().as_str().map(str::trim))
                .collect();
            words.ok_or_else(bad)?.join(" ")
        }
        _ => return Err(bad()),
    };
    if joined.contains(',') {
        return Err(comma_separated(&joined, written));
    }
    if joined.trim().is_empty() {
        Err(bad())
    } else {
        Ok(joined)
    }
}

/// Scopes are space-separated (RFC 6749 §3.3); a comma is almost always a list written the way
/// other tools take it, and the server would see one unknown scope.
fn comma_separated(joined: &str, written: &str) -> String {
    let words: Vec<&str> = joined
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    format!(
        "scopes = {written} is not valid: scopes are separated by spaces, not commas; write \"{}\" or [{}]",
        words.join(" "),
        quoted.join(", ")
    )
}

fn seconds(value: &DeValue<'_>) -> Option<u64> {
    let int = value.as_integer()?;
    u64::from_str_radix(int.as_str(), int.radix()).ok()
}

pub(super) fn refresh_skew(value: &DeValue<'_>, written: &str) -> Result<u64, String> {
    seconds(value).filter(|s| REFRESH_SKEW_RANGE_SECS.contains(s)).ok_or_else(|| {
        let (lo, hi) = (REFRESH_SKEW_RANGE_SECS.start(), REFRESH_SKEW_RANGE_SECS.end());
        format!("refresh_skew = {written} is not valid; give a whole number of seconds from {lo} to {hi}")
    })
}

pub(super) fn lifespan(value: &DeValue<'_>, written: &str) -> Result<u64, String> {
    seconds(value)
        .filter(|s| *s > 0)
        .ok_or_else(|| format!("refresh_token_lifespan = {written} is not valid; give a whole number of seconds, at least 1 (Anaplan's default is 43000)"))
}

/// The longest profile `label`, in characters.
pub const LABEL_MAX_CHARS: usize = 40;

/// A profile's `label`: any non-empty string, stripped of control characters and escape
/// sequences and cut to [`LABEL_MAX_CHARS`] (it is only ever shown).
pub(super) fn label(value: &DeValue<'_>, written: &str) -> Result<String, String> {
    let text = crate::domain::text::sanitize(value.as_str().unwrap_or_default(), LABEL_MAX_CHARS);
    if text.is_empty() {
        return Err(format!(
            "label = {written} is not valid; give a short text in quotes, such as \"Tenant A (EU)\""
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::super::PROFILE_KEYS;
    use super::*;

    #[test]
    fn suggestions_ignore_case_and_separators() {
        assert_eq!(suggestion("Client-ID", &PROFILE_KEYS), Some("client_id"));
        assert_eq!(suggestion("scope", &PROFILE_KEYS), Some("scopes"));
        assert_eq!(suggestion("zzz", &PROFILE_KEYS), None);
        assert_eq!(or_list(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
