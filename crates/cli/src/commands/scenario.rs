//! `spielraum scenario`: planning scenarios stored in the city's GeoPackage (new, add, remove,
//! open, enlarge, list, show, update, drop-edit, delete) and their before/after (compare).
//!
//! Edits naming a facility are checked against the city's facilities before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use geo_types::{Geometry, Point};
use model::scenario::{Access, Edit, PlannedFacility};
use model::{FacilityKind, OsmId};
use serde_json::{Value as Json, json};
use store::{ScenarioInfo, ScenarioStore, Scenarios};

use workflow::Progress;

use crate::args::{StandardsArg, TimeArg, warn_unread_hours};
use crate::output::{for_a_person, write_output};
use crate::progress::Terminal;
use crate::shared::scenario_engine;

/// Arguments of `spielraum scenario`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// Output formats of `list`, `show` and `compare`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable table (the default when stdout is a terminal).
    Table,
    /// JSON (the default when stdout is not a terminal).
    Json,
}

/// The city and the scenario (its id or name) an edit goes to.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// The city GeoPackage written by `spielraum import`.
    #[arg(value_name = "CITY.gpkg")]
    pub city: PathBuf,
    /// The scenario's name or id.
    pub scenario: String,
}

/// The subcommands of `spielraum scenario`.
#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Create an empty scenario.
    New {
        /// The city GeoPackage written by `spielraum import`.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Its name (unique in the file, not a number).
        name: String,
        /// What it is about.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add a planned facility (a point, or the geometry of a vector file).
    Add {
        #[command(flatten)]
        target: Target,
        /// A vector file (GeoJSON, GeoPackage, Shapefile or FlatGeobuf, any supported CRS) with one
        /// Point, Polygon or MultiPolygon.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["lon", "lat"])]
        geojson: Option<PathBuf>,
        /// Longitude of a planned point (WGS84 degrees).
        #[arg(long, allow_hyphen_values = true)]
        lon: Option<f64>,
        /// Latitude of a planned point (WGS84 degrees).
        #[arg(long, allow_hyphen_values = true)]
        lat: Option<f64>,
        /// Its kind: playground, school, kindergarten, open_space, library, youth_centre,
        /// family_centre, sports_pitch or community_garden.
        #[arg(long)]
        kind: String,
        /// Its name [default: the feature's `name`].
        #[arg(long)]
        name: Option<String>,
        /// Net area in m² [default: a polygon's own area; none for a point].
        #[arg(long, value_name = "M2", allow_hyphen_values = true)]
        area_m2: Option<f64>,
        /// Who may use it: public, restricted or private.
        #[arg(long, default_value = "public")]
        access: String,
    },
    /// Close an existing facility (adds a remove edit).
    Remove {
        #[command(flatten)]
        target: Target,
        /// The facility's OSM id (`n123`, `w123`, `r123`; `n-1` for a planned one).
        #[arg(long, value_name = "OSM_ID", allow_hyphen_values = true)]
        facility: String,
    },
    /// Change who may use a facility, e.g. open a school yard to the public.
    Open {
        #[command(flatten)]
        target: Target,
        /// The facility's OSM id.
        #[arg(long, value_name = "OSM_ID", allow_hyphen_values = true)]
        facility: String,
        /// Its new access: public (counts fully), restricted (the standard's weight) or private.
        #[arg(long, default_value = "public")]
        access: String,
    },
    /// Give a facility a new net area.
    Enlarge {
        #[command(flatten)]
        target: Target,
        /// The facility's OSM id.
        #[arg(long, value_name = "OSM_ID", allow_hyphen_values = true)]
        facility: String,
        /// Its new net area in m².
        #[arg(long, value_name = "M2", allow_hyphen_values = true)]
        area_m2: f64,
    },
    /// Close streets to traffic for play at given hours (a temporary play street).
    PlayStreet {
        #[command(flatten)]
        target: Target,
        /// The OSM ways of the street, comma separated (`w123,w124`): ways of the walking network.
        #[arg(long, value_name = "WAYS", value_delimiter = ',', required = true)]
        ways: Vec<String>,
        /// When it is closed for play, in OSM opening_hours syntax, e.g. "Sa 14:00-18:00".
        #[arg(long)]
        hours: String,
        /// Width that can be played on, in m [default: the way's `width` tag, else 6].
        #[arg(long, value_name = "M")]
        width_m: Option<f64>,
        /// First day of the programme (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Last day of the programme (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// A name for the measure.
        #[arg(long)]
        name: Option<String>,
    },
    /// Open a school yard or kindergarten ground to the public at given hours (full weight then).
    OpenAfterHours {
        #[command(flatten)]
        target: Target,
        /// The facility's OSM id.
        #[arg(long, value_name = "OSM_ID", allow_hyphen_values = true)]
        facility: String,
        /// When it is open to all, in OSM opening_hours syntax, e.g. "Mo-Fr 15:00-19:00".
        #[arg(long)]
        hours: String,
        /// First day of the programme (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Last day of the programme (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
    },
    /// Undo one edit of a scenario (later edits move up; planned facilities after it are renumbered).
    DropEdit {
        #[command(flatten)]
        target: Target,
        /// The edit's position as `show` lists it (from 0).
        #[arg(long)]
        position: usize,
    },
    /// Rename a scenario or change its description.
    Update {
        #[command(flatten)]
        target: Target,
        /// The new name.
        #[arg(long)]
        name: Option<String>,
        /// The new description.
        #[arg(long)]
        description: Option<String>,
    },
    /// List the scenarios of a city.
    List {
        /// The city GeoPackage written by `spielraum import`.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Output format [default: table on a terminal, json otherwise].
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Show one scenario and its edits.
    Show {
        #[command(flatten)]
        target: Target,
        /// Output format [default: table on a terminal, json otherwise].
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Delete a scenario and its edits.
    Delete {
        #[command(flatten)]
        target: Target,
    },
    /// Move a scenario to draft, proposed, agreed or rejected (the command line acts as an
    /// administrator: it holds the file).
    SetStatus {
        #[command(flatten)]
        target: Target,
        /// draft, proposed, agreed or rejected.
        status: String,
    },
    /// Tag a scenario with a department (an empty text removes the tag).
    SetDepartment {
        #[command(flatten)]
        target: Target,
        /// The department, e.g. "Schulverwaltungsamt".
        department: String,
    },
    /// Comment on a scenario, or on one of its edits.
    Comment {
        #[command(flatten)]
        target: Target,
        /// Plain text, at most 10,000 characters.
        text: String,
        /// The edit the comment is about (its position as `show` lists it).
        #[arg(long)]
        edit: Option<usize>,
    },
    /// The comments on a scenario and its edits, with author and time (JSON).
    Comments {
        #[command(flatten)]
        target: Target,
    },
    /// Every indicator per neighbourhood before and after the scenario's edits.
    Compare {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        standards: StandardsArg,
        /// Output format [default: table on a terminal, json otherwise].
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Write the output to this file (complete or not at all) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        time: TimeArg,
    },
}

/// Runs `spielraum scenario …`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        Sub::New {
            city,
            name,
            description,
        } => {
            let info = open(&city)?.create(&name, &description)?;
            println!("created scenario {} '{}'", info.id, info.name);
            Ok(())
        }
        Sub::Add {
            target,
            geojson,
            lon,
            lat,
            kind,
            name,
            area_m2,
            access,
        } => {
            let kind: FacilityKind = kind.parse().context("--kind")?;
            let access: Access = access.parse().context("--access")?;
            let (geometry, name) = match (geojson, lon, lat) {
                (Some(file), _, _) => planned_geometry(&file, name)?,
                (None, Some(x), Some(y)) => (Geometry::Point(Point::new(x, y)), name),
                _ => bail!("give --geojson FILE or --lon X --lat Y"),
            };
            let edit = Edit::Add(PlannedFacility {
                kind,
                name,
                geometry,
                area_m2,
                access,
            });
            add(&target, &edit)
        }
        Sub::Remove { target, facility } => {
            let osm_id = facility_id(&facility)?;
            add(&target, &Edit::Remove { osm_id })
        }
        Sub::Open {
            target,
            facility,
            access,
        } => {
            let osm_id = facility_id(&facility)?;
            let access = access.parse().context("--access")?;
            add(&target, &Edit::SetAccess { osm_id, access })
        }
        Sub::Enlarge {
            target,
            facility,
            area_m2,
        } => {
            let osm_id = facility_id(&facility)?;
            add(&target, &Edit::Enlarge { osm_id, area_m2 })
        }
        Sub::PlayStreet {
            target,
            ways,
            hours,
            width_m,
            from,
            to,
            name,
        } => {
            let ids = ways
                .iter()
                .map(|w| match w.trim().parse::<OsmId>() {
                    Ok(OsmId::Way(id)) => Ok(id),
                    _ => bail!("--ways: '{w}' is not a way id (w123)"),
                })
                .collect::<Result<Vec<i64>>>()?;
            let city = crate::shared::read_analysis_city(&target.city)?;
            let (geometry, width_m) =
                model::scenario::play_street_on_ways(&city.walk_ways, &ids, width_m)?;
            let edit = Edit::PlayStreet(model::scenario::PlayStreet {
                name,
                ways: ids,
                geometry,
                width_m,
                hours,
                dates: dates(from.as_deref(), to.as_deref())?,
            });
            add(&target, &edit)
        }
        Sub::OpenAfterHours {
            target,
            facility,
            hours,
            from,
            to,
        } => {
            let edit = Edit::OpenAfterHours {
                osm_id: facility_id(&facility)?,
                hours,
                dates: dates(from.as_deref(), to.as_deref())?,
            };
            add(&target, &edit)
        }
        Sub::DropEdit { target, position } => {
            let info = open(&target.city)?.remove_edit(&target.scenario, position)?;
            println!("{}", summary(&info));
            Ok(())
        }
        Sub::Update {
            target,
            name,
            description,
        } => {
            if name.is_none() && description.is_none() {
                bail!("give --name or --description");
            }
            let info = open(&target.city)?.update(
                &target.scenario,
                name.as_deref(),
                description.as_deref(),
            )?;
            println!("{}", summary(&info));
            Ok(())
        }
        Sub::List { city, format } => {
            let list = open(&city)?.list()?;
            print(format, None, |w, format| match format {
                Format::Json => write_json(w, &json!({ "scenarios": list })),
                Format::Table => {
                    writeln!(
                        w,
                        "{:>4}  {:<24} {:>5}  {:<24}  description",
                        "id", "name", "edits", "updated"
                    )?;
                    for s in &list {
                        writeln!(
                            w,
                            "{:>4}  {:<24} {:>5}  {:<24}  {}",
                            s.id, s.name, s.edit_count, s.updated, s.description
                        )?;
                    }
                    Ok(())
                }
            })
        }
        Sub::Show { target, format } => {
            let s = open(&target.city)?.get(&target.scenario)?;
            let edits: Vec<Json> = s
                .edits
                .iter()
                .map(server::edit_json::edit_to_json)
                .collect();
            print(format, None, |w, format| match format {
                Format::Json => {
                    let mut v = serde_json::to_value(&s.info)?;
                    v["edits"] = Json::Array(edits.clone());
                    write_json(w, &v)
                }
                Format::Table => {
                    writeln!(w, "{}", summary(&s.info))?;
                    if !s.info.description.is_empty() {
                        writeln!(w, "  {}", s.info.description)?;
                    }
                    for (i, e) in s.edits.iter().enumerate() {
                        writeln!(w, "{i:>4}  {}", describe(e, i))?;
                    }
                    Ok(())
                }
            })
        }
        Sub::Delete { target } => {
            let info = open(&target.city)?.delete(&target.scenario)?;
            println!(
                "deleted scenario {} '{}' ({} edits)",
                info.id, info.name, info.edit_count
            );
            Ok(())
        }
        Sub::SetStatus { target, status } => {
            let status: store::scenario::Status = status.parse()?;
            let info = open(&target.city)?.set_status(
                &target.scenario,
                status,
                store::accounts::Role::Admin,
            )?;
            println!(
                "scenario {} '{}' is {}",
                info.id,
                info.name,
                info.status.as_str()
            );
            Ok(())
        }
        Sub::SetDepartment { target, department } => {
            let info = open(&target.city)?.set_department(&target.scenario, &department)?;
            println!("{}", summary(&info));
            Ok(())
        }
        Sub::Comment { target, text, edit } => {
            let c = open(&target.city)?.add_comment(&target.scenario, edit, &text)?;
            println!("comment {} by {} at {}", c.id, c.author, c.at);
            Ok(())
        }
        Sub::Comments { target } => {
            let comments = open(&target.city)?.comments(&target.scenario)?;
            println!("{}", json!({ "comments": comments }));
            Ok(())
        }
        Sub::Compare {
            target,
            standards,
            format,
            out,
            time,
        } => compare(&target, &standards, &time, format, out.as_deref()),
    }
}

