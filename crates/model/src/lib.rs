//! Spielraum's domain types, shared by every other crate.
//!
//! This crate owns the vocabulary (facilities, neighbourhoods, population
//! units, buildings, walkable ways, age bands) and does no I/O.

pub mod geodesy;
pub mod index;
pub mod provenance;
pub mod scenario;
pub mod time;
pub mod validity;

use std::fmt;
use std::str::FromStr;

use geo_types::{Coord, Geometry, MultiPolygon, Point};
use serde::{Deserialize, Serialize};

/// OSM `highway` values that are walkable (the whitelist of `docs/domain.md`, "Walking network").
///
/// Shared by the importer (which ways to keep) and the network (which ways to walk).
pub const WALKABLE_HIGHWAYS: &[&str] = &[
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "track",
    "cycleway",
    "bridleway",
    "corridor",
    "road",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "trunk",
    "trunk_link",
];

/// OSM `railway` values that are barriers in the child-safe profile (not walkable, crossed only
/// at crossings, bridges or tunnels).
///
/// Every surface railway a child must not walk across: `rail`, `light_rail`, `tram`,
/// `narrow_gauge`, `preserved`, `monorail`, `funicular`. Not `subway` (underground: it never
/// shares a node with a street). Trams count: domain.md says "a railway", and where a street and
/// a tram track share a node the crossing is normally tagged (`railway=tram_level_crossing`).
pub const BARRIER_RAILWAYS: &[&str] = &[
    "rail",
    "light_rail",
    "tram",
    "narrow_gauge",
    "preserved",
    "monorail",
    "funicular",
];

/// An error in parsing one of the model's textual values.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    /// A facility kind that does not exist.
    #[error(
        "unknown facility kind '{0}' (expected one of: playground, school, kindergarten, open_space, library, youth_centre, family_centre, sports_pitch, community_garden)"
    )]
    UnknownKind(String),
    /// An OSM id that is not `n123`, `w123` or `r123` (or an inventory's `o123`).
    #[error("invalid OSM id '{0}' (expected n123, w123 or r123, or o123 for an inventory's)")]
    InvalidOsmId(String),
    /// An age band name that does not exist.
    #[error("unknown age band '{0}' (expected one of: age_0_5, age_6_11, age_12_17)")]
    UnknownAgeBand(String),
}

/// The kinds of place where children play, learn or meet.
///
/// # Examples
/// Kinds are written as on the command line and in files:
/// ```
/// use spielraum_model::FacilityKind;
///
/// let kind: FacilityKind = "open_space".parse()?;
/// assert_eq!(kind, FacilityKind::OpenSpace);
/// assert_eq!(FacilityKind::Playground.to_string(), "playground");
/// // Every kind reads back from its own name.
/// for k in FacilityKind::ALL {
///     assert_eq!(k.as_str().parse::<FacilityKind>()?, k);
/// }
/// let err = "park".parse::<FacilityKind>().unwrap_err();
/// assert!(err.to_string().starts_with("unknown facility kind 'park'"));
/// # Ok::<(), spielraum_model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// `leisure=playground`.
    Playground,
    /// `amenity=school` (the school grounds; a school yard).
    School,
    /// `amenity=kindergarten`.
    Kindergarten,
    /// Parks, gardens, recreation grounds, village greens (pitches and community gardens have
    /// their own kinds; a standard's `open_space` still covers them, see `docs/standards.md`).
    OpenSpace,
    /// `amenity=library` or `amenity=toy_library`: a public or toy library.
    Library,
    /// A youth centre (*Jugendzentrum*, *Jugendtreff*): `community_centre=youth_centre`,
    /// `amenity=youth_centre`, or a social facility for juveniles or youth.
    YouthCentre,
    /// A family centre (*Familienzentrum*): `community_centre=family_centre|family`, or a
    /// social facility for families.
    FamilyCentre,
    /// `leisure=pitch`: a sports pitch or kick-about ground (*Bolzplatz*).
    SportsPitch,
    /// `leisure=garden` with `garden:type=community`: a community garden.
    CommunityGarden,
}

