//! A fleet for the etcd store's tests: a 3-member [`Cluster`], the fleet's seal key file, and
//! "machines" that each have their own home and state directory and reach the session only
//! through etcd (`GRANTTY_STORE=etcd` and the `GRANTTY_ETCD_*` variables, nothing else).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use grantty::demo::DemoServer;
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::session::Session;
use grantty::oauth::http::ReqwestTransport;
use grantty::store::SessionStore;
use grantty::store::etcd::{EtcdClient, EtcdSettings, Kv};
use tempfile::TempDir;

use super::etcd::Cluster;
use super::session::{self, Access, PROFILE, Run};

/// The cluster, the key file, and the prefix every machine uses.
pub struct Fleet {
    /// The etcd members.
    pub cluster: Cluster,
    /// Holds the seal key file (0600).
    pub keys: TempDir,
    /// The prefix of this fleet's keys.
    pub prefix: String,
}

/// One machine: its own home and state directory.
pub struct Machine {
    /// `HOME` and `XDG_STATE_HOME` of its runs.
    pub home: TempDir,
}

impl Fleet {
    /// A 3-member cluster and a fresh seal key; `None` (with a notice) without etcd.
    pub fn start() -> Option<Self> {
        let cluster = Cluster::start(3)?;
        let keys = tempfile::tempdir().unwrap();
        let fleet = Self {
            cluster,
            keys,
            prefix: "/grantty/".to_owned(),
        };
        let key: Vec<u8> = (0u8..32)
            .map(|i| i.wrapping_mul(37).wrapping_add(11))
            .collect();
        write_key(&fleet.key_file(), &key);
        Some(fleet)
    }

    /// The fleet's seal key file.
    pub fn key_file(&self) -> PathBuf {
        self.keys.path().join("seal.key")
    }

    /// The settings every machine uses.
    pub fn settings(&self) -> EtcdSettings {
        EtcdSettings {
            endpoints: Some(self.cluster.endpoints()),
            prefix: Some(self.prefix.clone()),
            seal_key_file: Some(self.key_file()),
            ..EtcdSettings::default()
        }
    }

    /// The etcd store as a machine with state directory `dir` opens it (through the library).
    pub fn store(&self, dir: &Path) -> SessionStore {
        SessionStore::open_etcd(dir.to_owned(), &self.settings().validate().unwrap()).unwrap()
    }

    /// A raw client, for looking at what etcd holds.
    pub fn client(&self) -> EtcdClient {
        EtcdClient::new(&self.settings().validate().unwrap()).unwrap()
    }

    /// Every key and value under the prefix.
    pub fn everything(&self) -> Vec<Kv> {
        let client = self.client();
        client
            .keys_with_prefix(&self.prefix)
            .unwrap()
            .iter()
            .filter_map(|key| client.get(key, false).unwrap())
            .collect()
    }

    /// A new machine.
    #[allow(clippy::unused_self)] // a machine belongs to its fleet, as its callers read
    pub fn machine(&self) -> Machine {
        Machine {
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// Signs in against `server` once, on `machine` (through the library, as `grantty login`
    /// saves), into etcd; the access token already expired when `access` says so.
    pub async fn sign_in(&self, server: &DemoServer, machine: &Machine, access: Access) -> Session {
        let transport = ReqwestTransport::new().unwrap();
        let (provider, tokens) = session::sign_in(server, &transport).await;
        let now = SystemClock.now();
        let mut session = Session::new(PROFILE, provider.to_record(), tokens, now);
        if access == Access::Expired {
            session.meta.access_expires_at =
                Some(Timestamp::from_unix_secs(now.as_unix_secs() - 60));
        }
        let store = self.store(&machine.state_dir());
        store.save(&session).unwrap();
        store.load(PROFILE).unwrap().unwrap()
    }
}

/// Writes a 0600 key file.
pub fn write_key(path: &Path, key: &[u8]) {
    std::fs::write(path, key).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

impl Machine {
    /// Its state directory.
    pub fn state_dir(&self) -> PathBuf {
        self.home.path().join("state").join("grantty")
    }

    /// `grantty <args>` on this machine with only the fleet's etcd settings; not yet started.
    pub fn command(&self, fleet: &Fleet, args: &[&str]) -> tokio::process::Command {
        let mut cmd = session::bare_command_in(&self.home.path().join("state"), args);
        cmd.env("HOME", self.home.path())
            .env("GRANTTY_STORE", "etcd")
            .env("GRANTTY_ETCD_ENDPOINTS", fleet.cluster.endpoints())
            .env("GRANTTY_ETCD_PREFIX", &fleet.prefix)
            .env("GRANTTY_ETCD_SEAL_KEY_FILE", fleet.key_file());
        cmd
    }

    /// Runs `grantty <args>` on this machine to the end.
    pub async fn run(&self, fleet: &Fleet, args: &[&str]) -> Run {
        Run::of(self.command(fleet, args), args).await
    }
}
