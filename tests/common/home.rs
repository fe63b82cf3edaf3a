//! A home for one test of the real binary: `XDG_CONFIG_HOME` and `XDG_STATE_HOME` in a
//! temporary directory, nothing else from the environment, stdin null (so plain mode).

use std::path::PathBuf;
use std::process::Stdio;

use grantty::demo::{AutoDecision, Decision, DemoConfig, DemoServer};
use grantty::domain::session::SessionMeta;
use grantty::store::{SessionStore, StoreChoice};
use tempfile::TempDir;

use super::session::{Run, demo_server};

/// A demo server that approves every code at once; polls come every second.
pub async fn approving_server() -> DemoServer {
    demo_server(DemoConfig {
        interval_secs: 1,
        auto_decision: Some(AutoDecision {
            after_secs: 0,
            decision: Decision::Approve,
        }),
        ..DemoConfig::default()
    })
    .await
}

/// A home for one test: the configuration and the state directory.
pub struct Home {
    /// The temporary directory holding `config/` and `state/`.
    pub dir: TempDir,
}

impl Home {
    /// Writes `config` to `$XDG_CONFIG_HOME/grantty/config.toml`.
    pub fn with_config(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config_dir = dir.path().join("config").join("grantty");
        std::fs::create_dir_all(&config_dir).unwrap();
        std::fs::write(config_dir.join("config.toml"), config).unwrap();
        Self { dir }
    }

    /// `$XDG_CONFIG_HOME/grantty/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config/grantty/config.toml")
    }

    /// `$XDG_STATE_HOME/grantty`.
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state").join("grantty")
    }

    /// Runs `grantty <args>` with only the XDG variables and `env` set.
    pub async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"))
            .args(args)
            .env_clear()
            // A UTF-8 locale, as a desktop session has; `env` may override it.
            .env("LANG", "C.UTF-8")
            // Times are written in the local zone: the same one on every machine.
            .env("TZ", "UTC")
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .unwrap();
        Run::from_output(args, output)
    }

    /// The stored metadata of `profile`, read as `grantty status` does.
    pub fn meta(&self, profile: &str) -> Option<SessionMeta> {
        let store = SessionStore::open(self.state(), StoreChoice::File, true).unwrap();
        store.load_meta(profile).unwrap()
    }
}
