//! The warm what-if engine: the base analysis kept in memory, a scenario's edits answered by
//! patching only the walking distances of the facilities they change, then re-aggregating.
//!
//! `compare` equals [`crate::analyze_scenario`] (a full recompute) on the same edits; the property
//! test in tests/scenario.rs checks it. docs/methods.md ("Scenarios") explains the steps.

use std::collections::HashSet;
use std::sync::Arc;

use model::scenario::{CandidateSite, Edit, apply_edits};
use model::{City, Facility};
use network::{Origins, WalkGraph};
use serde_json::{Map, Value, json};

pub use crate::engine_error::ScenarioEngineError;
use crate::indicators::{
    Analysis, AnalysisError, Candidate, FacilityFacts, Fixed, Indicators, NeighbourhoodIndicators,
    Reach, indicators,
};
use crate::reach::{catchments, compute_reach_from, graph_fits, is_candidate, unit_origins};
use crate::standards::Standards;
use crate::suggest::{SuggestBase, SuggestOptions, Suggestion, suggest};

/// The base analysis of one city and everything needed to answer scenarios quickly.
///
/// `Send + Sync`: one engine serves concurrent requests (`compare` takes `&self`).
pub struct ScenarioEngine {
    city: Arc<City>,
    graph: Arc<WalkGraph>,
    standards: Standards,
    fixed: Fixed,
    /// The population units snapped to `graph`, for searches from a facility's side.
    units: Origins,
    /// Walking distances of the base facilities (indices into `city.facilities`).
    reach: Reach,
    /// For each base facility, the units whose reach list holds it (ascending).
    listed_by: Vec<Vec<u32>>,
    facts: FacilityFacts,
    base: Analysis,
    /// Unserved children per unit and band in the base.
    base_gap: Vec<[f64; 3]>,
}

/// Before and after of every indicator under one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The base analysis.
    pub before: Analysis,
    /// The analysis with the edits applied.
    pub after: Analysis,
    /// Population units whose reachable facilities changed (the only distances recomputed).
    pub recomputed_units: usize,
    /// Facilities whose walking distances were searched (added, or opened to the public).
    pub searched_facilities: usize,
}

impl ScenarioEngine {
    /// Computes the base analysis of `city` on `graph` (built with the standard's profile; a
    /// graph of another profile is used as it is, with a warning).
    pub fn new(
        city: Arc<City>,
        graph: Arc<WalkGraph>,
        standards: Standards,
    ) -> Result<ScenarioEngine, AnalysisError> {
        if !graph_fits(&graph, &standards) {
            tracing::warn!(
                "the walking graph was built with the {:?} profile, standard '{}' asks for {:?}",
                graph.profile(),
                standards.name,
                crate::reach::network_profile(&standards)
            );
        }
        let units = unit_origins(&city.population, &graph);
        let reach = compute_reach_from(&city.facilities, &units, &graph, &standards);
        let fixed = Fixed::new(&city);
        let facts = FacilityFacts::new(
            &city.facilities,
            &standards,
            &HashSet::new(),
            &fixed.locator,
        );
        let view = |i: usize, f: &mut dyn FnMut(Candidate)| reach[i].iter().for_each(|c| f(*c));
        let Indicators {
            mut analysis,
            gap_per_unit,
        } = indicators(&city, &fixed, &facts, &standards, &view, &city.facilities);
        analysis.gap_areas = fixed.gap_areas(&city, &gap_per_unit);
        let mut listed_by = vec![Vec::new(); city.facilities.len()];
        for (u, list) in reach.iter().enumerate() {
            for c in list {
                listed_by[c.facility].push(u as u32);
            }
        }
        Ok(ScenarioEngine {
            city,
            graph,
            standards,
            fixed,
            units,
            reach,
            listed_by,
            facts,
            base: analysis,
            base_gap: gap_per_unit,
        })
    }

    /// The base analysis (no edits).
    pub fn base(&self) -> &Analysis {
        &self.base
    }

    /// The city.
    pub fn city(&self) -> &City {
        &self.city
    }

    /// The walking graph.
    pub fn graph(&self) -> &WalkGraph {
        &self.graph
    }

    /// The standard every answer uses.
    pub fn standards(&self) -> &Standards {
        &self.standards
    }

