//! Journey: discovery with overrides. A server whose discovery document has no
//! `device_authorization_endpoint` (as django-oauth-toolkit publishes it) is refused with the
//! user's own command and the flag to add; with `--device-endpoint` next to `--issuer` (or the
//! same profile keys) the sign-in works and every other endpoint still comes from discovery,
//! so `grantty logout` revokes at the discovered revocation endpoint. The real binary, the demo
//! server on 127.0.0.1, nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{AutoDecision, Decision, DemoConfig, DemoServer, MetadataStyle};

use common::home::Home;
use common::session::{Run, demo_server};

/// `grantty`'s exit code for a command line or configuration to change.
const USAGE: i32 = 2;

/// Asserts that stderr holds each of `words`.
#[track_caller]
fn says(run: &Run, words: &[&str]) {
    for words in words {
        assert!(run.stderr.contains(words), "{words:?}: {}", run.stderr);
    }
}

/// `grantty logout --profile P` succeeds, the demo server counts the revocation, and the session
/// is gone.
async fn logout_revokes(home: &Home, server: &DemoServer, profile: &str) {
    let before = server.stats().revocations;
    let logout = home.run(&["logout", "--profile", profile], &[]).await;
    logout.assert_code(0);
    assert!(
        server.stats().revocations > before,
        "the demo server received the revocation: {}",
        logout.stderr
    );
    assert!(home.meta(profile).is_none());
}

/// A loopback address nothing listens on.
fn closed_port() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Approves every code at once, polls every second, and leaves the device endpoint out of
/// its discovery document.
async fn dot_like_server() -> DemoServer {
    demo_server(DemoConfig {
        interval_secs: 1,
        auto_decision: Some(AutoDecision {
            after_secs: 0,
            decision: Decision::Approve,
        }),
        metadata: MetadataStyle::WithoutDeviceEndpoint,
        ..DemoConfig::default()
    })
    .await
}

#[tokio::test]
async fn a_missing_device_endpoint_is_added_next_to_the_issuer_and_logout_revokes_at_the_discovered_endpoint()
 {
    let server = dot_like_server().await;
    let issuer = server.issuer();
    let home = Home::with_config("");

    let base = [
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "dot-client",
        "--store",
        "file",
    ];
    let refused = home.run(&base, &[]).await;
    refused.assert_code(USAGE);
    let shape = format!(
        "`grantty login --profile default --store file --issuer {issuer} --client-id dot-client --device-endpoint URL`"
    );
    says(&refused, &["has no device_authorization_endpoint", &shape]);
    assert!(home.meta("default").is_none(), "nothing stored");
    assert_eq!(server.stats().device_authorizations, 0);

    let device = format!("{issuer}/device_authorization");
    let login = home
        .run(&[&base[..], &["--device-endpoint", &device]].concat(), &[])
        .await;
    login.assert_code(0).assert_no_token_on_stdout();
    let meta = home.meta("default").expect("a stored session");
    assert_eq!(meta.provider.device_authorization_endpoint, device);
    assert_eq!(meta.provider.token_endpoint, format!("{issuer}/token"));
    assert_eq!(
        meta.provider.revocation_endpoint,
        Some(format!("{issuer}/revoke")),
        "the revocation endpoint still comes from discovery"
    );
    assert_eq!(server.stats().device_code_redemptions, 1);

    logout_revokes(&home, &server, "default").await;
}

#[tokio::test]
async fn profile_keys_next_to_the_issuer_replace_only_their_endpoint() {
    let server = dot_like_server().await;
    let issuer = server.issuer();
    let home = Home::with_config(&format!(
        r#"
[profiles.dot]
issuer = "{issuer}"
device_endpoint = "{issuer}/device_authorization"
client_id = "dot-client"
store = "file"
"#
    ));

    let login = home.run(&["login", "--profile", "dot"], &[]).await;
    login.assert_code(0);
    let meta = home.meta("dot").expect("a stored session");
    assert_eq!(
        meta.provider.revocation_endpoint,
        Some(format!("{issuer}/revoke"))
    );
    assert_eq!(
        meta.provider.userinfo_endpoint,
        Some(format!("{issuer}/userinfo"))
    );

    logout_revokes(&home, &server, "dot").await;
}

