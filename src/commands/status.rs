//! `grantty status`: the stored session from its metadata (never the secrets' values, never the
//! network), as text or JSON, and the `--min-valid N` health check whose exit code tells
//! "fine" (0) from "refresh needed" (9) and "sign-in needed" (7). Only `--verify` reads the
//! secrets and asks the provider ([`verify`]).

mod verify;

use std::io::Write as _;

use serde_json::json;

use crate::cli::{SessionArgs, StatusArgs};
use crate::domain::clock::{Clock, Skew, SystemClock, Timestamp, format_countdown, format_span};
use crate::domain::session::{LifespanStart, RefreshKind, SessionMeta, SessionState};
use crate::domain::text::{DESCRIPTION_MAX_CHARS, SHORT_MAX_CHARS, URL_MAX_CHARS, sanitize};
use crate::error::Error;
use crate::local_time::LocalTime;
use std::sync::Arc;

use crate::oauth::http::{Offline, Transport};
use crate::session_service::{Health, RefreshFailed, SessionService, health};
use crate::store::StoreChoice;
use crate::words;

use super::setup::{open_store, service};

/// `status --json` without a session: scripts get an object to read either way; the exit
/// code (7) says the same.
pub fn print_signed_out(profile: &str) -> Result<(), Error> {
    let signed_out = json!({ "profile": profile, "signed_in": false });
    std::io::stdout().write_all(format!("{signed_out}\n").as_bytes())?;
    Ok(())
}

/// `grantty status`: the stored session, from metadata only (and, with `--verify`, the
/// provider's word on the access token).
pub async fn status(session: &SessionArgs, args: &StatusArgs) -> Result<(), Error> {
    let store = open_store(session, StoreChoice::Auto)?;
    // Only --verify asks the provider; plain status builds no HTTP client.
    if args.verify {
        let service = service(store)?;
        return report(&service, session, args).await;
    }
    let offline = SessionService::new(Arc::new(store), Arc::new(Offline), Arc::new(SystemClock));
    report(&offline, session, args).await
}

/// `status` over `service`: the metadata, the tokens' presence and, with `--verify`, the
/// provider's word.
async fn report<T: Transport>(
    service: &SessionService<T>,
    session: &SessionArgs,
    args: &StatusArgs,
) -> Result<(), Error> {
    let Some(meta) = service.meta(&session.profile).await? else {
        if args.json {
            print_signed_out(&session.profile)?;
        }
        return Err(RefreshFailed::NotSignedIn {
            profile: session.profile.clone(),
        }
        .into());
    };
    let checked = if args.verify {
        Some(verify::check(service, &meta).await?)
    } else {
        None
    };
    let now = SystemClock.now();
    let storage = sanitize(&service.store_info().describe(), URL_MAX_CHARS);
    // The metadata alone would say "active" over tokens the keyring has forgotten.
    if !service.tokens_present(&session.profile).await? {
        return Err(tokens_missing(args, &meta, &storage));
    }
    let zone = LocalTime::load();
    // Everything below prints stored strings: anyone who could write the store chose them.
    let meta = displayable(&meta);
    let text = if args.json {
        let mut doc = status_json(&meta, &storage, now);
        if let Some(checked) = &checked {
            doc["verify"] = verify::verify_json(checked, &meta);
        }
        format!("{doc}\n")
    } else {
        let mut text = status_text(&meta, &storage, &zone, now);
        if let Some(checked) = &checked {
            text.push_str(&verify::verify_line(checked, &meta, &zone));
        }
        text
    };
    std::io::stdout().write_all(text.as_bytes())?;
    if let Some(Err(failed)) = checked.map(|c| c.outcome) {
        return Err(Error::Verify {
            profile: session.profile.clone(),
            failed,
        });
    }
    match args.min_valid.map(|n| (n, health(&meta, now, n))) {
        None | Some((_, Health::Fine)) => Ok(()),
        Some((min_valid_secs, health)) => Err(Error::Unhealthy {
            profile: session.profile.clone(),
            health,
            min_valid_secs,
        }),
    }
}

