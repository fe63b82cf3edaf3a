//! The event loop: one `select!` over terminal events, a one-second tick, effect results and
//! termination signals; the clock is read once per turn and handed to `update` and `render`.
//!
//! Effects run as tasks that each send exactly one `Msg` back. The loop is generic over the
//! [`Transport`] and the [`Frontend`], so tests drive it with a scripted transport, paused tokio
//! time and no terminal.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::update::{start, update};
use crate::app::{App, Effect, ErrorView, ExportTarget, Msg, RefreshResult, StorageView};
use crate::domain::clock::{Clock, Timestamp};
use crate::domain::session::{RefreshChange, Session};
use crate::export;
use crate::keeper::{KeepError, Keeper, Kept};
use crate::oauth::AuthError;
use crate::oauth::client::{poll_token, request_device_code};
use crate::oauth::http::Transport;
use crate::oauth::provider::{Provider, ProviderKind};
use crate::store::SessionStore;

/// Seconds between ticks: countdowns show whole seconds.
pub const TICK_SECS: u64 = 1;

/// What the loop needs besides the app: where to send requests and what time it is.
pub struct Context<T: Transport> {
    /// The HTTP transport.
    pub transport: Arc<T>,
    /// The provider being signed in to.
    pub provider: Arc<Provider>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Where sessions are stored.
    pub store: Arc<SessionStore>,
    /// The profile being signed in or kept alive.
    pub profile: String,
}

impl<T: Transport> Clone for Context<T> {
    fn clone(&self) -> Self {
        Self {
            transport: self.transport.clone(),
            provider: self.provider.clone(),
            clock: self.clock.clone(),
            store: self.store.clone(),
            profile: self.profile.clone(),
        }
    }
}

impl<T: Transport> Context<T> {
    /// The keeper over this context's store, transport and clock.
    pub fn keeper(&self) -> Keeper<T> {
        Keeper {
            store: self.store.clone(),
            transport: self.transport.clone(),
            clock: self.clock.clone(),
        }
    }

    /// How the store describes itself, for the dashboard.
    pub fn storage_view(&self) -> StorageView {
        let info = self.store.info();
        StorageView {
            description: info.describe(),
            plaintext: info.plaintext,
        }
    }
}

/// Where the app is shown: the TUI, or plain lines for pipes and wrappers.
pub trait Frontend {
    /// Shows the app as it is at `now`.
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()>;
    /// Puts `text` on the user's clipboard (OSC 52 in the TUI).
    fn copy(&mut self, text: &str) -> std::io::Result<()>;
    /// True when the loop should end as soon as the sign-in ends (plain mode); the TUI stays on
    /// its end screen until the user leaves.
    fn exits_when_finished(&self) -> bool;
}

/// How the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The user quit, or the sign-in ended in plain mode.
    Normal,
    /// SIGTERM, SIGHUP or SIGINT.
    Signal,
}

