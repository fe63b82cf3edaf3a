//! Fitting sections of text into whatever space the terminal gives.
//!
//! A screen is a list of [`Section`]s, each with fallbacks from richest to most compact. When
//! the sections do not fit, [`fit`] takes the cheapest step first, one at a time: dropping the
//! blank lines between sections, or moving one section to its next fallback. Each step carries
//! an importance, so the least important content shrinks or disappears first and the code, the
//! URL and the countdown last. Whatever still does not fit is clipped, never drawn over.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::wrap::truncated;

/// A block of lines with fallbacks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Section {
    /// Richest first; `steps[i]` is the importance of falling back from `variants[i]`.
    variants: Vec<Vec<Line<'static>>>,
    steps: Vec<u8>,
    gap_before: bool,
    pinned_bottom: bool,
}

impl Section {
    /// A section showing `lines` when there is room.
    pub(crate) fn new(lines: Vec<Line<'static>>) -> Self {
        Self {
            variants: vec![lines],
            ..Self::default()
        }
    }

    /// Falls back to `lines`; `importance` is what giving up the previous variant costs.
    #[must_use]
    pub(crate) fn or(mut self, importance: u8, lines: Vec<Line<'static>>) -> Self {
        self.variants.push(lines);
        self.steps.push(importance);
        self
    }

    /// May disappear; `importance` is what that costs.
    #[must_use]
    pub(crate) fn or_drop(self, importance: u8) -> Self {
        self.or(importance, Vec::new())
    }

    /// Separated from the section before by a blank line while there is room.
    #[must_use]
    pub(crate) fn gap(mut self) -> Self {
        self.gap_before = true;
        self
    }

    /// Loses its last lines one at a time, down to `min_lines`, marking the cut with `…`; each
    /// step costs `importance`.
    #[must_use]
    pub(crate) fn or_shorter(mut self, importance: u8, min_lines: usize, max: usize) -> Self {
        let Some(full) = self.variants.last().cloned() else {
            return self;
        };
        for keep in (min_lines.max(1)..full.len()).rev() {
            self = self.or(importance, truncated(&full, keep, max));
        }
        self
    }

    /// Drawn at the bottom of the area (key bars). Pinned sections come last in the list.
    #[must_use]
    pub(crate) fn pinned(mut self) -> Self {
        self.pinned_bottom = true;
        self
    }
}

/// Which variant of each section to draw, and whether with blank lines between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fit {
    chosen: Vec<usize>,
    spacing: bool,
}

fn lines_of<'a>(sections: &'a [Section], fit: &Fit, i: usize) -> &'a [Line<'static>] {
    sections[i]
        .variants
        .get(fit.chosen[i])
        .map_or(&[], Vec::as_slice)
}

/// Whether a blank line goes before section `i`: spacing is on, the section asks for one and
/// something visible comes before it.
fn gap_before(sections: &[Section], fit: &Fit, i: usize) -> bool {
    fit.spacing
        && sections[i].gap_before
        && !lines_of(sections, fit, i).is_empty()
        && (0..i).any(|j| !lines_of(sections, fit, j).is_empty())
}

fn height_of(sections: &[Section], fit: &Fit) -> usize {
    (0..sections.len())
        .map(|i| lines_of(sections, fit, i).len() + usize::from(gap_before(sections, fit, i)))
        .sum()
}

/// Chooses variants so the sections fit in `height` rows, giving up the least important
/// content first. Blank lines between sections cost `spacing_importance`. A large section given
/// up late can leave room for smaller ones given up before it; those are put back, most
/// important first.
pub(crate) fn fit(sections: &[Section], height: usize, spacing_importance: u8) -> Fit {
    let mut fit = shrink(sections, height, spacing_importance);
    loop {
        let mut undo: Vec<(u8, Option<usize>)> = sections
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let previous = fit.chosen[i].checked_sub(1)?;
                Some((s.steps[previous], Some(i)))
            })
            .collect();
        if !fit.spacing {
            undo.push((spacing_importance, None));
        }
        undo.sort_by(|a, b| b.cmp(a));
        let restored = undo.into_iter().find_map(|(_, target)| {
            let mut richer = fit.clone();
            match target {
                Some(i) => richer.chosen[i] -= 1,
                None => richer.spacing = true,
            }
            (height_of(sections, &richer) <= height).then_some(richer)
        });
        match restored {
            Some(richer) => fit = richer,
            None => return fit,
        }
    }
}

