//! Terminal lifecycle: raw mode and the alternate screen on entry, restored on every way out.
//!
//! [`Tui::enter`] chains a panic hook that restores the terminal before the panic message
//! prints; dropping the [`Tui`] restores it on normal exits, `?` paths and signals (the runtime
//! turns SIGTERM/SIGHUP/SIGINT into an orderly return). Nothing else in the crate touches
//! terminal modes.
//!
//! The terminal can vanish under a running program (an SSH connection drops: every write fails
//! with EIO, reads see end of file). The first failed write marks it gone ([`TermOut`]): the
//! draw that failed reports it, and from then on writes are dropped, so restoring the terminal
//! (and ratatui's own drop, which would print and panic) cannot fail or block. The runtime
//! takes a failed draw like a hang-up.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{Event, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::app::{App, Key, Msg};
use crate::domain::clock::Timestamp;
use crate::runtime::Frontend;
use crate::ui::{Theme, UiCache, render};

/// The full-screen frontend. Restores the terminal when dropped.
pub struct Tui {
    terminal: Terminal<CrosstermBackend<TermOut>>,
    /// The same output as the terminal's (one gone flag), for the clipboard and the restore.
    out: TermOut,
    cache: UiCache,
}

impl Tui {
    /// Takes over the terminal.
    pub fn enter(theme: Theme) -> std::io::Result<Self> {
        keep_qr_colours();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore(&mut TermOut::default());
            previous(info);
        }));
        let mut out = TermOut::default();
        crossterm::terminal::enable_raw_mode()?;
        // A pasted address arrives as one `Paste` event, never as keys that would act.
        let terminal = crossterm::execute!(
            out,
            crossterm::terminal::EnterAlternateScreen,
            crossterm::event::EnableBracketedPaste
        )
        .and_then(|()| Terminal::new(CrosstermBackend::new(out.clone())));
        match terminal {
            Ok(terminal) => Ok(Self {
                terminal,
                out,
                cache: UiCache::new(theme).with_hyperlinks(true),
            }),
            Err(e) => {
                restore(&mut out);
                Err(e)
            }
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore(&mut self.out);
    }
}

/// Puts the terminal back as it was, best effort: every step is tried even when one fails (a
/// vanished terminal fails them all, quickly).
fn restore(out: &mut TermOut) {
    let _ = crossterm::execute!(out, crossterm::event::DisableBracketedPaste);
    // Raw mode first: it has more side effects than the alternate screen.
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(
        out,
        crossterm::terminal::LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// The terminal's output: stdout until a write to it fails, then nothing. Once gone, every
/// write is dropped and reported as done, so nothing that restores the terminal can fail (or
/// print about it, which would panic on a dead stderr); [`TermOut::is_gone`] tells the
/// frontend.
#[derive(Clone, Debug, Default)]
struct TermOut {
    gone: Arc<AtomicBool>,
}

impl TermOut {
    fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    /// Marks the terminal gone on any failure but an interrupted call.
    fn watch<R>(&self, result: std::io::Result<R>) -> std::io::Result<R> {
        if let Err(e) = &result
            && e.kind() != std::io::ErrorKind::Interrupted
        {
            self.gone.store(true, Ordering::SeqCst);
        }
        result
    }
}

impl std::io::Write for TermOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.is_gone() {
            return Ok(buf.len());
        }
        let written = std::io::stdout().write(buf);
        self.watch(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.is_gone() {
            return Ok(());
        }
        let flushed = std::io::stdout().flush();
        self.watch(flushed)
    }
}

/// The error a frontend reports for a terminal that is gone.
fn gone() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::BrokenPipe,
        "the terminal is gone (hung up)",
    )
}

impl Frontend for Tui {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        // Asked first, without ratatui's fallback of running `tput` when the terminal is gone.
        if self.out.is_gone() || crossterm::terminal::window_size().is_err() {
            self.out.gone.store(true, Ordering::SeqCst);
            return Err(gone());
        }
        self.cache.sync(app);
        let cache = &self.cache;
        self.terminal.draw(|frame| render(frame, app, cache, now))?;
        // A failed write may surface only as the terminal being gone (a later write dropped).
        if self.out.is_gone() {
            return Err(gone());
        }
        Ok(())
    }

    fn copy(&mut self, text: &str) -> std::io::Result<()> {
        let out = &mut self.out;
        if out.is_gone() {
            return Err(gone());
        }
        crossterm::execute!(
            out,
            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        )?;
        out.flush()?;
        if out.is_gone() {
            return Err(gone());
        }
        Ok(())
    }

    fn exits_when_finished(&self) -> bool {
        false
    }
}

/// Key presses and resizes as app messages. The stream ends at the first read error (a
/// terminal that is gone); the runtime learns that from the next draw.
pub fn events() -> impl Stream<Item = Msg> + Unpin {
    EventStream::new()
        .take_while(|event| std::future::ready(event.is_ok()))
        .filter_map(|event| {
            std::future::ready(match event {
                Ok(Event::Key(key)) => Key::from_event(key).map(Msg::Key),
                Ok(Event::Resize(..)) => Some(Msg::Resize),
                Ok(Event::Paste(text)) => Some(Msg::Paste(text)),
                _ => None,
            })
        })
}

/// Lets the QR code's black on white through under `NO_COLOR`. crossterm honours `NO_COLOR` on
/// its own by dropping every colour sequence, which would draw the code in the terminal's own
/// colours (inverted on dark themes, and many scanners reject that). The [`Theme`] already
/// leaves everything else colourless, so colour output stays on for the QR code alone.
pub fn keep_qr_colours() {
    crossterm::style::force_color_output(true);
}

/// True when colour should be off: `NO_COLOR` set to anything non-empty (no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    #[test]
    fn a_gone_terminal_takes_every_write_and_flush_without_error() {
        let out = TermOut::default();
        out.gone.store(true, Ordering::SeqCst);
        let mut out = out;
        assert_eq!(out.write(b"\x1b[?25h").unwrap(), 6);
        out.flush().unwrap();
        assert!(out.is_gone());
    }

    #[test]
    fn a_failed_write_marks_the_terminal_gone_but_an_interrupted_one_does_not() {
        let out = TermOut::default();
        let interrupted = std::io::Error::from(std::io::ErrorKind::Interrupted);
        assert!(out.watch::<()>(Err(interrupted)).is_err());
        assert!(!out.is_gone());
        let eio = std::io::Error::from_raw_os_error(5);
        assert!(out.watch::<()>(Err(eio)).is_err());
        assert!(out.is_gone());
    }
}
