//! Sentences of the documentation commands.

/// `grantty man` on a terminal when man(1) could not show the page: why, and that the roff
/// follows instead.
pub fn man_fallback(why: &str) -> String {
    format!(
        "grantty: {why}; printing the page as roff instead (install man-db for a formatted \
         page, or save it with `grantty man --dir DIR`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_says_why_and_what_follows() {
        let line = man_fallback("could not run man: not found");
        assert!(line.starts_with("grantty: could not run man: not found; "));
        assert!(line.contains("as roff"));
    }
}
