//! `spielraum import`: argument parsing and output only.
//!
//! [`workflow::import_city`] reads the OSM extract (and optional boundaries) and writes one GeoPackage.

use std::path::{Path, PathBuf};

use anyhow::Result;
use workflow::sources::SourceNote;
use workflow::{ImportOptions, import_city};

use crate::progress::Terminal;
use crate::shared::print_import;

/// Arguments of `spielraum import`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The OpenStreetMap extract (.osm.pbf).
    pub input: PathBuf,
    /// The GeoPackage to write (replaced atomically when the import succeeds), or a PostgreSQL
    /// connection string (`postgresql://…?schema=NAME`, migrated with `spielraum db migrate`):
    /// its layers are replaced in one transaction.
    #[arg(long, value_name = "CITY.gpkg")]
    pub out: PathBuf,
    /// The OSM admin_level of the neighbourhoods (default: the most detailed level that tiles the extract).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=15))]
    pub admin_level: Option<u8>,
    /// Neighbourhoods from a file of polygons instead of OSM boundaries: GeoJSON, GeoPackage
    /// (.gpkg), Shapefile (.shp with .dbf and .prj, or a .zip holding one) or FlatGeobuf (.fgb),
    /// in WGS84, ETRS89/UTM (EPSG:25832/25833), LAEA (3035), Web Mercator (3857) or
    /// Gauss–Krüger (31466–31469); or an http(s) URL of an OGC API Features collection
    /// (…/collections/ID[/items]) or a WFS 2.0 (…?service=WFS&typeNames=…); see
    /// docs/interfaces.md.
    #[arg(long, value_name = "FILE|URL")]
    pub boundaries: Option<PathBuf>,
    /// The boundaries' attribute holding each area's id [default: the feature id or an `id`
    /// attribute, else the running number].
    #[arg(long, value_name = "ATTR", requires = "boundaries")]
    pub boundary_id: Option<String>,
    /// The boundaries' attribute holding each area's name [default: name, NAME or Name].
    #[arg(long, value_name = "ATTR", requires = "boundaries")]
    pub boundary_name: Option<String>,
    /// The GeoPackage table holding the boundaries [default: its only feature table]; for a
    /// WFS URL without typeNames, the feature type.
    #[arg(long, value_name = "TABLE", requires = "boundaries")]
    pub boundary_layer: Option<String>,
    /// The longest wait for one page from a URL input, in seconds (connecting: 10 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub url_timeout: f64,
    /// Residents from a Zensus 2022 100 m grid, a Zensus age table, or points (CSV `lon,lat,residents`
    /// or GeoJSON); may be given more than once. Without it, residents are estimated from buildings.
    #[arg(long, value_name = "FILE")]
    pub population: Vec<PathBuf>,
    /// Known residents per neighbourhood (CSV `name_or_id,population`): the estimate is scaled to them.
    #[arg(long, value_name = "FILE.csv")]
    pub population_totals: Option<PathBuf>,
    /// Residents by age per area from the residents' register (CSV keyed by area id; `,` or `;`,
    /// decimal comma, UTF-8 or Windows-1252), spread over each area's residential buildings.
    /// Wins over --population in the areas it has a row for. Needs --register-mapping.
    #[arg(long, value_name = "FILE")]
    pub population_register: Option<PathBuf>,
    /// How to read --population-register: `berlin-lor` (Berlin's LOR matrix, columns E_Exx_yy),
    /// `long-form` (`area_id,age_from,age_to,count`) or a TOML mapping file.
    #[arg(long, value_name = "berlin-lor|long-form|FILE.toml")]
    pub register_mapping: Option<String>,
    /// The city's own facility inventory (e.g. its playground register): a vector file or an
    /// OGC API Features / WFS 2.0 URL like --boundaries (the mapping's `layer` names the WFS
    /// type), conflated with OSM's facilities. Needs --facility-mapping.
    #[arg(long, value_name = "FILE|URL", requires = "facility_mapping")]
    pub facilities: Option<PathBuf>,
    /// How to read --facilities: a TOML file naming the inventory's id, name, kind, net play
    /// area, … attributes and the conflation settings (docs/interfaces.md, "Facility mapping").
    #[arg(long, value_name = "FILE.toml", requires = "facilities")]
    pub facility_mapping: Option<PathBuf>,
    /// Also write the conflation record (matched / only official / only OSM / disagreements)
    /// as CSV.
    #[arg(long, value_name = "FILE.csv", requires = "facilities")]
    pub conflation_csv: Option<PathBuf>,
    /// Social indicators per area (CSV keyed by area id, e.g. the share of children in
    /// households receiving SGB II benefits; `,` or `;`, decimal comma, UTF-8 or Windows-1252),
    /// stored in the table `social_indicators` and weighed into the need score by the
    /// standard's `[need.social]`. Needs --social-mapping.
    #[arg(long, value_name = "FILE.csv", requires = "social_mapping")]
    pub social: Option<PathBuf>,
    /// How to read --social: a TOML file naming the id column and each indicator's column, key,
    /// labels and unit (share or percent); see docs/interfaces.md ("Social indicators").
    #[arg(long, value_name = "FILE.toml", requires = "social")]
    pub social_mapping: Option<PathBuf>,
    /// Drop the scenarios stored in the --out file instead of carrying them over into the new import.
    #[arg(long)]
    pub replace_scenarios: bool,
    /// The licence of an input, recorded in the GeoPackage's `data_sources` table (INPUT: its
    /// path as given or its file name); may be given more than once.
    #[arg(long, value_name = "INPUT=TEXT", value_parser = note_parser(true))]
    pub licence: Vec<SourceNote>,
    /// The credit maps and reports show for an input (e.g. "© Amt für Statistik
    /// Berlin-Brandenburg"); may be given more than once.
    #[arg(long, value_name = "INPUT=TEXT", value_parser = note_parser(false))]
    pub attribution: Vec<SourceNote>,
}

