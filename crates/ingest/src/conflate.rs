//! Conflation of a city's facility inventory with OpenStreetMap: each official object matched to
//! at most one OSM facility of the same kind, a per-kind choice of which source wins, and a
//! record of every match, every object only one side has, and where matched pairs disagree.
//!
//! Owns the matching rules (documented in `docs/methods.md`, "Facility inventories"):
//! 1. candidates are pairs of the same kind (an official `open_space` also pairs with an OSM
//!    `sports_pitch` or `community_garden`) whose outlines overlap (share of the smaller
//!    outline), or whose geometries lie within [`ConflationOptions::max_distance_m`];
//! 2. overlaps come before distances, larger overlaps (to a millionth) and shorter distances (to
//!    the millimetre) first, ties by the official id then the OSM id;
//! 3. pairs are taken greedily in that order when neither side is taken yet (one-to-one).
//!
//! Distances and overlaps are measured in a local equirectangular projection (error < 0.1 %
//! within a city).

use std::collections::BTreeMap;

use geo::{Area, BooleanOps, BoundingRect, Distance, Euclidean};
use geo_types::{Geometry, MultiPolygon, Rect};
use model::index::LocalProjection;
use model::{Facility, FacilityKind, OsmId};
use serde::Deserialize;

use crate::inventory::OfficialFacility;

/// Which source gives a matched pair's geometry, name and access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    /// The city's inventory.
    Official,
    /// OpenStreetMap.
    Osm,
}

impl Winner {
    /// `official` or `osm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Winner::Official => "official",
            Winner::Osm => "osm",
        }
    }
}

/// How an inventory is matched with OSM.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflationOptions {
    /// Objects that do not overlap match when they are at most this far apart, metres.
    pub max_distance_m: f64,
    /// A matched pair's areas disagree when they differ by more than this share of the official
    /// area (0.25: 25 %).
    pub area_tolerance: f64,
    /// Which source wins, per kind (missing kinds: the official inventory).
    pub wins: BTreeMap<FacilityKind, Winner>,
}

impl Default for ConflationOptions {
    fn default() -> Self {
        ConflationOptions {
            max_distance_m: 50.0,
            area_tolerance: 0.25,
            wins: BTreeMap::new(),
        }
    }
}

impl ConflationOptions {
    /// The source that wins for `kind`.
    pub fn winner(&self, kind: FacilityKind) -> Winner {
        self.wins.get(&kind).copied().unwrap_or(Winner::Official)
    }
}

/// What conflation found for one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// An official object and an OSM facility are the same place.
    Matched,
    /// Only the inventory lists it.
    OnlyOfficial,
    /// Only OSM has it (of a kind the inventory covers).
    OnlyOsm,
}

impl Status {
    /// `matched`, `only_official`, `only_osm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::OnlyOfficial => "only_official",
            Status::OnlyOsm => "only_osm",
        }
    }
}

/// Which area a facility's `area_m2` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaBasis {
    /// The inventory's net play area (*Nettospielfläche*).
    Net,
    /// The area of its outline (OSM's, or the inventory's polygon).
    Outline,
    /// None: a point (the standard's point area applies).
    Point,
}

impl AreaBasis {
    /// `net`, `outline`, `point`.
    pub fn as_str(self) -> &'static str {
        match self {
            AreaBasis::Net => "net",
            AreaBasis::Outline => "outline",
            AreaBasis::Point => "point",
        }
    }
}