/// `meta` with every stored string passed through [`sanitize`]: the metadata file holds what a
/// server sent (host, client id, scope, e-mail, error codes) and what the store's owner wrote,
/// and none of it may carry escape sequences or control characters to a terminal.
pub fn displayable(meta: &SessionMeta) -> SessionMeta {
    let short = |s: &str| sanitize(s, SHORT_MAX_CHARS);
    let url = |s: &str| sanitize(s, URL_MAX_CHARS);
    let short_opt = |s: &Option<String>| s.as_deref().map(short);
    let url_opt = |s: &Option<String>| s.as_deref().map(url);
    let mut out = meta.clone();
    let p = &mut out.provider;
    p.kind = short(&p.kind);
    p.host = url(&p.host);
    p.client_id = short(&p.client_id);
    p.scope = sanitize(&p.scope, DESCRIPTION_MAX_CHARS);
    p.device_authorization_endpoint = url(&p.device_authorization_endpoint);
    p.token_endpoint = url(&p.token_endpoint);
    p.userinfo_endpoint = url_opt(&p.userinfo_endpoint);
    p.revocation_endpoint = url_opt(&p.revocation_endpoint);
    p.logout_endpoint = url_opt(&p.logout_endpoint);
    p.client_auth = short_opt(&p.client_auth);
    p.client_secret_source = p
        .client_secret_source
        .as_deref()
        .map(|s| sanitize(s, DESCRIPTION_MAX_CHARS));
    if let Some(code_flow) = &mut p.code_flow {
        code_flow.authorization_endpoint = url(&code_flow.authorization_endpoint);
        code_flow.redirect_uri = url_opt(&code_flow.redirect_uri);
    }
    out.token_type = short(&out.token_type);
    out.scope = out
        .scope
        .as_deref()
        .map(|s| sanitize(s, DESCRIPTION_MAX_CHARS));
    if let Some(claims) = &mut out.claims {
        claims.subject = short_opt(&claims.subject);
        claims.email = short_opt(&claims.email);
        claims.name = short_opt(&claims.name);
        claims.issuer = url_opt(&claims.issuer);
    }
    match &mut out.state {
        SessionState::Active => {}
        SessionState::RefreshRefused { code, .. } => *code = short(code),
        SessionState::Ended { code, .. } => *code = short_opt(code),
    }
    out
}

fn secs(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_unix_secs)
}

/// `status --json`.
pub fn status_json(meta: &SessionMeta, storage: &str, now: Timestamp) -> serde_json::Value {
    json!({
        "profile": meta.profile,
        "signed_in": true,
        "provider": meta.provider.kind,
        "host": meta.provider.host,
        "client_id": meta.provider.client_id,
        "storage": storage,
        "signed_in_at": meta.signed_in_at.as_unix_secs(),
        "email": meta.claims.as_ref().and_then(|c| c.email.clone()),
        "subject": meta.claims.as_ref().and_then(|c| c.subject.clone()),
        "access_token": {
            "token_type": meta.token_type,
            "expires_at": secs(meta.access_expires_at),
            "expires_in": meta.access_expires_at.map(|at| now.secs_until(at)),
            "scope": meta.scope,
        },
        "refresh_token": {
            "present": meta.has_refresh_token,
            "kind": meta.refresh.kind.as_str(),
            "issued_at": meta.refresh.issued_at.as_unix_secs(),
            "rotation_count": meta.refresh.rotation_count,
            "last_rotation_at": secs(meta.refresh.last_rotation_at),
            // The one deadline: the server's figure, else the lifespan planned for the
            // earliest end (from sign-in until the server shows it restarts at rotation).
            "expires_at": secs(meta.refresh_token_ends()),
            "expires_at_if_rotating": meta.refresh_end_is_conditional(),
            "expires_at_from_server": meta.refresh.expires_at.is_some(),
            "lifespan_secs": meta.provider.refresh_token_lifespan_secs,
            "lifespan_counted_from": meta.refresh.lifespan_start.as_str(),
        },
        "session_ends_at": secs(meta.session_ends()),
        "refresh_interrupted": meta.pending_refresh.is_some(),
        "state": state_json(meta),
        "clock_skew_secs": meta.clock_skew.map(Skew::secs),
        "client_secret": meta.provider.client_secret_source.as_ref().map(|source| json!({
            "sent_as": meta.provider.client_auth,
            "read_at_sign_in_from": source,
        })),
    })
}

/// The `client` line for a confidential client: how its stored secret is sent and where it was
/// read at sign-in (never the secret). `None` for a public client.
fn client_secret_line(meta: &SessionMeta) -> Option<String> {
    let source = meta.provider.client_secret_source.as_deref()?;
    let sent_as = match meta.provider.client_auth.as_deref() {
        Some("post") if meta.provider.kind == "anaplan" => "in the JSON body",
        Some("post") => "in the request body (client_secret_post)",
        _ => "as HTTP Basic (client_secret_basic)",
    };
    Some(format!(
        "client secret  stored with the tokens, sent {sent_as}; read at sign-in from {source}"
    ))
}

