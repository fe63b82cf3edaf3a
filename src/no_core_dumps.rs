//! Keeping secrets out of core dumps: every grantty process turns them off before it reads a
//! token or a client secret.
//!
//! Two switches, both through `rustix` (no `unsafe`): `RLIMIT_CORE` 0 (soft and hard, so
//! nothing in the process can raise it again) stops the kernel writing a core file, and
//! `PR_SET_DUMPABLE` 0 also stops a `core_pattern` pipe handler (systemd-coredump, apport),
//! which ignores the limit, and keeps other processes of the same user from attaching with
//! ptrace or reading `/proc/<pid>/mem` and `environ`. A non-dumpable process's `/proc/<pid>`
//! belongs to root; the process still reaches its own `/proc/self/fd` (the kernel lets a
//! process into its own entries), and nothing in grantty judges ownership through `/proc`.
//!
//! Children inherit the zero limit (a browser, `exec`'s command, which gets a token too); an
//! `execve` makes them dumpable again.

/// Turns core dumps off for this process. The error names the switch that failed; the caller
/// warns and goes on (a process that cannot turn them off is no worse off than before).
pub fn forbid() -> Result<(), std::io::Error> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )
    .map_err(|e| std::io::Error::new(e.kind(), format!("setrlimit(RLIMIT_CORE, 0): {e}")))?;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| std::io::Error::new(e.kind(), format!("prctl(PR_SET_DUMPABLE, 0): {e}")))?;
    Ok(())
}
