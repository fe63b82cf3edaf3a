//! Shell completions and the man page, generated from the clap definitions in [`crate::cli`], so
//! they never drift from the real flags.
//!
//! Both are rendered into memory first: `clap_complete` panics when its writer fails, and a reader
//! that stops early (`grantty man | head`) is not an error worth an exit code.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::Error;

/// The name completions are registered for: what users type.
const BIN_NAME: &str = "grantty";

/// The completion script for `shell`.
fn completion_script(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, &mut script);
    script
}

/// The man page (section 1, roff). No date, so the same build always prints the same page.
fn man_page() -> Result<Vec<u8>, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .manual("grantty manual")
        .render(&mut page)?;
    Ok(page)
}

/// `grantty completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<(), Error> {
    print(&completion_script(shell))
}

/// `grantty man`: the page on stdout.
pub fn man() -> Result<(), Error> {
    print(&man_page()?)
}

/// Writes `bytes` to stdout; a closed pipe ends quietly.
fn print(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
