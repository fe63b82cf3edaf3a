//! The live part of the sign-in screen: time left on the code and what the poller is doing.
//!
//! Everything is computed from the model and the `now` passed in; nothing here keeps time.

use ratatui::text::{Line, Span};

use super::Theme;
use super::wrap::{wrap, wrap_phrases};
use crate::app::Waiting;
use crate::domain::clock::{Skew, Timestamp, format_countdown};
use crate::domain::grant::LastAnswer;
use crate::local_time::LocalTime;

/// `Code expires in 9:32 (at 13:24:15 CET)`, shortened to fit `max` columns. The countdown
/// turns to the warning and then the urgent style as the deadline nears.
pub(crate) fn code_expiry(
    expires_at: Timestamp,
    now: Timestamp,
    style: (&Theme, &LocalTime),
    max: usize,
) -> Line<'static> {
    deadline(
        ("Code expires in ", "expires ", "The code has expired"),
        expires_at,
        now,
        style,
        max,
    )
}

/// `<lead>9:32 (at 13:24:15 CET)` until `at`, then `over`; shortened to fit `max` columns
/// (without the time of day, then with the `short` lead, then the countdown alone), styled as
/// [`code_expiry`].
pub(crate) fn deadline(
    (lead, short, over): (&str, &str, &str),
    at: Timestamp,
    now: Timestamp,
    (theme, zone): (&Theme, &LocalTime),
    max: usize,
) -> Line<'static> {
    let left = now.secs_until(at);
    let style = theme.countdown(left);
    if left == 0 {
        return Line::from(Span::styled(over.to_owned(), style));
    }
    let clock = format_countdown(left);
    let when = format!(" (at {})", zone.time_of_day(at));
    let candidates = [
        vec![
            Span::raw(lead.to_owned()),
            Span::styled(clock.clone(), style),
            Span::styled(when, theme.dim),
        ],
        vec![
            Span::raw(lead.to_owned()),
            Span::styled(clock.clone(), style),
        ],
        vec![
            Span::raw(short.to_owned()),
            Span::styled(clock.clone(), style),
        ],
    ];
    candidates
        .into_iter()
        .map(Line::from)
        .find(|line| line.width() <= max)
        .unwrap_or_else(|| Line::from(Span::styled(clock, style)))
}

/// `Server clock: 42 s ahead of this machine`, wrapped to `max` columns, when the skew is
/// large enough to matter (it explains a code that seems to expire early or late).
pub(crate) fn clock_skew(
    skew: Option<Skew>,
    theme: &Theme,
    max: usize,
) -> Option<Vec<Line<'static>>> {
    let skew = skew.filter(|skew| skew.is_notable())?;
    Some(wrap(&format!("Server clock: {skew}"), theme.warn, max))
}

/// What the poller does next and what the server said last, wrapped to `max` columns, and a
/// one-line form: the status line if it fits, else just when the next poll goes out.
pub(crate) fn poll_status(
    waiting: &Waiting,
    theme: &Theme,
    max: usize,
    now: Timestamp,
) -> (Vec<Line<'static>>, Line<'static>) {
    let poller = &waiting.poller;
    let next = if poller.in_flight() {
        "Polling…".to_owned()
    } else {
        match now.secs_until(poller.next_poll_at()) {
            0 => "Polling now".to_owned(),
            secs => format!("Next poll in {secs} s"),
        }
    };
    let interval = poller.interval_secs();
    let base = waiting.auth.interval_secs.max(1);
    let mut interval_phrase = Line::raw(format!("· interval {interval} s"));
    if interval > base {
        interval_phrase.push_span(Span::styled(" ↑", theme.warn));
    }
    let mut status = vec![Line::raw(next.clone()), interval_phrase];
    // The old interval only when it fits on the line: the last answer says `slow_down` anyway.
    let was = Line::styled(format!("(was {base} s)"), theme.warn);
    if interval > base && status.iter().map(|p| p.width() + 1).sum::<usize>() + was.width() <= max {
        status.push(was);
    }
    let answer = match poller.last_answer() {
        None => vec![Line::styled("No answer from the server yet", theme.dim)],
        Some((at, answer)) => {
            let mut phrases = vec![Line::styled("Last answer:", theme.dim)];
            phrases.extend(describe(answer).into_iter().map(Line::raw));
            match at.secs_until(now) {
                0 => {}
                ago => phrases.push(Line::styled(format!("({ago} s ago)"), theme.dim)),
            }
            phrases
        }
    };
    let mut lines = wrap_phrases(&status, max);
    let one_line = match lines.as_slice() {
        [only] => only.clone(),
        _ => Line::raw(next),
    };
    lines.extend(wrap_phrases(&answer, max));
    (lines, one_line)
}

/// The last answer in a few phrases: `slow_down → 15 s`, `server busy (503),` `retry after
/// 20 s`.
fn describe(answer: &LastAnswer) -> Vec<String> {
    let retry = |wait_secs: &u64| format!("retry after {wait_secs} s");
    match answer {
        LastAnswer::Pending => vec!["pending".to_owned()],
        LastAnswer::SlowDown { interval_secs } => vec![format!("slow_down → {interval_secs} s")],
        LastAnswer::RateLimited { wait_secs } => vec!["rate-limited,".to_owned(), retry(wait_secs)],
        LastAnswer::Unavailable { status, wait_secs } => {
            vec![format!("server busy ({status}),"), retry(wait_secs)]
        }
        LastAnswer::Transport { message, wait_secs } => {
            vec![format!("network error: {message},"), retry(wait_secs)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_line_shortens_to_fit() {
        let theme = Theme::no_color();
        let now = Timestamp::from_unix_secs(1_000);
        let at = Timestamp::from_unix_secs(1_572);
        let zone = LocalTime::utc();
        let text = |max| code_expiry(at, now, (&theme, &zone), max).to_string();
        assert_eq!(text(80), "Code expires in 9:32 (at 00:26:12 UTC)");
        assert_eq!(text(30), "Code expires in 9:32");
        assert_eq!(text(12), "expires 9:32");
        assert_eq!(text(5), "9:32");
        assert_eq!(
            code_expiry(now, at, (&theme, &zone), 80).to_string(),
            "The code has expired"
        );
    }

    #[test]
    fn answers_read_as_the_brief_words_them() {
        assert_eq!(
            describe(&LastAnswer::SlowDown { interval_secs: 15 }),
            ["slow_down → 15 s"]
        );
        assert_eq!(
            describe(&LastAnswer::Unavailable {
                status: 503,
                wait_secs: 20
            }),
            ["server busy (503),", "retry after 20 s"]
        );
    }
}
