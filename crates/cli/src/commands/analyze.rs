//! `spielraum analyze`: argument parsing and output only.
//!
//! [`workflow::analyze_file`] reads the city, analyses it and writes the result layers back; this
//! prints a table/JSON/CSV/GeoJSON.

use std::io::Write;
use std::path::PathBuf;

use analysis::Analysis;
use anyhow::Result;

use crate::args::{StandardsArg, TimeArg, warn_unread_hours};
use crate::output::{for_a_person, write_output};
use crate::shared::analyze;

/// Output formats of `spielraum analyze`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable table (the default when stdout is a terminal).
    Table,
    /// One JSON object (the default when stdout is not a terminal).
    Json,
    /// One row per neighbourhood.
    Csv,
    /// Neighbourhood polygons with the indicators as properties.
    Geojson,
}

/// Arguments of `spielraum analyze`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`, or a PostgreSQL connection string
    /// (`postgresql://…?schema=NAME`) of a city imported there.
    pub city: PathBuf,
    #[command(flatten)]
    pub standards: StandardsArg,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the output to this file (complete or not at all) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not write the `neighbourhood_indicators` and `gap_areas` layers into the GeoPackage
    /// (an analysis at a time never writes them).
    #[arg(long)]
    pub no_write_back: bool,
    #[command(flatten)]
    pub time: TimeArg,
    /// Store this social indicator table in the GeoPackage first (replacing its
    /// `social_indicators`), as `import --social` does; needs --social-mapping.
    #[arg(long, value_name = "FILE.csv", requires = "social_mapping")]
    pub social: Option<PathBuf>,
    /// How to read --social (docs/interfaces.md, "Social indicators").
    #[arg(long, value_name = "FILE.toml", requires = "social")]
    pub social_mapping: Option<PathBuf>,
}

/// Reads `--social` with its mapping against the city's neighbourhoods, checks it against the
/// standard's `[need.social]` and only then replaces the city's social tables (any error
/// leaves the file unchanged).
fn store_social(args: &Args, standards: &analysis::Standards) -> Result<()> {
    use anyhow::Context;
    let (Some(table), Some(mapping)) = (&args.social, &args.social_mapping) else {
        return Ok(());
    };
    let mapping = ingest::social::SocialMapping::from_file(mapping)?;
    let areas = store::read_neighbourhoods(&args.city)
        .with_context(|| format!("cannot read {}", args.city.display()))?;
    let social = ingest::social::read_social(table, &mapping, &areas)?;
    let check = model::City {
        social: social.clone(),
        ..model::City::default()
    };
    analysis::check_social(&check, standards)?;
    store::write_social(&args.city, &social).with_context(|| {
        format!(
            "cannot write the social tables into {}",
            args.city.display()
        )
    })
}

/// Runs `spielraum analyze`.
pub fn run(args: Args) -> Result<()> {
    let standards = args.standards.resolve()?;
    let when = args.time.resolve()?;
    store_social(&args, &standards)?;
    let analyzed = match (crate::shared::database_url(&args.city), &when) {
        (Some(url), when) => {
            if args.social.is_some() {
                anyhow::bail!(
                    "--social cannot be stored into a database yet: import the city with --social"
                );
            }
            crate::shared::analyze_database(url, &standards, !args.no_write_back, when.as_ref())?
        }
        (None, None) => analyze(&args.city, &standards, !args.no_write_back)?,
        (None, Some(when)) => analyze_at(&args.city, &standards, when)?,
    };
    let analysis = analyzed.analysis;
    let city = analyzed.city;
    let time = when.as_ref().map(|w| {
        warn_unread_hours(&city.facilities);
        analysis::time::time_json(w, &city.facilities)
    });

    let format = args.format.unwrap_or(if for_a_person(args.out.as_deref()) {
        Format::Table
    } else {
        Format::Json
    });
    let render = |w: &mut dyn Write| -> Result<()> {
        match format {
            Format::Table => {
                if let Some(t) = &time {
                    writeln!(w, "{}", time_line(t))?;
                }
                w.write_all(table(&analysis, &city).as_bytes())?
            }
            Format::Json => {
                let mut json = analysis.to_json();
                if let Some(t) = &time {
                    json["time"] = t.clone();
                }
                serde_json::to_writer_pretty(&mut *w, &json)?;
                writeln!(w)?;
            }
            Format::Csv => w.write_all(analysis.to_csv().as_bytes())?,
            Format::Geojson => {
                serde_json::to_writer(&mut *w, &analysis.to_geojson())?;
                writeln!(w)?;
            }
        }
        Ok(())
    };
    write_output(args.out.as_deref(), render)
}

