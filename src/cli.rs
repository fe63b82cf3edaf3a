//! Command-line interface (clap derive). Secrets are never taken as arguments: argv is visible to
//! every user of the machine through `ps`.
//!
//! Shared flags are global, under one "Global options" heading, with a one-line help each; what
//! they mean in full (stores, profiles, files, environment, exit status, configuration) is said
//! once, in [`reference`], which `grantty --help` and `grantty man` both print.

pub mod reference;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::Format;
use crate::store::StoreChoice;

/// Sign in from a terminal with the OAuth 2.0 device grant (RFC 8628) or the code flow with PKCE.
#[derive(Debug, Parser)]
#[command(
    name = "grantty",
    version,
    about = "Sign in from a terminal with the OAuth 2.0 device grant (RFC 8628) or the code \
             flow with PKCE, then keep the tokens alive",
    long_about = "Sign in from a terminal with the OAuth 2.0 Device Authorization Grant \
                  (RFC 8628) or the authorization code flow with PKCE (RFC 7636, \
                  'login --flow code'), then keep the tokens alive: a dashboard, 'grantty token' for \
                  scripts, kubectl and git credential helpers. Without a command, the \
                  dashboard of the stored session.",
    propagate_version = true,
    after_help = "See 'grantty --help' for exit status, files, environment and configuration, \
                  and 'grantty man' for the manual.",
    after_long_help = reference::long_help()
)]
pub struct Cli {
    /// Where sessions are kept.
    #[command(flatten)]
    pub session: SessionArgs,
    /// What to do; without a command, the dashboard of the stored session.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Which session, and where it is stored. Global: every subcommand takes them, and each one's
/// help is one line (the details are in [`reference`]).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct SessionArgs {
    /// The profile: one stored session per profile (see PROFILES in `grantty --help`).
    #[arg(
        long = "profile",
        value_name = "PROFILE",
        global = true,
        env = "GRANTTY_PROFILE"
    )]
    pub profile_arg: Option<String>,
    /// The profile in effect: `--profile`, else `GRANTTY_PROFILE`, else `default_profile` from the
    /// configuration, else `default` (resolved by [`crate::config::Config::session`]).
    #[arg(skip = String::from(crate::config::DEFAULT_PROFILE))]
    pub profile: String,
    /// Where tokens are kept: auto, secret-service, keyutils, file, memory or etcd (see STORES in
    /// `grantty --help`).
    #[arg(
        long,
        global = true,
        env = "GRANTTY_STORE",
        value_enum,
        hide_possible_values = true
    )]
    pub store: Option<StoreChoice>,
    /// Plain lines on stderr instead of the full-screen UI (automatic without a terminal).
    #[arg(long, global = true)]
    pub plain: bool,
    /// The configuration file (see CONFIGURATION in `grantty --help`).
    #[arg(long, global = true, env = "GRANTTY_CONFIG", value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// `refresh_token_lifespan` of each configured profile that sets it: applied to stored
    /// sessions when read, so a changed value applies to live sessions (filled in by
    /// [`crate::config::Config::session`]).
    #[arg(skip)]
    pub refresh_token_lifespans: std::collections::BTreeMap<String, u64>,
    /// The configuration file's `[etcd]` table, for `--store etcd` where the `GRANTTY_ETCD_*`
    /// variables leave a setting unset (filled in by [`crate::config::Config::session`]).
    #[arg(skip)]
    pub etcd: crate::store::etcd::EtcdSettings,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a provider: the device grant (default) or, with --flow code, the code flow with PKCE.
    Login(LoginArgs),
    /// Sign in against the built-in demo server on 127.0.0.1 (or only run the server).
    Demo(DemoArgs),
    /// Print an access token valid for at least --min-valid seconds, refreshing if needed.
    Token(TokenArgs),
    /// Show the stored session (never unlocks the secrets).
    Status(StatusArgs),
    /// Refresh now, whether or not the access token is about to expire.
    Refresh(RefreshArgs),
    /// Revoke the session at the server, then delete it here (kept when the server could not revoke it).
    Logout(LogoutArgs),
    /// Print (or write to a 0600 file) the tokens in a format other programs read, refreshing as `token` does.
    Export(ExportArgs),
    /// Run a command with a fresh access token in its environment (`GRANTTY_ACCESS_TOKEN`, `GRANTTY_AUTHORIZATION`), refreshing as `token` does; exits with the command's status.
    Exec(ExecArgs),
    /// List the configured profiles and the state of their sessions.
    Profiles(ProfilesArgs),
    /// Keep sessions alive without a terminal (systemd user service, tmux, nohup): refresh ahead of expiry until SIGTERM.
    Keep(KeepArgs),
    /// Print a Kubernetes `ExecCredential` (client.authentication.k8s.io/v1), refreshing as `token` does.
    KubectlCredential,
    /// Git credential helper (`git config credential.helper '!grantty git-credential'`).
    GitCredential(GitCredentialArgs),
    /// Print shell completions (profile names come from `grantty profiles --names`).
    Completions(CompletionsArgs),
    /// Print the man page grantty(1), or a command's page grantty-COMMAND(1) (roff).
    Man(ManArgs),
}