/// Gives up the cheapest content until the sections fit or nothing more can go.
fn shrink(sections: &[Section], height: usize, spacing_importance: u8) -> Fit {
    let mut fit = Fit {
        chosen: vec![0; sections.len()],
        spacing: true,
    };
    while height_of(sections, &fit) > height {
        let cheapest_section = sections
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.steps.get(fit.chosen[i]).map(|&cost| (cost, i)))
            .min();
        match cheapest_section {
            Some((cost, _)) if fit.spacing && spacing_importance <= cost => fit.spacing = false,
            Some((_, i)) => fit.chosen[i] += 1,
            None if fit.spacing => fit.spacing = false,
            None => break,
        }
    }
    fit
}

/// Draws the fitted sections into `area`: flowing ones from the top, pinned ones at the bottom.
pub(crate) fn draw(buf: &mut Buffer, area: Rect, sections: &[Section], fit: &Fit) {
    let area = area.intersection(buf.area);
    let pinned_rows: usize = (0..sections.len())
        .filter(|&i| sections[i].pinned_bottom)
        .map(|i| lines_of(sections, fit, i).len() + usize::from(gap_before(sections, fit, i)))
        .sum();
    let pinned_rows = u16::try_from(pinned_rows).unwrap_or(u16::MAX);
    let flow_bottom = area.bottom().saturating_sub(pinned_rows).max(area.y);
    let mut y = area.y;
    let mut pinned_y = flow_bottom;
    for (i, section) in sections.iter().enumerate() {
        let (row, bottom) = if section.pinned_bottom {
            (&mut pinned_y, area.bottom())
        } else {
            (&mut y, flow_bottom)
        };
        if gap_before(sections, fit, i) {
            *row = row.saturating_add(1);
        }
        for line in lines_of(sections, fit, i) {
            if *row >= bottom {
                break;
            }
            buf.set_line(area.x, *row, line, area.width);
            *row += 1;
        }
    }
}

/// Fits `sections` into `area` and draws them.
pub(crate) fn fit_and_draw(buf: &mut Buffer, area: Rect, sections: &[Section], spacing: u8) {
    let fit = fit(sections, usize::from(area.height), spacing);
    draw(buf, area, sections, &fit);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Vec<Line<'static>> {
        vec![Line::raw(text.to_owned())]
    }

    fn sections() -> [Section; 4] {
        [
            Section::new(one("code")),
            Section::new(one("who")).or_drop(40).gap(),
            Section::new(one("poll")).or_drop(20).gap(),
            Section::new(one("keys")).or_drop(30).gap().pinned(),
        ]
    }

    #[test]
    fn fit_gives_up_least_important_first() {
        let chosen = |height| {
            let fit = fit(&sections(), height, 10);
            (fit.chosen, fit.spacing)
        };
        assert_eq!(chosen(7), (vec![0, 0, 0, 0], true));
        assert_eq!(chosen(4), (vec![0, 0, 0, 0], false));
        assert_eq!(chosen(3), (vec![0, 0, 1, 0], false));
        assert_eq!(chosen(2), (vec![0, 0, 1, 1], false));
        assert_eq!(chosen(0), (vec![0, 1, 1, 1], false));
    }

    #[test]
    fn pinned_sections_sit_at_the_bottom_and_nothing_overlaps() {
        let area = Rect::new(0, 0, 6, 8);
        let mut buf = Buffer::empty(area);
        fit_and_draw(&mut buf, area, &sections(), 10);
        let rows: Vec<String> = (0..8)
            .map(|y| {
                (0..6)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect();
        assert_eq!(rows, ["code", "", "who", "", "poll", "", "", "keys"]);
        let mut tiny = Buffer::empty(Rect::new(0, 0, 3, 1));
        let tiny_area = tiny.area;
        fit_and_draw(&mut tiny, tiny_area, &sections(), 10);
        assert_eq!(tiny[(0, 0)].symbol(), "c");
    }
}
