//! The code flow screen's keys: one table, read by its `update` (to act) and its key bar and
//! `?` list (to draw). Letters are commands only while the input line is empty.

use super::{Action, Binding, Key, When, bind};

/// The code flow screen's keys. Letters are commands only while the input line is empty, so
/// an address can be typed; Enter, Esc and Ctrl-C act in every state.
pub const CODE_KEYS: [Binding; 8] = [
    bind(
        Key::Enter,
        Action::Submit,
        ["check address", "check", "check the pasted address"],
        When::Waiting,
        8,
    ),
    bind(
        Key::CtrlU,
        Action::ClearInput,
        ["clear", "clear", "clear the input line"],
        When::Typing,
        5,
    ),
    bind(
        Key::Char('u'),
        Action::CopyAddress,
        [
            "copy address",
            "copy",
            "copy the address (OSC 52), when the input is empty",
        ],
        When::InputEmpty,
        6,
    ),
    bind(
        Key::Char('?'),
        Action::Help,
        ["keys", "keys", "this list, when the input is empty"],
        When::InputEmpty,
        4,
    ),
    bind(
        Key::Char('q'),
        Action::Quit,
        [
            "quit",
            "quit",
            "quit, when the input is empty (nothing is stored)",
        ],
        When::InputEmpty,
        9,
    ),
    bind(
        Key::Esc,
        Action::Quit,
        ["", "", "quit at any time (also Ctrl-C)"],
        When::InputEmpty,
        0,
    ),
    bind(
        Key::Esc,
        Action::Quit,
        ["quit", "quit", ""],
        When::Typing,
        9,
    ),
    bind(Key::CtrlC, Action::Quit, ["", "", ""], When::Always, 0),
];

/// Where the code flow screen stands, for its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKeys {
    /// Waiting, nothing typed: letters are commands.
    Empty,
    /// Waiting, text in the input line: letters are typed.
    Typing,
    /// The exchange is in flight: only quitting (which waits for it) is offered.
    Exchanging,
}

/// Whether a code-flow binding is offered in `state`.
pub fn code_offered(binding: &Binding, state: CodeKeys) -> bool {
    // While exchanging, the input line is out of play: `q` quits as on an empty line.
    let empty = state != CodeKeys::Typing;
    let when = match binding.when {
        When::InputEmpty => empty,
        When::Typing => !empty,
        When::Waiting => state != CodeKeys::Exchanging,
        When::Always | When::Live | When::LiveWithRefreshToken => true,
    };
    when && (state != CodeKeys::Exchanging || binding.action == Action::Quit)
}

/// The action of `key` on the code flow screen, if it is offered now; `None` means the key
/// edits the input line (ignored while exchanging).
pub fn code_action(key: Key, state: CodeKeys) -> Option<Action> {
    CODE_KEYS
        .iter()
        .find(|b| b.key == key && code_offered(b, state))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_keys_are_commands_only_while_the_input_is_empty() {
        use CodeKeys::{Empty, Exchanging, Typing};
        assert_eq!(
            code_action(Key::Char('q'), Empty),
            Some(Action::Quit),
            "q quits an empty input"
        );
        assert_eq!(code_action(Key::Char('q'), Typing), None, "q is typed");
        assert_eq!(code_action(Key::Char('u'), Typing), None);
        assert_eq!(code_action(Key::Esc, Typing), Some(Action::Quit));
        assert_eq!(code_action(Key::Esc, Empty), Some(Action::Quit));
        assert_eq!(code_action(Key::CtrlC, Typing), Some(Action::Quit));
        assert_eq!(code_action(Key::CtrlU, Typing), Some(Action::ClearInput));
        assert_eq!(code_action(Key::Enter, Empty), Some(Action::Submit));
        assert_eq!(code_action(Key::Enter, Exchanging), None);
        assert_eq!(code_action(Key::Char('u'), Exchanging), None);
        assert_eq!(code_action(Key::Char('q'), Exchanging), Some(Action::Quit));
        for state in [Empty, Typing, Exchanging] {
            let offered: Vec<_> = CODE_KEYS
                .iter()
                .filter(|b| code_offered(b, state))
                .collect();
            for (i, a) in offered.iter().enumerate() {
                assert!(offered[i + 1..].iter().all(|b| b.key != a.key));
            }
        }
    }
}
