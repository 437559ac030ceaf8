//! Scenario vocabulary: a named set of planned edits on top of the imported facilities.
//!
//! Owns the edit types, their validation and how they change a list of facilities; storage
//! (`store::scenario`) and recomputation (`analysis::scenario`) build on it.

use std::collections::HashSet;

use geo_types::{Coord, Geometry};
use serde::{Deserialize, Serialize};

use crate::time::{Dates, Hours, TimeError, TimeQuery};
use crate::{Facility, FacilityKind, OsmId, WalkWay};

/// Who may use a facility, as a scenario sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Open to the public and counted at full weight (1), whatever the standard's weight for its
    /// kind: e.g. a school yard opened after school hours.
    Public,
    /// Counted as imported: the standard's area weight for its kind applies.
    Restricted,
    /// Closed to the public (`access=private`): does not count.
    Private,
}

impl Access {
    /// The name used on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Restricted => "restricted",
            Access::Private => "private",
        }
    }
}

impl std::str::FromStr for Access {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Access::Public),
            "restricted" => Ok(Access::Restricted),
            "private" => Ok(Access::Private),
            other => Err(ScenarioError::UnknownAccess(other.to_string())),
        }
    }
}

/// A facility planned in a scenario (not in OSM yet).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFacility {
    /// What kind of place it is.
    pub kind: FacilityKind,
    /// A name for the plan, if any.
    pub name: Option<String>,
    /// A `Point` or a (Multi)Polygon, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// Net area in m²; for polygons `None` means "the polygon's own area".
    pub area_m2: Option<f64>,
    /// Who may use it (default public).
    pub access: Access,
}

/// A place where a new facility could go: open land from OSM or a user's file.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateSite {
    /// A stable id: the OSM id (`w123`) for sites from OSM, the file's id (or `c1`, `c2`, … in
    /// file order) otherwise.
    pub id: String,
    /// Why it is a candidate: the OSM tag (`landuse=brownfield`, `amenity=parking`, …) or `file`.
    pub source: String,
    /// Its name, if any.
    pub name: Option<String>,
    /// A `Point` or a (Multi)Polygon, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// Its area in m² (0 for points).
    pub area_m2: f64,
}

/// A street closed to traffic for play at given hours (*temporäre Spielstraße*, a summer
/// street): while closed it is a play area of length × width, reached from its whole length,
/// and in the child-safe profile no longer a barrier (docs/methods.md, "Time").
#[derive(Debug, Clone, PartialEq)]
pub struct PlayStreet {
    /// A name for the measure, if any.
    pub name: Option<String>,
    /// The OSM ways it closes (ways of the walking network), if chosen from the map; empty for
    /// a drawn line.
    pub ways: Vec<i64>,
    /// Its line: a `LineString` or `MultiLineString`, WGS84 lon/lat (for chosen ways, theirs).
    pub geometry: Geometry<f64>,
    /// The width that can be played on, in m.
    pub width_m: f64,
    /// When it is closed for play, in OSM `opening_hours` syntax (`Sa 14:00-18:00`).
    pub hours: String,
    /// First and last day of the programme.
    pub dates: Dates,
}

/// The width of a play street when neither the edit nor the way's `width` tag gives one, in m:
/// a residential street's carriageway (a local choice, documented in docs/methods.md).
pub const DEFAULT_PLAY_STREET_WIDTH_M: f64 = 6.0;

/// One change a scenario makes to the base facilities.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Build a new facility.
    Add(PlannedFacility),
    /// Close and remove an existing facility.
    Remove {
        /// The facility removed.
        osm_id: OsmId,
    },
    /// Change who may use an existing facility.
    SetAccess {
        /// The facility changed.
        osm_id: OsmId,
        /// Its new access.
        access: Access,
    },
    /// Give an existing facility a new (larger or smaller) net area.
    Enlarge {
        /// The facility changed.
        osm_id: OsmId,
        /// Its new net area in m².
        area_m2: f64,
    },
    /// Close a street to traffic for play at given hours.
    PlayStreet(PlayStreet),
    /// Open a school yard or kindergarten ground to the public at given hours: inside them it
    /// counts at full weight (and open, whatever its own opening hours say).
    OpenAfterHours {
        /// The facility opened.
        osm_id: OsmId,
        /// When, in OSM `opening_hours` syntax (`Mo-Fr 15:00-19:00`).
        hours: String,
        /// First and last day of the programme.
        dates: Dates,
    },
}

