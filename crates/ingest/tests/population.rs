//! Population sources end to end: Zensus fixture, points, building estimate, calibration, bad input.

use std::path::{Path, PathBuf};

use geo_types::{MultiPolygon, Point, polygon};
use model::{Building, Neighbourhood, OsmId, PopulationSource};
use spielraum_ingest::population::{
    AgeShares, AgeTableKind, BuildingRules, PopulationError, PopulationFile, PopulationOptions,
    assign, build_population, calibrate, combine_population_files, estimate_from_buildings,
    read_population_file, read_totals,
};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Writes `text` to a temporary file named `name` (kept alive by the returned dir).
fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn rect(id: &str, name: &str, w: f64, s: f64, e: f64, n: f64) -> Neighbourhood {
    Neighbourhood {
        id: id.into(),
        name: name.into(),
        admin_level: Some(8),
        geometry: MultiPolygon(vec![polygon![
            (x: w, y: s), (x: e, y: s), (x: e, y: n), (x: w, y: n), (x: w, y: s)
        ]]),
        population: None,
    }
}

/// Shares that make the fallback easy to check by hand.
const SHARES: AgeShares = AgeShares {
    age_0_5: 0.1,
    age_6_11: 0.2,
    age_12_17: 0.3,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The square neighbourhood of the Zensus fixture. Cell centres in lon/lat from PROJ 9.5.1
/// (pyproj 3.7.2, EPSG:3035 -> EPSG:4326):
///   A (4321050, 3210050) -> 10.000728042, 52.000449363   inside (≈50 m east of the west edge)
///   B (4320950, 3210050) ->  9.999271958, 52.000449363   outside (≈50 m west of the west edge)
///   C (4321150, 3210150) -> 10.002184171, 52.001348081   inside
///   E (4321550, 3210550) -> 10.008009266, 52.004942773   inside, 0.7 m west of the east edge
///   F (4321650, 3210550) -> 10.009465497, 52.004942665   outside (east)
///   G (4321250, 3210850) -> 10.003640794, 52.007639195   outside, 1.1 m north of the north edge
///   H (4321250, 3210750) -> 10.003640721, 52.006740459   inside
/// Edges: west lon 10.0, south lat 52.0, east = lon(E) + 0.00001, north = lat(G) - 0.00001.
fn fixture_square() -> Neighbourhood {
    rect("r1", "Mitte", 10.0, 52.0, 10.008_019_266, 52.007_629_195)
}

#[test]
fn zensus_fixture_is_read_joined_and_assigned() {
    let grid = read_population_file(&data("zensus_grid.csv")).unwrap();
    let PopulationFile::Grid(g) = &grid else {
        panic!("grid not recognised: {grid:?}")
    };
    assert_eq!(g.cells.len(), 7);
    assert_eq!(g.suppressed, 1); // cell B: "–"
    let ages = read_population_file(&data("zensus_ages_infr.csv")).unwrap();
    let PopulationFile::Ages(a) = &ages else {
        panic!("age table not recognised: {ages:?}")
    };
    assert_eq!(a.kind, AgeTableKind::Infrastructure);
    assert_eq!(a.ages.len(), 3);

    let combined = combine_population_files(vec![grid, ages], &SHARES).unwrap();
    assert_eq!(combined.sources, vec![PopulationSource::Census]);
    assert_eq!(combined.suppressed_cells, 1);
    assert_eq!(combined.suppressed_age_cells, 2); // A (a16bis18 "–"), H (Unter3, a10bis15 "–")
    assert_eq!(combined.cells_without_ages, 4); // B, E, F, G
    assert_eq!(combined.age_rows_without_cell, 0);
    assert!(
        combined
            .units
            .iter()
            .all(|u| u.source == PopulationSource::Census)
    );

    let square = fixture_square();
    let assignment = assign(&combined.units, std::slice::from_ref(&square));
    // File order A, B, C, E, F, G, H.
    assert_eq!(
        assignment.per_unit,
        vec![Some(0), None, Some(0), Some(0), None, None, Some(0)]
    );
    // Inside: A 12 + C 7 + E 30 + H 5 = 54 residents.
    // Bands by hand:
    //   A: Unter3 1 + a3bis5 1 = 2 | a6bis9 2 + a10bis15 3 × 2/6 = 3 | a10bis15 3 × 4/6 = 2 (a16bis18 "–" = 0)
    //   C: a16bis18 3 × 2/3 = 2 in 12–17
    //   E: no age row → shares 0.1/0.2/0.3 × 30 = 3 | 6 | 9
    //   H: Unter3 "–" + a3bis5 1 = 1 | a6bis9 1 (a10bis15 "–") = 1 | 0
    //   0–5: 2 + 0 + 3 + 1 = 6; 6–11: 3 + 0 + 6 + 1 = 10; 12–17: 2 + 2 + 9 + 0 = 13.
    let inside = assignment.per_neighbourhood[0];
    assert_eq!(inside.units, 4);
    assert!(close(inside.residents, 54.0));
    assert!(close(inside.ages[0], 6.0), "{:?}", inside.ages);
    assert!(close(inside.ages[1], 10.0), "{:?}", inside.ages);
    assert!(close(inside.ages[2], 13.0), "{:?}", inside.ages);
    // Outside: B 0 (suppressed) + F 4 + G 9 = 13, bands from shares: 1.3 | 2.6 | 3.9.
    assert_eq!(assignment.outside.units, 3);
    assert!(close(assignment.outside.residents, 13.0));
    assert!(close(assignment.outside.ages[0], 1.3));
    assert!(close(assignment.outside.ages[1], 2.6));
    assert!(close(assignment.outside.ages[2], 3.9));
}

#[test]
fn byte_order_mark_and_crlf_are_tolerated() {
    let text = std::fs::read_to_string(data("zensus_grid.csv")).unwrap();
    let (_dir, path) = temp_file(
        "bom.csv",
        &format!("\u{feff}{}", text.replace('\n', "\r\n")),
    );
    let PopulationFile::Grid(g) = read_population_file(&path).unwrap() else {
        panic!("BOM grid not recognised")
    };
    assert_eq!(g.cells.len(), 7);
    assert_eq!(g.cells[0].residents, 12.0);
    assert_eq!(g.cells[0].key, (3_210_000, 4_321_000));
}

#[test]
fn windows_1252_lines_are_decoded_dash_suppressed_letters_not_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cp1252.csv");
    let mut bytes = GRID_HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"CRS3035RES100mN3210000E4321000;4321050;3210050;\x96\r\n");
    std::fs::write(&path, &bytes).unwrap();
    let PopulationFile::Grid(g) = read_population_file(&path).unwrap() else {
        panic!("grid not recognised")
    };
    assert_eq!((g.cells.len(), g.suppressed), (1, 1));
    bytes.extend_from_slice(b"CRS3035RES100mN3210000E4321100;4321150;3210050;\xe9\n");
    std::fs::write(&path, &bytes).unwrap();
    // 0xE9 is 'é' in Windows-1252: decoded, then refused as a count naming line and column.
    let e = read_population_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("cp1252.csv:3: column Einwohner: 'é' is not a non-negative number"),
        "{e}"
    );
}

