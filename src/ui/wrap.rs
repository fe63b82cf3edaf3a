//! Text that fits its column: word wrapping, label columns, cut paragraphs and key bars.
//!
//! Every function takes the column width and returns lines no wider than it, so a long string
//! from the server wraps or is cut with a mark instead of running off the screen.

use std::mem;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Display width of `text` in terminal columns.
pub(crate) fn width(text: &str) -> usize {
    Span::raw(text).width()
}

fn char_width(ch: char) -> usize {
    let mut utf8 = [0; 4];
    width(ch.encode_utf8(&mut utf8))
}

/// Word-wraps styled spans to `max` columns. Runs of spaces collapse to one; a word longer than
/// a line is broken (URLs are). No line is wider than `max`.
pub(crate) fn wrap_spans(spans: &[Span<'_>], max: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if max == 0 {
        return lines;
    }
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in spans {
        for word in span.content.split_whitespace() {
            let word_width = width(word);
            if used > 0 && used + 1 + word_width <= max {
                line.push(Span::raw(" "));
                line.push(Span::styled(word.to_owned(), span.style));
                used += 1 + word_width;
                continue;
            }
            if used > 0 {
                lines.push(Line::from(mem::take(&mut line)));
            }
            // On a line of its own; broken if it is wider than one (URLs are).
            let mut rest = word;
            loop {
                let (head, tail) = split_at_width(rest, max);
                line.push(Span::styled(head.to_owned(), span.style));
                used = width(head);
                if tail.is_empty() {
                    break;
                }
                lines.push(Line::from(mem::take(&mut line)));
                rest = tail;
            }
        }
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

/// Splits `text` so that the head fits in `max` columns. A word wider than a line is usually a
/// URL, so the cut goes after the last `/ ? & = - _ .` in the second half of the line when there
/// is one. The head is never empty, so callers always make progress.
fn split_at_width(text: &str, max: usize) -> (&str, &str) {
    let (mut used, mut end, mut preferred) = (0, 0, None);
    for (i, ch) in text.char_indices() {
        let w = char_width(ch);
        if used + w > max && end > 0 {
            break;
        }
        used += w;
        end = i + ch.len_utf8();
        if used * 2 >= max && "/?&=-_.".contains(ch) {
            preferred = Some(end);
        }
    }
    if end >= text.len() {
        return (text, "");
    }
    text.split_at(preferred.unwrap_or(end))
}

/// Wraps phrases (`Next poll in 4 s`, `· interval 5 s`) to `max` columns, keeping each one
/// on one line when it fits on one, so `5` and `s` never end up on different lines. A phrase
/// wider than a line wraps by words, starting on the current line.
pub(crate) fn wrap_phrases(phrases: &[Line<'_>], max: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line<'static>> = Vec::new();
    for phrase in phrases {
        let owned: Vec<Span<'static>> = phrase
            .spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style))
            .collect();
        let phrase_width = phrase.width();
        match lines.last_mut() {
            Some(last) if last.width() + 1 + phrase_width <= max => {
                last.spans.push(Span::raw(" "));
                last.spans.extend(owned);
            }
            _ if phrase_width <= max => lines.push(Line::from(owned)),
            _ => {
                let mut spans = lines.pop().map(|line| line.spans).unwrap_or_default();
                spans.extend(owned);
                lines.extend(wrap_spans(&spans, max));
            }
        }
    }
    lines
}

/// Word-wraps `text` in one style.
pub(crate) fn wrap(text: &str, style: Style, max: usize) -> Vec<Line<'static>> {
    wrap_spans(&[Span::styled(text, style)], max)
}

/// A label column and a value wrapped by [`wrap_phrases`]: `Client  grantty-demo`. When the
/// area is too narrow for both side by side, the label gets its own line and the value is
/// indented under it.
pub(crate) fn labelled(
    label: &str,
    label_width: usize,
    value: &[Line<'_>],
    label_style: Style,
    max: usize,
) -> Vec<Line<'static>> {
    const MIN_VALUE_WIDTH: usize = 12;
    const INDENT: usize = 2;
    let side_by_side = max >= label_width + MIN_VALUE_WIDTH;
    let (indent, head) = if side_by_side {
        (label_width, Vec::new())
    } else {
        (
            INDENT,
            vec![Line::from(Span::styled(label.to_owned(), label_style))],
        )
    };
    let mut out = head;
    for (i, mut line) in wrap_phrases(value, max.saturating_sub(indent))
        .into_iter()
        .enumerate()
    {
        let prefix = if side_by_side && i == 0 {
            Span::styled(format!("{label:<indent$}"), label_style)
        } else {
            Span::raw(" ".repeat(indent))
        };
        line.spans.insert(0, prefix);
        out.push(line);
    }
    out
}

