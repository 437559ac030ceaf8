//! The vector readers against GDAL: the same boundaries written by `ogr2ogr` as GeoJSON/4326,
//! Shapefile/25832, GeoPackage/25833, FlatGeobuf/3035 (and a zipped shapefile, a Gauss–Krüger
//! one) read back as the same neighbourhoods; our reprojection checked against PROJ's
//! (`gdaltransform`); bad input as one-line errors naming the file, feature and field.

use std::path::{Path, PathBuf};
use std::process::Command;

use geo_types::Geometry;
use spielraum_ingest::boundaries::{BoundaryOptions, read_boundaries};
use spielraum_ingest::crs::{Crs, DHDN_ACCURACY_M, DHDN_TOWGS84};
use spielraum_ingest::vector::{ReadOptions, read_features};

/// Two planning areas near Berlin, one with a hole and one of two parts, names with umlauts.
const SOURCE: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"PLR_ID":"08010101","PLR_NAME":"Grünau","name":"Grünau","EW":1234},
 "geometry":{"type":"Polygon","coordinates":[[[13.55,52.40],[13.60,52.40],[13.60,52.43],[13.55,52.43],[13.55,52.40]],
  [[13.56,52.41],[13.57,52.41],[13.57,52.42],[13.56,52.41]]]}},
{"type":"Feature","properties":{"PLR_ID":"09020202","PLR_NAME":"Köpenick-Süd, Straße am Fluß","name":"Köpenick-Süd","EW":56},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[13.60,52.40],[13.65,52.40],[13.64,52.44],[13.60,52.43],[13.60,52.40]]],
  [[[13.70,52.40],[13.71,52.40],[13.71,52.41],[13.70,52.40]]]]}}
]}"#;

/// Runs a GDAL tool; panics naming the package if it is missing or fails.
fn gdal(tool: &str, args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = Command::new(tool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e} (apt-get install -y gdal-bin)"));
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `ogr2ogr` of `src` into `out` in `srs`, with extra arguments.
fn convert(src: &Path, out: &Path, driver: &str, srs: &str, extra: &[&str]) {
    let mut args = vec![
        "-f",
        driver,
        "-t_srs",
        srs,
        out.to_str().unwrap(),
        src.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    gdal("ogr2ogr", &args, None);
}

/// The source GeoJSON written into `dir`.
fn source(dir: &Path) -> PathBuf {
    let path = dir.join("areas.geojson");
    std::fs::write(&path, SOURCE).unwrap();
    path
}

fn attributes() -> BoundaryOptions {
    BoundaryOptions {
        id_attribute: Some("PLR_ID".into()),
        name_attribute: Some("PLR_NAME".into()),
        layer: None,
    }
}

/// (id, name, area in m²) of each neighbourhood in a file.
fn areas(path: &Path, options: &BoundaryOptions) -> Vec<(String, String, f64)> {
    read_boundaries(path, options)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|n| {
            let area = model::geodesy::area_m2(&Geometry::MultiPolygon(n.geometry));
            (n.id, n.name, area)
        })
        .collect()
}

#[test]
fn the_same_boundaries_in_every_format_and_crs() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let reference = areas(&src, &attributes());
    assert_eq!(
        reference
            .iter()
            .map(|(id, name, _)| (id.as_str(), name.as_str()))
            .collect::<Vec<_>>(),
        [
            ("08010101", "Grünau"),
            ("09020202", "Köpenick-Süd, Straße am Fluß")
        ]
    );
    let shp = dir.path().join("utm32.shp");
    convert(
        &src,
        &shp,
        "ESRI Shapefile",
        "EPSG:25832",
        &["-lco", "ENCODING=CP1252"],
    );
    let shp850 = dir.path().join("utm32_850.shp");
    convert(
        &src,
        &shp850,
        "ESRI Shapefile",
        "EPSG:25832",
        &["-lco", "ENCODING=CP850"],
    );
    let shp_utf8 = dir.path().join("utm33_utf8.shp");
    convert(
        &src,
        &shp_utf8,
        "ESRI Shapefile",
        "EPSG:25833",
        &["-lco", "ENCODING=UTF-8"],
    );
    let gpkg = dir.path().join("utm33.gpkg");
    convert(&src, &gpkg, "GPKG", "EPSG:25833", &[]);
    let fgb = dir.path().join("laea.fgb");
    convert(&src, &fgb, "FlatGeobuf", "EPSG:3035", &[]);
    let mercator = dir.path().join("mercator.geojson");
    convert(
        &src,
        &mercator,
        "GeoJSON",
        "EPSG:3857",
        &["-lco", "RFC7946=NO"],
    );
    assert!(
        std::fs::read_to_string(&mercator)
            .unwrap()
            .contains("EPSG::3857"),
        "GDAL writes the crs member"
    );
    // The zipped shapefile: its parts in a folder inside the archive.
    let zip = dir.path().join("utm32.zip");
    zip_files(
        &zip,
        &["cpg", "dbf", "prj", "shp", "shx"].map(|e| shp.with_extension(e)),
    );
    for (path, crs) in [
        (&shp, 25832),
        (&shp850, 25832),
        (&shp_utf8, 25833),
        (&gpkg, 25833),
        (&fgb, 3035),
        (&mercator, 3857),
        (&zip, 25832),
    ] {
        let file = read_features(path, &ReadOptions::default()).unwrap();
        assert_eq!(file.crs.code, crs, "{}", path.display());
        // FlatGeobuf with a spatial index keeps the features in the index's order: compare by id.
        let mut got = areas(path, &attributes());
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got.len(), reference.len(), "{}", path.display());
        for ((id, name, area), (rid, rname, rarea)) in got.iter().zip(&reference) {
            assert_eq!((id, name), (rid, rname), "{}", path.display());
            let relative = (area - rarea).abs() / rarea;
            assert!(
                relative < 1e-6,
                "{}: area {area} vs {rarea} ({relative:e})",
                path.display()
            );
        }
        // Numbers stay numbers whatever the format (GDAL writes EW as an integer field).
        let grunau = file
            .features
            .iter()
            .find(|f| f.text("PLR_ID").as_deref() == Some("08010101"));
        assert_eq!(grunau.and_then(|f| f.text("EW")).as_deref(), Some("1234"));
    }
}

