//! The library's flows without the binary's terminal: the event loop with paused tokio time and
//! scripted transports, grantty's client against the demo server over real HTTP, clock skew end
//! to end, and session storage against real files.

#[path = "../common"]
mod common {
    pub mod code_fixtures;
    pub mod dashboard_fixtures;
    pub mod fake;
    pub mod fixtures;
    pub mod screen;
}

mod clock_skew;
mod code_flow;
mod dashboard;
mod grant_flow;
mod sign_in;
mod store;