/// The scenario store of `city`, its changes made by `cli:NAME` (the audit log's actor).
fn open(city: &Path) -> Result<Box<dyn Scenarios>> {
    let mut store: Box<dyn Scenarios> = match crate::shared::database_url(city) {
        Some(url) => Box::new(workflow::database::scenarios(&workflow::database::open(
            url,
        )?)),
        None => Box::new(ScenarioStore::open(city)?),
    };
    store.set_actor(&crate::commands::user::cli_actor());
    Ok(store)
}

/// `--from` / `--to` as a measure's dates.
fn dates(from: Option<&str>, to: Option<&str>) -> Result<model::time::Dates> {
    let day = |d: Option<&str>, flag: &str| {
        d.map(|d| model::time::parse_date(d).with_context(|| flag.to_string()))
            .transpose()
    };
    Ok(model::time::Dates {
        from: day(from, "--from")?,
        to: day(to, "--to")?,
    })
}

fn facility_id(text: &str) -> Result<OsmId> {
    text.trim().parse().context("--facility")
}

/// Appends `edit` after checking it against the city's facilities; prints the new state.
fn add(target: &Target, edit: &Edit) -> Result<()> {
    let mut store = open(&target.city)?;
    let base = match crate::shared::database_url(&target.city) {
        Some(_) => crate::shared::read_analysis_city(&target.city)?.facilities,
        None => store::read_facilities(&target.city)?,
    };
    let info = store.add_edit_checked(&target.scenario, edit, &base)?;
    println!("{}", summary(&info));
    Ok(())
}

