//! The character set of token values: RFC 6749 appendix A's `1*VSCHAR` (printable ASCII),
//! without the space.
//!
//! Tokens are the one kind of server string grantty cannot sanitise: changing a byte would make
//! the token useless. They are written verbatim to a terminal (`grantty token`), into HTTP
//! headers and into netrc and git-credential lines, so a token holding an escape sequence or a
//! newline could rewrite the screen, the clipboard or the lines around it. A token answer whose
//! tokens hold anything outside VSCHAR is therefore refused whole, and nothing is stored. The
//! space, which VSCHAR allows, is refused too: no Bearer token can hold one (RFC 6750 §2.1
//! `b64token`), and in a netrc line it would start a forged `machine … password …` entry.

/// Which token of an answer broke the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenField {
    /// `access_token`.
    Access,
    /// `refresh_token`.
    Refresh,
    /// `id_token`.
    Id,
}

impl TokenField {
    /// The field's name in a token response.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access_token",
            Self::Refresh => "refresh_token",
            Self::Id => "id_token",
        }
    }
}

/// A token holding a character outside RFC 6749 VSCHAR (`%x20-7E`), or a space. Says where and
/// which code point, never the token itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the server sent an {} holding U+{code_point:04X} at character {position}, which grantty does not accept in a token (printable ASCII without spaces, RFC 6749 appendix A); nothing was stored",
    .field.as_str()
)]
pub struct TokenCharsError {
    /// The offending field.
    pub field: TokenField,
    /// 1-based character position of the first bad character.
    pub position: usize,
    /// The bad character's code point.
    pub code_point: u32,
}

/// Whether `c` may appear in a token: an RFC 6749 VSCHAR other than the space.
pub fn is_token_char(c: char) -> bool {
    ('\u{21}'..='\u{7e}').contains(&c)
}

/// Checks that every character of `value` is a VSCHAR other than the space.
pub fn check(field: TokenField, value: &str) -> Result<(), TokenCharsError> {
    match value.chars().enumerate().find(|(_, c)| !is_token_char(*c)) {
        None => Ok(()),
        Some((index, c)) => Err(TokenCharsError {
            field,
            position: index + 1,
            code_point: u32::from(c),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_tokens_pass() {
        let jwt_like = "eyJhbGciOi.J9-_~+/=.sig!#$%&'()*,:;<>?@[]^`{|}\"\\";
        assert_eq!(check(TokenField::Access, jwt_like), Ok(()));
    }

    #[test]
    fn escapes_newlines_and_non_ascii_are_refused_with_their_position() {
        let err = check(TokenField::Refresh, "ab\x1b]52;c;x\x07").unwrap_err();
        assert_eq!(
            (err.field, err.position, err.code_point),
            (TokenField::Refresh, 3, 0x1b)
        );
        assert!(check(TokenField::Access, "a\nmachine evil").is_err());
        assert!(check(TokenField::Id, "tok\u{e9}n").is_err());
        assert!(check(TokenField::Id, "tab\there").is_err());
        assert!(check(TokenField::Id, "del\x7f").is_err());
        // A space would split a netrc line into a forged entry.
        assert!(check(TokenField::Access, "x machine evil.example password y").is_err());
    }

    #[test]
    fn the_message_names_the_field_but_not_the_token() {
        let err = check(TokenField::Access, "secret-value\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("access_token") && text.contains("U+000A"),
            "{text}"
        );
        assert!(!text.contains("secret-value"), "{text}");
    }
}