/// Runs the sign-in until the user quits (or, for plain frontends, until it ends).
pub async fn run<T, F, E>(
    app: &mut App,
    frontend: &mut F,
    ctx: &Context<T>,
    mut events: E,
) -> std::io::Result<Exit>
where
    T: Transport,
    F: Frontend,
    E: Stream<Item = Msg> + Unpin,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut tick = tokio::time::interval(Duration::from_secs(TICK_SECS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut events_open = true;

    let now = ctx.clock.now();
    for effect in start(app, now) {
        perform(effect, frontend, ctx, &tx)?;
    }
    loop {
        frontend.draw(app, ctx.clock.now())?;
        if app.quit || (frontend.exits_when_finished() && app.finished()) {
            return Ok(Exit::Normal);
        }
        let msg = tokio::select! {
            Some(msg) = rx.recv() => msg,
            event = events.next(), if events_open => {
                let Some(msg) = event else {
                    events_open = false;
                    continue;
                };
                msg
            }
            _ = tick.tick() => Msg::Tick,
            _ = term.recv() => return Ok(Exit::Signal),
            _ = hup.recv() => return Ok(Exit::Signal),
            _ = int.recv() => return Ok(Exit::Signal),
        };
        let now = ctx.clock.now();
        for effect in update(app, msg, now) {
            perform(effect, frontend, ctx, &tx)?;
        }
    }
}

fn perform<T: Transport, F: Frontend>(
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
                let result = request_device_code(&*ctx.transport, &ctx.provider, &*ctx.clock)
                    .await
                    .map_err(|e| error_view(&e, &ctx.provider));
                // The loop may be gone (user quit); then nobody wants the answer.
                let _ = tx.send(Msg::DeviceCode { request, result });
            });
        }
        Effect::Poll {
            request,
            device_code,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let reply =
                    poll_token(&*ctx.transport, &ctx.provider, &device_code, &*ctx.clock).await;
                let _ = tx.send(Msg::Polled { request, reply });
            });
        }
        Effect::SaveSignIn { request, tokens } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let session = Session::new(
                    &ctx.profile,
                    ctx.provider.to_record(),
                    *tokens,
                    ctx.clock.now(),
                );
                let result = match ctx.keeper().save_new(session).await {
                    Ok(session) => Ok((Box::new(session), ctx.storage_view())),
                    Err(e) => Err(e.to_string()),
                };
                let _ = tx.send(Msg::SignInSaved { request, result });
            });
        }
        Effect::Refresh {
            request,
            min_valid_secs,
            force,
        } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let result = refresh_result(
                    ctx.keeper()
                        .ensure_valid(&ctx.profile, min_valid_secs, force)
                        .await,
                );
                let _ = tx.send(Msg::Refreshed { request, result });
            });
        }
        Effect::Revoke { request } => {
            let (ctx, tx) = (ctx.clone(), tx.clone());
            tokio::spawn(async move {
                let result = ctx
                    .keeper()
                    .revoke(&ctx.profile)
                    .await
                    .map(|steps| {
                        steps
                            .into_iter()
                            .map(|step| match step.answer {
                                Ok(answer) => format!("{}: {answer}", step.what),
                                Err(e) => format!("{}: not reached ({e})", step.what),
                            })
                            .collect()
                    })
                    .map_err(|e| e.to_string());
                let _ = tx.send(Msg::Revoked { request, result });
            });
        }
        Effect::Export {
            session,
            format,
            target,
        } => {
            let text = export::render(&session, format, ctx.clock.now());
            let result = match target {
                ExportTarget::Clipboard => frontend
                    .copy(&text)
                    .map(|()| {
                        format!(
                            "Sent the {} export to the clipboard (OSC 52)",
                            format.name()
                        )
                    })
                    .map_err(|e| format!("Could not write to the terminal: {e}")),
                ExportTarget::File => {
                    export::write_file(ctx.store.dir(), &session.meta.profile, format, &text)
                        .map(|path| {
                            format!(
                                "Wrote the {} export to {} (0600)",
                                format.name(),
                                path.display()
                            )
                        })
                        .map_err(|e| format!("Export failed: {e}"))
                }
            };
            let _ = tx.send(Msg::Exported { result });
        }
    }
    Ok(())
}

/// What a refresh attempt means for the dashboard.
pub fn refresh_result(kept: Result<Kept, KeepError>) -> RefreshResult {
    match kept {
        Ok(Kept::Refreshed(session, change)) => RefreshResult::Refreshed {
            session: Box::new(session),
            rotated: change == RefreshChange::Rotated,
        },
        Ok(Kept::StillValid(session)) => RefreshResult::StillValid {
            session: Box::new(session),
        },
        Ok(Kept::Adopted(session)) => RefreshResult::Adopted {
            session: Box::new(session),
        },
        Err(KeepError::Ended(reason)) => RefreshResult::Ended {
            reason: reason.to_string(),
        },
        Err(KeepError::NotSignedIn { .. }) => RefreshResult::Ended {
            reason: "the session is no longer in the store (signed out elsewhere)".to_owned(),
        },
        Err(e) => RefreshResult::Failed {
            message: e.to_string(),
        },
    }
}

/// Turns an error from getting a device code into words for the screen.
pub fn error_view(err: &AuthError, provider: &Provider) -> ErrorView {
    let anaplan = provider.kind == ProviderKind::Anaplan;
    let host = provider.display_host();
    let (title, hint) = match err {
        AuthError::Server(e)
            if matches!(e.code.as_str(), "invalid_client" | "unauthorized_client") =>
        {
            (
                "The server refused this client".to_owned(),
                if anaplan {
                    "A tenant security admin may have disabled this OAuth client, or it is not a Device Grant client (Administration › Security › OAuth Clients). Check --client-id.".to_owned()
                } else {
                    "Check --client-id and that this client may use the device grant.".to_owned()
                },
            )
        }
        AuthError::Server(_) => (
            format!("{host} refused the request"),
            "Press n to try again.".to_owned(),
        ),
        AuthError::Transport { .. } => (
            format!("Could not reach {host}"),
            "Check the host name, the network and any HTTPS_PROXY; press n to try again."
                .to_owned(),
        ),
        AuthError::Parse { .. } => (
            format!("{host} gave an answer that is not a device authorization"),
            "Is this the right server? Check --host / --issuer / --device-endpoint.".to_owned(),
        ),
        AuthError::Endpoint(_) => (
            "Refusing an unsafe or invalid URL".to_owned(),
            "Fix the URL and run grantty again.".to_owned(),
        ),
    };
    ErrorView {
        title,
        detail: crate::domain::text::sanitize(&err.to_string(), 400),
        hint,
    }
}
