//! The `grantty` binary: parse the command line, run it on a single-threaded tokio runtime, print
//! the error chain after the terminal is restored, exit with a documented code.

use std::process::ExitCode;

use clap::Parser as _;
use grantty::cli::Cli;
use grantty::error::exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("grantty: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(grantty::commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let text = err.to_string();
            if !text.is_empty() {
                eprintln!("grantty: {text}");
                let mut source = std::error::Error::source(&err);
                while let Some(cause) = source {
                    eprintln!("  caused by: {cause}");
                    source = cause.source();
                }
            }
            ExitCode::from(&err)
        }
    }
}
