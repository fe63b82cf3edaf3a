//! Commands for scripts: nothing on stdout but what was asked for, messages on stderr, and
//! documented exit codes.

use std::io::Write as _;
use std::sync::Arc;

use serde_json::json;

use crate::cli::{ExportArgs, SessionArgs, StatusArgs, TokenArgs};
use crate::domain::clock::{Clock, Skew, SystemClock, Timestamp, format_countdown};
use crate::domain::session::SessionMeta;
use crate::error::Error;
use crate::export;
use crate::keeper::Keeper;
use crate::oauth::http::ReqwestTransport;
use crate::session_service::{LogoutMode, MinValid, RefreshFailed, Refreshed};
use crate::store::{SessionStore, StoreChoice};

use super::setup::open_store;

pub(super) fn keeper(store: SessionStore) -> Result<Keeper<ReqwestTransport>, Error> {
    Ok(Keeper::new(
        Arc::new(store),
        Arc::new(ReqwestTransport::new()?),
        Arc::new(SystemClock),
    ))
}

/// `grantty token`: an access token valid for at least `--min-valid` seconds.
pub async fn token(session: &SessionArgs, args: &TokenArgs) -> Result<(), Error> {
    let keeper = keeper(open_store(session, StoreChoice::Auto)?)?;
    let kept = keeper
        .ensure_valid(&session.profile, MinValid::from_flag(Some(args.min_valid)))
        .await?;
    let out = export::render(kept.session(), args.format, keeper.clock.now());
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

/// `grantty refresh`: refresh now.
pub async fn refresh(session: &SessionArgs) -> Result<(), Error> {
    let keeper = keeper(open_store(session, StoreChoice::Auto)?)?;
    let kept = keeper.refresh(&session.profile).await?;
    let s = kept.session();
    let until = s.meta.access_expires_at.map_or_else(
        || "no expiry given".to_owned(),
        |at| format!("valid until {} UTC", at.utc_hms()),
    );
    let how = match &kept {
        Refreshed::Adopted(_) => "adopted tokens another client had just rotated",
        _ if s.meta.refresh.last_rotation_at == s.meta.refresh.last_refresh_at
            && s.meta.refresh.rotation_count > 0 =>
        {
            "refreshed; the refresh token rotated"
        }
        _ => "refreshed",
    };
    eprintln!("grantty: {how}; access token {until}");
    Ok(())
}

/// `grantty logout`: revoke at the server, then delete locally.
pub async fn logout(session: &SessionArgs) -> Result<(), Error> {
    let keeper = keeper(open_store(session, StoreChoice::Auto)?)?;
    let done = keeper
        .logout(
            &session.profile,
            LogoutMode::Revoke {
                logout_endpoint: None,
            },
        )
        .await?;
    if done.no_endpoint {
        eprintln!(
            "grantty: this provider has no revocation endpoint; the tokens stay valid at the server until they expire"
        );
    }
    for step in &done.steps {
        eprintln!("grantty: {}", crate::words::revoke_step(step));
    }
    eprintln!(
        "grantty: deleted the session of profile {:?} from the {}",
        session.profile,
        keeper.store.info().describe()
    );
    Ok(())
}

/// `grantty export`: tokens to stdout or a 0600 file, in `--format`, else the profile's
/// `export_format` (`profile_format`).
pub fn export(
    session: &SessionArgs,
    args: &ExportArgs,
    profile_format: Option<export::Format>,
) -> Result<(), Error> {
    let format = args.format.or(profile_format).ok_or_else(|| {
        Error::Usage(format!(
            "say which format: --format {}, or export_format in the profile",
            export_format_names()
        ))
    })?;
    let store = open_store(session, StoreChoice::Auto)?;
    let stored = store
        .load(&session.profile)?
        .ok_or_else(|| RefreshFailed::NotSignedIn {
            profile: session.profile.clone(),
        })?;
    let text = export::render(&stored, format, SystemClock.now());
    match &args.output {
        Some(path) => {
            crate::store::write_atomic(path, text.as_bytes())?;
            eprintln!("grantty: wrote {} (0600)", path.display());
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// `grantty status`: the stored session, from metadata only.
pub fn status(session: &SessionArgs, args: &StatusArgs) -> Result<(), Error> {
    let store = open_store(session, StoreChoice::Auto)?;
    let meta = store
        .load_meta(&session.profile)?
        .ok_or_else(|| RefreshFailed::NotSignedIn {
            profile: session.profile.clone(),
        })?;
    let now = SystemClock.now();
    let storage = store.info().describe();
    let text = if args.json {
        format!("{}\n", status_json(&meta, &storage, now))
    } else {
        status_text(&meta, &storage, now)
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// `env|json|…`: the names `--format` accepts.
fn export_format_names() -> String {
    use clap::ValueEnum as _;
    let names: Vec<String> = export::Format::value_variants()
        .iter()
        .filter_map(clap::ValueEnum::to_possible_value)
        .map(|v| v.get_name().to_owned())
        .collect();
    names.join("|")
}

fn secs(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_unix_secs)
}

/// `status --json`.
pub fn status_json(meta: &SessionMeta, storage: &str, now: Timestamp) -> serde_json::Value {
    json!({
        "profile": meta.profile,
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
            "expires_at": secs(meta.refresh.expires_at),
        },
        "refresh_interrupted": meta.pending_refresh.is_some(),
        "clock_skew_secs": meta.clock_skew.map(Skew::secs),
    })
}

/// Human `status`.
pub fn status_text(meta: &SessionMeta, storage: &str, now: Timestamp) -> String {
    let who = meta
        .claims
        .as_ref()
        .and_then(|c| c.email.clone().or_else(|| c.subject.clone()))
        .unwrap_or_else(|| "(no ID token)".to_owned());
    let mut lines = vec![
        format!("profile        {}", meta.profile),
        format!(
            "signed in as   {who} at {} (client {})",
            meta.provider.host, meta.provider.client_id
        ),
        format!("storage        {storage}"),
    ];
    lines.push(match meta.access_expires_at {
        Some(at) if at > now => format!(
            "access token   valid for {} (until {} UTC)",
            format_countdown(now.secs_until(at)),
            at.utc_hms()
        ),
        Some(at) => format!("access token   expired at {} UTC", at.utc_hms()),
        None => "access token   no expiry given".to_owned(),
    });
    let r = &meta.refresh;
    if meta.has_refresh_token {
        let ends = r.expires_at.map_or_else(String::new, |at| {
            format!(
                ", ends {} UTC (in {})",
                at.utc_hms(),
                format_countdown(now.secs_until(at))
            )
        });
        lines.push(format!(
            "refresh token  {}, age {}, rotated {} times{ends}",
            r.kind.as_str(),
            format_countdown(r.issued_at.secs_until(now)),
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
