//! Sentences of `grantty exec`: why the command could not be started. The command did not run,
//! so the token went nowhere; the sentence says what to check, as a shell would (127 not found,
//! 126 found but not runnable).

use crate::domain::text::{SHORT_MAX_CHARS, sanitize};

/// `exec` could not start `program`: `error` is what `execve` (after the `PATH` search) said.
pub fn exec_failed(program: &str, error: &std::io::Error) -> String {
    let shown = sanitize(program, SHORT_MAX_CHARS);
    let path_search = !program.contains('/');
    match error.kind() {
        std::io::ErrorKind::NotFound if path_search => format!(
            "command {shown:?} not found in PATH, so it was not run: check its name, or give its full path"
        ),
        std::io::ErrorKind::NotFound => format!(
            "command {shown:?} not found, so it was not run (it, or the interpreter its #! line names, does not exist): check the path"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "command {shown:?} is not executable, so it was not run: check its permissions (chmod +x) and that it is not a directory"
        ),
        _ => format!("command {shown:?} could not be run: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_names_the_command_and_what_to_check() {
        let not_found = std::io::Error::from(std::io::ErrorKind::NotFound);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(exec_failed("curll", &not_found).contains("\"curll\" not found in PATH"));
        assert!(exec_failed("./run.sh", &not_found).contains("check the path"));
        assert!(exec_failed("./run.sh", &denied).contains("not executable"));
        assert!(
            !exec_failed("a\u{1b}[2Jb", &denied).contains('\u{1b}'),
            "no escape reaches the terminal"
        );
    }
}
