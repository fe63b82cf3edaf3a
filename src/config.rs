//! Named profiles from `config.toml`: where to sign in, with which client, and how to keep and
//! export the session, so `grantty login --profile work` needs no other flag.
//!
//! The file is `--config FILE` (or `GRANTTY_CONFIG`), else `$XDG_CONFIG_HOME/grantty/config.toml`,
//! else `~/.config/grantty/config.toml`. A missing default file means no profiles; a missing
//! explicit file is an error. Every problem in the file is reported with its line and column
//! and, for unknown keys and bad values, the valid choices ([`parse`]). Precedence everywhere:
//! command-line flag, then environment variable (clap merges both into the same field), then the
//! profile, then the built-in default.

mod edit;
mod parse;
mod values;

pub use edit::{EditError, set_default_profile, with_default_profile};
pub use values::LABEL_MAX_CHARS;
pub(crate) use values::suggestion;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use crate::cli::{ClientAuthArg, FlowArg, ProviderArg, SessionArgs};
use crate::export::Format;
use crate::store::StoreChoice;
use crate::store::etcd::EtcdSettings;

/// The profile used when neither `--profile`, `GRANTTY_PROFILE` nor `default_profile` names one.
pub const DEFAULT_PROFILE: &str = "default";
/// Allowed `refresh_skew` values, in seconds.
pub const REFRESH_SKEW_RANGE_SECS: RangeInclusive<u64> = 10..=3600;
/// The keys of a `[profiles.NAME]` table, in the order the README documents them.
pub const PROFILE_KEYS: [&str; 19] = [
    "provider",
    "host",
    "issuer",
    "device_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "logout_endpoint",
    "authorize_endpoint",
    "redirect_uri",
    "client_id",
    "client_secret_file",
    "client_auth",
    "scopes",
    "flow",
    "store",
    "refresh_skew",
    "refresh_token_lifespan",
    "export_format",
    "label",
];
/// The keys allowed outside any profile.
pub const TOP_LEVEL_KEYS: [&str; 3] = ["default_profile", "profiles", "etcd"];
/// The keys of the `[etcd]` table: the fleet store's settings (`--store etcd`), which the
/// `GRANTTY_ETCD_*` variables override one by one.
pub const ETCD_KEYS: [&str; 6] = [
    "endpoints",
    "prefix",
    "seal_key_file",
    "cacert",
    "cert",
    "key",
];

/// One `[profiles.NAME]` table; every setting is optional and a flag beats it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// `provider`: Anaplan or generic (default: anaplan with `host`, else generic).
    pub provider: Option<ProviderArg>,
    /// `host`: Anaplan OAuth host or base URL.
    pub host: Option<String>,
    /// `issuer`: endpoints come from its metadata document (RFC 8414).
    pub issuer: Option<String>,
    /// `device_endpoint` (RFC 8628 §3.1).
    pub device_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: Option<String>,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation_endpoint: Option<String>,
    /// `logout_endpoint`: where `logout` ends an Anaplan token (default: `auth.anaplan.com`
    /// for `*.anaplan.com` hosts, else the host's own `/token/logout`).
    pub logout_endpoint: Option<String>,
    /// `authorize_endpoint`, for the code flow.
    pub authorize_endpoint: Option<String>,
    /// `redirect_uri`, for the code flow.
    pub redirect_uri: Option<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `client_secret_file`: a file holding the confidential client's secret (relative to the
    /// configuration file's directory).
    pub client_secret_file: Option<PathBuf>,
    /// `client_auth`: how the secret is sent.
    pub client_auth: Option<ClientAuthArg>,
    /// `scopes`, space separated (an array in the file is joined with spaces).
    pub scopes: Option<String>,
    /// `flow`.
    pub flow: Option<FlowArg>,
    /// `store`: where the session's secrets are kept.
    pub store: Option<StoreChoice>,
    /// `refresh_skew`: refresh this many seconds before the access token expires.
    pub refresh_skew_secs: Option<u64>,
    /// `refresh_token_lifespan`: lifespan of each refresh token, when the provider does not say.
    pub refresh_token_lifespan_secs: Option<u64>,
    /// `export_format`: `grantty export`'s format when `--format` is absent.
    pub export_format: Option<Format>,
    /// `label`: free text the sign-in screens show beside the profile's name (e.g. the tenant),
    /// so that two profiles look different; sanitised and capped at
    /// [`LABEL_MAX_CHARS`].
    pub label: Option<String>,
}

