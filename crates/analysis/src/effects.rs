//! Who gains and who loses under a scenario: the population units whose service changed in some
//! age band, summed per neighbourhood and for the city as children newly served (`gained`) and
//! no longer served (`lost`), kept apart so that a net figure is never shown as a gain.
//!
//! Built by [`crate::ScenarioEngine::compare`] from the units it recomputed; written into the
//! comparison's JSON (`totals.gained`/`lost`, the same per row) and, on request, as 100 m cells.

use model::{AgeBand, PopulationUnit};
use serde_json::{Map, Value, json};

use crate::indicators::UnitValues;

/// One population unit whose service changed in at least one band.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitChange {
    /// Index into the city's population.
    pub unit: usize,
    /// The neighbourhood the unit lives in (index), `None` outside every neighbourhood (such
    /// units count in no row and not in the city's totals, like the indicators).
    pub neighbourhood: Option<usize>,
    /// Children per band served after the edits and not before.
    pub gained: [f64; 3],
    /// Children per band served before the edits and not after.
    pub lost: [f64; 3],
}

/// Children gained and lost per band (a neighbourhood's or the city's).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flow {
    /// Children newly served per band.
    pub gained: [f64; 3],
    /// Children no longer served per band.
    pub lost: [f64; 3],
}

impl Flow {
    fn add(&mut self, c: &UnitChange) {
        for b in 0..3 {
            self.gained[b] += c.gained[b];
            self.lost[b] += c.lost[b];
        }
    }
}

/// The units among `touched` (ascending, with their values `after`) whose served bands differ
/// from `before` (every unit's base values), with the children that gained or lost service.
pub(crate) fn unit_changes(
    touched: &[u32],
    after: &[UnitValues],
    before: &[UnitValues],
    population: &[PopulationUnit],
    home: &[Option<usize>],
) -> Vec<UnitChange> {
    touched
        .iter()
        .zip(after)
        .filter_map(|(&u, a)| {
            let u = u as usize;
            let (b, ages) = (&before[u], population[u].ages);
            let gained = std::array::from_fn(|k| {
                if a.served[k] && !b.served[k] {
                    ages[k]
                } else {
                    0.0
                }
            });
            let lost = std::array::from_fn(|k| {
                if b.served[k] && !a.served[k] {
                    ages[k]
                } else {
                    0.0
                }
            });
            let any = |x: &[f64; 3]| x.iter().any(|&c| c > 0.0);
            (any(&gained) || any(&lost)).then(|| UnitChange {
                unit: u,
                neighbourhood: home[u],
                gained,
                lost,
            })
        })
        .collect()
}

/// The city's flow and each of `neighbourhoods` neighbourhoods' flows from the unit changes
/// (units outside every neighbourhood are left out of both).
pub fn flows(changes: &[UnitChange], neighbourhoods: usize) -> (Flow, Vec<Flow>) {
    let mut city = Flow::default();
    let mut rows = vec![Flow::default(); neighbourhoods];
    for c in changes {
        if let Some(n) = c.neighbourhood {
            city.add(c);
            rows[n].add(c);
        }
    }
    (city, rows)
}

/// `{"age_0_5", "age_6_11", "age_12_17", "total"}`: children per band and in all, one decimal.
pub fn band_json(children: &[f64; 3]) -> Value {
    let one = |x: f64| json!((x * 10.0).round() / 10.0);
    let mut m = Map::new();
    for band in AgeBand::ALL {
        m.insert(band.as_str().into(), one(children[band.index()]));
    }
    m.insert("total".into(), one(children.iter().sum()));
    Value::Object(m)
}

/// Metres per degree of latitude (mean Earth radius 6 371 008.8 m).
const M_PER_DEG: f64 = 111_195.08;

/// The metric grid of change cells: x = lon · cos φ₀ · [`M_PER_DEG`], y = lat · [`M_PER_DEG`]
/// metres, φ₀ the mean latitude of the city's population units; cells are `cell_m` squares
/// from (0, 0).
#[derive(Debug, Clone, Copy)]
pub struct CellGrid {
    /// cos φ₀.
    pub cos_lat: f64,
    /// Side of a cell, metres.
    pub cell_m: f64,
}

impl CellGrid {
    /// The grid of `population` with cells of `cell_m` metres.
    pub fn new(population: &[PopulationUnit], cell_m: f64) -> CellGrid {
        let n = population.len().max(1) as f64;
        let lat0 = population.iter().map(|u| u.location.y()).sum::<f64>() / n;
        CellGrid {
            cos_lat: lat0.to_radians().cos().max(0.01),
            cell_m,
        }
    }

