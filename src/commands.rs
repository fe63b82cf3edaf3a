//! The subcommands: build real adapters, run the loop, turn the end state into an exit code.

mod code_flow;
mod docs;
mod hold;
mod integrations;
mod profiles;
mod resolve;
mod scripts;
mod setup;
mod status;

use std::io::IsTerminal as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::app::{App, Dashboard, ProviderInfo, Screen, StorageView};
use crate::cli::{Cli, Command, DemoArgs, FlowArg, LoginArgs, SessionArgs};
use crate::config::{Config, Profile};
use crate::demo::{AutoDecision, Decision, DemoClock, DemoConfig, DemoServer};
use crate::domain::clock::{Clock, SystemClock, Timestamp};
use crate::domain::grant::GrantFailure;
use crate::domain::session::Session;
use crate::domain::text::{SHORT_MAX_CHARS, sanitize};
use crate::error::{Error, exit};
use crate::ndjson::{Event, Ndjson, WithHumanLines};
use crate::oauth::client::discover;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::Provider;
use crate::plain::{Plain, failure_line, status_line};
use crate::runtime::{self, Context, Exit};
use crate::session_service::RefreshFailed;
use crate::store::{SessionStore, StoreChoice};
use crate::tui::{self, Tui};
use crate::ui::Theme;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), Error> {
    let (session, config) = match setup::session_and_config(&cli) {
        Ok(loaded) => loaded,
        Err(err) => {
            let json = matches!(&cli.command, Some(Command::Login(args)) if args.json);
            return json_errors(json, Err(err));
        }
    };
    let session = &session;
    let profile = config.profile(&session.profile);
    match &cli.command {
        None => dashboard(session, profile, &config).await,
        Some(Command::Login(args)) => json_errors(args.json, login(session, args, &config).await),
        Some(Command::Demo(args)) => json_errors(args.json, demo(session, args).await),
        Some(Command::Token(args)) => scripts::token(session, args).await,
        Some(Command::Status(args)) => status::status(session, args),
        Some(Command::Refresh) => scripts::refresh(session).await,
        Some(Command::Logout(args)) => scripts::logout(session, args, profile).await,
        Some(Command::Export(args)) => {
            scripts::export(session, args, profile.and_then(|p| p.export_format))
        }
        Some(Command::Profiles(args)) => profiles::list(&cli.session, session, &config, args),
        Some(Command::KubectlCredential) => integrations::kubectl_credential(session).await,
        Some(Command::GitCredential(args)) => {
            integrations::git_credential(session, args.operation).await
        }
        Some(Command::Completions(args)) => docs::completions(args.shell),
        Some(Command::Man) => docs::man(),
    }
}

/// `grantty` alone: the dashboard of the stored session, requesting nothing; with no session,
/// a sign-in when the profile says where, else the error that names `grantty login`.
async fn dashboard(
    session: &SessionArgs,
    profile: Option<&Profile>,
    config: &Config,
) -> Result<(), Error> {
    let store = setup::open_store(session, StoreChoice::Auto)?;
    let Some(stored) = store.load(&session.profile)? else {
        let not_signed_in = RefreshFailed::NotSignedIn {
            profile: session.profile.clone(),
        };
        return match profile {
            Some(_) => login(session, &LoginArgs::default(), config).await,
            None => Err(not_signed_in.into()),
        };
    };
    let provider = Provider::from_record(&stored.meta.provider)?;
    let board = stored_board(stored, &store, profile.and_then(|p| p.refresh_skew_secs));
    let app = App::with_dashboard(provider_info(&provider), board);
    run_app(app, provider, ReqwestTransport::new()?, store, session).await
}

/// The dashboard of a stored session, as opened from the store.
fn stored_board(stored: Session, store: &SessionStore, refresh_skew: Option<u64>) -> Dashboard {
    let info = store.info();
    let storage = StorageView {
        description: info.describe(),
        plaintext: info.plaintext,
    };
    let mut board = Dashboard::new(
        stored,
        storage,
        SystemClock.now(),
        "Opened the stored session",
    );
    if let Some(skew) = refresh_skew {
        board.refresh_skew_secs = skew;
    }
    board
}

/// True while a stored session can still be used or refreshed: replacing it needs a yes.
fn is_live(session: &Session, now: Timestamp) -> bool {
    session.meta.has_refresh_token || !session.needs_refresh(now, 0)
}

