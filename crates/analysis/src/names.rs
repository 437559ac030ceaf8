//! Names a planner recognises for places without a name of their own: a candidate site reads
//! "Parkplatz an der Landstraße" / "Car park on Landstraße" (its OSM name when it has one), a
//! gap area "bei Landstraße, Schaan" / "near Landstraße, Schaan" — from the street names of
//! the walking network (OSM `name` of walkable ways) and the neighbourhoods.
//!
//! [`Streets`] indexes the named ways once (an R-tree of their segments in a local metric
//! frame); every label after that is one nearest-neighbour query.

use geo::InteriorPoint;
use geo_types::{Coord, Geometry, Point};
use model::City;
use model::scenario::CandidateSite;
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};

/// Metres per degree of latitude (mean Earth radius 6 371 008.8 m).
const M_PER_DEG: f64 = 111_195.08;

/// Farthest a street may be from a place to name it, in metres.
pub const MAX_STREET_DISTANCE_M: f64 = 300.0;

/// The language of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// German (the default: the planners' language).
    #[default]
    De,
    /// English.
    En,
}

impl Lang {
    /// `de` or `en` (any case); anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Lang::De),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `de` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

type Segment = GeomWithData<Line<[f64; 2]>, u32>;

/// The named streets and paths of a city's walking network, for nearest-street lookups.
pub struct Streets {
    names: Vec<String>,
    tree: RTree<Segment>,
    /// cos(latitude) of the city: x = lon · cos, y = lat, both in degrees of latitude.
    cos_lat: f64,
}

impl Streets {
    /// Indexes every walkable way of `city` that has a `name` (railways left out).
    pub fn new(city: &City) -> Streets {
        Streets::build(city, None)
    }

    /// [`Streets::new`] keeping only the segments near `points` (lon/lat): every segment within
    /// [`MAX_STREET_DISTANCE_M`] of one of them, so that [`Streets::nearest`] answers for those
    /// points as the whole index would (up to ties). For a few labels on a large city (a
    /// command's suggestions, its largest gap) this is much quicker than indexing every street.
    pub fn around(city: &City, points: &[Coord<f64>]) -> Streets {
        Streets::build(city, Some(points))
    }

    fn build(city: &City, around: Option<&[Coord<f64>]>) -> Streets {
        // Boxes around the points, with a margin over the search radius.
        let boxes: Option<Vec<[f64; 4]>> = around.map(|points| {
            points
                .iter()
                .filter(|p| p.x.is_finite() && p.y.is_finite())
                .map(|p| {
                    let dy = 1.5 * MAX_STREET_DISTANCE_M / M_PER_DEG;
                    let dx = dy / (p.y.abs().min(89.0) + 1.0).to_radians().cos();
                    [p.x - dx, p.y - dy, p.x + dx, p.y + dy]
                })
                .collect()
        });
        let near = |a: Coord<f64>, b: Coord<f64>| {
            boxes.as_ref().is_none_or(|boxes| {
                boxes.iter().any(|[x0, y0, x1, y1]| {
                    a.x.max(b.x) >= *x0
                        && a.x.min(b.x) <= *x1
                        && a.y.max(b.y) >= *y0
                        && a.y.min(b.y) <= *y1
                })
            })
        };
        let lats: Vec<f64> = city
            .walk_ways
            .iter()
            .flat_map(|w| w.coords.iter().map(|c| c.y))
            .collect();
        let mid = if lats.is_empty() {
            0.0
        } else {
            lats.iter().sum::<f64>() / lats.len() as f64
        };
        let cos_lat = mid.to_radians().cos().max(0.01);
        let mut names: Vec<String> = Vec::new();
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut segments = Vec::new();
        for w in &city.walk_ways {
            let tag = |k: &str| w.tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str());
            let Some(name) = tag("name").map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            if tag("highway").is_none() {
                continue;
            }
            // Numbered in the order first met (a map: a city has tens of thousands of names).
            let id = *ids.entry(name).or_insert_with(|| {
                names.push(name.to_string());
                (names.len() - 1) as u32
            });
            for pair in w.coords.windows(2) {
                if !near(pair[0], pair[1]) {
                    continue;
                }
                let (a, b) = (
                    [pair[0].x * cos_lat, pair[0].y],
                    [pair[1].x * cos_lat, pair[1].y],
                );
                segments.push(GeomWithData::new(Line::new(a, b), id));
            }
        }
        Streets {
            names,
            tree: RTree::bulk_load(segments),
            cos_lat,
        }
    }

