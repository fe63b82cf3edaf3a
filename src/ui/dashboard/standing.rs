//! The dashboard's banner for a session that needs attention but still works: refreshing
//! refused (tokens kept, retrying), a dead refresh token (sign in again before the access token
//! expires), or refreshed tokens the store would not take (kept in memory, saved again or kept aside).

use ratatui::text::Line;

use super::Ctx;
use crate::app::Dashboard;
use crate::app::dashboard::Standing;
use crate::ui::wrap::wrap;
use crate::words;

/// The banner's full text and a one-line short form, with the style to draw them in; `None`
/// while all is well.
pub(super) fn banner(ctx: &Ctx, d: &Dashboard) -> Option<(Vec<Line<'static>>, Vec<Line<'static>>)> {
    let theme = ctx.theme;
    // A deadline already past is no "before".
    let access_until = d
        .session
        .meta
        .access_expires_at
        .filter(|at| *at > ctx.now)
        .map(|at| ctx.zone.time_of_day(at));
    let (full, short, style) = if let Some(unsaved) = &d.unsaved {
        (
            format!(
                "⚠ Not saved: {}. The new tokens are kept in memory; saving again shortly, then to the fallback file",
                unsaved.reason
            ),
            "⚠ Not saved; retrying the save".to_owned(),
            theme.warn,
        )
    } else {
        match &d.standing {
            Standing::Active => return None,
            Standing::Refused {
                code,
                description,
                since,
            } => (
                format!(
                    "⚠ {}",
                    match since {
                        Some(since) => words::refused_since(*since, code, &d.session),
                        None => words::refresh_refused(
                            code,
                            description.as_deref(),
                            &d.session,
                            ctx.now,
                        ),
                    }
                ),
                "⚠ Refresh refused; tokens kept, retrying".to_owned(),
                theme.warn,
            ),
            Standing::Dead { reason } => {
                let text = match reason {
                    Some(reason) => words::session_ended(reason, &d.session, ctx.now),
                    None => format!(
                        "The refresh token no longer works; {}",
                        words::sign_in_again(&d.session, ctx.now)
                    ),
                };
                (
                    format!("✗ {}", upper_first(&text)),
                    access_until.map_or_else(
                        || "✗ Sign in again (l)".to_owned(),
                        |at| format!("✗ Sign in again before {at} (l)"),
                    ),
                    theme.failure,
                )
            }
        }
    };
    let mut short_lines = wrap(&short, style, ctx.max);
    short_lines.truncate(1);
    Some((wrap(&full, style, ctx.max), short_lines))
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
