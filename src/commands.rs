//! The subcommands: build real adapters, run the loop, turn the end state into an exit code.

mod client_secret;
mod code_flow;
mod demo_settings;
mod docs;
mod exec;
mod hold;
mod integrations;
mod keep;
mod lifecycle;
mod profiles;
mod resolve;
mod scripts;
mod setup;
mod status;
mod token_fast;
mod tui_run;

pub(crate) use tui_run::run_screen_with;
use tui_run::run_tui;

pub use token_fast::cached;

pub use demo_settings::demo_config;

use std::io::IsTerminal as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::app::{App, CodeEndKind, ErrorKind, ProviderInfo, Screen};
use crate::cli::{Cli, Command, DemoArgs, SessionArgs};
use crate::demo::{DemoClock, DemoServer};
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::grant::GrantFailure;
use crate::domain::text::{SHORT_MAX_CHARS, sanitize};
use crate::error::{Error, exit};
use crate::local_time::LocalTime;
use crate::ndjson::{Event, Ndjson, WithHumanLines};
use crate::oauth::client::discover;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::Provider;
use crate::plain::Plain;
use crate::runtime::{self, Context, Exit};
use crate::session_service::SessionService;
use crate::store::StoreChoice;

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
        None => lifecycle::dashboard(session, profile, &config).await,
        Some(Command::Login(args)) => {
            json_errors(args.json, lifecycle::login(session, args, &config).await)
        }
        Some(Command::Demo(args)) => json_errors(args.json, demo(session, args).await),
        // Boxed: the refresh path holds the provider and the session across awaits.
        Some(Command::Token(args)) => Box::pin(scripts::token(session, args)).await,
        Some(Command::Status(args)) => status::status(session, args).await,
        Some(Command::Refresh(args)) => scripts::refresh(session, args).await,
        Some(Command::Logout(args)) => scripts::logout(session, args, &config).await,
        Some(Command::Export(args)) => {
            scripts::export(session, args, profile.and_then(|p| p.export_format)).await
        }
        // Boxed as `token` is.
        Some(Command::Exec(args)) => Box::pin(exec::exec(session, args)).await,
        Some(Command::Profiles(args)) => profiles::list(&cli.session, session, &config, args),
        Some(Command::KubectlCredential) => integrations::kubectl_credential(session).await,
        Some(Command::GitCredential(args)) => {
            integrations::git_credential(session, args.operation).await
        }
        Some(Command::Completions(args)) => docs::completions(args.shell),
        Some(Command::Man(args)) => docs::man(args),
        Some(Command::Keep(args)) => keep::keep(session, args).await,
    }
}

/// Refuses `--store memory` for a sign-in that ends as soon as the tokens arrive (plain mode,
/// `--json`, the code flow): the tokens would be lost on exit but stay live at the server.
pub fn refuse_memory_store_without_dashboard(
    store: Option<StoreChoice>,
    stays_open: bool,
    profile: &str,
) -> Result<(), Error> {
    if store == Some(StoreChoice::Memory) && !stays_open {
        return Err(Error::Usage(format!(
            "--store memory keeps tokens only while grantty runs, and this sign-in ends as soon as they arrive (plain mode, --json or --flow code): they would stay valid at the server with nobody holding them. Sign in with a store that keeps them (grantty login --profile {profile} --store auto), or run grantty login --store memory in a terminal, where the dashboard keeps and revokes them"
        )));
    }
    Ok(())
}