#[test]
fn coarser_age_tables_split_proportionally_and_finest_wins() {
    let (_d1, grid) = temp_file(
        "grid.csv",
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n\
         CRS3035RES100mN3210000E4321000;4321050;3210050;40\n\
         CRS3035RES100mN3210100E4321000;4321050;3210150;36\n",
    );
    // Ten-year groups: Unter10 = ages 0–9 → 6/10 to 0–5, 4/10 to 6–11;
    // a10bis19 → 2/10 to 6–11, 6/10 to 12–17. The decimal comma is accepted as in other Zensus tables.
    let (_d2, ten) = temp_file(
        "ten.csv",
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Insgesamt_Bevoelkerung;Unter10;a10bis19;a20bis29\n\
         CRS3035RES100mN3210000E4321000;4321050;3210050;40;10;5,0;25\n\
         CRS3035RES100mN3210100E4321000;4321050;3210150;36;20;10;6\n",
    );
    // Five classes: Unter18 = ages 0–17 → a third to each band. Only the second cell.
    let (_d3, five) = temp_file(
        "five.csv",
        "GITTER_ID_100m;x_mp_100m;y_mp_100m;Insgesamt_Bevoelkerung;Unter18;a18bis29;a30bis49;a50bis64;a65undaelter\n\
         CRS3035RES100mN3210100E4321000;4321050;3210150;36;9;9;9;9;0\n\
         CRS3035RES100mN3999900E4321000;4321050;3999950;1;0;0;0;0;1\n",
    );
    let files = [grid, five, ten]
        .iter()
        .map(|p| read_population_file(p).unwrap())
        .collect();
    let combined = combine_population_files(files, &SHARES).unwrap();
    // Cell 1, ten-year only: 0–5 = 10 × 0.6 = 6; 6–11 = 10 × 0.4 + 5 × 0.2 = 5; 12–17 = 5 × 0.6 = 3.
    let u = &combined.units[0];
    assert!(
        close(u.ages[0], 6.0) && close(u.ages[1], 5.0) && close(u.ages[2], 3.0),
        "{:?}",
        u.ages
    );
    // Cell 2 has both: the ten-year table is finer than five classes:
    // 0–5 = 20 × 0.6 = 12; 6–11 = 20 × 0.4 + 10 × 0.2 = 10; 12–17 = 10 × 0.6 = 6.
    let u = &combined.units[1];
    assert!(
        close(u.ages[0], 12.0) && close(u.ages[1], 10.0) && close(u.ages[2], 6.0),
        "{:?}",
        u.ages
    );
    // The five-class row of a cell that is not in the grid is counted, not used.
    assert_eq!(combined.age_rows_without_cell, 1);
    assert_eq!(combined.cells_without_ages, 0);
}

