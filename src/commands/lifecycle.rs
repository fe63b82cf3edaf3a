//! `grantty` and `grantty login`: open a stored session's dashboard without asking the server
//! for anything; sign in when there is no session; sign in again over a session reusing its
//! provider, client and scopes, asking first (TUI) or requiring `--force` (plain, `--json`)
//! when it is still live, and revoking its grant once the new one is stored.

use super::{code_flow, plain_mode, provider_info, resolve, run_app, run_app_as, setup};
use crate::app::dashboard::Standing;
use crate::app::{App, Dashboard, StorageView};
use crate::cli::{FlowArg, LoginArgs, SessionArgs};
use crate::config::{Config, Profile};
use crate::domain::clock::{Clock, SystemClock, Timestamp};
use crate::domain::session::{Session, SessionState};
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::Provider;
use crate::oauth::wire::ErrorCode;
use crate::session_service::{RefreshFailed, SessionService, Stored};
use crate::store::StoreChoice;
use crate::words;

/// `grantty` alone: the dashboard of the stored session, requesting nothing; with no session,
/// a sign-in when the profile says where, else the error that names `grantty login`.
pub(super) async fn dashboard(
    session: &SessionArgs,
    profile: Option<&Profile>,
    config: &Config,
) -> Result<(), Error> {
    let service = setup::service(setup::open_store(session, StoreChoice::Auto)?)?;
    let stored = match service.inspect(&session.profile).await? {
        Stored::Session(stored) => *stored,
        // The keyring forgot the tokens: a new sign-in with the stored settings.
        missing @ Stored::TokensMissing { .. } => {
            say_tokens_missing(&missing);
            return login(session, &LoginArgs::default(), config).await;
        }
        Stored::Nothing => {
            return match profile {
                Some(_) => login(session, &LoginArgs::default(), config).await,
                None => Err(RefreshFailed::NotSignedIn {
                    profile: session.profile.clone(),
                }
                .into()),
            };
        }
    };
    let provider = Provider::from_session(&stored)?;
    let board = stored_board(stored, &service, profile.and_then(|p| p.refresh_skew_secs));
    let mut app = App::with_dashboard(provider_info(&provider), board);
    app.profile_label = profile.and_then(|p| p.label.clone());
    run_app(app, provider, service, session).await
}

/// Says on stderr that the secret backend lost a session's tokens and a new sign-in follows.
fn say_tokens_missing(stored: &Stored) {
    use std::io::Write as _;
    if let Stored::TokensMissing { meta, backend } = stored {
        let line = words::tokens_missing(&meta.profile, backend);
        let _ = writeln!(
            std::io::stderr(),
            "grantty: {line}; signing in again with its settings"
        );
    }
}

/// The dashboard of a stored session, as opened from the store.
fn stored_board(
    stored: Session,
    service: &SessionService<ReqwestTransport>,
    refresh_skew: Option<u64>,
) -> Dashboard {
    let info = service.store_info();
    let storage = StorageView {
        description: info.describe(),
        plaintext: info.plaintext,
    };
    let standing = standing(&stored);
    let mut board = Dashboard::new(
        stored,
        storage,
        SystemClock.now(),
        "Opened the stored session",
    );
    board.standing = standing;
    if let Some(skew) = refresh_skew {
        board.refresh_skew_secs = skew;
    }
    board
}

/// Where a stored session stands, from its metadata, for the dashboard's banner.
fn standing(stored: &Session) -> Standing {
    match &stored.meta.state {
        SessionState::Active => Standing::Active,
        SessionState::RefreshRefused { code, since } => Standing::Refused {
            code: ErrorCode::parse(code),
            description: None,
            since: Some(*since),
        },
        SessionState::Ended { .. } => Standing::Dead { reason: None },
    }
}

/// True while a stored session can still be used or refreshed: replacing it needs a yes.
fn is_live(session: &Session, now: Timestamp) -> bool {
    let refreshable =
        session.meta.has_refresh_token && !matches!(session.meta.state, SessionState::Ended { .. });
    refreshable || !session.needs_refresh(now, 0)
}

