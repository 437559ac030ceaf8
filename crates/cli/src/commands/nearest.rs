//! `spielraum nearest`: argument parsing and output only.
//!
//! Not built yet: see the issue tracker.

/// Arguments of `spielraum nearest`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `spielraum nearest`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'spielraum nearest' is not available yet")
}