    /// Every indicator before and after `edits` (applied in order; the first bad edit fails the
    /// whole request and nothing is computed).
    pub fn compare(&self, edits: &[Edit]) -> Result<Comparison, ScenarioEngineError> {
        let scenario = apply_edits(&self.city.facilities, edits)?;
        let facilities = &scenario.facilities;
        let base = &self.city.facilities;
        // Base facility index -> index in the scenario (removals keep the order of the rest).
        let mut base_to_new: Vec<Option<u32>> = vec![None; base.len()];
        let mut j = 0;
        for (i, f) in base.iter().enumerate() {
            if j < facilities.len() && facilities[j].osm_id == f.osm_id {
                base_to_new[i] = Some(j as u32);
                j += 1;
            }
        }
        let from_base: Vec<Option<usize>> = {
            let mut v = vec![None; facilities.len()];
            for (i, n) in base_to_new.iter().enumerate() {
                if let Some(n) = n {
                    v[*n as usize] = Some(i);
                }
            }
            v
        };
        // Facts: copied for untouched facilities, recomputed for changed ones.
        let mut facts = FacilityFacts::default();
        let mut searched: Vec<usize> = Vec::new();
        for (n, f) in facilities.iter().enumerate() {
            match from_base[n] {
                Some(i) if !scenario.changed.contains(&f.osm_id) => {
                    facts.area.push(self.facts.area[i]);
                    facts.play_area_home.push(self.facts.play_area_home[i]);
                }
                origin => {
                    facts.push(
                        f,
                        &self.standards,
                        &scenario.full_weight,
                        &self.fixed.locator,
                    );
                    // Distances are in the base lists only for base candidates.
                    let known = origin.is_some_and(|i| is_candidate(&base[i], &self.standards));
                    if !known && is_candidate(f, &self.standards) {
                        searched.push(n);
                    }
                }
            }
        }
        let extra = self.search(facilities, &searched);
        // Units whose lists changed: those listing a removed or changed base facility, and
        // those reaching a searched one.
        let mut touched: HashSet<u32> = extra.iter().map(|(u, _)| *u).collect();
        for (i, f) in base.iter().enumerate() {
            if base_to_new[i].is_none() || scenario.changed.contains(&f.osm_id) {
                touched.extend(self.listed_by[i].iter().copied());
            }
        }
        let start = row_starts(self.city.population.len(), &extra);
        let view = |i: usize, f: &mut dyn FnMut(Candidate)| {
            for c in &self.reach[i] {
                if let Some(n) = base_to_new[c.facility] {
                    f(Candidate {
                        facility: n as usize,
                        distance_m: c.distance_m,
                    });
                }
            }
            for (_, c) in &extra[start[i]..start[i + 1]] {
                f(*c);
            }
        };
        let Indicators {
            mut analysis,
            gap_per_unit,
        } = indicators(
            &self.city,
            &self.fixed,
            &facts,
            &self.standards,
            &view,
            facilities,
        );
        analysis.gap_areas = if gap_per_unit == self.base_gap {
            self.base.gap_areas.clone()
        } else {
            self.fixed.gap_areas(&self.city, &gap_per_unit)
        };
        Ok(Comparison {
            before: self.base.clone(),
            after: analysis,
            recomputed_units: touched.len(),
            searched_facilities: searched.len(),
        })
    }

    /// Walking distances from every unit to the facilities `which` (indices into `facilities`),
    /// as (unit, candidate) sorted by unit.
    fn search(&self, facilities: &[Facility], which: &[usize]) -> Vec<(u32, Candidate)> {
        let max_m = self.standards.max_catchment_m();
        let mut extra: Vec<(u32, Candidate)> =
            catchments(facilities, which, &self.units, &self.graph, max_m)
                .into_iter()
                .flatten()
                .collect();
        extra.sort_by_key(|(u, c)| (*u, c.facility));
        extra
    }

    /// Up to `options.count` candidate sites for a new facility, best first (docs/methods.md,
    /// "Location suggestions").
    pub fn suggest(
        &self,
        sites: &[CandidateSite],
        options: &SuggestOptions,
    ) -> Result<Vec<Suggestion>, ScenarioEngineError> {
        let base = SuggestBase {
            city: &self.city,
            graph: &self.graph,
            units: &self.units,
            standards: &self.standards,
            home: &self.fixed.home,
            base_gap: &self.base_gap,
        };
        suggest(&base, sites, options)
    }
}

/// `start[u]..start[u + 1]`: the entries of unit `u` in `rows` (sorted by unit).
fn row_starts(units: usize, rows: &[(u32, Candidate)]) -> Vec<usize> {
    (0..=units)
        .map(|u| rows.partition_point(|(r, _)| (*r as usize) < u))
        .collect()
}