async fn demo(session: &SessionArgs, args: &DemoArgs) -> Result<(), Error> {
    let config = demo_config(args);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let decides_alone = config.auto_decision.is_some();
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
        if !decides_alone {
            println!(
                "Approve each sign-in on the verification page (--approve-after SECS approves by itself)."
            );
        }
        println!("Sign in with: grantty login --issuer {issuer} --client-id grantty-demo");
        println!("  (add --flow code for the authorization code grant with PKCE)");
        let confidential = &crate::demo::ConfidentialClient::default();
        println!(
            "Confidential client: --client-id {} --client-auth basic with GRANTTY_CLIENT_SECRET={} (a demo value)",
            confidential.client_id, confidential.secret
        );
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
    let service = SessionService::new(Arc::new(store), Arc::new(transport), Arc::new(SystemClock));
    let result = lifecycle::sign_in(provider, service, session, args.json, None, None).await;
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

pub(crate) fn provider_info(provider: &Provider) -> ProviderInfo {
    ProviderInfo {
        name: provider.display_name().to_owned(),
        host: provider.display_host(),
        client_id: sanitize(&provider.client_id, SHORT_MAX_CHARS),
        scopes: sanitize(&provider.scope, 300),
        local_host: local_host_name(),
    }
}

/// Plain lines instead of the TUI: asked for, or stdout/stdin is not a terminal.
pub(crate) fn plain_mode(session: &SessionArgs) -> bool {
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
pub(crate) async fn run_app(
    app: App,
    provider: Provider,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
) -> Result<(), Error> {
    run_app_as(app, provider, service, session, false).await
}

/// [`run_app`], or with `json` NDJSON events on stdout and the plain lines on stderr.
pub(crate) async fn run_app_as(
    mut app: App,
    provider: Provider,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
    json: bool,
) -> Result<(), Error> {
    // The one read of the time zone: every screen and line after this shows local times.
    app.local_time = LocalTime::load();
    let clock = service.clock.clone();
    let ctx = Context::new(service, provider, &session.profile);
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
        let mut frontend =
            Plain::new(std::io::stderr()).on_terminal(crate::console::StderrTerminal::now());
        runtime::run(
            &mut app,
            &mut frontend,
            &ctx,
            futures_util::stream::pending(),
        )
        .await?
    } else {
        run_tui(&mut app, &ctx, futures_util::stream::pending()).await?
    };
    outcome(&app, exit)
}

/// Maps the final state to `Ok` or an error carrying the exit code (already reported).
fn outcome(app: &App, exit: Exit) -> Result<(), Error> {
    let code = match &app.screen {
        Screen::Dashboard(d) => match &d.ended {
            None
            | Some(
                crate::app::dashboard::Ended::Revoked | crate::app::dashboard::Ended::DeletedHere,
            ) => return Ok(()),
            Some(crate::app::dashboard::Ended::SignedOutElsewhere) => exit::SIGN_IN_NEEDED,
        },
        Screen::Approved(a) if matches!(a.saved, crate::app::SaveState::Failed(_)) => exit::STORE,
        Screen::Approved(_) => return Ok(()),
        _ if exit == Exit::Signal => exit::CANCELLED,
        Screen::Requesting { .. } | Screen::Waiting(_) | Screen::Code(_) => exit::CANCELLED,
        Screen::Ended { failure, .. } => match failure {
            GrantFailure::Denied { .. } => exit::DENIED,
            GrantFailure::Expired { .. } => exit::EXPIRED,
            GrantFailure::Server(_)
            | GrantFailure::Unparseable { .. }
            | GrantFailure::LostReply(_) => exit::SERVER,
        },
        Screen::Failed(view) => match view.kind {
            ErrorKind::Unreachable => exit::NETWORK,
            ErrorKind::Server => exit::SERVER,
            ErrorKind::Usage => exit::USAGE,
        },
        Screen::CodeEnded(end) => match end.kind {
            CodeEndKind::Denied => exit::DENIED,
            CodeEndKind::Expired => exit::EXPIRED,
            CodeEndKind::Unreachable => exit::NETWORK,
            CodeEndKind::Refused => exit::SERVER,
        },
    };
    let message = match &app.screen {
        Screen::Requesting { .. } | Screen::Waiting(_) | Screen::Code(_) => {
            "sign-in cancelled".to_owned()
        }
        // Every frontend has already shown how the sign-in ended (plain and NDJSON as their
        // last line, the TUI in the scrollback after leaving): saying it again repeats it.
        _ => String::new(),
    };
    Err(Error::SignIn { code, message })
}
