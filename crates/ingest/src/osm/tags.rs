//! Which OSM tags make which Spielraum object: facilities, buildings, walkable ways,
//! basemap classes, crossings and barriers (the rules of domain.md).

use model::FacilityKind;

/// A filtered, owned tag list.
pub type Tags = Vec<(String, String)>;

/// The keys kept from OSM objects (everything else is dropped while reading).
pub const KEPT_KEYS: &[&str] = &[
    "access",
    "admin_level",
    "amenity",
    "area",
    "barrier",
    "boundary",
    "bridge",
    "building",
    "building:levels",
    "community_centre",
    "crossing",
    "foot",
    "footway",
    "garden:type",
    "highway",
    "landuse",
    "layer",
    "leisure",
    "name",
    "natural",
    "opening_hours",
    "ownership",
    "parking",
    "place",
    "railway",
    "sidewalk",
    "social_facility:for",
    "tunnel",
    "type",
    "waterway",
    "width",
];

/// Keys a [`model::WalkWay`] carries.
pub const WALK_KEYS: &[&str] = &[
    "access", "area", "bridge", "crossing", "foot", "footway", "highway", "layer", "name",
    "railway", "sidewalk", "tunnel", "width",
];

/// Keys a [`model::TaggedNode`] carries.
pub const NODE_KEYS: &[&str] = &["barrier", "crossing", "highway", "railway"];

/// The walkable `highway` values and the barrier railways: one list, shared with the network.
pub use model::{BARRIER_RAILWAYS, WALKABLE_HIGHWAYS};

const BASEMAP_RAILWAYS: &[&str] = &[
    "rail",
    "light_rail",
    "tram",
    "narrow_gauge",
    "subway",
    "funicular",
    "monorail",
    "preserved",
];
const WATER_LINES: &[&str] = &["river", "stream", "canal"];
const LANDUSE_CLASSES: &[&str] = &[
    "forest",
    "grass",
    "meadow",
    "farmland",
    "farmyard",
    "residential",
    "industrial",
    "commercial",
    "retail",
    "orchard",
    "vineyard",
    "cemetery",
    "allotments",
    "village_green",
    "recreation_ground",
    "park",
];
const NATURAL_LANDUSE: &[&str] = &["wood", "scrub", "grassland", "heath"];
const PLACES: &[&str] = &["city", "town", "village", "hamlet", "suburb"];

/// The value of `key` in `tags`.
pub fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Keeps the tags whose key is in `keys`, sorted by key.
pub fn only(tags: &[(String, String)], keys: &[&str]) -> Tags {
    let mut t: Tags = tags
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .cloned()
        .collect();
    t.sort();
    t
}

/// The facility kind an object's tags make, if any (the rules of `docs/interfaces.md`,
/// "Facility kinds from OSM tags"), tried in that order: the more specific kind wins (a pitch
/// is a `sports_pitch` and a community garden a `community_garden`, not `open_space`). Every kind is
/// imported with its `access` tag; `private` and `no` do not count for coverage.
pub fn facility_kind(tags: &[(String, String)]) -> Option<FacilityKind> {
    let leisure = tag(tags, "leisure");
    let amenity = tag(tags, "amenity");
    let landuse = tag(tags, "landuse");
    let centre = tag(tags, "community_centre");
    let social_for = tag(tags, "social_facility:for");
    if leisure == Some("playground") {
        Some(FacilityKind::Playground)
    } else if amenity == Some("school") {
        Some(FacilityKind::School)
    } else if amenity == Some("kindergarten") {
        Some(FacilityKind::Kindergarten)
    } else if matches!(amenity, Some("library" | "toy_library")) {
        Some(FacilityKind::Library)
    } else if amenity == Some("youth_centre")
        || (amenity == Some("community_centre") && centre == Some("youth_centre"))
        || (amenity == Some("social_facility") && matches!(social_for, Some("juvenile" | "youth")))
    {
        Some(FacilityKind::YouthCentre)
    } else if (amenity == Some("community_centre")
        && matches!(centre, Some("family_centre" | "family")))
        || (amenity == Some("social_facility") && social_for == Some("family"))
    {
        Some(FacilityKind::FamilyCentre)
    } else if leisure == Some("pitch") {
        Some(FacilityKind::SportsPitch)
    } else if leisure == Some("garden") && tag(tags, "garden:type") == Some("community") {
        Some(FacilityKind::CommunityGarden)
    } else if matches!(
        leisure,
        Some("park" | "garden" | "recreation_ground" | "common")
    ) || matches!(landuse, Some("village_green" | "recreation_ground"))
    {
        Some(FacilityKind::OpenSpace)
    } else {
        None
    }
}

