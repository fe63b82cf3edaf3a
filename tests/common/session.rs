//! A session signed in against the built-in demo server and stored where the `grantty` binary
//! looks for it, plus a way to run that binary on it.
//!
//! Every run is hermetic: `--store file`, `XDG_STATE_HOME` pointing at this fixture's own
//! temporary directory, an empty environment otherwise (no `HOME`, no `GRANTTY_*`, no proxy
//! variables), stdin null, and the child killed if the test drops it. Only 127.0.0.1 is
//! contacted. Each finished run is checked for token text on stderr.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{ExitStatus, Output, Stdio};

use grantty::demo::{Decision, DemoClock, DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::grant::PollReply;
use grantty::domain::secret::RefreshToken;
use grantty::domain::session::Session;
use grantty::domain::token::TokenSet;
use grantty::oauth::client::{discover, poll_token, request_device_code};
use grantty::oauth::http::ReqwestTransport;
use grantty::oauth::provider::Provider;
use grantty::store::{SessionStore, StoreChoice};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// The profile every fixture signs in as (the binary's default).
pub const PROFILE: &str = "default";
/// The client id the fixture registers with the demo server.
pub const CLIENT_ID: &str = "grantty-test";
/// The scope requested at sign-in.
pub const SCOPE: &str = "openid offline_access";
/// Prefixes of the demo server's access and refresh tokens: never allowed on stderr.
pub const TOKEN_PREFIXES: [&str; 2] = ["demo-at-", "demo-rt-"];

/// Starts the demo server on a free loopback port with the system clock.
pub async fn demo_server(config: DemoConfig) -> DemoServer {
    DemoServer::start(
        config,
        DemoClock::system(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap()
}

/// Whether the stored access token is still good or already past its expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// As the server issued it (the demo's default lifetime is 35 minutes).
    Fresh,
    /// `access_expires_at` moved to a minute ago, so the next `grantty token` must refresh.
    Expired,
}

/// A stored session in its own state directory.
pub struct SignedIn {
    /// `XDG_STATE_HOME` of every run; removed on drop.
    pub state_home: TempDir,
    /// The store the binary opens with `--store file`.
    pub store: SessionStore,
    /// The session as it was saved.
    pub session: Session,
    /// The provider discovered from the demo server.
    pub provider: Provider,
    /// HTTP for the test's own requests.
    pub transport: ReqwestTransport,
}

/// Signs in through the library (device code, approval, one poll) and saves the session into
/// `<fresh temp dir>/grantty` with the plaintext file backend.
pub async fn signed_in(server: &DemoServer, access: Access) -> SignedIn {
    let transport = ReqwestTransport::new().unwrap();
    let (provider, tokens) = sign_in(server, &transport).await;
    let now = SystemClock.now();
    let mut session = Session::new(PROFILE, provider.to_record(), tokens, now);
    if access == Access::Expired {
        session.meta.access_expires_at = Some(Timestamp::from_unix_secs(now.as_unix_secs() - 60));
    }
    stored(&session, provider, transport)
}

/// Saves `session` into `<fresh temp dir>/grantty` with the plaintext file backend.
pub fn stored(session: &Session, provider: Provider, transport: ReqwestTransport) -> SignedIn {
    let state_home = tempfile::tempdir().unwrap();
    let store =
        SessionStore::open(state_home.path().join("grantty"), StoreChoice::File, true).unwrap();
    store.save(session).unwrap();
    let session = store.load(PROFILE).unwrap().unwrap();
    SignedIn {
        state_home,
        store,
        session,
        provider,
        transport,
    }
}

/// The device grant against `server`, approved before the first poll (which the demo server
/// answers at once).
pub async fn sign_in(server: &DemoServer, transport: &ReqwestTransport) -> (Provider, TokenSet) {
    let provider = discover(transport, &server.issuer(), CLIENT_ID, Some(SCOPE))
        .await
        .unwrap();
    let auth = request_device_code(transport, &provider, &SystemClock)
        .await
        .unwrap();
    server.decide(&auth.user_code, Decision::Approve).unwrap();
    match poll_token(transport, &provider, &auth.device_code, &SystemClock).await {
        PollReply::Approved(tokens) => (provider, *tokens),
        other => panic!("the approved sign-in did not yield tokens: {other:?}"),
    }
}

impl SignedIn {
    /// The stored access token as saved at sign-in.
    pub fn access_token(&self) -> &str {
        self.session.secrets.access_token.expose()
    }

    /// The stored refresh token as saved at sign-in.
    pub fn refresh_token(&self) -> &str {
        self.session
            .secrets
            .refresh_token
            .as_ref()
            .map(RefreshToken::expose)
            .unwrap()
    }

    /// The store's directory, `$XDG_STATE_HOME/grantty`.
    pub fn dir(&self) -> PathBuf {
        self.store.dir().to_owned()
    }

    /// The plaintext secrets file of the profile.
    pub fn secrets_file(&self) -> PathBuf {
        self.dir().join(format!("{PROFILE}.secrets.json"))
    }

    /// What the store holds now.
    pub fn stored(&self) -> Option<Session> {
        self.store.load(PROFILE).unwrap()
    }

    /// `grantty --store file <args>` on this state directory, not yet started; output piped.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        command_in(self.state_home.path(), args)
    }

    /// Runs `grantty --store file <args>` to the end.
    pub async fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args), args).await
    }
}

