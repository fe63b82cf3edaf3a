//! Keys the app understands, decoupled from the terminal library's event types, and the one
//! table of the dashboard's keys: what each does, its labels and when it is offered. The
//! dashboard's `update` acts on it and the key bar and the `?` overlay draw from it, so a key
//! cannot do one thing and be described as another.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

mod code;

pub use code::{CODE_KEYS, CodeKeys, code_action, code_offered};

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
    /// The up arrow.
    Up,
    /// The down arrow.
    Down,
    /// Backspace.
    Backspace,
    /// The left arrow.
    Left,
    /// The right arrow.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Ctrl-U.
    CtrlU,
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
            KeyCode::Char('u') if event.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(Self::CtrlU)
            }
            // Other control chords mean nothing here; they must not type their letter into
            // the code flow's input line (Ctrl-W would add a `w` to the address).
            KeyCode::Char(_) if event.modifiers == KeyModifiers::CONTROL => None,
            KeyCode::Char(c) => Some(Self::Char(c)),
            KeyCode::Esc => Some(Self::Esc),
            KeyCode::Enter => Some(Self::Enter),
            KeyCode::Up => Some(Self::Up),
            KeyCode::Down => Some(Self::Down),
            KeyCode::Backspace => Some(Self::Backspace),
            KeyCode::Left => Some(Self::Left),
            KeyCode::Right => Some(Self::Right),
            KeyCode::Home => Some(Self::Home),
            KeyCode::End => Some(Self::End),
            _ => None,
        }
    }

    /// How the key is written on screen: `r`, `↑`, `Esc`.
    pub fn name(self) -> String {
        match self {
            Self::Char(c) => c.to_string(),
            Self::Esc => "Esc".to_owned(),
            Self::CtrlC => "Ctrl-C".to_owned(),
            Self::Enter => "Enter".to_owned(),
            Self::Up => "↑".to_owned(),
            Self::Down => "↓".to_owned(),
            Self::Backspace => "Backspace".to_owned(),
            Self::Left => "←".to_owned(),
            Self::Right => "→".to_owned(),
            Self::Home => "Home".to_owned(),
            Self::End => "End".to_owned(),
            Self::CtrlU => "Ctrl-U".to_owned(),
        }
    }
}

/// What a dashboard key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Refresh the tokens now.
    Refresh,
    /// Ask to revoke the session.
    Revoke,
    /// Open the export menu.
    Export,
    /// Ask to copy the access token.
    CopyToken,
    /// Start a new sign-in.
    SignInAgain,
    /// Show older events.
    ScrollUp,
    /// Show newer events.
    ScrollDown,
    /// Show the keys.
    Help,
    /// Leave.
    Quit,
    /// Code flow: check the address in the input line.
    Submit,
    /// Code flow: empty the input line.
    ClearInput,
    /// Code flow: put the authorize address on the clipboard.
    CopyAddress,
}

/// When a key is offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Always.
    Always,
    /// While the session lives and no revoke is in flight.
    Live,
    /// While the session lives and holds a refresh token.
    LiveWithRefreshToken,
    /// Code flow: while the input line is empty (letters are commands, not text).
    InputEmpty,
    /// Code flow: while the input line holds text (letters are typed).
    Typing,
    /// Code flow: while no exchange is in flight.
    Waiting,
}

/// One row of the key table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The key.
    pub key: Key,
    /// What it does.
    pub action: Action,
    /// Its label in the key bar (empty: not in the bar).
    pub label: &'static str,
    /// A shorter label for narrow bars.
    pub short: &'static str,
    /// What it does, in the `?` overlay (empty: not listed, like `Esc` beside `q`).
    pub help: &'static str,
    /// When it is offered.
    pub when: When,
    /// How long it stays when the bar must fit one line (higher stays longer).
    pub keep: u8,
}

