//! Performing effects: each one that expects an answer runs as a task that sends exactly one
//! `Msg` back; the clipboard and export files are handled in place.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Context, Frontend};
use crate::app::{Effect, ErrorKind, ErrorView, ExportTarget, Msg, SavedAt, SignInSaved};
use crate::domain::session::Session;
use crate::export;
use crate::oauth::AuthError;
use crate::oauth::client::{poll_token, request_device_code_with_skew};
use crate::oauth::http::Transport;
use crate::oauth::provider::{Provider, ProviderKind};
use crate::session_service::{LoggedOut, LogoutMode, MinValid, StoreError};
use crate::words;

/// Starts `effect`.
pub(super) fn perform<T: Transport, F: Frontend>(
    effect: Effect,
    frontend: &mut F,
    ctx: &Context<T>,
    tx: &mpsc::UnboundedSender<Msg>,
) -> std::io::Result<()> {
    match effect {
        Effect::Copy { text, .. } => frontend.copy(&text)?,
        Effect::RequestDeviceCode { request } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let (result, skew) =
                    request_device_code_with_skew(ctx.transport(), &ctx.provider, ctx.clock())
                        .await;
                let result = result.map_err(|e| error_view(&e, &ctx.provider, &ctx.profile));
                // The loop may be gone (user quit); then nobody wants the answer.
                let _ = tx.send(Msg::DeviceCode {
                    request,
                    result,
                    skew,
                });
            });
        }
        Effect::Poll {
            request,
            device_code,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let reply =
                    poll_token(ctx.transport(), &ctx.provider, &device_code, ctx.clock()).await;
                let _ = tx.send(Msg::Polled { request, reply });
            });
        }
        Effect::ExchangeCode {
            request,
            authorization,
            code,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let result = super::exchange::exchange_code(
                    ctx.transport(),
                    &ctx.provider,
                    &authorization,
                    &code,
                    ctx.clock(),
                    &ctx.profile,
                )
                .await;
                let _ = tx.send(Msg::Exchanged { request, result });
            });
        }
        Effect::SaveSignIn { .. }
        | Effect::RevokeReplaced { .. }
        | Effect::SaveUnsaved { .. }
        | Effect::Refresh { .. }
        | Effect::Revoke { .. } => session_effect(effect, ctx, tx),
        Effect::Export {
            session,
            format,
            target,
        } => {
            let result = export_now(frontend, ctx, &session, format, target);
            let _ = tx.send(Msg::Exported { result });
        }
    }
    Ok(())
}

/// Starts an effect on the stored session: each goes through the session service, the one
/// door to it, as a task that sends its typed outcome back.
fn session_effect<T: Transport>(effect: Effect, ctx: &Context<T>, tx: &mpsc::UnboundedSender<Msg>) {
    match effect {
        Effect::SaveSignIn {
            request,
            tokens,
            clock_skew,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let mut session =
                    ctx.provider
                        .new_session(&ctx.profile, *tokens, ctx.clock().now());
                session.meta.clock_skew = clock_skew;
                let result = ctx
                    .service
                    .sign_in(session)
                    .await
                    .map(|signed_in| SignInSaved {
                        session: Box::new(signed_in.session),
                        storage: ctx.storage_view(),
                        replaced: signed_in.replaced.map(Box::new),
                    })
                    .map_err(Arc::new);
                // The loop may be gone (a signal's time ran out); then nobody wants the answer.
                let _ = tx.send(Msg::SignInSaved { request, result });
            });
        }
        Effect::RevokeReplaced { request, session } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let result = ctx.service.revoke(&session).await;
                let _ = tx.send(Msg::ReplacedRevoked { request, result });
            });
        }
        Effect::SaveUnsaved {
            request,
            session,
            keep_aside,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let service = &ctx.service;
                let result = match service.save_unsaved(&session).await {
                    Ok(_) => Ok(SavedAt::Store),
                    // Replaced meanwhile: nothing to keep.
                    Err(e @ StoreError::Superseded { .. }) => Err(Arc::new(e)),
                    // The last try: the kept-aside file, when the store still fails.
                    Err(e) if keep_aside => service
                        .keep_aside(&session)
                        .await
                        .map(SavedAt::Aside)
                        .map_err(|aside| match aside {
                            superseded @ StoreError::Superseded { .. } => Arc::new(superseded),
                            _ => Arc::new(e),
                        }),
                    Err(e) => Err(Arc::new(e)),
                };
                let _ = tx.send(Msg::UnsavedSaved { request, result });
            });
        }
        Effect::Refresh {
            request,
            min_valid_secs,
            force,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let service = &ctx.service;
                let result = if force {
                    service.refresh(&ctx.profile).await
                } else {
                    service
                        .ensure_valid(&ctx.profile, MinValid::Adaptive(min_valid_secs))
                        .await
                };
                let _ = tx.send(Msg::Refreshed {
                    request,
                    result: Box::new(result),
                });
            });
        }
        Effect::Revoke { request } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let mode = LogoutMode::Revoke {
                    logout_endpoint: None,
                };
                let result = ctx.service.logout(&ctx.profile, mode).await;
                let _ = tx.send(Msg::Revoked { request, result });
            });
        }
        _ => {}
    }
}

