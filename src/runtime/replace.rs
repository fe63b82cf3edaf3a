//! Replacing a stored session with a fresh sign-in: the old one is read and the new one saved
//! under the profile lock (so a refresh of the old session in flight finishes first and its
//! rotated token is the one revoked), then the old grant is revoked at its own server.

use std::sync::Arc;

use super::Context;
use crate::domain::clock::Clock;
use crate::domain::session::Session;
use crate::oauth::http::Transport;
use crate::session_service::{LoggedOut, LogoutFailed, SessionService};
use crate::store::{SessionStore, StoreError};

/// Saves `session` for its profile; returns it with the session it replaced, if any.
pub(super) async fn save_replacing<T: Transport>(
    ctx: &Context<T>,
    session: Session,
) -> Result<(Session, Option<Session>), StoreError> {
    let store = ctx.store.clone();
    tokio::task::spawn_blocking(move || {
        let _lock = store.lock(&session.meta.profile)?;
        let old = store.load(&session.meta.profile)?;
        store.save(&session)?;
        Ok((session, old))
    })
    .await
    .unwrap_or_else(|e| Err(StoreError::from(std::io::Error::other(e.to_string()))))
}

/// Revokes `session`'s grant at the server it came from, exactly as `logout` would, without
/// touching the real store: the replaced session is no longer in it. The service runs over a
/// scratch in-memory store holding only this session.
pub(super) async fn revoke_grant<T: Transport>(
    transport: Arc<T>,
    clock: Arc<dyn Clock>,
    session: &Session,
) -> Result<LoggedOut, LogoutFailed> {
    let scratch = SessionStore::memory();
    scratch.save(session)?;
    SessionService::new(Arc::new(scratch), transport, clock)
        .revoke(&session.meta.profile)
        .await
}
