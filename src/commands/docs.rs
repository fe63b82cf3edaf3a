//! Shell completions and the man pages, generated from the clap definitions in [`crate::cli`]
//! and the reference in [`crate::cli::reference`], so they never drift from the real flags.
//!
//! Both are rendered into memory first: `clap_complete` panics when its writer fails, and a reader
//! that stops early (`grantty man | head`) is not an error worth an exit code.

mod complete;
mod man;

use std::io::Write;
use std::path::Path;

use clap_complete::Shell;

use crate::cli::ManArgs;
use crate::error::Error;

/// The name completions are registered for and pages are titled with: what users type.
const BIN_NAME: &str = "grantty";

/// `grantty completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<(), Error> {
    print(&complete::script(shell))
}

/// `grantty man [COMMAND] [--dir DIR]`: grantty(1) or grantty-COMMAND(1) on stdout, or every
/// page written into DIR.
pub fn man(args: &ManArgs) -> Result<(), Error> {
    if let Some(dir) = &args.dir {
        return write_pages(dir);
    }
    let page = match &args.command {
        None => man::main_page()?,
        Some(name) => man::command_page(name)?,
    };
    print(&page)
}

/// Writes `grantty.1` and one `grantty-COMMAND.1` per command into `dir`, then lists them on
/// stderr.
fn write_pages(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)?;
    let mut written = vec![("grantty.1".to_owned(), man::main_page()?)];
    for name in man::command_names() {
        written.push((format!("{BIN_NAME}-{name}.1"), man::command_page(&name)?));
    }
    for (file, page) in &written {
        std::fs::write(dir.join(file), page)?;
    }
    crate::say!(
        "grantty: wrote {} man pages to {}",
        written.len(),
        dir.display()
    );
    Ok(())
}

/// Writes `bytes` to stdout; a closed pipe ends quietly.
fn print(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
