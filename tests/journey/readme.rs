//! The README is what an admin reads first: at most 600 lines, opening with the two commands
//! (the demo and the tests), then the Anaplan quick start; its links lead somewhere. Developer
//! material lives in CONTRIBUTING.md, whose links are checked the same way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

/// The longest README an admin is asked to read.
const README_MAX_LINES: usize = 600;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every anchor of a markdown text: its headings (outside code blocks) and `<a id="…">`.
fn anchors(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.starts_with('#') {
            found.push(slug(line.trim_start_matches('#')));
        }
        for (at, _) in line.match_indices("<a id=\"") {
            let rest = &line[at + "<a id=\"".len()..];
            found.push(rest.split('"').next().unwrap().to_owned());
        }
    }
    found
}

/// Every `](target)` link of a markdown text.
fn links(text: &str) -> Vec<String> {
    text.match_indices("](")
        .map(|(at, _)| {
            let rest = &text[at + 2..];
            rest[..rest.find(')').unwrap()].to_owned()
        })
        .collect()
}

/// Checks that each link of `name` leads to an anchor of its own, or to a file of the
/// repository (and an anchor there).
fn assert_links_resolve(name: &str) {
    let text = read(name);
    for link in links(&text) {
        if link.starts_with("http://") || link.starts_with("https://") {
            continue;
        }
        let (file, anchor) = link.split_once('#').unwrap_or((link.as_str(), ""));
        let target = if file.is_empty() {
            text.clone()
        } else {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            assert!(path.exists(), "{name}: link to a missing file {link:?}");
            std::fs::read_to_string(path).unwrap_or_default()
        };
        if !anchor.is_empty() {
            assert!(
                anchors(&target).iter().any(|a| a == anchor),
                "{name}: link {link:?} leads to no heading"
            );
        }
    }
}

#[test]
fn readme_is_short_and_opens_with_the_demo_and_the_tests() {
    let readme = read("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= README_MAX_LINES,
        "README.md has {lines} lines; at most {README_MAX_LINES} (move developer material to CONTRIBUTING.md)"
    );
    // The first code block holds the two commands, and nothing comes before it but the title
    // and the introduction.
    let first_block = readme.split("```").nth(1).unwrap();
    let commands: Vec<&str> = first_block
        .lines()
        .skip(1)
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(commands, ["cargo run --release -- demo", "cargo test"]);
    let before = readme.split("```").next().unwrap();
    assert_eq!(
        before.matches("\n## ").count(),
        0,
        "sections before the commands"
    );
    // Then the Anaplan quick start is the first section.
    let first_section = readme.lines().find(|l| l.starts_with("## ")).unwrap();
    assert_eq!(first_section, "## Anaplan quick start");
}

#[test]
fn readme_covers_what_an_anaplan_admin_needs() {
    let readme = read("README.md");
    for needed in [
        "--flow code",
        "--client-secret-file",
        "--host",
        "--print-systemd-unit",
        "keep --all --once",
        "--notify",
        "GRANTTY_EVENT",
        "sign-in-soon",
        "token --profile work --format header",
        "grantty exec",
        "GRANTTY_AUTHORIZATION",
        "grantty logout",
        "## Moving from basic authentication or CA certificates (Anaplan Connect)",
        "## A fleet",
        "GRANTTY_ETCD_SEAL_KEY_FILE",
        // Named by messages and module docs of the code.
        "## Profiles",
        "## Integrations",
    ] {
        assert!(readme.contains(needed), "README.md lacks {needed:?}");
    }
    // Developer material is in CONTRIBUTING.md.
    for moved in ["## Tests", "## Layout", "## Measurements"] {
        assert!(
            !readme.contains(&format!("{moved}\n")),
            "{moved} is in README.md"
        );
        assert!(
            read("CONTRIBUTING.md").contains(&format!("{moved}\n")),
            "{moved}"
        );
    }
}

#[test]
fn links_of_readme_and_contributing_lead_somewhere() {
    assert_links_resolve("README.md");
    assert_links_resolve("CONTRIBUTING.md");
}

#[test]
fn slugs_follow_github() {
    assert_eq!(
        slug(" 1. What to ask the tenant admin for"),
        "1-what-to-ask-the-tenant-admin-for"
    );
    assert_eq!(
        slug(" Confidential clients: client secrets"),
        "confidential-clients-client-secrets"
    );
}
