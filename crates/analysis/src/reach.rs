//! Walking distances from population units to facilities, via the `network` crate.
//!
//! Owns the choice of candidate facilities (public, a kind some band counts) and the one bounded search.

use model::scenario::ScenarioFacilities;
use model::{City, Facility, PopulationUnit};
use network::{Origins, Profile, ReverseSearch, WalkGraph};
use rayon::prelude::*;
use std::sync::Mutex;

use crate::indicators::{
    Analysis, AnalysisError, Candidate, Reach, analyze_anchored, analyze_reach, gap_anchor_of,
};
use crate::standards::{Standards, WalkProfile};

/// The network profile a standard asks for.
pub fn network_profile(standards: &Standards) -> Profile {
    match standards.profile {
        WalkProfile::Default => Profile::Default,
        WalkProfile::ChildSafe => Profile::ChildSafe,
    }
}

/// Whether `graph` was built with the profile `standards` asks for (see [`WalkGraph::profile`]).
///
/// # Examples
/// ```
/// use geo_types::coord;
/// use network::WalkGraph;
/// use spielraum_analysis::{Standards, WalkProfile, graph_fits};
///
/// let graph = WalkGraph::from_edges(vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}], &[[0, 1]])?;
/// let mut standard = Standards::default_din18034();
/// assert!(graph_fits(&graph, &standard));
/// standard.profile = WalkProfile::ChildSafe;
/// assert!(!graph_fits(&graph, &standard)); // build it again with the child-safe rules
/// # Ok::<(), network::NetworkError>(())
/// ```
pub fn graph_fits(graph: &WalkGraph, standards: &Standards) -> bool {
    graph.profile() == network_profile(standards)
}

/// Builds the walking graph of `city` with the standard's profile.
pub fn build_graph(city: &City, standards: &Standards) -> Result<WalkGraph, AnalysisError> {
    WalkGraph::build(
        &city.walk_ways,
        &city.tagged_nodes,
        network_profile(standards),
    )
    .map_err(|e| AnalysisError::Network(e.to_string()))
}

/// Walking distances from every population unit to every candidate facility within the
/// standard's largest catchment (public facilities of a kind some band counts).
///
/// # Runtime
/// Searched from the facilities' side: the units are snapped once (O(n log m) for n units on a
/// graph of m edges), then one Dijkstra per candidate facility bounded by the catchment,
/// O((v + e) log v + p) for the v nodes, e edges and p units within it, spread over all cores.
/// There are far fewer facilities than homes, so this is much cheaper than one search per
/// home; the distances equal [`network::within`] from each unit (tests/reach.rs checks it).
///
/// # Examples
/// A street of two edges on the equator, 0.001° (111.195 m) each, a playground at its east end.
/// One home stands 0.0001° north of the middle of the first edge: 11.12 m to the street, then
/// 55.60 + 111.20 m along it, 177.92 m in all. The other stands 0.01° (1112 m) west of the
/// street, beyond the 1000 m catchment of DIN 18034.
/// ```
/// use geo_types::{Geometry, Point, coord};
/// use model::{City, Facility, FacilityKind, OsmId, PopulationSource, PopulationUnit};
/// use network::WalkGraph;
/// use spielraum_analysis::{Standards, compute_reach};
///
/// let graph = WalkGraph::from_edges(
///     vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}, coord! {x: 0.002, y: 0.0}],
///     &[[0, 1], [1, 2]],
/// )?;
/// let home = |lon, lat| PopulationUnit {
///     location: Point::new(lon, lat),
///     residents: 3.0,
///     ages: [1.0, 0.0, 0.0],
///     source: PopulationSource::Points,
/// };
/// let city = City {
///     facilities: vec![Facility {
///         osm_id: OsmId::Node(1),
///         kind: FacilityKind::Playground,
///         name: None,
///         access: None,
///         geometry: Geometry::Point(Point::new(0.002, 0.0)),
///         area_m2: None,
///         opening_hours: None,
///     }],
///     population: vec![home(0.0005, 0.0001), home(-0.01, 0.0)],
///     ..City::default()
/// };
/// let reach = compute_reach(&city, &graph, &Standards::default_din18034());
/// let metre = 1.0 / 111_195.08; // degrees along the equator and along a meridian
/// assert_eq!(reach[0].len(), 1);
/// assert!((reach[0][0].distance_m - 0.0016 / metre).abs() < 0.01, "{}", reach[0][0].distance_m);
/// assert!(reach[1].is_empty());
/// # Ok::<(), network::NetworkError>(())
/// ```
pub fn compute_reach(city: &City, graph: &WalkGraph, standards: &Standards) -> Reach {
    compute_reach_for(&city.facilities, &city.population, graph, standards)
}

/// [`compute_reach`] for any facility list (indices into `facilities`).
pub fn compute_reach_for(
    facilities: &[Facility],
    population: &[PopulationUnit],
    graph: &WalkGraph,
    standards: &Standards,
) -> Reach {
    compute_reach_from(
        facilities,
        &unit_origins(population, graph),
        graph,
        standards,
    )
}

/// The population units snapped once to `graph`, for searches from the facilities' side.
///
/// # Runtime
/// O(n log m) for n units on a graph of m edges, spread over all cores.
pub fn unit_origins(population: &[PopulationUnit], graph: &WalkGraph) -> Origins {
    let locations: Vec<_> = population.iter().map(|u| u.location.0).collect();
    Origins::new(graph, &locations)
}

