//! The import workflow: its checks and messages, the GeoPackage it writes and an existing file
//! left alone on failure.

use std::path::PathBuf;

use workflow::{ImportError, ImportOptions, NoProgress, import_city};

fn geodata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
}

fn demo_options(out: PathBuf) -> ImportOptions {
    ImportOptions {
        input: geodata().join("liechtenstein-2015.osm.pbf"),
        out,
        admin_level: Some(8),
        population_totals: Some(geodata().join("liechtenstein-population-2020.csv")),
        ..ImportOptions::default()
    }
}

#[test]
fn paths_are_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("city.gpkg");
    let message =
        |options: &ImportOptions| import_city(options, &NoProgress).unwrap_err().to_string();

    let missing = ImportOptions {
        input: dir.path().join("none.osm.pbf"),
        ..demo_options(out.clone())
    };
    assert_eq!(
        message(&missing),
        format!(
            "{}: no such file (expected an .osm.pbf extract)",
            missing.input.display()
        )
    );

    let no_boundaries = ImportOptions {
        boundaries: Some(dir.path().join("b.geojson")),
        ..demo_options(out.clone())
    };
    assert_eq!(
        message(&no_boundaries),
        format!(
            "--boundaries {}/b.geojson: no such file",
            dir.path().display()
        )
    );

    let no_folder = demo_options(dir.path().join("sub/city.gpkg"));
    assert_eq!(
        message(&no_folder),
        format!(
            "--out {0}/sub/city.gpkg: folder {0}/sub does not exist",
            dir.path().display()
        )
    );

    let folder = demo_options(dir.path().to_path_buf());
    assert!(matches!(
        import_city(&folder, &NoProgress),
        Err(ImportError::OutIsFolder(_))
    ));
    assert!(!out.exists());
}

#[test]
fn the_written_city_is_the_one_returned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("city.gpkg");
    let outcome = import_city(&demo_options(out.clone()), &NoProgress).unwrap();
    let stored = store::read_city(&out).unwrap();
    assert_eq!(stored.facilities.len(), outcome.city.facilities.len());
    assert_eq!(
        stored.neighbourhoods.len(),
        outcome.city.neighbourhoods.len()
    );
    assert_eq!(stored.population.len(), outcome.population.units.len());
    assert_eq!(stored.population, outcome.city.population);
    assert_eq!(stored.buildings, outcome.city.buildings);
    // The big layers went into the file as they were read: counted, not kept.
    assert_eq!(stored.walk_ways.len(), outcome.streamed.walk_ways);
    assert_eq!(stored.basemap.len(), outcome.streamed.basemap);
    assert!(outcome.streamed.walk_ways > 1000 && outcome.streamed.basemap > 1000);
    assert!(outcome.city.walk_ways.is_empty() && outcome.city.basemap.is_empty());
    assert_eq!(
        store::read_candidate_sites(&out).unwrap().len(),
        outcome.candidates.len()
    );
    let meta = |k: &str| {
        stored
            .metadata
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(meta("admin_level").as_deref(), Some("8"));
    assert_eq!(
        meta("population_totals").as_deref(),
        Some("liechtenstein-population-2020.csv")
    );
    assert_eq!(meta("import_warnings"), Some(outcome.warnings.join("\n")));
    // Every neighbourhood keeps the residents the population step gave it.
    for (n, residents) in stored
        .neighbourhoods
        .iter()
        .zip(&outcome.population.neighbourhood_population)
    {
        assert_eq!(n.population, Some(*residents), "{}", n.name);
    }
}

#[test]
fn a_failed_import_leaves_an_existing_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("city.gpkg");
    std::fs::write(&out, b"earlier").unwrap();
    let totals = dir.path().join("totals.csv");
    std::fs::write(&totals, "this is not,a totals file\n1,2,3,4\n").unwrap();
    let options = ImportOptions {
        population_totals: Some(totals),
        ..demo_options(out.clone())
    };
    let err = import_city(&options, &NoProgress).unwrap_err();
    assert!(matches!(err, ImportError::Population(_)), "{err:?}");
    assert_eq!(std::fs::read(&out).unwrap(), b"earlier");
}

#[test]
fn inventory_flags_are_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("city.gpkg");
    let message =
        |options: &ImportOptions| import_city(options, &NoProgress).unwrap_err().to_string();
    let mapping = dir.path().join("m.toml");
    std::fs::write(&mapping, "id = \"nr\"\nkind = \"playground\"\n").unwrap();
    let alone = ImportOptions {
        facility_mapping: Some(mapping.clone()),
        ..demo_options(out.clone())
    };
    assert!(matches!(
        import_city(&alone, &NoProgress),
        Err(ImportError::FacilitiesWithoutMapping)
    ));
    let csv_alone = ImportOptions {
        conflation_csv: Some(dir.path().join("c.csv")),
        ..demo_options(out.clone())
    };
    assert!(matches!(
        import_city(&csv_alone, &NoProgress),
        Err(ImportError::FacilitiesWithoutMapping)
    ));
    let missing = ImportOptions {
        facilities: Some(dir.path().join("inv.geojson")),
        facility_mapping: Some(mapping.clone()),
        ..demo_options(out.clone())
    };
    assert_eq!(
        message(&missing),
        format!(
            "--facilities {}/inv.geojson: no such file",
            dir.path().display()
        )
    );
    std::fs::write(
        dir.path().join("inv.geojson"),
        r#"{"type":"FeatureCollection","features":[]}"#,
    )
    .unwrap();
    std::fs::write(&mapping, "id = \"nr\"\nkind = \"park\"\n").unwrap();
    let bad_mapping = ImportOptions {
        facilities: Some(dir.path().join("inv.geojson")),
        facility_mapping: Some(mapping.clone()),
        ..demo_options(out.clone())
    };
    let m = message(&bad_mapping);
    assert!(
        m.starts_with(&format!(
            "--facility-mapping {}: kind: unknown facility kind 'park'",
            mapping.display()
        )),
        "{m}"
    );
    assert!(!out.exists());
}
