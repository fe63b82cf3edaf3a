//! Sanitising of every string that comes from a server before it can reach a terminal.
//!
//! A hostile or broken server can put escape sequences into `error_description`, a user code or
//! a URL: CSI (cursor moves, colours), OSC (window titles, OSC 52 clipboard writes, hyperlinks),
//! DCS/APC strings, 8-bit C1 controls and bidi overrides that make text read differently from
//! what it is. [`sanitize`] removes all of them, folds other control characters to spaces and caps
//! the length, so what is drawn is plain printable text.

/// Cap for short single values: user codes, scopes, client ids, token types.
pub const SHORT_MAX_CHARS: usize = 128;
/// Cap for URLs shown on screen.
pub const URL_MAX_CHARS: usize = 512;
/// Cap for free-text descriptions and error bodies.
pub const DESCRIPTION_MAX_CHARS: usize = 300;

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';

/// Returns `input` without escape sequences or control characters, with runs of whitespace
/// folded to one space, trimmed, and cut to at most `max_chars` characters (ending in `…` when
/// cut).
pub fn sanitize(input: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(input.len().min(max_chars * 4));
    let mut chars = input.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // Two-character escapes (ESC 7, ESC c, ...) and a lone trailing ESC.
                _ => {}
            },
            C1_CSI => skip_csi(&mut chars),
            // C1 OSC, DCS, SOS, PM, APC open a string that runs to ST.
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_whitespace() || c.is_control() => pending_space = !out.is_empty(),
            c if is_invisible_format(c) => {}
            c => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(c);
            }
        }
    }
    truncate_chars(out, max_chars)
}

mod format_chars;

/// Unicode format characters (general category Cf: bidi controls, zero-width characters, the
/// soft hyphen, tags, interlinear annotations): they change how text reads without being
/// visible, which is what a phishing URL needs. The table is generated from the UCD.
fn is_invisible_format(c: char) -> bool {
    format_chars::FORMAT_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Skips a CSI sequence's parameters and intermediates up to and including its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Malformed: anything else ends the sequence.
            return;
        }
    }
}

/// Skips an OSC/DCS/APC-style string up to its terminator: BEL, ESC \ or C1 ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | C1_ST => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

