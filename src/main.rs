//! The `grantty` binary: parse the command line, answer a cached `token` at once, else run the
//! command on a single-threaded tokio runtime; print the error chain after the terminal is
//! restored, exit with a documented code.

use std::process::ExitCode;

use clap::Parser as _;
use grantty::cli::Cli;
use grantty::error::exit;

fn main() -> ExitCode {
    // Before anything can read a token or a client secret: none may end up in a core dump.
    if let Err(e) = grantty::no_core_dumps::forbid() {
        grantty::say!("grantty: warning: core dumps stay possible: {e}");
    }
    let cli = Cli::parse();
    // Every time written for a person is local, error sentences included (`TZ`, else
    // /etc/localtime).
    grantty::local_time::set_process_zone(grantty::local_time::LocalTime::load());
    // A valid cached token needs no runtime, no HTTP client and no lock: answer before any exists.
    if let Some(result) = grantty::commands::cached(&cli) {
        return finish(result);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            grantty::say!("grantty: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    finish(runtime.block_on(grantty::commands::run(cli)))
}

/// Prints the error and its causes, and picks the exit code from its type.
fn finish(result: Result<(), grantty::error::Error>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let text = err.to_string();
            if !text.is_empty() {
                grantty::say!("grantty: {text}");
                let mut source = std::error::Error::source(&err);
                while let Some(cause) = source {
                    grantty::say!("  caused by: {cause}");
                    source = cause.source();
                }
            }
            ExitCode::from(&err)
        }
    }
}