/// [`compute_reach_for`] with the units already snapped ([`unit_origins`]).
///
/// Each unit's list is sorted by distance, then facility index.
pub fn compute_reach_from(
    facilities: &[Facility],
    units: &Origins,
    graph: &WalkGraph,
    standards: &Standards,
) -> Reach {
    let candidates: Vec<usize> = facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| is_candidate(f, standards))
        .map(|(i, _)| i)
        .collect();
    let found = catchments(
        facilities,
        &candidates,
        units,
        graph,
        standards.max_catchment_m(),
        &SearchPool::default(),
    );
    let mut count = vec![0usize; units.len()];
    for (u, _) in found.iter().flatten() {
        count[*u as usize] += 1;
    }
    let mut reach: Reach = count.into_iter().map(Vec::with_capacity).collect();
    for (u, c) in found.into_iter().flatten() {
        reach[u as usize].push(c);
    }
    reach.par_iter_mut().for_each(|list| {
        list.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.facility.cmp(&b.facility))
        })
    });
    reach
}

/// Working memory of the facility-side searches kept between calls of [`catchments`]: on a city a
/// [`ReverseSearch`] holds arrays of the network's and the units' size, and making them again for
/// every scenario edit took longer than the search itself.
#[derive(Default)]
pub(crate) struct SearchPool(Mutex<Vec<ReverseSearch>>);

/// A [`ReverseSearch`] taken from a [`SearchPool`] and given back when dropped (not after a
/// panic, which may have left it half used).
struct Lease<'p> {
    pool: &'p SearchPool,
    search: Option<ReverseSearch>,
}

impl SearchPool {
    fn lease(&self, graph: &WalkGraph, units: &Origins) -> Lease<'_> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner()).pop();
        Lease {
            pool: self,
            search: Some(kept.unwrap_or_else(|| ReverseSearch::new(graph, units))),
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(search) = self.search.take()
            && !std::thread::panicking()
        {
            self.pool
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(search);
        }
    }
}

/// The catchment of each facility in `which` (indices into `facilities`): every unit that can walk
/// to it within `max_m`, as (unit, candidate) ascending by unit, one list per entry of `which`.
/// One bounded Dijkstra per facility ([`Origins::reaching_with`]), in parallel, with working
/// memory from `pool` (which must only ever see this `graph` and these `units`).
pub(crate) fn catchments(
    facilities: &[Facility],
    which: &[usize],
    units: &Origins,
    graph: &WalkGraph,
    max_m: f64,
    pool: &SearchPool,
) -> Vec<Vec<(u32, Candidate)>> {
    which
        .par_iter()
        .map_init(
            || (pool.lease(graph, units), Vec::new()),
            |(lease, hits), &n| {
                let scratch = lease.search.as_mut().expect("leased until dropped");
                let f = &facilities[n];
                let area: Vec<_> = network::area_of(f).into_iter().collect();
                let access = network::access_points(f);
                units.reaching_with(graph, scratch, &access, &area, max_m, hits);
                hits.iter()
                    .map(|&(u, d)| {
                        (
                            u,
                            Candidate {
                                facility: n,
                                distance_m: d,
                            },
                        )
                    })
                    .collect()
            },
        )
        .collect()
}

/// Whether walking distances to `facility` are worth computing: public, of a kind some band counts.
pub(crate) fn is_candidate(facility: &Facility, standards: &Standards) -> bool {
    facility.is_public() && standards.counts_for_any_band(facility.kind)
}

/// The full analysis of a scenario from scratch: the city with the scenario's facilities, walking
/// distances recomputed for all of them, its full-weight facilities at area weight 1, gap areas
/// drawn on the base city's grid (docs/methods.md, "Scenarios").
///
/// The reference for [`crate::ScenarioEngine::compare`], which patches the base instead.
pub fn analyze_scenario(
    city: &City,
    graph: &WalkGraph,
    standards: &Standards,
    scenario: &ScenarioFacilities,
) -> Result<Analysis, AnalysisError> {
    let units = unit_origins(&city.population, graph);
    let base_reach = compute_reach_from(&city.facilities, &units, graph, standards);
    let anchor = gap_anchor_of(city, standards, &base_reach);
    let reach = compute_reach_from(&scenario.facilities, &units, graph, standards);
    let scenario_city = City {
        facilities: scenario.facilities.clone(),
        neighbourhoods: city.neighbourhoods.clone(),
        population: city.population.clone(),
        metadata: city.metadata.clone(),
        social: city.social.clone(),
        ..City::default()
    };
    crate::indicators::check_social(city, standards)?;
    Ok(analyze_anchored(
        &scenario_city,
        standards,
        &reach,
        &scenario.full_weight,
        Some(anchor),
    ))
}

/// The full analysis: walking distances on `graph`, then every indicator.
///
/// `progress` is called with a short description of each stage as it starts.
pub fn analyze(
    city: &City,
    graph: &WalkGraph,
    standards: &Standards,
    progress: &dyn Fn(&str),
) -> Result<Analysis, AnalysisError> {
    // A standard weighing social indicators the city lacks fails before the long part.
    crate::indicators::check_social(city, standards)?;
    progress("walking distances");
    let reach = compute_reach(city, graph, standards);
    progress("indicators");
    analyze_reach(city, standards, &reach)
}
