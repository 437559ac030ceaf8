//! The demo city (Liechtenstein extract) as the import builds it: OSM + building-based
//! population calibrated to the 2020 municipal totals. Shared by tests and benches.

use std::path::PathBuf;

use model::City;

/// The repository's `geodata` folder.
pub fn geodata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../geodata")
}

/// Reads the demo extract and estimates its population as `spielraum import
/// --population-totals geodata/liechtenstein-population-2020.csv` does.
pub fn demo_city() -> City {
    let osm = ingest::osm::read_osm(
        &geodata().join("liechtenstein-2015.osm.pbf"),
        &ingest::osm::OsmOptions::default(),
        &|_: &str, _: u64, _: u64| {},
    )
    .expect("demo extract reads");
    let mut city = osm.city;
    let options = ingest::population::PopulationOptions {
        totals: Some(geodata().join("liechtenstein-population-2020.csv")),
        ..Default::default()
    };
    let outcome =
        ingest::population::build_population(&options, &city.buildings, &city.neighbourhoods)
            .expect("demo population builds");
    city.population = outcome.units;
    city.metadata
        .push(("population_source".into(), "buildings".into()));
    city
}
