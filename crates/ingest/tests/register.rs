//! Register population per area: mapping presets and files, CSV dialects, DIN bands (exact and
//! split), spread over residential buildings; Zensus files as published (brackets, KLAMMERN,
//! thousands separators, Windows-1252). Every expected figure is worked by hand in the comments.

use std::path::{Path, PathBuf};

use geo::{Contains, Intersects};
use geo_types::{MultiPolygon, Point, polygon};
use model::{Building, Neighbourhood, OsmId, PopulationSource};
use spielraum_ingest::population::{
    AgeShares, BuildingRules, PopulationError, PopulationFile, PopulationOptions, RegisterMapping,
    RegisterOptions, build_population, combine_population_files, disaggregate,
    read_population_file, read_register,
};

fn temp_bytes(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn rect(id: &str, name: &str, w: f64, s: f64, e: f64, n: f64) -> Neighbourhood {
    Neighbourhood {
        id: id.into(),
        name: name.into(),
        admin_level: None,
        geometry: MultiPolygon(vec![polygon![
            (x: w, y: s), (x: e, y: s), (x: e, y: n), (x: w, y: n), (x: w, y: s)
        ]]),
        population: None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn assert_bands(got: [f64; 3], want: [f64; 3], what: &str) {
    assert!(
        got.iter().zip(want).all(|(g, w)| close(*g, w)),
        "{what}: bands {got:?}, expected {want:?}"
    );
}

/// Two areas side by side (ids of Berlin's 8-digit LOR form) and a third one.
fn areas() -> Vec<Neighbourhood> {
    vec![
        rect("01100101", "Südstadt", 13.0, 52.0, 13.01, 52.01),
        rect("01100102", "Großmühle", 13.01, 52.0, 13.02, 52.01),
        rect("01100103", "Au", 13.02, 52.0, 13.03, 52.01),
    ]
}

fn mapping_file(text: &str) -> (tempfile::TempDir, RegisterMapping) {
    let (dir, path) = temp_bytes("mapping.toml", text.as_bytes());
    let m = RegisterMapping::from_file(&path).unwrap();
    (dir, m)
}

#[test]
fn one_year_ages_give_exact_bands() {
    // Long form, one row per year of age. Südstadt: age a has a + 1 people (1 … 18), adults 500.
    //   0–5  = 1+2+3+4+5+6       = 21
    //   6–11 = 7+8+9+10+11+12    = 57
    //   12–17 = 13+…+18          = 93
    //   residents = 21 + 57 + 93 + 500 = 671 (sum of all rows: the long form has no total)
    // Großmühle: 2 per year → 12, 12, 12; adults 100 → residents 136. Rows in any order.
    let mut text = String::from("area_id,age_from,age_to,count\n");
    for a in 0..18 {
        text.push_str(&format!("01100101,{a},{a},{}\n", a + 1));
    }
    text.push_str("01100101,18,110,500\n");
    for a in (0..18).rev() {
        text.push_str(&format!("01100102,{a},{a},2\n"));
    }
    text.push_str("01100102,18,99,100\n");
    let (_d, path) = temp_bytes("register.csv", text.as_bytes());
    let t = read_register(&path, &RegisterMapping::long_form(), &areas()).unwrap();
    assert_eq!(t.areas.len(), 2);
    assert_eq!(t.separator, ',');
    assert_eq!(t.areas[0].neighbourhood, 0);
    assert_bands(t.areas[0].ages, [21.0, 57.0, 93.0], "Südstadt");
    assert!(close(t.areas[0].residents, 671.0));
    assert_eq!(t.areas[0].line, 2);
    assert!(!t.areas[0].split);
    assert_eq!(t.areas[1].neighbourhood, 1);
    assert_bands(t.areas[1].ages, [12.0, 12.0, 12.0], "Großmühle");
    assert!(close(t.areas[1].residents, 136.0));
    assert!(!t.areas[1].split);
}

/// A Berlin LOR matrix as published (`EWR…E_Matrix.csv`): `;`, RAUMID without its leading
/// zero, thousands separators, the coarser `E_U…` groups beside the fine ones.
const BERLIN: &str = "ZEIT;RAUMID;BEZ;PGR;BZR;PLR;STADTRAUM;E_E;E_EM;E_EW;E_E00_01;E_E01_02;E_E02_03;E_E03_05;E_E05_06;E_E06_07;E_E07_08;E_E08_10;E_E10_12;E_E12_14;E_E14_15;E_E15_18;E_E18_21;E_E21_110;E_U1;E_1U6;E_6U15;E_15U18\n\
201512;1100101;01;1;11;01;1;1.234;600;634;10;11;12;25;13;14;15;30;31;32;16;48;100;877;10;61;;48\n\
201512;1100102;01;1;11;02;1;980;480;500;5;5;5;10;5;6;6;12;12;12;6;18;50;828;5;30;;18\n";

#[test]
fn berlin_preset_reads_the_lor_matrix_exactly() {
    let (_d, path) = temp_bytes("EWR201512E_Matrix.csv", BERLIN.as_bytes());
    let t = read_register(&path, &RegisterMapping::berlin_lor(), &areas()).unwrap();
    // E_Exx_yy = ages xx … yy−1, so Berlin's groups end exactly at the band limits:
    //   0–5  = E_E00_01 + E_E01_02 + E_E02_03 + E_E03_05 + E_E05_06 = 10+11+12+25+13 = 71
    //   6–11 = E_E06_07 + E_E07_08 + E_E08_10 + E_E10_12 = 14+15+30+31 = 90
    //   12–17 = E_E12_14 + E_E14_15 + E_E15_18 = 32+16+48 = 96
    //   residents = E_E = 1.234 → 1234 (thousands separator)
    // Second row: 5+5+5+10+5 = 30; 6+6+12+12 = 36; 12+6+18 = 36; E_E 980.
    assert_eq!(t.separator, ';');
    assert_eq!(t.areas.len(), 2);
    assert_eq!(t.areas[0].neighbourhood, 0, "1100101 is LOR 01100101");
    assert_bands(t.areas[0].ages, [71.0, 90.0, 96.0], "first");
    assert!(close(t.areas[0].residents, 1234.0));
    assert_bands(t.areas[1].ages, [30.0, 36.0, 36.0], "second");
    assert!(close(t.areas[1].residents, 980.0));
    assert!(
        t.areas.iter().all(|a| !a.split),
        "no Berlin group straddles a band"
    );
    assert!(t.total_from_column);
    // The coarse E_U columns are not age groups of the pattern.
    assert!(t.groups.iter().all(|g| g.column.starts_with("E_E")));
}

#[test]
fn berlin_coarse_groups_are_exact_too() {
    // Groups like E_E00_06 (0–5), E_E06_12, E_E12_18 map one to one onto the bands.
    let text = "RAUMID;E_E;E_E00_06;E_E06_12;E_E12_18;E_E18_110\n01100103;100;7;8;9;76\n";
    let (_d, path) = temp_bytes("coarse.csv", text.as_bytes());
    let t = read_register(&path, &RegisterMapping::berlin_lor(), &areas()).unwrap();
    assert_eq!(t.areas[0].neighbourhood, 2);
    assert_bands(t.areas[0].ages, [7.0, 8.0, 9.0], "Au");
    assert!(!t.areas[0].split);
}

#[test]
fn straddling_groups_are_split_by_whole_years_and_reported() {
    // Zensus-like infrastructure classes in a mapping file.
    let (_m, mapping) = mapping_file(
        r#"
id_column = "Gebiet"
[ages]
"unter 3" = [0, 2]
"3 bis 5" = [3, 5]
"6 bis 9" = [6, 9]
"10 bis 15" = [10, 15]
"16 bis 18" = [16, 18]
"19 und älter" = [19, 120]
"#,
    );
    // Südstadt: 30, 24, 40, 60, 30, 200.
    //   0–5  = 30 + 24 = 54
    //   6–11 = 40 + 60 × 2/6 (ages 10, 11) = 60
    //   12–17 = 60 × 4/6 (12–15) + 30 × 2/3 (16, 17; 18 is an adult) = 40 + 20 = 60
    //   residents (no total column) = 30+24+40+60+30+200 = 384
    // Au: nobody in the straddling groups → no split reported: 6, 6, 12, 0, 0, 100 → 12, 12, 0.
    let text = "Gebiet,unter 3,3 bis 5,6 bis 9,10 bis 15,16 bis 18,19 und älter\n\
                Südstadt,30,24,40,60,30,200\n\
                Au,6,6,12,0,0,100\n";
    let (_d, path) = temp_bytes("groups.csv", text.as_bytes());
    let t = read_register(&path, &mapping, &areas()).unwrap();
    assert_eq!(t.separator, ',');
    assert_bands(t.areas[0].ages, [54.0, 60.0, 60.0], "Südstadt");
    assert!(close(t.areas[0].residents, 384.0));
    assert!(t.areas[0].split);
    assert_eq!(t.areas[1].neighbourhood, 2);
    assert_bands(t.areas[1].ages, [12.0, 12.0, 0.0], "Au");
    assert!(!t.areas[1].split);
}

#[test]
fn semicolon_decimal_comma_windows_1252_with_umlauts_in_names() {
    let (_m, mapping) = mapping_file(
        r#"
id_column = "Planungsraum"
total_column = "Einwohner insgesamt"
[ages]
"0 bis 5" = [0, 5]
"6 bis 11" = [6, 11]
"12 bis 17" = [12, 17]
"#,
    );
    // Windows-1252 bytes: ü = FC, ß = DF, ö = F6. Values: thousands '.', decimal ','.
    // Südstadt: total 1.234,5 → 1234.5 (an estimate may have decimals); 12,5 → 12.5; 1.001 → 1001.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"Planungsraum;Einwohner insgesamt;0 bis 5;6 bis 11;12 bis 17\r\n");
    bytes.extend_from_slice(b"S\xfcdstadt;1.234,5;12,5;20;1.001\r\n");
    bytes.extend_from_slice(b"\"Gro\xdfm\xfchle\";987;3;4;5\r\n");
    let (_d, path) = temp_bytes("cp1252.csv", &bytes);
    let t = read_register(&path, &mapping, &areas()).unwrap();
    assert_eq!((t.encoding, t.separator), ("windows-1252", ';'));
    assert_eq!(t.areas[0].neighbourhood, 0);
    assert!(close(t.areas[0].residents, 1234.5));
    assert_bands(t.areas[0].ages, [12.5, 20.0, 1001.0], "Südstadt");
    assert_eq!(t.areas[1].neighbourhood, 1);
    assert!(close(t.areas[1].residents, 987.0));
    assert_eq!(t.areas[1].line, 3);

    // The same as UTF-8 with a byte-order mark, names matched ignoring case.
    let text = "\u{feff}Planungsraum;Einwohner insgesamt;0 bis 5;6 bis 11;12 bis 17\n\
                SÜDSTADT;100;1;2;3\n";
    let (_d2, path) = temp_bytes("utf8.csv", text.as_bytes());
    let t = read_register(&path, &mapping, &areas()).unwrap();
    assert_eq!(t.encoding, "UTF-8");
    assert_eq!(t.areas[0].neighbourhood, 0);
    assert_bands(t.areas[0].ages, [1.0, 2.0, 3.0], "SÜDSTADT");
}

fn register_error(mapping: &RegisterMapping, text: &str) -> String {
    let (_d, path) = temp_bytes("bad.csv", text.as_bytes());
    let e = read_register(&path, mapping, &areas()).unwrap_err();
    let s = e.to_string();
    assert!(!s.contains('\n'), "one line: {s}");
    s
}

#[test]
fn bad_registers_name_file_line_and_field() {
    let long = RegisterMapping::long_form();
    let e = register_error(
        &long,
        "area_id,age_from,age_to,count\n01100101,0,17,5\nNirgendwo,0,17,3\n",
    );
    assert!(
        e.contains("bad.csv:3: unknown neighbourhood 'Nirgendwo'"),
        "{e}"
    );
    let e = register_error(&long, "area_id,age_from,age_to,count\n01100101,0,17,-4\n");
    assert!(
        e.contains("bad.csv:2: column count: '-4' is negative"),
        "{e}"
    );
    let e = register_error(
        &long,
        "area_id,age_from,age_to,count\n01100101,0,17,viele\n",
    );
    assert!(
        e.contains("bad.csv:2: column count: 'viele' is not a non-negative number"),
        "{e}"
    );
    let e = register_error(&long, "area_id,age_from,age_to,count\n01100101,0,x,4\n");
    assert!(e.contains("bad.csv:2: column age_to: 'x'"), "{e}");
    // Overlap and gap inside 0–17, per area, naming the area's first line.
    let e = register_error(
        &long,
        "area_id,age_from,age_to,count\n01100101,0,5,1\n01100101,5,17,1\n",
    );
    assert!(
        e.contains("bad.csv:2: area '01100101': age groups line 2 (0–5) and line 3 (5–17) overlap"),
        "{e}"
    );
    let e = register_error(
        &long,
        "area_id,age_from,age_to,count\n01100101,0,5,1\n01100101,7,17,1\n",
    );
    assert!(
        e.contains("bad.csv:2: area '01100101': no age group covers ages 6–6"),
        "{e}"
    );
    // A mapping column missing from the header.
    let e = register_error(&long, "area,age_from,age_to,count\n01100101,0,17,4\n");
    assert!(
        e.contains("bad.csv:1: column 'area_id' named by register mapping long-form is missing"),
        "{e}"
    );
    // Berlin: a gap in the columns (no E_E05_06).
    let e = register_error(
        &RegisterMapping::berlin_lor(),
        "RAUMID;E_E;E_E00_05;E_E06_18\n1100101;5;1;1\n",
    );
    assert!(
        e.contains("bad.csv:1: no age group covers ages 5–5 (mapping berlin-lor)"),
        "{e}"
    );
    // A wide row given twice.
    let e = register_error(
        &RegisterMapping::berlin_lor(),
        "RAUMID;E_E;E_E00_18\n1100101;5;1\n01100101;5;1\n",
    );
    assert!(e.contains("bad.csv:3:") && e.contains("line 2"), "{e}");
}

#[test]
fn bad_mappings_are_one_line_errors() {
    let cases = [
        ("id_column = \"a\"\n", "give either [ages]"),
        (
            "id_column = \"a\"\n[ages]\nx = [5, 3]\n",
            "ages.x = [5, 3]: first age after last",
        ),
        (
            "id_column = \"a\"\nage_pattern = \"E_E\"\n",
            "age_pattern = 'E_E'",
        ),
        (
            "id_column = \"a\"\nencoding = \"klingon\"\n[ages]\nx = [0, 17]\n",
            "encoding = 'klingon'",
        ),
        ("id_colum = \"a\"\n", "unknown field"),
    ];
    for (toml, want) in cases {
        let (_d, path) = temp_bytes("m.toml", toml.as_bytes());
        let e = RegisterMapping::from_file(&path).unwrap_err();
        let s = e.to_string();
        assert!(matches!(e, PopulationError::Mapping { .. }), "{s}");
        assert!(s.contains("m.toml") && s.contains(want), "{toml}: {s}");
        assert!(!s.contains('\n'), "one line: {s}");
    }
    let e = RegisterMapping::load("no-such-preset")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no-such-preset: no such file (nor one of the presets berlin-lor, long-form)"),
        "{e}"
    );
}

fn building(id: i64, kind: &str, levels: Option<f64>, footprint: f64, at: (f64, f64)) -> Building {
    Building {
        osm_id: OsmId::Way(id),
        building: kind.into(),
        levels,
        footprint_m2: footprint,
        centre: Point::new(at.0, at.1),
        in_residential_landuse: false,
    }
}

#[test]
fn register_counts_spread_over_residential_buildings_by_floor_area() {
    let areas = areas();
    let buildings = vec![
        // Südstadt: house 100 m², no levels → 2 storeys → weight 200;
        building(1, "house", None, 100.0, (13.002, 52.005)),
        // apartments 200 m² × 4 storeys → 800;
        building(2, "apartments", Some(4.0), 200.0, (13.008, 52.005)),
        // not homes: a garage, and building=yes outside residential landuse.
        building(3, "garage", Some(1.0), 50.0, (13.005, 52.005)),
        building(4, "yes", Some(3.0), 500.0, (13.006, 52.005)),
        // Großmühle: no residential building at all. Outside every area: a house.
        building(5, "house", Some(1.0), 80.0, (14.0, 52.0)),
        // Au: one house 120 m² × 1.
        building(6, "house", Some(1.0), 120.0, (13.025, 52.005)),
    ];
    let text = "area_id,age_from,age_to,count\n\
                01100101,0,5,10\n01100101,6,11,20\n01100101,12,17,30\n01100101,18,99,40\n\
                01100102,0,17,9\n01100102,18,99,41\n";
    let (_d, path) = temp_bytes("r.csv", text.as_bytes());
    let table = read_register(&path, &RegisterMapping::long_form(), &areas).unwrap();
    let spread = disaggregate(&table, &buildings, &BuildingRules::default(), &areas);
    // Südstadt: 100 residents (10+20+30+40), weights 200 : 800 → the house 1/5, the flats 4/5:
    //   house 20 residents, bands 2, 4, 6; flats 80 residents, bands 8, 16, 24.
    // Großmühle: 50 residents, bands 9/3 = 3 each, at one interior point, with a warning.
    // Au has no register row: nothing; the house outside every area: nothing.
    assert_eq!(spread.units.len(), 3, "{:?}", spread.units);
    let house = &spread.units[0];
    assert_eq!(house.location, Point::new(13.002, 52.005));
    assert!(close(house.residents, 20.0));
    assert_bands(house.ages, [2.0, 4.0, 6.0], "house");
    let flats = &spread.units[1];
    assert_eq!(flats.location, Point::new(13.008, 52.005));
    assert!(close(flats.residents, 80.0));
    assert_bands(flats.ages, [8.0, 16.0, 24.0], "flats");
    let point = &spread.units[2];
    assert!(areas[1].geometry.contains(&point.location));
    assert!(close(point.residents, 50.0));
    assert_bands(point.ages, [3.0, 3.0, 3.0], "Großmühle");
    assert!(
        spread
            .units
            .iter()
            .all(|u| u.source == PopulationSource::Register)
    );
    assert_eq!(spread.at_interior_point, vec![1]);
    assert_eq!(spread.warnings.len(), 1);
    assert!(
        spread.warnings[0].contains("r.csv:6: area 'Großmühle' (01100102) has 50 residents"),
        "{}",
        spread.warnings[0]
    );
}

#[test]
fn the_register_wins_in_its_areas_and_others_keep_their_estimate() {
    let areas = areas();
    // Residents per building without a register: 100 m² × 1 storey × 1.0 / 50 = 2.
    let rules = BuildingRules {
        living_per_floor_area: 1.0,
        living_m2_per_resident: 50.0,
        ..BuildingRules::default()
    };
    let buildings = vec![
        building(1, "house", Some(1.0), 100.0, (13.005, 52.005)), // Südstadt
        building(2, "house", Some(1.0), 100.0, (13.015, 52.005)), // Großmühle
        building(3, "house", Some(1.0), 100.0, (13.025, 52.005)), // Au
        building(4, "house", Some(1.0), 100.0, (14.0, 52.0)),     // outside
    ];
    let (_d, path) = temp_bytes(
        "r.csv",
        b"area_id,age_from,age_to,count\n01100101,0,17,30\n01100101,18,99,70\n01100102,0,99,0\n",
    );
    let options = PopulationOptions {
        register: Some(RegisterOptions {
            file: path,
            mapping: RegisterMapping::long_form(),
        }),
        rules,
        shares: AgeShares::default(),
        ..PopulationOptions::default()
    };
    let out = build_population(&options, &buildings, &areas).unwrap();
    // Südstadt: the register's 100 (30 children, a third per band); Großmühle: the register's 0
    // (its building estimate of 2 is dropped); Au: no row → the building estimate, 2; outside:
    // nothing (the building estimate only fills areas without a row).
    assert!(close(out.neighbourhood_population[0], 100.0));
    assert_bands(
        out.assignment.per_neighbourhood[0].ages,
        [10.0, 10.0, 10.0],
        "Südstadt",
    );
    assert!(close(out.neighbourhood_population[1], 0.0));
    assert!(close(out.neighbourhood_population[2], 2.0));
    assert_eq!(out.assignment.outside.units, 0);
    assert_eq!(
        out.summary.sources,
        vec![PopulationSource::Register, PopulationSource::Buildings]
    );
    let r = out.summary.register.as_ref().unwrap();
    assert_eq!((r.areas, r.without_row), (2, 1));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("1 of 3 areas have no register row"))
    );
    let text = out.summary.to_string();
    assert!(
        text.contains("register") && text.contains("2 areas"),
        "{text}"
    );

    // Without areas, or with totals too: errors naming the register.
    let e = build_population(&options, &buildings, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("r.csv: there are no areas"), "{e}");
    let both = PopulationOptions {
        totals: Some(PathBuf::from("totals.csv")),
        ..options.clone()
    };
    let e = build_population(&both, &buildings, &areas)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--population-totals sets the residents per area too"),
        "{e}"
    );
}

