//! The dashboard's event log: oldest at the top, newest at the bottom, as many as fit. Each
//! event is `13:14:15 text`, wrapped under the text and styled by its level; the heading names
//! the time zone. Scrolled back with ↑ (see [`Dashboard::event_scroll`]), the log ends that many
//! events before the newest and the heading says how many newer ones are hidden.
//!
//! [`Dashboard::event_scroll`]: crate::app::Dashboard::event_scroll

use ratatui::text::{Line, Span};

use super::super::layout::Section;
use super::super::wrap::labelled;
use super::{Ctx, EVENTS, EVENTS_CUT, EVENTS_FEW, EVENTS_OLDER};
use crate::app::dashboard::{Event, EventLevel};

/// Width of the time column (`13:14:15 `).
const EVENT_TIME_COLS: usize = 9;
/// Events kept while the log shrinks cheaply; fewer cost more.
const EVENTS_CHEAP_MIN: usize = 3;

/// The events that fit, ending `scroll` events before the newest, oldest at the top, under an
/// `Events` heading. No more than `rows` events are considered: more could never fit.
pub(super) fn section(ctx: &Ctx, events: &[Event], scroll: usize, rows: u16) -> Option<Section> {
    let end = events.len() - scroll.min(events.len().saturating_sub(1));
    let recent = &events[end.saturating_sub(usize::from(rows))..end];
    if recent.is_empty() {
        return None;
    }
    let heading = heading(ctx, events.len() - end, recent);
    let lines: Vec<Vec<Line<'static>>> = recent.iter().map(|e| event_lines(ctx, e)).collect();
    let with_last = |keep: usize| -> Vec<Line<'static>> {
        let mut out = vec![heading.clone()];
        out.extend(lines[lines.len() - keep..].iter().flatten().cloned());
        out
    };
    let mut section = Section::new(with_last(lines.len()));
    for keep in (1..lines.len()).rev() {
        let cost = if keep >= EVENTS_CHEAP_MIN {
            EVENTS_OLDER
        } else {
            EVENTS_FEW
        };
        section = section.or(cost, with_last(keep));
    }
    // The newest event may still be too long: keep its first lines.
    Some(
        section
            .or_shorter(EVENTS_CUT, 2, ctx.max)
            .or_drop(EVENTS)
            .gap(),
    )
}

/// `Events (CET)`, and `· 2 newer below, ↓` while scrolled back.
fn heading(ctx: &Ctx, newer_hidden: usize, shown: &[Event]) -> Line<'static> {
    let theme = ctx.theme;
    let zone = shown
        .last()
        .map(|e| format!(" ({})", ctx.zone.abbreviation(e.at)))
        .unwrap_or_default();
    let mut line = Line::styled(format!("Events{zone}"), theme.dim);
    if newer_hidden > 0 {
        line.push_span(Span::styled(
            format!(" · {newer_hidden} newer below, "),
            theme.dim,
        ));
        line.push_span(Span::styled("↓", theme.key));
    }
    line
}

/// `13:14:15 text`, wrapped under the text, in the style of its level.
fn event_lines(ctx: &Ctx, event: &Event) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let style = match event.level {
        EventLevel::Info => theme.text,
        EventLevel::Warn => theme.warn,
        EventLevel::Error => theme.failure,
    };
    labelled(
        &ctx.zone.hms(event.at),
        EVENT_TIME_COLS,
        &[Line::styled(event.text.clone(), style)],
        theme.dim,
        ctx.max,
    )
}
