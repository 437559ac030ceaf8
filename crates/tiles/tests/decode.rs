//! Tiles decoded by independent decoders: the `mvt-reader` crate and GDAL's MVT driver (`ogrinfo`).
//!
//! Expected tile coordinates are worked out by hand from the slippy-map formulas (see comments).

use geo_types::{Geometry, LineString, MultiPolygon, Point, Polygon};
use map::{CityLayerOptions, city_layers};
use model::{BasemapFeature, City, Facility, FacilityKind, Neighbourhood, OsmId};
use mvt_reader::Reader;
use mvt_reader::feature::Value as RValue;
use spielraum_tiles::{TileCache, TileId, TileSet, Value};

/// The test city, around tile 14/8625/5753 (Vaduz). Positions in that tile (extent 4096),
/// from x = ((lon+180)/360·2^14 − 8625)·4096 and y = ((1 − ln(tan φ + sec φ)/π)/2·2^14 − 5753)·4096:
/// - (9.5209, 47.1410) -> (1256.40, 1068.18)
/// - lon 9.518 -> x 715.80; lon 9.524 -> x 1834.28; lat 47.142 -> y 794.12; lat 47.136 -> y 2438.40
/// - lat 47.14 -> y 1342.23; lon 9.5 -> x −2639.6; lon 9.54 -> x 4816.9 (outside both edges)
fn city() -> City {
    let square = |x0: f64, y0: f64, x1: f64, y1: f64| {
        Polygon::new(
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            vec![],
        )
    };
    City {
        facilities: vec![Facility {
            osm_id: OsmId::Node(42),
            kind: FacilityKind::Playground,
            name: Some("Spielplatz Test".into()),
            access: None,
            geometry: Point::new(9.5209, 47.1410).into(),
            area_m2: None,
            opening_hours: None,
        }],
        neighbourhoods: vec![Neighbourhood {
            id: "r1".into(),
            name: "Vaduz".into(),
            admin_level: Some(8),
            geometry: MultiPolygon(vec![square(9.518, 47.142, 9.524, 47.136)]),
            population: Some(5000.0),
        }],
        basemap: vec![
            BasemapFeature {
                layer: "roads".into(),
                class: "primary".into(),
                name: Some("Landstrasse".into()),
                geometry: LineString::from(vec![(9.5, 47.14), (9.54, 47.14)]).into(),
            },
            BasemapFeature {
                layer: "buildings".into(),
                class: "house".into(),
                name: None,
                geometry: square(9.5200, 47.1400, 9.5202, 47.1401).into(),
            },
        ],
        ..City::default()
    }
}

fn options() -> CityLayerOptions {
    let mut o = CityLayerOptions::default();
    o.neighbourhood_properties.insert(
        "r1".into(),
        vec![("served_share_age_0_5".into(), Value::Double(0.5))],
    );
    o
}

fn layer_index(r: &Reader, name: &str) -> Option<usize> {
    r.get_layer_names().unwrap().iter().position(|n| n == name)
}

#[test]
fn mvt_reader_finds_features_where_they_are() {
    let set = TileSet::new(city_layers(&city(), &options()));
    let bytes = set.render(TileId::new(14, 8625, 5753).unwrap());
    let r = Reader::new(bytes).expect("decodes");
    let meta = r.get_layer_metadata().unwrap();
    assert!(meta.iter().all(|l| l.version == 2 && l.extent == 4096));

    let fi = layer_index(&r, "facilities").expect("facilities layer");
    let fs = r.get_features(fi).unwrap();
    assert_eq!(fs.len(), 1);
    let p = match fs[0].get_geometry() {
        Geometry::Point(p) => *p,
        Geometry::MultiPoint(m) if m.0.len() == 1 => m.0[0],
        g => panic!("facility is not one point: {g:?}"),
    };
    assert!(
        (p.x() - 1256.0).abs() <= 1.0 && (p.y() - 1068.0).abs() <= 1.0,
        "{p:?}"
    );
    let props = fs[0].properties.as_ref().unwrap();
    assert_eq!(props.get("osm_id"), Some(&RValue::String("n42".into())));
    assert_eq!(
        props.get("kind"),
        Some(&RValue::String("playground".into()))
    );
    assert_eq!(
        props.get("name"),
        Some(&RValue::String("Spielplatz Test".into()))
    );

    // The facility's symbol point sits at the same place.
    let pi = layer_index(&r, "facility_points").expect("facility_points layer");
    let ps = r.get_features(pi).unwrap();
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].get_geometry(), fs[0].get_geometry());

    let ni = layer_index(&r, "neighbourhoods").expect("neighbourhoods layer");
    let ns = r.get_features(ni).unwrap();
    assert_eq!(ns.len(), 1);
    let props = ns[0].properties.as_ref().unwrap();
    assert_eq!(
        props.get("served_share_age_0_5"),
        Some(&RValue::Double(0.5))
    );
    assert_eq!(props.get("population"), Some(&RValue::Double(5000.0)));
    let ring: Vec<(f32, f32)> = match ns[0].get_geometry() {
        Geometry::Polygon(p) => p.exterior().0.iter().map(|c| (c.x, c.y)).collect(),
        Geometry::MultiPolygon(m) => m.0[0].exterior().0.iter().map(|c| (c.x, c.y)).collect(),
        g => panic!("neighbourhood is not a polygon: {g:?}"),
    };
    for corner in [
        (716.0, 794.0),
        (1834.0, 794.0),
        (1834.0, 2438.0),
        (716.0, 2438.0),
    ] {
        assert!(
            ring.contains(&corner),
            "corner {corner:?} missing from {ring:?}"
        );
    }

    // The road crosses the whole tile and is cut at the buffer (64 units) on both sides.
    let ri = layer_index(&r, "roads").expect("roads layer");
    let rs = r.get_features(ri).unwrap();
    let line: Vec<(f32, f32)> = match rs[0].get_geometry() {
        Geometry::LineString(l) => l.0.iter().map(|c| (c.x, c.y)).collect(),
        g => panic!("road is not a line: {g:?}"),
    };
    assert_eq!(line, vec![(-64.0, 1342.0), (4160.0, 1342.0)]);
}

