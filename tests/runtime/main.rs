//! The library's flows without the binary's terminal: the event loop with paused tokio time and
//! scripted transports, grantty's client against the demo server over real HTTP, clock skew end
//! to end, and session storage against real files.

// Fixtures fail a test as the tests do: by unwrapping or panicking.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../common"]
mod common {
    pub mod example;
    pub mod fake;
}

mod clock_skew;
mod code_flow;
mod dashboard;
mod grant_flow;
mod sign_in;
mod store;
