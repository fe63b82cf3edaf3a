//! Frame time of every screen at 80×24, drawn as the runtime draws it: `ui::render` into a
//! long-lived `Terminal` (ratatui diffs each frame against the previous one), here on a
//! `TestBackend`. The goal is under 200 µs a frame with the QR code cached.
//!
//! The states are the snapshot tests' own fixtures (`tests/common`), so the bench measures
//! exactly the screens that are reviewed. `cargo bench --bench render`.

// The fixtures are shared with the tests, which may unwrap; and each bench uses only a few.
#[path = "../tests/common/example.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::panic)]
mod example;

#[path = "../tests/common/fixtures.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::panic)]
mod fixtures;

#[path = "../tests/common/dashboard_fixtures.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::panic)]
mod dashboard_fixtures;

use divan::Bencher;
use grantty::app::App;
use grantty::app::dashboard::Overlay;
use grantty::domain::clock::Timestamp;
use grantty::domain::grant::GrantFailure;
use grantty::ui::{Theme, UiCache, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use example::at;

/// The terminal size every screen is measured at.
const SIZE: (u16, u16) = (80, 24);

fn main() {
    divan::main();
}

/// Times drawing `app` at `now`; the QR code is encoded once, before the timed loop.
fn frame(bencher: Bencher, app: &App, now: Timestamp) {
    let mut cache = UiCache::new(Theme::color());
    cache.sync(app);
    // `TestBackend` cannot fail: its error type is `Infallible`.
    let Ok(mut terminal) = Terminal::new(TestBackend::new(SIZE.0, SIZE.1));
    bencher.bench_local(|| {
        let Ok(_) = terminal.draw(|f| render(f, divan::black_box(app), &cache, now));
    });
}

#[divan::bench]
fn sign_in_requesting(bencher: Bencher) {
    frame(bencher, &fixtures::requesting(), at(0));
}

#[divan::bench]
fn sign_in_waiting(bencher: Bencher) {
    frame(bencher, &fixtures::waiting(), fixtures::waiting_now());
}

/// What a frame would cost if the QR code were encoded every time (what the cache saves).
#[divan::bench]
fn sign_in_waiting_qr_uncached(bencher: Bencher) {
    let (app, now) = (fixtures::waiting(), fixtures::waiting_now());
    let Ok(mut terminal) = Terminal::new(TestBackend::new(SIZE.0, SIZE.1));
    bencher.bench_local(|| {
        let mut cache = UiCache::new(Theme::color());
        cache.sync(divan::black_box(&app));
        let Ok(_) = terminal.draw(|f| render(f, &app, &cache, now));
    });
}

#[divan::bench]
fn sign_in_approved(bencher: Bencher) {
    frame(bencher, &fixtures::approved(), fixtures::approved_now());
}

#[divan::bench]
fn sign_in_ended_denied(bencher: Bencher) {
    frame(bencher, &fixtures::denied(), at(60));
}

#[divan::bench]
fn sign_in_ended_expired(bencher: Bencher) {
    let app = fixtures::ended(GrantFailure::Expired { by_server: false });
    frame(bencher, &app, at(fixtures::EXPIRES_IN_SECS));
}

#[divan::bench]
fn sign_in_failed(bencher: Bencher) {
    frame(bencher, &fixtures::failed(), at(0));
}

#[divan::bench]
fn dashboard_fresh(bencher: Bencher) {
    let (app, now) = dashboard_fixtures::fresh();
    frame(bencher, &app, now);
}

#[divan::bench]
fn dashboard_rotated(bencher: Bencher) {
    let (app, now) = dashboard_fixtures::rotated();
    frame(bencher, &app, now);
}

#[divan::bench]
fn dashboard_export_menu(bencher: Bencher) {
    let (app, now) = dashboard_fixtures::export_menu();
    frame(bencher, &app, now);
}

#[divan::bench]
fn dashboard_revoke_confirm(bencher: Bencher) {
    let (app, now) = dashboard_fixtures::with_overlay(Overlay::ConfirmRevoke);
    frame(bencher, &app, now);
}
