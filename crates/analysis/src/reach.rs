//! Walking distances from population units to facilities, via the `network` crate.
//!
//! Owns the choice of candidate facilities (public, a kind some band counts) and the one bounded search.

use model::scenario::ScenarioFacilities;
use model::{City, Facility, PopulationUnit};
use network::{Profile, Targets, WalkGraph};

use crate::indicators::{
    Analysis, AnalysisError, Candidate, Reach, analyze_reach, analyze_reach_weighted,
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
    let candidates: Vec<usize> = facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| is_candidate(f, standards))
        .map(|(i, _)| i)
        .collect();
    let chosen: Vec<&Facility> = candidates.iter().map(|&i| &facilities[i]).collect();
    let targets = Targets::from_facilities(graph, &chosen);
    let origins: Vec<_> = population.iter().map(|u| u.location.0).collect();
    network::within(graph, &targets, &origins, standards.max_catchment_m())
        .into_iter()
        .map(|hits| {
            hits.into_iter()
                .map(|h| Candidate {
                    facility: candidates[h.target],
                    distance_m: h.distance_m,
                })
                .collect()
        })
        .collect()
}

/// Whether walking distances to `facility` are worth computing: public, of a kind some band counts.
pub(crate) fn is_candidate(facility: &Facility, standards: &Standards) -> bool {
    facility.is_public() && standards.counts_for_any_band(facility.kind)
}

/// The full analysis of a scenario from scratch: the city with the scenario's facilities, walking
/// distances recomputed for all of them, its full-weight facilities at area weight 1.
///
/// The reference for [`crate::ScenarioEngine::compare`], which patches the base instead.
pub fn analyze_scenario(
    city: &City,
    graph: &WalkGraph,
    standards: &Standards,
    scenario: &ScenarioFacilities,
) -> Result<Analysis, AnalysisError> {
    let reach = compute_reach_for(&scenario.facilities, &city.population, graph, standards);
    let scenario_city = City {
        facilities: scenario.facilities.clone(),
        neighbourhoods: city.neighbourhoods.clone(),
        population: city.population.clone(),
        metadata: city.metadata.clone(),
        ..City::default()
    };
    analyze_reach_weighted(&scenario_city, standards, &reach, &scenario.full_weight)
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
    progress("walking distances");
    let reach = compute_reach(city, graph, standards);
    progress("indicators");
    analyze_reach(city, standards, &reach)
}
