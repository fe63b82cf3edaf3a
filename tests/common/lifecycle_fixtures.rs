//! Dashboards in the states the session service's outcomes lead to, made the way the program
//! makes them: a refresh started by `r`, the service's typed answer carried in the `Msg` as the
//! runtime carries it, and `update` applying it. The words are the program's own.

use grantty::app::update::update;
use grantty::app::{App, Effect, Key, Msg};
use grantty::domain::clock::Timestamp;
use grantty::domain::session::{RefreshChange, Session};
use grantty::oauth::wire::ErrorCode;
use grantty::session_service::StoreError;
use grantty::session_service::{EndReason, RefreshFailed, Refreshed};

use super::dashboard_fixtures::{app, dashboard};
use super::example::{ACCESS_LIFETIME_SECS, SIGNED_IN, at};

/// When `r` is pressed: 25 minutes after the sign-in, 35 minutes left on the access token.
const PRESSED: u64 = SIGNED_IN + 1500;

/// The dashboard after `r` and the service's `answer` to it, seen `after` seconds later.
fn answered(answer: Result<Refreshed, RefreshFailed>, after: u64) -> (App, Timestamp) {
    let mut app = app(dashboard());
    let effects = update(&mut app, Msg::Key(Key::Char('r')), at(PRESSED));
    let [Effect::Refresh { request, .. }] = effects.as_slice() else {
        panic!("r did not start a refresh: {effects:?}");
    };
    let msg = Msg::Refreshed {
        request: *request,
        result: Box::new(answer),
    };
    update(&mut app, msg, at(PRESSED + 1));
    (app, at(PRESSED + 1 + after))
}

/// The session as the store holds it.
fn stored() -> Box<Session> {
    Box::new(dashboard().session)
}

/// A tenant admin disabled the client: refused, every token kept, retrying.
pub fn refused() -> (App, Timestamp) {
    answered(
        Err(RefreshFailed::Refused {
            code: ErrorCode::InvalidClient,
            description: Some("Client is disabled".to_owned()),
            session: stored(),
        }),
        5,
    )
}

/// The refresh token was refused (`invalid_grant`): sign in again before the access token ends.
pub fn refresh_token_dead() -> (App, Timestamp) {
    answered(
        Err(RefreshFailed::Dead {
            reason: EndReason::RefreshRejected {
                description: Some("Refresh token has been revoked".to_owned()),
                interrupted: false,
            },
            session: stored(),
        }),
        5,
    )
}

/// Refreshed and rotated, but the store refused the write: the tokens live in memory.
pub fn unsaved() -> (App, Timestamp) {
    let mut session = *stored();
    session.meta.access_expires_at = Some(at(PRESSED + 1 + ACCESS_LIFETIME_SECS));
    session.meta.refresh.rotation_count = 1;
    answered(
        Ok(Refreshed::Unsaved {
            session,
            change: RefreshChange::Rotated,
            reason: std::sync::Arc::new(StoreError::from(std::io::Error::other(
                "No space left on device (os error 28)",
            ))),
        }),
        2,
    )
}
