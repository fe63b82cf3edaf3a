//! Placeholder bench (filled in with per-screen render benchmarks).
fn main() {}
