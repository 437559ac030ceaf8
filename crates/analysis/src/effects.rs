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
