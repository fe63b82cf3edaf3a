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
    assert_eq!(
        s.meta.refresh.expires_at, None,
        "the lifespan applies once rotation is seen"
    );
    assert_eq!(
        s.meta.refresh_ends_if_rotating(),
        Some(at(43_000)),
        "until then the lifespan is shown from sign-in"
    );
    assert_eq!(
        s.apply_refresh(tokens(2000, "a2", Some("r2")), at(2000)),
        RefreshChange::Rotated
    );
    assert_eq!(s.meta.refresh.kind, RefreshKind::Rotating);
    assert_eq!(s.meta.refresh.rotation_count, 1);
    assert_eq!(s.meta.refresh_ends_if_rotating(), None, "the kind is known");
    assert_eq!(s.meta.refresh.last_rotation_at, Some(at(2000)));
    assert_eq!(
        s.meta.refresh.expires_at,
        Some(at(2000 + 43_000)),
        "each rotated token gets a full lifespan"
    );
    assert_eq!(
        s.secrets.refresh_token.as_ref().map(RefreshToken::expose),
        Some("r2")
    );
    assert_eq!(s.secrets.access_token.expose(), "a2");
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
