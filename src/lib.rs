//! grantty: sign in with the OAuth 2.0 Device Authorization Grant (RFC 8628) from a terminal.
//!
//! Crate map:
//! - [`domain`]: pure core — time, secrets, sanitising, the polling state machine, tokens.
//! - [`oauth`]: provider profiles, discovery, sans-IO wire format, the HTTP adapter.
//! - [`session_service`]: the one home of a session's lifecycle: refresh, save, end, revoke.
//! - [`words`]: user-facing sentences about sessions, shared by every frontend.
//! - [`store`]: sessions on disk and in keyrings: 0600 atomic files, locks, backend choice.
//! - [`app`]: the Elm-style model: `App`, `Msg`, `Effect`, `update`.
//! - [`ui`]: pure rendering of the app with ratatui.
//! - [`local_time`]: the user's time zone, loaded once; times of day as people read them.
//! - [`runtime`]: the event loop that wires real IO to `update` and a frontend.
//! - [`tui`]: the full-screen frontend; terminal set-up and restore on every exit path.
//! - [`plain`]: the line-based frontend for pipes and wrappers.
//! - [`no_core_dumps`]: no core dumps and no ptrace by the same user, set first in `main`.
//! - [`ndjson`]: NDJSON events for `login --json`, for IDEs, kubectl plugins and agents.
//! - [`demo`]: the built-in loopback authorization server.
//! - [`browser`]: whether a local graphical browser may be opened (`login --flow code`).
//! - [`config`]: named profiles from `config.toml`, with line-numbered errors.
//! - [`cli`], [`commands`], [`error`]: the command line, its handlers, exit codes.
//! - [`console`]: messages on stderr that a vanished terminal cannot turn into a panic.

pub mod app;
pub mod browser;
pub mod charset;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod local_time;
pub mod ndjson;
pub mod no_core_dumps;
pub mod oauth;
pub mod plain;
pub mod runtime;
pub mod session_service;
pub mod store;
pub mod tui;
pub mod ui;
pub mod words;