/// Why `login` will not replace a live session without `--force`, and the commands that work.
fn replace_refused(session: &Session, now: Timestamp) -> Error {
    let profile = &session.meta.profile;
    let until = session
        .meta
        .access_expires_at
        .map_or_else(String::new, |at| {
            if at > now {
                format!(
                    " (access token valid until {})",
                    crate::words::time_of_day(at)
                )
            } else {
                String::new()
            }
        });
    Error::Usage(format!(
        "profile {profile:?} is signed in at {}{until}. To replace that session, run `grantty login --profile {profile} --force` (its grant is revoked once the new sign-in is stored); to use it, run `grantty --profile {profile}`",
        session.meta.provider.host
    ))
}

pub(super) async fn login(
    session: &SessionArgs,
    args: &LoginArgs,
    config: &Config,
) -> Result<(), Error> {
    let service = setup::service(setup::open_store_for_login(session)?)?;
    let stored = service.inspect(&session.profile).await?;
    if let Stored::TokensMissing { .. } = &stored {
        say_tokens_missing(&stored);
    }
    let plan =
        resolve::login_plan(session, args, config, Some(&stored), &service.transport).await?;
    // Both flows end on the dashboard in a terminal (the code flow on its own screen).
    let on_screen = !plain_mode(session) && !args.json;
    super::refuse_memory_store_without_dashboard(session.store, on_screen, &session.profile)?;
    let refresh_skew = config
        .profile(&session.profile)
        .and_then(|p| p.refresh_skew_secs);
    let now = SystemClock.now();
    let live = match stored {
        Stored::Session(s) if is_live(&s, now) => Some(*s),
        _ => None,
    };
    let asks = !args.json && !plain_mode(session) && plan.flow == FlowArg::Device;
    if let Some(old) = &live
        && !args.force
        && !asks
    {
        return Err(replace_refused(old, now));
    }
    match plan.flow {
        FlowArg::Device => {
            let over = live.map(|old| Over {
                board: stored_board(old, &service, refresh_skew),
                ask: !args.force,
            });
            // A device sign-in over a code-flow session makes a device-grant session.
            let mut provider = plan.provider;
            provider.code_flow = None;
            let settings = config.profile(&session.profile);
            sign_in(provider, service, session, args.json, settings, over).await
        }
        // The session the sign-in's save replaces is revoked where it is saved: by the app on
        // screen, by the line mode after its save.
        FlowArg::Code => {
            let label = config
                .profile(&session.profile)
                .and_then(|p| p.label.clone());
            code_flow::sign_in(plan, service, session, (on_screen, label)).await
        }
    }
}

/// A live session a new sign-in would replace.
pub(super) struct Over {
    /// Its dashboard: shown with the question first, or kept to come back to on `q`.
    board: Dashboard,
    /// Ask first (the TUI without `--force`).
    ask: bool,
}

pub(super) async fn sign_in(
    provider: Provider,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
    json: bool,
    settings: Option<&Profile>,
    over: Option<Over>,
) -> Result<(), Error> {
    let mut app = match over {
        Some(Over {
            mut board,
            ask: true,
        }) => {
            board.overlay = crate::app::dashboard::Overlay::ConfirmSignIn;
            App::with_dashboard(provider_info(&provider), board)
        }
        Some(Over { board, ask: false }) => {
            let mut app = App::new(provider_info(&provider), SystemClock.now());
            app.replacing = Some(Box::new(board));
            app
        }
        None => App::new(provider_info(&provider), SystemClock.now()),
    };
    app.profile.clone_from(&session.profile);
    app.profile_label = settings.and_then(|p| p.label.clone());
    if let Some(secs) = settings.and_then(|p| p.refresh_skew_secs) {
        app.refresh_skew_secs = secs;
    }
    run_app_as(app, provider, service, session, json).await
}
