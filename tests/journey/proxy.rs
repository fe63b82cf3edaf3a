//! Proxies and loopback: plain http is only allowed to loopback hosts because those bytes never
//! leave the machine, so no proxy from the environment may see them. https providers still go
//! through the proxy the environment names. The real binary against a recording proxy and the
//! demo server, both on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::canned::Canned;
use common::isolated::isolated_command;
use common::session::{Access, Run, demo_server, signed_in};
use grantty::demo::DemoConfig;

/// A proxy on 127.0.0.1 that records each request line and refuses it with 403.
async fn recording_proxy() -> Canned {
    Canned::start("HTTP/1.1 403 Forbidden", Vec::new()).await
}

#[tokio::test]
async fn refreshing_against_a_loopback_server_never_goes_through_the_proxy() {
    let proxy = recording_proxy().await;
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let args = ["token"];
    let mut cmd = s.command(&args);
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        cmd.env(var, &proxy.url);
    }
    let run = Run::from_output(&args, cmd.output().await.unwrap());
    run.assert_code(0);
    assert_eq!(
        server.stats().refreshes,
        1,
        "the refresh reached the server"
    );
    assert_eq!(
        proxy.seen(),
        Vec::<String>::new(),
        "the proxy saw loopback traffic"
    );
    assert_eq!(
        run.stdout.trim(),
        s.stored().unwrap().secrets.access_token.expose()
    );
}

#[tokio::test]
async fn an_https_provider_still_goes_through_the_proxy() {
    let proxy = recording_proxy().await;
    let state = tempfile::tempdir().unwrap();
    // `.invalid` never resolves (RFC 6761); only the proxy on 127.0.0.1 is contacted.
    let args = [
        "login",
        "--issuer",
        "https://idp.invalid",
        "--client-id",
        "c",
    ];
    let mut cmd = isolated_command(state.path(), &args);
    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        cmd.env(var, &proxy.url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    let run = Run::from_output(&args, cmd.output().await.unwrap());
    run.assert_code(6);
    assert_eq!(
        proxy.seen().first().map(String::as_str),
        Some("CONNECT idp.invalid:443 HTTP/1.1"),
        "{}",
        run.stderr
    );
}
