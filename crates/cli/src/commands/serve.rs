//! `spielraum serve`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum serve`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum serve`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum serve' is not available yet")
}