impl FacilityKind {
    /// Every kind, in a stable order.
    pub const ALL: [FacilityKind; 9] = [
        FacilityKind::Playground,
        FacilityKind::School,
        FacilityKind::Kindergarten,
        FacilityKind::OpenSpace,
        FacilityKind::Library,
        FacilityKind::YouthCentre,
        FacilityKind::FamilyCentre,
        FacilityKind::SportsPitch,
        FacilityKind::CommunityGarden,
    ];

    /// The kinds that used to be `open_space` before they had their own (pitches, community
    /// gardens): a standard naming `open_space` covers them too, unless it names them itself.
    pub const PART_OF_OPEN_SPACE: [FacilityKind; 2] =
        [FacilityKind::SportsPitch, FacilityKind::CommunityGarden];

    /// The name used on the command line, in files and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Playground => "playground",
            FacilityKind::School => "school",
            FacilityKind::Kindergarten => "kindergarten",
            FacilityKind::OpenSpace => "open_space",
            FacilityKind::Library => "library",
            FacilityKind::YouthCentre => "youth_centre",
            FacilityKind::FamilyCentre => "family_centre",
            FacilityKind::SportsPitch => "sports_pitch",
            FacilityKind::CommunityGarden => "community_garden",
        }
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FacilityKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FacilityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ModelError::UnknownKind(s.to_string()))
    }
}

/// An OpenStreetMap object id with its type, written `n123`, `w123`, `r123`; or `o123` for a
/// facility that only the city's own inventory lists (no OSM object).
///
/// # Examples
/// ```
/// use spielraum_model::OsmId;
///
/// assert_eq!("w4711".parse::<OsmId>()?, OsmId::Way(4711));
/// assert_eq!(OsmId::Relation(51701).to_string(), "r51701");
/// assert!("x1".parse::<OsmId>().is_err());
/// # Ok::<(), spielraum_model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OsmId {
    /// A node.
    Node(i64),
    /// A way.
    Way(i64),
    /// A relation.
    Relation(i64),
    /// Not an OSM object: a facility only the city's own inventory lists (written `o123`; see
    /// `docs/methods.md`, "Facility inventories", for how the number is chosen).
    Official(i64),
}

impl fmt::Display for OsmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsmId::Node(id) => write!(f, "n{id}"),
            OsmId::Way(id) => write!(f, "w{id}"),
            OsmId::Relation(id) => write!(f, "r{id}"),
            OsmId::Official(id) => write!(f, "o{id}"),
        }
    }
}

impl FromStr for OsmId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::InvalidOsmId(s.to_string());
        let (prefix, rest) = s.split_at_checked(1).ok_or_else(bad)?;
        let id: i64 = rest.parse().map_err(|_| bad())?;
        match prefix {
            "n" => Ok(OsmId::Node(id)),
            "w" => Ok(OsmId::Way(id)),
            "r" => Ok(OsmId::Relation(id)),
            "o" => Ok(OsmId::Official(id)),
            _ => Err(bad()),
        }
    }
}

/// A place to play, learn or meet, as imported from OSM (or added in a scenario).
#[derive(Debug, Clone, PartialEq)]
pub struct Facility {
    /// The OSM object it came from.
    pub osm_id: OsmId,
    /// What kind of place it is.
    pub kind: FacilityKind,
    /// Its `name` tag, if any.
    pub name: Option<String>,
    /// Its `access` tag, if any (`no` and `private` do not count for coverage).
    pub access: Option<String>,
    /// A `Point` (nodes) or a `MultiPolygon` (closed ways, multipolygon relations), WGS84 lon/lat.
    pub geometry: Geometry<f64>,
    /// Net area in m² on the ellipsoid; `None` for points.
    pub area_m2: Option<f64>,
    /// Its OSM `opening_hours` tag as mapped, if any (read by [`time::Hours::parse`]; a facility
    /// without one is always open).
    pub opening_hours: Option<String>,
}

impl Facility {
    /// Whether the facility is open to the public (counts for `nearest` and coverage).
    ///
    /// # Examples
    /// ```
    /// use geo_types::{Geometry, Point};
    /// use spielraum_model::{Facility, FacilityKind, OsmId};
    ///
    /// let mut school_yard = Facility {
    ///     osm_id: OsmId::Way(7),
    ///     kind: FacilityKind::School,
    ///     name: None,
    ///     access: None,
    ///     geometry: Geometry::Point(Point::new(9.52, 47.14)),
    ///     area_m2: None,
    ///     opening_hours: None,
    /// };
    /// assert!(school_yard.is_public()); // no access tag: public
    /// school_yard.access = Some("private".into());
    /// assert!(!school_yard.is_public());
    /// school_yard.access = Some("customers".into());
    /// assert!(school_yard.is_public()); // only `no` and `private` close it
    /// ```
    pub fn is_public(&self) -> bool {
        !matches!(self.access.as_deref(), Some("no") | Some("private"))
    }
}

