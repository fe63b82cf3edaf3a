use super::*;
use crate::store::fixtures::{ACCESS, REFRESH, full_session};

#[test]
fn metadata_round_trips_every_field() {
    let session = full_session("work", 9);
    let bytes = encode_meta(&session.meta, BackendKind::Keyutils).unwrap();
    let back = decode_meta(&bytes, "work.meta.json").unwrap();
    assert_eq!(back.meta, session.meta);
    assert_eq!(back.backend, BackendKind::Keyutils);
}

#[test]
fn metadata_round_trips_with_every_option_empty() {
    let mut meta = full_session("work", 1).meta;
    meta.scope = None;
    meta.access_expires_at = None;
    meta.claims = None;
    meta.pending_refresh = None;
    meta.provider.revocation_endpoint = None;
    meta.provider.logout_endpoint = None;
    meta.provider.refresh_token_lifespan_secs = None;
    meta.refresh.last_rotation_at = None;
    meta.refresh.expires_at = None;
    meta.refresh.last_refresh_at = None;
    meta.refresh.kind = RefreshKind::None;
    meta.clock_skew = None;
    let bytes = encode_meta(&meta, BackendKind::File).unwrap();
    assert_eq!(decode_meta(&bytes, "m").unwrap().meta, meta);
}

#[test]
fn metadata_from_before_clock_skew_still_reads() {
    let meta = full_session("work", 3).meta;
    let bytes = encode_meta(&meta, BackendKind::File).unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["clock_skew_secs"], -37);
    doc.as_object_mut().unwrap().remove("clock_skew_secs");
    let old = serde_json::to_vec(&doc).unwrap();
    let back = decode_meta(&old, "m").unwrap().meta;
    assert_eq!(back.clock_skew, None);
    assert_eq!(
        back,
        SessionMeta {
            clock_skew: None,
            ..meta
        }
    );
}

#[test]
fn secrets_round_trip_with_their_generation() {
    let session = full_session("work", 1);
    let text = encode_secrets(&session.secrets, 12).unwrap();
    let (secrets, generation) = decode_secrets(&text, "s").unwrap();
    assert_eq!(secrets, session.secrets);
    assert_eq!(generation, 12);
}

