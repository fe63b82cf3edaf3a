//! The pure core: time, secrets, server-text sanitising and the RFC 8628 polling state machine.
//!
//! Nothing in here performs IO or reads the clock; every function that needs the time takes a
//! [`clock::Timestamp`]. That keeps the protocol rules testable with plain `#[test]`s.

pub mod clock;
pub mod grant;
pub mod secret;
pub mod session;
pub mod text;
pub mod token;
pub mod token_chars;
pub mod upkeep;
