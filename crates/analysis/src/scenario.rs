//! The warm what-if engine: the base analysis kept in memory, a scenario's edits answered by
//! patching only the walking distances of the facilities they change, then re-aggregating.
//!
//! `compare` equals [`crate::analyze_scenario`] (a full recompute) on the same edits; the property
//! test in tests/scenario.rs checks it. docs/methods.md ("Scenarios") explains the steps.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use geo_types::MultiPolygon;
use model::scenario::{CandidateSite, Edit, ScenarioFacilities, apply_edits, apply_edits_at};
use model::time::{Span, TimeQuery};
use model::{City, Facility};
use network::{Origins, WalkGraph};
use serde_json::{Map, Value, json};

use crate::effects::{UnitChange, band_json, flows, unit_changes};
pub use crate::engine_error::ScenarioEngineError;
use crate::export::NeighbourhoodRow;
use crate::gaps::{GapGrid, GapMap, GapOutlines, gap_anchor};
use crate::indicators::{
    Analysis, AnalysisError, Candidate, FacilityFacts, Fixed, Indicators, NeighbourhoodIndicators,
    Reach, Rules, UnitValues, add_to_row, finish_row, indicators_of, rank_need, set_net_play_area,
    set_play_area,
};
use crate::reach::{
    SearchPool, catchments, compute_reach_from, graph_fits, is_candidate, unit_origins,
};
use crate::standards::Standards;
use crate::suggest::{SuggestBase, SuggestOptions, Suggestion, suggest};
use crate::time::graph_with_closed_streets;

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
    base: Arc<Analysis>,
    /// Each unit's values in the base.
    base_units: Vec<UnitValues>,
    /// The 2SFCA ratio of each base facility.
    base_ratio: Vec<f64>,
    /// Unserved children per unit and band in the base.
    base_gap: Vec<[f64; 3]>,
    /// The base's gap grid and areas, re-clustered locally by each scenario.
    gap_grid: GapGrid,
    gap_map: GapMap,
    /// Working memory of the facility-side searches, kept between edits.
    searches: SearchPool,
    /// The city at the times asked last ([`ScenarioEngine::at`]), newest first: a comparison at
    /// a time needs it as its before, and a map asks for the same few times again and again.
    at_times: Mutex<Vec<AtTime>>,
}

/// The city at one time, as [`ScenarioEngine::at`] answered it.
struct AtTime {
    spans: Vec<Span>,
    outlines: GapOutlines,
    answer: Arc<Comparison>,
}

/// How many times [`ScenarioEngine::at`] keeps (the map's four choices fit).
const AT_TIMES_KEPT: usize = 4;

/// Before and after of every indicator under one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The base analysis.
    pub before: Arc<Analysis>,
    /// The analysis with the edits applied.
    pub after: Analysis,
    /// Neighbourhoods (indices) whose indicators differ between before and after, ascending.
    pub changed: Vec<usize>,
    /// Population units whose reachable facilities changed (the only distances recomputed).
    pub recomputed_units: usize,
    /// Facilities whose walking distances were searched (added, or opened to the public).
    pub searched_facilities: usize,
    /// The population units whose service changed in some band, ascending
    /// ([`crate::effects`]).
    pub unit_changes: Vec<UnitChange>,
}

