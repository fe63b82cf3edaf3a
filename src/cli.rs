//! Command-line interface (clap derive). Secrets are never taken as arguments: argv is visible to
//! every user of the machine through `ps`.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign in with the OAuth 2.0 Device Authorization Grant (RFC 8628) from a terminal.
#[derive(Debug, Parser)]
#[command(name = "grantty", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a provider with the device grant.
    Login(LoginArgs),
    /// Sign in against the built-in demo server on 127.0.0.1 (or only run the server).
    Demo(DemoArgs),
}

/// Provider families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProviderArg {
    /// Anaplan Self-Service OAuth (JSON bodies, regional hosts).
    Anaplan,
    /// Any RFC 8628 provider: give --issuer, or --device-endpoint and --token-endpoint.
    Generic,
}

/// How the sign-in is shown.
#[derive(Debug, Args, Clone, Copy)]
pub struct OutputArgs {
    /// Print plain lines to stderr instead of the full-screen UI (automatic when stdout is not a terminal).
    #[arg(long)]
    pub plain: bool,
}

/// `grantty login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Provider family; defaults to `generic`, or `anaplan` when --host is given.
    #[arg(long, value_enum)]
    pub provider: Option<ProviderArg>,
    /// OAuth client id (for Anaplan: the Device Grant client's id from Administration › Security › OAuth Clients).
    #[arg(long, env = "GRANTTY_CLIENT_ID")]
    pub client_id: String,
    /// Anaplan OAuth host for your region, e.g. us1a.app.anaplan.com (default), eu3.app.anaplan.com.
    #[arg(long)]
    pub host: Option<String>,
    /// Issuer URL of a standards-following provider; endpoints come from its discovery document.
    #[arg(long, conflicts_with_all = ["host", "device_endpoint"])]
    pub issuer: Option<String>,
    /// Device authorization endpoint (RFC 8628 §3.1), instead of --issuer.
    #[arg(long, requires = "token_endpoint")]
    pub device_endpoint: Option<String>,
    /// Token endpoint, with --device-endpoint.
    #[arg(long, requires = "device_endpoint")]
    pub token_endpoint: Option<String>,
    /// Revocation endpoint (RFC 7009), with --device-endpoint.
    #[arg(long, requires = "device_endpoint")]
    pub revocation_endpoint: Option<String>,
    /// Scopes to request, space separated (Anaplan default: `openid profile email offline_access`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Output mode.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `grantty demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Approve the sign-in automatically after this many seconds (0 = wait for the approve page).
    #[arg(long, default_value_t = 5)]
    pub approve_after: u64,
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
    /// Output mode.
    #[command(flatten)]
    pub output: OutputArgs,
}