impl Comparison {
    /// `{"standard", "recomputed_units", "neighbourhoods": [{"id", "name", "before", "after",
    /// "change"}], "totals": {"before", "after", "change"}}` with flat properties
    /// ([`crate::export::flat_properties`]); `change` holds after − before of every numeric one.
    pub fn to_json(&self) -> Value {
        let before = self.before.neighbourhood_rows();
        let after = self.after.neighbourhood_rows();
        let neighbourhoods: Vec<Value> = self
            .after
            .neighbourhoods
            .iter()
            .zip(before.iter().zip(&after))
            .map(|(n, (b, a))| {
                let (b, a) = (properties(b), properties(a));
                json!({
                    "id": n.id,
                    "name": n.name,
                    "change": change(&b, &a),
                    "before": b,
                    "after": a,
                })
            })
            .collect();
        let (tb, ta) = (totals(&self.before), totals(&self.after));
        json!({
            "standard": self.after.standard,
            "recomputed_units": self.recomputed_units,
            "searched_facilities": self.searched_facilities,
            "neighbourhoods": neighbourhoods,
            "totals": {"change": change(&tb, &ta), "before": tb, "after": ta},
        })
    }
}

/// Flat (column, value) pairs without `id` and `name`, as a JSON object.
fn properties(row: &[(String, Value)]) -> Map<String, Value> {
    row.iter()
        .filter(|(k, _)| k != "id" && k != "name")
        .cloned()
        .collect()
}

/// after − before for every key numeric in both (rounded like the inputs: 4 decimals), null
/// where either side is null.
fn change(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    after
        .iter()
        .filter_map(|(k, a)| {
            let b = before.get(k)?;
            let d = match (a.as_f64(), b.as_f64()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() => {
                    if let (Some(a), Some(b)) = (a_int(k, after), a_int(k, before)) {
                        json!(a - b)
                    } else {
                        json!(((a - b) * 1e4).round() / 1e4)
                    }
                }
                _ if a.is_null() || b.is_null() => Value::Null,
                _ => return None,
            };
            Some((k.clone(), d))
        })
        .collect()
}

/// The value of `k` as an integer, if it is one.
fn a_int(k: &str, m: &Map<String, Value>) -> Option<i64> {
    m.get(k).and_then(Value::as_i64)
}

/// City-wide totals of an analysis: residents and children per band, served and gap children,
/// served shares, net play area, 2SFCA per child (child-weighted), number of gap areas.
fn totals(a: &Analysis) -> Map<String, Value> {
    let rows = &a.neighbourhoods;
    let sum = |f: &dyn Fn(&NeighbourhoodIndicators) -> f64| rows.iter().map(f).sum::<f64>();
    let mut m = Map::new();
    let persons = |x: f64| json!(x.round() as i64);
    m.insert(
        "population_total".into(),
        persons(sum(&|r| r.population_total)),
    );
    let mut children = 0.0;
    let mut access = 0.0;
    for band in model::AgeBand::ALL {
        let b = band.index();
        let pop = sum(&|r| r.population[b]);
        let served = sum(&|r| r.served_children[b]);
        children += pop;
        access +=
            sum(&|r| r.play_area_m2_per_child_2sfca_by_band[b].unwrap_or(0.0) * r.population[b]);
        m.insert(band.as_str().into(), persons(pop));
        m.insert(
            format!("served_children_{}", band.as_str()),
            persons(served),
        );
        m.insert(
            format!("gap_children_{}", band.as_str()),
            persons(sum(&|r| r.gap_children[b])),
        );
        m.insert(
            format!("served_share_{}", band.as_str()),
            json!((pop > 0.0).then(|| (served / pop * 1e4).round() / 1e4)),
        );
    }
    m.insert(
        "play_area_m2".into(),
        json!((sum(&|r| r.play_area_m2) * 10.0).round() / 10.0),
    );
    m.insert(
        "play_area_m2_per_child_2sfca".into(),
        json!((children > 0.0).then(|| (access / children * 100.0).round() / 100.0)),
    );
    m.insert("gap_areas".into(), json!(a.gap_areas.len()));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<ScenarioEngine>();
    }

    #[test]
    fn change_subtracts_numbers_and_keeps_nulls() {
        // before/after written by hand: 10 → 12 persons, 0.5 → 0.75 share, null stays null.
        let b = json!({"age_0_5": 10, "served_share_age_0_5": 0.5, "x": null, "s": "a"});
        let a = json!({"age_0_5": 12, "served_share_age_0_5": 0.75, "x": null, "s": "a"});
        let (Value::Object(b), Value::Object(a)) = (b, a) else {
            unreachable!()
        };
        let c = change(&b, &a);
        assert_eq!(c["age_0_5"], json!(2));
        assert_eq!(c["served_share_age_0_5"], json!(0.25));
        assert_eq!(c["x"], Value::Null);
        assert!(!c.contains_key("s"));
    }
}