#[test]
fn a_total_below_its_children_is_a_warning() {
    // E_E = 5 but the groups hold 3 + 3 + 3 = 9 children.
    let (_d, path) = temp_bytes(
        "short.csv",
        b"RAUMID;E_E;E_E00_06;E_E06_12;E_E12_18\n01100101;5;3;3;3\n",
    );
    let options = PopulationOptions {
        register: Some(RegisterOptions {
            file: path,
            mapping: RegisterMapping::berlin_lor(),
        }),
        ..PopulationOptions::default()
    };
    let out = build_population(&options, &[], &areas()).unwrap();
    assert!(
        out.warnings.iter().any(|w| w.contains(
            "short.csv:2: area 'Südstadt' has 5 residents in its total column but 9 children"
        )),
        "{:?}",
        out.warnings
    );
}

#[test]
fn zensus_as_published_brackets_klammern_thousands_windows_1252() {
    // A grid file in Windows-1252 (0x96 = '–'), with the explanatory-signs column.
    //   A: 1.234 → 1234 (thousands), coordinates with thousands separators too;
    //   B: (7) with KLAMMERN → 7, counted, flagged;
    //   C: 12 flagged KLAMMERN → 12, flagged;  D: – suppressed → 0.
    let mut grid = Vec::new();
    grid.extend_from_slice(
        b"GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner;werterlaeuternde_Zeichen\r\n",
    );
    grid.extend_from_slice(b"CRS3035RES100mN3210000E4321000;4.321.050;3.210.050;1.234;\r\n");
    grid.extend_from_slice(b"CRS3035RES100mN3210100E4321000;4321050;3210150;(7);KLAMMERN\r\n");
    grid.extend_from_slice(b"CRS3035RES100mN3210200E4321000;4321050;3210250;12;KLAMMERN\r\n");
    grid.extend_from_slice(b"CRS3035RES100mN3210300E4321000;4321050;3210350;\x96;\r\n");
    let (_g, grid_path) = temp_bytes("grid.csv", &grid);
    // The 10-year age table: cell A 1.000 under 10 → 600 / 400 (6 and 4 of 10 years), a10bis19
    // (30) in brackets → 0 / 6 / 18 (2, 6 of 10 years; 18, 19 are adults).
    let ages = "GITTER_ID_100m;x_mp_100m;y_mp_100m;Insgesamt;Unter10;a10bis19;werterlaeuternde_Zeichen\n\
                CRS3035RES100mN3210000E4321000;4321050;3210050;1.234;1.000;(30);KLAMMERN\n\
                CRS3035RES100mN3210100E4321000;4321050;3210150;7;10;0;\n";
    let (_a, ages_path) = temp_bytes("ages.csv", ages.as_bytes());
    let PopulationFile::Grid(g) = read_population_file(&grid_path).unwrap() else {
        panic!("grid not recognised")
    };
    let residents: Vec<f64> = g.cells.iter().map(|c| c.residents).collect();
    assert_eq!(residents, vec![1234.0, 7.0, 12.0, 0.0]);
    assert_eq!((g.suppressed, g.flagged), (1, 2));
    let files = vec![
        PopulationFile::Grid(g),
        read_population_file(&ages_path).unwrap(),
    ];
    let combined = combine_population_files(files, &AgeShares::default()).unwrap();
    assert_eq!((combined.flagged_cells, combined.flagged_age_cells), (2, 1));
    assert_bands(combined.units[0].ages, [600.0, 400.0 + 6.0, 18.0], "cell A");
    assert_bands(combined.units[1].ages, [6.0, 4.0, 0.0], "cell B");
}

