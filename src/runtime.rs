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

mod effects;
pub mod exchange;

use crate::app::update::{start, update};
use crate::app::{App, Msg, StorageView};
use crate::domain::clock::{Clock, Timestamp};
use crate::oauth::http::Transport;
use crate::oauth::provider::Provider;
use crate::session_service::SessionService;

/// Seconds between ticks: countdowns show whole seconds.
pub const TICK_SECS: u64 = 1;
/// Longest wait, after a quit or a signal, for work that holds tokens to finish: one HTTP
/// request's whole timeout plus time for the store. Past it the loop ends anyway.
pub const FINISH_LIMIT_SECS: u64 = crate::oauth::http::REQUEST_TIMEOUT_SECS + 10;

/// What the loop needs besides the app: the session service (store, HTTP, clock: the one door
/// to the stored session), the provider being signed in to and the profile.
pub struct Context<T: Transport> {
    /// The session service.
    pub service: SessionService<T>,
    /// The provider being signed in to.
    pub provider: Arc<Provider>,
    /// The profile being signed in or kept alive.
    pub profile: String,
}

impl<T: Transport> Clone for Context<T> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
            provider: self.provider.clone(),
            profile: self.profile.clone(),
        }
    }
}

impl<T: Transport> Context<T> {
    /// A context over `service` for `provider` and `profile`.
    pub fn new(service: SessionService<T>, provider: Provider, profile: &str) -> Self {
        Self {
            service,
            provider: Arc::new(provider),
            profile: profile.to_owned(),
        }
    }

    /// The HTTP transport.
    pub fn transport(&self) -> &T {
        &self.service.transport
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.service.clock
    }

    /// How the store describes itself, for the dashboard.
    pub fn storage_view(&self) -> StorageView {
        let info = self.service.store_info();
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
    /// SIGTERM, SIGHUP or SIGINT; the work in flight was finished first (or its time ran out).
    Signal,
}

/// Whether the frontend can still show anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// Draws and copies work.
    Live,
    /// A draw or a copy failed: the terminal vanished (or the pipe's reader left). Nothing is
    /// drawn any more.
    Gone,
}

/// Runs the app until the user quits (or, for plain frontends, until it ends): a sign-in when
/// it opens on the sign-in screen, nothing when it opens on a stored session's dashboard.
///
/// A quit or a signal starts no new work but lets a refresh in flight, a sign-in's save or the
/// revocation of a replaced session finish (at most [`FINISH_LIMIT_SECS`]), so no rotated
/// refresh token is lost. A frontend that fails (a terminal that vanished with an SSH
/// connection: every write fails) is taken as a hang-up: nothing more is drawn, the work in
/// flight is finished and saved the same way, and the loop ends with [`Exit::Signal`].
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
    let mut signalled = false;
    let mut output = Output::Live;
    let finish_limit = tokio::time::sleep(Duration::MAX);
    tokio::pin!(finish_limit);
    let mut limit_set = false;

    let now = ctx.clock().now();
    let effects = start(app, now);
    perform_all(effects, frontend, ctx, &tx, &mut output);
    loop {
        if output == Output::Live && frontend.draw(app, ctx.clock().now()).is_err() {
            output = Output::Gone;
        }
        if output == Output::Gone && !signalled {
            // Like a hang-up: leave, once the work that holds tokens is done.
            signalled = true;
            let effects = update(app, Msg::Quit, ctx.clock().now());
            perform_all(effects, frontend, ctx, &tx, &mut output);
        }
        let exit = if signalled {
            Exit::Signal
        } else {
            Exit::Normal
        };
        if app.quit || (frontend.exits_when_finished() && app.finished() && !app.holds_work()) {
            return Ok(exit);
        }
        if app.leaving.is_some() && !limit_set {
            limit_set = true;
            finish_limit
                .as_mut()
                .reset(tokio::time::Instant::now() + Duration::from_secs(FINISH_LIMIT_SECS));
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
            _ = term.recv() => { signalled = true; Msg::Quit }
            _ = hup.recv() => { signalled = true; Msg::Quit }
            _ = int.recv() => { signalled = true; Msg::Quit }
            () = &mut finish_limit => return Ok(exit),
        };
        let now = ctx.clock().now();
        let effects = update(app, msg, now);
        perform_all(effects, frontend, ctx, &tx, &mut output);
    }
}

/// Performs `effects`. The only ones that can fail are the frontend's (a copy to the
/// clipboard): a failure marks the output gone, and the work the others started goes on.
fn perform_all<T: Transport, F: Frontend>(
    effects: Vec<crate::app::Effect>,
    frontend: &mut F,
    ctx: &Context<T>,
    tx: &mpsc::UnboundedSender<Msg>,
    output: &mut Output,
) {
    for effect in effects {
        if perform(effect, frontend, ctx, tx).is_err() {
            *output = Output::Gone;
        }
    }
}

/// Revokes the grant of a session a sign-in outside the loop (the code flow) replaced, best
/// effort, and says on stderr what the server answered.
pub async fn revoke_replaced<T: Transport>(
    service: &SessionService<T>,
    session: &crate::domain::session::Session,
) {
    match service.revoke(session).await {
        Ok(done) => {
            for line in effects::revoke_lines(&done) {
                crate::say!("Replaced session: {line}");
            }
        }
        Err(e) => crate::say!("Could not revoke the replaced session's grant: {e}"),
    }
}

pub use effects::error_view;
use effects::perform;