/// One line per server answer of a revoke.
pub(super) fn revoke_lines(done: &LoggedOut) -> Vec<String> {
    words::revoke_lines(done)
}

/// Exports to the clipboard or a 0600 file; the answer is a line for the event log.
fn export_now<T: Transport, F: Frontend>(
    frontend: &mut F,
    ctx: &Context<T>,
    session: &Session,
    format: export::Format,
    target: ExportTarget,
) -> Result<String, String> {
    let now = ctx.clock().now();
    match target {
        ExportTarget::Clipboard => frontend
            .copy(&export::clipboard_text(session, format, now))
            .map(|()| {
                format!(
                    "Sent the {} export to the clipboard (OSC 52)",
                    format.name()
                )
            })
            .map_err(|e| format!("Could not write to the terminal: {e}")),
        ExportTarget::File => {
            let dir = export::files_dir(ctx.service.state_dir());
            let text = export::render(session, format, now);
            export::write_file(&dir, &session.meta.profile, format, &text)
                .map(|path| {
                    format!(
                        "Wrote the {} export to {} (0600), {}",
                        format.name(),
                        path.display(),
                        export::snapshot_note(format)
                    )
                })
                .map_err(|e| format!("Export failed: {e}"))
        }
    }
}

/// Turns an error from getting a device code into words for the screen. Plain mode prints the
/// same words and has no keys, so the hints name no key (the TUI's key bar offers `n`).
pub fn error_view(err: &AuthError, provider: &Provider, profile: &str) -> ErrorView {
    let anaplan = provider.kind == ProviderKind::Anaplan;
    let host = provider.display_host();
    let (title, hint) = match err {
        AuthError::Server(e)
            if matches!(e.code.as_str(), "invalid_client" | "unauthorized_client") =>
        {
            (
                "The server refused this client".to_owned(),
                match provider.client_secret.as_ref() {
                    // The likeliest cause first: the secret that was sent.
                    Some(sent) => format!(
                        "{}; check --client-id too.",
                        words::invalid_client_hint(Some(&sent.source), profile)
                    ),
                    None => format!(
                        "{} {}.",
                        if anaplan {
                            "A tenant security admin may have disabled this OAuth client, or it is not a Device Grant client (Administration › Security › OAuth Clients); an SSO user needs an SSO exception for it, or `--flow code`. Check --client-id;"
                        } else {
                            "Check --client-id and that this client may use the device grant;"
                        },
                        words::invalid_client_hint(None, profile)
                    ),
                },
            )
        }
        AuthError::Server(_) => (
            format!("{host} refused the request"),
            "Try again in a moment.".to_owned(),
        ),
        AuthError::Transport { .. } => (
            format!("Could not reach {host}"),
            "Check the host name, the network and any HTTPS_PROXY, then try again.".to_owned(),
        ),
        AuthError::Parse { .. } => (
            format!("{host} gave an answer that is not a device authorization"),
            "Is this the right server? Check --host / --issuer / --device-endpoint.".to_owned(),
        ),
        AuthError::BadToken(_) => (
            format!("{host} sent a token grantty will not use"),
            "Nothing was stored. Report it to the server's administrator.".to_owned(),
        ),
        AuthError::Endpoint(_) => (
            "Refusing an unsafe or invalid URL".to_owned(),
            "Fix the URL and run grantty again.".to_owned(),
        ),
    };
    let kind = match err {
        AuthError::Transport { .. } => ErrorKind::Unreachable,
        AuthError::Endpoint(_) => ErrorKind::Usage,
        _ => ErrorKind::Server,
    };
    ErrorView {
        kind,
        title,
        detail: crate::domain::text::sanitize(&err.to_string(), 400),
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::grant::ServerError;

    /// Only a sign-in can lack an SSO exception: its refusal of an Anaplan client says so.
    #[test]
    fn a_refused_anaplan_client_at_sign_in_mentions_the_sso_exception() {
        let refused = AuthError::Server(ServerError {
            status: 401,
            code: "unauthorized_client".into(),
            description: None,
        });
        let anaplan = Provider::anaplan("us1a.app.anaplan.com", "c", None).unwrap();
        let view = error_view(&refused, &anaplan, "work");
        assert!(view.hint.contains("SSO exception"), "{}", view.hint);
        let generic = Provider::example();
        let view = error_view(&refused, &generic, "work");
        assert!(!view.hint.contains("SSO"), "{}", view.hint);
    }
}
