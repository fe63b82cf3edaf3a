//! Shared test fixtures.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unnecessary_wraps
)]

pub mod authorize;
pub mod canned;
pub mod code_fixtures;
pub mod dashboard_fixtures;
pub mod fake;
pub mod fixtures;
pub mod home;
pub mod interop;
pub mod journey;
pub mod lifecycle_fixtures;
pub mod screen;
pub mod secret;
pub mod session;
pub mod tmux;
