//! Journeys: the real `grantty` binary as people, scripts and wrappers run it, against the
//! built-in demo server (or a canned one) on 127.0.0.1, in a temporary home; the `tui_*` ones in
//! a private tmux server. Each asserts what the server saw as well as what the user saw.

// Fixtures fail a test as the tests do: by unwrapping or panicking.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../common"]
mod common {
    pub mod authorize;
    pub mod canned;
    pub mod home;
    pub mod isolated;
    pub mod journey;
    pub mod secret;
    pub mod session;
    pub mod tmux;
}

mod cli;
mod code_flow;
mod code_flow_hijack;
mod config_owner;
mod core_dumps;
mod default_store;
mod discovery;
mod docs;
mod ended;
mod exec;
mod export_fresh;
mod export_safety;
mod hangup;
mod honest_logout;
mod hostile_answers;
mod integrations;
mod keep;
mod keep_floor;
mod keep_notify;
mod lifespan;
mod local_time;
mod lock_wait;
mod login_json;
mod logout;
mod loopback_host;
mod malformed_refresh;
mod man_pager;
mod min_valid;
mod one_door;
mod profile_names;
mod profiles;
mod proxy;
mod readme;
mod refusal;
mod secret_code;
mod secret_device;
mod secret_scope;
mod signals;
mod store;
mod store_found;
mod store_owner;
mod stored_values;
mod terminals;
mod token_lifecycle;
mod tui_code_flow;
mod tui_lifecycle;
mod tui_login;
mod verify;
mod verify_origin;
