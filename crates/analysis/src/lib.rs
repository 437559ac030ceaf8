//! Coverage analysis for Spielraum: planning standards, indicators per neighbourhood, gaps, need.
//!
//! The arithmetic is explained for planners in docs/methods.md; the standards format in docs/standards.md.

pub mod export;
pub mod gaps;
pub mod indicators;
pub mod reach;
pub mod standards;

pub use gaps::{GAP_CELL_M, GapArea};
pub use indicators::{
    Analysis, AnalysisError, Candidate, NeighbourhoodIndicators, Reach, analyze_reach,
};
pub use reach::{analyze, build_graph, compute_reach, network_profile};
pub use standards::{
    BandRule, DistanceRule, NeedWeights, PlayAreaRule, Standards, StandardsError, WalkProfile,
};