/// Which neighbourhoods a comparison's JSON lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Only those whose indicators changed (the totals cover all).
    Changed,
    /// Every neighbourhood.
    All,
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
        crate::indicators::check_social(&city, &standards)?;
        let units = unit_origins(&city.population, &graph);
        let reach = compute_reach_from(&city.facilities, &units, &graph, &standards);
        let (fixed, facts, out) = indicators_of(&city, &standards, &reach, &HashSet::new());
        let base_gap = out.gap_per_unit(&city.population);
        let gap_grid = GapGrid::new(&city.population, gap_anchor(&city.population, &base_gap));
        let gap_map = gap_grid.map(&fixed.gap_inputs(&city), &|i| base_gap[i]);
        let Indicators {
            mut analysis,
            units: base_units,
            ratio: base_ratio,
        } = out;
        analysis.gap_areas = gap_map.areas();
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
            base: Arc::new(analysis),
            base_units,
            base_ratio,
            base_gap,
            gap_grid,
            gap_map,
            searches: SearchPool::default(),
            at_times: Mutex::new(Vec::new()),
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

    /// The city, shared (e.g. with a server's map).
    pub fn shared_city(&self) -> Arc<City> {
        self.city.clone()
    }

    /// The walking graph, shared.
    pub fn shared_graph(&self) -> Arc<WalkGraph> {
        self.graph.clone()
    }

    /// The standard every answer uses.
    pub fn standards(&self) -> &Standards {
        &self.standards
    }

    /// Every indicator before and after `edits` (applied in order; the first bad edit fails the
    /// whole request and nothing is computed).
    ///
    /// Only what an edit can change is computed again: the catchments of added or opened
    /// facilities, the 2SFCA ratios of changed facilities, the units that list a changed
    /// facility, the neighbourhoods those units live in and the gap areas around them; the
    /// result equals [`crate::analyze_scenario`] (tests/scenario.rs).
    pub fn compare(&self, edits: &[Edit]) -> Result<Comparison, ScenarioEngineError> {
        self.compare_with(edits, GapOutlines::Traced)
    }

    /// [`ScenarioEngine::compare`], with the outlines of re-clustered gap areas traced or not:
    /// [`GapOutlines::Skipped`] leaves their geometry empty and everything else (every indicator,
    /// the number, children and ranks of the gap areas, [`Comparison::to_json`]) the same. What
    /// an answer that only counts gap areas asks for: on a city-size gap area the outline is
    /// most of an edit's time.
    pub fn compare_with(
        &self,
        edits: &[Edit],
        outlines: GapOutlines,
    ) -> Result<Comparison, ScenarioEngineError> {
        self.compare_scenario(apply_edits(&self.city.facilities, edits)?, outlines)
    }

    /// The city at `when` (facilities closed then are gone) against the base ("always"):
    /// `after` is the analysis at that time (docs/methods.md, "Time"). The answers for the last
    /// few times are kept: asked again, the same answer is shared.
    pub fn at(
        &self,
        when: &TimeQuery,
        outlines: GapOutlines,
    ) -> Result<Arc<Comparison>, ScenarioEngineError> {
        let kept = |list: &[AtTime]| {
            list.iter()
                .find(|t| t.spans == when.spans && t.outlines == outlines)
                .map(|t| t.answer.clone())
        };
        if let Some(answer) = kept(&self.at_times.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(answer);
        }
        let answer = Arc::new(self.compare_scenario(
            apply_edits_at(&self.city.facilities, &[], Some(when))?,
            outlines,
        )?);
        let mut list = self.at_times.lock().unwrap_or_else(|e| e.into_inner());
        if kept(&list).is_none() {
            list.insert(
                0,
                AtTime {
                    spans: when.spans.clone(),
                    outlines,
                    answer: answer.clone(),
                },
            );
            list.truncate(AT_TIMES_KEPT);
        }
        Ok(answer)
    }

    /// [`ScenarioEngine::compare_with`] at a time: before is the city at `when`, after the
    /// city with `edits` at `when` (play streets and opened yards only inside their hours and
    /// dates). Without a time, [`ScenarioEngine::compare_with`].
    pub fn compare_at(
        &self,
        edits: &[Edit],
        when: Option<&TimeQuery>,
        outlines: GapOutlines,
    ) -> Result<Comparison, ScenarioEngineError> {
        let Some(when) = when else {
            return self.compare_with(edits, outlines);
        };
        let scenario = apply_edits_at(&self.city.facilities, edits, Some(when))?;
        let before = self.at(when, outlines)?;
        let after = self.compare_scenario(scenario, outlines)?;
        let unit_changes = self.between(&before.unit_changes, &after.unit_changes);
        let changed = changed_rows(&after.after.neighbourhoods, &before.after.neighbourhoods);
        Ok(Comparison {
            before: Arc::new(before.after.clone()),
            after: after.after,
            changed,
            recomputed_units: after.recomputed_units,
            searched_facilities: after.searched_facilities,
            unit_changes,
        })
    }

    /// The units whose service differs between two states, each given by its changes against
    /// the base (`first` → `second`).
    fn between(&self, first: &[UnitChange], second: &[UnitChange]) -> Vec<UnitChange> {
        let population = &self.city.population;
        let state = |c: Option<&UnitChange>, u: usize| -> [bool; 3] {
            let base = self.base_units[u].served;
            std::array::from_fn(|k| match c {
                Some(c) if c.gained[k] > 0.0 => true,
                Some(c) if c.lost[k] > 0.0 => false,
                _ => base[k],
            })
        };
        let mut units: Vec<usize> = first.iter().chain(second).map(|c| c.unit).collect();
        units.sort_unstable();
        units.dedup();
        fn find(list: &[UnitChange], u: usize) -> Option<&UnitChange> {
            list.binary_search_by_key(&u, |c| c.unit)
                .ok()
                .map(|i| &list[i])
        }
        units
            .into_iter()
            .filter_map(|u| {
                let (a, b) = (state(find(first, u), u), state(find(second, u), u));
                let ages = population[u].ages;
                let gained = std::array::from_fn(|k| if b[k] && !a[k] { ages[k] } else { 0.0 });
                let lost = std::array::from_fn(|k| if a[k] && !b[k] { ages[k] } else { 0.0 });
                let any = |x: &[f64; 3]| x.iter().any(|&c| c > 0.0);
                (any(&gained) || any(&lost)).then(|| UnitChange {
                    unit: u,
                    neighbourhood: self.fixed.home[u],
                    gained,
                    lost,
                })
            })
            .collect()
    }

    /// Everything recomputed on a walking graph of its own (play streets closed to traffic in
    /// the child-safe profile): every unit snapped and searched again, the gap areas on the
    /// base's grid. The reference [`crate::time::analyze_at`] gives the same rows.
    fn recompute(&self, scenario: &ScenarioFacilities, graph: &WalkGraph) -> Comparison {
        let population = &self.city.population;
        let units = unit_origins(population, graph);
        let reach = compute_reach_from(&scenario.facilities, &units, graph, &self.standards);
        let city = City {
            facilities: scenario.facilities.clone(),
            neighbourhoods: self.city.neighbourhoods.clone(),
            population: population.clone(),
            metadata: self.city.metadata.clone(),
            social: self.city.social.clone(),
            ..City::default()
        };
        let (_, _, out) = indicators_of(&city, &self.standards, &reach, &scenario.full_weight);
        let gap = out.gap_per_unit(population);
        let Indicators {
            mut analysis,
            units: values,
            ..
        } = out;
        analysis.gap_areas = self
            .gap_grid
            .map(&self.fixed.gap_inputs(&self.city), &|i| gap[i])
            .areas();
        let all: Vec<u32> = (0..population.len() as u32).collect();
        let unit_changes = unit_changes(
            &all,
            &values,
            &self.base_units,
            population,
            &self.fixed.home,
        );
        let changed = changed_rows(&analysis.neighbourhoods, &self.base.neighbourhoods);
        let searched = scenario
            .facilities
            .iter()
            .filter(|f| is_candidate(f, &self.standards))
            .count();
        Comparison {
            before: self.base.clone(),
            after: analysis,
            changed,
            recomputed_units: population.len(),
            searched_facilities: searched,
            unit_changes,
        }
    }

    /// [`ScenarioEngine::compare_with`] for edits already applied.
    fn compare_scenario(
        &self,
        scenario: ScenarioFacilities,
        outlines: GapOutlines,
    ) -> Result<Comparison, ScenarioEngineError> {
        if let Some(graph) = graph_with_closed_streets(&self.city, &self.standards, &scenario)
            .map_err(|e| ScenarioEngineError::Graph(e.to_string()))?
        {
            return Ok(self.recompute(&scenario, &graph));
        }
        let facilities = &scenario.facilities;
        let base = &self.city.facilities;
        let population = &self.city.population;
        // Base facility index -> index in the scenario (removals keep the order of the rest).
        let mut base_to_new: Vec<Option<u32>> = vec![None; base.len()];
        let mut j = 0;
        for (i, f) in base.iter().enumerate() {
            if j < facilities.len() && facilities[j].osm_id == f.osm_id {
                base_to_new[i] = Some(j as u32);
                j += 1;
            }
        }
        let mut from_base: Vec<Option<usize>> = vec![None; facilities.len()];
        for (i, n) in base_to_new.iter().enumerate() {
            if let Some(n) = n {
                from_base[*n as usize] = Some(i);
            }
        }
        let unchanged =
            |n: usize| from_base[n].filter(|_| !scenario.changed.contains(&facilities[n].osm_id));
        // Facts: copied for untouched facilities, recomputed for changed ones.
        let mut facts = FacilityFacts::default();
        let mut searched: Vec<usize> = Vec::new();
        for (n, f) in facilities.iter().enumerate() {
            if let Some(i) = unchanged(n) {
                facts.area.push(self.facts.area[i]);
                facts.play_area_home.push(self.facts.play_area_home[i]);
                continue;
            }
            facts.push(
                f,
                &self.standards,
                &scenario.full_weight,
                &self.fixed.locator,
            );
            // Distances are in the base lists only for base candidates.
            let known = from_base[n].is_some_and(|i| is_candidate(&base[i], &self.standards));
            if !known && is_candidate(f, &self.standards) {
                searched.push(n);
            }
        }
        let extra = self.search(facilities, &searched);
        let extra_of = |u: u32| {
            let from = extra.partition_point(|(r, _)| *r < u);
            let to = extra.partition_point(|(r, _)| *r <= u);
            &extra[from..to]
        };
        // Units whose lists changed: those listing a removed or changed base facility, and
        // those reaching a searched one.
        let mut touched: Vec<u32> = extra.iter().map(|(u, _)| *u).collect();
        for (i, f) in base.iter().enumerate() {
            if base_to_new[i].is_none() || scenario.changed.contains(&f.osm_id) {
                touched.extend(self.listed_by[i].iter().copied());
            }
        }
        touched.sort_unstable();
        touched.dedup();

        let rules = Rules {
            facilities,
            facts: &facts,
            bands: &self.standards.bands,
        };
        // 2SFCA ratios: the base's for unchanged facilities (same catchment, same area), from
        // the catchment for the others.
        let ratio: Vec<f64> = (0..facilities.len())
            .map(|n| {
                if let Some(i) = unchanged(n) {
                    return self.base_ratio[i];
                }
                let catchment: Vec<(u32, Candidate)> = match from_base[n] {
                    Some(i) if is_candidate(&base[i], &self.standards) => self.listed_by[i]
                        .iter()
                        .filter_map(|&u| {
                            let c = self.reach[u as usize].iter().find(|c| c.facility == i)?;
                            Some((
                                u,
                                Candidate {
                                    facility: n,
                                    distance_m: c.distance_m,
                                },
                            ))
                        })
                        .collect(),
                    _ => extra
                        .iter()
                        .filter(|(_, c)| c.facility == n)
                        .copied()
                        .collect(),
                };
                rules.ratio(n, &catchment, population)
            })
            .collect();
        // The touched units' values, from their lists as a full search would give them
        // (sorted by distance, then facility).
        let values: Vec<UnitValues> = touched
            .iter()
            .map(|&u| {
                let mut list: Vec<Candidate> = self.reach[u as usize]
                    .iter()
                    .filter_map(|c| {
                        base_to_new[c.facility].map(|n| Candidate {
                            facility: n as usize,
                            distance_m: c.distance_m,
                        })
                    })
                    .chain(extra_of(u).iter().map(|(_, c)| *c))
                    .collect();
                list.sort_by(|a, b| {
                    a.distance_m
                        .total_cmp(&b.distance_m)
                        .then(a.facility.cmp(&b.facility))
                });
                rules.unit(&mut |f| list.iter().for_each(|c| f(*c)), &ratio)
            })
            .collect();
        let unit_changes = unit_changes(
            &touched,
            &values,
            &self.base_units,
            population,
            &self.fixed.home,
        );
        let value_of = |u: usize| match touched.binary_search(&(u as u32)) {
            Ok(k) => &values[k],
            Err(_) => &self.base_units[u],
        };

        // Rows: rebuilt for the neighbourhoods the touched units live in, the base's elsewhere.
        let mut homes: Vec<usize> = touched
            .iter()
            .filter_map(|&u| self.fixed.home[u as usize])
            .collect();
        homes.sort_unstable();
        homes.dedup();
        let mut rows = self.base.neighbourhoods.clone();
        for &n in &homes {
            let old = &mut rows[n];
            let geometry = std::mem::replace(&mut old.geometry, MultiPolygon(Vec::new()));
            let mut row =
                NeighbourhoodIndicators::empty(old.id.clone(), old.name.clone(), geometry);
            let mut sums = [0.0; 3];
            for &u in &self.fixed.units_of[n] {
                let u = u as usize;
                add_to_row(&mut row, &mut sums, &population[u], value_of(u));
            }
            finish_row(&mut row, &sums);
            rows[n] = row;
        }
        set_play_area(&mut rows, &facts);
        set_net_play_area(&mut rows, &facts, facilities, &self.city.metadata);
        rank_need(&mut rows, &self.standards, &self.city.social);

        // Gap areas: re-clustered around the units whose unserved children changed.
        let gap_of = |u: usize| value_of(u).gap(&population[u]);
        let moved: Vec<u32> = touched
            .iter()
            .copied()
            .filter(|&u| gap_of(u as usize) != self.base_gap[u as usize])
            .collect();
        let gap_areas = if moved.is_empty() {
            self.base.gap_areas.clone()
        } else {
            self.gap_grid.update(
                &self.gap_map,
                &self.fixed.gap_inputs(&self.city),
                &gap_of,
                &moved,
                outlines,
            )
        };
        let changed = changed_rows(&rows, &self.base.neighbourhoods);
        Ok(Comparison {
            before: self.base.clone(),
            after: Analysis {
                standard: self.base.standard.clone(),
                standard_title: self.base.standard_title.clone(),
                neighbourhoods: rows,
                gap_areas,
                unassigned_residents: self.base.unassigned_residents,
                metadata: self.base.metadata.clone(),
                social_terms: self.base.social_terms.clone(),
            },
            changed,
            recomputed_units: touched.len(),
            searched_facilities: searched.len(),
            unit_changes,
        })
    }

    /// Walking distances from every unit to the facilities `which` (indices into `facilities`),
    /// as (unit, candidate) sorted by unit.
    fn search(&self, facilities: &[Facility], which: &[usize]) -> Vec<(u32, Candidate)> {
        let max_m = self.standards.max_catchment_m();
        let mut extra: Vec<(u32, Candidate)> = catchments(
            facilities,
            which,
            &self.units,
            &self.graph,
            max_m,
            &self.searches,
        )
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

/// The neighbourhoods (indices) whose indicators differ between `after` and `before`.
fn changed_rows(
    after: &[NeighbourhoodIndicators],
    before: &[NeighbourhoodIndicators],
) -> Vec<usize> {
    after
        .iter()
        .zip(before)
        .enumerate()
        .filter(|(_, (a, b))| !same_values(a, b))
        .map(|(n, _)| n)
        .collect()
}

/// Whether two rows of one neighbourhood hold the same indicators (the outline is not compared).
fn same_values(a: &NeighbourhoodIndicators, b: &NeighbourhoodIndicators) -> bool {
    a.population_total == b.population_total
        && a.population == b.population
        && a.served_children == b.served_children
        && a.gap_children == b.gap_children
        && a.play_area_m2 == b.play_area_m2
        && a.play_area_m2_per_child_2sfca_by_band == b.play_area_m2_per_child_2sfca_by_band
        && a.play_area_m2_per_child_2sfca == b.play_area_m2_per_child_2sfca
        && a.need_score == b.need_score
        && a.need_rank == b.need_rank
        && a.need_parts == b.need_parts
}

impl Comparison {
    /// `{"standard", "recomputed_units", "searched_facilities", "rows", "neighbourhoods": [{"id",
    /// "name", "before", "after", "change", "gained", "lost"}], "totals": {"before", "after",
    /// "change", "gained", "lost"}}` with flat properties ([`crate::export::flat_properties`]);
    /// `change` holds after − before of every numeric one; `gained` and `lost` the children per
    /// band (and `total`) newly served and no longer served ([`crate::effects`], one decimal).
    /// `rows` says which neighbourhoods are listed (`"changed"` or `"all"`); the totals always
    /// cover the whole city.
    pub fn to_json(&self, rows: Rows) -> Value {
        let listed: Vec<usize> = match rows {
            Rows::Changed => self.changed.clone(),
            Rows::All => (0..self.after.neighbourhoods.len()).collect(),
        };
        let (city_flow, row_flows) = flows(&self.unit_changes, self.after.neighbourhoods.len());
        let row_of = |a: &Analysis, n: usize| {
            properties(&NeighbourhoodRow::from(&a.neighbourhoods[n]).flat())
        };
        let neighbourhoods: Vec<Value> = listed
            .into_iter()
            .map(|n| {
                let (b, a) = (row_of(&self.before, n), row_of(&self.after, n));
                let hood = &self.after.neighbourhoods[n];
                json!({
                    "id": hood.id,
                    "name": hood.name,
                    "change": change(&b, &a),
                    "before": b,
                    "after": a,
                    "gained": band_json(&row_flows[n].gained),
                    "lost": band_json(&row_flows[n].lost),
                })
            })
            .collect();
        let (tb, ta) = (totals(&self.before), totals(&self.after));
        json!({
            "standard": self.after.standard,
            "recomputed_units": self.recomputed_units,
            "searched_facilities": self.searched_facilities,
            "rows": match rows { Rows::Changed => "changed", Rows::All => "all" },
            "neighbourhoods": neighbourhoods,
            "totals": {
                "change": change(&tb, &ta),
                "before": tb,
                "after": ta,
                "gained": band_json(&city_flow.gained),
                "lost": band_json(&city_flow.lost),
            },
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