/// Human `status`.
pub fn status_text(meta: &SessionMeta, storage: &str, zone: &LocalTime, now: Timestamp) -> String {
    let who = meta
        .claims
        .as_ref()
        .and_then(|c| c.email.clone().or_else(|| c.subject.clone()))
        // The claim comes from an ID token whose signature nobody checked.
        .map_or_else(
            || "(no ID token)".to_owned(),
            |w| format!("{w} (unverified)"),
        );
    let mut lines = vec![
        format!("profile        {}", meta.profile),
        format!(
            "signed in as   {who} at {} (client {})",
            meta.provider.host, meta.provider.client_id
        ),
        format!("storage        {storage}"),
    ];
    lines.extend(client_secret_line(meta));
    lines.push(format!("session        {}", words::state_line(meta, now)));
    lines.push(match meta.access_expires_at {
        Some(at) if at > now => format!(
            "access token   valid for {} (until {})",
            format_countdown(now.secs_until(at)),
            zone.time_of_day(at)
        ),
        Some(at) => format!("access token   expired at {}", zone.time_of_day(at)),
        None => "access token   no expiry given".to_owned(),
    });
    let r = &meta.refresh;
    if meta.has_refresh_token {
        let ends = |at: Timestamp, condition: &str| {
            let when = zone.time_of_day(at);
            if at <= now {
                format!(", ended at {when}{condition}")
            } else {
                let left = format_span(now.secs_until(at));
                format!(", ends {when} (in {left}){condition}")
            }
        };
        let condition = match (meta.refresh.expires_at, r.lifespan_start) {
            (Some(_), _) => "",
            _ if meta.refresh_end_is_conditional() => {
                " if it rotates (its lifespan counted from the sign-in)"
            }
            (None, LifespanStart::SignIn) => " (its lifespan counted from the sign-in)",
            (None, LifespanStart::Rotation) => {
                " (its lifespan restarts at each rotation, as this server has shown)"
            }
        };
        // An ended session says when it ended on its own line: one deadline, not two.
        let ends = match meta.state {
            SessionState::Ended { .. } => String::new(),
            _ => meta
                .refresh_token_ends()
                .map_or_else(String::new, |at| ends(at, condition)),
        };
        let kind = match r.kind {
            RefreshKind::Unknown => "kind unknown until the first refresh",
            kind => kind.as_str(),
        };
        let times = if r.rotation_count == 1 {
            "time"
        } else {
            "times"
        };
        lines.push(format!(
            "refresh token  {kind}, age {}, rotated {} {times}{ends}",
            format_span(r.issued_at.secs_until(now)),
            r.rotation_count
        ));
    } else {
        lines.push("refresh token  none: sign in again when the access token expires".to_owned());
    }
    if let Some(skew) = meta.clock_skew.filter(|skew| skew.is_notable()) {
        lines.push(format!(
            "server clock   {skew} (at the last sign-in or refresh)"
        ));
    }
    if meta.pending_refresh.is_some() {
        lines.push(
            "warning        a refresh was interrupted; the next refresh will tell whether the token survived".to_owned(),
        );
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The `state` object of `status --json`.
fn state_json(meta: &SessionMeta) -> serde_json::Value {
    match &meta.state {
        SessionState::Active => json!({ "kind": "active" }),
        SessionState::RefreshRefused { code, since } => json!({
            "kind": meta.state.as_str(),
            "error": code,
            "since": since.as_unix_secs(),
        }),
        SessionState::Ended {
            code,
            at,
            interrupted,
        } => json!({
            "kind": meta.state.as_str(),
            "error": code,
            "at": at.as_unix_secs(),
            "interrupted": interrupted,
            "sign_in_before": secs(meta.access_expires_at),
        }),
    }
}

/// `status` over metadata whose tokens the secret backend no longer holds: says so (text or
/// JSON) and ends with exit 7, as a session that needs a sign-in.
fn tokens_missing(args: &StatusArgs, meta: &SessionMeta, storage: &str) -> Error {
    let profile = sanitize(&meta.profile, SHORT_MAX_CHARS);
    let text = if args.json {
        format!(
            "{}\n",
            json!({
                "profile": profile,
                "signed_in": false,
                "tokens_missing": true,
                "store": storage,
                "host": sanitize(&meta.provider.host, SHORT_MAX_CHARS),
            })
        )
    } else {
        format!(
            "profile        {profile}\nstate          tokens missing: {}\n",
            words::tokens_missing(&meta.profile, storage)
        )
    };
    // If stdout is gone the exit code still tells.
    let _ = std::io::stdout().write_all(text.as_bytes());
    Error::TokensMissing {
        profile: meta.profile.clone(),
        backend: storage.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token::UnverifiedClaims;
    use crate::store::fixtures::full_session;

    #[test]
    fn stored_strings_reach_the_terminal_without_escapes() {
        let mut meta = full_session("work", 1).meta;
        meta.provider.host = "evil\u{1b}]52;c;ZWNobyBoaQ==\u{7}.example".to_owned();
        meta.provider.client_id = "client\u{1b}[2J\u{9b}31m".to_owned();
        meta.claims = Some(UnverifiedClaims {
            email: Some("me@x\u{202e}moc.example\r\nprofile        forged".to_owned()),
            ..UnverifiedClaims::default()
        });
        meta.state = SessionState::RefreshRefused {
            code: "denied\u{1b}[31m".to_owned(),
            since: Timestamp::from_unix_secs(1),
        };
        let shown = displayable(&meta);
        let now = Timestamp::from_unix_secs(10);
        let text = status_text(&shown, "file", &LocalTime::utc(), now);
        let json = status_json(&shown, "file", now).to_string();
        for out in [&text, &json] {
            assert!(
                !out.chars()
                    .any(|c| c == '\u{1b}' || c == '\u{9b}' || c == '\u{202e}' || c == '\u{7}'),
                "{out:?}"
            );
        }
        assert!(text.contains("evil"), "{text}");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("profile")).count(),
            1,
            "no forged line: {text}"
        );
    }
}
