//! The checks a server's answer must pass before anything of it is shown or kept: verification
//! URIs fit to show and encode in a QR code, and token values fit to write verbatim.

use serde_json::{Map, Value};
use url::Url;

use super::{HttpResponse, parse_error, str_field};
use crate::domain::text::{URL_MAX_CHARS, sanitize};
use crate::domain::token_chars::{self, TokenCharsError, TokenField};
use crate::oauth::AuthError;
use crate::oauth::provider::is_loopback;

/// A verification URI we are willing to show and encode in a QR code: https (plain http only to
/// a loopback host), no user name or password before the host (`https://bank.example@evil.example`
/// reads as the bank's), no spaces, control or format characters, not longer than we can
/// display. Returns the normalised form, which is what the user sees and what the QR holds.
pub(super) fn verification_uri(
    raw: &str,
    what: &str,
    resp: &HttpResponse,
) -> Result<String, AuthError> {
    let clean = sanitize(raw, URL_MAX_CHARS);
    let refuse = |why: &str| parse_error(resp, format!("refusing {what} {clean:?}: {why}"));
    if clean != raw || raw.contains(char::is_whitespace) {
        return Err(refuse(
            "it holds spaces, control or invisible characters, or is too long",
        ));
    }
    let url = Url::parse(raw).map_err(|_| refuse("not a URL"))?;
    match url.scheme() {
        "https" if url.host().is_some() => {}
        "http" if is_loopback(&url) => {}
        _ => {
            return Err(refuse(
                "not https (plain http is only accepted for 127.0.0.1, ::1 and localhost)",
            ));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "it has a user name before the host (user@host), which hides the real host",
        ));
    }
    let normalised = String::from(url);
    if normalised.chars().count() > URL_MAX_CHARS {
        return Err(refuse("too long to show"));
    }
    Ok(normalised)
}

/// Checks every token of a token answer against the token character set.
pub(super) fn checked_tokens(
    map: &Map<String, Value>,
    access_token: &str,
) -> Result<(), TokenCharsError> {
    token_chars::check(TokenField::Access, access_token)?;
    for (field, name) in [
        (TokenField::Refresh, "refresh_token"),
        (TokenField::Id, "id_token"),
    ] {
        if let Some(value) = str_field(map, name) {
            token_chars::check(field, value)?;
        }
    }
    Ok(())
}
