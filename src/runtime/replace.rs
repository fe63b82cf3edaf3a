//! Replacing a stored session with a fresh sign-in: the old one is read and the new one saved
//! under the profile lock (so a refresh of the old session in flight finishes first and its
//! rotated token is the one revoked), then the old grant is revoked at its own server.

use super::Context;
use crate::domain::session::Session;
use crate::keeper::RevokeStep;
use crate::oauth::http::Transport;
use crate::oauth::provider::{EndpointError, Provider};
use crate::oauth::refresh::{TokenHint, logout_request, parse_revoke, revoke_request};
use crate::store::StoreError;

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

/// Revokes `session`'s tokens at the server it came from (RFC 7009: refresh token first, then
/// the access token; Anaplan: its logout API). Touches no store.
pub(super) async fn revoke_grant<T: Transport>(
    transport: &T,
    session: &Session,
) -> Result<Vec<RevokeStep>, EndpointError> {
    let provider = Provider::from_record(&session.meta.provider)?;
    let mut requests = Vec::new();
    if let Some(rt) = &session.secrets.refresh_token {
        requests.extend(
            revoke_request(&provider, rt.expose(), TokenHint::Refresh)
                .map(|r| ("refresh token (RFC 7009)", r)),
        );
    }
    requests.extend(
        revoke_request(
            &provider,
            session.secrets.access_token.expose(),
            TokenHint::Access,
        )
        .map(|r| ("access token (RFC 7009)", r)),
    );
    requests.extend(
        logout_request(&provider, &session.secrets.access_token)
            .map(|r| ("Anaplan logout of the access token", r)),
    );
    let mut steps = Vec::new();
    for (what, request) in requests {
        let answer = transport
            .send(request)
            .await
            .map(|resp| parse_revoke(&resp))
            .map_err(|e| e.0);
        steps.push(RevokeStep { what, answer });
    }
    Ok(steps)
}