#[test]
fn metadata_never_contains_a_token() {
    let session = full_session("work", 1);
    let text = String::from_utf8(encode_meta(&session.meta, BackendKind::File).unwrap()).unwrap();
    assert!(text.contains("\"version\": 1"), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
}

#[test]
fn an_unknown_version_is_a_typed_error() {
    let err = decode_meta(br#"{"version": 2, "whatever": true}"#, "m.json").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = decode_secrets(r#"{"version": 7}"#, "s.json").unwrap_err();
    assert!(
        matches!(err, StoreError::UnsupportedVersion { found: 7, .. }),
        "{err:?}"
    );
}

#[test]
fn a_missing_version_or_bad_json_is_corrupt() {
    for bad in [&b"{}"[..], b"not json", b"", br#"{"version": 1}"#] {
        let err = decode_meta(bad, "m.json").unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    }
}

#[test]
fn secrets_parse_errors_do_not_quote_the_stored_values() {
    // serde would say `invalid type: string "rt-SECRET…", expected u64`.
    let text = format!(r#"{{"version":1,"generation":"{REFRESH}","access_token":"{ACCESS}"}}"#);
    let err = decode_secrets(&text, "s.json").unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{shown}");
    assert!(!shown.contains("SECRET"), "{shown}");
    let err = decode_secrets(&format!("{{\"version\":1,\"{ACCESS}"), "s.json").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SECRET"));
}

#[test]
fn a_client_secret_is_kept_with_the_tokens_and_old_documents_still_read() {
    let mut session = full_session("work", 1);
    session.secrets.client_secret = Some(ClientSecret::new("client-s3cret"));
    session.meta.provider.client_auth = Some("basic".into());
    session.meta.provider.client_secret_source = Some("GRANTTY_CLIENT_SECRET".into());
    let text = encode_secrets(&session.secrets, 2).unwrap();
    assert_eq!(decode_secrets(&text, "s").unwrap().0, session.secrets);
    let meta = encode_meta(&session.meta, BackendKind::File).unwrap();
    assert!(!String::from_utf8_lossy(&meta).contains("client-s3cret"));
    assert_eq!(decode_meta(&meta, "m").unwrap().meta, session.meta);
    // Documents written before client secrets have neither field.
    let public = full_session("work", 1);
    let old_secrets = encode_secrets(&public.secrets, 2).unwrap();
    assert!(!old_secrets.contains("client_secret"));
    assert_eq!(
        decode_secrets(&old_secrets, "s").unwrap().0.client_secret,
        None
    );
    let old_meta = encode_meta(&public.meta, BackendKind::File).unwrap();
    assert!(!String::from_utf8_lossy(&old_meta).contains("client_auth"));
    assert_eq!(
        decode_meta(&old_meta, "m")
            .unwrap()
            .meta
            .provider
            .client_auth,
        None
    );
}

#[test]
fn a_stored_token_outside_the_wire_rules_is_corrupt_and_not_quoted() {
    for (field, value) in [
        ("access_token", "at-ok\u{1b}]52;c;cHduZWQ=\u{7}"),
        ("refresh_token", "rt-ok\nmachine evil password x"),
        ("id_token", "id ok"),
    ] {
        let mut doc = serde_json::json!({"version": 1, "generation": 1, "access_token": "at-ok"});
        doc[field] = serde_json::Value::String(value.to_owned());
        let err = decode_secrets(&doc.to_string(), "/state/default.secrets.json").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(matches!(err, StoreError::Corrupt { .. }), "{shown}");
        assert!(shown.contains(&format!("its {field} holds U+")), "{shown}");
        assert!(shown.contains("/state/default.secrets.json") && shown.contains("sign in again"));
        assert!(
            !shown.contains("-ok") && !shown.contains('\u{1b}'),
            "{shown}"
        );
    }
}

#[test]
fn a_lifespan_guess_stored_by_older_builds_is_dropped_and_a_server_figure_kept() {
    let mut meta = full_session("work", 3).meta;
    meta.refresh.kind = RefreshKind::Rotating;
    meta.provider.refresh_token_lifespan_secs = Some(43_000);
    let guessed = meta.refresh.issued_at.plus_secs(43_000);
    meta.refresh.expires_at = Some(guessed);
    meta.refresh.lifespan_start = LifespanStart::Rotation;
    let bytes = encode_meta(&meta, BackendKind::File).unwrap();
    let back = decode_meta(&bytes, "m").unwrap().meta;
    assert_eq!(
        back.refresh.expires_at,
        Some(guessed),
        "marked as the server's"
    );
    assert_eq!(back.refresh.lifespan_start, LifespanStart::Rotation);
    // An older build wrote no marker: its expiry was last rotation + the profile's lifespan.
    let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let refresh = doc["refresh"].as_object_mut().unwrap();
    refresh.remove("expires_at_by");
    refresh.remove("lifespan_counted_from");
    let old = serde_json::to_vec(&doc).unwrap();
    let back = decode_meta(&old, "m").unwrap().meta;
    assert_eq!(
        back.refresh.expires_at, None,
        "the guess is not the server's"
    );
    assert_eq!(back.refresh.lifespan_start, LifespanStart::SignIn);
    // Any other stored expiry came from the server.
    doc["refresh"]["expires_at"] = serde_json::json!(guessed.as_unix_secs() - 5);
    let back = decode_meta(&serde_json::to_vec(&doc).unwrap(), "m")
        .unwrap()
        .meta;
    assert_eq!(
        back.refresh.expires_at,
        Some(Timestamp::from_unix_secs(guessed.as_unix_secs() - 5))
    );
}