/// `grantty man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print, e.g. `login` for grantty-login(1); none: grantty(1).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,
    /// Write every page (grantty.1 and a grantty-COMMAND.1 per command) into this directory.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<std::path::PathBuf>,
}

/// `grantty keep`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // independent flags, as clap parses them
pub struct KeepArgs {
    /// Keep every stored session (instead of the one of --profile), including sessions signed in later.
    #[arg(long)]
    pub all: bool,
    /// Print NDJSON events on stdout instead of one line per event on stderr.
    #[arg(long)]
    pub json: bool,
    /// Print a systemd user unit that runs this keeper, then exit (with the etcd store, it carries the `GRANTTY_STORE` and `GRANTTY_ETCD_*` variables set here as `Environment=` lines).
    #[arg(long)]
    pub print_systemd_unit: bool,
    /// Run `sh -c CMD` once per alert and session (sign-in-soon, needs-human, recovered, ended)
    /// with `GRANTTY_EVENT`, `GRANTTY_PROFILE`, `GRANTTY_DEADLINE` and `GRANTTY_MESSAGE` set.
    #[arg(long, value_name = "CMD")]
    pub notify: Option<String>,
    /// Stop a --notify command (its whole process group) after SECS seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, requires = "notify")]
    pub notify_timeout: u64,
    /// For cron: refresh what is due, print one line per session, and exit: 0 all healthy,
    /// 7 a session needs a person, 6 the provider could not be reached.
    #[arg(long, conflicts_with_all = ["notify", "print_systemd_unit"])]
    pub once: bool,
}

/// `grantty refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Give up after SECS seconds (exit 11, nothing sent) while another grantty holds the
    /// profile's lock; without it, wait until the holder is done.
    #[arg(long, value_name = "SECS")]
    pub wait: Option<u64>,
}

/// `grantty git-credential`.
#[derive(Debug, Args)]
pub struct GitCredentialArgs {
    /// The operation git asks for.
    #[arg(value_enum)]
    pub operation: GitOperation,
}

/// git's credential helper operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GitOperation {
    /// Return a credential.
    Get,
    /// Remember a credential (grantty keeps its own; nothing to do).
    Store,
    /// Forget a credential.
    Erase,
}

/// `grantty completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Sign-in flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    /// RFC 8628 device authorization grant (default).
    Device,
    /// Authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636), for users the device grant refuses (e.g. Anaplan SSO).
    Code,
}

/// `grantty logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Delete the session here without asking the server to revoke it (its tokens stay valid there until they expire).
    #[arg(long)]
    pub local: bool,
    /// Where to end an Anaplan token (`POST …/token/logout`). Default: the profile's `logout_endpoint`, else <https://auth.anaplan.com/token/logout> for *.anaplan.com hosts, else the session host's own `/token/logout`.
    #[arg(long, value_name = "URL", conflicts_with_all = ["local", "all"])]
    pub logout_endpoint: Option<String>,
    /// Log out every stored profile, one line each; the exit code is the highest of the failures' (0 when all were logged out).
    #[arg(long)]
    pub all: bool,
}

