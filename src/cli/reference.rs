//! The reference part of the manual, said once: profiles, stores, exit status, files,
//! environment, configuration and examples. `grantty --help` prints it as text after the
//! options, and `grantty man` as roff sections of grantty(1), both from these sections, so the
//! two never disagree. Lists that the code also holds (exit codes, store names, configuration
//! keys) are built from the code's own constants and enums.

mod content;
mod keep;

pub use content::{PROFILE_KEY_HELP, sections};

/// The sections of grantty-`command`(1) beyond its options (none for most commands).
pub fn command_sections(command: &str) -> Vec<Section> {
    match command {
        "keep" => keep::sections(),
        _ => Vec::new(),
    }
}

/// One section of the reference: a title, paragraphs, then terms with their descriptions.
#[derive(Clone, Debug)]
pub struct Section {
    /// Upper-case title, as man pages write them.
    pub title: &'static str,
    /// Paragraphs before the list.
    pub text: Vec<String>,
    /// A preformatted block after the paragraphs (a file or a session), kept as written.
    pub literal: Option<&'static str>,
    /// `(term, description)` pairs.
    pub items: Vec<(String, String)>,
}

/// The sections as plain text for `grantty --help`: titles flush left, items indented with
/// their descriptions wrapped below.
pub fn long_help() -> String {
    let mut out = String::new();
    for section in sections() {
        let mut blocks: Vec<String> = Vec::new();
        for paragraph in &section.text {
            let mut block = String::new();
            push_wrapped(&mut block, paragraph, "  ", "  ");
            blocks.push(block);
        }
        if let Some(literal) = section.literal {
            let lines = literal
                .lines()
                .map(|l| format!("      {l}").trim_end().to_owned());
            blocks.push(lines.map(|l| l + "\n").collect());
        }
        let all_short = section
            .items
            .iter()
            .all(|(term, _)| term.chars().count() < SHORT_TERM_CHARS);
        let mut items = String::new();
        for (term, description) in &section.items {
            if all_short {
                let first = format!("  {term:<SHORT_TERM_CHARS$}");
                push_wrapped(&mut items, description, &first, TERM_INDENT);
            } else {
                items.push_str("  ");
                items.push_str(term);
                items.push('\n');
                push_wrapped(&mut items, description, TERM_INDENT, TERM_INDENT);
            }
        }
        if !items.is_empty() {
            blocks.push(items);
        }
        out.push_str(section.title);
        out.push_str(":\n");
        out.push_str(&blocks.join("\n"));
        out.push('\n');
    }
    out.trim_end().to_owned()
}

/// In a section whose terms are all shorter than this, each shares a line with its description.
const SHORT_TERM_CHARS: usize = 6;
/// Indent of descriptions.
const TERM_INDENT: &str = "        ";

/// Width `--help`'s reference text is wrapped at.
const HELP_WIDTH_CHARS: usize = 80;

/// `text` wrapped at [`HELP_WIDTH_CHARS`]: the first line starts with `first`, the others
/// with `indent`.
fn push_wrapped(out: &mut String, text: &str, first: &str, indent: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if !empty && len + 1 + word.chars().count() > HELP_WIDTH_CHARS {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_text_wraps_within_the_width_and_keeps_every_word() {
        let text = long_help();
        assert!(text.lines().all(|l| l.chars().count() <= HELP_WIDTH_CHARS));
        for title in [
            "EXIT STATUS:",
            "FILES:",
            "ENVIRONMENT:",
            "CONFIGURATION:",
            "EXAMPLES:",
        ] {
            assert!(text.contains(title), "{title}");
        }
        assert!(text.contains("\n  130   cancelled (q, Ctrl-C"), "{text}");
        assert!(text.contains("STATE/PROFILE.lock"));
    }
}
