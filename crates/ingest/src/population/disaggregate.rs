//! Register counts per area spread over the area's residential buildings, so that walking
//! distances start at homes.
//!
//! Owns the weights (footprint × storeys, the rules of [`BuildingRules`]) and the fallback of an
//! area without a residential building (one unit at a point inside it).

use geo::InteriorPoint;
use model::index::AreaLocator;
use model::{Building, Neighbourhood, PopulationSource, PopulationUnit};

use super::BuildingRules;
use super::register::RegisterTable;

/// The register's areas as population units.
#[derive(Debug, Clone, PartialEq)]
pub struct Disaggregated {
    /// One unit per residential building of an area with a register row (or one per area
    /// without such a building), source `register`.
    pub units: Vec<PopulationUnit>,
    /// Areas (neighbourhood indices) placed at one interior point: no residential building.
    pub at_interior_point: Vec<usize>,
    /// One warning per such area.
    pub warnings: Vec<String>,
}

/// The weight of a building: footprint (m²) × storeys if it counts as residential under `rules`
/// and has a positive footprint, else 0.
pub fn building_weight(b: &Building, rules: &BuildingRules) -> f64 {
    if rules.is_residential(b) && b.footprint_m2.is_finite() && b.footprint_m2 > 0.0 {
        b.footprint_m2 * rules.levels(b)
    } else {
        0.0
    }
}

/// Spreads each register area's residents and children over the residential buildings whose
/// centre lies in it (the same centre-in-polygon rule as [`super::assign`]), in proportion to
/// [`building_weight`]; fractions are kept, so each area's units sum to its register row.
/// An area with people but no residential building gets one unit at an interior point and a
/// warning. Buildings outside every area get nothing.
pub fn disaggregate(
    table: &RegisterTable,
    buildings: &[Building],
    rules: &BuildingRules,
    neighbourhoods: &[Neighbourhood],
) -> Disaggregated {
    let locator = AreaLocator::new(neighbourhoods.iter().map(|n| &n.geometry));
    // Residential buildings per area with their weights.
    let mut per_area: Vec<Vec<(usize, f64)>> = vec![Vec::new(); neighbourhoods.len()];
    for (i, b) in buildings.iter().enumerate() {
        let w = building_weight(b, rules);
        if w > 0.0
            && let Some(n) = locator.locate(b.centre)
        {
            per_area[n].push((i, w));
        }
    }
    let mut out = Disaggregated {
        units: Vec::new(),
        at_interior_point: Vec::new(),
        warnings: Vec::new(),
    };
    for area in &table.areas {
        if area.residents <= 0.0 && area.ages.iter().all(|&a| a <= 0.0) {
            continue;
        }
        let homes = &per_area[area.neighbourhood];
        let total: f64 = homes.iter().map(|h| h.1).sum();
        if total > 0.0 {
            for &(i, w) in homes {
                let share = w / total;
                out.units.push(PopulationUnit {
                    location: buildings[i].centre,
                    residents: area.residents * share,
                    ages: area.ages.map(|a| a * share),
                    source: PopulationSource::Register,
                });
            }
            continue;
        }
        let n = &neighbourhoods[area.neighbourhood];
        let Some(point) = n.geometry.interior_point() else {
            continue;
        };
        out.at_interior_point.push(area.neighbourhood);
        out.warnings.push(format!(
            "{}:{}: area '{}' ({}) has {:.0} residents in the register but no residential building: \
             placed at one point inside it",
            table.file.display(),
            area.line,
            n.name,
            n.id,
            area.residents
        ));
        out.units.push(PopulationUnit {
            location: point,
            residents: area.residents,
            ages: area.ages,
            source: PopulationSource::Register,
        });
    }
    out
}