#[test]
fn points_csv_and_geojson() {
    let (_d1, csv) = temp_file(
        "points.csv",
        "lon,lat,residents,age_0_5\n9.52,47.14,100,7\n9.53,47.15,10.5,0\n",
    );
    let (_d2, json) = temp_file(
        "points.geojson",
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[9.5,47.1]},
             "properties":{"residents":20,"age_6_11":4,"age_12_17":null}}]}"#,
    );
    let files = [csv, json]
        .iter()
        .map(|p| read_population_file(p).unwrap())
        .collect();
    let combined = combine_population_files(files, &SHARES).unwrap();
    assert_eq!(combined.sources, vec![PopulationSource::Points]);
    let u = &combined.units;
    assert_eq!(u.len(), 3);
    assert_eq!(u[0].location, Point::new(9.52, 47.14));
    // Given 0–5 = 7; missing bands from shares: 0.2 × 100 = 20, 0.3 × 100 = 30.
    assert!(close(u[0].ages[0], 7.0) && close(u[0].ages[1], 20.0) && close(u[0].ages[2], 30.0));
    assert!(close(u[1].residents, 10.5));
    // GeoJSON: 0–5 from shares 0.1 × 20 = 2; 6–11 given 4; 12–17 null → shares 0.3 × 20 = 6.
    assert!(close(u[2].ages[0], 2.0) && close(u[2].ages[1], 4.0) && close(u[2].ages[2], 6.0));
    assert!(u.iter().all(|u| u.source == PopulationSource::Points));
}

fn house(id: i64, lon: f64, lat: f64, footprint: f64) -> Building {
    Building {
        osm_id: OsmId::Way(id),
        building: "house".into(),
        levels: Some(1.0),
        footprint_m2: footprint,
        centre: Point::new(lon, lat),
        in_residential_landuse: false,
    }
}

