//! `spielraum analyze`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum analyze`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum analyze' is not available yet")
}
