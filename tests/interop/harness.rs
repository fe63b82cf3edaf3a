//! Proves the oidc-provider interop harness (tests/common/interop.rs) with raw
//! HTTP only, no grantty code: discovery, the device authorization request,
//! approval and denial through oidc-provider's own pages, token redemption
//! and refresh-token rotation, as RFC 8628 / RFC 6749 describe them.
//!
//! The pinned npm packages install themselves on first use; without node or
//! npm the tests skip, except with `CI=true`, where they fail.

use crate::common;

use common::interop::{CLIENT_ID, DEVICE_CODE_GRANT, EMAIL, LOGIN, OidcProvider, http_client};
use serde_json::Value;

/// Unwraps a harness `Result`, printing the (multi-line) error as is.
macro_rules! ok {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(err) => panic!("{err}"),
        }
    };
}

/// Starts the server, or returns from the test when it is skipped.
macro_rules! start_or_skip {
    () => {
        match ok!(OidcProvider::start()) {
            Some(provider) => provider,
            None => return,
        }
    };
}

struct Endpoints {
    device_authorization: String,
    token: String,
    userinfo: String,
    introspection: String,
    revocation: String,
}

async fn discover(client: &reqwest::Client, op: &OidcProvider) -> Result<Endpoints, String> {
    let url = op.url("/.well-known/openid-configuration");
    let (status, doc) = get_json(client, &url).await?;
    if status != 200 {
        return Err(format!("discovery answered {status}: {doc}"));
    }
    if doc["issuer"] != op.issuer.as_str() {
        return Err(format!("discovery issuer mismatch: {doc}"));
    }
    let endpoint = |name: &str| {
        doc[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("discovery has no {name}: {doc}"))
    };
    let grants = doc["grant_types_supported"].to_string();
    if !grants.contains(DEVICE_CODE_GRANT) || !grants.contains("refresh_token") {
        return Err(format!("discovery lacks the device/refresh grants: {doc}"));
    }
    Ok(Endpoints {
        device_authorization: endpoint("device_authorization_endpoint")?,
        token: endpoint("token_endpoint")?,
        userinfo: endpoint("userinfo_endpoint")?,
        introspection: endpoint("introspection_endpoint")?,
        revocation: endpoint("revocation_endpoint")?,
    })
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<(u16, Value), String> {
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|err| format!("GET {url}: {err}"))?;
    read_json(url, response).await
}

async fn post_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<(u16, Value), String> {
    let response = client
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|err| format!("POST {url}: {err}"))?;
    read_json(url, response).await
}

async fn read_json(url: &str, response: reqwest::Response) -> Result<(u16, Value), String> {
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|err| format!("{url}: reading body: {err}"))?;
    let json = serde_json::from_str(&body)
        .map_err(|err| format!("{url} answered {status} with non-JSON ({err}): {body}"))?;
    Ok((status, json))
}

/// RFC 8628 §3.1-3.2: a device authorization for the public test client.
async fn authorize_device(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    scope: &str,
) -> Result<Value, String> {
    let (status, body) = post_form(
        client,
        &endpoints.device_authorization,
        &[("client_id", CLIENT_ID), ("scope", scope)],
    )
    .await?;
    if status != 200 {
        return Err(format!("device authorization answered {status}: {body}"));
    }
    for field in [
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
    ] {
        if !body[field].is_string() {
            return Err(format!(
                "device authorization response lacks {field}: {body}"
            ));
        }
    }
    if !body["expires_in"].is_u64() {
        return Err(format!(
            "device authorization response lacks expires_in: {body}"
        ));
    }
    Ok(body)
}

/// RFC 8628 §3.4: one device access token request.
async fn redeem(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    device_code: &str,
) -> Result<(u16, Value), String> {
    post_form(
        client,
        &endpoints.token,
        &[
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code),
            ("client_id", CLIENT_ID),
        ],
    )
    .await
}

async fn refresh(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    refresh_token: &str,
) -> Result<(u16, Value), String> {
    post_form(
        client,
        &endpoints.token,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
        ],
    )
    .await
}

/// RFC 7662 introspection, as the public client itself.
async fn introspect(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    token: &str,
) -> Result<(u16, Value), String> {
    post_form(
        client,
        &endpoints.introspection,
        &[("token", token), ("client_id", CLIENT_ID)],
    )
    .await
}

fn str_field<'v>(body: &'v Value, name: &str) -> &'v str {
    body[name].as_str().unwrap_or_default()
}