/// One row of the conflation layer and CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflationRecord {
    /// Matched, only official, only OSM.
    pub status: Status,
    /// The kind.
    pub kind: FacilityKind,
    /// The inventory's id, if the inventory has the object.
    pub official_id: Option<String>,
    /// The OSM object, if OSM has it.
    pub osm_id: Option<OsmId>,
    /// The id of the facility in the city (the OSM id when OSM has it, else the `o` id).
    pub facility_id: OsmId,
    /// `overlap` or `distance` for matched pairs.
    pub matched_by: Option<&'static str>,
    /// Distance between the two geometries, m (matched pairs; 0 where they touch or overlap).
    pub distance_m: Option<f64>,
    /// The inventory's area compared with OSM's: its gross area, else its outline's area, else
    /// its net play area.
    pub official_area_m2: Option<f64>,
    /// The inventory's net play area.
    pub net_area_m2: Option<f64>,
    /// OSM's area (its outline).
    pub osm_area_m2: Option<f64>,
    /// The areas differ by more than the tolerance.
    pub area_differs: bool,
    /// Both have names and they differ (ignoring case and spacing).
    pub name_differs: bool,
    /// Which source won (matched pairs).
    pub winner: Option<Winner>,
    /// Which area the facility in the city uses.
    pub area_used: AreaBasis,
    /// The inventory's age groups served and opening hours, as written (kept for the
    /// record: the analysis does not use them yet).
    pub age_groups: Option<String>,
    /// The inventory's opening hours, as written.
    pub opening_hours: Option<String>,
    /// What a person should know, in words.
    pub note: String,
    /// The facility's geometry in the city (the winner's), WGS84.
    pub geometry: Geometry<f64>,
}

impl ConflationRecord {
    /// `area`, `name`, `area name` or empty: where a matched pair disagrees.
    pub fn disagreements(&self) -> String {
        let mut out = Vec::new();
        if self.area_differs {
            out.push("area");
        }
        if self.name_differs {
            out.push("name");
        }
        out.join(" ")
    }
}

/// The conflated facilities and the record of how they came about.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflated {
    /// OSM's facilities in their order (matched ones merged), then the official-only ones in
    /// the inventory's order.
    pub facilities: Vec<Facility>,
    /// Official objects in inventory order, then OSM-only facilities in OSM order.
    pub records: Vec<ConflationRecord>,
}

struct Side {
    geometry: Geometry<f64>,
    bbox: Option<Rect<f64>>,
    area: f64,
}

fn side(proj: &LocalProjection, g: &Geometry<f64>) -> Side {
    let geometry = proj.project_geometry(g);
    let area = match &geometry {
        Geometry::MultiPolygon(mp) => mp.unsigned_area(),
        Geometry::Polygon(p) => p.unsigned_area(),
        _ => 0.0,
    };
    Side {
        bbox: geometry.bounding_rect(),
        geometry,
        area,
    }
}

fn as_multi(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        _ => None,
    }
}

/// The gap between two boxes, metres (0 if they meet).
fn box_gap(a: &Rect<f64>, b: &Rect<f64>) -> f64 {
    let dx = (b.min().x - a.max().x).max(a.min().x - b.max().x).max(0.0);
    let dy = (b.min().y - a.max().y).max(a.min().y - b.max().y).max(0.0);
    dx.hypot(dy)
}

