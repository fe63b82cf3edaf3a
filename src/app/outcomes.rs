//! What the dashboard does with the session service's answers: a refresh (fresh, adopted,
//! unsaved, refused, dead, failed), a retried save of unsaved tokens, and the revocation of a
//! replaced session. No answer ever drops a token: a refusal and a dead refresh token keep the
//! session and its access token on screen; unsaved tokens stay in memory until a save, or
//! keeping them aside, works. Back-off and save retries are the upkeep policy's
//! ([`crate::domain::upkeep`]), through [`Dashboard`]'s methods.

use super::dashboard::{Dashboard, Standing};
use super::dashboard::{Ended, EventLevel};
use super::{Effect, RefreshResult, RequestId, SavedAt};
use crate::domain::clock::Timestamp;
use crate::domain::session::Session;
use crate::local_time::LocalTime;
use crate::words;
use std::path::Path;

pub(super) fn on_replaced_revoked(
    d: &mut Dashboard,
    result: Result<Vec<String>, String>,
    now: Timestamp,
) {
    match result {
        Ok(lines) => {
            for line in lines {
                d.log(now, EventLevel::Info, format!("Replaced session: {line}"));
            }
        }
        Err(message) => d.log(
            now,
            EventLevel::Warn,
            format!("Could not revoke the replaced session's grant: {message}"),
        ),
    }
}

pub(super) fn on_refreshed(
    d: &mut Dashboard,
    result: RefreshResult,
    zone: &LocalTime,
    now: Timestamp,
) {
    let until = |s: &crate::domain::session::Session| {
        s.meta.access_expires_at.map_or_else(
            || "no expiry given".to_owned(),
            |at| format!("valid until {}", zone.time_of_day(at)),
        )
    };
    match result {
        RefreshResult::Refreshed { session, rotated } => {
            d.attempts.succeeded(now);
            d.standing = Standing::Active;
            let rotation = if rotated {
                format!(
                    "; refresh token rotated (#{})",
                    session.meta.refresh.rotation_count
                )
            } else {
                String::new()
            };
            let text = format!("Refreshed; access token {}{rotation}", until(&session));
            d.log(now, EventLevel::Info, text);
            d.session = *session;
        }
        RefreshResult::StillValid { session } => {
            d.attempts.succeeded(now);
            d.standing = Standing::Active;
            if session.meta.generation == d.session.meta.generation {
                d.log(
                    now,
                    EventLevel::Info,
                    "Still valid; no refresh needed".to_owned(),
                );
            } else {
                d.log(
                    now,
                    EventLevel::Info,
                    format!(
                        "Picked up tokens refreshed by another process; {}",
                        until(&session)
                    ),
                );
            }
            d.session = *session;
        }
        RefreshResult::Adopted { session } => {
            d.attempts.succeeded(now);
            d.standing = Standing::Active;
            d.log(
                now,
                EventLevel::Warn,
                "Another client had rotated the refresh token; adopted its tokens".to_owned(),
            );
            d.session = *session;
        }
        RefreshResult::Unsaved {
            session,
            rotated,
            reason,
        } => on_unsaved(d, *session, rotated, reason, now),
        RefreshResult::Refused {
            session,
            code,
            text,
        } => on_refused(d, *session, &code, text, now),
        RefreshResult::Dead { session, text } => {
            d.log(
                now,
                EventLevel::Error,
                "The refresh token no longer works; the access token is kept until it expires. Press l to sign in again".to_owned(),
            );
            d.standing = Standing::Dead { text };
            d.session = *session;
        }
        RefreshResult::Failed { message } => {
            let wait = d.back_off(now);
            d.log(
                now,
                EventLevel::Error,
                format!("Refresh failed: {message}; retrying in {wait} s"),
            );
        }
        RefreshResult::Ended { reason } => {
            d.log(
                now,
                EventLevel::Error,
                format!("Session ended: {reason}. Press l to sign in again"),
            );
            d.ended = Some(Ended::ByServer(reason));
        }
    }
}

/// New tokens the store would not take: keep them in memory and save again soon.
fn on_unsaved(d: &mut Dashboard, session: Session, rotated: bool, reason: String, now: Timestamp) {
    d.attempts.succeeded(now);
    d.standing = Standing::Active;
    let rotation = if rotated {
        " (the refresh token rotated)"
    } else {
        ""
    };
    d.log(
        now,
        EventLevel::Error,
        format!(
            "Refreshed{rotation}, but not saved: {reason}. The new tokens are kept in memory; saving again shortly, then to the fallback file"
        ),
    );
    d.session = session;
    d.unsaved = None;
    d.hold_unsaved(reason, now);
}

/// The server refused the client: keep every token, retry with back-off.
fn on_refused(d: &mut Dashboard, session: Session, code: &str, text: String, now: Timestamp) {
    let wait = d.back_off(now);
    d.log(
        now,
        EventLevel::Warn,
        format!("Refresh refused ({code}); tokens kept; retrying in {wait} s (or press r)"),
    );
    d.standing = Standing::Refused { text };
    d.session = session;
}

/// The answer to a retried save of unsaved tokens. A failure while leaving gets one last try
/// (with `next` as its id) that falls back to the 0600 rescue file; after that the program may
/// end, saying loudly what was lost.
pub(super) fn on_unsaved_saved(
    d: &mut Dashboard,
    result: Result<SavedAt, String>,
    leaving: bool,
    next: RequestId,
    now: Timestamp,
) -> Option<Effect> {
    let last_try = d.unsaved.as_ref()?.last_try;
    let profile = d.session.meta.profile.clone();
    match result {
        Ok(SavedAt::Store) => {
            d.unsaved = None;
            d.log(
                now,
                EventLevel::Info,
                "Saved the refreshed tokens".to_owned(),
            );
        }
        Ok(SavedAt::Rescue(path)) => {
            let reason = d.unsaved.take().map(|u| u.reason).unwrap_or_default();
            let text = words::unsaved(&reason, Some(Path::new(&path)), &profile);
            d.log(now, EventLevel::Warn, text);
        }
        Err(reason) if leaving && last_try => {
            d.unsaved = None;
            d.log(
                now,
                EventLevel::Error,
                words::unsaved(&reason, None, &profile),
            );
        }
        Err(reason) => {
            let text = format!("Still not saved: {reason}; ");
            let retry_at = d.hold_unsaved(reason, now);
            let then = if d.keeps_aside_next() {
                "keeping the tokens aside in the fallback file"
            } else {
                "retrying the save"
            };
            let wait = now.secs_until(retry_at);
            d.log(now, EventLevel::Error, format!("{text}{then} in {wait} s"));
            if leaving {
                return save_unsaved(d, next, true);
            }
        }
    }
    None
}

/// Starts a save of the unsaved tokens with id `request`, unless one is in flight; `rescue`
/// falls back to the 0600 file and marks the last try.
pub(super) fn save_unsaved(d: &mut Dashboard, request: RequestId, rescue: bool) -> Option<Effect> {
    let unsaved = d.unsaved.as_mut()?;
    if unsaved.request.is_some() {
        return None;
    }
    unsaved.request = Some(request);
    unsaved.last_try = rescue;
    Some(Effect::SaveUnsaved {
        request,
        session: Box::new(d.session.clone()),
        rescue,
    })
}