/// The demo extract's municipalities with a register keyed by their names (totals: the
/// official 2020 figures; the children are invented for the test, a plausible ~5 % per band).
#[test]
fn demo_register_keeps_every_municipality_sum_exact() {
    use spielraum_ingest::osm::{OsmOptions, read_osm};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let import = read_osm(
        &root.join("geodata/liechtenstein-2015.osm.pbf"),
        &OsmOptions {
            admin_level: Some(8),
        },
        &|_, _, _| {},
    )
    .unwrap();
    let city = import.city;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let register = data.join("liechtenstein_register.csv");
    let mapping = RegisterMapping::from_file(&data.join("liechtenstein_register.toml")).unwrap();
    let options = PopulationOptions {
        register: Some(RegisterOptions {
            file: register.clone(),
            mapping,
        }),
        ..PopulationOptions::default()
    };
    let out = build_population(&options, &city.buildings, &city.neighbourhoods).unwrap();
    println!("{}", out.summary);
    // The register read here independently: Gemeinde;Einwohner;0-5;6-11;12-17.
    let text = std::fs::read_to_string(&register).unwrap();
    let rows: Vec<(String, [f64; 4])> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(';').collect();
            let n = |i: usize| f[i].replace('.', "").parse::<f64>().unwrap();
            (f[0].to_string(), [n(1), n(2), n(3), n(4)])
        })
        .collect();
    assert_eq!(rows.len(), 11);
    assert_eq!(rows.iter().map(|r| r.1[0]).sum::<f64>(), 38_896.0);
    for (name, [residents, a, b, c]) in &rows {
        let i = city
            .neighbourhoods
            .iter()
            .position(|n| &n.name == name)
            .unwrap_or_else(|| panic!("municipality {name} not imported"));
        // Units in this municipality by brute force: the first (in order) whose outline the
        // centre touches, as the analysis assigns them.
        let mut sum = [0.0; 4];
        for u in &out.units {
            let first = city
                .neighbourhoods
                .iter()
                .position(|n| n.geometry.intersects(&u.location));
            if first == Some(i) {
                sum[0] += u.residents;
                for k in 0..3 {
                    sum[k + 1] += u.ages[k];
                }
            }
        }
        for (got, want) in sum.iter().zip([residents, a, b, c]) {
            assert!(
                (got - want).abs() <= 1e-6 * want.max(1.0),
                "{name}: {got} vs register {want}"
            );
        }
    }
    // Every unit is a register unit in a municipality: nothing outside, no building estimate.
    assert!(
        out.units
            .iter()
            .all(|u| u.source == PopulationSource::Register)
    );
    assert_eq!(out.assignment.outside.units, 0);
    assert!(
        out.units.len() > 1000,
        "spread over buildings: {}",
        out.units.len()
    );
}
