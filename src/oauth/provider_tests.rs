//! Tests of `provider`.

use super::*;

#[test]
fn anaplan_profile_uses_json_regional_host_and_its_scheme() {
    let p = Provider::anaplan("eu3.app.anaplan.com", " abc ", None).unwrap();
    assert_eq!(
        p.device_authorization_endpoint.as_str(),
        "https://eu3.app.anaplan.com/oauth/device/code"
    );
    assert_eq!(
        p.token_endpoint.as_str(),
        "https://eu3.app.anaplan.com/oauth/token"
    );
    assert_eq!(p.client_id, "abc");
    assert_eq!(p.scope, ANAPLAN_DEFAULT_SCOPE);
    assert_eq!(p.body, BodyEncoding::Json);
    assert_eq!(p.auth_scheme, AuthScheme::AnaplanAuthToken);
}

#[test]
fn anaplan_logs_out_at_auth_anaplan_com_only_for_anaplan_hosts() {
    let prod = Provider::anaplan("eu3.app.anaplan.com", "c", None).unwrap();
    assert_eq!(
        prod.logout_endpoint.unwrap().as_str(),
        "https://auth.anaplan.com/token/logout"
    );
    let local = Provider::anaplan("http://127.0.0.1:4000", "c", None).unwrap();
    assert_eq!(
        local.logout_endpoint.unwrap().as_str(),
        "http://127.0.0.1:4000/token/logout"
    );
    let lookalike = Provider::anaplan("evilanaplan.com", "c", None).unwrap();
    assert_eq!(
        lookalike.logout_endpoint.unwrap().as_str(),
        "https://evilanaplan.com/token/logout"
    );
}

#[test]
fn plain_http_only_for_loopback() {
    for ok in [
        "http://127.0.0.1:8080/t",
        "http://127.5.0.1/t",
        "http://[::1]:9/t",
        "http://localhost/t",
        "https://idp.example.com/t",
    ] {
        assert!(checked_url("token_endpoint", ok).is_ok(), "{ok}");
    }
    let err = checked_url("token_endpoint", "http://idp.example.com/t").unwrap_err();
    assert!(matches!(err, EndpointError::Insecure { .. }));
    assert!(err.to_string().contains("must use https://"));
    assert!(checked_url("token_endpoint", "http://127.0.0.1.evil.example/t").is_err());
    assert!(checked_url("token_endpoint", "file:///etc/passwd").is_err());
    assert!(checked_url("token_endpoint", "not a url").is_err());
}

#[test]
fn display_host_keeps_a_non_default_port() {
    let p = Provider::generic(
        "c",
        None,
        "http://127.0.0.1:4000/device",
        "http://127.0.0.1:4000/token",
        None,
    )
    .unwrap();
    assert_eq!(p.display_host(), "127.0.0.1:4000");
    assert_eq!(p.body, BodyEncoding::Form);
}

#[test]
fn a_loopback_host_without_scheme_is_refused_with_both_urls_suggested() {
    for host in ["127.0.0.1:3101", "localhost:3101", "[::1]:3101"] {
        let err = Provider::anaplan(host, "c", None).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, EndpointError::LoopbackWithoutScheme { .. }),
            "{host}: {err:?}"
        );
        assert!(text.contains(&format!("--host http://{host}")), "{text}");
        assert!(text.contains(&format!("--host https://{host}")), "{text}");
    }
    assert!(Provider::anaplan("http://127.0.0.1:3101", "c", None).is_ok());
    assert!(Provider::anaplan("https://127.0.0.1:3101", "c", None).is_ok());
    assert!(Provider::anaplan("eu3.app.anaplan.com:443", "c", None).is_ok());
    assert!(matches!(
        Provider::anaplan("http://eu3.app.anaplan.com", "c", None),
        Err(EndpointError::Insecure { .. })
    ));
}