/// `grantty token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Minimum remaining validity in seconds; refresh first when the token has less. An explicit value is honoured exactly (with a warning when even a fresh token is shorter). Without it: 300, but at most half the token's lifetime, so short-lived tokens are not refreshed on every call.
    #[arg(long, value_name = "SECS")]
    pub min_valid: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "raw")]
    pub format: Format,
}

/// `grantty exec`.
#[derive(Debug, Args)]
#[command(
    after_help = "The command gets GRANTTY_ACCESS_TOKEN (the bare token) and GRANTTY_AUTHORIZATION \
                  (the whole header value: 'Bearer …', or 'AnaplanAuthToken …' for Anaplan) in \
                  its environment, never in its arguments, and replaces grantty (same process, \
                  stdin, stdout, stderr and signals). Exit status: the command's; 127 when it \
                  is not found, 126 when it cannot be run; the command does not run when no \
                  valid token can be had (exit 7 sign-in needed, 5 server, 6 network, 8 store, \
                  as for 'grantty token').\n\nExample: grantty exec -- sh -c 'curl -H \
                  \"Authorization: $GRANTTY_AUTHORIZATION\" URL'"
)]
pub struct ExecArgs {
    /// Minimum remaining validity in seconds, as for `grantty token`: refresh first when the token has less.
    #[arg(long, value_name = "SECS")]
    pub min_valid: Option<u64>,
    /// The command and its arguments (after `--`, or from the first word that is not an option of grantty's).
    #[arg(
        value_name = "CMD",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_hint = clap::ValueHint::CommandWithArguments,
        value_parser = clap::value_parser!(std::ffi::OsString)
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// `grantty status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Ask the provider whether it still accepts the stored access token (Anaplan `/token/validate`, else `OpenID` userinfo): exit 0 accepted, 7 refused, 6 unreachable, 10 when the provider offers no check. Never refreshes, never deletes.
    #[arg(long)]
    pub verify: bool,
    /// Health check from metadata alone (no secrets, no network): exit 0 when the access token has at least SECS left, 9 when a refresh would renew it, 7 when only a new sign-in can.
    #[arg(long, value_name = "SECS")]
    pub min_valid: Option<u64>,
}

/// `grantty profiles`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Print JSON instead of text; unknown values are `null`.
    #[arg(long, conflicts_with_all = ["names", "default"])]
    pub json: bool,
    /// Print only the names, one per line (for shell completion).
    #[arg(long, conflicts_with = "default")]
    pub names: bool,
    /// Make PROFILE the default: set `default_profile` in the configuration file, keeping the
    /// rest of the file as it is.
    #[arg(long, value_name = "PROFILE")]
    pub default: Option<String>,
}

/// `grantty export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format; default: the profile's `export_format`.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Minimum remaining validity in seconds, as for `grantty token`: refresh first when the token has less.
    #[arg(long, value_name = "SECS")]
    pub min_valid: Option<u64>,
    /// Write to this file (0600, atomically) instead of stdout. An existing file is replaced
    /// only if grantty wrote it; a symbolic link or anything but a regular file never is.
    #[arg(long)]
    pub output: Option<std::path::PathBuf>,
    /// With --output: replace a regular file grantty did not write.
    #[arg(long, requires = "output", conflicts_with = "update")]
    pub force: bool,
    /// With --output and --format netrc: replace or add only grantty's `machine` entry of the
    /// file, keeping every other entry byte for byte.
    #[arg(long, requires = "output")]
    pub update: bool,
}

/// Provider families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    /// Anaplan Self-Service OAuth (JSON bodies, regional hosts).
    Anaplan,
    /// Any RFC 8628 provider: give --issuer, or --device-endpoint and --token-endpoint.
    Generic,
}