/// The one geometry of a vector file, with its feature's name unless `name` is given.
fn planned_geometry(file: &Path, name: Option<String>) -> Result<(Geometry<f64>, Option<String>)> {
    let mut sites = ingest::candidates::read_candidate_file(file).context("--geojson")?;
    if sites.len() != 1 {
        bail!(
            "--geojson {}: expected one feature, found {}",
            file.display(),
            sites.len()
        );
    }
    let site = sites.remove(0);
    Ok((site.geometry, name.or(site.name)))
}

fn summary(info: &ScenarioInfo) -> String {
    format!(
        "scenario {} '{}': {} edit{}, updated {}",
        info.id,
        info.name,
        info.edit_count,
        if info.edit_count == 1 { "" } else { "s" },
        info.updated
    )
}

/// One line for an edit at `position` (a planned facility's id follows from it).
fn describe(edit: &Edit, position: usize) -> String {
    let area = |a: Option<f64>| a.map_or_else(String::new, |a| format!(", {a} m²"));
    match edit {
        Edit::Add(p) => {
            let id = model::scenario::planned_id(p, position + 1);
            let shape = match p.geometry {
                Geometry::Point(pt) => format!("point {:.6},{:.6}", pt.x(), pt.y()),
                _ => "polygon".to_string(),
            };
            format!(
                "add {id} {} '{}' ({shape}, {}{})",
                p.kind.as_str(),
                p.name.as_deref().unwrap_or(""),
                p.access.as_str(),
                area(p.area_m2)
            )
        }
        Edit::Remove { osm_id } => format!("remove {osm_id}"),
        Edit::SetAccess { osm_id, access } => format!("open {osm_id} as {}", access.as_str()),
        Edit::Enlarge { osm_id, area_m2 } => format!("enlarge {osm_id} to {area_m2} m²"),
        Edit::PlayStreet(p) => {
            let ways: Vec<String> = p.ways.iter().map(|w| format!("w{w}")).collect();
            format!(
                "play street w-{} '{}' on {} ({} m wide), {}{}",
                position + 1,
                p.name.as_deref().unwrap_or(""),
                if ways.is_empty() {
                    "a drawn line".to_string()
                } else {
                    ways.join(",")
                },
                p.width_m,
                p.hours,
                date_range(&p.dates)
            )
        }
        Edit::OpenAfterHours {
            osm_id,
            hours,
            dates,
        } => {
            format!("open {osm_id} to all {hours}{}", date_range(dates))
        }
    }
}