/// A neighbourhood (Sozialraum, Stadtteil, Planungsraum, municipality).
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    /// A stable id (`r123` for OSM boundaries, the GeoJSON id/property otherwise).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The OSM `admin_level`, where it came from OSM.
    pub admin_level: Option<u8>,
    /// Its outline, WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// Residents living inside, once population is known.
    pub population: Option<f64>,
}

/// A building as imported from OSM, kept for the population estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    /// The OSM object it came from.
    pub osm_id: OsmId,
    /// The `building` tag value (`yes`, `house`, `apartments`, …).
    pub building: String,
    /// `building:levels`, where tagged and numeric.
    pub levels: Option<f64>,
    /// Footprint area in m² on the ellipsoid.
    pub footprint_m2: f64,
    /// Centre (centroid of the footprint), WGS84 lon/lat.
    pub centre: Point<f64>,
    /// Whether the building lies inside `landuse=residential`.
    pub in_residential_landuse: bool,
}

/// Where a population unit's numbers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopulationSource {
    /// Zensus 2022 grid.
    Census,
    /// Estimated from buildings.
    Buildings,
    /// A user-supplied point file.
    Points,
    /// A residents' register per area, spread over the area's residential buildings.
    Register,
}

impl PopulationSource {
    /// The value written in the `source` column.
    pub fn as_str(self) -> &'static str {
        match self {
            PopulationSource::Census => "census",
            PopulationSource::Buildings => "buildings",
            PopulationSource::Points => "points",
            PopulationSource::Register => "register",
        }
    }
}

/// The age bands of the planning standards.
///
/// # Examples
/// A band names its column in files and its slot in per-band arrays:
/// ```
/// use spielraum_model::AgeBand;
///
/// let band: AgeBand = "age_6_11".parse()?;
/// assert_eq!(band, AgeBand::Age6To11);
/// assert_eq!(band.index(), 1);
///
/// let children = [12.0, 30.0, 7.0]; // per band, youngest first
/// assert_eq!(children[AgeBand::Age12To17.index()], 7.0);
/// let names: Vec<&str> = AgeBand::ALL.iter().map(|b| b.as_str()).collect();
/// assert_eq!(names, ["age_0_5", "age_6_11", "age_12_17"]);
/// assert!("age_18_99".parse::<AgeBand>().is_err());
/// # Ok::<(), spielraum_model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeBand {
    /// Under 6.
    #[serde(rename = "age_0_5")]
    Age0To5,
    /// 6 to under 12.
    #[serde(rename = "age_6_11")]
    Age6To11,
    /// 12 to under 18.
    #[serde(rename = "age_12_17")]
    Age12To17,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 3] = [AgeBand::Age0To5, AgeBand::Age6To11, AgeBand::Age12To17];

    /// The column / field name (`age_0_5`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Age0To5 => "age_0_5",
            AgeBand::Age6To11 => "age_6_11",
            AgeBand::Age12To17 => "age_12_17",
        }
    }

    /// Index into `[f64; 3]` arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl FromStr for AgeBand {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgeBand::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| ModelError::UnknownAgeBand(s.to_string()))
    }
}

/// Residents at one place (a grid cell centre, a building, a point).
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationUnit {
    /// Where they live, WGS84 lon/lat (the unit's centre).
    pub location: Point<f64>,
    /// All residents.
    pub residents: f64,
    /// Children per band, indexed by [`AgeBand::index`].
    pub ages: [f64; 3],
    /// Where the numbers came from.
    pub source: PopulationSource,
}

/// An OSM way kept for the walking network, with the tags the network rules read.
///
/// Only ways whose `highway` is on the walkable whitelist, or that are railways
/// (barriers for the child-safe profile), are kept.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkWay {
    /// OSM way id.
    pub id: i64,
    /// The node ids, in way order.
    pub nodes: Vec<i64>,
    /// The node coordinates (lon/lat), same length as `nodes`.
    pub coords: Vec<Coord<f64>>,
    /// Tags relevant to the network rules: highway, railway, foot, access, area,
    /// bridge, tunnel, footway, crossing, layer.
    pub tags: Vec<(String, String)>,
}

