//! The dashboard's token rows: the access token's gauge and details, the ID token's unverified
//! claims (the refresh token's rows are in [`refresh`](super::refresh)).
//!
//! Every value is a list of phrases that [`labelled`](super::super::wrap::labelled) keeps whole
//! on a line when it can. Tokens appear only through `masked()`.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::Ctx;
use crate::app::dashboard::SHORT_LIVED_SECS;
use crate::domain::clock::format_countdown;
use crate::domain::session::Session;
use crate::domain::upkeep::MIN_REFRESH_GAP_SECS;
use crate::ui::Theme;

/// Seconds left under which the access countdown is drawn as a warning (yellow).
pub(crate) const ACCESS_WARN_SECS: u64 = 5 * 60;
/// Seconds left under which the access countdown is drawn as urgent (red).
pub(crate) const ACCESS_URGENT_SECS: u64 = 60;
/// The widest the gauge gets.
const GAUGE_MAX_COLS: usize = 24;
/// The narrowest gauge worth drawing.
const GAUGE_MIN_COLS: usize = 5;

const ACCESS: (&str, &str) = ("Access token", "Access");
const ID: (&str, &str) = ("ID token", "ID token");

/// The style of the access countdown with `secs_left` to go.
pub(crate) fn access_style(theme: &Theme, secs_left: u64) -> Style {
    if secs_left < ACCESS_URGENT_SECS {
        theme.urgent
    } else if secs_left < ACCESS_WARN_SECS {
        theme.warn
    } else {
        theme.text
    }
}

/// The access token's rows, richest first: everything; without the scopes; the countdown and
/// the expiry time; the countdown alone.
pub(super) fn access(ctx: &Ctx, session: &Session) -> [Vec<Line<'static>>; 4] {
    let theme = ctx.theme;
    let meta = &session.meta;
    let headline = match meta.access_expires_at {
        Some(at) => {
            let left = ctx.now.secs_until(at);
            if left == 0 {
                Line::styled("expired", theme.urgent)
            } else {
                let lifetime = meta.access_issued_at.secs_until(at);
                gauge(theme, left, lifetime, ctx.value_cols())
            }
        }
        None => Line::styled("no expiry given by the server", theme.dim),
    };
    let countdown = ctx.row(ACCESS, &[headline]);
    let mut details = Vec::new();
    if let Some(at) = meta.access_expires_at {
        details.push(Line::raw(format!("expires {}", ctx.zone.time_of_day(at))));
        let lifetime = meta.access_issued_at.secs_until(at);
        if lifetime < SHORT_LIVED_SECS {
            details.push(Line::styled(
                format!(
                    "very short-lived ({lifetime} s): refreshed at most every {MIN_REFRESH_GAP_SECS} s"
                ),
                theme.warn,
            ));
        }
    }
    let mut with_expiry = countdown.clone();
    with_expiry.extend(ctx.row(("", ""), &details));
    details.push(Line::raw(format!("· {}", meta.token_type)));
    let masked = session.secrets.access_token.masked();
    details.push(Line::styled(format!("· {masked}"), theme.dim));
    let mut without_scopes = countdown.clone();
    without_scopes.extend(ctx.row(("", ""), &details));
    let scopes = match &meta.scope {
        Some(scope) => Line::raw(format!("scopes {scope}")),
        None => Line::styled("scopes as requested", theme.dim),
    };
    let mut full = without_scopes.clone();
    full.extend(ctx.row(("", ""), &[scopes]));
    [full, without_scopes, with_expiry, countdown]
}

/// `████████░░░░ 52:10 left`, in the countdown's style, `cols` wide at most.
fn gauge(theme: &Theme, left: u64, lifetime: u64, cols: usize) -> Line<'static> {
    let style = access_style(theme, left);
    let clock = format!("{} left", format_countdown(left));
    let bar_cols = cols
        .saturating_sub(clock.chars().count() + 1)
        .min(GAUGE_MAX_COLS);
    if bar_cols < GAUGE_MIN_COLS {
        return Line::styled(clock, style);
    }
    let filled = filled_cols(left, lifetime, bar_cols);
    // Reversed full blocks would vanish in the no-colour theme's urgent style.
    let bar_style = style.remove_modifier(Modifier::REVERSED);
    Line::from(vec![
        Span::styled("█".repeat(filled), bar_style),
        Span::styled("░".repeat(bar_cols - filled), theme.dim),
        Span::raw(" "),
        Span::styled(clock, style),
    ])
}

/// Cells of a `cols`-wide bar filled for `left` of `lifetime` seconds: at least one while any
/// time is left, all of them only when none has passed.
fn filled_cols(left: u64, lifetime: u64, cols: usize) -> usize {
    if left == 0 {
        return 0;
    }
    let lifetime = lifetime.max(left);
    let cols_u64 = u64::try_from(cols).unwrap_or(u64::MAX);
    let filled = (left.saturating_mul(cols_u64) / lifetime).max(1);
    usize::try_from(filled).map_or(cols, |f| f.min(cols))
}

/// The ID token's claims, marked unverified; `None` without an ID token.
pub(super) fn claims(ctx: &Ctx, session: &Session) -> Option<Vec<Line<'static>>> {
    let claims = session.meta.claims.as_ref()?;
    let mut phrases: Vec<Line<'static>> = Vec::new();
    let mut push = |text: String| {
        let text = if phrases.is_empty() {
            text
        } else {
            format!("· {text}")
        };
        phrases.push(Line::raw(text));
    };
    if let Some(who) = claims.email.as_ref().or(claims.name.as_ref()) {
        push(who.clone());
    }
    if let Some(sub) = &claims.subject {
        push(format!("sub {sub}"));
    }
    if let Some(iss) = &claims.issuer {
        push(format!("iss {iss}"));
    }
    if let Some(exp) = claims.expires_at {
        // `exp` is on the server's clock (RFC 7519 §4.1.4); every time shown here is on ours.
        let exp = session.meta.clock_skew.unwrap_or_default().to_local(exp);
        push(format!("exp {}", ctx.zone.time_of_day(exp)));
    }
    phrases.push(Line::styled("(unverified)", ctx.theme.dim));
    Some(ctx.row(ID, &phrases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauge_fills_in_proportion_and_never_empties_early() {
        assert_eq!(filled_cols(3600, 3600, 20), 20);
        assert_eq!(filled_cols(1800, 3600, 20), 10);
        assert_eq!(filled_cols(1, 3600, 20), 1);
        assert_eq!(filled_cols(0, 3600, 20), 0);
        assert_eq!(filled_cols(50, 0, 20), 20, "a lifetime of zero is full");
    }

    #[test]
    fn access_style_thresholds() {
        let theme = Theme::color();
        assert_eq!(access_style(&theme, ACCESS_WARN_SECS), theme.text);
        assert_eq!(access_style(&theme, ACCESS_WARN_SECS - 1), theme.warn);
        assert_eq!(access_style(&theme, ACCESS_URGENT_SECS), theme.warn);
        assert_eq!(access_style(&theme, ACCESS_URGENT_SECS - 1), theme.urgent);
    }
}
