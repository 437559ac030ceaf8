//! Coverage analysis for Spielraum: planning standards, indicators per neighbourhood, gaps, need,
//! scenarios (warm what-if engine) and location suggestions.
//!
//! The arithmetic is explained for planners in docs/methods.md; the standards format in docs/standards.md.

pub mod effects;
mod engine_error;
pub mod export;
pub mod gaps;
pub mod indicators;
pub mod names;
pub mod reach;
pub mod scenario;
pub mod standards;
pub mod suggest;
pub mod time;

pub use effects::{Flow, UnitChange};
pub use export::{
    AnalysisDocument, BandValues, DataSources, GapRow, NeighbourhoodRow, PopulationCounts,
};
pub use gaps::{GAP_CELL_M, GapArea, GapOutlines};
pub use indicators::{
    Analysis, AnalysisError, Candidate, NET_AREA_FACILITIES, NeighbourhoodIndicators, Reach,
    SocialTerm, analyze_reach, analyze_reach_weighted, check_social, need_part_label, social_terms,
    weighted_area_m2,
};
pub use reach::{
    analyze, analyze_scenario, build_graph, compute_reach, compute_reach_for, compute_reach_from,
    graph_fits, network_profile, unit_origins,
};
pub use scenario::{Comparison, Rows, ScenarioEngine, ScenarioEngineError};
pub use standards::{
    BandRule, DistanceRule, NeedWeights, PlayAreaRule, Standards, StandardsError, WalkProfile,
};
pub use suggest::{SuggestOptions, Suggestion, suggestions_json};
