//! `status --verify`: one question to the provider — is the stored access token accepted? —
//! over the sans-IO [`crate::oauth::verify`]. It reads the secrets (plain `status` never does),
//! never refreshes, never changes or deletes the session, and never prints the token.

use serde_json::json;

use crate::domain::clock::{Clock as _, SystemClock, Timestamp};
use crate::domain::session::SessionMeta;
use crate::domain::text::{URL_MAX_CHARS, sanitize};
use crate::error::Error;
use crate::local_time::LocalTime;
use crate::oauth::http::{Transport, TransportFailure};
use crate::oauth::provider::Provider;
use crate::oauth::verify::{Accepted, VerifyEndpoint, VerifyFailed};
use crate::session_service::RefreshFailed;
use crate::session_service::SessionService;

/// What the check found.
#[derive(Debug)]
pub struct Checked {
    /// Who was asked (or, when nobody could be, the session's host).
    pub host: String,
    /// When the answer arrived.
    pub at: Timestamp,
    /// Accepted, or why not.
    pub outcome: Result<Accepted, VerifyFailed>,
}

/// Asks the session's provider about its stored access token.
pub async fn check<T: Transport>(
    service: &SessionService<T>,
    meta: &SessionMeta,
) -> Result<Checked, Error> {
    let provider = Provider::from_record(&meta.provider)?;
    let endpoint = match VerifyEndpoint::for_provider(&provider) {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => {
            // The stored host, which whoever wrote the metadata chose: shown sanitised.
            let host = sanitize(&meta.provider.host, URL_MAX_CHARS);
            return Ok(Checked {
                host: host.clone(),
                at: SystemClock.now(),
                outcome: Err(VerifyFailed::NotCheckable { host }),
            });
        }
        Err(VerifyFailed::Endpoint(e)) => return Err(e.into()),
        Err(failed) => {
            // Nothing was sent: the stored host names the session.
            return Ok(Checked {
                host: sanitize(&meta.provider.host, URL_MAX_CHARS),
                at: SystemClock.now(),
                outcome: Err(failed),
            });
        }
    };
    let session = service
        .open(&meta.profile)
        .await?
        .ok_or_else(|| RefreshFailed::NotSignedIn {
            profile: meta.profile.clone(),
        })?;
    let host = endpoint.host();
    let outcome = match service
        .transport
        .send(endpoint.request(&session.secrets.access_token))
        .await
    {
        Ok(resp) => endpoint.parse(&resp),
        Err(e) => Err(match e.kind {
            TransportFailure::TooLarge { status } => VerifyFailed::BadAnswer {
                host: host.clone(),
                status,
                problem: e.message,
            },
            TransportFailure::NotSent | TransportFailure::NoAnswer => VerifyFailed::Unreachable {
                host: host.clone(),
                message: e.message,
            },
        }),
    };
    Ok(Checked {
        host,
        at: SystemClock.now(),
        outcome,
    })
}

/// Until when the token is valid: the provider's word, else the stored expiry.
fn valid_until(
    accepted: &Accepted,
    meta: &SessionMeta,
) -> (Option<Timestamp>, Option<&'static str>) {
    match (accepted.valid_until, meta.access_expires_at) {
        (Some(at), _) => (Some(at), Some("provider")),
        (None, Some(at)) => (Some(at), Some("session")),
        (None, None) => (None, None),
    }
}

/// The `verify` object of `status --json`.
pub fn verify_json(checked: &Checked, meta: &SessionMeta) -> serde_json::Value {
    let (accepted, until, source, user, problem) = match &checked.outcome {
        Ok(ok) => {
            let (until, source) = valid_until(ok, meta);
            (Some(true), until, source, ok.user.clone(), None)
        }
        Err(VerifyFailed::Refused { .. }) => (Some(false), None, None, None, None),
        Err(other) => (None, None, None, None, Some(other.to_string())),
    };
    let reason = match &checked.outcome {
        Err(VerifyFailed::Refused { status, reason, .. }) => {
            json!({ "status": status, "reason": reason })
        }
        _ => serde_json::Value::Null,
    };
    json!({
        "accepted": accepted,
        "valid_until": until.map(Timestamp::as_unix_secs),
        "valid_until_from": source,
        "user": user,
        "checked_at": checked.at.as_unix_secs(),
        "endpoint_host": checked.host,
        "refused": reason,
        "problem": problem,
    })
}

/// The `verified` line of human `status`.
pub fn verify_line(checked: &Checked, meta: &SessionMeta, zone: &LocalTime) -> String {
    let at = zone.time_of_day(checked.at);
    let host = &checked.host;
    match &checked.outcome {
        Ok(ok) => {
            let until = match valid_until(ok, meta) {
                (Some(until), Some("provider")) => {
                    format!(", valid until {}", zone.time_of_day(until))
                }
                (Some(until), _) => {
                    format!(", valid until {} (stored expiry)", zone.time_of_day(until))
                }
                _ => String::new(),
            };
            let user = ok
                .user
                .as_ref()
                .map_or_else(String::new, |u| format!(", user {u}"));
            format!("verified       accepted by {host} at {at}{until}{user}\n")
        }
        Err(VerifyFailed::Refused { status, reason, .. }) => {
            let reason = reason
                .as_ref()
                .map_or_else(String::new, |r| format!(": {r}"));
            format!(
                "verified       REFUSED by {host} at {at} (HTTP {status}{reason}); the session is kept\n"
            )
        }
        Err(other) => format!("verified       not checked: {other}\n"),
    }
}
