//! One module per subcommand: each has `Args` (clap) and `run(args)`.
//!
//! Modules parse and format only; the work is done in the library crates. No command calls
//! another: what several need (library calls with the CLI's error classes, serving a GeoPackage,
//! the import summary) is in `crate::shared`.

pub mod analyze;
pub mod db;
pub mod demo;
pub mod export;
pub mod import;
pub mod nearest;
pub mod reach;
pub mod region;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod suggest;
pub mod user;

pub use crate::shared::Internal;
