//! Keys the app understands, decoupled from the terminal library's event types.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key press the app reacts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Escape.
    Esc,
    /// Ctrl-C.
    CtrlC,
    /// Enter.
    Enter,
}

impl Key {
    /// Maps a terminal key event; `None` for releases, repeats and keys without meaning here.
    pub fn from_event(event: KeyEvent) -> Option<Self> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        match event.code {
            KeyCode::Char('c') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Self::CtrlC)
            }
            KeyCode::Char(c) => Some(Self::Char(c)),
            KeyCode::Esc => Some(Self::Esc),
            KeyCode::Enter => Some(Self::Enter),
            _ => None,
        }
    }
}
