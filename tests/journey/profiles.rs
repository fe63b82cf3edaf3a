//! Profiles from `config.toml`, as users run them: the real binary with `XDG_CONFIG_HOME` and
//! `XDG_STATE_HOME` in a temporary directory and nothing else from the environment, stdin
//! null (so plain mode), against the built-in demo server on 127.0.0.1, which approves each
//! sign-in by itself. Nothing sleeps; each sign-in takes one poll interval.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::Path;

use common::home::{Home, approving_server};

fn line_of<'a>(stdout: &'a str, profile: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| {
            l.get(2..)
                .is_some_and(|rest| rest.starts_with(&format!("{profile} ")))
        })
        .unwrap_or_else(|| panic!("no line for {profile:?} in:\n{stdout}"))
}

#[tokio::test]
async fn login_with_only_a_profile_signs_in_and_profiles_shows_the_session() {
    let server = approving_server().await;
    let home = Home::with_config(&format!(
        r#"
[profiles.demo]
issuer = "{}"
client_id = "profile-client"
scopes = ["openid", "offline_access"]
store = "file"
refresh_token_lifespan = 7200
export_format = "header"

[profiles.work]
host = "eu3.app.anaplan.com"
client_id = "work-client"
"#,
        server.issuer()
    ));

    let login = home.run(&["login", "--profile", "demo"], &[]).await;
    login.assert_code(0);
    assert!(
        login
            .stderr
            .contains("Signed in as demo.user@example.com (unverified)"),
        "{}",
        login.stderr
    );
    let status = home.run(&["status", "--profile", "demo"], &[]).await;
    status.assert_code(0);
    assert!(
        status
            .stdout
            .contains("demo.user@example.com (unverified) at 127.0.0.1:"),
        "{}",
        status.stdout
    );
    // The profile's `store = "file"` was used without being asked for.
    assert!(home.state().join("demo.secrets.json").is_file());
    let meta = home.meta("demo").expect("a stored session");
    assert_eq!(meta.provider.client_id, "profile-client");
    assert_eq!(meta.provider.scope, "openid offline_access");
    assert_eq!(meta.provider.refresh_token_lifespan_secs, Some(7200));

    let list = home.run(&["profiles"], &[]).await;
    list.assert_code(0).assert_no_token_on_stdout();
    let demo = line_of(&list.stdout, "demo");
    for part in [
        "generic 127.0.0.1:",
        "profile-client",
        "device",
        "file",
        "signed in as demo.user@example.com; access token valid for ",
    ] {
        assert!(demo.contains(part), "{part:?} not in {demo:?}");
    }
    let work = line_of(&list.stdout, "work");
    for part in [
        "anaplan eu3.app.anaplan.com",
        "work-client",
        "auto",
        "not signed in",
    ] {
        assert!(work.contains(part), "{part:?} not in {work:?}");
    }

    let json = home.run(&["profiles", "--json"], &[]).await;
    let rows: serde_json::Value = serde_json::from_str(&json.assert_code(0).stdout).unwrap();
    assert_eq!(rows[0]["name"], "demo");
    assert_eq!(rows[0]["session"]["state"], "signed_in");
    assert_eq!(rows[1]["session"]["state"], "not_signed_in");

    // `export` takes the profile's format when --format is absent.
    let export = home.run(&["export", "--profile", "demo"], &[]).await;
    assert!(
        export
            .assert_code(0)
            .stdout
            .starts_with("Authorization: Bearer "),
        "{}",
        export.stdout
    );
    server.shutdown().await;
}

#[tokio::test]
async fn flags_and_environment_beat_the_profile_and_default_profile_picks_it() {
    let server = approving_server().await;
    let home = Home::with_config(&format!(
        r#"
default_profile = "demo"

[profiles.demo]
issuer = "{}"
client_id = "profile-client"
scopes = "openid offline_access"
store = "memory"
"#,
        server.issuer()
    ));
    let env = [("GRANTTY_CLIENT_ID", "env-client")];
    let login = home
        .run(&["login", "--store", "file", "--scope", "openid"], &env)
        .await;
    login.assert_code(0);
    // No --profile: default_profile chose `demo`; --store file beat the profile's memory store.
    let meta = home.meta("demo").expect("stored under the default profile");
    assert_eq!(meta.provider.client_id, "env-client");
    assert_eq!(meta.provider.scope, "openid");
    server.shutdown().await;
}

#[tokio::test]
async fn a_bad_configuration_stops_every_command_with_its_line_and_choices() {
    let home = Home::with_config(
        "[profiles.work]\nclient_id = \"c\"\nflow = \"browser\"\nclientid = \"d\"\n",
    );
    let file = home.config_file();
    for args in [
        &["profiles"][..],
        &["login", "--profile", "work"],
        &["status"],
    ] {
        let run = home.run(args, &[]).await;
        run.assert_code(2);
        let want = format!(
            "{}:3:8: flow = \"browser\" is not valid; choose device or code",
            file.display()
        );
        assert!(run.stderr.contains(&want), "{}", run.stderr);
        let want = format!(
            "{}:4:1: unknown key \"clientid\" in profile \"work\" (did you mean client_id?); valid keys: provider, host,",
            file.display()
        );
        assert!(run.stderr.contains(&want), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_missing_explicit_config_is_an_error_and_a_missing_default_is_not() {
    let home = Home::with_config("");
    let missing = Path::new("/nonexistent/grantty.toml").to_str().unwrap();
    let run = home.run(&["profiles", "--config", missing], &[]).await;
    run.assert_code(2);
    assert!(run.stderr.contains(missing), "{}", run.stderr);
    std::fs::remove_file(home.config_file()).unwrap();
    let run = home.run(&["profiles"], &[]).await;
    run.assert_code(0);
    assert!(
        run.stdout.is_empty() && run.stderr.contains("no profiles"),
        "{}",
        run.stderr
    );
}