/// `, 2027-07-01 to 2027-08-31` (or one end), empty without dates.
fn date_range(dates: &model::time::Dates) -> String {
    match (dates.from, dates.to) {
        (None, None) => String::new(),
        (Some(f), None) => format!(", from {f}"),
        (None, Some(t)) => format!(", until {t}"),
        (Some(f), Some(t)) => format!(", {f} to {t}"),
    }
}

/// Runs `spielraum scenario compare`.
fn compare(
    target: &Target,
    standards: &StandardsArg,
    time: &TimeArg,
    format: Option<Format>,
    out: Option<&Path>,
) -> Result<()> {
    let standards = standards.resolve()?;
    let when = time.resolve()?;
    let scenario = open(&target.city)?.get(&target.scenario)?;
    let progress = Terminal::new();
    let engine = scenario_engine(&target.city, standards, &progress)?;
    progress.stage("applying the scenario");
    let comparison = engine
        .compare_at(
            &scenario.edits,
            when.as_ref(),
            analysis::GapOutlines::Traced,
        )
        .with_context(|| format!("scenario '{}'", scenario.info.name))?;
    progress.finish();
    let mut result = comparison.to_json(analysis::Rows::All);
    result["scenario"] = serde_json::to_value(&scenario.info)?;
    if let Some(when) = &when {
        warn_unread_hours(&engine.city().facilities);
        result["time"] = analysis::time::time_json(when, &engine.city().facilities);
    }
    print(format, out, |w, format| match format {
        Format::Json => write_json(w, &result),
        Format::Table => Ok(w.write_all(compare_table(&result).as_bytes())?),
    })
}

