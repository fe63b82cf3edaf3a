//! Commands for scripts: nothing on stdout but what was asked for, messages on stderr, and
//! documented exit codes.

use std::io::Write as _;
use std::sync::Arc;

use serde_json::json;

use crate::cli::{ExportArgs, SessionArgs, StatusArgs, TokenArgs};
use crate::domain::clock::{Clock, Skew, SystemClock, Timestamp, format_countdown, format_span};
use crate::domain::session::{RefreshKind, SessionMeta};
use crate::error::Error;
use crate::export;
use crate::keeper::{KeepError, Keeper, Kept};
use crate::local_time::LocalTime;
use crate::oauth::http::ReqwestTransport;
use crate::store::{SessionStore, StoreChoice};

use super::setup::open_store;

pub(super) fn keeper(store: SessionStore) -> Result<Keeper<ReqwestTransport>, Error> {
    Ok(Keeper {
        store: Arc::new(store),
        transport: Arc::new(ReqwestTransport::new()?),
        clock: Arc::new(SystemClock),
    })
}

/// `grantty token`: an access token valid for at least `--min-valid` seconds.
pub async fn token(session: &SessionArgs, args: &TokenArgs) -> Result<(), Error> {
    let keeper = keeper(open_store(session, StoreChoice::Auto)?)?;
    let kept = keeper
        .ensure_valid(&session.profile, args.min_valid, false)
        .await?;
    let out = export::render(kept.session(), args.format, keeper.clock.now());
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

/// `grantty refresh`: refresh now.
pub async fn refresh(session: &SessionArgs) -> Result<(), Error> {
    let keeper = keeper(open_store(session, StoreChoice::Auto)?)?;
    let kept = keeper.ensure_valid(&session.profile, 0, true).await?;
    let s = kept.session();
    let until = s.meta.access_expires_at.map_or_else(
        || "no expiry given".to_owned(),
        |at| format!("valid until {}", LocalTime::load().time_of_day(at)),
    );
    let how = match &kept {
        Kept::Adopted(_) => "adopted tokens another client had just rotated",
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
    let steps = keeper.revoke(&session.profile).await?;
    if steps.is_empty() {
        eprintln!(
            "grantty: this provider has no revocation endpoint; the tokens stay valid at the server until they expire"
        );
    }
    for step in steps {
        match step.answer {
            Ok(answer) => eprintln!("grantty: {}: {answer}", step.what),
            Err(e) => eprintln!("grantty: {}: not reached ({e})", step.what),
        }
    }
    eprintln!(
        "grantty: deleted the session of profile {:?} from the {}",
        session.profile,
        keeper.store.info().describe()
    );
    for path in export::remove_files(&export::files_dir(keeper.store.dir()), &session.profile)? {
        eprintln!("grantty: removed the export file {}", path.display());
    }
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
        .ok_or_else(|| KeepError::NotSignedIn {
            profile: session.profile.clone(),
        })?;
    let text = export::render(&stored, format, SystemClock.now());
    match &args.output {
        Some(path) => {
            crate::store::write_atomic(path, text.as_bytes())?;
            eprintln!(
                "grantty: wrote {} (0600), {}.",
                path.display(),
                export::snapshot_note(format)
            );
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}

/// `grantty status`: the stored session, from metadata only.
pub fn status(session: &SessionArgs, args: &StatusArgs) -> Result<(), Error> {
    let store = open_store(session, StoreChoice::Auto)?;
    let Some(meta) = store.load_meta(&session.profile)? else {
        if args.json {
            print_signed_out(&session.profile)?;
        }
        return Err(KeepError::NotSignedIn {
            profile: session.profile.clone(),
        }
        .into());
    };
    let now = SystemClock.now();
    let storage = store.info().describe();
    let text = if args.json {
        format!("{}\n", status_json(&meta, &storage, now))
    } else {
        status_text(&meta, &storage, &LocalTime::load(), now)
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

/// `status --json` without a session: scripts get an object to read either way; the exit
/// code (7) says the same.
pub fn print_signed_out(profile: &str) -> Result<(), Error> {
    let signed_out = json!({ "profile": profile, "signed_in": false });
    std::io::stdout().write_all(format!("{signed_out}\n").as_bytes())?;
    Ok(())
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
            "expires_at": secs(meta.refresh.expires_at),
        },
        "refresh_interrupted": meta.pending_refresh.is_some(),
        "clock_skew_secs": meta.clock_skew.map(Skew::secs),
    })
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
        let ends = match (meta.refresh_ends_if_rotating(), r.expires_at) {
            (Some(at), _) => ends(at, " if it rotates"),
            (None, Some(at)) => ends(at, ""),
            (None, None) => String::new(),
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