    /// The name of the street nearest to `p` (lon/lat) within `max_m` metres, with its distance.
    pub fn nearest(&self, p: Coord<f64>, max_m: f64) -> Option<(&str, f64)> {
        let q = [p.x * self.cos_lat, p.y];
        let s = self.tree.nearest_neighbor(&q)?;
        let d = s.geom().distance_2(&q).sqrt() * M_PER_DEG;
        (d <= max_m).then(|| (self.names[s.data as usize].as_str(), d))
    }
}

/// The word for what kind of land a site is, from its `source` (the OSM tag that made it a
/// candidate, or `file`).
pub fn site_word(source: &str, lang: Lang) -> &'static str {
    let (de, en) = match source {
        "amenity=parking" => ("Parkplatz", "Car park"),
        "amenity=school" => ("Schulgelände", "School grounds"),
        "landuse=grass" => ("Rasenfläche", "Grass area"),
        "landuse=brownfield" => ("Brachfläche", "Brownfield site"),
        "landuse=greenfield" => ("Freifläche", "Greenfield site"),
        s if s.starts_with("ownership=") => ("Öffentliche Fläche", "Public land"),
        _ => ("Fläche", "Site"),
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// German street names starting with a preposition ("Im Bretscha", "Auf Berg") take none
/// before them.
const DE_PREPOSITIONS: [&str; 14] = [
    "im ", "am ", "an ", "auf ", "in ", "bei ", "beim ", "zum ", "zur ", "unter ", "ob ",
    "hinter ", "vor ", "über ",
];

/// "an der Landstraße", "am Rheinweg", ", Im Bretscha", "bei Rheinpark": how German puts a
/// place at a street, from the name's ending (feminine -straße/-gasse/-allee…, masculine
/// -weg/-platz/-ring…).
fn de_at(street: &str) -> String {
    let lower = street.to_lowercase();
    let last = lower.rsplit([' ', '-']).next().unwrap_or(&lower);
    let feminine = [
        "straße",
        "strasse",
        "gasse",
        "allee",
        "promenade",
        "zeile",
        "chaussee",
        "au",
        "halde",
        "gass",
    ];
    let masculine = [
        "weg", "platz", "ring", "damm", "pfad", "steig", "graben", "markt", "berg", "rain", "hof",
        "bühl", "winkel", "kanal",
    ];
    // "Alte Landstraße" would need "an der Alten Landstraße": words before the last that
    // inflect take "bei"; place adjectives in -er ("Vaduzer Straße") do not inflect.
    let inflects = lower
        .split([' ', '-'])
        .rev()
        .skip(1)
        .any(|w| !w.ends_with("er"));
    if DE_PREPOSITIONS.iter().any(|p| lower.starts_with(p)) {
        format!(", {street}")
    } else if inflects {
        format!(" bei {street}")
    } else if feminine.iter().any(|s| last.ends_with(s)) {
        format!(" an der {street}")
    } else if masculine.iter().any(|s| last.ends_with(s)) {
        format!(" am {street}")
    } else {
        format!(" bei {street}")
    }
}

/// A point on `g` (inside a polygon, the point itself for a point).
pub fn point_on(g: &Geometry<f64>) -> Option<Coord<f64>> {
    g.interior_point().map(|p: Point<f64>| p.0)
}

/// A site's label: its own name when it has one, else its kind of land and the nearest street
/// ("Parkplatz an der Landstraße" / "Car park on Landstraße"), else the kind of land and the
/// neighbourhood `area` ("Parkplatz in Schaan"), else the kind of land and its id.
pub fn site_label(
    site: &CandidateSite,
    streets: &Streets,
    area: Option<&str>,
    lang: Lang,
) -> String {
    if let Some(name) = site
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        return name.to_string();
    }
    let word = site_word(&site.source, lang);
    let street = point_on(&site.geometry)
        .and_then(|p| streets.nearest(p, MAX_STREET_DISTANCE_M))
        .map(|(s, _)| s);
    match (street, area, lang) {
        (Some(s), _, Lang::De) => format!("{word}{}", de_at(s)),
        (Some(s), _, Lang::En) => format!("{word} on {s}"),
        (None, Some(a), _) => format!("{word} in {a}"),
        (None, None, _) => format!("{word} {}", site.id),
    }
}