/// Why `login` will not replace a live session without `--force`, and the commands that work.
fn replace_refused(session: &Session, now: Timestamp) -> Error {
    let profile = &session.meta.profile;
    let until = session
        .meta
        .access_expires_at
        .map_or_else(String::new, |at| {
            if at > now {
                format!(" (access token valid until {} UTC)", at.utc_hms())
            } else {
                String::new()
            }
        });
    Error::Usage(format!(
        "profile {profile:?} is signed in at {}{until}. To replace that session, run `grantty login --profile {profile} --force` (its grant is revoked once the new sign-in is stored); to use it, run `grantty --profile {profile}`",
        session.meta.provider.host
    ))
}

async fn login(session: &SessionArgs, args: &LoginArgs, config: &Config) -> Result<(), Error> {
    let transport = ReqwestTransport::new()?;
    let store = setup::open_store(session, StoreChoice::Auto)?;
    let stored = store.load(&session.profile)?;
    let record = stored.as_ref().map(|s| &s.meta.provider);
    let plan = resolve::login_plan(session, args, config, record, &transport).await?;
    let refresh_skew = config
        .profile(&session.profile)
        .and_then(|p| p.refresh_skew_secs);
    let now = SystemClock.now();
    let live = stored.filter(|s| is_live(s, now));
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
                board: stored_board(old, &store, refresh_skew),
                ask: !args.force,
            });
            sign_in(
                plan.provider,
                transport,
                store,
                session,
                args.json,
                refresh_skew,
                over,
            )
            .await
        }
        FlowArg::Code => {
            let revoker = Arc::new(ReqwestTransport::new()?);
            code_flow::sign_in(plan, transport, store, session).await?;
            if let Some(old) = live {
                runtime::revoke_replaced(revoker, Arc::new(SystemClock), &old).await;
            }
            Ok(())
        }
    }
}

async fn demo(session: &SessionArgs, args: &DemoArgs) -> Result<(), Error> {
    let auto_decision = (args.approve_after > 0 || args.deny).then_some(AutoDecision {
        after_secs: args.approve_after,
        decision: if args.deny {
            Decision::Deny
        } else {
            Decision::Approve
        },
    });
    let config = DemoConfig {
        interval_secs: args.interval,
        device_code_lifetime_secs: args.expires_in,
        access_token_lifetime_secs: args.access_token_lifetime,
        auto_decision,
        ..DemoConfig::default()
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let server = DemoServer::start(config, DemoClock::system(), addr).await?;
    let issuer = server.issuer();
    if args.serve {
        println!("grantty demo server listening on {issuer}");
        println!("  metadata:             {issuer}/.well-known/oauth-authorization-server");
        println!("  device authorization: {issuer}/device_authorization");
        println!("  token:                {issuer}/token");
        println!("  revocation:           {issuer}/revoke");
        println!("  verification page:    {issuer}/device");
        println!("  authorization:        {issuer}/authorize");
        println!("Sign in with: grantty login --issuer {issuer} --client-id grantty-demo");
        println!("  (add --flow code for the authorization code grant with PKCE)");
        wait_for_shutdown_signal().await?;
        server.shutdown().await;
        return Ok(());
    }
    let transport = ReqwestTransport::new()?;
    let provider = discover(
        &transport,
        &issuer,
        "grantty-demo",
        Some("openid profile email offline_access"),
    )
    .await?;
    // Demo tokens are worthless outside this run: keep them in memory unless asked otherwise.
    let store = setup::open_store(session, StoreChoice::Memory)?;
    let result = sign_in(provider, transport, store, session, args.json, None, None).await;
    server.shutdown().await;
    result
}

async fn wait_for_shutdown_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
    }
}

/// This machine's name, for the anti-phishing line.
fn local_host_name() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name = sanitize(&raw, SHORT_MAX_CHARS);
    if name.is_empty() {
        "this machine".to_owned()
    } else {
        name
    }
}

fn provider_info(provider: &Provider) -> ProviderInfo {
    ProviderInfo {
        name: provider.display_name().to_owned(),
        host: provider.display_host(),
        client_id: sanitize(&provider.client_id, SHORT_MAX_CHARS),
        scopes: sanitize(&provider.scope, 300),
        local_host: local_host_name(),
    }
}

/// A live session a new sign-in would replace.
struct Over {
    /// Its dashboard: shown with the question first, or kept to come back to on `q`.
    board: Dashboard,
    /// Ask first (the TUI without `--force`).
    ask: bool,
}

async fn sign_in(
    provider: Provider,
    transport: ReqwestTransport,
    store: SessionStore,
    session: &SessionArgs,
    json: bool,
    refresh_skew: Option<u64>,
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
    if let Some(secs) = refresh_skew {
        app.refresh_skew_secs = secs;
    }
    run_app_as(app, provider, transport, store, session, json).await
}