/// Why an edit cannot be applied.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScenarioError {
    /// The geometry is empty, not a point or polygon, has non-finite or out-of-range
    /// coordinates, or is an invalid polygon.
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
    /// A negative or non-finite area.
    #[error("invalid area {0} m² (expected a number ≥ 0)")]
    InvalidArea(f64),
    /// A geometry with more vertices than [`MAX_VERTICES_PER_GEOMETRY`].
    #[error("invalid geometry: {count} vertices, more than the limit of {limit} per geometry")]
    TooManyVertices {
        /// How many vertices the geometry has.
        count: usize,
        /// The limit, [`MAX_VERTICES_PER_GEOMETRY`].
        limit: usize,
    },
    /// An access value that does not exist.
    #[error("unknown access '{0}' (expected one of: public, restricted, private)")]
    UnknownAccess(String),
    /// The edit names a facility that is not there (or was removed by an earlier edit).
    #[error("no facility {0} in this city or scenario")]
    UnknownFacility(OsmId),
    /// A play street on a way that is not in the city's walking network.
    #[error("no street w{0} in this city's walking network")]
    UnknownWay(i64),
    /// A play street with neither ways nor a line.
    #[error("a play street needs its ways (w123) or a drawn line")]
    NoStreet,
    /// A width that is not a positive number.
    #[error("invalid width {0} m (expected a number > 0)")]
    InvalidWidth(f64),
    /// Hours that cannot be read, or dates that end before they start.
    #[error("{0}")]
    Time(#[from] TimeError),
}

impl Edit {
    /// Checks the edit on its own (geometry, area); [`apply_edits`] checks the ids.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        match self {
            Edit::Add(planned) => {
                validate_geometry(&planned.geometry)?;
                if let Some(area) = planned.area_m2 {
                    validate_area(area)?;
                }
                Ok(())
            }
            Edit::Enlarge { area_m2, .. } => validate_area(*area_m2),
            Edit::Remove { .. } | Edit::SetAccess { .. } => Ok(()),
            Edit::PlayStreet(street) => {
                validate_line(&street.geometry)?;
                if !(street.width_m.is_finite() && street.width_m > 0.0) {
                    return Err(ScenarioError::InvalidWidth(street.width_m));
                }
                Hours::parse(&street.hours)?;
                Ok(street.dates.validate()?)
            }
            Edit::OpenAfterHours { hours, dates, .. } => {
                Hours::parse(hours)?;
                Ok(dates.validate()?)
            }
        }
    }

    /// Whether the edit holds at `when`: a play street or opened yard only inside its hours and
    /// dates; every edit when no time is asked (`None`, "always").
    pub fn holds_at(&self, when: Option<&TimeQuery>) -> bool {
        let Some(when) = when else { return true };
        let (hours, dates) = match self {
            Edit::PlayStreet(s) => (&s.hours, &s.dates),
            Edit::OpenAfterHours { hours, dates, .. } => (hours, dates),
            _ => return true,
        };
        dates.cover(when) && Hours::parse(hours).is_ok_and(|h| h.open_during(when))
    }

    /// The existing facility the edit changes, if it changes one.
    pub fn target(&self) -> Option<OsmId> {
        match self {
            Edit::Add(_) => None,
            Edit::Remove { osm_id }
            | Edit::SetAccess { osm_id, .. }
            | Edit::Enlarge { osm_id, .. }
            | Edit::OpenAfterHours { osm_id, .. } => Some(*osm_id),
            Edit::PlayStreet(_) => None,
        }
    }
}

fn validate_area(area: f64) -> Result<(), ScenarioError> {
    if area.is_finite() && area >= 0.0 {
        Ok(())
    } else {
        Err(ScenarioError::InvalidArea(area))
    }
}

/// The most vertices one planned facility's or candidate site's geometry may have (all rings of
/// all parts together, closing points included), checked before anything else.
///
/// A generous playground or park outline has a few hundred vertices; 20,000 keeps any real one
/// and bounds the validation's time (about 10 ms at the limit for real outlines, under 2 s for
/// shapes built to defeat the check: docs/benchmarks.md).
pub const MAX_VERTICES_PER_GEOMETRY: usize = 20_000;

