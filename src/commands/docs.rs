//! Shell completions and the man pages, generated from the clap definitions in [`crate::cli`]
//! and the reference in [`crate::cli::reference`], so they never drift from the real flags.
//!
//! Both are rendered into memory first: `clap_complete` panics when its writer fails, and a reader
//! that stops early (`grantty man | head`) is not an error worth an exit code.
//!
//! A page is roff. On a terminal, `grantty man` hands it to `man -l -`, which formats it and
//! runs the user's pager; when man(1) is missing or fails, the roff is printed after a notice on
//! stderr. Into a pipe or a file the roff goes as it is (`grantty man | man -l -` still works).

mod complete;
mod man;

use std::io::{IsTerminal as _, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use clap_complete::Shell;

use crate::cli::ManArgs;
use crate::error::Error;

/// The name completions are registered for and pages are titled with: what users type.
const BIN_NAME: &str = "grantty";

/// `grantty completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<(), Error> {
    print(&complete::script(shell))
}

/// `grantty man [COMMAND] [--dir DIR]`: grantty(1) or grantty-COMMAND(1), formatted by man(1)
/// on a terminal and as roff otherwise, or every page written into DIR.
pub fn man(args: &ManArgs) -> Result<(), Error> {
    if let Some(dir) = &args.dir {
        return write_pages(dir);
    }
    let page = match &args.command {
        None => man::main_page()?,
        Some(name) => man::command_page(name)?,
    };
    if !std::io::stdout().is_terminal() {
        return print(&page);
    }
    match through_man(&page) {
        Ok(()) => Ok(()),
        Err(why) => {
            crate::say!("{}", crate::words::man_fallback(&why));
            print(&page)
        }
    }
}

/// Shows `page` with `man -l -` (the page on its stdin; the terminal and the pager are its
/// own). `Err` says why it could not: man is not installed, or it failed (then nothing useful
/// was shown, and the caller prints the roff).
fn through_man(page: &[u8]) -> Result<(), String> {
    let mut child = Command::new("man")
        .args(["-l", "-"])
        .stdin(Stdio::piped())
        // A pager needs nothing of a secret meant for a sign-in.
        .env_remove("GRANTTY_CLIENT_SECRET")
        .spawn()
        .map_err(|e| format!("could not run man ({e})"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A man that stops reading (it failed, or the page was quit early) closes the pipe; its
        // exit status says which.
        if let Err(e) = stdin.write_all(page)
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            let _ = child.wait();
            return Err(format!("could not hand the page to man ({e})"));
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("could not wait for man ({e})"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`man -l -` failed ({status})"))
    }
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
