//! The building-based population estimate: residential floor area ÷ living space per resident.
//!
//! Owns which OSM buildings count as residential and how many people each is assumed to house.

use model::{Building, PopulationSource, PopulationUnit};

use super::AgeShares;

/// Rules of the building-based estimate (defaults and their sources: docs/population.md).
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingRules {
    /// `building=*` values that always count as residential.
    pub residential_values: Vec<String>,
    /// Whether `building=yes` counts when it lies inside `landuse=residential`.
    pub count_yes_in_residential_landuse: bool,
    /// Storeys assumed where `building:levels` is missing or not positive.
    pub default_levels: f64,
    /// Storeys assumed for `building=apartments|residential|dormitory` without `building:levels`.
    pub default_levels_apartments: f64,
    /// Living space per resident in m² (Destatis: 47.4 m² in Germany at the end of 2022).
    pub living_m2_per_resident: f64,
    /// Living space per m² of gross floor area (footprint × levels); walls, stairs, shafts take the rest.
    pub living_per_floor_area: f64,
}

impl Default for BuildingRules {
    fn default() -> Self {
        Self {
            residential_values: [
                "house",
                "detached",
                "semidetached_house",
                "terrace",
                "apartments",
                "residential",
                "bungalow",
                "dormitory",
                "farm",
            ]
            .map(String::from)
            .to_vec(),
            count_yes_in_residential_landuse: true,
            default_levels: 2.0,
            default_levels_apartments: 3.0,
            living_m2_per_resident: 47.4,
            living_per_floor_area: 0.75,
        }
    }
}

impl BuildingRules {
    /// Whether `b` is counted as a residential building.
    pub fn is_residential(&self, b: &Building) -> bool {
        self.residential_values.contains(&b.building)
            || (self.count_yes_in_residential_landuse
                && b.building == "yes"
                && b.in_residential_landuse)
    }

    /// Storeys of `b`: its tagged levels if positive, else the default for its kind.
    pub fn levels(&self, b: &Building) -> f64 {
        match b.levels {
            Some(l) if l.is_finite() && l > 0.0 => l,
            _ if matches!(
                b.building.as_str(),
                "apartments" | "residential" | "dormitory"
            ) =>
            {
                self.default_levels_apartments
            }
            _ => self.default_levels,
        }
    }

    /// Estimated residents of `b` (0 if not residential).
    pub fn residents(&self, b: &Building) -> f64 {
        if self.is_residential(b) && b.footprint_m2.is_finite() && b.footprint_m2 > 0.0 {
            b.footprint_m2 * self.levels(b) * self.living_per_floor_area
                / self.living_m2_per_resident
        } else {
            0.0
        }
    }
}

/// One population unit per residential building (at its centre), source `Buildings`,
/// children per band from `shares`.
pub fn estimate_from_buildings(
    buildings: &[Building],
    rules: &BuildingRules,
    shares: &AgeShares,
) -> Vec<PopulationUnit> {
    buildings
        .iter()
        .filter(|b| rules.is_residential(b))
        .map(|b| {
            let residents = rules.residents(b);
            PopulationUnit {
                location: b.centre,
                residents,
                ages: shares.apply(residents),
                source: PopulationSource::Buildings,
            }
        })
        .filter(|u| u.residents > 0.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Point;
    use model::OsmId;

    fn building(kind: &str, levels: Option<f64>, footprint: f64, in_landuse: bool) -> Building {
        Building {
            osm_id: OsmId::Way(1),
            building: kind.into(),
            levels,
            footprint_m2: footprint,
            centre: Point::new(9.5, 47.1),
            in_residential_landuse: in_landuse,
        }
    }

    #[test]
    fn residents_follow_floor_area() {
        let rules = BuildingRules::default();
        // 100 m² × 2 default levels × 0.75 / 47.4 = 150 / 47.4 = 3.1646 residents.
        let r = rules.residents(&building("house", None, 100.0, false));
        assert!((r - 150.0 / 47.4).abs() < 1e-12);
        // Apartments, 4 levels tagged: 200 × 4 × 0.75 / 47.4 = 600 / 47.4.
        let r = rules.residents(&building("apartments", Some(4.0), 200.0, false));
        assert!((r - 600.0 / 47.4).abs() < 1e-12);
        // Apartments untagged: 3 levels: 200 × 3 × 0.75 / 47.4 = 450 / 47.4.
        let r = rules.residents(&building("apartments", None, 200.0, false));
        assert!((r - 450.0 / 47.4).abs() < 1e-12);
    }

    #[test]
    fn yes_counts_only_in_residential_landuse() {
        let rules = BuildingRules::default();
        assert_eq!(rules.residents(&building("yes", None, 100.0, false)), 0.0);
        assert!(rules.residents(&building("yes", None, 100.0, true)) > 0.0);
        assert_eq!(
            rules.residents(&building("industrial", None, 100.0, true)),
            0.0
        );
        let no_yes = BuildingRules {
            count_yes_in_residential_landuse: false,
            ..BuildingRules::default()
        };
        assert_eq!(no_yes.residents(&building("yes", None, 100.0, true)), 0.0);
    }

    #[test]
    fn estimate_keeps_only_residential_buildings_with_band_shares() {
        let shares = AgeShares {
            age_0_5: 0.1,
            age_6_11: 0.2,
            age_12_17: 0.3,
        };
        let rules = BuildingRules {
            living_per_floor_area: 1.0,
            living_m2_per_resident: 50.0,
            ..BuildingRules::default()
        };
        let units = estimate_from_buildings(
            &[
                building("house", Some(1.0), 100.0, false), // 100 × 1 / 50 = 2 residents
                building("garage", Some(1.0), 100.0, true),
                building("house", Some(1.0), 0.0, false),
            ],
            &rules,
            &shares,
        );
        assert_eq!(units.len(), 1);
        assert_eq!(units[0].residents, 2.0);
        assert_eq!(units[0].ages, [0.2, 0.4, 0.6]);
        assert_eq!(units[0].source, PopulationSource::Buildings);
    }
}
