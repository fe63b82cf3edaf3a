//! `grantty profiles`: every configured profile, then every stored session that has no profile,
//! with the session's state read from metadata only: no keyring is probed or unlocked, nothing
//! goes over the network. Each profile's store decides whether a session can exist at all (the
//! memory store keeps none between runs); `--store` overrides it for every line.
//! `--names` and `--default` are in [`names`].

mod names;

use std::collections::BTreeMap;
use std::io::Write as _;

use clap::ValueEnum;
use serde_json::{Value, json};
use url::Url;

use crate::cli::{FlowArg, ProfilesArgs, ProviderArg, SessionArgs};
use crate::config::{Config, Profile};
use crate::domain::clock::{Clock as _, SystemClock, Timestamp, format_countdown};
use crate::domain::session::{RefreshKind, SessionMeta};
use crate::domain::text::{SHORT_MAX_CHARS, sanitize};
use crate::error::Error;
use crate::oauth::provider::{ANAPLAN_DEFAULT_HOST, host_and_port};
use crate::store::{SessionStore, StoreChoice, default_dir};

/// What the metadata says about a profile's session.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SessionState {
    NotSignedIn,
    /// The memory store keeps nothing between runs.
    MemoryOnly,
    SignedIn(Box<SessionMeta>),
    Unreadable(String),
}

/// One line of the listing; strings are sanitised, `None` when unknown (`-` in the table,
/// `null` in JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    name: String,
    /// The profile commands use without `--profile`.
    current: bool,
    provider: Option<String>,
    host: Option<String>,
    client_id: Option<String>,
    flow: Option<String>,
    store: StoreChoice,
    session: SessionState,
}

/// Stored metadata by profile name, or why it could not be read.
type Stored = BTreeMap<String, Result<SessionMeta, String>>;

/// Lists profiles. `given` is the command line as typed (its `--store` overrides every
/// profile's), `session` the resolved one (its profile is marked `*`).
pub fn list(
    given: &SessionArgs,
    session: &SessionArgs,
    config: &Config,
    args: &ProfilesArgs,
) -> Result<(), Error> {
    if args.names {
        return names::print_names(config);
    }
    if let Some(name) = &args.default {
        return names::set_default(given, config, name);
    }
    let stored = if given.store == Some(StoreChoice::Memory) {
        Stored::new()
    } else {
        read_stored(config)?
    };
    let rows = rows(config, &session.profile, given.store, &stored);
    let now = SystemClock.now();
    let text = if args.json {
        format!(
            "{}\n",
            Value::Array(rows.iter().map(|r| row_json(r, now)).collect())
        )
    } else if rows.is_empty() {
        let place = config.path.as_ref().map_or_else(
            || "no configuration file".to_owned(),
            |p| format!("none in {}", p.display()),
        );
        crate::say!(
            "grantty: no profiles ({place}) and no stored sessions; see \"Profiles\" in the README"
        );
        String::new()
    } else {
        table(&rows, now)
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// The metadata of every configured or stored profile. Metadata lives in the state directory
/// whichever backend holds the secrets, so one reader serves every store; it is opened with the
/// file backend, which is never asked for a secret here.
fn read_stored(config: &Config) -> Result<Stored, Error> {
    let Some(dir) = default_dir().filter(|d| d.is_dir()) else {
        return Ok(Stored::new());
    };
    let reader = SessionStore::open(dir, StoreChoice::File, false)?;
    let mut names = reader.profiles()?;
    names.extend(config.profiles.keys().cloned());
    let mut stored = Stored::new();
    for name in names {
        let meta = reader.load_meta(&name).map_err(|e| e.to_string());
        if let Some(meta) = meta.transpose() {
            stored.insert(name, meta);
        }
    }
    Ok(stored)
}

/// Configured profiles first, then stored sessions without one; both sorted by name.
fn rows(
    config: &Config,
    current: &str,
    flag_store: Option<StoreChoice>,
    stored: &Stored,
) -> Vec<Row> {
    let unconfigured = stored.keys().filter(|n| !config.profiles.contains_key(*n));
    let names = config.profiles.keys().chain(unconfigured);
    names
        .map(|name| {
            let profile = config.profile(name).cloned().unwrap_or_default();
            let store = flag_store.or(profile.store).unwrap_or_default();
            let meta = stored.get(name).and_then(|m| m.as_ref().ok());
            let session = match stored.get(name) {
                _ if store == StoreChoice::Memory => SessionState::MemoryOnly,
                None => SessionState::NotSignedIn,
                Some(Ok(meta)) => SessionState::SignedIn(Box::new(meta.clone())),
                Some(Err(e)) => SessionState::Unreadable(e.clone()),
            };
            let flow = config
                .profile(name)
                .map(|p| value_name(&p.flow.unwrap_or(FlowArg::Device)));
            let shown = |s: Option<String>| s.map(|s| sanitize(&s, SHORT_MAX_CHARS));
            Row {
                name: name.clone(),
                current: name == current,
                provider: shown(
                    provider_kind(&profile).or_else(|| meta.map(|m| m.provider.kind.clone())),
                ),
                host: shown(place_host(&profile).or_else(|| meta.map(|m| m.provider.host.clone()))),
                client_id: shown(
                    profile
                        .client_id
                        .or_else(|| meta.map(|m| m.provider.client_id.clone())),
                ),
                flow,
                store,
                session,
            }
        })
        .collect()
}

fn value_name<T: ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map_or_else(|| "?".to_owned(), |v| v.get_name().to_owned())
}

/// The provider family `login` would use with this profile alone.
fn provider_kind(p: &Profile) -> Option<String> {
    let kind = p.provider.or_else(|| {
        if p.host.is_some() {
            Some(ProviderArg::Anaplan)
        } else {
            (p.issuer.is_some() || p.device_endpoint.is_some()).then_some(ProviderArg::Generic)
        }
    })?;
    Some(value_name(&kind))
}

/// `host[:port]` the profile signs in at.
fn place_host(p: &Profile) -> Option<String> {
    let url_host = |raw: &String| Url::parse(raw).ok().map(|u| host_and_port(&u));
    match (&p.host, p.issuer.as_ref().or(p.device_endpoint.as_ref())) {
        (Some(host), _) if host.contains("://") => url_host(host).or_else(|| Some(host.clone())),
        (Some(host), _) => Some(host.clone()),
        (None, Some(url)) => url_host(url),
        (None, None) => {
            (p.provider == Some(ProviderArg::Anaplan)).then(|| ANAPLAN_DEFAULT_HOST.to_owned())
        }
    }
}

/// Who signed in, from the ID token's claims; `None` without an ID token.
fn who(meta: &SessionMeta) -> Option<String> {
    let claims = meta.claims.as_ref();
    let name = claims.and_then(|c| c.email.as_deref().or(c.subject.as_deref()))?;
    Some(sanitize(name, SHORT_MAX_CHARS))
}

fn refresh_text(meta: &SessionMeta) -> &'static str {
    match meta.refresh.kind {
        _ if !meta.has_refresh_token => "no refresh token",
        RefreshKind::Unknown => "refresh token (kind not known yet)",
        RefreshKind::Rotating => "rotating refresh token",
        RefreshKind::Fixed => "fixed refresh token",
        RefreshKind::None => "no refresh token",
    }
}

