use super::*;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

fn provider(lifespan: Option<u64>) -> ProviderRecord {
    ProviderRecord {
        kind: "anaplan".into(),
        host: "us1a.app.anaplan.com".into(),
        client_id: "c".into(),
        scope: "openid offline_access".into(),
        device_authorization_endpoint: "https://us1a.app.anaplan.com/oauth/device/code".into(),
        token_endpoint: "https://us1a.app.anaplan.com/oauth/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: None,
        logout_endpoint: Some("https://auth.anaplan.com/token/logout".into()),
        refresh_token_lifespan_secs: lifespan,
        client_auth: None,
        client_secret_source: None,
    }
}

fn tokens(at_secs: i64, access: &str, refresh: Option<&str>) -> TokenSet {
    TokenSet {
        access_token: AccessToken::new(access),
        token_type: "Bearer".into(),
        expires_at: Some(at(at_secs).plus_secs(2100)),
        refresh_token: refresh.map(RefreshToken::new),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(at_secs),
    }
}

#[test]
fn rotation_is_learned_from_the_first_refresh_and_counted() {
    let mut s = Session::new(
        "default",
        provider(Some(43_000)),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    assert_eq!(s.meta.refresh.kind, RefreshKind::Unknown);
    assert_eq!(s.meta.refresh.expires_at, None, "no figure from the server");
    assert_eq!(
        s.meta.refresh_token_ends(),
        Some(at(43_000)),
        "the lifespan is planned from sign-in"
    );
    assert!(s.meta.refresh_end_is_conditional(), "if it rotates");
    assert_eq!(
        s.apply_refresh(tokens(2000, "a2", Some("r2")), at(2000)),
        RefreshChange::Rotated
    );
    assert_eq!(s.meta.refresh.kind, RefreshKind::Rotating);
    assert_eq!(s.meta.refresh.rotation_count, 1);
    assert!(!s.meta.refresh_end_is_conditional(), "the kind is known");
    assert_eq!(s.meta.refresh.last_rotation_at, Some(at(2000)));
    assert_eq!(
        s.secrets.refresh_token.as_ref().map(RefreshToken::expose),
        Some("r2")
    );
    assert_eq!(s.secrets.access_token.expose(), "a2");
}

#[test]
fn a_rotating_session_is_planned_to_end_at_sign_in_plus_lifespan_across_rotations() {
    let mut s = Session::new(
        "default",
        provider(Some(43_000)),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    for (i, t) in [2000, 4000, 6000].into_iter().enumerate() {
        let rt = format!("r{}", i + 2);
        s.apply_refresh(tokens(t, "a", Some(&rt)), at(t));
        assert_eq!(
            s.meta.refresh_token_ends(),
            Some(at(43_000)),
            "a rotation does not move the planned end"
        );
    }
    assert_eq!(s.meta.refresh.lifespan_start, LifespanStart::SignIn);
    assert_eq!(s.meta.session_ends(), Some(at(43_000)));
}

#[test]
fn a_refresh_accepted_after_the_planned_end_proves_the_lifespan_restarts_at_rotation() {
    let mut s = Session::new(
        "default",
        provider(Some(1000)),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    s.apply_refresh(tokens(900, "a2", Some("r2")), at(900));
    assert_eq!(s.meta.refresh.lifespan_start, LifespanStart::SignIn);
    assert_eq!(s.meta.refresh_token_ends(), Some(at(1000)));
    s.apply_refresh(tokens(1200, "a3", Some("r3")), at(1200));
    assert_eq!(s.meta.refresh.lifespan_start, LifespanStart::Rotation);
    assert_eq!(
        s.meta.refresh_token_ends(),
        Some(at(2200)),
        "the later end: last rotation + lifespan"
    );
    s.apply_refresh(tokens(2000, "a4", Some("r4")), at(2000));
    assert_eq!(s.meta.refresh_token_ends(), Some(at(3000)));
}

#[test]
fn the_live_lifespan_applies_to_a_stored_session() {
    let mut s = Session::new(
        "default",
        provider(Some(43_000)),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    s.apply_refresh(tokens(2000, "a2", Some("r2")), at(2000));
    s.meta.provider.refresh_token_lifespan_secs = Some(7200);
    assert_eq!(s.meta.refresh_token_ends(), Some(at(7200)));
}

#[test]
fn an_ended_session_ends_with_its_access_token() {
    let mut s = Session::new(
        "default",
        provider(Some(43_000)),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    s.meta.state = SessionState::Ended {
        code: Some("invalid_grant".into()),
        at: at(10),
        interrupted: false,
    };
    assert_eq!(s.meta.session_ends(), Some(at(2100)));
}

#[test]
fn an_answer_without_a_refresh_token_keeps_the_old_one() {
    let mut s = Session::new(
        "default",
        provider(None),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    assert_eq!(
        s.apply_refresh(tokens(2000, "a2", None), at(2000)),
        RefreshChange::Kept
    );
    assert_eq!(
        s.secrets.refresh_token.as_ref().map(RefreshToken::expose),
        Some("r1")
    );
    assert_eq!(s.meta.refresh.kind, RefreshKind::Fixed);
    assert!(s.meta.has_refresh_token);
    // The same token echoed back is not a rotation either.
    assert_eq!(
        s.apply_refresh(tokens(4000, "a3", Some("r1")), at(4000)),
        RefreshChange::Kept
    );
    assert_eq!(s.meta.refresh.rotation_count, 0);
}

#[test]
fn no_refresh_token_means_kind_none() {
    let s = Session::new("default", provider(None), tokens(0, "a1", None), at(0));
    assert_eq!(s.meta.refresh.kind, RefreshKind::None);
    assert_eq!(s.meta.refresh.expires_at, None);
}

#[test]
fn needs_refresh_compares_remaining_time_with_the_minimum() {
    let s = Session::new(
        "default",
        provider(None),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    assert!(!s.needs_refresh(at(0), 300));
    assert!(!s.needs_refresh(at(1800), 300));
    assert!(s.needs_refresh(at(1801), 300));
    assert!(
        s.needs_refresh(at(5000), 0),
        "an expired token always needs a refresh"
    );
}

#[test]
fn server_refresh_token_expiry_wins_over_the_profile_lifespan() {
    let mut t = tokens(0, "a1", Some("r1"));
    t.refresh_token_expires_at = Some(at(100));
    let s = Session::new("default", provider(Some(43_000)), t, at(0));
    assert_eq!(s.meta.refresh.expires_at, Some(at(100)));
}

#[test]
fn kind_names_round_trip() {
    for k in [
        RefreshKind::Unknown,
        RefreshKind::Rotating,
        RefreshKind::Fixed,
        RefreshKind::None,
    ] {
        assert_eq!(RefreshKind::parse(k.as_str()), Some(k));
    }
}

#[test]
fn refresh_margin_is_capped_at_half_the_lifetime() {
    let s = Session::new(
        "default",
        provider(None),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    assert_eq!(s.refresh_margin(300), 300);
    let mut short = tokens(0, "a1", Some("r1"));
    short.expires_at = Some(at(30));
    let s = Session::new("default", provider(None), short, at(0));
    assert_eq!(s.refresh_margin(300), 15);
    assert!(!s.needs_refresh(at(10), s.refresh_margin(300)));
    assert!(s.needs_refresh(at(16), s.refresh_margin(300)));
}

#[test]
fn rotation_count_saturates_instead_of_overflowing() {
    let mut s = Session::new(
        "default",
        provider(None),
        tokens(0, "a1", Some("r1")),
        at(0),
    );
    s.meta.refresh.rotation_count = u32::MAX;
    s.apply_refresh(tokens(10, "a2", Some("r2")), at(10));
    assert_eq!(s.meta.refresh.rotation_count, u32::MAX);
}

/// An unsigned JWT whose payload says `exp`.
fn id_token_expiring(exp: Timestamp) -> IdToken {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = format!(
        r#"{{"sub":"u","email":"u@example.com","exp":{}}}"#,
        exp.as_unix_secs()
    );
    IdToken::new(format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(&payload)))
}

#[test]
fn a_refresh_with_a_new_id_token_updates_the_claims_shown() {
    let mut first = tokens(0, "a1", Some("r1"));
    first.id_token = Some(id_token_expiring(at(2100)));
    let mut s = Session::new("default", provider(None), first, at(0));
    let exp = |s: &Session| s.meta.claims.as_ref().and_then(|c| c.expires_at);
    assert_eq!(exp(&s), Some(at(2100)));
    let mut next = tokens(2000, "a2", Some("r2"));
    next.id_token = Some(id_token_expiring(at(4100)));
    s.apply_refresh(next, at(2000));
    assert_eq!(exp(&s), Some(at(4100)), "the new ID token's exp");
    s.apply_refresh(tokens(4000, "a3", Some("r3")), at(4000));
    assert_eq!(exp(&s), Some(at(4100)), "no new ID token: the claims stay");
}
