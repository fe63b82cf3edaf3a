//! Journey: `--host 127.0.0.1:PORT` (a loopback host without a scheme) is not tried over TLS
//! against a plain-http local server: grantty stops before sending anything and suggests
//! `http://127.0.0.1:PORT`, which then signs in against the demo server. Plain http to a host
//! that is not loopback stays refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::home::{Home, approving_server};

/// Exit code of a refused command line.
const USAGE: i32 = 2;

#[tokio::test]
async fn a_loopback_host_without_scheme_suggests_http_and_the_suggestion_signs_in() {
    let server = approving_server().await;
    let home = Home::with_config("");
    let host = server.local_addr().to_string();
    let login = |host: String| {
        vec![
            "login".to_owned(),
            "--client-id".to_owned(),
            "loopback-client".to_owned(),
            "--store".to_owned(),
            "file".to_owned(),
            "--host".to_owned(),
            host,
        ]
    };

    let bare = login(host.clone());
    let bare: Vec<&str> = bare.iter().map(String::as_str).collect();
    let refused = home.run(&bare, &[]).await;
    refused.assert_code(USAGE);
    let suggestion = format!("--host http://{host}");
    assert!(refused.stderr.contains(&suggestion), "{}", refused.stderr);
    assert_eq!(server.stats().device_authorizations, 0, "nothing sent");

    let suggested = login(format!("http://{host}"));
    let suggested: Vec<&str> = suggested.iter().map(String::as_str).collect();
    home.run(&suggested, &[]).await.assert_code(0);
    assert_eq!(server.stats().device_authorizations, 1);
    assert_eq!(server.stats().device_code_redemptions, 1);

    let insecure = login("http://example.com".to_owned());
    let insecure: Vec<&str> = insecure.iter().map(String::as_str).collect();
    let run = home.run(&insecure, &[]).await;
    run.assert_code(USAGE);
    assert!(run.stderr.contains("must use https://"), "{}", run.stderr);
}
