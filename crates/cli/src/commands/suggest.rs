//! `spielraum suggest`: where new facilities would serve the most children unserved today.
//!
//! Reads the candidate sites, loads the city with `workflow::load`, asks
//! `analysis::ScenarioEngine::suggest`, prints a table or JSON.

use std::io::Write;
use std::path::PathBuf;

use analysis::names::{Lang, Streets, site_label};
use analysis::{SuggestOptions, Suggestion, suggestions_json};
use anyhow::{Context, Result};
use model::{AgeBand, FacilityKind};
use workflow::Progress;

use crate::args::StandardsArg;
use crate::output::{for_a_person, write_output};
use crate::progress::Terminal;
use crate::shared::scenario_engine;

/// Output formats of `spielraum suggest`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable table (the default when stdout is a terminal).
    Table,
    /// One JSON object (the default when stdout is not a terminal).
    Json,
}

/// Arguments of `spielraum suggest`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// Kind of the new facility: playground, school, kindergarten, open_space, library,
    /// youth_centre, family_centre, sports_pitch or community_garden.
    #[arg(long)]
    pub kind: String,
    /// How many sites to suggest (at least 1).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// Candidate sites (Points/Polygons as GeoJSON, GeoPackage, Shapefile or FlatGeobuf, any
    /// supported CRS); default: the GeoPackage's `candidate_sites` layer (open land, surface
    /// parking, school grounds, public land found in OSM). Also an http(s) URL of an OGC API
    /// Features collection or a WFS 2.0 feature type.
    #[arg(long, value_name = "FILE|URL")]
    pub candidates: Option<PathBuf>,
    /// Net area assumed for the new facility at every site, m² [default: the site's area, at
    /// most 5000 m²; the standard's point area for point sites].
    #[arg(long, value_name = "M2")]
    pub area: Option<f64>,
    #[command(flatten)]
    pub standards: StandardsArg,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Language of the sites' labels ("Parkplatz an der Landstraße" / "Car park on Landstraße").
    #[arg(long, value_enum, default_value = "de")]
    pub lang: crate::commands::report::LangArg,
    /// Write the output to this file (complete or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Runs `spielraum suggest`.
pub fn run(args: Args) -> Result<()> {
    let kind: FacilityKind = args.kind.parse().context("--kind")?;
    let standards = args.standards.resolve()?;
    let sites = match &args.candidates {
        Some(url) if url.to_str().is_some_and(ingest::remote::is_url) => {
            ingest::candidates::read_candidate_url(
                url.to_str().unwrap_or_default(),
                &ingest::remote::RemoteOptions::default(),
            )
            .context("--candidates")?
        }
        Some(file) => ingest::candidates::read_candidate_file(file)?,
        None => crate::shared::read_candidate_sites(&args.city)?,
    };
    let progress = Terminal::new();
    let engine = scenario_engine(&args.city, standards, &progress)?;
    progress.stage("choosing sites");
    let options = SuggestOptions {
        kind,
        count: usize::try_from(args.count).unwrap_or(usize::MAX),
        area_m2: args.area,
    };
    let suggestions = engine.suggest(&sites, &options)?;
    // Only the streets near the chosen sites: a few labels need no index of the whole city.
    let near: Vec<_> = suggestions
        .iter()
        .filter_map(|s| analysis::names::point_on(&s.site.geometry))
        .collect();
    let streets = Streets::around(engine.city(), &near);
    let lang = match args.lang {
        crate::commands::report::LangArg::De => Lang::De,
        crate::commands::report::LangArg::En => Lang::En,
    };
    progress.finish();

    let format = args.format.unwrap_or(if for_a_person(args.out.as_deref()) {
        Format::Table
    } else {
        Format::Json
    });
    let render = |w: &mut dyn Write| -> Result<()> {
        match format {
            Format::Table => {
                w.write_all(table(&suggestions, sites.len(), &streets, lang).as_bytes())?
            }
            Format::Json => {
                let json = suggestions_json(&suggestions, &streets, lang);
                serde_json::to_writer_pretty(&mut *w, &json)?;
                writeln!(w)?;
            }
        }
        Ok(())
    };
    write_output(args.out.as_deref(), render)
}

/// One line per suggestion, best first.
fn table(suggestions: &[Suggestion], candidates: usize, streets: &Streets, lang: Lang) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<44} {:<14} {:>7} {:>6} {:>6} {:>6}  neighbourhood",
        "rank", "site", "id", "gained", "0-5", "6-11", "12-17"
    );
    for s in suggestions {
        let cut = |t: &str, n: usize| t.chars().take(n).collect::<String>();
        let area = s.neighbourhood.as_ref().map(|(_, name)| name.as_str());
        let label = site_label(&s.site, streets, area, lang);
        let _ = writeln!(
            out,
            "{:>4}  {:<44} {:<14} {:>7.0} {:>6.0} {:>6.0} {:>6.0}  {}",
            s.rank,
            cut(&label, 44),
            cut(&s.site.id, 14),
            s.total(),
            s.gained[AgeBand::Age0To5.index()],
            s.gained[AgeBand::Age6To11.index()],
            s.gained[AgeBand::Age12To17.index()],
            s.neighbourhood
                .as_ref()
                .map_or("–", |(_, name)| name.as_str()),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{} of {candidates} candidate sites; gained = children unserved today that a facility there \
         would serve, not counting those a higher-ranked site already serves.",
        suggestions.len()
    );
    out
}
