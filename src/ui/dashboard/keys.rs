//! The dashboard's key bar, drawn from the key table (`app::keys`): while the session lives it
//! offers every key; once it has ended (or a revoke is in flight) only `l`, `?` and `q`, and `r`
//! only when there is a refresh token.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::layout::Section;
use super::super::wrap::width;
use super::{Ctx, KEYS, KEYS_TO_ONE_LINE};
use crate::app::Dashboard;
use crate::app::dashboard::Standing;
use crate::app::keys::{Binding, DASHBOARD_KEYS, offered};

/// The keys offered now, from the key table.
pub(super) fn offered_now(dashboard: &Dashboard) -> impl Iterator<Item = &'static Binding> {
    let live = dashboard.ended.is_none() && dashboard.revoke_request.is_none();
    let can_refresh = dashboard.session.meta.has_refresh_token
        && !matches!(dashboard.standing, Standing::Dead { .. });
    DASHBOARD_KEYS
        .iter()
        .filter(move |k| offered(k, live, can_refresh))
}

/// The key bar: one line with full labels when it fits, else short labels over as many lines
/// as needed, else one line of the keys that matter most. Keys without a bar label (the arrows,
/// `Esc`) are listed by `?` only.
pub(super) fn section(ctx: &Ctx, dashboard: &Dashboard) -> Section {
    bar_section(
        offered_now(dashboard),
        ctx.theme.key,
        ctx.max,
        (KEYS_TO_ONE_LINE, KEYS),
    )
}

/// The key bar of `bindings` (those with a bar label), `max` columns wide, as the dashboard's
/// [`section`] draws it; `to_one_line` and `to_nothing` are what shrinking it costs.
pub(in crate::ui) fn bar_section<'a>(
    bindings: impl Iterator<Item = &'a Binding>,
    style: Style,
    max: usize,
    (to_one_line, to_nothing): (u8, u8),
) -> Section {
    let keys: Vec<(String, &Binding)> = bindings
        .filter(|k| !k.label.is_empty())
        .map(|k| (k.key.name(), k))
        .collect();
    let long: Vec<(&str, &str)> = keys.iter().map(|(n, k)| (n.as_str(), k.label)).collect();
    let short: Vec<(&str, &str)> = keys.iter().map(|(n, k)| (n.as_str(), k.short)).collect();
    let full = match pack(&long, style, max).as_slice() {
        [one] => vec![one.clone()],
        _ => pack(&short, style, max),
    };
    let mut kept = keys.clone();
    let one_line = loop {
        let pairs: Vec<(&str, &str)> = kept.iter().map(|(n, k)| (n.as_str(), k.short)).collect();
        let lines = pack(&pairs, style, max);
        if lines.len() <= 1 || kept.len() == 1 {
            break lines.into_iter().take(1).collect();
        }
        if let Some(least) = (0..kept.len()).min_by_key(|&i| kept[i].1.keep) {
            kept.remove(least);
        }
    };
    Section::new(full)
        .or(to_one_line, one_line)
        .or_drop(to_nothing)
        .gap()
        .pinned()
}

/// `r refresh · x revoke`, packed into lines no wider than `max` (a key wider than a line gets
/// one of its own and is clipped when drawn).
fn pack(keys: &[(&str, &str)], key_style: Style, max: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for (key, what) in keys {
        let hint = [
            Span::styled((*key).to_owned(), key_style),
            Span::raw(format!(" {what}")),
        ];
        let hint_width = width(key) + 1 + width(what);
        match lines.last_mut() {
            Some(line) if line.width() + 3 + hint_width <= max => {
                line.spans.push(Span::raw(" · "));
                line.spans.extend(hint);
            }
            _ => lines.push(Line::from(hint.to_vec())),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn keys_pack_into_lines_that_fit() {
        let keys = [("r", "refresh"), ("x", "revoke"), ("q", "quit")];
        assert_eq!(
            text(&pack(&keys, Style::new(), 80)),
            ["r refresh · x revoke · q quit"]
        );
        assert_eq!(
            text(&pack(&keys, Style::new(), 20)),
            ["r refresh · x revoke", "q quit"]
        );
    }
}
