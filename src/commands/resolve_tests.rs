//! Tests of `resolve`.

use clap::Parser as _;

use super::*;
use crate::cli::{Cli, Command};

/// `grantty login <flags>` as clap parses it.
pub(super) fn login_args(flags: &[&str]) -> LoginArgs {
    let argv = ["grantty", "login"]
        .into_iter()
        .chain(flags.iter().copied());
    match Cli::try_parse_from(argv).unwrap().command {
        Some(Command::Login(login)) => login,
        other => panic!("not a login: {other:?}"),
    }
}

fn work() -> Profile {
    Profile {
        provider: Some(ProviderArg::Anaplan),
        host: Some("eu3.app.anaplan.com".into()),
        client_id: Some("profile-client".into()),
        scopes: Some("openid offline_access".into()),
        flow: Some(FlowArg::Code),
        redirect_uri: Some("https://example.com/cb".into()),
        refresh_token_lifespan_secs: Some(7200),
        ..Profile::default()
    }
}

#[test]
fn a_complete_profile_needs_no_flags() {
    let s = settings(&login_args(&[]), Some(&work()));
    assert_eq!(s.provider, Some(ProviderArg::Anaplan));
    assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
    assert_eq!(s.client_id.as_deref(), Some("profile-client"));
    assert_eq!(s.scope.as_deref(), Some("openid offline_access"));
    assert_eq!(s.flow, Some(FlowArg::Code));
    assert_eq!(s.redirect_uri.as_deref(), Some("https://example.com/cb"));
    assert_eq!(s.refresh_token_lifespan_secs, Some(7200));
}

#[test]
fn flags_beat_the_profile_key_by_key() {
    let args = login_args(&[
        "--client-id",
        "flag-client",
        "--scope",
        "openid",
        "--flow",
        "device",
    ]);
    let s = settings(&args, Some(&work()));
    assert_eq!(s.client_id.as_deref(), Some("flag-client"));
    assert_eq!(s.scope.as_deref(), Some("openid"));
    assert_eq!(s.flow, Some(FlowArg::Device));
    // Keys the flags leave alone still come from the profile.
    assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
    assert_eq!(s.redirect_uri.as_deref(), Some("https://example.com/cb"));
}

#[test]
fn a_place_given_by_flags_replaces_the_profiles_place() {
    let args = login_args(&["--issuer", "https://idp.example.com"]);
    let s = settings(&args, Some(&work()));
    assert_eq!(s.issuer.as_deref(), Some("https://idp.example.com"));
    assert_eq!((s.provider, s.host), (None, None));
    assert_eq!(s.client_id.as_deref(), Some("profile-client"));
}

#[test]
fn endpoint_flags_next_to_a_profiles_issuer_replace_only_those_endpoints() {
    let dot = Profile {
        issuer: Some("https://idp.example.com".into()),
        client_id: Some("c".into()),
        ..Profile::default()
    };
    let args = login_args(&["--device-endpoint", "https://idp.example.com/o/device/"]);
    let s = settings(&args, Some(&dot));
    assert_eq!(s.issuer.as_deref(), Some("https://idp.example.com"));
    assert_eq!(
        s.device_endpoint.as_deref(),
        Some("https://idp.example.com/o/device/")
    );
    // Without an issuer in the profile the flags name the place, as before.
    let s = settings(&args, Some(&work()));
    assert_eq!((s.issuer, s.host), (None, None));
    let both = login_args(&[
        "--issuer",
        "https://idp.example.com",
        "--device-endpoint",
        "https://idp.example.com/d",
    ]);
    let s = settings(&both, None);
    assert_eq!(
        (s.issuer.as_deref(), s.device_endpoint.as_deref()),
        (
            Some("https://idp.example.com"),
            Some("https://idp.example.com/d")
        )
    );
    assert_eq!(reuse_stored(&s, Some(&stored())), None);
}

fn stored() -> ProviderRecord {
    Provider::generic(
        "stored-client",
        Some("openid offline_access"),
        "https://idp.example.com/device",
        "https://idp.example.com/token",
        None,
    )
    .unwrap()
    .to_record()
}

#[test]
fn a_stored_session_supplies_what_flags_and_profile_leave_out() {
    let s = settings(&login_args(&[]), None);
    let record = reuse_stored(&s, Some(&stored())).unwrap();
    assert_eq!(record, stored());
    let s = settings(
        &login_args(&["--client-id", "new", "--scope", "openid"]),
        None,
    );
    let record = reuse_stored(&s, Some(&stored())).unwrap();
    assert_eq!(
        (record.client_id.as_str(), record.scope.as_str()),
        ("new", "openid")
    );
    assert_eq!(record.token_endpoint, "https://idp.example.com/token");
}

#[test]
fn a_place_from_flags_or_profile_beats_the_stored_session() {
    let s = settings(&login_args(&["--host", "eu3.app.anaplan.com"]), None);
    assert_eq!(reuse_stored(&s, Some(&stored())), None);
    let s = settings(&login_args(&[]), Some(&work()));
    assert_eq!(reuse_stored(&s, Some(&stored())), None);
    assert_eq!(reuse_stored(&settings(&login_args(&[]), None), None), None);
}

#[test]
fn the_client_auth_flag_beats_the_profile_and_the_secret_file_comes_from_it() {
    let profile = Profile {
        client_auth: Some(ClientAuthArg::Post),
        client_secret_file: Some("work.secret".into()),
        ..work()
    };
    let s = settings(&login_args(&["--client-auth", "basic"]), Some(&profile));
    assert_eq!(s.client_auth, Some(ClientAuthArg::Basic));
    assert_eq!(
        s.client_secret_file.as_deref(),
        Some(std::path::Path::new("work.secret"))
    );
    assert!(
        Cli::try_parse_from(["grantty", "login", "--client-secret", "x"]).is_err(),
        "a secret is never a flag"
    );
}

#[test]
fn without_a_profile_only_the_flags_count() {
    let s = settings(&login_args(&["--host", "eu3.app.anaplan.com"]), None);
    assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
    assert_eq!(
        (s.client_id, s.flow, s.refresh_token_lifespan_secs),
        (None, None, None)
    );
}
