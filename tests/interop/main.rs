//! Interoperability: grantty against a real third-party authorization server, panva
//! `oidc-provider` (pinned in `oidc-provider/package.json` here, run by its `server.mjs`),
//! started on a free loopback port and approved through its own pages. The pinned npm packages
//! install themselves on first use; without node or npm these tests skip, except in CI
//! (`CI=true`), where they fail.

// Fixtures fail a test as the tests do: by unwrapping or panicking.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../common"]
mod common {
    pub mod interop;
    pub mod isolated;
}

mod code;
mod device;
mod harness;
mod secret;
mod tokens;