/// Parses `INPUT=TEXT` into a licence (`true`) or credit note.
fn note_parser(licence: bool) -> impl Fn(&str) -> Result<SourceNote, String> + Clone {
    move |arg| {
        SourceNote::parse(arg, licence).ok_or_else(|| {
            format!("'{arg}': expected INPUT=TEXT (an input's file name, '=', the text)")
        })
    }
}

impl Args {
    /// The workflow's options.
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            input: self.input.clone(),
            out: self.out.clone(),
            admin_level: self.admin_level,
            boundaries: self.boundaries.clone(),
            boundary_id: self.boundary_id.clone(),
            boundary_name: self.boundary_name.clone(),
            boundary_layer: self.boundary_layer.clone(),
            url_timeout: std::time::Duration::try_from_secs_f64(self.url_timeout).ok(),
            population: self.population.clone(),
            population_totals: self.population_totals.clone(),
            population_register: self.population_register.clone(),
            register_mapping: self.register_mapping.clone(),
            facilities: self.facilities.clone(),
            facility_mapping: self.facility_mapping.clone(),
            conflation_csv: self.conflation_csv.clone(),
            social: self.social.clone(),
            social_mapping: self.social_mapping.clone(),
            replace_scenarios: self.replace_scenarios,
            source_notes: self
                .licence
                .iter()
                .chain(&self.attribution)
                .cloned()
                .collect(),
        }
    }
}

/// Runs `spielraum import`.
pub fn run(args: Args) -> Result<()> {
    let progress = Terminal::new();
    match crate::shared::database_url(&args.out) {
        Some(url) => {
            let outcome = workflow::database::import_into(url, &args.options(), &progress)?;
            let shown = workflow::database::shown(url);
            print_import(&outcome, Path::new(&shown));
            crate::args::warn_unread_hours(&outcome.city.facilities);
        }
        None => {
            let outcome = import_city(&args.options(), &progress)?;
            print_import(&outcome, &args.out);
            // Opening hours that cannot be read are named now, not first at an analysis at a
            // time.
            crate::args::warn_unread_hours(&outcome.city.facilities);
        }
    }
    Ok(())
}
