//! The dashboard's event log: oldest at the top, newest at the bottom, as many as fit. Each
//! event is `13:14:15 text`, wrapped under the text and styled by its level.

use ratatui::text::Line;

use super::super::layout::Section;
use super::super::wrap::labelled;
use super::{Ctx, EVENTS, EVENTS_CUT, EVENTS_FEW, EVENTS_OLDER};
use crate::app::dashboard::{Event, EventLevel};

/// Width of the time column (`13:14:15 `).
const EVENT_TIME_COLS: usize = 9;
/// Events kept while the log shrinks cheaply; fewer cost more.
const EVENTS_CHEAP_MIN: usize = 3;

/// The newest events that fit, oldest at the top, under an `Events` heading. No more than
/// `rows` events are considered: more could never fit.
pub(super) fn section(ctx: &Ctx, events: &[Event], rows: u16) -> Option<Section> {
    let recent = &events[events.len().saturating_sub(usize::from(rows))..];
    if recent.is_empty() {
        return None;
    }
    let lines: Vec<Vec<Line<'static>>> = recent.iter().map(|e| event_lines(ctx, e)).collect();
    let with_last = |keep: usize| -> Vec<Line<'static>> {
        let mut out = vec![Line::styled("Events", ctx.theme.dim)];
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

/// `13:14:15 text`, wrapped under the text, in the style of its level.
fn event_lines(ctx: &Ctx, event: &Event) -> Vec<Line<'static>> {
    let theme = ctx.theme;
    let style = match event.level {
        EventLevel::Info => theme.text,
        EventLevel::Warn => theme.warn,
        EventLevel::Error => theme.failure,
    };
    labelled(
        &event.at.utc_hms(),
        EVENT_TIME_COLS,
        &[Line::styled(event.text.clone(), style)],
        theme.dim,
        ctx.max,
    )
}
