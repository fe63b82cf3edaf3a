//! Profile names as users type them, with the real binary in a temporary home (see
//! `common::home`): `profiles --default` rewrites the configuration and keeps the rest of it,
//! `profiles --names` feeds completion, a name that exists nowhere stops with the closest one
//! and writes nothing, and `login` with provider flags still creates a new profile's session
//! (against the demo server on 127.0.0.1, which approves by itself).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoServer;

use common::home::{Home, approving_server};
use common::session::Run;

const CONFIG: &str = r#"# my grantty profiles
# (hand-written: keep these comments)

[profiles.ana]   # Ana's tenant
host = "eu3.app.anaplan.com"
client_id = "ana-client"

[profiles.work]
client_id = "work-client"   # from the admin
issuer = "https://idp.example.com"
"#;

/// `grantty login --profile NAME --issuer <demo> --client-id c --store file`: a profile that
/// exists nowhere yet, created by where to sign in.
async fn login_new(home: &Home, server: &DemoServer, name: &str) -> Run {
    let issuer = server.issuer();
    let args = [
        "login",
        "--profile",
        name,
        "--issuer",
        &issuer,
        "--client-id",
        "c",
        "--store",
        "file",
    ];
    home.run(&args, &[]).await
}

#[track_caller]
fn assert_has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} not in:\n{text}");
}

/// The temporary home's `state/`, which no failed command may create.
fn assert_nothing_written(home: &Home) {
    let state = home.dir.path().join("state");
    assert!(!state.exists(), "{} was created", state.display());
}

#[tokio::test]
async fn profiles_default_sets_default_profile_and_keeps_every_other_line() {
    let home = Home::with_config(CONFIG);
    let run = home.run(&["profiles", "--default", "work"], &[]).await;
    run.assert_code(0);
    assert_has(&run.stderr, "\"work\" is now the default profile");
    let text = std::fs::read_to_string(home.config_file()).unwrap();
    let expected = CONFIG.replacen(
        "\n[profiles.ana]",
        "\ndefault_profile = \"work\"\n\n[profiles.ana]",
        1,
    );
    assert_eq!(text, expected);

    // A second switch replaces the value where it is, and the listing marks it.
    home.run(&["profiles", "--default", "ana"], &[])
        .await
        .assert_code(0);
    let text = std::fs::read_to_string(home.config_file()).unwrap();
    assert_eq!(
        text,
        expected.replace("default_profile = \"work\"", "default_profile = \"ana\"")
    );
    let list = home.run(&["profiles"], &[]).await;
    assert!(
        list.assert_code(0).stdout.contains("\n* ana "),
        "{}",
        list.stdout
    );

    // A name that exists nowhere changes nothing.
    let typo = home.run(&["profiles", "--default", "wrk"], &[]).await;
    typo.assert_code(2);
    assert_has(&typo.stderr, "(did you mean \"work\"?)");
    assert_eq!(std::fs::read_to_string(home.config_file()).unwrap(), text);
}

#[tokio::test]
async fn profiles_default_creates_the_file_for_a_stored_session() {
    let server = approving_server().await;
    let home = Home::with_config("");
    std::fs::remove_file(home.config_file()).unwrap();
    login_new(&home, &server, "lab").await.assert_code(0);
    home.run(&["profiles", "--default", "lab"], &[])
        .await
        .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(home.config_file()).unwrap(),
        "default_profile = \"lab\"\n"
    );
    // Without --profile, commands now use it.
    let status = home.run(&["status", "--json"], &[]).await;
    let json: serde_json::Value = serde_json::from_str(&status.assert_code(0).stdout).unwrap();
    assert_eq!(
        (json["profile"].as_str(), json["signed_in"].as_bool()),
        (Some("lab"), Some(true))
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_unknown_profile_names_the_closest_one_and_writes_nothing() {
    let home = Home::with_config(CONFIG);
    // No session under that name: exit 7, as after a logout; login cannot create it: exit 2.
    for (args, code) in [
        (&["token", "--profile", "ann"][..], 7),
        (&["status", "--profile", "ann"], 7),
        (&["logout", "--profile", "ann"], 7),
        (&["kubectl-credential", "--profile", "ann"], 7),
        (&["login", "--profile", "ann"], 2),
    ] {
        let run = home.run(args, &[]).await;
        run.assert_code(code);
        assert!(
            run.stderr
                .contains("no profile \"ann\" (did you mean \"ana\"?)"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("'grantty login --profile ann --host HOST'"),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    // `status --json` still prints its object.
    let json = home
        .run(&["status", "--json", "--profile", "ann"], &[])
        .await;
    json.assert_code(7);
    let object: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        object,
        serde_json::json!({ "profile": "ann", "signed_in": false })
    );
    // The same name from the environment.
    let env = home.run(&["token"], &[("GRANTTY_PROFILE", "wrok")]).await;
    env.assert_code(7);
    assert_has(&env.stderr, "(did you mean \"work\"?)");
    assert_nothing_written(&home);
}

#[tokio::test]
async fn a_default_profile_naming_nothing_is_reported_where_it_is_written() {
    let home = Home::with_config(&format!("default_profile = \"wrk\"\n{CONFIG}"));
    let run = home.run(&["token"], &[]).await;
    run.assert_code(2);
    assert_has(
        &run.stderr,
        &format!(
            "default_profile = \"wrk\" in {} names no profile and no stored session (did you mean \"work\"?)",
            home.config_file().display()
        ),
    );
    assert_has(&run.stderr, "'grantty profiles --default NAME'");
    assert_nothing_written(&home);
}

#[tokio::test]
async fn login_with_provider_flags_creates_a_new_profile_and_names_lists_it() {
    let server = approving_server().await;
    let home = Home::with_config(CONFIG);
    let run = login_new(&home, &server, "fresh").await;
    run.assert_code(0);
    assert!(
        home.meta("fresh").is_some(),
        "no session stored: {}",
        run.stderr
    );
    let token = home
        .run(&["token", "--profile", "fresh", "--store", "file"], &[])
        .await;
    token.assert_code(0);
    let names = home.run(&["profiles", "--names"], &[]).await;
    assert_eq!(names.assert_code(0).stdout, "ana\nfresh\nwork\n");
    assert!(names.stderr.is_empty(), "{}", names.stderr);
    server.shutdown().await;
}

#[tokio::test]
async fn profiles_names_lists_configured_profiles_and_creates_nothing() {
    let home = Home::with_config(CONFIG);
    let names = home.run(&["profiles", "--names"], &[]).await;
    assert_eq!(names.assert_code(0).stdout, "ana\nwork\n");
    assert_nothing_written(&home);
}

#[tokio::test]
async fn status_json_without_a_session_is_an_object_and_exit_7() {
    let home = Home::with_config(CONFIG);
    let run = home
        .run(
            &["status", "--json", "--profile", "work", "--store", "file"],
            &[],
        )
        .await;
    run.assert_code(7);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "profile": "work", "signed_in": false })
    );
    assert_has(&run.stderr, "\"work\" is not signed in");
}

#[tokio::test]
async fn comma_separated_scopes_stop_with_the_place_and_the_fix() {
    let home = Home::with_config(
        "[profiles.w]\nissuer = \"https://idp.example.com\"\nscopes = \"openid,offline_access\"\n",
    );
    let run = home.run(&["profiles"], &[]).await;
    run.assert_code(2);
    assert_has(
        &run.stderr,
        &format!(
            "{}:3:10: scopes = \"openid,offline_access\" is not valid: scopes are separated by spaces, not commas; write \"openid offline_access\" or [\"openid\", \"offline_access\"]",
            home.config_file().display()
        ),
    );
}
