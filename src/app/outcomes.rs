//! What the dashboard does with the session service's answers: a refresh (fresh, adopted,
//! unsaved, refused, dead, failed), a retried save of unsaved tokens, and the revocation of a
//! replaced session. No answer ever drops a token: a refusal and a dead refresh token keep the
//! session and its access token on screen; unsaved tokens stay in memory until a save, or
//! keeping them aside, works. Back-off and save retries are the upkeep policy's
//! ([`crate::domain::upkeep`]), through [`Dashboard`]'s methods.

use super::dashboard::{Dashboard, Standing};
use super::dashboard::{Ended, EventLevel};
use super::{Effect, RefreshResult, RequestId, SavedAt, StoreFailure};
use crate::domain::clock::Timestamp;
use crate::domain::session::{RefreshChange, Session};
use crate::local_time::LocalTime;
use crate::oauth::wire::ErrorCode;
use crate::session_service::{LoggedOut, LogoutFailed, RefreshFailed, Refreshed, StoreError};
use crate::words;
use std::sync::Arc;

pub(super) fn on_replaced_revoked(
    d: &mut Dashboard,
    result: Result<LoggedOut, LogoutFailed>,
    now: Timestamp,
) {
    match result {
        Ok(done) => {
            for line in words::revoke_lines(&done) {
                d.log(now, EventLevel::Info, format!("Replaced session: {line}"));
            }
        }
        Err(failed) => d.log(
            now,
            EventLevel::Warn,
            format!("Could not revoke the replaced session's grant: {failed}"),
        ),
    }
}

pub(super) fn on_refreshed(
    d: &mut Dashboard,
    result: RefreshResult,
    zone: &LocalTime,
    now: Timestamp,
) {
    match result {
        Ok(Refreshed::Unsaved {
            session,
            change,
            reason,
        }) => on_unsaved(
            d,
            session,
            change == RefreshChange::Rotated,
            reason.into(),
            now,
        ),
        Ok(done) => on_usable(d, done, zone, now),
        Err(RefreshFailed::Refused {
            code,
            description,
            session,
        }) => on_refused(d, *session, code, description, now),
        Err(RefreshFailed::Dead { reason, session }) => {
            d.log(
                now,
                EventLevel::Error,
                "The refresh token no longer works; the access token is kept until it expires. Press l to sign in again".to_owned(),
            );
            d.standing = Standing::Dead {
                reason: Some(reason),
            };
            d.session = *session;
        }
        Err(RefreshFailed::NotSignedIn { .. }) => {
            d.log(
                now,
                EventLevel::Error,
                format!(
                    "Session ended: {}. Press l to sign in again",
                    words::SIGNED_OUT_ELSEWHERE
                ),
            );
            d.ended = Some(Ended::SignedOutElsewhere);
        }
        Err(failed) => {
            let wait = d.back_off(now);
            d.log(
                now,
                EventLevel::Error,
                format!("Refresh failed: {failed}; retrying in {wait} s"),
            );
        }
    }
}

/// A refresh that left a saved, usable session: refreshed here, still valid, or adopted.
fn on_usable(d: &mut Dashboard, done: Refreshed, zone: &LocalTime, now: Timestamp) {
    let until = |s: &Session| {
        s.meta.access_expires_at.map_or_else(
            || "no expiry given".to_owned(),
            |at| format!("valid until {}", zone.time_of_day(at)),
        )
    };
    d.attempts.succeeded(now);
    d.standing = Standing::Active;
    let (level, text) = match &done {
        Refreshed::Fresh { session, change } => {
            let rotation = if *change == RefreshChange::Rotated {
                format!(
                    "; refresh token rotated (#{})",
                    session.meta.refresh.rotation_count
                )
            } else {
                String::new()
            };
            (
                EventLevel::Info,
                format!("Refreshed; access token {}{rotation}", until(session)),
            )
        }
        Refreshed::StillValid(session) if session.meta.generation == d.session.meta.generation => (
            EventLevel::Info,
            "Still valid; no refresh needed".to_owned(),
        ),
        Refreshed::StillValid(session) | Refreshed::Unsaved { session, .. } => (
            EventLevel::Info,
            format!(
                "Picked up tokens refreshed by another process; {}",
                until(session)
            ),
        ),
        Refreshed::Adopted(_) => (
            EventLevel::Warn,
            "Another client had rotated the refresh token; adopted its tokens".to_owned(),
        ),
    };
    d.log(now, level, text);
    d.session = done.into_session();
}

/// New tokens the store would not take: keep them in memory and save again soon.
fn on_unsaved(
    d: &mut Dashboard,
    session: Session,
    rotated: bool,
    reason: StoreFailure,
    now: Timestamp,
) {
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
fn on_refused(
    d: &mut Dashboard,
    session: Session,
    code: ErrorCode,
    description: Option<String>,
    now: Timestamp,
) {
    let wait = d.back_off(now);
    d.log(
        now,
        EventLevel::Warn,
        format!("Refresh refused ({code}); tokens kept; retrying in {wait} s (or press r)"),
    );
    d.standing = Standing::Refused {
        code,
        description,
        since: None,
    };
    d.session = session;
}

/// The answer to a retried save of unsaved tokens. A failure while leaving gets one last try
/// (with `next` as its id) that falls back to the 0600 kept-aside file; after that the program may
/// end, saying loudly what was lost.
pub(super) fn on_unsaved_saved(
    d: &mut Dashboard,
    result: Result<SavedAt, Arc<StoreError>>,
    leaving: bool,
    next: RequestId,
    now: Timestamp,
) -> Option<Effect> {
    let last_try = d.unsaved.as_ref()?.last_try;
    let profile = d.session.meta.profile.clone();
    match result {
        Err(reason) if matches!(*reason, StoreError::Superseded { .. }) => {
            // A new sign-in or a logout elsewhere replaced this session: it wins.
            d.unsaved = None;
            d.log(now, EventLevel::Warn, reason.to_string());
            d.ended = Some(Ended::SignedOutElsewhere);
        }
        Ok(SavedAt::Store) => {
            d.unsaved = None;
            d.log(
                now,
                EventLevel::Info,
                "Saved the refreshed tokens".to_owned(),
            );
        }
        Ok(SavedAt::Aside(path)) => {
            let reason = d
                .unsaved
                .take()
                .map(|u| u.reason.to_string())
                .unwrap_or_default();
            let text = words::unsaved(&reason, Some(&path), &profile);
            d.log(now, EventLevel::Warn, text);
        }
        Err(reason) if leaving && last_try => {
            d.unsaved = None;
            d.log(
                now,
                EventLevel::Error,
                words::unsaved(&reason.to_string(), None, &profile),
            );
        }
        Err(reason) => {
            let text = format!("Still not saved: {reason}; ");
            let retry_at = d.hold_unsaved(reason.into(), now);
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

/// Starts a save of the unsaved tokens with id `request`, unless one is in flight; `keep_aside`
/// falls back to the 0600 file and marks the last try.
pub(super) fn save_unsaved(
    d: &mut Dashboard,
    request: RequestId,
    keep_aside: bool,
) -> Option<Effect> {
    let unsaved = d.unsaved.as_mut()?;
    if unsaved.request.is_some() {
        return None;
    }
    unsaved.request = Some(request);
    unsaved.last_try = keep_aside;
    Some(Effect::SaveUnsaved {
        request,
        session: Box::new(d.session.clone()),
        keep_aside,
    })
}