const BANDS: [(&str, &str); 3] = [
    ("age_0_5", "0-5"),
    ("age_6_11", "6-11"),
    ("age_12_17", "12-17"),
];

/// Served shares before → after per band, and the children newly served and no longer served
/// (all bands, kept apart: a net figure is not "newly served"), per neighbourhood.
fn compare_table(result: &Json) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = write!(out, "{:<28}", "neighbourhood");
    for (_, label) in BANDS {
        let _ = write!(out, " {:>15}", format!("served {label}"));
    }
    let _ = writeln!(out, " {:>14} {:>14}", "newly served", "no longer");
    let share = |v: &Json, band: &str| {
        v[format!("served_share_{band}")]
            .as_f64()
            .map_or_else(|| "–".to_string(), |s| format!("{:.0}", s * 100.0))
    };
    let mut row = |name: &str, n: &Json| {
        let _ = write!(out, "{name:<28}");
        for (band, _) in BANDS {
            let cell = format!(
                "{} → {} %",
                share(&n["before"], band),
                share(&n["after"], band)
            );
            let _ = write!(out, " {cell:>15}");
        }
        let total = |k: &str| n[k]["total"].as_f64().unwrap_or(0.0);
        let _ = writeln!(
            out,
            " {:>14} {:>14}",
            format!("+{:.0}", total("gained")),
            format!("−{:.0}", total("lost"))
        );
    };
    for n in result["neighbourhoods"].as_array().into_iter().flatten() {
        row(n["name"].as_str().unwrap_or(""), n);
    }
    row("(all)", &result["totals"]);
    out
}

fn write_json(w: &mut dyn Write, value: &Json) -> Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    writeln!(w)?;
    Ok(())
}

/// Renders to `out` (atomically) or stdout, as a table on a terminal and JSON otherwise.
fn print(
    format: Option<Format>,
    out: Option<&Path>,
    render: impl Fn(&mut dyn Write, Format) -> Result<()>,
) -> Result<()> {
    let format = format.unwrap_or(if for_a_person(out) {
        Format::Table
    } else {
        Format::Json
    });
    write_output(out, |w| render(w, format))
}