fn session_text(state: &SessionState, now: Timestamp) -> String {
    match state {
        SessionState::NotSignedIn => "not signed in".to_owned(),
        SessionState::MemoryOnly => {
            "not signed in (the memory store keeps sessions for one run)".to_owned()
        }
        SessionState::Unreadable(e) => format!("unreadable: {e}"),
        SessionState::SignedIn(meta) => {
            let access = match meta.access_expires_at {
                Some(at) if at > now => format!(
                    "access token valid for {}",
                    format_countdown(now.secs_until(at))
                ),
                Some(_) => "access token expired".to_owned(),
                None => "access token without expiry".to_owned(),
            };
            format!(
                "signed in as {}; {access}; {}",
                who(meta).as_deref().unwrap_or("(no ID token)"),
                refresh_text(meta)
            )
        }
    }
}

/// Aligned columns under a header; `*` marks the current profile.
fn table(rows: &[Row], now: Timestamp) -> String {
    let header = [
        "PROFILE",
        "PROVIDER",
        "CLIENT ID",
        "FLOW",
        "STORE",
        "SESSION",
    ]
    .map(str::to_owned);
    let mut lines = vec![(false, header.to_vec())];
    for r in rows {
        let known = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".to_owned());
        let provider = format!("{} {}", known(&r.provider), known(&r.host));
        let cells = [
            r.name.clone(),
            provider,
            known(&r.client_id),
            known(&r.flow),
            value_name(&r.store),
            session_text(&r.session, now),
        ];
        lines.push((r.current, cells.to_vec()));
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            lines
                .iter()
                .map(|(_, c)| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (current, cells) in lines {
        out.push_str(if current { "* " } else { "  " });
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:w$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The refresh token's kind once a refresh has shown it; `None` while unknown or absent.
fn refresh_kind(meta: &SessionMeta) -> Option<&'static str> {
    match meta.refresh.kind {
        _ if !meta.has_refresh_token => None,
        RefreshKind::Unknown | RefreshKind::None => None,
        kind => Some(kind.as_str()),
    }
}

fn row_json(r: &Row, now: Timestamp) -> Value {
    let session = match &r.session {
        SessionState::SignedIn(meta) => json!({
            "state": "signed_in",
            "who": who(meta),
            "access_expires_at": meta.access_expires_at.map(Timestamp::as_unix_secs),
            "access_expires_in": meta.access_expires_at.map(|at| now.secs_until(at)),
            "has_refresh_token": meta.has_refresh_token,
            "refresh_token_kind": refresh_kind(meta),
        }),
        SessionState::NotSignedIn => json!({ "state": "not_signed_in" }),
        SessionState::MemoryOnly => json!({ "state": "memory_only" }),
        SessionState::Unreadable(e) => json!({ "state": "unreadable", "error": e }),
    };
    json!({
        "name": r.name,
        "current": r.current,
        "provider": r.provider,
        "host": r.host,
        "client_id": r.client_id,
        "flow": r.flow,
        "store": value_name(&r.store),
        "session": session,
    })
}

#[cfg(test)]
#[path = "profiles_tests.rs"]
mod tests;