#[test]
fn calibration_scales_each_neighbourhood_to_its_total() {
    // Two neighbourhoods side by side; rules: 1 m² floor = 1 m² living, 50 m² per resident,
    // so a 100 m² one-storey house holds 2 residents.
    let west = rect("r10", "Westend", 9.0, 47.0, 9.1, 47.1);
    let east = rect("r20", "Ostend", 9.1, 47.0, 9.2, 47.1);
    let rules = BuildingRules {
        living_per_floor_area: 1.0,
        living_m2_per_resident: 50.0,
        ..BuildingRules::default()
    };
    let buildings = vec![
        house(1, 9.05, 47.05, 100.0), // west, 2
        house(2, 9.06, 47.05, 300.0), // west, 6
        house(3, 9.15, 47.05, 200.0), // east, 4
        house(4, 9.50, 47.05, 500.0), // outside, 10
    ];
    let mut units = estimate_from_buildings(&buildings, &rules, &SHARES);
    let neighbourhoods = [west, east];
    let mut assignment = assign(&units, &neighbourhoods);
    assert!(close(assignment.per_neighbourhood[0].residents, 8.0));
    assert!(close(assignment.per_neighbourhood[1].residents, 4.0));
    // West by lower-case name, east by id.
    let (_d, totals) = temp_file("totals.csv", "name_or_id,population\nwestend,100\nr20,10\n");
    let totals = read_totals(&totals, &neighbourhoods).unwrap();
    let report = calibrate(&mut units, &mut assignment, &totals, &neighbourhoods).unwrap();
    assert_eq!(report.rows.len(), 2);
    assert!(close(report.rows[0].raw, 8.0) && close(report.rows[0].official, 100.0));
    assert!(close(report.rows[1].raw, 4.0) && close(report.rows[1].official, 10.0));
    assert!(close(report.raw_total, 12.0) && close(report.official_total, 110.0));
    // Sum the units again, independently of the assignment's totals.
    let sum = |w: f64, e: f64| {
        units
            .iter()
            .filter(|u| (w..e).contains(&u.location.x()))
            .map(|u| u.residents)
            .sum::<f64>()
    };
    assert!(close(sum(9.0, 9.1), 100.0));
    assert!(close(sum(9.1, 9.2), 10.0));
    assert!(close(sum(9.2, 10.0), 10.0)); // outside: unchanged
    // Bands scale with residents: west 0–5 = 0.1 × 100.
    assert!(close(assignment.per_neighbourhood[0].ages[0], 10.0));
    assert!(close(assignment.per_neighbourhood[1].residents, 10.0));
}

#[test]
fn build_population_uses_buildings_without_files_and_prints_a_summary() {
    let (_d, totals) = temp_file("totals.csv", "name,population\nWestend,50\n");
    let options = PopulationOptions {
        files: vec![],
        totals: Some(totals),
        register: None,
        rules: BuildingRules {
            living_per_floor_area: 1.0,
            living_m2_per_resident: 50.0,
            ..BuildingRules::default()
        },
        shares: SHARES,
    };
    let neighbourhoods = [
        rect("r10", "Westend", 9.0, 47.0, 9.1, 47.1),
        rect("r20", "Ostend", 9.1, 47.0, 9.2, 47.1),
    ];
    let buildings = [
        house(1, 9.05, 47.05, 100.0),
        house(2, 9.15, 47.05, 100.0),
        house(3, 8.0, 47.0, 50.0),
    ];
    let out = build_population(&options, &buildings, &neighbourhoods).unwrap();
    // West calibrated 2 → 50; east left at 2 (no total); outside 1.
    assert!(close(out.neighbourhood_population[0], 50.0));
    assert!(close(out.neighbourhood_population[1], 2.0));
    assert_eq!(out.summary.sources, vec![PopulationSource::Buildings]);
    let text = out.summary.to_string();
    assert!(text.contains("Westend"), "{text}");
    assert!(text.contains("raw estimate 2 vs official 50"), "{text}");
    assert!(
        text.contains("1 residents (1.9 %) in 1 units lie outside"),
        "{text}"
    );
}

/// Reads `text` as a population file named `name` and returns the error message.
fn population_error(name: &str, text: &str) -> String {
    let (_dir, path) = temp_file(name, text);
    read_population_file(&path).unwrap_err().to_string()
}

const GRID_HEADER: &str = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner\n";

