//! The fleet: `--store etcd` against a real 3-member etcd cluster on loopback ports, with
//! "machines" that each have their own home and reach the session only through etcd. Each
//! test is skipped with a notice where `etcd` is not installed (CI installs `etcd-server`).

// Fixtures fail a test as the tests do: by unwrapping or panicking. The shared session fixture
// has helpers only the journey harness uses.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]
#[path = "../common"]
mod common {
    pub mod etcd;
    pub mod fleet;
    pub mod session;
}

mod client;
mod configured;
mod faults;
mod keepers;
mod measure;
mod pending;
mod sealed;
mod shared;