/// Checks a planned facility's or a candidate site's geometry: at most
/// [`MAX_VERTICES_PER_GEOMETRY`] vertices, a Point, Polygon or MultiPolygon with WGS84
/// coordinates and valid polygons (the checks and messages of geo's `Validation`, in
/// near-linear time: [`crate::validity`]).
pub fn validate_geometry(geometry: &Geometry<f64>) -> Result<(), ScenarioError> {
    use geo::CoordsIter;
    let count = geometry.coords_count();
    if count > MAX_VERTICES_PER_GEOMETRY {
        return Err(ScenarioError::TooManyVertices {
            count,
            limit: MAX_VERTICES_PER_GEOMETRY,
        });
    }
    let bad = |why: &str| Err(ScenarioError::InvalidGeometry(why.to_string()));
    match geometry {
        Geometry::Point(_) | Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {}
        _ => return bad("a planned facility is a Point, Polygon or MultiPolygon"),
    }
    if count == 0 {
        return bad("no coordinates");
    }
    for c in geometry.coords_iter() {
        if !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0) {
            return Err(ScenarioError::InvalidGeometry(format!(
                "coordinate ({}, {}) is not a WGS84 longitude/latitude",
                c.x, c.y
            )));
        }
    }
    if let Some(problem) = crate::validity::first_problem(geometry) {
        return Err(ScenarioError::InvalidGeometry(problem.to_string()));
    }
    Ok(())
}

/// Checks a play street's line: a LineString or MultiLineString of WGS84 coordinates, each
/// line with at least two points, at most [`MAX_VERTICES_PER_GEOMETRY`] vertices.
fn validate_line(geometry: &Geometry<f64>) -> Result<(), ScenarioError> {
    use geo::CoordsIter;
    let bad = |why: &str| Err(ScenarioError::InvalidGeometry(why.to_string()));
    let count = geometry.coords_count();
    if count > MAX_VERTICES_PER_GEOMETRY {
        return Err(ScenarioError::TooManyVertices {
            count,
            limit: MAX_VERTICES_PER_GEOMETRY,
        });
    }
    let lines: Vec<&geo_types::LineString<f64>> = match geometry {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => return bad("a play street is a LineString or MultiLineString"),
    };
    if lines.is_empty() || lines.iter().any(|l| l.0.len() < 2) {
        return bad("a play street's line needs at least two points");
    }
    for c in geometry.coords_iter() {
        if !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0) {
            return Err(ScenarioError::InvalidGeometry(format!(
                "coordinate ({}, {}) is not a WGS84 longitude/latitude",
                c.x, c.y
            )));
        }
    }
    Ok(())
}

/// A play street on the ways `ids` of `ways` (the city's walking network): their line, and the
/// width given, else the first way's numeric `width` tag, else
/// [`DEFAULT_PLAY_STREET_WIDTH_M`]. Fails naming the first way that is not there.
pub fn play_street_on_ways(
    ways: &[WalkWay],
    ids: &[i64],
    width_m: Option<f64>,
) -> Result<(Geometry<f64>, f64), ScenarioError> {
    if ids.is_empty() {
        return Err(ScenarioError::NoStreet);
    }
    let mut lines = Vec::new();
    let mut tagged = None;
    for id in ids {
        let way = ways
            .iter()
            .find(|w| w.id == *id)
            .ok_or(ScenarioError::UnknownWay(*id))?;
        if tagged.is_none() {
            tagged = way.tag("width").and_then(width_of);
        }
        lines.push(geo_types::LineString(way.coords.clone()));
    }
    let geometry = if lines.len() == 1 {
        Geometry::LineString(lines.remove(0))
    } else {
        Geometry::MultiLineString(geo_types::MultiLineString(lines))
    };
    let width = width_m.or(tagged).unwrap_or(DEFAULT_PLAY_STREET_WIDTH_M);
    Ok((geometry, width))
}

/// How far (m) a way's points may lie from a drawn play street's line to count as the street it
/// follows ([`ways_along`]): half a carriageway plus the slack of a click on the map.
pub const DRAWN_STREET_TOLERANCE_M: f64 = 12.0;

