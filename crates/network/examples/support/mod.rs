//! A small PBF loader for the examples (not the project's importer): walk ways, crossing nodes and
//! playgrounds (nodes and closed ways; relations are skipped), read with `osmpbf`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::error::Error;
use std::path::Path;

use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use model::{Facility, FacilityKind, OsmId, TaggedNode, WalkWay};
use osmpbf::{Element, ElementReader};

/// The network input and the playgrounds of one extract.
pub struct Extract {
    pub ways: Vec<WalkWay>,
    pub nodes: Vec<TaggedNode>,
    pub playgrounds: Vec<Facility>,
}

type Tags = Vec<(String, String)>;
/// Origins as (id, lon/lat).
pub type Origins = Vec<(String, Coord<f64>)>;

const WAY_TAGS: [&str; 10] = [
    "highway", "railway", "foot", "access", "area", "bridge", "tunnel", "footway", "crossing",
    "layer",
];
const NODE_TAGS: [&str; 4] = ["highway", "crossing", "railway", "barrier"];

fn keep(tags: impl Iterator<Item = (String, String)>, keys: &[&str]) -> Vec<(String, String)> {
    tags.filter(|(k, _)| keys.contains(&k.as_str())).collect()
}

/// Reads the extract at `path` (nodes come before ways in a PBF).
pub fn load(path: &Path) -> Result<Extract, Box<dyn Error>> {
    let mut coords: HashMap<i64, Coord<f64>> = HashMap::new();
    let mut out = Extract {
        ways: Vec::new(),
        nodes: Vec::new(),
        playgrounds: Vec::new(),
    };
    let mut node = |id: i64, c: Coord<f64>, tags: Vec<(String, String)>, out: &mut Extract| {
        coords.insert(id, c);
        let get = |k: &str| {
            tags.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if get("leisure").as_deref() == Some("playground") {
            out.playgrounds.push(Facility {
                osm_id: OsmId::Node(id),
                kind: FacilityKind::Playground,
                name: get("name"),
                access: get("access"),
                geometry: Geometry::Point(Point(c)),
                area_m2: None,
                opening_hours: None,
            });
        }
        let kept = keep(tags.into_iter(), &NODE_TAGS);
        if !kept.is_empty() {
            out.nodes.push(TaggedNode {
                id,
                coord: c,
                tags: kept,
            });
        }
    };
    let mut ways_raw: Vec<(i64, Vec<i64>, Tags)> = Vec::new();
    ElementReader::from_path(path)?.for_each(|e| {
        let own = |it: &mut dyn Iterator<Item = (&str, &str)>| {
            it.map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        match e {
            Element::Node(n) => {
                let c = Coord {
                    x: n.lon(),
                    y: n.lat(),
                };
                node(n.id(), c, own(&mut n.tags()), &mut out);
            }
            Element::DenseNode(n) => {
                let c = Coord {
                    x: n.lon(),
                    y: n.lat(),
                };
                node(n.id(), c, own(&mut n.tags()), &mut out);
            }
            Element::Way(w) => {
                let tags = own(&mut w.tags());
                let wanted = tags.iter().any(|(k, v)| {
                    k == "highway" || k == "railway" || (k == "leisure" && v == "playground")
                });
                if wanted {
                    ways_raw.push((w.id(), w.refs().collect(), tags));
                }
            }
            Element::Relation(_) => {}
        }
    })?;
    for (id, refs, tags) in ways_raw {
        let Some(cs) = refs
            .iter()
            .map(|r| coords.get(r).copied())
            .collect::<Option<Vec<_>>>()
        else {
            continue; // a way cut at the extract's edge
        };
        let get = |k: &str| {
            tags.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if get("leisure").as_deref() == Some("playground")
            && refs.len() >= 4
            && refs.first() == refs.last()
        {
            out.playgrounds.push(Facility {
                osm_id: OsmId::Way(id),
                kind: FacilityKind::Playground,
                name: get("name"),
                access: get("access"),
                geometry: Geometry::MultiPolygon(MultiPolygon::new(vec![Polygon::new(
                    LineString::new(cs.clone()),
                    vec![],
                )])),
                area_m2: None,
                opening_hours: None,
            });
        }
        if get("highway").is_some() || get("railway").is_some() {
            out.ways.push(WalkWay {
                id,
                nodes: refs,
                coords: cs,
                tags: keep(tags.into_iter(), &WAY_TAGS),
            });
        }
    }
    Ok(out)
}

/// Reads `id,lon,lat` rows (with a header).
pub fn read_origins(path: &Path) -> Result<Origins, Box<dyn Error>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row?;
        out.push((
            row[0].to_string(),
            Coord {
                x: row[1].parse()?,
                y: row[2].parse()?,
            },
        ));
    }
    Ok(out)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if known.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
