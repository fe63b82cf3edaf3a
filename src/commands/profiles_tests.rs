use std::path::Path;

use super::*;
use crate::domain::secret::{AccessToken, RefreshToken};
use crate::domain::session::{ProviderRecord, Session};
use crate::domain::token::{TokenSet, UnverifiedClaims};

const NOW: i64 = 1_700_000_000;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(NOW + secs)
}

/// Metadata of a session signed in at `NOW` whose access token expires at `NOW + expires_in`.
fn meta(client_id: &str, expires_in: i64) -> SessionMeta {
    let provider = ProviderRecord {
        kind: "generic".into(),
        host: "stored.example.com".into(),
        client_id: client_id.into(),
        scope: "openid".into(),
        device_authorization_endpoint: "https://stored.example.com/device".into(),
        token_endpoint: "https://stored.example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: None,
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    };
    let tokens = TokenSet {
        access_token: AccessToken::new("at-SECRET"),
        token_type: "Bearer".into(),
        expires_at: Some(at(expires_in)),
        refresh_token: Some(RefreshToken::new("rt-SECRET")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(0),
    };
    let mut session = Session::new("x", provider, tokens, at(0));
    session.meta.claims = Some(UnverifiedClaims {
        email: Some("ada@example.com".into()),
        ..UnverifiedClaims::default()
    });
    session.meta
}

fn config() -> Config {
    let text = r#"
[profiles.work]
host = "eu3.app.anaplan.com"
client_id = "work-client"
flow = "code"

[profiles.idp]
issuer = "https://idp.example.com:8443"

[profiles.scratch]
client_id = "s"
store = "memory"
"#;
    Config::parse(Path::new("config.toml"), text).unwrap()
}

fn stored() -> Stored {
    Stored::from([
        ("idp".to_owned(), Ok(meta("idp-client", 300))),
        ("old".to_owned(), Ok(meta("old-client", -60))),
        ("bad".to_owned(), Err("the data is damaged".to_owned())),
        ("scratch".to_owned(), Ok(meta("s", 300))),
    ])
}

#[test]
fn configured_profiles_come_first_then_stored_sessions_without_one() {
    let rows = rows(&config(), "work", None, &stored());
    let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["idp", "scratch", "work", "bad", "old"]);
    let current: Vec<_> = rows.iter().filter(|r| r.current).map(|r| &r.name).collect();
    assert_eq!(current, ["work"]);
}

#[test]
fn the_profile_describes_the_line_and_the_stored_session_fills_gaps() {
    let rows = rows(&config(), "default", None, &stored());
    let find = |name: &str| rows.iter().find(|r| r.name == name).unwrap().clone();
    let work = find("work");
    assert_eq!(
        (
            work.provider.as_deref(),
            work.host.as_deref(),
            work.client_id.as_deref()
        ),
        (
            Some("anaplan"),
            Some("eu3.app.anaplan.com"),
            Some("work-client")
        )
    );
    assert_eq!(
        (work.flow.as_deref(), work.store),
        (Some("code"), StoreChoice::Auto)
    );
    assert_eq!(work.session, SessionState::NotSignedIn);
    let idp = find("idp");
    assert_eq!(idp.host.as_deref(), Some("idp.example.com:8443"));
    assert_eq!(
        (idp.client_id.as_deref(), idp.flow.as_deref()),
        (Some("idp-client"), Some("device"))
    );
    assert!(matches!(idp.session, SessionState::SignedIn(_)));
    let old = find("old");
    assert_eq!(
        (old.host.as_deref(), old.flow.as_deref()),
        (Some("stored.example.com"), None)
    );
    assert_eq!(
        find("bad").session,
        SessionState::Unreadable("the data is damaged".into())
    );
}

#[test]
fn the_memory_store_never_has_a_session_and_store_overrides_every_profile() {
    let rows_default = rows(&config(), "default", None, &stored());
    let scratch = rows_default.iter().find(|r| r.name == "scratch").unwrap();
    assert_eq!(scratch.session, SessionState::MemoryOnly);
    let flagged = rows(&config(), "default", Some(StoreChoice::File), &stored());
    let scratch = flagged.iter().find(|r| r.name == "scratch").unwrap();
    assert_eq!(scratch.store, StoreChoice::File);
    assert!(matches!(scratch.session, SessionState::SignedIn(_)));
}

#[test]
fn session_state_reads_from_metadata_only() {
    let valid = SessionState::SignedIn(Box::new(meta("c", 300)));
    assert_eq!(
        session_text(&valid, at(0)),
        "signed in as ada@example.com; access token valid for 5:00; refresh token (kind not known yet)"
    );
    let mut rotated = meta("c", -1);
    rotated.refresh.kind = RefreshKind::Rotating;
    assert_eq!(
        session_text(&SessionState::SignedIn(Box::new(rotated)), at(0)),
        "signed in as ada@example.com; access token expired; rotating refresh token"
    );
    assert_eq!(
        session_text(&SessionState::NotSignedIn, at(0)),
        "not signed in"
    );
}

#[test]
fn the_table_aligns_columns_and_marks_the_current_profile() {
    let text = table(&rows(&config(), "idp", None, &stored()), at(0));
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines[0].starts_with("  PROFILE  PROVIDER "), "{text}");
    assert!(
        lines[1].starts_with("* idp      generic idp.example.com:8443 "),
        "{text}"
    );
    let session_column = lines[0].find("SESSION").unwrap();
    assert_eq!(
        &lines[1][session_column..],
        "signed in as ada@example.com; access token valid for 5:00; refresh token (kind not known yet)"
    );
    assert!(!text.contains("SECRET"), "{text}");
}

#[test]
fn json_lines_carry_the_same_facts() {
    let rows = rows(&config(), "idp", None, &stored());
    let idp = row_json(&rows[0], at(0));
    assert_eq!(idp["name"], "idp");
    assert_eq!(idp["current"], true);
    assert_eq!(idp["store"], "auto");
    assert_eq!(idp["session"]["state"], "signed_in");
    assert_eq!(idp["session"]["access_expires_in"], 300);
    assert_eq!(idp["session"]["has_refresh_token"], true);
    assert_eq!(idp["session"]["refresh_token_kind"], Value::Null);
    assert_eq!(
        row_json(&rows[2], at(0))["session"]["state"],
        "not_signed_in"
    );
}

#[test]
fn json_uses_null_for_what_is_not_known() {
    let rows = rows(&config(), "idp", None, &stored());
    let old = rows.iter().find(|r| r.name == "old").unwrap();
    let old = row_json(old, at(0));
    // A stored session without a profile: no flow is configured.
    assert_eq!(old["flow"], Value::Null);
    assert_eq!(old["host"], "stored.example.com");
    let mut anonymous = meta("c", 300);
    anonymous.claims = None;
    let row = Row {
        provider: None,
        session: SessionState::SignedIn(Box::new(anonymous)),
        ..rows[0].clone()
    };
    let json = row_json(&row, at(0));
    assert_eq!(json["provider"], Value::Null);
    assert_eq!(json["session"]["who"], Value::Null);
    let text = table(&[row], at(0));
    assert!(text.contains("- idp.example.com:8443"), "{text}");
    assert!(text.contains("signed in as (no ID token)"), "{text}");
}