/// The ways of the walking network a drawn play street follows: every street (`highway`, not a
/// railway) whose points all lie within `tolerance_m` of the line, in way order. A way that
/// runs on beyond the drawn line is not taken (OSM ways often end at junctions; draw to them).
pub fn ways_along(ways: &[WalkWay], line: &Geometry<f64>, tolerance_m: f64) -> Vec<i64> {
    use geo::BoundingRect;
    let segments: Vec<(Coord, Coord)> = match line {
        Geometry::LineString(l) => l.lines().map(|s| (s.start, s.end)).collect(),
        Geometry::MultiLineString(m) => m
            .iter()
            .flat_map(|l| l.lines())
            .map(|s| (s.start, s.end))
            .collect(),
        _ => return Vec::new(),
    };
    let Some(bbox) = line.bounding_rect() else {
        return Vec::new();
    };
    // A local plane in metres around the line (ample for the few hundred metres of a street).
    let metre = crate::geodesy::distance_m(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 1.0 });
    let cos = bbox.center().y.to_radians().cos();
    let plane = |c: Coord| (c.x * cos * metre, c.y * metre);
    let (pad_x, pad_y) = (tolerance_m / (metre * cos), tolerance_m / metre);
    let inside = |c: &Coord| {
        c.x >= bbox.min().x - pad_x
            && c.x <= bbox.max().x + pad_x
            && c.y >= bbox.min().y - pad_y
            && c.y <= bbox.max().y + pad_y
    };
    let near = |c: &Coord| {
        let p = plane(*c);
        segments.iter().any(|(a, b)| {
            let (a, b) = (plane(*a), plane(*b));
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
            (qx * qx + qy * qy).sqrt() <= tolerance_m
        })
    };
    ways.iter()
        .filter(|w| w.tag("highway").is_some() && !w.coords.is_empty())
        .filter(|w| w.coords.iter().all(|c| inside(c) && near(c)))
        .map(|w| w.id)
        .collect()
}

/// A `width` tag in metres (`6`, `6.5`, `6 m`), if it is one.
fn width_of(tag: &str) -> Option<f64> {
    let t = tag.trim().trim_end_matches('m').trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|w| w.is_finite() && *w > 0.0)
}

/// The length of a play street's line in m.
pub fn line_length_m(geometry: &Geometry<f64>) -> f64 {
    match geometry {
        Geometry::LineString(l) => crate::geodesy::line_length_m(&l.0),
        Geometry::MultiLineString(m) => {
            m.0.iter()
                .map(|l| crate::geodesy::line_length_m(&l.0))
                .sum()
        }
        _ => 0.0,
    }
}

/// The facilities of a scenario: the base list with the edits applied, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFacilities {
    /// Every facility after the edits (removed ones gone, planned ones added with the negative
    /// ids of [`planned_id`]).
    pub facilities: Vec<Facility>,
    /// Facilities that count at full weight whatever their kind ([`Access::Public`]).
    pub full_weight: HashSet<OsmId>,
    /// Every facility an edit added, removed or changed (ids of base and planned facilities).
    pub changed: HashSet<OsmId>,
    /// The OSM ways closed to traffic for play (play streets that hold): no longer barriers in
    /// the child-safe profile. Sorted, without repeats.
    pub closed_ways: Vec<i64>,
}

/// The id a planned facility gets: negative, as OSM editors number objects not yet uploaded
/// (`n-1` for the first planned point, `w-2` for a second edit that is a polygon, …); `ordinal` is
/// the edit's position in the scenario, counted from 1.
pub fn planned_id(planned: &PlannedFacility, ordinal: usize) -> OsmId {
    let id = -(ordinal as i64);
    match planned.geometry {
        Geometry::Point(_) => OsmId::Node(id),
        _ => OsmId::Way(id),
    }
}

/// Applies `edits` in order to `base`: validates each and fails on the first bad one. Every
/// edit holds, whatever its hours ("always", as without a time).
pub fn apply_edits(base: &[Facility], edits: &[Edit]) -> Result<ScenarioFacilities, ScenarioError> {
    apply_edits_at(base, edits, None)
}

