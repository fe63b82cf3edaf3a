//! A small block font for reading the user code aloud from across the room.
//!
//! Glyphs are 5 pixels tall and 3 to 5 pixels wide (M, N, O, Q and W get the width they need to
//! stay distinct from H, U and 0), drawn with half blocks: one cell is one pixel across and two
//! down, so every glyph is three rows tall. Covers `A`–`Z`, `0`–`9` and `-`; anything else makes
//! [`big_rows`] return `None` so the caller can fall back to plain text.

/// Rows a big-text line takes.
pub const BIG_ROWS: usize = 3;

/// Columns between two glyphs.
const GLYPH_GAP: usize = 1;

/// The pixel rows of `ch` (`#` is ink), or `None` when the font lacks it.
fn glyph(ch: char) -> Option<[&'static str; 5]> {
    Some(match ch.to_ascii_uppercase() {
        'A' => [".#.", "#.#", "###", "#.#", "#.#"],
        'B' => ["##.", "#.#", "##.", "#.#", "##."],
        'C' => [".##", "#..", "#..", "#..", ".##"],
        'D' => ["##.", "#.#", "#.#", "#.#", "##."],
        'E' => ["###", "#..", "##.", "#..", "###"],
        'F' => ["###", "#..", "##.", "#..", "#.."],
        'G' => [".##", "#..", "#.#", "#.#", ".##"],
        'H' => ["#.#", "#.#", "###", "#.#", "#.#"],
        'I' => ["###", ".#.", ".#.", ".#.", "###"],
        'J' => ["..#", "..#", "..#", "#.#", ".#."],
        'K' => ["#.#", "##.", "#..", "##.", "#.#"],
        'L' => ["#..", "#..", "#..", "#..", "###"],
        'M' => ["#...#", "##.##", "#.#.#", "#...#", "#...#"],
        'N' => ["#..#", "##.#", "#.##", "#..#", "#..#"],
        'O' => [".##.", "#..#", "#..#", "#..#", ".##."],
        'P' => ["##.", "#.#", "##.", "#..", "#.."],
        'Q' => [".##.", "#..#", "#..#", "#.#.", ".#.#"],
        'R' => ["##.", "#.#", "##.", "#.#", "#.#"],
        'S' => [".##", "#..", ".#.", "..#", "##."],
        'T' => ["###", ".#.", ".#.", ".#.", ".#."],
        'U' => ["#.#", "#.#", "#.#", "#.#", "###"],
        'V' => ["#.#", "#.#", "#.#", "#.#", ".#."],
        'W' => ["#...#", "#...#", "#.#.#", "##.##", "#...#"],
        'X' => ["#.#", "#.#", ".#.", "#.#", "#.#"],
        'Y' => ["#.#", "#.#", ".#.", ".#.", ".#."],
        'Z' => ["###", "..#", ".#.", "#..", "###"],
        '0' => ["###", "#.#", "#.#", "#.#", "###"],
        '1' => [".#.", "##.", ".#.", ".#.", "###"],
        '2' => ["##.", "..#", ".#.", "#..", "###"],
        '3' => ["##.", "..#", ".#.", "..#", "##."],
        '4' => ["#.#", "#.#", "###", "..#", "..#"],
        '5' => ["###", "#..", "##.", "..#", "##."],
        '6' => [".##", "#..", "###", "#.#", "###"],
        '7' => ["###", "..#", ".#.", ".#.", ".#."],
        '8' => ["###", "#.#", "###", "#.#", "###"],
        '9' => ["###", "#.#", "###", "..#", "##."],
        '-' => ["...", "...", "###", "...", "..."],
        _ => return None,
    })
}

/// The half-block character for a top and a bottom pixel.
fn half_block(top: bool, bottom: bool) -> char {
    match (top, bottom) {
        (true, true) => '█',
        (true, false) => '▀',
        (false, true) => '▄',
        (false, false) => ' ',
    }
}

/// `text` in the block font as [`BIG_ROWS`] rows of equal width, or `None` when it is empty or
/// has a character the font lacks. Lower-case letters are drawn as capitals.
pub fn big_rows(text: &str) -> Option<[String; BIG_ROWS]> {
    let glyphs: Vec<[&str; 5]> = text.chars().map(glyph).collect::<Option<_>>()?;
    if glyphs.is_empty() {
        return None;
    }
    let mut rows: [String; BIG_ROWS] = Default::default();
    for (i, pixels) in glyphs.iter().enumerate() {
        for (r, row) in rows.iter_mut().enumerate() {
            if i > 0 {
                row.extend(std::iter::repeat_n(' ', GLYPH_GAP));
            }
            let top = pixels[2 * r].as_bytes();
            let bottom = pixels.get(2 * r + 1).map_or(&[][..], |p| p.as_bytes());
            for (x, &t) in top.iter().enumerate() {
                let b = bottom.get(x).is_some_and(|&b| b == b'#');
                row.push(half_block(t == b'#', b));
            }
        }
    }
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_glyph_has_five_rows_of_one_width() {
        for ch in ('A'..='Z').chain('0'..='9').chain(['-']) {
            let rows = glyph(ch).unwrap();
            assert!(rows.iter().all(|r| r.len() == rows[0].len()), "{ch}");
            assert!(
                rows.iter().all(|r| r.chars().all(|c| c == '#' || c == '.')),
                "{ch}"
            );
        }
    }

    #[test]
    fn rfc_example_code_in_block_letters() {
        let rows = big_rows("WDJB-MJHT").unwrap();
        assert_eq!(rows[0], "█   █ █▀▄   █ █▀▄     █▄ ▄█   █ █ █ ▀█▀");
        assert_eq!(rows[1], "█▄▀▄█ █ █ ▄ █ █▀▄ ▀▀▀ █ ▀ █ ▄ █ █▀█  █ ");
        assert_eq!(rows[2], "▀   ▀ ▀▀   ▀  ▀▀      ▀   ▀  ▀  ▀ ▀  ▀ ");
        assert!(rows.iter().all(|row| row.chars().count() == 39));
    }

    #[test]
    fn unknown_characters_fall_back() {
        assert_eq!(big_rows("AB_C"), None);
        assert_eq!(big_rows(""), None);
    }
}