/// `lines` cut to at most `keep` lines, the last one ending in ` …` (within `max` columns)
/// when something was cut.
pub(crate) fn truncated(lines: &[Line<'static>], keep: usize, max: usize) -> Vec<Line<'static>> {
    const MORE: &str = " …";
    let mut out: Vec<Line<'static>> = lines.iter().take(keep).cloned().collect();
    if lines.len() > keep
        && let Some(last) = out.last_mut()
    {
        loop {
            // Drop trailing blanks first, so the mark follows the last word.
            while last
                .spans
                .last()
                .is_some_and(|s| s.content.trim_end().is_empty())
            {
                last.spans.pop();
            }
            let Some(span) = last.spans.last_mut() else {
                break;
            };
            span.content = span.content.trim_end().to_owned().into();
            if last.width() + width(MORE) <= max {
                break;
            }
            if let Some(span) = last.spans.last_mut() {
                let mut text = span.content.to_string();
                text.pop();
                span.content = text.into();
            }
        }
        last.spans.push(Span::raw(MORE));
    }
    out
}

/// The key bar: `c copy code · u copy URL · q quit`. Keys are dropped from the front until the
/// rest fits, so the last one (quit) stays longest.
pub(crate) fn key_bar(keys: &[(&str, &str)], key_style: Style, max: usize) -> Line<'static> {
    for start in 0..keys.len() {
        let mut spans = Vec::new();
        for (i, (key, what)) in keys[start..].iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw(" · "));
            }
            spans.push(Span::styled((*key).to_owned(), key_style));
            spans.push(Span::raw(format!(" {what}")));
        }
        let line = Line::from(spans);
        if line.width() <= max || start + 1 == keys.len() {
            return line;
        }
    }
    Line::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn wrap_breaks_at_spaces_and_splits_long_words() {
        let lines = wrap(
            "Only enter this code if you just ran grantty",
            Style::new(),
            16,
        );
        assert_eq!(
            text(&lines),
            ["Only enter this", "code if you just", "ran grantty"]
        );
        let url = wrap("https://example.com/device", Style::new(), 10);
        assert_eq!(text(&url), ["https://", "example.", "com/device"]);
        let no_separator = wrap("abcdefghijkl", Style::new(), 5);
        assert_eq!(text(&no_separator), ["abcde", "fghij", "kl"]);
        let wide = wrap("日本語", Style::new(), 1);
        assert_eq!(
            text(&wide),
            ["日", "本", "語"],
            "a too-wide character still makes progress"
        );
        assert!(wrap("anything", Style::new(), 0).is_empty());
    }

    #[test]
    fn phrases_stay_whole_when_they_fit() {
        let phrases = [Line::raw("Next poll in 3 s"), Line::raw("· interval 2 s")];
        assert_eq!(
            text(&wrap_phrases(&phrases, 30)),
            ["Next poll in 3 s", "· interval 2 s"]
        );
        assert_eq!(
            text(&wrap_phrases(&phrases, 31)),
            ["Next poll in 3 s · interval 2 s"]
        );
        let long = [Line::raw("a"), Line::raw("bb cc dd")];
        assert_eq!(text(&wrap_phrases(&long, 5)), ["a bb", "cc dd"]);
    }

    #[test]
    fn labelled_indents_continuation_lines() {
        let lines = labelled(
            "Scopes",
            8,
            &[Line::raw("openid profile email")],
            Style::new(),
            22,
        );
        assert_eq!(text(&lines), ["Scopes  openid profile", "        email"]);
    }

    #[test]
    fn truncated_marks_the_cut_within_the_width() {
        let lines = wrap("one two three four", Style::new(), 9);
        assert_eq!(text(&truncated(&lines, 1, 9)), ["one two …"]);
        assert_eq!(text(&truncated(&lines, 1, 6)), ["one …"]);
        assert_eq!(text(&truncated(&lines, 5, 9)), ["one two", "three", "four"]);
    }

    #[test]
    fn key_bar_keeps_quit_when_narrow() {
        let keys = [("c", "copy code"), ("u", "copy URL"), ("q", "quit")];
        assert_eq!(
            key_bar(&keys, Style::new(), 80).to_string(),
            "c copy code · u copy URL · q quit"
        );
        assert_eq!(
            key_bar(&keys, Style::new(), 20).to_string(),
            "u copy URL · q quit"
        );
        assert_eq!(key_bar(&keys, Style::new(), 8).to_string(), "q quit");
    }
}