/// The `building` value, unless absent or `no`.
pub fn building(tags: &[(String, String)]) -> Option<&str> {
    tag(tags, "building").filter(|b| *b != "no")
}

/// Whether the way is kept for the walking network (walkable highway or barrier railway).
pub fn is_walk_way(tags: &[(String, String)]) -> bool {
    tag(tags, "highway").is_some_and(|h| WALKABLE_HIGHWAYS.contains(&h))
        || tag(tags, "railway").is_some_and(|r| BARRIER_RAILWAYS.contains(&r))
}

/// Whether a node on a walk way is kept as a [`model::TaggedNode`].
pub fn is_network_node(tags: &[(String, String)]) -> bool {
    tag(tags, "highway") == Some("crossing")
        || tag(tags, "crossing").is_some()
        || matches!(tag(tags, "railway"), Some("crossing" | "level_crossing"))
        || tag(tags, "barrier").is_some()
}

/// The basemap (layer, class) of an area, if it is one.
pub fn basemap_area(tags: &[(String, String)]) -> Option<(&'static str, String)> {
    if tag(tags, "natural") == Some("water") || tag(tags, "waterway") == Some("riverbank") {
        return Some(("water", "water".into()));
    }
    if let Some(l) = tag(tags, "landuse").filter(|l| LANDUSE_CLASSES.contains(l)) {
        return Some(("landuse", l.into()));
    }
    if let Some(n) = tag(tags, "natural").filter(|n| NATURAL_LANDUSE.contains(n)) {
        return Some(("landuse", n.into()));
    }
    if let Some(l) = tag(tags, "leisure").filter(|l| matches!(*l, "park" | "garden")) {
        return Some(("landuse", l.into()));
    }
    None
}

/// The basemap (layer, class) of a line, if it is one.
pub fn basemap_line(tags: &[(String, String)]) -> Option<(&'static str, String)> {
    if let Some(h) = tag(tags, "highway") {
        return Some(("roads", h.into()));
    }
    if let Some(r) = tag(tags, "railway").filter(|r| BASEMAP_RAILWAYS.contains(r)) {
        return Some(("railways", r.into()));
    }
    if let Some(w) = tag(tags, "waterway").filter(|w| WATER_LINES.contains(w)) {
        return Some(("water", w.into()));
    }
    None
}

/// The basemap place class of a node, if it is a named place.
pub fn place(tags: &[(String, String)]) -> Option<&str> {
    tag(tags, "place").filter(|p| PLACES.contains(p) && tag(tags, "name").is_some())
}

/// Whether a closed way or multipolygon with these tags is an area of interest.
pub fn is_area_of_interest(tags: &[(String, String)]) -> bool {
    facility_kind(tags).is_some()
        || building(tags).is_some()
        || basemap_area(tags).is_some()
        || tag(tags, "leisure") == Some("playground")
        || candidate_source(tags).is_some()
}

/// `landuse` values of open land where a playground could be built.
pub const CANDIDATE_LANDUSE: &[&str] = &["grass", "brownfield", "greenfield"];
/// `ownership` values of publicly owned land.
pub const PUBLIC_OWNERSHIP: &[&str] = &["municipal", "public", "national", "state"];