/// A zip archive of `files` (inside a folder `data/`), written by Python's zipfile module.
fn zip_files(zip: &Path, files: &[PathBuf]) {
    let mut script = String::from(
        "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n",
    );
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap();
        script += &format!("z.write({:?}, 'data/' + {:?})\n", f.to_str().unwrap(), name);
    }
    script += "z.close()\n";
    let status = Command::new("python3")
        .args(["-c", &script, zip.to_str().unwrap()])
        .status()
        .expect("python3");
    assert!(status.success());
}

/// Distance in metres between two lon/lat positions (haversine on the 6 371 km sphere).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.0 - a.0).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// Lon/lat positions spread over Germany (and, for the zone checks, around its meridians).
fn positions() -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for lat in [47.5, 49.0, 50.5, 52.0, 53.5, 54.8] {
        for lon in [6.5, 8.0, 9.0, 10.5, 12.0, 13.4, 14.8] {
            out.push((lon, lat));
        }
    }
    out
}

/// PROJ's projection (through `gdaltransform`) of `points` from WGS84 into `srs`.
fn proj_forward(srs: &str, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let input: String = points
        .iter()
        .map(|(lon, lat)| format!("{lon} {lat}\n"))
        .collect();
    let out = gdal(
        "gdaltransform",
        &["-s_srs", "EPSG:4326", "-t_srs", srs, "-output_xy"],
        Some(&input),
    );
    out.lines()
        .map(|l| {
            let mut it = l.split_whitespace().map(|v| v.parse::<f64>().unwrap());
            (it.next().unwrap(), it.next().unwrap())
        })
        .collect()
}

#[test]
fn reprojection_agrees_with_proj() {
    let points = positions();
    for code in [3857, 25832, 25833, 3035, 4647, 5650, 32632, 32633] {
        let projected = proj_forward(&format!("EPSG:{code}"), &points);
        let ours = Crs::from_epsg(code).unwrap().to_wgs84();
        for (&(x, y), &p) in projected.iter().zip(&points) {
            let back = ours.position(x, y).unwrap();
            let d = metres(back, p);
            assert!(
                d < 0.01,
                "EPSG:{code}: ({x}, {y}) → {back:?}, PROJ {p:?}: {d} m"
            );
        }
    }
    // Gauss–Krüger: the same Helmert transformation in PROJ agrees to the centimetre; PROJ's
    // own choice for the EPSG code (the BETA2007 grid where installed, else EPSG:1777 or its
    // East German sibling) within the stated accuracy.
    for (code, lon0, x0) in [
        (31466, 6, 2_500_000),
        (31467, 9, 3_500_000),
        (31468, 12, 4_500_000),
        (31469, 15, 5_500_000),
    ] {
        let ours = Crs::from_epsg(code).unwrap().to_wgs84();
        let zone: Vec<(f64, f64)> = points
            .iter()
            .filter(|(lon, _)| (lon - f64::from(lon0)).abs() <= 2.0)
            .copied()
            .collect();
        let helmert = format!(
            "+proj=tmerc +lat_0=0 +lon_0={lon0} +k=1 +x_0={x0} +y_0=0 +ellps=bessel +towgs84={DHDN_TOWGS84} +units=m +no_defs"
        );
        for (srs, tolerance) in [(helmert, 0.01), (format!("EPSG:{code}"), DHDN_ACCURACY_M)] {
            let projected = proj_forward(&srs, &zone);
            for (&(x, y), &p) in projected.iter().zip(&zone) {
                let back = ours.position(x, y).unwrap();
                let d = metres(back, p);
                assert!(
                    d < tolerance,
                    "{srs}: ({x}, {y}) → {back:?}, PROJ {p:?}: {d} m"
                );
            }
        }
    }
}

