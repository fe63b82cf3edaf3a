//! Shell completions and the man page, generated from the clap definitions.

use crate::error::Error;

/// `grantty completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Error> {
    let _ = shell;
    Err(Error::Usage("completions are not available yet".into()))
}

/// `grantty man`.
pub fn man() -> Result<(), Error> {
    Err(Error::Usage("man is not available yet".into()))
}