/// Why an area is a candidate site for a new facility (the first rule that matches), as the tag
/// written in the `candidate_sites` layer's `source` column:
/// 1. `landuse=grass|brownfield|greenfield` (open, unbuilt land);
/// 2. `amenity=parking` on the surface (`parking=surface` or no `parking` tag);
/// 3. `amenity=school` (the school's grounds: a yard that could be opened or extended);
/// 4. `ownership=municipal|public|national|state` on any `landuse` or `leisure` area.
pub fn candidate_source(tags: &[(String, String)]) -> Option<String> {
    if let Some(l) = tag(tags, "landuse").filter(|l| CANDIDATE_LANDUSE.contains(l)) {
        return Some(format!("landuse={l}"));
    }
    if tag(tags, "amenity") == Some("parking")
        && tag(tags, "parking").is_none_or(|p| p == "surface")
    {
        return Some("amenity=parking".into());
    }
    if tag(tags, "amenity") == Some("school") {
        return Some("amenity=school".into());
    }
    let public = tag(tags, "ownership").filter(|o| PUBLIC_OWNERSHIP.contains(o))?;
    (tag(tags, "landuse").is_some() || tag(tags, "leisure").is_some())
        .then(|| format!("ownership={public}"))
}

/// `boundary=administrative` with a name and a numeric `admin_level`: the level.
pub fn admin_level(tags: &[(String, String)]) -> Option<u8> {
    if tag(tags, "boundary") != Some("administrative") || tag(tags, "name").is_none() {
        return None;
    }
    tag(tags, "admin_level")?.trim().parse().ok()
}

