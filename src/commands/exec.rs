//! `grantty exec [--min-valid SECS] -- CMD [ARGS]`: a command run with a valid access token in
//! its environment, as `aws-vault exec` and `op run` do.
//!
//! The token is had exactly as `grantty token` has it (the cached path without a lock, else the
//! session service under the profile lock, with the same `--min-valid` and the same exit codes
//! when no valid token can be had: the command is then not run). Then grantty replaces itself
//! with the command (`execve(2)` through [`CommandExt::exec`], no `unsafe`):
//! - the token is only in the new program's environment (`GRANTTY_ACCESS_TOKEN`, and
//!   `GRANTTY_AUTHORIZATION` with the provider's scheme), never in an argument, and never in
//!   grantty's own environment (std hands the child's environment to `execve` directly);
//! - the process, its stdin, stdout, stderr, controlling terminal and signals are the command's,
//!   so its exit status (or the signal that ended it) is the caller's by construction;
//! - nothing of grantty's stays open: the profile lock was released when the session service
//!   returned, and every file and socket grantty opens is close-on-exec (std and tokio open them
//!   so); `execve` also resets grantty's signal handlers, and std clears the signal mask and
//!   `SIGPIPE`'s disposition.
//!
//! A command that cannot be started exits as a shell would: 127 not found, 126 not runnable.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;

use crate::cli::{ExecArgs, SessionArgs};
use crate::domain::session::Session;
use crate::error::Error;
use crate::export;

use super::scripts::fresh;

/// The variable holding the bare access token.
pub const ACCESS_TOKEN_VAR: &str = "GRANTTY_ACCESS_TOKEN";
/// The variable holding the whole `Authorization` header value (`Bearer …`, `AnaplanAuthToken …`).
pub const AUTHORIZATION_VAR: &str = "GRANTTY_AUTHORIZATION";

/// `grantty exec` when the cached path could not answer: refresh as `token` does, then run the
/// command in this process. Returns only when no token could be had or the command not started.
pub async fn exec(session: &SessionArgs, args: &ExecArgs) -> Result<(), Error> {
    // The store, the HTTP client and their connections end inside `fresh`, before the command
    // runs.
    let (served, _, _) = fresh(session, args.min_valid).await?;
    // Refreshed tokens no store took: the access token is still good, so the command runs, and
    // the reason (where the tokens are, if anywhere) is said first instead of an exit code.
    if let Err(unsaved) = served.then {
        crate::say!("grantty: {unsaved}");
    }
    Err(replace_process(&served.session, &args.command))
}

/// Replaces this process with `command`, the session's access token in its environment as the
/// module says. Returns only the reason it could not.
pub fn replace_process(session: &Session, command: &[OsString]) -> Error {
    let Some((program, arguments)) = command.split_first() else {
        return Error::Usage("say which command to run: grantty exec -- CMD [ARGS]".to_owned());
    };
    let token = &session.secrets.access_token;
    let error = std::process::Command::new(program)
        .args(arguments)
        .env(ACCESS_TOKEN_VAR, token.expose())
        .env(
            AUTHORIZATION_VAR,
            export::scheme(session).header_value(token),
        )
        .exec();
    Error::Exec {
        program: program.to_string_lossy().into_owned(),
        source: error,
    }
}