fn normalise(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[derive(Debug, Clone, Copy)]
struct Pair {
    official: usize,
    osm: usize,
    /// Overlap share of the smaller outline (> 0 for overlap pairs).
    overlap: f64,
    distance: f64,
}

/// Whether an official facility of kind `official` can be the OSM facility of kind `osm`: the
/// same kind, or an official `open_space` and an OSM pitch or community garden (open space
/// before they had kinds of their own, so an inventory's `open_space` still covers them).
fn same_kind(official: FacilityKind, osm: FacilityKind) -> bool {
    official == osm
        || (official == FacilityKind::OpenSpace && FacilityKind::PART_OF_OPEN_SPACE.contains(&osm))
}

/// Matches `official` with the OSM facilities of the kinds in `kinds` and merges them (see the
/// module's rules); OSM facilities of other kinds pass unchanged.
pub fn conflate(
    official: &[OfficialFacility],
    osm: &[Facility],
    kinds: &[FacilityKind],
    options: &ConflationOptions,
) -> Conflated {
    let lat0 = official
        .iter()
        .filter_map(|o| o.geometry.bounding_rect())
        .map(|r| r.center().y)
        .next()
        .unwrap_or(0.0);
    let proj = LocalProjection::new(lat0);
    let off_sides: Vec<Side> = official.iter().map(|o| side(&proj, &o.geometry)).collect();
    let osm_sides: Vec<Option<Side>> = osm
        .iter()
        .map(|f| {
            kinds
                .iter()
                .any(|k| same_kind(*k, f.kind))
                .then(|| side(&proj, &f.geometry))
        })
        .collect();
    let mut pairs = Vec::new();
    for (i, (o, os)) in official.iter().zip(&off_sides).enumerate() {
        for (j, (f, fs)) in osm.iter().zip(&osm_sides).enumerate() {
            let Some(fs) = fs else { continue };
            if !same_kind(o.kind, f.kind) {
                continue;
            }
            if let (Some(a), Some(b)) = (os.bbox, fs.bbox)
                && box_gap(&a, &b) > options.max_distance_m
            {
                continue;
            }
            let overlap = match (as_multi(&os.geometry), as_multi(&fs.geometry)) {
                (Some(a), Some(b)) if os.area > 0.0 && fs.area > 0.0 => {
                    a.intersection(&b).unsigned_area() / os.area.min(fs.area)
                }
                _ => 0.0,
            };
            let distance = if overlap > 0.0 {
                0.0
            } else {
                Euclidean.distance(&os.geometry, &fs.geometry)
            };
            if overlap > 1e-9 || distance <= options.max_distance_m {
                pairs.push(Pair {
                    official: i,
                    osm: j,
                    overlap: if overlap > 1e-9 { overlap } else { 0.0 },
                    distance,
                });
            }
        }
    }
    // Overlaps to a millionth and distances to the millimetre: closer than that is a tie.
    let share = |p: &Pair| (p.overlap * 1e6).round();
    let mm = |p: &Pair| (p.distance * 1e3).round();
    pairs.sort_by(|a, b| {
        let by_overlap = (b.overlap > 0.0).cmp(&(a.overlap > 0.0));
        by_overlap
            .then(share(b).total_cmp(&share(a)))
            .then(mm(a).total_cmp(&mm(b)))
            .then_with(|| official[a.official].id.cmp(&official[b.official].id))
            .then_with(|| osm[a.osm].osm_id.cmp(&osm[b.osm].osm_id))
    });
    let mut match_of_official: Vec<Option<Pair>> = vec![None; official.len()];
    let mut osm_taken = vec![false; osm.len()];
    for p in pairs {
        if match_of_official[p.official].is_none() && !osm_taken[p.osm] {
            match_of_official[p.official] = Some(p);
            osm_taken[p.osm] = true;
        }
    }

    let mut facilities: Vec<Facility> = osm.to_vec();
    let mut added = Vec::new();
    let mut records = Vec::new();
    for (i, o) in official.iter().enumerate() {
        let outline_area = (off_sides[i].area > 0.0).then(|| model::geodesy::area_m2(&o.geometry));
        let official_area = o.gross_area_m2.or(outline_area).or(o.net_area_m2);
        match match_of_official[i] {
            None => {
                let (area_m2, area_used) = match (o.net_area_m2, outline_area) {
                    (Some(n), _) => (Some(n), AreaBasis::Net),
                    (None, Some(a)) => (Some(a), AreaBasis::Outline),
                    (None, None) => (None, AreaBasis::Point),
                };
                added.push(Facility {
                    osm_id: o.osm_id,
                    kind: o.kind,
                    name: o.name.clone(),
                    access: o.access.clone(),
                    geometry: o.geometry.clone(),
                    area_m2,
                    opening_hours: None,
                });
                records.push(ConflationRecord {
                    status: Status::OnlyOfficial,
                    kind: o.kind,
                    official_id: Some(o.id.clone()),
                    age_groups: o.age_groups.clone(),
                    opening_hours: o.opening_hours.clone(),
                    osm_id: None,
                    facility_id: o.osm_id,
                    matched_by: None,
                    distance_m: None,
                    official_area_m2: official_area,
                    net_area_m2: o.net_area_m2,
                    osm_area_m2: None,
                    area_differs: false,
                    name_differs: false,
                    winner: None,
                    area_used,
                    note: format!(
                        "no OSM {} within {} m: missing in OSM, or mapped elsewhere",
                        o.kind, options.max_distance_m
                    ),
                    geometry: o.geometry.clone(),
                });
            }
            Some(p) => {
                let f = &osm[p.osm];
                let winner = options.winner(o.kind);
                let area_differs = match (official_area, f.area_m2) {
                    (Some(a), Some(b)) if a > 0.0 => (b - a).abs() / a > options.area_tolerance,
                    _ => false,
                };
                let name_differs = match (&o.name, &f.name) {
                    (Some(a), Some(b)) => normalise(a) != normalise(b),
                    _ => false,
                };
                let mut note = if p.overlap > 0.0 {
                    format!("matched by overlap ({:.0} %)", p.overlap * 100.0)
                } else {
                    format!("matched by distance ({:.1} m)", p.distance)
                };
                if area_differs && let (Some(a), Some(b)) = (official_area, f.area_m2) {
                    note.push_str(&format!(
                        "; area differs: official {a:.0} m², OSM {b:.0} m² ({:+.0} %)",
                        (b - a) / a * 100.0
                    ));
                }
                if name_differs {
                    note.push_str(&format!(
                        "; name differs: official '{}', OSM '{}'",
                        o.name.as_deref().unwrap_or(""),
                        f.name.as_deref().unwrap_or("")
                    ));
                }
                let (geometry, name, access, winner_area) = match winner {
                    Winner::Official => (
                        o.geometry.clone(),
                        o.name.clone().or_else(|| f.name.clone()),
                        o.access.clone(),
                        outline_area,
                    ),
                    Winner::Osm => (
                        f.geometry.clone(),
                        f.name.clone().or_else(|| o.name.clone()),
                        f.access.clone(),
                        f.area_m2,
                    ),
                };
                let (area_m2, area_used) = match (o.net_area_m2, winner_area) {
                    (Some(n), _) => (Some(n), AreaBasis::Net),
                    (None, Some(a)) => (Some(a), AreaBasis::Outline),
                    (None, None) => (None, AreaBasis::Point),
                };
                facilities[p.osm] = Facility {
                    osm_id: f.osm_id,
                    kind: f.kind,
                    name,
                    access,
                    geometry: geometry.clone(),
                    area_m2,
                    opening_hours: f.opening_hours.clone(),
                };
                records.push(ConflationRecord {
                    status: Status::Matched,
                    kind: o.kind,
                    official_id: Some(o.id.clone()),
                    age_groups: o.age_groups.clone(),
                    opening_hours: o.opening_hours.clone(),
                    osm_id: Some(f.osm_id),
                    facility_id: f.osm_id,
                    matched_by: Some(if p.overlap > 0.0 {
                        "overlap"
                    } else {
                        "distance"
                    }),
                    distance_m: Some(p.distance),
                    official_area_m2: official_area,
                    net_area_m2: o.net_area_m2,
                    osm_area_m2: f.area_m2,
                    area_differs,
                    name_differs,
                    winner: Some(winner),
                    area_used,
                    note,
                    geometry,
                });
            }
        }
    }
    for (j, f) in osm.iter().enumerate() {
        if osm_sides[j].is_none() || osm_taken[j] {
            continue;
        }
        records.push(ConflationRecord {
            status: Status::OnlyOsm,
            kind: f.kind,
            official_id: None,
            age_groups: None,
            opening_hours: None,
            osm_id: Some(f.osm_id),
            facility_id: f.osm_id,
            matched_by: None,
            distance_m: None,
            official_area_m2: None,
            net_area_m2: None,
            osm_area_m2: f.area_m2,
            area_differs: false,
            name_differs: false,
            winner: None,
            area_used: if f.area_m2.is_some() {
                AreaBasis::Outline
            } else {
                AreaBasis::Point
            },
            note: format!(
                "not in the inventory: no official {} within {} m",
                f.kind, options.max_distance_m
            ),
            geometry: f.geometry.clone(),
        });
    }
    facilities.extend(added);
    Conflated {
        facilities,
        records,
    }
}
