//! Council reports for Spielraum: per neighbourhood a map, the indicators against the standard,
//! charts, the need ranking and the methods, as one self-contained HTML file or a vector PDF.
//!
//! The numbers are read from [`analysis::Analysis::document`], the typed object `spielraum analyze
//! --format json` prints, and formatted with the documented rounding of [`Lang`]. Maps are drawn by
//! our own renderer (`map_figure`) with the map crate's style
//! (docs/decisions/0001-static-map-rendering.md);
//! the PDF is written by `krilla` with the shipped Liberation Sans font, without a browser.

mod chart;
mod content;
mod fonts;
mod html;
mod i18n;
mod map_figure;
mod pdf;
mod style;
mod svg;

use analysis::{Analysis, Standards};
use model::City;

pub use i18n::Lang;

/// The output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A4 PDF with a real text layer.
    Pdf,
    /// One self-contained HTML file.
    Html,
}

/// Which neighbourhoods get their own page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every neighbourhood, most need first.
    All,
    /// One neighbourhood, by id or name (names compared without regard to case).
    One(String),
}

/// What to render.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// PDF or HTML.
    pub format: Format,
    /// Language of every text and number format.
    pub lang: Lang,
    /// The neighbourhoods with a page of their own.
    pub scope: Scope,
    /// The generation date printed on the title page (e.g. [`today_utc`]).
    pub generated: String,
    /// The time the figures are about, as printed (`Sa 15:00 (2027-07-10T15:00), …`), when the
    /// analysis was made at a moment or window; `None`: always.
    pub time: Option<String>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--neighbourhood` names none of the city's neighbourhoods.
    #[error(
        "unknown neighbourhood \"{key}\"; valid names or ids include: {examples} ({count} in all, see `spielraum analyze`)"
    )]
    UnknownNeighbourhood {
        /// What was asked for.
        key: String,
        /// A few valid names, comma separated.
        examples: String,
        /// How many neighbourhoods there are.
        count: usize,
    },
    /// One neighbourhood was asked for, but the city has none.
    #[error(
        "the city has no neighbourhoods, so there is no \"{0}\" (import with --admin-level or --boundaries)"
    )]
    NoNeighbourhoods(String),
    /// The PDF writer failed.
    #[error("cannot render the report: {0}")]
    Render(String),
}

/// The index (into `analysis.neighbourhoods`) of the neighbourhood with id `key`, or else with
/// that name (case-insensitive).
pub fn find_neighbourhood(analysis: &Analysis, key: &str) -> Result<usize, ReportError> {
    let ns = &analysis.neighbourhoods;
    if ns.is_empty() {
        return Err(ReportError::NoNeighbourhoods(key.to_string()));
    }
    let wanted = key.trim();
    ns.iter()
        .position(|n| n.id == wanted)
        .or_else(|| {
            ns.iter()
                .position(|n| n.name.to_lowercase() == wanted.to_lowercase())
        })
        .ok_or_else(|| {
            let mut names: Vec<&str> = ns.iter().map(|n| n.name.as_str()).collect();
            names.sort_unstable();
            ReportError::UnknownNeighbourhood {
                key: key.to_string(),
                examples: names.iter().take(5).copied().collect::<Vec<_>>().join(", "),
                count: ns.len(),
            }
        })
}

/// Renders the report of `analysis` (computed from `city` with `standards` on `graph`, which
/// also draws the maps' walking catchments) as PDF or HTML bytes.
pub fn render(
    city: &City,
    graph: &network::WalkGraph,
    standards: &Standards,
    analysis: &Analysis,
    options: &ReportOptions,
) -> Result<Vec<u8>, ReportError> {
    let chosen: Vec<usize> = match &options.scope {
        Scope::All => (0..analysis.neighbourhoods.len()).collect(),
        Scope::One(key) => vec![find_neighbourhood(analysis, key)?],
    };
    let content = content::build(
        analysis,
        standards,
        &city.sources,
        &chosen,
        options.lang,
        &options.generated,
        options.time.as_deref(),
    );
    let maps = map_figure::MapData::new(city, graph, standards, analysis);
    match options.format {
        Format::Html => Ok(html::render(&content, &maps).into_bytes()),
        Format::Pdf => pdf::render(&content, &maps),
    }
}

pub use model::provenance::today_utc;

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis_of(names: &[(&str, &str)]) -> Analysis {
        let row = |(id, name): &(&str, &str)| analysis::NeighbourhoodIndicators {
            need_rank: 1,
            ..analysis::NeighbourhoodIndicators::empty(
                id.to_string(),
                name.to_string(),
                geo_types::MultiPolygon::new(Vec::new()),
            )
        };
        Analysis {
            standard: "x".into(),
            standard_title: "x".into(),
            neighbourhoods: names.iter().map(row).collect(),
            gap_areas: Vec::new(),
            unassigned_residents: 0.0,
            metadata: Vec::new(),
            social_terms: Vec::new(),
        }
    }

    #[test]
    fn neighbourhoods_are_found_by_id_then_name() {
        let a = analysis_of(&[("r1", "Vaduz"), ("r2", "Schaan"), ("Vaduz", "Triesen")]);
        // An id wins over a name.
        assert_eq!(find_neighbourhood(&a, "Vaduz").unwrap(), 2);
        assert_eq!(find_neighbourhood(&a, "schaan").unwrap(), 1);
        assert_eq!(find_neighbourhood(&a, " r1 ").unwrap(), 0);
        let err = find_neighbourhood(&a, "Atlantis").unwrap_err().to_string();
        assert!(
            err.contains("\"Atlantis\"") && err.contains("Schaan, Triesen, Vaduz"),
            "{err}"
        );
        assert!(matches!(
            find_neighbourhood(&analysis_of(&[]), "x"),
            Err(ReportError::NoNeighbourhoods(_))
        ));
    }
}