/// [`apply_edits`] at a moment or window: base facilities closed then (their `opening_hours`)
/// are gone, and play streets and opened yards hold only inside their hours and dates
/// ([`Edit::holds_at`]). `None` is "always": every facility open, every edit holding.
/// Opening hours that cannot be read count as always open (the importer warns about them).
pub fn apply_edits_at(
    base: &[Facility],
    edits: &[Edit],
    when: Option<&TimeQuery>,
) -> Result<ScenarioFacilities, ScenarioError> {
    let mut facilities = base.to_vec();
    let mut full_weight = HashSet::new();
    let mut changed = HashSet::new();
    let mut closed_ways = Vec::new();
    let mut opened = HashSet::new();
    for (i, edit) in edits.iter().enumerate() {
        edit.validate()?;
        if let Edit::PlayStreet(street) = edit {
            if !edit.holds_at(when) {
                continue;
            }
            let osm_id = OsmId::Way(-((i + 1) as i64));
            full_weight.insert(osm_id);
            changed.insert(osm_id);
            closed_ways.extend(street.ways.iter().copied());
            facilities.push(Facility {
                osm_id,
                kind: FacilityKind::Playground,
                name: street.name.clone(),
                access: Some("yes".to_string()),
                geometry: street.geometry.clone(),
                area_m2: Some(line_length_m(&street.geometry) * street.width_m),
                opening_hours: None,
            });
            continue;
        }
        if let Edit::Add(planned) = edit {
            let osm_id = planned_id(planned, i + 1);
            let area_m2 = match (&planned.geometry, planned.area_m2) {
                (_, Some(area)) => Some(area),
                (Geometry::Point(_), None) => None,
                (geometry, None) => Some(crate::geodesy::area_m2(geometry)),
            };
            if planned.access == Access::Public {
                full_weight.insert(osm_id);
            }
            changed.insert(osm_id);
            facilities.push(Facility {
                osm_id,
                kind: planned.kind,
                name: planned.name.clone(),
                access: access_tag(planned.access),
                geometry: planned.geometry.clone(),
                area_m2,
                opening_hours: None,
            });
            continue;
        }
        let Some(osm_id) = edit.target() else {
            continue;
        };
        let position = facilities
            .iter()
            .position(|f| f.osm_id == osm_id)
            .ok_or(ScenarioError::UnknownFacility(osm_id))?;
        if !edit.holds_at(when) {
            continue;
        }
        changed.insert(osm_id);
        match edit {
            Edit::Remove { .. } => {
                facilities.remove(position);
                full_weight.remove(&osm_id);
            }
            Edit::SetAccess { access, .. } => {
                let facility = &mut facilities[position];
                match access {
                    Access::Public => {
                        facility.access = Some("yes".to_string());
                        full_weight.insert(osm_id);
                    }
                    Access::Restricted => {
                        if !facility.is_public() {
                            facility.access = None;
                        }
                        full_weight.remove(&osm_id);
                    }
                    Access::Private => {
                        facility.access = Some("private".to_string());
                        full_weight.remove(&osm_id);
                    }
                }
            }
            Edit::Enlarge { area_m2, .. } => facilities[position].area_m2 = Some(*area_m2),
            Edit::OpenAfterHours { .. } => {
                let facility = &mut facilities[position];
                facility.access = Some("yes".to_string());
                full_weight.insert(osm_id);
                opened.insert(osm_id);
            }
            Edit::Add(_) | Edit::PlayStreet(_) => {}
        }
    }
    if let Some(when) = when {
        facilities.retain(|f| {
            let open = opened.contains(&f.osm_id) || crate::time::is_open(f, when);
            if !open {
                changed.insert(f.osm_id);
                full_weight.remove(&f.osm_id);
            }
            open
        });
    }
    closed_ways.sort_unstable();
    closed_ways.dedup();
    Ok(ScenarioFacilities {
        facilities,
        full_weight,
        changed,
        closed_ways,
    })
}

