//! A real etcd cluster on loopback ports for the fleet tests: `n` members, each with its own
//! temporary data directory and free client and peer ports, started with `--initial-cluster`
//! and waited for until every member answers `GET /health` with `"health":"true"`. Members can
//! be killed (SIGKILL) and restarted; all are killed when the cluster drops.
//!
//! Where `etcd` is not on PATH, [`Cluster::start`] prints a notice and returns `None`, and the
//! test returns early (CI installs `etcd-server`).

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a member may take to become healthy.
const HEALTHY_WITHIN: Duration = Duration::from_secs(30);

/// One member's settings.
struct Member {
    name: String,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
}

/// A running cluster.
pub struct Cluster {
    dir: TempDir,
    members: Vec<Member>,
    peers: String,
}

/// Whether the `etcd` binary is on PATH.
pub fn available() -> bool {
    Command::new("etcd")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Ports nobody listens on right now (held together so they differ).
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap())
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

impl Cluster {
    /// Starts `n` members and waits until all are healthy; `None` (with a notice) without etcd.
    pub fn start(n: usize) -> Option<Self> {
        if !available() {
            eprintln!(
                "NOTICE: `etcd` is not on PATH; skipping this fleet test (install etcd-server)"
            );
            return None;
        }
        let ports = free_ports(2 * n);
        let members: Vec<Member> = (0..n)
            .map(|i| Member {
                name: format!("m{i}"),
                client_port: ports[2 * i],
                peer_port: ports[2 * i + 1],
                child: None,
            })
            .collect();
        let initial_cluster = members
            .iter()
            .map(|m| format!("{}=http://127.0.0.1:{}", m.name, m.peer_port))
            .collect::<Vec<_>>()
            .join(",");
        let mut cluster = Self {
            dir: tempfile::tempdir().unwrap(),
            members,
            peers: initial_cluster,
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for i in 0..n {
            cluster.wait_healthy(i);
        }
        Some(cluster)
    }

    fn data_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(&self.members[i].name)
    }

    fn spawn(&mut self, i: usize) {
        let data_dir = self.data_dir(i);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(
                self.dir
                    .path()
                    .join(format!("{}.log", self.members[i].name)),
            )
            .unwrap();
        let m = &self.members[i];
        let client = format!("http://127.0.0.1:{}", m.client_port);
        let peer = format!("http://127.0.0.1:{}", m.peer_port);
        let child = Command::new("etcd")
            .args(["--name", &m.name])
            .arg("--data-dir")
            .arg(&data_dir)
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .args(["--initial-cluster", &self.peers])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", "grantty-test"])
            // Fast elections: a killed leader is replaced in about a second.
            .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.members[i].child = Some(child);
    }

    /// The client URLs, comma-separated (for `GRANTTY_ETCD_ENDPOINTS`).
    pub fn endpoints(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("http://127.0.0.1:{}", m.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The client URL of member `i`.
    pub fn endpoint(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.members[i].client_port)
    }

    /// Kills member `i` with SIGKILL and reaps it.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.members[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Restarts member `i` on its data directory and waits until it is healthy.
    pub fn restart(&mut self, i: usize) {
        self.restart_all(&[i]);
    }

    /// Restarts the members `which` together (a cluster that lost its quorum needs several
    /// back before any is healthy) and waits until each is healthy.
    pub fn restart_all(&mut self, which: &[usize]) {
        for &i in which {
            self.kill(i);
            self.spawn(i);
        }
        for &i in which {
            self.wait_healthy(i);
        }
    }

    /// Waits until member `i` reports itself healthy (it has a leader and can commit).
    pub fn wait_healthy(&self, i: usize) {
        let deadline = Instant::now() + HEALTHY_WITHIN;
        while !self.healthy(i) {
            assert!(
                Instant::now() < deadline,
                "etcd member {} did not become healthy within {HEALTHY_WITHIN:?}; log: {}",
                self.members[i].name,
                std::fs::read_to_string(
                    self.dir
                        .path()
                        .join(format!("{}.log", self.members[i].name))
                )
                .unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether member `i` answers `/health` with `"health":"true"`.
    pub fn healthy(&self, i: usize) -> bool {
        let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.members[i].client_port))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(3)));
        if stream
            .write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.contains("\"health\":\"true\"")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}
