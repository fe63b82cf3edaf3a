//! The token dashboard (placeholder until the full screen lands).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::UiCache;
use crate::app::{App, Dashboard};
use crate::domain::clock::Timestamp;

/// Draws the dashboard.
pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    dashboard: &Dashboard,
    cache: &UiCache,
    now: Timestamp,
) {
    let _ = (app, cache);
    let left = dashboard.session.access_remaining_secs(now).unwrap_or(0);
    Paragraph::new(vec![Line::raw(format!("Access token: {left} s left"))]).render(area, buf);
}