/// `Time: Sa 15:00 (2026-12-12T15:00), 3 facilities closed then` for the table.
fn time_line(time: &serde_json::Value) -> String {
    let asked = time
        .get("at")
        .or_else(|| time.get("window"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let spans: Vec<String> = time["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| match (s[0].as_str(), s[1].as_str()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) => format!("{a}–{}", b.get(11..).unwrap_or(b)),
            _ => String::new(),
        })
        .collect();
    format!(
        "Time: {asked} ({}), {} facilities closed then",
        spans.join(", "),
        time["closed_facilities"]
    )
}

/// The analysis at a time (nothing written into the GeoPackage).
fn analyze_at(
    path: &std::path::Path,
    standards: &analysis::Standards,
    when: &model::time::TimeQuery,
) -> Result<workflow::analyze::Analyzed> {
    let progress = crate::progress::Terminal::new();
    workflow::analyze::analyze_file_at(path, standards, when, &progress).map_err(|e| match e {
        workflow::analyze::AnalyzeError::Analysis(_)
        | workflow::analyze::AnalyzeError::Schema { .. } => {
            anyhow::Error::new(crate::shared::Internal(e.to_string()))
        }
        e => anyhow::Error::new(e),
    })
}

/// The readable table: one line per neighbourhood, most need first.
fn table(a: &Analysis, city: &model::City) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let meta = |k: &str| {
        a.metadata
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("unknown")
    };
    let _ = writeln!(out, "Standard: {} ({})", a.standard_title, a.standard);
    let _ = writeln!(
        out,
        "Data: {} (as of {}), population from {}",
        meta("source_file"),
        meta("source_timestamp"),
        meta("population_source")
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:>4}  {:<24} {:>7} {:>17} {:>17} {:>17} {:>9} {:>9} {:>9}  main driver",
        "need",
        "neighbourhood",
        "pop",
        "0-5 served/gap",
        "6-11 served/gap",
        "12-17 served/gap",
        "m²",
        "m²/child",
        "2SFCA"
    );
    let mut rows: Vec<_> = a.neighbourhoods.iter().collect();
    rows.sort_by_key(|n| n.need_rank);
    let opt = |x: Option<f64>, d: usize| x.map_or("–".to_string(), |v| format!("{v:.d$}"));
    for n in rows {
        let band = |b: model::AgeBand| {
            let share = n
                .served_share(b)
                .map_or("–".to_string(), |s| format!("{:.0}%", s * 100.0));
            format!("{share}/{:.0}", n.gap_children[b.index()])
        };
        let name: String = n.name.chars().take(24).collect();
        let _ = writeln!(
            out,
            "{:>4}  {:<24} {:>7.0} {:>17} {:>17} {:>17} {:>9.0} {:>9} {:>9}  {}",
            n.need_rank,
            name,
            n.population_total,
            band(model::AgeBand::Age0To5),
            band(model::AgeBand::Age6To11),
            band(model::AgeBand::Age12To17),
            n.play_area_m2,
            opt(n.play_area_m2_per_child(), 1),
            opt(n.play_area_m2_per_child_2sfca, 1),
            n.need_driver().map_or("–".to_string(), |k| {
                analysis::need_part_label(k, &a.social_terms, analysis::names::Lang::En)
            }),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "served = share of the band's children within walking distance; gap = children outside it;\n\
         main driver = the largest part of the need score (docs/methods.md, \"Need score\")."
    );
    if let Some(g) = a.gap_areas.first() {
        // Described by the nearest street and its neighbourhood, the position in brackets.
        let streets = analysis::names::Streets::around(city, &[g.centre.0]);
        let area = g.neighbourhoods.first().and_then(|id| {
            a.neighbourhoods
                .iter()
                .find(|n| &n.id == id)
                .map(|n| n.name.as_str())
        });
        let place =
            analysis::names::place_phrase(g.centre.0, &streets, area, analysis::names::Lang::En)
                .map(|p| format!("{p} "))
                .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} gap areas; the largest: {:.0} children {place}({:.5} N, {:.5} E)",
            a.gap_areas.len(),
            g.total(),
            g.centre.y(),
            g.centre.x()
        );
    }
    out
}