/// Plain lines instead of the TUI: asked for, or stdout/stdin is not a terminal.
fn plain_mode(session: &SessionArgs) -> bool {
    session.plain || !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal()
}

/// With `--json`, a failure that stopped the command before its frontend could say so (flags,
/// discovery, store, IO) becomes an `error` event too; sign-in outcomes were already written.
fn json_errors(json: bool, result: Result<(), Error>) -> Result<(), Error> {
    if let Err(err) = &result
        && json
        && !matches!(err, Error::SignIn { .. })
    {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        let mut events = Ndjson::new(std::io::stdout());
        // If stdout is gone, the exit code and stderr still tell.
        let _ = events.emit(&Event::Error { message }, SystemClock.now());
    }
    result
}

/// Runs `app` in the TUI, or in plain mode when asked or when stdout/stdin is not a terminal.
async fn run_app(
    app: App,
    provider: Provider,
    transport: ReqwestTransport,
    store: SessionStore,
    session: &SessionArgs,
) -> Result<(), Error> {
    run_app_as(app, provider, transport, store, session, false).await
}

/// [`run_app`], or with `json` NDJSON events on stdout and the plain lines on stderr.
async fn run_app_as(
    mut app: App,
    provider: Provider,
    transport: ReqwestTransport,
    store: SessionStore,
    session: &SessionArgs,
    json: bool,
) -> Result<(), Error> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let ctx = Context {
        transport: Arc::new(transport),
        provider: Arc::new(provider),
        clock: clock.clone(),
        store: Arc::new(store),
        profile: session.profile.clone(),
    };
    let plain = plain_mode(session);
    let exit = if json {
        let mut frontend = WithHumanLines {
            events: Ndjson::new(std::io::stdout()),
            lines: Plain::new(std::io::stderr()),
        };
        let exit = runtime::run(
            &mut app,
            &mut frontend,
            &ctx,
            futures_util::stream::pending(),
        )
        .await?;
        if !app.finished() {
            frontend.events.cancelled(clock.now())?;
        }
        exit
    } else if plain {
        let mut frontend = Plain::new(std::io::stderr());
        runtime::run(
            &mut app,
            &mut frontend,
            &ctx,
            futures_util::stream::pending(),
        )
        .await?
    } else {
        let theme = if tui::no_color_requested() {
            Theme::no_color()
        } else {
            Theme::color()
        };
        let mut frontend = Tui::enter(theme)?;
        let exit = runtime::run(&mut app, &mut frontend, &ctx, tui::events()).await;
        drop(frontend); // restore the terminal before anything is printed
        let exit = exit?;
        // The alternate screen is gone: leave the outcome in the scrollback.
        if app.finished() {
            eprintln!("{}", status_line(&app, clock.now()));
        }
        exit
    };
    outcome(&app, exit)
}

/// Maps the final state to `Ok` or an error carrying the exit code (already reported).
fn outcome(app: &App, exit: Exit) -> Result<(), Error> {
    let code = match &app.screen {
        Screen::Dashboard(d) => match &d.ended {
            None | Some(crate::app::dashboard::Ended::Revoked) => return Ok(()),
            Some(crate::app::dashboard::Ended::ByServer(_)) => exit::SIGN_IN_NEEDED,
        },
        Screen::Approved(a) if matches!(a.saved, crate::app::SaveState::Failed(_)) => exit::STORE,
        Screen::Approved(_) => return Ok(()),
        _ if exit == Exit::Signal => exit::CANCELLED,
        Screen::Requesting { .. } | Screen::Waiting(_) => exit::CANCELLED,
        Screen::Ended { failure, .. } => match failure {
            GrantFailure::Denied { .. } => exit::DENIED,
            GrantFailure::Expired { .. } => exit::EXPIRED,
            GrantFailure::Server(_)
            | GrantFailure::Unparseable { .. }
            | GrantFailure::LostReply(_) => exit::SERVER,
        },
        Screen::Failed(view) if view.title.starts_with("Could not reach") => exit::NETWORK,
        Screen::Failed(_) => exit::SERVER,
    };
    let message = match &app.screen {
        Screen::Requesting { .. } | Screen::Waiting(_) => "sign-in cancelled".to_owned(),
        Screen::Ended { failure, .. } => failure_line(failure),
        _ => String::new(),
    };
    Err(Error::SignIn { code, message })
}
