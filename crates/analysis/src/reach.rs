//! Walking distances from population units to facilities, via the `network` crate.
//!
//! Owns the choice of candidate facilities (public, a kind some band counts) and the one bounded search.

use model::City;
use network::{Profile, Targets, WalkGraph};

use crate::indicators::{Analysis, AnalysisError, Candidate, Reach, analyze_reach};
use crate::standards::{Standards, WalkProfile};

/// The network profile a standard asks for.
pub fn network_profile(standards: &Standards) -> Profile {
    match standards.profile {
        WalkProfile::Default => Profile::Default,
        WalkProfile::ChildSafe => Profile::ChildSafe,
    }
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
    let candidates: Vec<usize> = city
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_public() && standards.counts_for_any_band(f.kind))
        .map(|(i, _)| i)
        .collect();
    let facilities: Vec<&model::Facility> =
        candidates.iter().map(|&i| &city.facilities[i]).collect();
    let targets = Targets::from_facilities(graph, &facilities);
    let origins: Vec<_> = city.population.iter().map(|u| u.location.0).collect();
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