fn truncate_chars(mut s: String, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    if let Some((idx, _)) = s.char_indices().nth(max_chars) {
        let cut = s[..idx].char_indices().last().map_or(0, |(i, _)| i);
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// The longest URL put into a hyperlink (the common limit of terminals, e.g. VTE's 2083 bytes).
pub const LINK_URL_MAX_BYTES: usize = 2083;

/// `text` as an OSC 8 hyperlink to `url` (one click opens the whole URL, even where the text is
/// wrapped over several lines), or `None` when `url` cannot go into an escape sequence safely:
/// it must be printable ASCII without spaces (what `url::Url` serialises; an ESC, BEL, C1 or
/// non-ASCII character would end or bend the sequence) and at most [`LINK_URL_MAX_BYTES`].
/// `text` is what the terminal shows and must already be sanitised.
pub fn hyperlink(url: &str, text: &str) -> Option<String> {
    let linkable = !url.is_empty()
        && url.len() <= LINK_URL_MAX_BYTES
        && url.bytes().all(|b| (0x21..=0x7e).contains(&b))
        && !text.contains(ESC);
    linkable.then(|| format!("{ESC}]8;;{url}{ESC}\\{text}{ESC}]8;;{ESC}\\"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(sanitize("WDJB-MJHT", 64), "WDJB-MJHT");
        assert_eq!(
            sanitize("  user   denied\n\tthe request ", 64),
            "user denied the request"
        );
    }

    #[test]
    fn strips_csi_colour_and_cursor_moves() {
        assert_eq!(
            sanitize("\x1b[31mred\x1b[0m \x1b[2J\x1b[1;1Hok", 64),
            "red ok"
        );
        assert_eq!(sanitize("a\u{9b}31mb", 64), "ab");
    }

    #[test]
    fn strips_osc_including_clipboard_writes() {
        // OSC 52 would overwrite the user's clipboard; OSC 0 the window title; OSC 8 a link.
        let hostile = "x\x1b]52;c;cm0gLXJmIH4=\x07y\x1b]0;pwned\x1b\\z\x1b]8;;http://evil\x07w";
        assert_eq!(sanitize(hostile, 64), "xyzw");
        assert_eq!(sanitize("a\u{9d}52;c;Zm9v\u{9c}b", 64), "ab");
    }

    #[test]
    fn strips_dcs_apc_and_c1_controls() {
        assert_eq!(sanitize("a\x1bPq#0;2;0;0;0\x1b\\b\x1b_apc\x07c", 64), "abc");
        assert_eq!(sanitize("a\u{85}b\u{8d}c", 64), "a b c");
        assert_eq!(sanitize("a\u{90}dcs\u{9c}b", 64), "ab");
    }

    #[test]
    fn strips_bidi_overrides_and_zero_width() {
        assert_eq!(sanitize("evil\u{202e}moc.elpmaxe", 64), "evilmoc.elpmaxe");
        assert_eq!(sanitize("ex\u{200b}ample", 64), "example");
    }

    #[test]
    fn drops_every_format_character_the_issue_found() {
        let hostile =
            "a\u{061c}b\u{00ad}c\u{180e}d\u{fff9}e\u{fffa}f\u{fffb}g\u{e0001}h\u{e0041}i\u{e007f}j";
        assert_eq!(sanitize(hostile, 64), "abcdefghij");
    }

    #[test]
    fn format_table_is_sorted_and_matches_its_bounds_only() {
        let ranges = format_chars::FORMAT_RANGES;
        assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0));
        for &(lo, hi) in ranges {
            assert!(is_invisible_format(lo) && is_invisible_format(hi));
            for outside in [u32::from(lo) - 1, u32::from(hi) + 1] {
                let c = char::from_u32(outside).unwrap();
                assert!(!is_invisible_format(c), "U+{outside:04X}");
            }
        }
        // Ordinary letters, including right-to-left scripts, stay.
        assert_eq!(sanitize("مرحبا Ünïcödé 日本", 64), "مرحبا Ünïcödé 日本");
    }

    #[test]
    fn lone_and_unterminated_escapes_do_not_leak() {
        assert_eq!(sanitize("abc\x1b", 64), "abc");
        assert_eq!(sanitize("abc\x1b]52;c;unterminated", 64), "abc");
        assert_eq!(sanitize("abc\x1b[", 64), "abc");
        assert_eq!(sanitize("a\x07\x08\x7fb", 64), "a b");
    }

    #[test]
    fn caps_length_with_an_ellipsis() {
        let long = "é".repeat(1000);
        let out = sanitize(&long, 10);
        assert_eq!(out.chars().count(), 10);
        assert!(out.ends_with('…'));
        assert_eq!(sanitize("exactly10!", 10), "exactly10!");
    }

    #[test]
    fn hyperlinks_carry_exactly_the_url_and_refuse_control_characters() {
        let url = "https://example.com/authorize?client_id=c&state=s";
        assert_eq!(
            hyperlink(url, "the text").unwrap(),
            "\x1b]8;;https://example.com/authorize?client_id=c&state=s\x1b\\the text\x1b]8;;\x1b\\"
        );
        for bad in [
            "https://example.com/\x1b]8;;https://evil.example\x1b\\",
            "https://example.com/\x07",
            "https://example.com/\u{9b}31m",
            "https://example.com/a b",
            "https://example.com/\u{202e}",
            "",
        ] {
            assert_eq!(hyperlink(bad, "x"), None, "{bad:?}");
        }
        assert_eq!(
            hyperlink(&format!("https://e.com/{}", "a".repeat(2083)), "x"),
            None
        );
    }
}
