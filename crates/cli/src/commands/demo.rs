//! `spielraum demo`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum demo`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum demo`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum demo' is not available yet")
}