/// The OSM `access` tag a planned facility gets.
fn access_tag(access: Access) -> Option<String> {
    match access {
        Access::Public => Some("yes".to_string()),
        Access::Restricted => None,
        Access::Private => Some("private".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Point, polygon};

    fn playground(id: i64, area: f64) -> Facility {
        Facility {
            osm_id: OsmId::Way(id),
            kind: FacilityKind::Playground,
            name: None,
            access: None,
            geometry: Point::new(9.5, 47.1).into(),
            area_m2: Some(area),
            opening_hours: None,
        }
    }

    fn planned(geometry: Geometry<f64>, area_m2: Option<f64>) -> PlannedFacility {
        PlannedFacility {
            kind: FacilityKind::Playground,
            name: Some("Plan".into()),
            geometry,
            area_m2,
            access: Access::Public,
        }
    }

    #[test]
    fn edits_apply_in_order() {
        let base = vec![playground(1, 100.0), playground(2, 200.0)];
        let edits = vec![
            Edit::Add(planned(Point::new(9.51, 47.11).into(), Some(50.0))),
            Edit::Remove {
                osm_id: OsmId::Way(1),
            },
            Edit::Enlarge {
                osm_id: OsmId::Way(2),
                area_m2: 300.0,
            },
            Edit::SetAccess {
                osm_id: OsmId::Way(2),
                access: Access::Public,
            },
        ];
        let s = apply_edits(&base, &edits).unwrap();
        let ids: Vec<String> = s.facilities.iter().map(|f| f.osm_id.to_string()).collect();
        assert_eq!(ids, ["w2", "n-1"]);
        assert_eq!(s.facilities[0].area_m2, Some(300.0));
        assert!(s.full_weight.contains(&OsmId::Way(2)));
        assert!(s.full_weight.contains(&OsmId::Node(-1)));
        assert_eq!(s.changed.len(), 3);
    }

    #[test]
    fn removing_twice_names_the_facility() {
        let base = vec![playground(1, 100.0)];
        let remove = Edit::Remove {
            osm_id: OsmId::Way(1),
        };
        let err = apply_edits(&base, &[remove.clone(), remove]).unwrap_err();
        assert_eq!(err.to_string(), "no facility w1 in this city or scenario");
    }

    #[test]
    fn bad_geometry_and_area_are_refused() {
        let base = vec![];
        let bowtie =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)];
        let err = apply_edits(&base, &[Edit::Add(planned(bowtie.into(), None))]).unwrap_err();
        assert!(matches!(err, ScenarioError::InvalidGeometry(_)), "{err}");
        let far = Point::new(200.0, 0.0).into();
        assert!(apply_edits(&base, &[Edit::Add(planned(far, None))]).is_err());
        let negative = Edit::Add(planned(Point::new(9.0, 47.0).into(), Some(-1.0)));
        assert_eq!(
            apply_edits(&base, &[negative]).unwrap_err(),
            ScenarioError::InvalidArea(-1.0)
        );
    }

    #[test]
    fn a_drawn_line_finds_the_streets_it_follows() {
        // Three streets on the equator (0.001° = 111.2 m): w1 (0,0)-(0.001,0), w2 continuing
        // to (0.003,0), w3 branching north from (0.001,0) to (0.001,0.001).
        let way = |id, coords: &[(f64, f64)]| WalkWay {
            id,
            nodes: (0..coords.len() as i64).map(|i| id * 10 + i).collect(),
            coords: coords.iter().map(|&(x, y)| Coord { x, y }).collect(),
            tags: vec![("highway".into(), "residential".into())],
        };
        let ways = [
            way(1, &[(0.0, 0.0), (0.001, 0.0)]),
            way(2, &[(0.001, 0.0), (0.003, 0.0)]),
            way(3, &[(0.001, 0.0), (0.001, 0.001)]),
        ];
        // A line drawn 5 m north of w1 and w2 (0.000045°), from end to end of both.
        let drawn: Geometry<f64> =
            geo_types::LineString::from(vec![(-0.00002, 0.000045), (0.00302, 0.000045)]).into();
        assert_eq!(ways_along(&ways, &drawn, DRAWN_STREET_TOLERANCE_M), [1, 2]);
        // Drawn only along w1: w2 runs on beyond it and is not taken.
        let short: Geometry<f64> =
            geo_types::LineString::from(vec![(0.0, 0.000045), (0.0011, 0.000045)]).into();
        assert_eq!(ways_along(&ways, &short, DRAWN_STREET_TOLERANCE_M), [1]);
        // 20 m away (0.00018°): nothing.
        let far: Geometry<f64> =
            geo_types::LineString::from(vec![(0.0, 0.00018), (0.003, 0.00018)]).into();
        assert!(ways_along(&ways, &far, DRAWN_STREET_TOLERANCE_M).is_empty());
    }

    #[test]
    fn planned_polygon_gets_its_own_area() {
        // A 0.001° square at 47° N: 111.2 m × 75.8 m ≈ 8 430 m² (hand-worked, spherical).
        let square = polygon![(x: 9.5, y: 47.0), (x: 9.501, y: 47.0), (x: 9.501, y: 47.001), (x: 9.5, y: 47.001)];
        let s = apply_edits(&[], &[Edit::Add(planned(square.into(), None))]).unwrap();
        let area = s.facilities[0].area_m2.unwrap();
        assert!((area - 8430.0).abs() < 60.0, "{area}");
        assert_eq!(s.facilities[0].osm_id, OsmId::Way(-1));
    }
}
