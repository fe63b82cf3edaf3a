//! The dashboard's automatic-refresh row: a refresh or revoke in flight, a retry after
//! failures, or when the next refresh starts (as the upkeep policy says).

use ratatui::text::Line;

use super::Ctx;
use crate::app::Dashboard;
use crate::app::dashboard::Standing;
use crate::domain::clock::format_span;

const AUTO: (&str, &str) = ("Auto-refresh", "Auto");

/// The automatic refresh: in flight, retrying, or when the next one starts; the row, a
/// shorter one, and whether it is retrying after failures (it matters more then).
pub(super) fn auto_refresh(
    ctx: &Ctx,
    dashboard: &Dashboard,
) -> (Vec<Line<'static>>, Vec<Line<'static>>, bool) {
    let theme = ctx.theme;
    let meta = &dashboard.session.meta;
    let failures = dashboard.attempts.failures;
    let plural = if failures == 1 { "failure" } else { "failures" };
    let (phrases, short, retrying) = if dashboard.revoke_request.is_some() {
        (vec![Line::raw("revoking at the server…")], None, false)
    } else if dashboard.refresh_request.is_some() {
        (vec![Line::raw("refreshing…")], None, false)
    } else if matches!(dashboard.standing, Standing::Dead { .. }) {
        (
            vec![Line::styled(
                "off: the refresh token no longer works",
                theme.failure,
            )],
            None,
            false,
        )
    } else if let Some(unsaved) = &dashboard.unsaved {
        let line = Line::styled(
            format!(
                "paused: saving again at {}",
                ctx.zone.time_of_day(unsaved.retry_at)
            ),
            theme.warn,
        );
        (vec![line], None, true)
    } else if let Some(at) = dashboard.attempts.retry_at {
        let phrases = vec![
            Line::styled(
                format!("retrying at {}", ctx.zone.time_of_day(at)),
                theme.warn,
            ),
            Line::styled(format!("after {failures} {plural}"), theme.warn),
        ];
        (phrases, None, true)
    } else if !meta.has_refresh_token {
        (
            vec![Line::styled("off: no refresh token", theme.dim)],
            None,
            false,
        )
    } else if let Some((next, _)) = dashboard.next_refresh() {
        match ctx.now.secs_until(next) {
            0 => (vec![Line::raw("due now")], None, false),
            secs => {
                let at = Line::raw(format!("next at {}", ctx.zone.time_of_day(next)));
                let phrases = vec![
                    at.clone(),
                    Line::styled(format!("(in {})", format_span(secs)), theme.dim),
                ];
                (phrases, Some(at), false)
            }
        }
    } else {
        (
            vec![Line::styled("off: no expiry given", theme.dim)],
            None,
            false,
        )
    };
    let full = ctx.row(AUTO, &phrases);
    let short = short.map_or_else(|| full.clone(), |line| ctx.row(AUTO, &[line]));
    (full, short, retrying)
}
