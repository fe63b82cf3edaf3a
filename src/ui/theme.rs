//! Styles for every kind of text on screen, in a colour and a no-colour flavour.
//!
//! The runtime picks the flavour (it honours `NO_COLOR`); rendering never looks at the
//! environment. Invariant: [`Theme::no_color`] sets no foreground or background colour anywhere
//! except on the QR code, which is always black on white so that it scans on dark terminals too.

use ratatui::style::{Color, Modifier, Style};

use crate::charset::Charset;

/// Seconds left at or below which a countdown is drawn as a warning.
pub const COUNTDOWN_WARN_SECS: u64 = 60;
/// Seconds left at or below which a countdown is drawn as urgent.
pub const COUNTDOWN_URGENT_SECS: u64 = 20;

/// The styles the screens are drawn with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Plain text.
    pub(crate) text: Style,
    /// The program name in the title line.
    pub(crate) brand: Style,
    /// Labels and secondary text.
    pub(crate) dim: Style,
    /// URLs.
    pub(crate) url: Style,
    /// The user code, large or small.
    pub(crate) code: Style,
    /// A key in the key bar.
    pub(crate) key: Style,
    /// Something the user should read before acting (the "only enter this code if" line).
    pub(crate) caution: Style,
    /// A countdown at or below [`COUNTDOWN_WARN_SECS`], or a slowed-down interval.
    pub(crate) warn: Style,
    /// A countdown at or below [`COUNTDOWN_URGENT_SECS`].
    pub(crate) urgent: Style,
    /// The heading of a screen that ended badly.
    pub(crate) failure: Style,
    /// The heading of the signed-in screen.
    pub(crate) success: Style,
    /// A transient notice.
    pub(crate) notice: Style,
    /// Every QR code cell: dark modules are the foreground, light ones the background.
    pub(crate) qr: Style,
    /// The characters the terminal shows: in ASCII mode no box drawing, blocks, ellipses or
    /// arrows, the QR code in reverse video and the user code as plain text.
    pub(crate) charset: Charset,
}

impl Theme {
    /// Colours for terminals that have them.
    pub fn color() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            text: Style::new(),
            brand: bold.fg(Color::Cyan),
            dim: Style::new().add_modifier(Modifier::DIM),
            url: Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::UNDERLINED),
            code: bold.fg(Color::Cyan),
            key: bold.fg(Color::Cyan),
            caution: bold,
            warn: bold.fg(Color::Yellow),
            urgent: bold.fg(Color::Red),
            failure: bold.fg(Color::Red),
            success: bold.fg(Color::Green),
            notice: Style::new().fg(Color::Green),
            qr: qr_style(),
            charset: Charset::Utf8,
        }
    }

    /// No colours at all (`NO_COLOR`): emphasis through bold, reverse and underline only.
    pub fn no_color() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Self {
            text: Style::new(),
            brand: bold,
            dim: Style::new().add_modifier(Modifier::DIM),
            url: Style::new().add_modifier(Modifier::UNDERLINED),
            code: bold,
            key: bold.add_modifier(Modifier::REVERSED),
            caution: bold,
            warn: bold,
            urgent: bold.add_modifier(Modifier::REVERSED),
            failure: bold.add_modifier(Modifier::UNDERLINED),
            success: bold.add_modifier(Modifier::UNDERLINED),
            notice: bold,
            qr: qr_style(),
            charset: Charset::Utf8,
        }
    }

    /// The same styles drawn with the characters of `charset`.
    #[must_use]
    pub fn with_charset(mut self, charset: Charset) -> Self {
        self.charset = charset;
        self
    }

    /// The style of a countdown with `secs_left` seconds to go.
    pub(crate) fn countdown(&self, secs_left: u64) -> Style {
        if secs_left <= COUNTDOWN_URGENT_SECS {
            self.urgent
        } else if secs_left <= COUNTDOWN_WARN_SECS {
            self.warn
        } else {
            self.text
        }
    }
}

/// Black modules on a white background in every theme: a QR code drawn in the terminal's own
/// colours comes out inverted on dark themes, and many phone scanners reject that.
fn qr_style() -> Style {
    Style::new().fg(Color::Black).bg(Color::White)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_styles(theme: &Theme) -> Vec<Style> {
        vec![
            theme.text,
            theme.brand,
            theme.dim,
            theme.url,
            theme.code,
            theme.key,
            theme.caution,
            theme.warn,
            theme.urgent,
            theme.failure,
            theme.success,
            theme.notice,
        ]
    }

    #[test]
    fn no_color_theme_sets_no_colour_outside_the_qr_code() {
        let theme = Theme::no_color();
        for style in all_styles(&theme) {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        assert_eq!(theme.qr, qr_style());
    }

    #[test]
    fn countdown_style_changes_at_the_thresholds() {
        let theme = Theme::color();
        assert_eq!(theme.countdown(61), theme.text);
        assert_eq!(theme.countdown(60), theme.warn);
        assert_eq!(theme.countdown(21), theme.warn);
        assert_eq!(theme.countdown(20), theme.urgent);
        assert_eq!(theme.countdown(0), theme.urgent);
    }
}
