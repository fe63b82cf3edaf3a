//! The token dashboard: the access token's countdown, the refresh token's kind and lifespan, where
//! the tokens are stored, the refresh schedule and the event log, with confirm and export
//! overlays drawn over it.
//!
//! Like the sign-in screens it is a list of [`Section`]s fitted by importance (see
//! [`layout`](super::layout)): the event log shrinks first, oldest events going before newer
//! ones; the access countdown, the refresh token's kind and its warning, the end of the session
//! and the key bar stay longest. Tokens appear only as masked previews. Once the session has
//! ended the token details go (the store no longer holds them) and only `l` and `q` are offered.

mod events;
pub(super) mod keys;
mod overlay;
mod refresh;
mod schedule;
mod standing;
mod tokens;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::layout::{Section, fit_and_draw};
use super::wrap::{labelled, wrap};
use super::{Theme, UiCache};
use crate::app::dashboard::Ended;
use crate::app::{App, Dashboard};
use crate::domain::clock::Timestamp;
use crate::local_time::LocalTime;

/// Frames at least this wide get a one-column margin.
const MARGIN_FROM_COLS: u16 = 60;
/// Areas at least this wide get the long labels (`Refresh token`) in a wider column.
const LONG_LABELS_FROM_COLS: usize = 56;

// What giving up each piece of content costs; the cheapest goes first.
const EVENTS_OLDER: u8 = 5;
const SCOPES: u8 = 10;
const CLAIMS: u8 = 12;
const AUTO_WHEN: u8 = 14;
const SPACING: u8 = 15;
const ACCESS_TYPE: u8 = 16;
const STORAGE: u8 = 22;
const REFRESH_DETAILS: u8 = 24;
const EVENTS_FEW: u8 = 26;
const EVENTS_CUT: u8 = 27;
const EVENTS: u8 = 28;
const ACCESS_EXPIRY: u8 = 29;
const TITLE: u8 = 30;
const KEYS_TO_ONE_LINE: u8 = 32;
const NOTICE: u8 = 35;
const PLAINTEXT_SHORT: u8 = 36;
const AUTO_REFRESH: u8 = 40;
const END_HINT: u8 = 45;
const END_SHORT: u8 = 50;
const AUTO_REFRESH_RETRYING: u8 = 55;
const KEYS: u8 = 60;
const PLAINTEXT: u8 = 65;
const STANDING_SHORT: u8 = 25;
const STANDING: u8 = 58;
const REFRESH: u8 = 70;

/// What the sections are drawn with: the theme, the column width, the time and its zone.
pub(super) struct Ctx<'a> {
    theme: &'a Theme,
    max: usize,
    now: Timestamp,
    zone: &'a LocalTime,
}

impl Ctx<'_> {
    fn long_labels(&self) -> bool {
        self.max >= LONG_LABELS_FROM_COLS
    }

    fn label_cols(&self) -> usize {
        if self.long_labels() { 15 } else { 9 }
    }

    /// A labelled row: `long` or `short` label, then the value's phrases.
    fn row(&self, (long, short): (&str, &str), value: &[Line<'_>]) -> Vec<Line<'static>> {
        let label = if self.long_labels() { long } else { short };
        labelled(label, self.label_cols(), value, self.theme.dim, self.max)
    }

    /// Columns a row's value gets (the rule [`labelled`] follows: side by side from 12 columns
    /// of value on, else indented by two under its label).
    fn value_cols(&self) -> usize {
        if self.max >= self.label_cols() + 12 {
            self.max - self.label_cols()
        } else {
            self.max.saturating_sub(2)
        }
    }
}

/// Draws the dashboard, then its overlay, if any.
pub(super) fn render(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    dashboard: &Dashboard,
    cache: &UiCache,
    now: Timestamp,
) {
    let theme = cache.theme();
    let body = with_margin(area);
    let ctx = Ctx {
        theme,
        max: usize::from(body.width),
        now,
        zone: &app.local_time,
    };
    let mut sections = vec![Section::new(vec![title_line(dashboard, theme)]).or_drop(TITLE)];
    match &dashboard.ended {
        Some(ended) => sections.extend(ended_sections(&ctx, ended)),
        None => sections.extend(live_sections(&ctx, dashboard)),
    }
    if let Some(notice) = app.visible_notice(now) {
        sections.push(
            Section::new(wrap(&notice.text, theme.notice, ctx.max))
                .or_drop(NOTICE)
                .gap(),
        );
    }
    sections.extend(events::section(
        &ctx,
        &dashboard.events,
        dashboard.event_scroll,
        body.height,
    ));
    sections.push(keys::section(&ctx, dashboard));
    fit_and_draw(buf, body, &sections, SPACING);
    overlay::draw(buf, area, dashboard, theme);
}

/// `grantty · <profile> · <provider host>`.
fn title_line(dashboard: &Dashboard, theme: &Theme) -> Line<'static> {
    let meta = &dashboard.session.meta;
    Line::from(vec![
        Span::styled("grantty", theme.brand),
        Span::styled(
            format!(" · {} · {}", meta.profile, meta.provider.host),
            theme.text,
        ),
    ])
}