#[test]
fn exterior_rings_are_clockwise_and_holes_counter_clockwise() {
    // A square with a square hole; MVT 2.1 wants exterior area > 0, interior < 0 (y down).
    let outer = LineString::from(vec![
        (9.518, 47.142),
        (9.518, 47.136),
        (9.524, 47.136),
        (9.524, 47.142),
    ]);
    let hole = LineString::from(vec![
        (9.520, 47.140),
        (9.522, 47.140),
        (9.522, 47.138),
        (9.520, 47.138),
    ]);
    let mut c = City::default();
    c.neighbourhoods.push(Neighbourhood {
        id: "x".into(),
        name: "x".into(),
        admin_level: None,
        geometry: MultiPolygon(vec![Polygon::new(outer, vec![hole])]),
        population: None,
    });
    let set = TileSet::new(city_layers(&c, &CityLayerOptions::default()));
    let r = Reader::new(set.render(TileId::new(14, 8625, 5753).unwrap())).unwrap();
    let f = &r
        .get_features(layer_index(&r, "neighbourhoods").unwrap())
        .unwrap()[0];
    // mvt-reader assembles rings into polygons by their winding: one polygon with one hole
    // means the windings were right.
    match f.get_geometry() {
        Geometry::Polygon(p) => assert_eq!(p.interiors().len(), 1),
        Geometry::MultiPolygon(m) => {
            assert_eq!(m.0.len(), 1);
            assert_eq!(m.0[0].interiors().len(), 1);
        }
        g => panic!("{g:?}"),
    }
}

#[test]
fn zoom_rules_leave_out_buildings_and_tiny_shapes_at_low_zoom() {
    let set = TileSet::new(city_layers(&city(), &options()));
    // At z14 the building (about 15 m x 11 m) is there.
    let r = Reader::new(set.render(TileId::new(14, 8625, 5753).unwrap())).unwrap();
    assert!(layer_index(&r, "buildings").is_some());
    // At z12 buildings are not drawn (min zoom 13).
    let t12 = TileId::containing(9.5209, 47.1410, 12);
    let r = Reader::new(set.render(t12)).unwrap();
    assert!(layer_index(&r, "buildings").is_none());
    assert!(layer_index(&r, "roads").is_some());
    // At z5 the neighbourhood (about 450 m wide, ~0.1 px) is below the size limit.
    let r = Reader::new(set.render(TileId::containing(9.5209, 47.1410, 5))).unwrap();
    assert!(layer_index(&r, "neighbourhoods").is_none());
    // A tile far away is empty.
    assert!(set.render(TileId::new(14, 0, 0).unwrap()).is_empty());
}

#[test]
fn cache_returns_same_tile_and_valid_gzip() {
    use std::io::Read;
    let cache = TileCache::new(TileSet::new(city_layers(&city(), &options())), 1 << 20);
    let t = TileId::new(14, 8625, 5753).unwrap();
    assert!(!cache.contains(t));
    let a = cache.get(t);
    assert!(cache.contains(t));
    let b = cache.get(t);
    assert_eq!(a.etag, b.etag);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&a.gzip[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, a.raw.to_vec());
}

#[test]
fn gdal_reads_the_tile_at_the_right_place() {
    let Ok(out) = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "ogrinfo (gdal-bin) is required in CI"
        );
        eprintln!("ogrinfo not installed: skipping the GDAL cross-check");
        return;
    };
    assert!(out.status.success());
    let set = TileSet::new(city_layers(&city(), &options()));
    let dir = tempfile::tempdir().unwrap();
    let tile_dir = dir.path().join("14").join("8625");
    std::fs::create_dir_all(&tile_dir).unwrap();
    let path = tile_dir.join("5753.pbf");
    std::fs::write(&path, set.render(TileId::new(14, 8625, 5753).unwrap())).unwrap();
    let out = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-q"])
        .arg(&path)
        .arg("facilities")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("n42") && text.contains("playground"),
        "{text}"
    );
    // EPSG:3857 of (9.5209, 47.1410): x = 9.5209·20037508.34/180 = 1059861.74,
    // y = ln(tan(45° + φ/2))·6378137 = 5965119.31. One tile unit at z14 is 0.6 m.
    let pt = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("POINT ("))
        .expect("a POINT line");
    let nums: Vec<f64> = pt
        .trim_end_matches(')')
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((nums[0] - 1_059_861.74).abs() < 1.0, "{nums:?}");
    assert!((nums[1] - 5_965_119.31).abs() < 1.0, "{nums:?}");
}

#[test]
fn cache_stays_within_its_byte_bound() {
    let t1 = TileId::new(14, 8625, 5753).unwrap();
    let t2 = TileId::containing(9.5209, 47.1410, 13);
    let probe = TileCache::new(TileSet::new(city_layers(&city(), &options())), usize::MAX);
    let size = |t| {
        let c = probe.get(t);
        c.raw.len() + c.gzip.len() + 64
    };
    // Room for the larger of the two tiles but not for both: the second insert empties the cache.
    let bound = size(t1).max(size(t2)) + 1;
    assert!(size(t1) + size(t2) > bound);
    let cache = TileCache::new(TileSet::new(city_layers(&city(), &options())), bound);
    cache.get(t1);
    cache.get(t2);
    assert!(cache.contains(t2));
    assert!(!cache.contains(t1));
}
