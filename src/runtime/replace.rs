//! The effects that store tokens: a fresh sign-in (which may replace a stored session), the
//! revocation of a replaced session's grant, and a retried save of unsaved refreshed tokens.
//! Each runs as a task that sends exactly one `Msg` back.
//!
//! A sign-in that replaces a stored session reads the old one and saves the new one under the
//! profile lock (so a refresh of the old session in flight finishes first and its rotated token
//! is the one revoked); the old grant is then revoked at its own server.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::Context;
use super::effects::revoke_lines;
use crate::app::{Msg, RequestId, SavedAt, SignInSaved};
use crate::domain::clock::{Clock, Skew};
use crate::domain::session::Session;
use crate::domain::token::TokenSet;
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

/// Stores a fresh sign-in, returning the session it replaced, if any.
pub(super) fn save_sign_in<T: Transport>(
    ctx: &Context<T>,
    tx: &mpsc::UnboundedSender<Msg>,
    request: RequestId,
    tokens: TokenSet,
    clock_skew: Option<Skew>,
) {
    let (ctx, tx) = (ctx.clone(), tx.clone());
    tokio::spawn(async move {
        let mut session = ctx
            .provider
            .new_session(&ctx.profile, tokens, ctx.clock.now());
        session.meta.clock_skew = clock_skew;
        let result = match save_replacing(&ctx, session).await {
            Ok((session, replaced)) => Ok(SignInSaved {
                session: Box::new(session),
                storage: ctx.storage_view(),
                replaced: replaced.map(Box::new),
            }),
            Err(e) => Err(e.to_string()),
        };
        // The loop may be gone (a signal's time ran out); then nobody wants the answer.
        let _ = tx.send(Msg::SignInSaved { request, result });
    });
}

/// Revokes the grant of a session a sign-in replaced.
pub(super) fn revoke_replaced<T: Transport>(
    ctx: &Context<T>,
    tx: &mpsc::UnboundedSender<Msg>,
    request: RequestId,
    session: Session,
) {
    let (ctx, tx) = (ctx.clone(), tx.clone());
    tokio::spawn(async move {
        let result = revoke_grant(ctx.transport.clone(), ctx.clock.clone(), &session)
            .await
            .map(|done| revoke_lines(&done))
            .map_err(|e| e.to_string());
        let _ = tx.send(Msg::ReplacedRevoked { request, result });
    });
}

/// Saves refreshed tokens the store refused before; with `rescue`, falls back to the 0600 file
/// the next run moves back.
pub(super) fn save_unsaved<T: Transport>(
    ctx: &Context<T>,
    tx: &mpsc::UnboundedSender<Msg>,
    request: RequestId,
    session: Session,
    rescue: bool,
) {
    let (ctx, tx) = (ctx.clone(), tx.clone());
    tokio::spawn(async move {
        let service = ctx.keeper();
        let result = match service.save_unsaved(&session).await {
            Ok(()) => Ok(SavedAt::Store),
            Err(e) if rescue => service
                .rescue(&session)
                .await
                .map(|path| SavedAt::Rescue(path.display().to_string()))
                .map_err(|again| format!("{e}; the fallback file failed too: {again}")),
            Err(e) => Err(e.to_string()),
        };
        let _ = tx.send(Msg::UnsavedSaved { request, result });
    });
}
