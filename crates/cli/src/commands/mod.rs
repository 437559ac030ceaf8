//! One module per subcommand: each has `Args` (clap) and `run(args)`.
//!
//! Modules parse and format only; the work is done in the library crates.

pub mod analyze;
pub mod demo;
pub mod export;
pub mod import;
pub mod nearest;
pub mod reach;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod suggest;

/// Marks an error as internal (exit status 2) rather than the user's (exit status 1).
#[derive(Debug)]
pub struct Internal(pub String);

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Internal {}