#[test]
fn gauss_kruger_boundaries_within_the_stated_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    let gk = dir.path().join("gk4.shp");
    // GDAL's default: no .cpg, the DBF's language driver byte says ISO-8859-1.
    convert(&src, &gk, "ESRI Shapefile", "EPSG:31468", &[]);
    assert!(!gk.with_extension("cpg").exists());
    let reference = read_boundaries(&src, &attributes()).unwrap();
    let got = read_boundaries(&gk, &attributes()).unwrap();
    for (a, b) in got.iter().zip(&reference) {
        assert_eq!((&a.id, &a.name), (&b.id, &b.name));
        use geo::CoordsIter;
        let mut ours: Vec<(f64, f64)> = a.geometry.coords_iter().map(|c| (c.x, c.y)).collect();
        let mut theirs: Vec<(f64, f64)> = b.geometry.coords_iter().map(|c| (c.x, c.y)).collect();
        ours.sort_by(|p, q| p.partial_cmp(q).unwrap());
        theirs.sort_by(|p, q| p.partial_cmp(q).unwrap());
        assert_eq!(ours.len(), theirs.len());
        for (p, q) in ours.iter().zip(&theirs) {
            assert!(metres(*p, *q) < DHDN_ACCURACY_M, "{p:?} vs {q:?}");
        }
    }
}

/// The error reading `path` as boundaries with `options`, checked to be one line naming it.
fn boundary_error(path: &Path, options: &BoundaryOptions) -> String {
    let e = read_boundaries(path, options).unwrap_err().to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    let prefix = format!("{}: ", path.display());
    assert!(e.starts_with(&prefix), "{e}");
    e[prefix.len()..].to_string()
}

#[test]
fn bad_input_is_one_line_naming_file_feature_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path());
    // A shapefile without its .prj.
    let shp = dir.path().join("noprj.shp");
    convert(&src, &shp, "ESRI Shapefile", "EPSG:25832", &[]);
    std::fs::remove_file(shp.with_extension("prj")).unwrap();
    assert_eq!(
        boundary_error(&shp, &attributes()),
        "has no .prj: cannot tell its CRS"
    );
    // A CRS we do not support (Swiss LV95), as a GeoPackage and as a GeoJSON crs member.
    let swiss = dir.path().join("lv95.gpkg");
    convert(&src, &swiss, "GPKG", "EPSG:2056", &[]);
    let e = boundary_error(&swiss, &attributes());
    assert!(
        e.starts_with("unsupported CRS EPSG:2056 (supported: EPSG:4326, EPSG:4258"),
        "{e}"
    );
    let json = dir.path().join("odd.geojson");
    std::fs::write(
        &json,
        SOURCE.replacen(
            "\"features\"",
            r#""crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::99999"}},"features""#,
            1,
        ),
    )
    .unwrap();
    assert!(boundary_error(&json, &attributes()).starts_with("unsupported CRS EPSG:99999"));
    // A shapefile of points where polygons are needed.
    let points = dir.path().join("points.shp");
    convert(
        &src,
        &points,
        "ESRI Shapefile",
        "EPSG:25832",
        &[
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT PLR_ID, PLR_NAME, ST_Centroid(geometry) AS geometry FROM areas",
        ],
    );
    assert_eq!(
        boundary_error(&points, &attributes()),
        "feature 0: geometry is not a Polygon or MultiPolygon"
    );
    // Attributes the options name but the file lacks.
    let gpkg = dir.path().join("areas.gpkg");
    convert(&src, &gpkg, "GPKG", "EPSG:25833", &[]);
    let missing = BoundaryOptions {
        id_attribute: Some("LOR".into()),
        ..attributes()
    };
    assert_eq!(
        boundary_error(&gpkg, &missing),
        "feature 0: has no id attribute 'LOR' (--boundary-id)"
    );
    let missing = BoundaryOptions {
        name_attribute: Some("BEZ".into()),
        ..attributes()
    };
    assert_eq!(
        boundary_error(&gpkg, &missing),
        "feature 0: has no name attribute 'BEZ' (--boundary-name)"
    );
    // A GeoPackage of two feature tables: the table must be named.
    gdal(
        "ogr2ogr",
        &[
            "-update",
            "-nln",
            "other",
            gpkg.to_str().unwrap(),
            src.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        boundary_error(&gpkg, &attributes()),
        "has 2 feature tables (areas, other): name the one to read"
    );
    let chosen = BoundaryOptions {
        layer: Some("other".into()),
        ..attributes()
    };
    assert_eq!(read_boundaries(&gpkg, &chosen).unwrap().len(), 2);
    let wrong = BoundaryOptions {
        layer: Some("nope".into()),
        ..attributes()
    };
    assert_eq!(
        boundary_error(&gpkg, &wrong),
        "has no feature table 'nope' (it has: areas, other)"
    );
    // A file type we do not read.
    let kml = dir.path().join("areas.kml");
    std::fs::write(&kml, "<kml/>").unwrap();
    assert!(
        boundary_error(&kml, &attributes()).starts_with("unknown file type, supported: .geojson")
    );
}