/// The parsed configuration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file the profiles came from; `None` when there was none to read.
    pub path: Option<PathBuf>,
    /// `default_profile`: the profile used without `--profile`.
    pub default_profile: Option<String>,
    /// The profiles by name.
    pub profiles: BTreeMap<String, Profile>,
    /// The `[etcd]` table: where the fleet store is, for every profile (its relative paths
    /// already taken from the file's directory). The `GRANTTY_ETCD_*` variables beat it.
    pub etcd: EtcdSettings,
}

/// One problem in the file, at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
    /// What is wrong and what would be right.
    pub message: String,
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (an explicit `--config` that does not exist, permissions).
    #[error("could not read the configuration file {}: {source}; check --config / GRANTTY_CONFIG", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or holds unknown keys or bad values.
    #[error("{}", Located(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

/// `path:line:column: message`, one problem per line.
struct Located<'a>(&'a Path, &'a [Problem]);

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.1.iter().enumerate() {
            let sep = if i == 0 { "" } else { "\n" };
            write!(
                f,
                "{sep}{}:{}:{}: {}",
                self.0.display(),
                p.line,
                p.column,
                p.message
            )?;
        }
        Ok(())
    }
}

impl From<ConfigError> for crate::error::Error {
    fn from(err: ConfigError) -> Self {
        Self::Usage(err.to_string())
    }
}

impl From<EditError> for crate::error::Error {
    fn from(err: EditError) -> Self {
        match err {
            EditError::Config(e) => e.into(),
            EditError::NotApplied { .. } | EditError::NotYours { .. } => {
                Self::Usage(err.to_string())
            }
            EditError::Io { .. } => Self::Io(std::io::Error::other(err.to_string())),
        }
    }
}

/// `$XDG_CONFIG_HOME/grantty/config.toml` when that is absolute, else `~/.config/grantty/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
        Some(home.join(".config"))
    })?;
    Some(base.join("grantty").join("config.toml"))
}

impl Config {
    /// Reads `explicit` (which must exist), or the default file if there is one.
    pub fn load(explicit: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, required) = match explicit {
            Some(path) => (path.to_owned(), true),
            None => match default_path() {
                Some(path) => (path, false),
                None => return Ok(Self::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses `text`, the contents of `path` (named in messages only).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        match parse::document(text) {
            Ok((default_profile, profiles, etcd)) => Ok(Self {
                path: Some(path.to_owned()),
                default_profile,
                profiles,
                etcd: relative_to(path, etcd),
            }),
            Err(mut found) => {
                found.sort_by_key(|(offset, _)| *offset);
                let problems = found
                    .into_iter()
                    .map(|(offset, message)| {
                        let (line, column) = line_and_column(text, offset);
                        Problem {
                            line,
                            column,
                            message,
                        }
                    })
                    .collect();
                Err(ConfigError::Invalid {
                    path: path.to_owned(),
                    problems,
                })
            }
        }
    }

    /// The profile called `name`, if the file defines one.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// `args` with the profile in effect filled in (`--profile`/`GRANTTY_PROFILE`, else
    /// `default_profile`, else `default`) and, when `--store`/`GRANTTY_STORE` is absent, that
    /// profile's `store`.
    pub fn session(&self, args: &SessionArgs) -> SessionArgs {
        let profile = args
            .profile_arg
            .clone()
            .or_else(|| self.default_profile.clone())
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let store = args
            .store
            .or_else(|| self.profile(&profile).and_then(|p| p.store));
        let refresh_token_lifespans = self
            .profiles
            .iter()
            .filter_map(|(name, p)| Some((name.clone(), p.refresh_token_lifespan_secs?)))
            .collect();
        SessionArgs {
            profile,
            store,
            refresh_token_lifespans,
            etcd: self.etcd.clone(),
            ..args.clone()
        }
    }
}

/// `etcd` with its relative file paths taken from the directory of the configuration file
/// `path`, as `client_secret_file` is: the file means the same wherever grantty runs.
fn relative_to(path: &Path, etcd: EtcdSettings) -> EtcdSettings {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let resolve = |file: Option<PathBuf>| {
        file.map(|f| match dir {
            Some(dir) if f.is_relative() => dir.join(f),
            _ => f,
        })
    };
    EtcdSettings {
        seal_key_file: resolve(etcd.seal_key_file),
        cacert: resolve(etcd.cacert),
        cert: resolve(etcd.cert),
        key: resolve(etcd.key),
        ..etcd
    }
}

/// 1-based line and character column of byte `offset` in `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