    /// The cell (column, row) holding lon/lat.
    pub fn cell(&self, lon: f64, lat: f64) -> (i64, i64) {
        let x = lon * self.cos_lat * M_PER_DEG;
        let y = lat * M_PER_DEG;
        (
            (x / self.cell_m).floor() as i64,
            (y / self.cell_m).floor() as i64,
        )
    }

    /// The square of cell (column, row) as a closed lon/lat ring, counter-clockwise from its
    /// south-west corner.
    pub fn ring(&self, (i, j): (i64, i64)) -> Vec<[f64; 2]> {
        let lon = |i: i64| i as f64 * self.cell_m / (self.cos_lat * M_PER_DEG);
        let lat = |j: i64| j as f64 * self.cell_m / M_PER_DEG;
        vec![
            [lon(i), lat(j)],
            [lon(i + 1), lat(j)],
            [lon(i + 1), lat(j + 1)],
            [lon(i), lat(j + 1)],
            [lon(i), lat(j)],
        ]
    }
}

/// The cells of `grid` holding units whose service changed, as a GeoJSON FeatureCollection of
/// squares with `gained_<band>`, `lost_<band>`, `gained_total`, `lost_total` (children, one
/// decimal); units outside every neighbourhood are left out, as in the totals. Cells in
/// (column, row) order.
pub fn cells_geojson(
    changes: &[UnitChange],
    population: &[PopulationUnit],
    grid: &CellGrid,
) -> Value {
    let mut cells: std::collections::BTreeMap<(i64, i64), Flow> = Default::default();
    for c in changes.iter().filter(|c| c.neighbourhood.is_some()) {
        let p = population[c.unit].location;
        cells.entry(grid.cell(p.x(), p.y())).or_default().add(c);
    }
    let one = |x: f64| json!((x * 10.0).round() / 10.0);
    let features: Vec<Value> = cells
        .into_iter()
        .map(|(cell, flow)| {
            let mut props = Map::new();
            for band in AgeBand::ALL {
                let b = band.index();
                props.insert(format!("gained_{}", band.as_str()), one(flow.gained[b]));
                props.insert(format!("lost_{}", band.as_str()), one(flow.lost[b]));
            }
            props.insert("gained_total".into(), one(flow.gained.iter().sum()));
            props.insert("lost_total".into(), one(flow.lost.iter().sum()));
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [grid.ring(cell)]},
                "properties": props,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Point;
    use model::PopulationSource;

    fn unit(ages: [f64; 3]) -> PopulationUnit {
        PopulationUnit {
            location: Point::new(0.0, 0.0),
            residents: 10.0,
            ages,
            source: PopulationSource::Points,
        }
    }

    fn served(s: [bool; 3]) -> UnitValues {
        UnitValues {
            served: s,
            access: [0.0; 3],
        }
    }

    #[test]
    fn gained_and_lost_are_kept_apart() {
        // Unit 0 gains its 2 under-6s and loses its 3 teenagers; unit 1 is unchanged; unit 2
        // (outside every neighbourhood) gains 5 but counts in no total.
        let population = [
            unit([2.0, 4.0, 3.0]),
            unit([1.0, 1.0, 1.0]),
            unit([5.0, 0.0, 0.0]),
        ];
        let before = [
            served([false, true, true]),
            served([true, false, false]),
            served([false; 3]),
        ];
        let after = [
            served([true, true, false]),
            served([true, false, false]),
            served([true, false, false]),
        ];
        let home = [Some(1), Some(0), None];
        let changes = unit_changes(&[0, 1, 2], &after, &before, &population, &home);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].gained, [2.0, 0.0, 0.0]);
        assert_eq!(changes[0].lost, [0.0, 0.0, 3.0]);
        let (city, rows) = flows(&changes, 2);
        assert_eq!(city.gained, [2.0, 0.0, 0.0]);
        assert_eq!(city.lost, [0.0, 0.0, 3.0]);
        assert_eq!(rows[0], Flow::default());
        assert_eq!(rows[1], city);
        assert_eq!(
            band_json(&[1.04, 2.06, 0.0]),
            json!({"age_0_5": 1.0, "age_6_11": 2.1, "age_12_17": 0.0, "total": 3.1})
        );
    }
}