/// Where a place is, for a planner: "bei Landstraße, Schaan" / "near Landstraße, Schaan" (the
/// nearest street within [`MAX_STREET_DISTANCE_M`] and the neighbourhood), else "in Schaan",
/// else `None`.
pub fn place_phrase(
    p: Coord<f64>,
    streets: &Streets,
    area: Option<&str>,
    lang: Lang,
) -> Option<String> {
    let street = streets.nearest(p, MAX_STREET_DISTANCE_M).map(|(s, _)| s);
    let near = match lang {
        Lang::De => "bei",
        Lang::En => "near",
    };
    match (street, area) {
        (Some(s), Some(a)) => Some(format!("{near} {s}, {a}")),
        (Some(s), None) => Some(format!("{near} {s}")),
        (None, Some(a)) => Some(format!("in {a}")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::WalkWay;

    fn way(id: i64, name: Option<&str>, coords: &[(f64, f64)]) -> WalkWay {
        let mut tags = vec![("highway".to_string(), "residential".to_string())];
        if let Some(n) = name {
            tags.push(("name".into(), n.into()));
        }
        WalkWay {
            id,
            nodes: (0..coords.len() as i64).collect(),
            coords: coords.iter().map(|&(x, y)| Coord { x, y }).collect(),
            tags,
        }
    }

    fn city() -> City {
        // Landstraße runs east–west along 47.1000; Rheinweg north–south along 9.5100; an
        // unnamed way lies closest to the site at 9.5000, 47.1005.
        City {
            walk_ways: vec![
                way(1, Some("Landstraße"), &[(9.49, 47.1), (9.505, 47.1)]),
                way(2, Some("Rheinweg"), &[(9.51, 47.09), (9.51, 47.11)]),
                way(3, None, &[(9.499, 47.1004), (9.501, 47.1004)]),
            ],
            ..City::default()
        }
    }

    fn site(name: Option<&str>, source: &str, lon: f64, lat: f64) -> CandidateSite {
        CandidateSite {
            id: "w7".into(),
            source: source.into(),
            name: name.map(str::to_string),
            geometry: Point::new(lon, lat).into(),
            area_m2: 0.0,
        }
    }

    #[test]
    fn labels_by_name_street_area_and_id() {
        let streets = Streets::new(&city());
        // 0.0005° of latitude = 55.6 m north of Landstraße; Rheinweg is 0.01° of longitude
        // (757 m) away: Landstraße is the nearest named street.
        let s = site(None, "amenity=parking", 9.5, 47.1005);
        let (name, d) = streets
            .nearest(Coord { x: 9.5, y: 47.1005 }, 300.0)
            .unwrap();
        assert_eq!(name, "Landstraße");
        assert!((d - 55.6).abs() < 0.5, "{d}");
        assert_eq!(
            site_label(&s, &streets, None, Lang::De),
            "Parkplatz an der Landstraße"
        );
        assert_eq!(
            site_label(&s, &streets, None, Lang::En),
            "Car park on Landstraße"
        );
        // Near Rheinweg (0.0003° of longitude = 22.7 m).
        let r = site(None, "landuse=grass", 9.5097, 47.105);
        assert_eq!(
            site_label(&r, &streets, None, Lang::De),
            "Rasenfläche am Rheinweg"
        );
        // Its own name wins.
        let named = site(Some("Festwiese"), "landuse=grass", 9.5, 47.1005);
        assert_eq!(site_label(&named, &streets, None, Lang::En), "Festwiese");
        // No street within 300 m: the neighbourhood, else the id.
        let far = site(None, "landuse=brownfield", 9.6, 47.2);
        assert_eq!(
            site_label(&far, &streets, Some("Schaan"), Lang::De),
            "Brachfläche in Schaan"
        );
        assert_eq!(
            site_label(&far, &streets, None, Lang::En),
            "Brownfield site w7"
        );
        assert_eq!(
            place_phrase(
                Coord { x: 9.5, y: 47.1005 },
                &streets,
                Some("Schaan"),
                Lang::De
            )
            .unwrap(),
            "bei Landstraße, Schaan"
        );
        assert_eq!(
            place_phrase(Coord { x: 9.6, y: 47.2 }, &streets, Some("Vaduz"), Lang::En).unwrap(),
            "in Vaduz"
        );
    }

    #[test]
    fn german_prepositions() {
        assert_eq!(de_at("Im Bretscha"), ", Im Bretscha");
        assert_eq!(de_at("Zollstrasse"), " an der Zollstrasse");
        assert_eq!(de_at("Vaduzer Straße"), " an der Vaduzer Straße");
        assert_eq!(de_at("Alte Landstraße"), " bei Alte Landstraße");
        assert_eq!(de_at("Rheinpark"), " bei Rheinpark");
    }

    #[test]
    fn streets_around_points_answer_as_the_whole_index_does() {
        // A grid of named streets 100 m apart; points anywhere in and around it.
        let step = 100.0 / M_PER_DEG;
        let mut ways = Vec::new();
        for i in 0..30 {
            let y = 47.1 + f64::from(i) * step;
            let x = 9.5 + f64::from(i) * step * 1.47;
            ways.push(way(
                i64::from(i),
                Some(&format!("Ost {i}")),
                &[(9.49, y), (9.56, y)],
            ));
            ways.push(way(
                100 + i64::from(i),
                Some(&format!("Nord {i}")),
                &[(x, 47.09), (x, 47.14)],
            ));
        }
        let city = City {
            walk_ways: ways,
            ..City::default()
        };
        let whole = Streets::new(&city);
        let points: Vec<Coord<f64>> = (0..200)
            .map(|k| {
                let k = f64::from(k);
                Coord {
                    x: 9.48 + (k * 0.6180339).fract() * 0.09,
                    y: 47.08 + (k * 0.4142135).fract() * 0.07,
                }
            })
            .collect();
        let near = Streets::around(&city, &points);
        let mut answered = 0;
        for p in &points {
            let (a, b) = (
                whole.nearest(*p, MAX_STREET_DISTANCE_M),
                near.nearest(*p, MAX_STREET_DISTANCE_M),
            );
            assert_eq!(a.map(|(_, d)| d), b.map(|(_, d)| d), "{p:?}");
            answered += usize::from(a.is_some());
        }
        assert!(answered > 100, "{answered}");
        // Around one point: a small index, the same answer.
        let one = Streets::around(&city, &points[..1]);
        assert!(one.tree.size() < whole.tree.size() / 4);
        assert_eq!(
            one.nearest(points[0], MAX_STREET_DISTANCE_M)
                .map(|(_, d)| d),
            whole
                .nearest(points[0], MAX_STREET_DISTANCE_M)
                .map(|(_, d)| d)
        );
    }
}