/// `grantty login`.
#[derive(Debug, Default, Args)]
pub struct LoginArgs {
    /// Provider family; defaults to `generic`, or `anaplan` when --host is given.
    #[arg(long, value_enum)]
    pub provider: Option<ProviderArg>,
    /// OAuth client id (for Anaplan: the Device Grant client's id from Administration › Security › OAuth Clients); or from the profile.
    #[arg(long, env = "GRANTTY_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Sign-in flow; default `device`, or the profile's.
    #[arg(long, value_enum)]
    pub flow: Option<FlowArg>,
    /// Authorization endpoint for `--flow code` (discovered with --issuer unless given; Anaplan has a preset).
    #[arg(long, value_name = "URL")]
    pub authorize_endpoint: Option<String>,
    /// Redirect URI for `--flow code` (default: a loopback listener when a local browser is usable).
    #[arg(long)]
    pub redirect_uri: Option<String>,
    /// Print NDJSON events on stdout (code issued, pending, `slow_down`, approved, …) for wrappers.
    #[arg(long)]
    pub json: bool,
    /// Replace a live session of the profile without asking (needed outside the TUI); its grant
    /// is revoked once the new sign-in is stored.
    #[arg(long)]
    pub force: bool,
    /// Anaplan OAuth host for your region, e.g. us1a.app.anaplan.com (default), eu3.app.anaplan.com.
    #[arg(long)]
    pub host: Option<String>,
    /// Issuer URL of a standards-following provider; endpoints come from its discovery document (an endpoint flag next to it replaces just that one).
    #[arg(long, conflicts_with = "host")]
    pub issuer: Option<String>,
    /// Device authorization endpoint (RFC 8628 §3.1): with --token-endpoint instead of --issuer, or next to --issuer when discovery lacks it.
    #[arg(long, value_name = "URL")]
    pub device_endpoint: Option<String>,
    /// Token endpoint: with --device-endpoint, or next to --issuer to replace the discovered one.
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// Revocation endpoint (RFC 7009): with --device-endpoint, or next to --issuer to replace the discovered one.
    #[arg(long, value_name = "URL")]
    pub revocation_endpoint: Option<String>,
    /// Scopes to request, space separated (Anaplan default: `openid profile email offline_access`).
    #[arg(long)]
    pub scope: Option<String>,
    /// A confidential client's secret, read from FILE (never given on the command line; a pipe such as `<(pass show x)` works); or `GRANTTY_CLIENT_SECRET` (with --client-auth, or the profile `GRANTTY_CLIENT_SECRET_PROFILE` names), or the profile's `client_secret_file`. Kept with the session's tokens.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub client_secret_file: Option<std::path::PathBuf>,
    /// How the client secret is sent: `basic` (HTTP Basic; generic default unless discovery offers only post) or `post` (in the body; Anaplan's).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub client_auth: Option<ClientAuthArg>,
}

/// How a client secret is sent (RFC 6749 §2.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthArg {
    /// `Authorization: Basic …` (`client_secret_basic`).
    Basic,
    /// `client_secret` in the request body (`client_secret_post`).
    Post,
}

impl From<ClientAuthArg> for crate::oauth::client_auth::ClientAuth {
    fn from(arg: ClientAuthArg) -> Self {
        match arg {
            ClientAuthArg::Basic => Self::Basic,
            ClientAuthArg::Post => Self::Post,
        }
    }
}

/// `grantty demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Approve the sign-in automatically after this many seconds (0 = wait for the approve page).
    /// Default: 5 for the full demo; with --serve, wait for the approve page.
    #[arg(long, value_name = "SECS")]
    pub approve_after: Option<u64>,
    /// Deny instead of approving, to see the denied path.
    #[arg(long)]
    pub deny: bool,
    /// Only run the server and print its endpoints, until Ctrl-C.
    #[arg(long)]
    pub serve: bool,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Polling interval the server asks for, in seconds.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
    /// Lifetime of device codes, in seconds.
    #[arg(long, default_value_t = 600)]
    pub expires_in: u64,
    /// Access-token lifetime, in seconds.
    #[arg(long, default_value_t = 2100)]
    pub access_token_lifetime: u64,
    /// Print NDJSON events on stdout, as `login --json` does.
    #[arg(long, conflicts_with = "serve")]
    pub json: bool,
}
