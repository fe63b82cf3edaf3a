//! Which characters the terminal can show: UTF-8, or ASCII only.
//!
//! A terminal whose locale is not UTF-8 (`LANG=C` xterms, serial and KVM consoles) shows box
//! drawing, block elements, ellipses and arrows as mojibake, and a QR code drawn with half
//! blocks cannot be scanned there. [`Charset::from_env`] reads the locale the way the C library
//! does (the first non-empty of `LC_ALL`, `LC_CTYPE`, `LANG`; unset, `C` or `POSIX` mean no
//! UTF-8 unless the codeset says so); [`to_ascii`] and [`ascii_symbol`] give the ASCII stand-ins
//! that the screens and the plain output use in ASCII mode. Everything but `from_env` is pure.

use std::borrow::Cow;

/// The characters a terminal can show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Charset {
    /// Any Unicode: half blocks, box drawing, arrows.
    #[default]
    Utf8,
    /// Printable ASCII only (0x20..=0x7E).
    Ascii,
}

impl Charset {
    /// The charset of this process's locale.
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok();
        Self::from_locale(var("LC_ALL"), var("LC_CTYPE"), var("LANG"))
    }

    /// The charset of the first non-empty of `lc_all`, `lc_ctype`, `lang` (POSIX precedence):
    /// UTF-8 when its codeset (after the `.`, before any `@`) is UTF-8 or utf8 in any case;
    /// ASCII otherwise, including when none is set or it is `C` or `POSIX`.
    pub fn from_locale(
        lc_all: Option<String>,
        lc_ctype: Option<String>,
        lang: Option<String>,
    ) -> Self {
        let locale = [lc_all, lc_ctype, lang]
            .into_iter()
            .flatten()
            .find(|value| !value.is_empty())
            .unwrap_or_default();
        let codeset = locale
            .split_once('.')
            .map_or("", |(_, rest)| rest.split('@').next().unwrap_or_default());
        let utf8 = codeset.eq_ignore_ascii_case("utf-8") || codeset.eq_ignore_ascii_case("utf8");
        // `C.UTF-8` and `POSIX.UTF-8` are UTF-8; plain `C` and `POSIX` are not.
        if utf8 { Self::Utf8 } else { Self::Ascii }
    }

    /// True for [`Charset::Ascii`].
    pub fn is_ascii(self) -> bool {
        self == Self::Ascii
    }
}

/// The ASCII stand-in for one character: itself when printable ASCII, else a look-alike, `?`
/// for anything without one. Never longer than one character, so a terminal cell stays one
/// cell (the ellipsis is widened to `...` only where there is room, see [`to_ascii`]).
pub fn ascii_symbol(ch: char) -> char {
    match ch {
        ' '..='~' => ch,
        '·' | '•' | '●' | '─' | '━' | '═' | '–' | '—' | '‐' | '−' => '-',
        // An ellipsis, and the empty part of a gauge.
        '…' | '░' => '.',
        '│' | '┃' | '║' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' | '✓' | '✔' => {
            '+'
        }
        '█' | '▀' | '▄' | '▌' | '▐' | '▒' | '▓' => '#',
        '›' | '→' | '»' | '▶' => '>',
        '‹' | '←' | '«' | '◀' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '“' | '”' | '„' => '"',
        '‘' | '’' => '\'',
        '×' | '✗' | '✘' => 'x',
        '⚠' => '!',
        '§' => 'S',
        '\u{a0}' => ' ',
        _ => '?',
    }
}

/// `text` with every character outside printable ASCII replaced by its stand-in, the ellipsis
/// by `...` and a few more by their usual spelling (`§` by `section`, arrows by `->`).
/// Control characters become `?` (callers print sanitised text; this is no sanitiser).
pub fn to_ascii(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| matches!(c, ' '..='~' | '\n')) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' => out.push('\n'),
            '…' => out.push_str("..."),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '§' => out.push_str("section "),
            '—' => out.push_str("--"),
            _ => out.push(ascii_symbol(ch)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(lc_all: &str, lc_ctype: &str, lang: &str) -> Charset {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Charset::from_locale(some(lc_all), some(lc_ctype), some(lang))
    }

    #[test]
    fn the_first_set_variable_decides() {
        assert_eq!(of("", "", "en_US.UTF-8"), Charset::Utf8);
        assert_eq!(of("C", "", "en_US.UTF-8"), Charset::Ascii, "LC_ALL wins");
        assert_eq!(of("", "C", "en_US.UTF-8"), Charset::Ascii, "LC_CTYPE next");
        assert_eq!(of("", "de_DE.utf8", "C"), Charset::Utf8);
        assert_eq!(
            Charset::from_locale(Some(String::new()), None, Some("C.UTF-8".into())),
            Charset::Utf8,
            "an empty variable counts as unset"
        );
    }

    #[test]
    fn unset_c_posix_and_other_codesets_are_ascii() {
        assert_eq!(Charset::from_locale(None, None, None), Charset::Ascii);
        assert_eq!(of("", "", "C"), Charset::Ascii);
        assert_eq!(of("", "", "POSIX"), Charset::Ascii);
        assert_eq!(of("", "", "en_US.ISO-8859-1"), Charset::Ascii);
        assert_eq!(of("", "", "en_US"), Charset::Ascii);
        assert_eq!(of("", "", "C.UTF-8"), Charset::Utf8);
        assert_eq!(of("", "", "sr_RS.UTF-8@latin"), Charset::Utf8);
        assert_eq!(
            of("", "", "utf8"),
            Charset::Ascii,
            "a codeset follows a dot"
        );
    }

    #[test]
    fn ascii_text_has_no_byte_above_0x7f() {
        let text = "grantty · sign in… ← → ↑ ↓ §3.2 “quoted” ✓ ✗ ⚠ 日本語 ─│┌ █▀▄ ×";
        let ascii = to_ascii(text);
        assert!(ascii.bytes().all(|b| b <= 0x7f), "{ascii}");
        assert_eq!(to_ascii("a · b…"), "a - b...");
        assert_eq!(to_ascii("plain"), Cow::Borrowed("plain"));
        for ch in text.chars() {
            assert!(ascii_symbol(ch).is_ascii());
        }
    }
}
