//! Starting the real binary isolated from the user running the tests: its state and
//! configuration in a temporary directory, no display, no SSH, no `BROWSER`, no `GRANTTY_*`.

/// `grantty args…` for the code flow: state and config in `state_home`, `--store file`, no
/// display, no SSH, no `BROWSER`, no `GRANTTY_*` from the user running the tests, `NO_COLOR`,
/// every stream piped.
pub fn isolated_command(state_home: &std::path::Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"));
    command.args(args).args(["--store", "file"]);
    // No display, no SSH, no `BROWSER`, no configuration from the user running the tests.
    let unset = "DISPLAY WAYLAND_DISPLAY SSH_CONNECTION SSH_TTY BROWSER GRANTTY_PROFILE \
                 GRANTTY_STORE GRANTTY_CLIENT_ID GRANTTY_CLIENT_SECRET \
                 GRANTTY_CLIENT_SECRET_PROFILE GRANTTY_CONFIG LC_ALL LC_CTYPE";
    for var in unset.split_whitespace() {
        command.env_remove(var);
    }
    command
        .env("XDG_STATE_HOME", state_home)
        .env("XDG_CONFIG_HOME", state_home)
        .env("NO_COLOR", "1")
        // A UTF-8 locale whoever runs the tests; ASCII mode is tested with LANG=C.
        .env("LANG", "C.UTF-8")
        // Times are written in the local zone: the same one on every machine.
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}
