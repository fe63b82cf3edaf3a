//! `grantty profiles`: the configured profiles and the state of their sessions.

use crate::cli::SessionArgs;
use crate::error::Error;

/// Lists profiles.
pub fn list(session: &SessionArgs) -> Result<(), Error> {
    let _ = session;
    Err(Error::Usage("profiles are not available yet".into()))
}
