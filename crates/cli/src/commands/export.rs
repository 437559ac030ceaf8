//! `spielraum export`: argument parsing and output only; the site is written by the `export`
//! crate (in a hidden folder beside `--out`, renamed into place when complete).

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::args::StandardsArg;
use crate::progress;
use crate::shared::{compute_indicators, read_indicators};

/// Arguments of `spielraum export`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// The folder to write the static site into (created; must be missing or empty unless --force).
    #[arg(long, value_name = "SITE")]
    pub out: PathBuf,
    /// Replace a non-empty --out folder (only once the new bundle is complete).
    #[arg(long)]
    pub force: bool,
    /// Lowest zoom of the tiles [default: one below the zoom where the extract fits one tile].
    #[arg(long, value_name = "Z", value_parser = clap::value_parser!(u8).range(0..=22))]
    pub min_zoom: Option<u8>,
    /// Highest zoom of the tiles; the map overzooms beyond it [default: 16].
    #[arg(long, value_name = "Z", value_parser = clap::value_parser!(u8).range(0..=22))]
    pub max_zoom: Option<u8>,
    /// Indicators to publish: the output of `spielraum analyze --format json` (default: computed
    /// now with --standards, as `serve` does).
    #[arg(long, value_name = "FILE.json", conflicts_with = "standards")]
    pub indicators: Option<PathBuf>,
    #[command(flatten)]
    pub standards: StandardsArg,
}

/// Runs `spielraum export`.
pub fn run(args: Args) -> Result<()> {
    export::check_out(&args.out, args.force)?;
    if let (Some(min), Some(max)) = (args.min_zoom, args.max_zoom)
        && min > max
    {
        bail!("--min-zoom {min} is above --max-zoom {max}");
    }
    if crate::shared::database_url(&args.city).is_none() && !args.city.is_file() {
        bail!("cannot read {}: no such file", args.city.display());
    }
    let web = webapp::WebApp::from_env();
    if web.get(webapp::STATIC_PAGE).is_none() {
        bail!(
            "the static page is missing from {web}: build the web page first: cd web && npm ci && npm run build, then build spielraum again"
        );
    }

    let site = export::Site::begin(&args.out, args.force)?;

    let spinner = progress::spinner("reading city");
    let city = crate::shared::read_whole_city(&args.city)?;
    let indicators = match &args.indicators {
        Some(_) => read_indicators(args.indicators.as_ref())?,
        None => {
            let standards = args.standards.resolve()?;
            spinner.set_message("computing indicators");
            compute_indicators(&city, &standards).0
        }
    };
    spinner.finish_and_clear();

    let name = crate::shared::city_name(&args.city);
    let options = export::SiteOptions {
        min_zoom: args.min_zoom,
        max_zoom: args.max_zoom,
        name,
    };
    let bar = progress::bar(0, "writing tiles");
    let summary = site
        .finish(
            &city,
            indicators.as_ref(),
            &web,
            &options,
            &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            },
        )
        .map_err(|e| match e {
            export::ExportError::Empty => anyhow::anyhow!("{}: {e}", args.city.display()),
            e => e.into(),
        })?;
    bar.finish_and_clear();
    println!(
        "Wrote {}: {} tiles (zooms {}–{}), tiles.pmtiles {:.1} MB; see {}/README.md to publish it.",
        args.out.display(),
        summary.tiles,
        summary.min_zoom,
        summary.max_zoom,
        summary.archive_bytes as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}