impl WalkWay {
    /// The value of tag `key`, if present.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// An OSM node with tags the network rules read (crossings, barriers).
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedNode {
    /// OSM node id.
    pub id: i64,
    /// Its position, lon/lat.
    pub coord: Coord<f64>,
    /// Tags: highway, crossing, railway, barrier.
    pub tags: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osm_id_round_trips() {
        for s in ["n1", "w42", "r-7", "o12"] {
            assert_eq!(s.parse::<OsmId>().unwrap().to_string(), s);
        }
        assert!("x1".parse::<OsmId>().is_err());
        assert!("n".parse::<OsmId>().is_err());
        assert!("".parse::<OsmId>().is_err());
    }

    #[test]
    fn kinds_parse_and_reject_unknown() {
        assert_eq!(
            "open_space".parse::<FacilityKind>(),
            Ok(FacilityKind::OpenSpace)
        );
        assert!("pool".parse::<FacilityKind>().is_err());
    }

    #[test]
    fn private_access_is_not_public() {
        let mut f = Facility {
            osm_id: OsmId::Node(1),
            kind: FacilityKind::Playground,
            name: None,
            access: Some("private".into()),
            geometry: Geometry::Point(Point::new(9.5, 47.1)),
            area_m2: None,
            opening_hours: None,
        };
        assert!(!f.is_public());
        f.access = Some("yes".into());
        assert!(f.is_public());
        f.access = None;
        assert!(f.is_public());
    }
}

/// A feature of the basemap drawn under Spielraum's own layers
/// (roads by class, buildings, water, landuse/green, place labels).
#[derive(Debug, Clone, PartialEq)]
pub struct BasemapFeature {
    /// The basemap layer: `roads`, `buildings`, `water`, `landuse`, `places`.
    pub layer: String,
    /// The class within the layer (`primary`, `footway`, `river`, `forest`, `town`, …).
    pub class: String,
    /// Its name, if any (street names, place names).
    pub name: Option<String>,
    /// Its geometry, WGS84 lon/lat.
    pub geometry: Geometry<f64>,
}

/// Everything an import produces and the other commands read: one city.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct City {
    /// Playgrounds, schools, kindergartens, open spaces.
    pub facilities: Vec<Facility>,
    /// Neighbourhoods, each with its population once known.
    pub neighbourhoods: Vec<Neighbourhood>,
    /// Residential buildings (for the building-based population estimate).
    pub buildings: Vec<Building>,
    /// Where residents live, by age band.
    pub population: Vec<PopulationUnit>,
    /// Walkable ways (and railways, as barriers) for the network.
    pub walk_ways: Vec<WalkWay>,
    /// Nodes with crossing/barrier tags, for the child-safe profile.
    pub tagged_nodes: Vec<TaggedNode>,
    /// The basemap drawn from the same extract.
    pub basemap: Vec<BasemapFeature>,
    /// Facts about the import: `source_file`, `source_timestamp`, `admin_level`,
    /// `population_source`, `imported_at`, … (key, value).
    pub metadata: Vec<(String, String)>,
    /// Where each layer's data came from (the `data_sources` table).
    pub sources: Vec<provenance::DataSource>,
    /// Social indicators per neighbourhood (the `social_indicators` table; empty without
    /// `import --social`), weighed into the need score by the standard's `[need.social]`.
    pub social: Vec<SocialIndicator>,
}

/// One social indicator of the neighbourhoods (e.g. the share of children in households
/// receiving SGB II benefits), read from a city's social table (`import --social`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SocialIndicator {
    /// Short key the standard's `[need.social]` weights name (`sgb2`).
    pub key: String,
    /// German label (`Anteil Kinder in SGB-II-Bedarfsgemeinschaften`); the key if none given.
    pub label_de: String,
    /// English label; the German one if none given.
    pub label_en: String,
    /// The value per neighbourhood id, a share in [0, 1]; neighbourhoods without a value are
    /// absent.
    pub values: std::collections::BTreeMap<String, f64>,
}