/// `building:levels` when numeric.
pub fn levels(tags: &[(String, String)]) -> Option<f64> {
    tag(tags, "building:levels")?
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|l| l.is_finite() && *l >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kv: &[(&str, &str)]) -> Tags {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kinds_follow_the_domain_rules() {
        assert_eq!(
            facility_kind(&t(&[("leisure", "playground")])),
            Some(FacilityKind::Playground)
        );
        assert_eq!(
            facility_kind(&t(&[("amenity", "school")])),
            Some(FacilityKind::School)
        );
        assert_eq!(
            facility_kind(&t(&[("amenity", "kindergarten")])),
            Some(FacilityKind::Kindergarten)
        );
        assert_eq!(
            facility_kind(&t(&[("landuse", "village_green")])),
            Some(FacilityKind::OpenSpace)
        );
        assert_eq!(
            facility_kind(&t(&[("leisure", "pitch")])),
            Some(FacilityKind::SportsPitch)
        );
        // A private pitch is kept with its access tag (it does not count for coverage).
        assert_eq!(
            facility_kind(&t(&[("leisure", "pitch"), ("access", "private")])),
            Some(FacilityKind::SportsPitch)
        );
        assert_eq!(
            facility_kind(&t(&[("leisure", "garden")])),
            Some(FacilityKind::OpenSpace)
        );
        assert_eq!(
            facility_kind(&t(&[("leisure", "garden"), ("garden:type", "community")])),
            Some(FacilityKind::CommunityGarden)
        );
        assert_eq!(
            facility_kind(&t(&[("leisure", "garden"), ("garden:type", "residential")])),
            Some(FacilityKind::OpenSpace)
        );
        for lib in ["library", "toy_library"] {
            assert_eq!(
                facility_kind(&t(&[("amenity", lib), ("building", "yes")])),
                Some(FacilityKind::Library)
            );
        }
        let youth: [&[(&str, &str)]; 4] = [
            &[
                ("amenity", "community_centre"),
                ("community_centre", "youth_centre"),
            ],
            &[("amenity", "youth_centre")],
            &[
                ("amenity", "social_facility"),
                ("social_facility:for", "juvenile"),
            ],
            &[
                ("amenity", "social_facility"),
                ("social_facility:for", "youth"),
            ],
        ];
        for kv in youth {
            assert_eq!(
                facility_kind(&t(kv)),
                Some(FacilityKind::YouthCentre),
                "{kv:?}"
            );
        }
        let family: [&[(&str, &str)]; 3] = [
            &[
                ("amenity", "community_centre"),
                ("community_centre", "family_centre"),
            ],
            &[
                ("amenity", "community_centre"),
                ("community_centre", "family"),
            ],
            &[
                ("amenity", "social_facility"),
                ("social_facility:for", "family"),
            ],
        ];
        for kv in family {
            assert_eq!(
                facility_kind(&t(kv)),
                Some(FacilityKind::FamilyCentre),
                "{kv:?}"
            );
        }
        // A community centre for everyone, or a social facility for the elderly: no kind.
        assert_eq!(facility_kind(&t(&[("amenity", "community_centre")])), None);
        assert_eq!(
            facility_kind(&t(&[
                ("amenity", "social_facility"),
                ("social_facility:for", "senior")
            ])),
            None
        );
        // The key alone is not enough.
        assert_eq!(
            facility_kind(&t(&[("community_centre", "youth_centre")])),
            None
        );
        // A private playground is still a playground (kept, does not count for coverage).
        assert_eq!(
            facility_kind(&t(&[("leisure", "playground"), ("access", "private")])),
            Some(FacilityKind::Playground)
        );
        assert_eq!(facility_kind(&t(&[("leisure", "sports_centre")])), None);
    }

    #[test]
    fn candidate_sites_follow_the_documented_rules() {
        let source = |kv: &[(&str, &str)]| candidate_source(&t(kv));
        assert_eq!(
            source(&[("landuse", "brownfield")]).as_deref(),
            Some("landuse=brownfield")
        );
        assert_eq!(source(&[("landuse", "meadow")]), None);
        assert_eq!(
            source(&[("amenity", "parking")]).as_deref(),
            Some("amenity=parking")
        );
        assert_eq!(
            source(&[("amenity", "parking"), ("parking", "surface")]).as_deref(),
            Some("amenity=parking")
        );
        assert_eq!(
            source(&[("amenity", "parking"), ("parking", "underground")]),
            None
        );
        assert_eq!(
            source(&[("amenity", "school")]).as_deref(),
            Some("amenity=school")
        );
        assert_eq!(
            source(&[("leisure", "park"), ("ownership", "municipal")]).as_deref(),
            Some("ownership=municipal")
        );
        assert_eq!(source(&[("ownership", "municipal")]), None);
        assert_eq!(
            source(&[("landuse", "meadow"), ("ownership", "private")]),
            None
        );
        // The first rule wins.
        assert_eq!(
            source(&[("landuse", "grass"), ("ownership", "state")]).as_deref(),
            Some("landuse=grass")
        );
        assert!(is_area_of_interest(&t(&[("amenity", "parking")])));
    }

    #[test]
    fn walkable_ways_and_nodes() {
        assert!(is_walk_way(&t(&[("highway", "footway")])));
        assert!(is_walk_way(&t(&[("highway", "primary"), ("foot", "no")])));
        assert!(!is_walk_way(&t(&[("highway", "motorway")])));
        assert!(is_walk_way(&t(&[("railway", "tram")])));
        assert!(!is_walk_way(&t(&[("railway", "abandoned")])));
        assert!(is_network_node(&t(&[("barrier", "gate")])));
        assert!(is_network_node(&t(&[("railway", "level_crossing")])));
        assert!(!is_network_node(&t(&[("highway", "traffic_signals")])));
    }

    #[test]
    fn admin_levels_and_building_levels() {
        let b = t(&[
            ("boundary", "administrative"),
            ("admin_level", "8"),
            ("name", "Vaduz"),
        ]);
        assert_eq!(admin_level(&b), Some(8));
        assert_eq!(admin_level(&b[..2]), None);
        assert_eq!(levels(&t(&[("building:levels", "2,5")])), Some(2.5));
        assert_eq!(levels(&t(&[("building:levels", "two")])), None);
    }
}
