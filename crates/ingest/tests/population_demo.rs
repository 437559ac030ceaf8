//! The building-based estimate on the demo extract, calibrated to the official municipal totals.

use std::path::Path;

use geo::Contains;
use spielraum_ingest::osm::{OsmOptions, read_osm};
use spielraum_ingest::population::{PopulationOptions, build_population};

#[test]
fn demo_estimate_calibrates_to_municipal_totals() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let pbf = root.join("geodata/liechtenstein-2015.osm.pbf");
    let totals_path = root.join("geodata/liechtenstein-population-2020.csv");
    let import = read_osm(
        &pbf,
        &OsmOptions {
            admin_level: Some(8),
        },
        &|_, _, _| {},
    )
    .unwrap();
    let city = import.city;
    let options = PopulationOptions {
        totals: Some(totals_path.clone()),
        ..PopulationOptions::default()
    };
    let out = build_population(&options, &city.buildings, &city.neighbourhoods).unwrap();
    println!("{}", out.summary);
    let (raw, official) = out.summary.calibration.unwrap();
    println!(
        "raw building estimate {raw:.0} vs official total 38 896 (Liechtenstein, 30 June 2020; OSM 2015)"
    );

    // The official totals, read here independently of the library.
    let text = std::fs::read_to_string(&totals_path).unwrap();
    let expected: Vec<(&str, f64)> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(n, p)| (n, p.trim().parse().unwrap()))
        .collect();
    assert_eq!(expected.len(), 11);
    assert_eq!(expected.iter().map(|e| e.1).sum::<f64>(), 38_896.0);
    assert_eq!(official, 38_896.0);
    for (name, total) in expected {
        let n = city
            .neighbourhoods
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("municipality {name} not imported"));
        // Sum the calibrated units inside it by brute force (no index).
        let sum: f64 = out
            .units
            .iter()
            .filter(|u| n.geometry.contains(&u.location))
            .map(|u| u.residents)
            .sum();
        assert!(
            (sum - total).abs() <= 0.005 * total,
            "{name}: {sum:.1} vs official {total}"
        );
    }
}
