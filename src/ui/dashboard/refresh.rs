//! The dashboard's refresh-token rows: its kind, age, rotations and lifespan, and the warning
//! to sign in again before it ends.
//!
//! Before the first refresh the kind is unknown; when the profile has a lifespan (Anaplan's
//! rotatable tokens), the end is shown from sign-in, marked "if it rotates".

use ratatui::text::Line;

use super::Ctx;
use crate::app::Dashboard;
use crate::domain::clock::{Timestamp, format_span};
use crate::domain::session::RefreshKind;

/// Seconds in a day: beyond it, a time of day without a date would mislead.
const DAY_SECS: u64 = 86_400;

const REFRESH: (&str, &str) = ("Refresh token", "Refresh");

/// The refresh token's rows: everything; its kind and the warning alone.
pub(super) fn rows(ctx: &Ctx, dashboard: &Dashboard) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let theme = ctx.theme;
    let meta = &dashboard.session.meta;
    let info = &meta.refresh;
    let long_unknown = "kind unknown until the first refresh";
    let kind = Line::raw(match info.kind {
        RefreshKind::Unknown if ctx.value_cols() >= long_unknown.len() => long_unknown,
        RefreshKind::Unknown => "kind unknown yet",
        RefreshKind::Rotating => "rotating",
        RefreshKind::Fixed => "fixed",
        RefreshKind::None => "none: the session ends with the access token",
    });
    let mut essential = ctx.row(REFRESH, std::slice::from_ref(&kind));
    let mut head = vec![kind];
    if let Some(token) = &dashboard.session.secrets.refresh_token {
        head.push(Line::styled(format!("· {}", token.masked()), theme.dim));
    }
    let mut full = ctx.row(REFRESH, &head);
    if info.kind != RefreshKind::None {
        let mut details = vec![Line::raw(format!(
            "issued {} ago",
            format_span(info.issued_at.secs_until(ctx.now))
        ))];
        details.extend(rotations(
            ctx,
            info.kind,
            info.rotation_count,
            info.last_rotation_at,
        ));
        let condition = if meta.refresh_end_is_conditional() {
            " if it rotates"
        } else {
            ""
        };
        // A dead token's lifespan is no deadline any more: the banner gives the one left.
        details.extend(if dashboard.refresh_token_dead() {
            vec![Line::styled("· no longer works", theme.failure)]
        } else {
            meta.refresh_token_ends().map_or_else(
                || vec![Line::styled("· lifespan unknown", theme.dim)],
                |at| lifespan(ctx, at, condition),
            )
        });
        full.extend(ctx.row(("", ""), &details));
    }
    if let Some(ends) = dashboard.refresh_token_warning(ctx.now) {
        let hhmm = ctx.zone.hour_minute(ends);
        let warning = Line::styled(format!("Sign in again before {hhmm}"), theme.warn);
        essential.extend(ctx.row(("", ""), std::slice::from_ref(&warning)));
        let why = Line::styled("(the refresh token ends then)", theme.dim);
        full.extend(ctx.row(("", ""), &[warning, why]));
    }
    (full, essential)
}

/// `· rotated 1 time (at 13:14:15 CET)`, `· rotated 3 times (last at …)`.
fn rotations(
    ctx: &Ctx,
    kind: RefreshKind,
    count: u32,
    last: Option<Timestamp>,
) -> Vec<Line<'static>> {
    if kind == RefreshKind::Fixed {
        return vec![Line::raw("· reused on each refresh")];
    }
    if count == 0 {
        return vec![Line::raw("· not rotated yet")];
    }
    let times = if count == 1 { "time" } else { "times" };
    let mut lines = vec![Line::raw(format!("· rotated {count} {times}"))];
    if let Some(at) = last {
        let last = if count == 1 { "at" } else { "last at" };
        let at = ctx.zone.time_of_day(at);
        lines.push(Line::raw(format!("({last} {at})")));
    }
    lines
}

/// `· ends in 11 h 56 min (at 01:14:15 CET)`, or `· ended at …` once past.
fn lifespan(ctx: &Ctx, at: Timestamp, condition: &str) -> Vec<Line<'static>> {
    let now = ctx.now;
    if at <= now {
        let ended = format!("· ended at {}", ctx.zone.time_of_day(at));
        return vec![Line::styled(ended, ctx.theme.failure)];
    }
    let left = now.secs_until(at);
    let mut lines = vec![Line::raw(format!(
        "· ends in {}{condition}",
        format_span(left)
    ))];
    if left < DAY_SECS {
        lines.push(Line::raw(format!("(at {})", ctx.zone.time_of_day(at))));
    }
    lines
}