/// The tokens, the refresh schedule and the storage, while the session lives.
fn live_sections(ctx: &Ctx, dashboard: &Dashboard) -> Vec<Section> {
    let theme = ctx.theme;
    let session = &dashboard.session;
    let [full, without_scopes, with_expiry, countdown] = tokens::access(ctx, session);
    let mut sections = vec![
        Section::new(full)
            .or(SCOPES, without_scopes)
            .or(ACCESS_TYPE, with_expiry)
            .or(ACCESS_EXPIRY, countdown)
            .gap(),
    ];
    if let Some((full, short)) = standing::banner(ctx, dashboard) {
        sections.push(
            Section::new(full)
                .or(STANDING_SHORT, short)
                .or_drop(STANDING)
                .gap(),
        );
    }
    if let Some(claims) = tokens::claims(ctx, session) {
        sections.push(Section::new(claims).or_drop(CLAIMS));
    }
    let (full, essential) = refresh::rows(ctx, dashboard);
    sections.push(
        Section::new(full)
            .or(REFRESH_DETAILS, essential)
            .or_drop(REFRESH)
            .gap(),
    );
    let (auto, auto_short, retrying) = schedule::auto_refresh(ctx, dashboard);
    let auto_importance = if retrying {
        AUTO_REFRESH_RETRYING
    } else {
        AUTO_REFRESH
    };
    sections.push(
        Section::new(auto)
            .or(AUTO_WHEN, auto_short)
            .or_drop(auto_importance),
    );
    let storage = &dashboard.storage;
    sections.push(
        Section::new(ctx.row(
            ("Storage", "Storage"),
            &[Line::raw(storage.description.clone())],
        ))
        .or_drop(STORAGE),
    );
    if storage.plaintext {
        let full =
            "Tokens are in a plaintext file (0600): anyone who can read your files can use them";
        let short = "Tokens are in a plaintext file";
        sections.push(
            Section::new(wrap(full, theme.warn, ctx.max))
                .or(PLAINTEXT_SHORT, wrap(short, theme.warn, ctx.max))
                .or_drop(PLAINTEXT),
        );
    }
    sections
}

/// Why the session is over, and what to do.
fn ended_sections(ctx: &Ctx, ended: &Ended) -> Vec<Section> {
    let theme = ctx.theme;
    let heading = match ended {
        Ended::Revoked => wrap("✓ Session revoked and deleted", theme.success, ctx.max),
        Ended::DeletedHere => wrap(
            "✓ Session deleted here; its refresh token could not be revoked (see the log)",
            theme.success,
            ctx.max,
        ),
        Ended::SignedOutElsewhere => wrap(
            &format!("✗ Session ended: {}", crate::words::SIGNED_OUT_ELSEWHERE),
            theme.failure,
            ctx.max,
        ),
    };
    let hint = Line::from(vec![
        Span::raw("Press "),
        Span::styled("l", theme.key),
        Span::raw(" to sign in again"),
    ]);
    vec![
        Section::new(heading)
            .or_shorter(END_SHORT, 1, ctx.max)
            .gap(),
        Section::new(vec![hint]).or_drop(END_HINT),
    ]
}

fn with_margin(area: Rect) -> Rect {
    if area.width >= MARGIN_FROM_COLS {
        Rect::new(area.x + 1, area.y, area.width - 2, area.height)
    } else {
        area
    }
}
