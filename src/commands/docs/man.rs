//! The man pages: grantty(1) with the options, the commands and the reference sections, and one
//! grantty-COMMAND(1) per command, so every page grantty(1) names exists.

use clap::CommandFactory as _;
use clap_mangen::Man;

use super::BIN_NAME;
use crate::cli::Cli;
use crate::cli::reference::{self, Section};
use crate::error::Error;

/// The command line as the pages describe it: built (globals propagated, display names set)
/// and without clap's `help` subcommand, which has no page.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The commands that have a page, in definition order.
pub fn command_names() -> Vec<String> {
    command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect()
}

fn man(cmd: clap::Command) -> Man {
    let source = format!("{BIN_NAME} {}", env!("CARGO_PKG_VERSION"));
    Man::new(cmd).manual("grantty manual").source(source)
}

/// Title, name, synopsis, description and options: how every page begins.
fn head(page: &Man) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    page.render_options_section(&mut out)?;
    Ok(out)
}

/// grantty(1). No date, so the same build always prints the same page.
pub fn main_page() -> Result<Vec<u8>, Error> {
    let cmd = command();
    let page = man(cmd.clone());
    let mut out = head(&page)?;
    page.render_subcommands_section(&mut out)?;
    let mut roff = String::new();
    for section in reference::sections() {
        push_section(&mut roff, &section);
    }
    let pages: Vec<String> = command_names()
        .iter()
        .map(|n| format!("\\fB{BIN_NAME}\\-{}\\fR(1)", escape(n)))
        .collect();
    roff.push_str(".SH \"SEE ALSO\"\n");
    roff.push_str(&pages.join(", "));
    roff.push_str(
        "\n.PP\n\\fBgrantty man\\fR \\fICOMMAND\\fR prints a command's page; \
         \\fBgrantty man \\-\\-dir\\fR \\fIDIR\\fR writes them all.\n",
    );
    out.extend_from_slice(roff.as_bytes());
    page.render_version_section(&mut out)?;
    Ok(out)
}

/// grantty-`name`(1), or a usage error naming the commands that have one.
pub fn command_page(name: &str) -> Result<Vec<u8>, Error> {
    let cmd = command();
    let Some(sub) = cmd.find_subcommand(name).filter(|c| !c.is_hide_set()) else {
        return Err(Error::Usage(format!(
            "no man page for {name:?}; commands with one: {}",
            command_names().join(", ")
        )));
    };
    let page = man(sub.clone()).title(format!("{BIN_NAME}-{name}"));
    let mut out = head(&page)?;
    let mut roff = String::new();
    for section in reference::command_sections(name) {
        push_section(&mut roff, &section);
    }
    out.extend_from_slice(roff.as_bytes());
    let see_also = "\\fBgrantty\\fR(1) for the global options in full, profiles, stores, exit \
                    status, files, environment, configuration and examples.";
    out.extend_from_slice(format!(".SH \"SEE ALSO\"\n{see_also}\n").as_bytes());
    page.render_version_section(&mut out)?;
    Ok(out)
}

/// One reference section as roff: paragraphs, a literal block, then tagged paragraphs.
fn push_section(roff: &mut String, section: &Section) {
    roff.push_str(".SH \"");
    roff.push_str(section.title);
    roff.push_str("\"\n");
    for paragraph in &section.text {
        roff.push_str(".PP\n");
        roff.push_str(&escape(paragraph));
        roff.push('\n');
    }
    if let Some(literal) = section.literal {
        roff.push_str(".PP\n.RS 4\n.nf\n");
        for line in literal.lines() {
            roff.push_str(&escape(line));
            roff.push('\n');
        }
        roff.push_str(".fi\n.RE\n");
    }
    for (term, description) in &section.items {
        for part in [
            ".TP\n\\fB",
            &escape(term),
            "\\fR\n",
            &escape(description),
            "\n",
        ] {
            roff.push_str(part);
        }
    }
}

/// Text safe for roff: backslashes and hyphens escaped, no line starting a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    let lines: Vec<String> = escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escaping_keeps_text_from_becoming_requests() {
        assert_eq!(escape("a-b \\ c"), "a\\-b \\e c");
        assert_eq!(escape(".SH x\n'y"), "\\&.SH x\n\\&'y");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn the_keep_page_explains_schedule_backoff_lifespans_events_and_once() {
        use crate::domain::clock::format_span;
        use crate::domain::upkeep::{ACCESS_MARGIN_SECS, RETRY_CAP_SECS, RETRY_FIRST_SECS};
        let page = String::from_utf8(command_page("keep").unwrap()).unwrap();
        for title in ["SCHEDULE", "BACK-OFF", "LIFESPANS", "EVENTS", "EXIT STATUS"] {
            assert!(page.contains(&format!(".SH \"{title}\"\n")), "no {title}");
        }
        for number in [ACCESS_MARGIN_SECS, RETRY_FIRST_SECS, RETRY_CAP_SECS] {
            assert!(page.contains(&format_span(number)), "{number}");
        }
        assert!(page.contains("\\fBsign\\-in\\-soon\\fR"));
        // Only keep's page has these sections; the others end with their options.
        let login = String::from_utf8(command_page("login").unwrap()).unwrap();
        assert!(!login.contains(".SH \"SCHEDULE\""));
    }
}
