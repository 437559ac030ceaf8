//! `spielraum import`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum import`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum import`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum import' is not available yet")
}
