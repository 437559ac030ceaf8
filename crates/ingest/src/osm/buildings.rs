//! Buildings as the import keeps them while it reads: 48 bytes each, the `building` value
//! interned (a city has a few dozen distinct values for hundreds of thousands of buildings).
//!
//! They become [`model::Building`]s once the extract is read and the node store is gone.

use std::collections::HashMap;
use std::sync::Mutex;

use geo_types::Point;
use model::{Building, OsmId};

/// The distinct `building` values, shared by the threads that build areas.
#[derive(Debug, Default)]
pub(crate) struct Names(Mutex<(HashMap<String, u32>, Vec<String>)>);

impl Names {
    /// The number standing for `value`.
    pub(crate) fn intern(&self, value: &str) -> u32 {
        // A poisoned lock only means another thread panicked; the table itself stays valid.
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let (index, names) = &mut *guard;
        if let Some(&i) = index.get(value) {
            return i;
        }
        let i = u32::try_from(names.len()).unwrap_or(u32::MAX);
        index.insert(value.to_string(), i);
        names.push(value.to_string());
        i
    }

    /// The values, by number.
    pub(crate) fn into_values(self) -> Vec<String> {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner()).1
    }
}

/// A building kept while reading (see [`model::Building`] for the fields).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BuildingRow {
    /// The id of the way or relation.
    id: i64,
    /// `true` for a relation (multipolygon), `false` for a way.
    relation: bool,
    has_levels: bool,
    pub(crate) in_residential_landuse: bool,
    /// The `building` value, see [`Names`].
    value: u32,
    levels: f64,
    footprint_m2: f64,
    pub(crate) centre: Point<f64>,
}

impl BuildingRow {
    /// A building of a way or relation (`None` for a node, which has no footprint).
    pub(crate) fn new(
        osm_id: OsmId,
        value: u32,
        levels: Option<f64>,
        footprint_m2: f64,
        centre: Point<f64>,
    ) -> Option<BuildingRow> {
        let (id, relation) = match osm_id {
            OsmId::Node(_) | OsmId::Official(_) => return None,
            OsmId::Way(id) => (id, false),
            OsmId::Relation(id) => (id, true),
        };
        Some(BuildingRow {
            id,
            relation,
            has_levels: levels.is_some(),
            in_residential_landuse: false,
            value,
            levels: levels.unwrap_or(0.0),
            footprint_m2,
            centre,
        })
    }

    /// Its OSM id.
    pub(crate) fn osm_id(&self) -> OsmId {
        if self.relation {
            OsmId::Relation(self.id)
        } else {
            OsmId::Way(self.id)
        }
    }

    /// The building, with its value looked up in `values` ([`Names::into_values`]).
    pub(crate) fn to_building(self, values: &[String]) -> Building {
        Building {
            osm_id: self.osm_id(),
            building: values.get(self.value as usize).cloned().unwrap_or_default(),
            levels: self.has_levels.then_some(self.levels),
            footprint_m2: self.footprint_m2,
            centre: self.centre,
            in_residential_landuse: self.in_residential_landuse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_gives_back_the_building_it_was_made_from() {
        let names = Names::default();
        let cases = [
            (OsmId::Way(7), "house", Some(2.5), 120.25, true),
            (OsmId::Relation(-3), "yes", None, 0.0, false),
            (OsmId::Way(i64::MAX), "house", Some(f64::NAN), 1e9, false),
            (OsmId::Relation(9), "apartments", Some(0.0), 3.5, true),
        ];
        let rows: Vec<BuildingRow> = cases
            .iter()
            .map(|&(id, value, levels, area, res)| {
                let mut row =
                    BuildingRow::new(id, names.intern(value), levels, area, Point::new(9.5, 47.1))
                        .unwrap();
                row.in_residential_landuse = res;
                row
            })
            .collect();
        assert!(BuildingRow::new(OsmId::Node(1), 0, None, 1.0, Point::new(0.0, 0.0)).is_none());
        let values = names.into_values();
        assert_eq!(values, ["house", "yes", "apartments"]);
        for (row, &(id, value, levels, area, res)) in rows.into_iter().zip(&cases) {
            let b = row.to_building(&values);
            assert_eq!(b.osm_id, id);
            assert_eq!(b.building, value);
            assert_eq!(b.levels.map(f64::to_bits), levels.map(f64::to_bits));
            assert_eq!(b.footprint_m2, area);
            assert_eq!(b.centre, Point::new(9.5, 47.1));
            assert_eq!(b.in_residential_landuse, res);
        }
        assert_eq!(std::mem::size_of::<BuildingRow>(), 48);
    }
}
