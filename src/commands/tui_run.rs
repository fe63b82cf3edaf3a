//! The full-screen frontend's run: the terminal taken, the loop run with the terminal's events
//! (and, for the code flow, its loopback listener's answer), the terminal restored before the
//! outcome is left in the scrollback.

use crate::app::{App, Msg};
use crate::cli::SessionArgs;

use crate::error::Error;
use crate::local_time::LocalTime;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::Provider;
use crate::plain::status_line;
use crate::runtime::{self, Context, Exit};
use crate::session_service::SessionService;

use crate::tui::{self, Tui};
use crate::ui::Theme;

/// Runs `app` full-screen on `ctx` until the user leaves, with `extra` messages (the code
/// flow's loopback listener) besides the terminal's; restores the terminal before leaving the
/// outcome in the scrollback.
pub(super) async fn run_tui<S>(
    app: &mut App,
    ctx: &Context<ReqwestTransport>,
    extra: S,
) -> Result<Exit, Error>
where
    S: futures_util::Stream<Item = Msg> + Unpin,
{
    let theme = if tui::no_color_requested() {
        Theme::no_color()
    } else {
        Theme::color()
    };
    let theme = theme.with_charset(crate::charset::Charset::from_env());
    let mut frontend = Tui::enter(theme)?;
    let events = futures_util::stream::select(tui::events(), extra);
    let exit = runtime::run(app, &mut frontend, ctx, events).await;
    drop(frontend); // restore the terminal before anything is printed
    let exit = exit?;
    // The alternate screen is gone: leave the outcome in the scrollback.
    if app.finished() {
        crate::say!("{}", status_line(app, ctx.clock().now()));
    }
    Ok(exit)
}

/// Runs `app` (the code flow's screen) full-screen, with `extra` messages besides the
/// terminal's, and maps how it ended to an exit code.
pub(crate) async fn run_screen_with<S>(
    mut app: App,
    provider: Provider,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
    extra: S,
) -> Result<(), Error>
where
    S: futures_util::Stream<Item = Msg> + Unpin,
{
    app.local_time = LocalTime::load();
    let ctx = Context::new(service, provider, &session.profile);
    let exit = run_tui(&mut app, &ctx, extra).await?;
    super::outcome(&app, exit)
}