#[test]
fn candidate_sites_from_a_projected_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("sites.geojson");
    std::fs::write(
        &src,
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"lot-7","name":"Brache an der Spree"},"geometry":{"type":"Point","coordinates":[13.41,52.52]}},
        {"type":"Feature","properties":{"id":"lot-8","name":"Hof"},"geometry":{"type":"Polygon","coordinates":[[[13.40,52.50],[13.401,52.50],[13.401,52.501],[13.40,52.50]]]}}]}"#,
    )
    .unwrap();
    let gpkg = dir.path().join("sites.gpkg");
    convert(&src, &gpkg, "GPKG", "EPSG:25833", &[]);
    let reference = spielraum_ingest::candidates::read_candidate_file(&src).unwrap();
    let sites = spielraum_ingest::candidates::read_candidate_file(&gpkg).unwrap();
    assert_eq!(sites.len(), 2);
    for (a, b) in sites.iter().zip(&reference) {
        assert_eq!((&a.id, &a.name), (&b.id, &b.name));
        assert!((a.area_m2 - b.area_m2).abs() <= 1e-6 * b.area_m2.max(1.0));
    }
    let Geometry::Point(p) = &sites[0].geometry else {
        panic!("a point")
    };
    assert!(metres((p.x(), p.y()), (13.41, 52.52)) < 0.01, "{p:?}");
}

#[test]
fn population_points_in_any_format_and_crs() {
    use spielraum_ingest::population::{PopulationFile, read_population_file};
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("register.geojson");
    std::fs::write(
        &src,
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"residents":120,"age_0_5":7,"age_6_11":9},"geometry":{"type":"Point","coordinates":[13.41,52.52]}},
        {"type":"Feature","properties":{"residents":35.5},"geometry":{"type":"Point","coordinates":[13.45,52.49]}}]}"#,
    )
    .unwrap();
    let points = |path: &Path| match read_population_file(path).unwrap_or_else(|e| panic!("{e}")) {
        PopulationFile::Points(p) => p.points,
        other => panic!("points expected, got {other:?}"),
    };
    let reference = points(&src);
    let shp = dir.path().join("register.shp");
    convert(&src, &shp, "ESRI Shapefile", "EPSG:25832", &[]);
    let gpkg = dir.path().join("register.gpkg");
    convert(&src, &gpkg, "GPKG", "EPSG:31468", &[]);
    let fgb = dir.path().join("register.fgb");
    convert(
        &src,
        &fgb,
        "FlatGeobuf",
        "EPSG:3035",
        &["-lco", "SPATIAL_INDEX=NO"],
    );
    for (path, tolerance) in [(&shp, 0.01), (&gpkg, DHDN_ACCURACY_M), (&fgb, 0.01)] {
        let got = points(path);
        assert_eq!(got.len(), 2, "{}", path.display());
        for (a, b) in got.iter().zip(&reference) {
            assert_eq!(
                (a.residents, a.ages),
                (b.residents, b.ages),
                "{}",
                path.display()
            );
            let d = metres(
                (a.location.x(), a.location.y()),
                (b.location.x(), b.location.y()),
            );
            assert!(d < tolerance, "{}: {d} m", path.display());
        }
    }
    // A shapefile of polygons is no points file.
    let areas = dir.path().join("areas.shp");
    convert(
        &source(dir.path()),
        &areas,
        "ESRI Shapefile",
        "EPSG:25832",
        &[],
    );
    let e = read_population_file(&areas).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}: feature 1: geometry is not a Point", areas.display())
    );
}
