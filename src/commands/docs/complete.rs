//! Completion scripts: `clap_complete`'s static script, plus profile names for `--profile` and
//! `profiles --default`, asked of `grantty profiles --names` when the user presses Tab (so they
//! follow config.toml and the stored sessions). `--store`, `--format` and other enum flags
//! complete from their clap value names as generated. bash, zsh and fish get the profile
//! names; elvish and PowerShell get the static script.

use clap::CommandFactory as _;
use clap_complete::Shell;

use super::BIN_NAME;
use crate::cli::Cli;

/// The script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut generated = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, &mut generated);
    let text = String::from_utf8_lossy(&generated);
    let extended = match shell {
        Shell::Bash => format!("{text}{BASH_PROFILES}"),
        Shell::Zsh => zsh(&text),
        Shell::Fish => fish(&text),
        _ => return generated,
    };
    extended.into_bytes()
}

/// Wraps the generated `_grantty`: after `--profile` or `--default`, the names; otherwise the
/// generated completion. Registered last, so it replaces the generated registration.
const BASH_PROFILES: &str = r#"
_grantty_profiles() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ "$prev" == --profile || "$prev" == --default ]]; then
        local IFS=$'\n'
        COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" profiles --names 2>/dev/null)" -- "$cur") )
        return 0
    fi
    _grantty "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _grantty_profiles -o nosort -o bashdefault -o default grantty
else
    complete -F _grantty_profiles -o bashdefault -o default grantty
fi
"#;

/// The zsh action for a `PROFILE` value.
const ZSH_ACTION: &str = ":PROFILE:_grantty_profiles'";

const ZSH_FUNCTION: &str = r#"(( $+functions[_grantty_profiles] )) ||
_grantty_profiles() {
    local -a names
    names=(${(f)"$(${words[1]} profiles --names 2>/dev/null)"})
    _describe -t profiles 'profile' names
}

"#;

/// Every `PROFILE` value completes with `_grantty_profiles`, defined before the script's
/// final dispatch.
fn zsh(text: &str) -> String {
    let replaced = text.replace(":PROFILE:_default'", ZSH_ACTION);
    match replaced.find("if [ \"$funcstack[1]\" = \"_grantty\" ]") {
        Some(at) => format!("{}{ZSH_FUNCTION}{}", &replaced[..at], &replaced[at..]),
        None => format!("{replaced}\n{ZSH_FUNCTION}"),
    }
}

/// fish allows no command substitution in command position, so the binary is the one on
/// `PATH`, as the generated script assumes too.
const FISH_FUNCTION: &str = "function __fish_grantty_profiles\n    \
     command grantty profiles --names 2>/dev/null\nend\n";

/// Lines for `-l profile` and `-l default` take the names and no files.
fn fish(text: &str) -> String {
    let mut out = String::from(FISH_FUNCTION);
    for line in text.lines() {
        out.push_str(line);
        let names_flag = line.contains(" -l profile ") || line.contains(" -l default ");
        if names_flag && line.starts_with("complete ") && line.ends_with(" -r") {
            out.push_str(" -f -a \"(__fish_grantty_profiles)\"");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(shell: Shell) -> String {
        String::from_utf8(script(shell)).unwrap_or_default()
    }

    #[test]
    fn zsh_completes_every_profile_value_with_the_names() {
        let zsh = text(Shell::Zsh);
        assert!(!zsh.contains(":PROFILE:_default"), "a PROFILE left static");
        assert!(
            zsh.matches(ZSH_ACTION).count() >= 2,
            "--profile and --default"
        );
        let defined = zsh.find("_grantty_profiles() {").unwrap_or(usize::MAX);
        let dispatch = zsh.find("if [ \"$funcstack[1]\"").unwrap_or(0);
        assert!(defined < dispatch, "defined after the dispatch");
    }

    #[test]
    fn fish_completes_profile_and_default_with_the_names() {
        let fish = text(Shell::Fish);
        let lines: Vec<&str> = fish
            .lines()
            .filter(|l| l.contains("__fish_grantty_profiles)"))
            .collect();
        assert!(lines.iter().any(|l| l.contains(" -l profile ")), "{fish}");
        assert!(lines.iter().any(|l| l.contains(" -l default ")), "{fish}");
    }
}
