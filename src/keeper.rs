//! The former home of session upkeep, kept as a re-export so older call sites (and branches
//! written against it) still compile: everything lives in [`crate::session_service`].

pub use crate::session_service::*;

/// The session service under its old name.
pub type Keeper<T> = SessionService<T>;