/// Device authorization, approval, token response, userinfo, replay.
#[tokio::test]
async fn approved_device_code_redeems_once_for_access_and_refresh_tokens() {
    let op = start_or_skip!();
    let client = ok!(http_client());
    let endpoints = ok!(discover(&client, &op).await);

    let authorization =
        ok!(authorize_device(&client, &endpoints, "openid email offline_access").await);
    let uri = str_field(&authorization, "verification_uri_complete");
    assert!(
        uri.starts_with(&op.issuer) && uri.contains(str_field(&authorization, "user_code")),
        "{authorization}"
    );

    ok!(op.approve(uri).await);

    let device_code = str_field(&authorization, "device_code");
    let (status, tokens) = ok!(redeem(&client, &endpoints, device_code).await);
    assert_eq!(status, 200, "{tokens}");
    assert!(!str_field(&tokens, "access_token").is_empty(), "{tokens}");
    assert!(!str_field(&tokens, "refresh_token").is_empty(), "{tokens}");
    assert!(
        str_field(&tokens, "token_type").eq_ignore_ascii_case("bearer"),
        "{tokens}"
    );
    assert!(
        tokens["expires_in"].as_u64().is_some_and(|ttl| ttl > 0),
        "{tokens}"
    );
    let scopes: Vec<&str> = str_field(&tokens, "scope").split(' ').collect();
    for scope in ["openid", "email", "offline_access"] {
        assert!(scopes.contains(&scope), "{tokens}");
    }

    // The token is the signed-in account's: the fixed test claims.
    let response = ok!(client
        .get(&endpoints.userinfo)
        .bearer_auth(str_field(&tokens, "access_token"))
        .send()
        .await);
    assert_eq!(response.status().as_u16(), 200);
    let userinfo: Value = ok!(response.json().await);
    assert_eq!(userinfo["sub"], LOGIN, "{userinfo}");
    assert_eq!(userinfo["email"], EMAIL, "{userinfo}");

    // A device code is single use (RFC 8628 §3.5 / RFC 6749 §4.1.2 spirit).
    let (status, replay) = ok!(redeem(&client, &endpoints, device_code).await);
    assert_eq!(status, 400, "{replay}");
    assert_eq!(replay["error"], "invalid_grant", "{replay}");
}

/// Before the user acts, polling answers `authorization_pending`.
#[tokio::test]
async fn token_endpoint_answers_authorization_pending_before_approval() {
    let op = start_or_skip!();
    let client = ok!(http_client());
    let endpoints = ok!(discover(&client, &op).await);
    let authorization = ok!(authorize_device(&client, &endpoints, "openid offline_access").await);
    // oidc-provider omits `interval`, so clients must default to 5 s
    // (RFC 8628 §3.2); it never answers `slow_down` either.
    assert!(authorization.get("interval").is_none(), "{authorization}");
    assert_eq!(authorization["expires_in"], 600, "{authorization}");

    let device_code = str_field(&authorization, "device_code");
    for _ in 0..2 {
        let (status, body) = ok!(redeem(&client, &endpoints, device_code).await);
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "authorization_pending", "{body}");
    }

    // Still redeemable once approved.
    ok!(op
        .approve(str_field(&authorization, "verification_uri_complete"))
        .await);
    let (status, tokens) = ok!(redeem(&client, &endpoints, device_code).await);
    assert_eq!(status, 200, "{tokens}");
}

/// The user presses "[ Abort ]": the device code redeems to `access_denied`.
#[tokio::test]
async fn denied_device_code_redeems_to_access_denied() {
    let op = start_or_skip!();
    let client = ok!(http_client());
    let endpoints = ok!(discover(&client, &op).await);
    let authorization =
        ok!(authorize_device(&client, &endpoints, "openid email offline_access").await);

    ok!(op
        .deny(str_field(&authorization, "verification_uri_complete"))
        .await);

    let device_code = str_field(&authorization, "device_code");
    let (status, body) = ok!(redeem(&client, &endpoints, device_code).await);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "access_denied", "{body}");
    // The denial is consumed too.
    let (status, body) = ok!(redeem(&client, &endpoints, device_code).await);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

/// Refresh tokens rotate; replaying a rotated one is `invalid_grant` and
/// revokes the whole grant (the newer refresh and access tokens too).
#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_grant() {
    let op = start_or_skip!();
    let client = ok!(http_client());
    let endpoints = ok!(discover(&client, &op).await);
    let authorization =
        ok!(authorize_device(&client, &endpoints, "openid email offline_access").await);
    ok!(op
        .approve(str_field(&authorization, "verification_uri_complete"))
        .await);
    let (status, first) = ok!(redeem(
        &client,
        &endpoints,
        str_field(&authorization, "device_code")
    )
    .await);
    assert_eq!(status, 200, "{first}");
    let first_refresh = str_field(&first, "refresh_token");

    let (status, second) = ok!(refresh(&client, &endpoints, first_refresh).await);
    assert_eq!(status, 200, "{second}");
    let second_refresh = str_field(&second, "refresh_token");
    let second_access = str_field(&second, "access_token");
    assert!(
        !second_refresh.is_empty() && second_refresh != first_refresh,
        "{second}"
    );
    assert!(!second_access.is_empty(), "{second}");

    let (status, active) = ok!(introspect(&client, &endpoints, second_access).await);
    assert_eq!(status, 200, "{active}");
    assert_eq!(active["active"], true, "{active}");

    let (status, reuse) = ok!(refresh(&client, &endpoints, first_refresh).await);
    assert_eq!(status, 400, "{reuse}");
    assert_eq!(reuse["error"], "invalid_grant", "{reuse}");
    let (status, after) = ok!(refresh(&client, &endpoints, second_refresh).await);
    assert_eq!(status, 400, "{after}");
    assert_eq!(after["error"], "invalid_grant", "{after}");
    let (_, inactive) = ok!(introspect(&client, &endpoints, second_access).await);
    assert_eq!(inactive["active"], false, "{inactive}");

    // Revocation accepts an already-dead token (RFC 7009 §2.2: 200).
    let response = ok!(client
        .post(&endpoints.revocation)
        .form(&[("token", second_refresh), ("client_id", CLIENT_ID)])
        .send()
        .await);
    assert_eq!(response.status().as_u16(), 200);
}
