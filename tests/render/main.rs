//! What the user sees, drawn from literal states at literal times: insta snapshots of every
//! screen (in the top-level `snapshots/`), the rules a snapshot cannot show (colours, secrets
//! kept off screen, layout at every size), and the NDJSON frontend's lines.

// Fixtures fail a test as the tests do: by unwrapping or panicking.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../common"]
mod common {
    pub mod code_fixtures;
    pub mod dashboard_fixtures;
    pub mod example;
    pub mod fixtures;
    pub mod lifecycle_fixtures;
    pub mod screen;
}

mod code_flow;
mod dashboard;
mod dashboard_keys;
mod deadlines;
mod fit;
mod lifecycle;
mod ndjson;
mod no_color;
mod sign_in;
mod terminals;