/// `grantty --store file <args>` with `XDG_STATE_HOME` at `state_home` and nothing else from
/// the environment, not yet started; stdin null, output piped.
pub fn command_in(state_home: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = bare_command_in(state_home, args);
    cmd.args(["--store", "file"]);
    cmd
}

/// [`command_in`] without `--store`: the binary finds the backend from the session's metadata.
pub fn bare_command_in(state_home: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"));
    cmd.args(args)
        .env_clear()
        // Times are written in the local zone: the same one on every machine.
        .env("TZ", "UTC")
        // A UTF-8 locale, as a desktop session has; ASCII mode is tested with LANG=C.
        .env("LANG", "C.UTF-8")
        .env("XDG_STATE_HOME", state_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// A finished run of the binary; constructing one asserts that stderr holds no token.
#[derive(Debug)]
pub struct Run {
    /// The arguments, for messages.
    pub args: String,
    /// How it ended.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs `command` (started with `args`) to the end.
    pub async fn of(mut command: tokio::process::Command, args: &[&str]) -> Self {
        let output = command.spawn().unwrap().wait_with_output().await.unwrap();
        Self::from_output(args, output)
    }

    /// Wraps `output`, checking stderr for token text.
    pub fn from_output(args: &[&str], output: Output) -> Self {
        let run = Self {
            args: args.join(" "),
            status: output.status,
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        for prefix in TOKEN_PREFIXES {
            assert!(
                !run.stderr.contains(prefix),
                "`grantty {}` wrote a token ({prefix}…) to stderr: {}",
                run.args,
                run.stderr
            );
        }
        run
    }

    /// The exit code (`None` if a signal ended it).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Asserts the exit code, showing stderr when it differs.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code(),
            Some(code),
            "`grantty {}` exit status; stderr: {}",
            self.args,
            self.stderr
        );
        self
    }

    /// Asserts that stdout holds no token either.
    #[track_caller]
    pub fn assert_no_token_on_stdout(&self) -> &Self {
        for prefix in TOKEN_PREFIXES {
            assert!(
                !self.stdout.contains(prefix),
                "`grantty {}` wrote a token ({prefix}…) to stdout: {}",
                self.args,
                self.stdout
            );
        }
        self
    }
}

/// Runs `cmd` to the end, relaying every `code_issued` to the demo server as the decision, if
/// any; returns the parsed events, their lines and the finished run (stderr checked for tokens).
pub async fn events_of(
    mut cmd: tokio::process::Command,
    args: &[&str],
    relay: Option<(&DemoServer, Decision)>,
) -> (Vec<Value>, Vec<String>, Run) {
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut events, mut raw) = (Vec::new(), Vec::new());
    while let Some(line) = lines.next_line().await.unwrap() {
        let event: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
        if let Some((server, decision)) = relay
            && event["event"] == "code_issued"
        {
            server
                .decide(event["user_code"].as_str().unwrap(), decision)
                .unwrap();
        }
        for prefix in TOKEN_PREFIXES {
            assert!(!line.contains(prefix), "an event carries a token: {line}");
        }
        events.push(event);
        raw.push(line);
    }
    let run = Run::from_output(args, child.wait_with_output().await.unwrap());
    (events, raw, run)
}
