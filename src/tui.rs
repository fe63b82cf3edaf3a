//! Terminal lifecycle: raw mode and the alternate screen on entry, restored on every way out.
//!
//! [`Tui::enter`] goes through `ratatui::try_init`, which chains a panic hook that restores the
//! terminal before the panic message prints; dropping the [`Tui`] restores it on normal exits,
//! `?` paths and signals (the runtime turns SIGTERM/SIGHUP/SIGINT into an orderly return). Nothing
//! else in the crate touches terminal modes.

use std::io::Write as _;

use crossterm::event::{Event, EventStream};
use futures_util::{Stream, StreamExt};
use ratatui::DefaultTerminal;

use crate::app::{App, Key, Msg};
use crate::domain::clock::Timestamp;
use crate::runtime::Frontend;
use crate::ui::{Theme, UiCache, render};

/// The full-screen frontend. Restores the terminal when dropped.
pub struct Tui {
    terminal: DefaultTerminal,
    cache: UiCache,
}

impl Tui {
    /// Takes over the terminal.
    pub fn enter(theme: Theme) -> std::io::Result<Self> {
        keep_qr_colours();
        // Before ratatui's hook, which restores the rest and then calls this one.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            disable_bracketed_paste();
            previous(info);
        }));
        let terminal = ratatui::try_init()?;
        // A pasted address arrives as one `Paste` event, never as keys that would act.
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste)?;
        Ok(Self {
            terminal,
            cache: UiCache::new(theme),
        })
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        disable_bracketed_paste();
        ratatui::restore();
    }
}

/// Turns bracketed paste off again (best effort: this runs while restoring the terminal).
fn disable_bracketed_paste() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
}

impl Frontend for Tui {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        self.cache.sync(app);
        let cache = &self.cache;
        self.terminal.draw(|frame| render(frame, app, cache, now))?;
        Ok(())
    }

    fn copy(&mut self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout();
        crossterm::execute!(
            out,
            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        )?;
        out.flush()
    }

    fn exits_when_finished(&self) -> bool {
        false
    }
}

/// Key presses and resizes as app messages.
pub fn events() -> impl Stream<Item = Msg> + Unpin {
    EventStream::new().filter_map(|event| {
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
