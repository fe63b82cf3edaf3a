//! Stored values are checked on load as on the wire, the real binary against the demo server on
//! 127.0.0.1: an access token planted with an OSC 52 clipboard write into the secrets file of a
//! stored session (`--store file`) is refused as damaged data naming the file and saying to sign
//! in again, and is never printed by `token`; `status` shows none of the escapes planted in the
//! stored token or metadata.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use serde_json::Value;

use common::home::{Home, approving_server};

const STORE: i32 = 8;
const OSC52: &str = "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}";

/// Rewrites the JSON document at `path` with `edit`.
fn edit_json(path: &std::path::Path, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut doc);
    std::fs::write(path, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[tokio::test]
async fn a_planted_token_is_refused_on_load_and_never_printed() {
    let server = approving_server().await;
    let home = Home::with_config("");
    let issuer = server.issuer();
    home.run(
        &[
            "login",
            "--issuer",
            &issuer,
            "--client-id",
            "grantty-demo",
            "--store",
            "file",
        ],
        &[],
    )
    .await
    .assert_code(0);
    let secrets = home.state().join("default.secrets.json");
    let meta = home.state().join("default.meta.json");
    assert!(
        secrets.exists() && meta.exists(),
        "{:?}",
        std::fs::read_dir(home.state()).unwrap().collect::<Vec<_>>()
    );
    edit_json(&secrets, |doc| {
        let token = doc["access_token"].as_str().unwrap().to_owned();
        doc["access_token"] = Value::String(format!("{token}{OSC52}"));
    });
    edit_json(&meta, |doc| {
        let planted = format!("demo{OSC52}\u{9b}31m");
        let provider = &mut doc["provider"];
        provider["client_id"] = Value::String(planted.clone());
        provider["host"] = Value::String(format!("127.0.0.1{OSC52}"));
    });
    let requests_before = server.client_requests().len();

    let token = home.run(&["token"], &[]).await;
    token.assert_code(STORE);
    assert!(token.stdout.is_empty(), "{:?}", token.stdout);
    assert!(
        !token.stderr.contains('\u{1b}') && !token.stderr.contains('\u{7}'),
        "{:?}",
        token.stderr
    );
    for words in [
        secrets.display().to_string(),
        "access_token holds U+001B".to_owned(),
        "sign in again".to_owned(),
    ] {
        assert!(token.stderr.contains(&words), "{words}: {}", token.stderr);
    }
    assert_eq!(
        server.client_requests().len(),
        requests_before,
        "nothing was sent"
    );

    let status = home.run(&["status"], &[]).await;
    // Shown, with the escapes planted in the metadata taken out.
    assert!(
        status.stdout.contains("at 127.0.0.1 (client demo"),
        "{}",
        status.stdout
    );
    for text in [&status.stdout, &status.stderr] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{9b}'),
            "{text:?}"
        );
    }
    let json = home.run(&["status", "--json"], &[]).await;
    assert!(
        !json.stdout.contains("\\u001b") && !json.stdout.contains('\u{1b}'),
        "{}",
        json.stdout
    );
}
