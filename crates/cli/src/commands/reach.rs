//! `spielraum reach`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum reach`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum reach`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum reach' is not available yet")
}
