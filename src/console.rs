//! Messages on stderr that never panic. `eprintln!` panics when the write fails, and a
//! terminal that vanished (an SSH connection dropped) fails every write with EIO: a message
//! printed then must not take down a process that still has tokens to save. Everything the
//! commands say on stderr goes through [`say!`](crate::say); a message that cannot be written
//! is dropped.

use std::io::Write as _;

/// Writes `text` and a newline to stderr in one write, ignoring failure.
pub fn say_line(text: std::fmt::Arguments<'_>) {
    let line = format!("{text}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `eprintln!` that cannot panic: a line on stderr, dropped when stderr is gone.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::console::say_line(format_args!($($arg)*))
    };
}
