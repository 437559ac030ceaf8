//! Analyses at a moment or window: which facilities are open then, the walking graph with play
//! streets closed to traffic, and the `time` note of an answer (docs/methods.md, "Time").
//!
//! Without a time every facility is open and every measure holds ("always"): the answers of
//! [`crate::analyze`] and [`crate::ScenarioEngine::compare`] are today's.

use std::borrow::Cow;

use model::scenario::{ScenarioError, ScenarioFacilities, apply_edits_at};
use model::time::{Hours, TimeQuery};
use model::{City, Facility, WalkWay};
use network::WalkGraph;
use serde_json::{Value, json};

use crate::indicators::{Analysis, AnalysisError, analyze_reach_weighted};
use crate::reach::{compute_reach_for, network_profile};
use crate::standards::{Standards, WalkProfile};

/// A facility whose `opening_hours` cannot be read: counted as always open, with a warning.
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadHours {
    /// Its id and name, as a warning names it (`n123 "Spielplatz Au"`).
    pub facility: String,
    /// Why (the parser's message, with the string).
    pub why: String,
}

impl std::fmt::Display for UnreadHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "facility {}: {}; counted as always open",
            self.facility, self.why
        )
    }
}

/// The facilities whose opening hours cannot be read, in list order.
pub fn unread_hours(facilities: &[Facility]) -> Vec<UnreadHours> {
    facilities
        .iter()
        .filter_map(|f| {
            let text = f.opening_hours.as_deref()?;
            let err = Hours::parse(text).err()?;
            let facility = match &f.name {
                Some(name) => format!("{} \"{name}\"", f.osm_id),
                None => f.osm_id.to_string(),
            };
            Some(UnreadHours {
                facility,
                why: err.to_string(),
            })
        })
        .collect()
}

/// The ways of the walking network with the play streets `closed` closed to traffic: their
/// `highway` becomes `pedestrian`, so the child-safe profile no longer treats them as barriers.
pub fn ways_with_closed_streets<'w>(ways: &'w [WalkWay], closed: &[i64]) -> Cow<'w, [WalkWay]> {
    if closed.is_empty() {
        return Cow::Borrowed(ways);
    }
    let mut owned = ways.to_vec();
    for way in owned
        .iter_mut()
        .filter(|w| closed.binary_search(&w.id).is_ok())
    {
        for (k, v) in way.tags.iter_mut() {
            if k == "highway" {
                *v = "pedestrian".to_string();
            }
        }
    }
    Cow::Owned(owned)
}

/// The walking graph a scenario at a time needs, when it differs from the base graph: only in
/// the child-safe profile and only while a play street on a barrier is closed.
pub fn graph_with_closed_streets(
    city: &City,
    standards: &Standards,
    scenario: &ScenarioFacilities,
) -> Result<Option<WalkGraph>, AnalysisError> {
    if standards.profile != WalkProfile::ChildSafe || scenario.closed_ways.is_empty() {
        return Ok(None);
    }
    let ways = ways_with_closed_streets(&city.walk_ways, &scenario.closed_ways);
    WalkGraph::build(&ways, &city.tagged_nodes, network_profile(standards))
        .map(Some)
        .map_err(|e| AnalysisError::Network(e.to_string()))
}

/// The full analysis at `when`: the facilities open then (and `edits` that hold then), walking
/// distances for them, every indicator. Costs one analysis, like [`crate::analyze`]; with no
/// facility closed and no edit the answer is [`crate::analyze`]'s.
pub fn analyze_at(
    city: &City,
    graph: &WalkGraph,
    standards: &Standards,
    edits: &[model::scenario::Edit],
    when: Option<&TimeQuery>,
) -> Result<Analysis, TimedError> {
    crate::indicators::check_social(city, standards)?;
    let scenario = apply_edits_at(&city.facilities, edits, when)?;
    let own_graph = graph_with_closed_streets(city, standards, &scenario)?;
    let graph = own_graph.as_ref().unwrap_or(graph);
    let reach = compute_reach_for(&scenario.facilities, &city.population, graph, standards);
    let timed = City {
        facilities: scenario.facilities,
        neighbourhoods: city.neighbourhoods.clone(),
        population: city.population.clone(),
        metadata: city.metadata.clone(),
        social: city.social.clone(),
        ..City::default()
    };
    Ok(analyze_reach_weighted(
        &timed,
        standards,
        &reach,
        &scenario.full_weight,
    )?)
}

/// Why an analysis at a time failed.
#[derive(Debug, thiserror::Error)]
pub enum TimedError {
    /// A scenario edit cannot be applied.
    #[error(transparent)]
    Edit(#[from] ScenarioError),
    /// The analysis itself failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
}

/// How many of `facilities` are closed at `when` by their own opening hours.
pub fn closed_count(facilities: &[Facility], when: &TimeQuery) -> usize {
    facilities
        .iter()
        .filter(|f| !model::time::is_open(f, when))
        .count()
}

/// The `time` object of an answer at a time: the question, the local times it stands for, and
/// how many of the city's facilities are closed then by their opening hours.
pub fn time_json(when: &TimeQuery, facilities: &[Facility]) -> Value {
    let closed = closed_count(facilities, when);
    json!({
        when.mode: when.text,
        "spans": when.span_texts(),
        "closed_facilities": closed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::coord;

    #[test]
    fn closing_a_street_retags_only_it() {
        let way = |id, highway: &str| WalkWay {
            id,
            nodes: vec![1, 2],
            coords: vec![coord! {x: 0.0, y: 0.0}, coord! {x: 0.001, y: 0.0}],
            tags: vec![("highway".into(), highway.into())],
        };
        let ways = [way(1, "primary"), way(2, "primary")];
        assert!(matches!(
            ways_with_closed_streets(&ways, &[]),
            Cow::Borrowed(_)
        ));
        let closed = ways_with_closed_streets(&ways, &[2]);
        assert_eq!(closed[0].tag("highway"), Some("primary"));
        assert_eq!(closed[1].tag("highway"), Some("pedestrian"));
    }
}