#[tokio::test]
async fn without_the_key_a_profile_login_names_the_profile_file_too() {
    let server = dot_like_server().await;
    let issuer = server.issuer();
    let home = Home::with_config(&format!(
        "[profiles.dot]\nissuer = \"{issuer}\"\nclient_id = \"dot-client\"\nstore = \"file\"\n"
    ));
    let refused = home.run(&["login", "--profile", "dot"], &[]).await;
    refused.assert_code(USAGE);
    let file = home.config_file().display().to_string();
    says(
        &refused,
        &[
            "`grantty login --profile dot --device-endpoint URL`",
            "set device_endpoint = \"URL\" in profile \"dot\"",
            &file,
        ],
    );
    assert!(home.meta("dot").is_none());
}

#[tokio::test]
async fn an_issuer_without_metadata_works_with_both_endpoints_given() {
    let server = dot_like_server().await;
    // Nothing is published under this path: every well-known address answers 404.
    let issuer = format!("{}/nothing", server.issuer());
    let home = Home::with_config("");
    let base = [
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "c",
        "--store",
        "file",
    ];

    let refused = home.run(&base, &[]).await;
    refused.assert_code(USAGE);
    assert!(
        refused
            .stderr
            .contains("--device-endpoint URL --token-endpoint URL`"),
        "{}",
        refused.stderr
    );

    let device = format!("{}/device_authorization", server.issuer());
    let token = format!("{}/token", server.issuer());
    let mut args = base.to_vec();
    args.extend(["--device-endpoint", &device, "--token-endpoint", &token]);
    home.run(&args, &[]).await.assert_code(0);
    assert_eq!(home.meta("default").unwrap().provider.token_endpoint, token);
}

#[tokio::test]
async fn a_plain_http_endpoint_next_to_the_issuer_is_refused_before_any_request() {
    // Nothing listens at the issuer: had discovery been tried first, the exit would be 6.
    let closed = closed_port();
    let issuer = format!("http://{closed}");
    let home = Home::with_config("");
    let run = home
        .run(
            &[
                "login",
                "--issuer",
                &issuer,
                "--revocation-endpoint",
                "http://idp.example.com/revoke",
                "--client-id",
                "c",
                "--store",
                "file",
            ],
            &[],
        )
        .await;
    run.assert_code(USAGE);
    says(&run, &["--revocation-endpoint", "must use https://"]);
}

#[tokio::test]
async fn without_an_issuer_a_device_endpoint_still_needs_the_token_endpoint() {
    let server = dot_like_server().await;
    let home = Home::with_config("");
    let device = format!("{}/device_authorization", server.issuer());
    let run = home
        .run(
            &["login", "--device-endpoint", &device, "--client-id", "c"],
            &[],
        )
        .await;
    run.assert_code(USAGE);
    says(
        &run,
        &["--device-endpoint needs --token-endpoint URL, or --issuer URL"],
    );
    assert_eq!(server.stats().device_authorizations, 0);
}

#[tokio::test]
async fn endpoint_flags_on_an_anaplan_profile_are_refused_not_ignored() {
    // A closed loopback port as the host: nothing would answer even if a request went out.
    let closed = closed_port();
    let home = Home::with_config(&format!(
        "[profiles.work]\nhost = \"http://{closed}\"\nclient_id = \"c\"\nstore = \"file\"\n"
    ));
    let run = home
        .run(
            &[
                "login",
                "--profile",
                "work",
                "--token-endpoint",
                "https://idp.example.com/token",
            ],
            &[],
        )
        .await;
    run.assert_code(USAGE);
    says(&run, &["are for generic providers"]);
    assert!(home.meta("work").is_none());
}