#[test]
fn bad_population_files_name_file_and_line() {
    let e = population_error("cols.csv", "GITTER_ID_100m;x;y;Einwohnerzahl\n");
    assert!(
        e.contains("cols.csv:1: wrong columns") && e.contains("GITTER_ID_100m;x_mp_100m"),
        "{e}"
    );
    let e = population_error(
        "short.csv",
        &format!(
            "{GRID_HEADER}CRS3035RES100mN3210000E4321000;4321050;3210050;1\nCRS3035RES100mN3210000E4321000;4321050;3\n"
        ),
    );
    assert!(e.contains("short.csv:3: wrong columns: 3 fields"), "{e}");
    let e = population_error(
        "nan.csv",
        &format!("{GRID_HEADER}CRS3035RES100mN3210000E4321000;4321050;3210050;zwölf\n"),
    );
    assert!(
        e.contains("nan.csv:2: column Einwohner: 'zwölf' is not"),
        "{e}"
    );
    let e = population_error(
        "neg.csv",
        &format!("{GRID_HEADER}CRS3035RES100mN3210000E4321000;4321050;3210050;-3\n"),
    );
    assert!(e.contains("neg.csv:2: column Einwohner: '-3'"), "{e}");
    let e = population_error(
        "far.csv",
        &format!("{GRID_HEADER}CRS3035RES100mN100E100;150;150;3\n"),
    );
    assert!(
        e.contains("far.csv:2: coordinates (150, 150) are outside EPSG:3035"),
        "{e}"
    );
    let e = population_error(
        "id.csv",
        &format!("{GRID_HEADER}N3210000E4321000;4321050;3210050;3\n"),
    );
    assert!(
        e.contains("id.csv:2: 'N3210000E4321000' is not a Zensus 100 m grid id"),
        "{e}"
    );
    let e = population_error(
        "ages.csv",
        "GITTER_ID_100m;Unter3;a3bis5;a6bis9;a10bis15\nCRS3035RES100mN1E1;1;1;1;1\n",
    );
    assert!(
        e.contains("ages.csv:1: wrong columns: age table misses column a16bis18"),
        "{e}"
    );
    let e = population_error("what.csv", "foo bar\n1\n");
    assert!(e.contains("what.csv:1: not a population file"), "{e}");
    let e = population_error("p.csv", "lon,lat,people\n9,47,3\n");
    assert!(
        e.contains("p.csv:1: wrong columns") && e.contains("lon,lat,residents"),
        "{e}"
    );
    let e = population_error("p.csv", "lon,lat,residents,age_0_6\n9,47,3,1\n");
    assert!(
        e.contains("p.csv:1: wrong columns: unknown column 'age_0_6'"),
        "{e}"
    );
    let e = population_error("p.csv", "lon,lat,residents\n9,47,3\n9,47,drei\n");
    assert!(e.contains("p.csv:3: column residents: 'drei'"), "{e}");
    let e = population_error("p.csv", "lon,lat,residents\n\n190,47,3\n");
    assert!(e.contains("p.csv:3: (190, 47) is not a WGS84"), "{e}");
    let e = population_error(
        "p.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[9,47]},"properties":{"residents":"many"}}]}"#,
    );
    assert!(
        e.contains("p.geojson: feature 1: property residents is not"),
        "{e}"
    );
    let e = population_error("empty.csv", "");
    assert!(e.contains("empty.csv:1: not a population file"), "{e}");
}

#[test]
fn age_table_without_grid_is_an_error() {
    let ages = read_population_file(&data("zensus_ages_infr.csv")).unwrap();
    let e = combine_population_files(vec![ages], &SHARES).unwrap_err();
    assert!(matches!(e, PopulationError::AgesWithoutGrid { .. }));
    assert!(
        e.to_string()
            .contains("zensus_ages_infr.csv: a Zensus age table needs a Zensus grid")
    );
}

#[test]
fn bad_totals_files_name_file_and_line() {
    let neighbourhoods = [
        rect("r10", "Westend", 9.0, 47.0, 9.1, 47.1),
        rect("r20", "Ostend", 9.1, 47.0, 9.2, 47.1),
    ];
    let err = |text: &str| {
        let (_dir, path) = temp_file("totals.csv", text);
        read_totals(&path, &neighbourhoods).unwrap_err().to_string()
    };
    let e = err("name,population\nWestend,10\nSüdend,5\n");
    assert!(
        e.contains("totals.csv:3: unknown neighbourhood 'Südend'"),
        "{e}"
    );
    let e = err("gemeinde,einwohner\nWestend,10\n");
    assert!(
        e.contains("totals.csv:1: wrong columns") && e.contains("name_or_id,population"),
        "{e}"
    );
    let e = err("name,population\nWestend,zehn\n");
    assert!(e.contains("totals.csv:2: column population: 'zehn'"), "{e}");
    let e = err("name,population\nWestend,10\nr10,11\n");
    assert!(
        e.contains("totals.csv:3: neighbourhood 'Westend' already has a total on line 2"),
        "{e}"
    );

    // A positive total where nobody was estimated.
    let (_dir, path) = temp_file("totals.csv", "name,population\nOstend,10\n");
    let totals = read_totals(&path, &neighbourhoods).unwrap();
    let mut units = vec![];
    let mut assignment = assign(&units, &neighbourhoods);
    let e = calibrate(&mut units, &mut assignment, &totals, &neighbourhoods)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("totals.csv:2: neighbourhood 'Ostend' has an official total of 10"),
        "{e}"
    );
}