const fn bind(
    key: Key,
    action: Action,
    labels: [&'static str; 3],
    when: When,
    keep: u8,
) -> Binding {
    let [label, short, help] = labels;
    Binding {
        key,
        action,
        label,
        short,
        help,
        when,
        keep,
    }
}

/// The dashboard's keys, in the order the bar and the overlay list them.
pub const DASHBOARD_KEYS: [Binding; 10] = [
    bind(
        Key::Char('r'),
        Action::Refresh,
        ["refresh", "refresh", "refresh the tokens now"],
        When::LiveWithRefreshToken,
        5,
    ),
    bind(
        Key::Char('x'),
        Action::Revoke,
        ["revoke", "revoke", "revoke at the server and delete"],
        When::Live,
        4,
    ),
    bind(
        Key::Char('e'),
        Action::Export,
        ["export", "export", "export to a file or clipboard"],
        When::Live,
        3,
    ),
    bind(
        Key::Char('c'),
        Action::CopyToken,
        ["copy token", "copy", "copy the access token"],
        When::Live,
        2,
    ),
    bind(
        Key::Char('l'),
        Action::SignInAgain,
        ["sign in again", "sign in", "sign in again (a new code)"],
        When::Always,
        1,
    ),
    bind(
        Key::Up,
        Action::ScrollUp,
        ["", "", "older events"],
        When::Always,
        0,
    ),
    bind(
        Key::Down,
        Action::ScrollDown,
        ["", "", "newer events"],
        When::Always,
        0,
    ),
    bind(
        Key::Char('?'),
        Action::Help,
        ["keys", "keys", "this list"],
        When::Always,
        6,
    ),
    bind(
        Key::Char('q'),
        Action::Quit,
        ["quit", "quit", "quit (the session stays stored)"],
        When::Always,
        9,
    ),
    bind(Key::Esc, Action::Quit, ["", "", ""], When::Always, 0),
];

/// Whether `binding` is offered: `live` while the session lives and no revoke is in flight,
/// `has_refresh_token` when there is something to refresh with.
pub fn offered(binding: &Binding, live: bool, has_refresh_token: bool) -> bool {
    match binding.when {
        When::Always => true,
        When::Live => live,
        When::LiveWithRefreshToken => live && has_refresh_token,
        // The code flow's conditions; its table is read by [`code_action`].
        When::InputEmpty | When::Typing | When::Waiting => false,
    }
}

/// The action of `key` on the dashboard, if it is offered now.
pub fn dashboard_action(key: Key, live: bool, has_refresh_token: bool) -> Option<Action> {
    DASHBOARD_KEYS
        .iter()
        .find(|b| b.key == key && offered(b, live, has_refresh_token))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_appears_once() {
        for (i, a) in DASHBOARD_KEYS.iter().enumerate() {
            assert!(
                DASHBOARD_KEYS[i + 1..].iter().all(|b| b.key != a.key),
                "{:?} is bound twice",
                a.key
            );
        }
    }

    #[test]
    fn control_chords_other_than_c_and_u_are_not_letters() {
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(ctrl('c')), Some(Key::CtrlC));
        assert_eq!(Key::from_event(ctrl('u')), Some(Key::CtrlU));
        assert_eq!(Key::from_event(ctrl('w')), None);
        let plain = KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE);
        assert_eq!(Key::from_event(plain), Some(Key::Char('w')));
    }

    #[test]
    fn actions_follow_the_state() {
        assert_eq!(
            dashboard_action(Key::Char('r'), true, true),
            Some(Action::Refresh)
        );
        assert_eq!(dashboard_action(Key::Char('r'), true, false), None);
        assert_eq!(dashboard_action(Key::Char('x'), false, true), None);
        assert_eq!(
            dashboard_action(Key::Char('l'), false, false),
            Some(Action::SignInAgain)
        );
        assert_eq!(
            dashboard_action(Key::Up, false, false),
            Some(Action::ScrollUp)
        );
        assert_eq!(
            dashboard_action(Key::Char('?'), true, true),
            Some(Action::Help)
        );
        assert_eq!(dashboard_action(Key::Char('z'), true, true), None);
    }
}
