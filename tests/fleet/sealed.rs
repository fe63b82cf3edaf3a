#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Sealed at rest: nothing in etcd reads as a token; a wrong or missing seal key is a clear
//! refusal that names the key file and overwrites nothing; a save based on a stale read loses.

use grantty::store::StoreError;

use crate::common::fleet::{Fleet, write_key};
use crate::common::session::{Access, PROFILE, demo_server};

#[tokio::test]
async fn no_token_is_readable_in_etcd_after_sign_in_and_refresh() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(grantty::demo::DemoConfig::default()).await;
    let a = fleet.machine();
    let session = fleet.sign_in(&server, &a, Access::Expired).await;
    let run = a.run(&fleet, &["token"]).await;
    run.assert_code(0);
    let secrets = [
        session.secrets.access_token.expose().to_owned(),
        session
            .secrets
            .refresh_token
            .as_ref()
            .unwrap()
            .expose()
            .to_owned(),
        run.stdout.trim().to_owned(),
    ];
    let everything = fleet.everything();
    assert!(everything.iter().any(|kv| kv.key.ends_with("/secrets")));
    for kv in &everything {
        let text = String::from_utf8_lossy(&kv.value);
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{} holds a token", kv.key);
        }
        assert!(
            !text.contains("demo-at-") && !text.contains("demo-rt-"),
            "{}: {text}",
            kv.key
        );
    }
}

#[tokio::test]
async fn a_wrong_seal_key_is_refused_by_name_and_overwrites_nothing() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(grantty::demo::DemoConfig::default()).await;
    let a = fleet.machine();
    fleet.sign_in(&server, &a, Access::Expired).await;
    let key = format!("{}sessions/{PROFILE}/secrets", fleet.prefix);
    let before = fleet.client().get(&key, false).unwrap().unwrap();

    let wrong = fleet.keys.path().join("wrong.key");
    write_key(&wrong, &[9; 32]);
    let mut cmd = a.command(&fleet, &["token"]);
    cmd.env("GRANTTY_ETCD_SEAL_KEY_FILE", &wrong);
    let run = crate::common::session::Run::of(cmd, &["token"]).await;
    run.assert_code(8);
    assert!(
        run.stderr.contains(&wrong.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("nothing was overwritten"),
        "{}",
        run.stderr
    );
    assert_eq!(fleet.client().get(&key, false).unwrap().unwrap(), before);
    assert_eq!(server.stats().refreshes, 0, "nothing was sent");
}

#[tokio::test]
async fn without_a_usable_seal_key_the_etcd_store_refuses_with_the_next_step() {
    let Some(fleet) = Fleet::start() else { return };
    let a = fleet.machine();
    let missing = fleet.keys.path().join("missing.key");
    let mut cmd = a.command(&fleet, &["token"]);
    cmd.env("GRANTTY_ETCD_SEAL_KEY_FILE", &missing);
    let run = crate::common::session::Run::of(cmd, &["token"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    let mut cmd = a.command(&fleet, &["token"]);
    cmd.env_remove("GRANTTY_ETCD_SEAL_KEY_FILE");
    let run = crate::common::session::Run::of(cmd, &["token"]).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains("GRANTTY_ETCD_SEAL_KEY_FILE"),
        "{}",
        run.stderr
    );
    let open = fleet.keys.path().join("open.key");
    write_key(&open, &[1; 32]);
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let mut cmd = a.command(&fleet, &["token"]);
    cmd.env("GRANTTY_ETCD_SEAL_KEY_FILE", &open);
    let run = crate::common::session::Run::of(cmd, &["token"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
}

#[tokio::test]
async fn a_save_based_on_a_stale_read_is_superseded_and_the_newer_tokens_stand() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(grantty::demo::DemoConfig::default()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    let session = fleet.sign_in(&server, &a, Access::Fresh).await;
    let store_a = fleet.store(&a.state_dir());
    let store_b = fleet.store(&b.state_dir());
    let mut on_a = store_a.load(PROFILE).unwrap().unwrap();
    let mut on_b = store_b.load(PROFILE).unwrap().unwrap();
    on_b.secrets.access_token = grantty::domain::secret::AccessToken::new("newer-from-b");
    store_b.save(&on_b).unwrap();
    on_a.secrets.access_token = grantty::domain::secret::AccessToken::new("stale-from-a");
    let err = store_a.save(&on_a).unwrap_err();
    assert!(matches!(err, StoreError::Superseded { .. }), "{err:?}");
    let now = store_a.load(PROFILE).unwrap().unwrap();
    assert_eq!(now.secrets.access_token.expose(), "newer-from-b");
    assert_ne!(
        now.secrets.access_token.expose(),
        session.secrets.access_token.expose()
    );
}
