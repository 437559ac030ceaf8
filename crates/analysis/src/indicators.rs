//! Indicators per neighbourhood from walking distances: served shares, gaps, play area, 2SFCA, need.
//!
//! Owns the arithmetic of docs/methods.md; walking distances come in as a [`Reach`] list.

use geo::InteriorPoint;
use geo_types::{Geometry, MultiPolygon, Point};
use model::index::AreaLocator;
use model::{AgeBand, City, PopulationUnit};

use std::collections::HashSet;

use rayon::prelude::*;

use model::{Facility, OsmId};

use crate::gaps::{GapArea, GapGrid, GapInputs, GapMap, gap_anchor};
use crate::standards::{BandRule, Standards};

/// A facility within walking reach of a population unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// Index into `City::facilities`.
    pub facility: usize,
    /// Walking distance in metres.
    pub distance_m: f64,
}

/// For each population unit (same order as `City::population`), the facilities it
/// can reach within the standard's largest catchment, each listed once.
pub type Reach = Vec<Vec<Candidate>>;

/// Something is inconsistent between the city and the distances handed in.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The reach list does not have one entry per population unit.
    #[error("reach list has {got} entries but the city has {expected} population units")]
    ReachLength {
        /// Population units in the city.
        expected: usize,
        /// Entries in the reach list.
        got: usize,
    },
    /// A reach entry names a facility that does not exist.
    #[error(
        "population unit {unit} lists facility index {facility}, but the city has {count} facilities"
    )]
    UnknownFacility {
        /// Population unit index.
        unit: usize,
        /// The facility index.
        facility: usize,
        /// Facilities in the city.
        count: usize,
    },
    /// The walking network could not be built.
    #[error("walking network: {0}")]
    Network(String),
    /// The standard's `[need.social]` weighs an indicator the city's social table lacks.
    #[error(
        "standard '{standard}': [need.social] weighs '{key}', but the city's social table {}",
        if available.is_empty() {
            "is missing (import the city with --social and --social-mapping)".to_string()
        } else {
            format!("has only: {}", available.join(", "))
        }
    )]
    UnknownSocialIndicator {
        /// The standard's name.
        standard: String,
        /// The key weighed.
        key: String,
        /// The keys the city has.
        available: Vec<String>,
    },
}

impl AnalysisError {
    /// Whether the error lies in the user's input (standard and city do not fit together), not
    /// in the program.
    pub fn is_input_error(&self) -> bool {
        matches!(self, AnalysisError::UnknownSocialIndicator { .. })
    }
}

/// Checks that every social indicator the standard's `[need.social]` weighs is in the city's
/// social table (indicators of the table that the standard does not weigh are left out of the
/// score).
pub fn check_social(city: &City, standards: &Standards) -> Result<(), AnalysisError> {
    for (key, _) in &standards.need.social {
        if !city.social.iter().any(|s| &s.key == key) {
            return Err(AnalysisError::UnknownSocialIndicator {
                standard: standards.name.clone(),
                key: key.clone(),
                available: city.social.iter().map(|s| s.key.clone()).collect(),
            });
        }
    }
    Ok(())
}

/// The indicators of one neighbourhood (raw values; serialised rounded, see `export`).
#[derive(Debug, Clone, PartialEq)]
pub struct NeighbourhoodIndicators {
    /// Neighbourhood id.
    pub id: String,
    /// Neighbourhood name.
    pub name: String,
    /// All residents.
    pub population_total: f64,
    /// Children per band.
    pub population: [f64; 3],
    /// Children per band within reach of a serving facility.
    pub served_children: [f64; 3],
    /// Children per band not within reach (`served + gap = population`).
    pub gap_children: [f64; 3],
    /// Net (weighted) play area of public facilities inside the neighbourhood, m².
    pub play_area_m2: f64,
    /// The part of `play_area_m2` that is an inventory's net play area (*Nettospielfläche*),
    /// m²; `None` where the city has no facility inventory (see [`NET_AREA_FACILITIES`]).
    pub play_area_net_m2: Option<f64>,
    /// 2SFCA: child-weighted mean of the area each child can claim, per band (m²).
    pub play_area_m2_per_child_2sfca_by_band: [Option<f64>; 3],
    /// 2SFCA over all children (m²).
    pub play_area_m2_per_child_2sfca: Option<f64>,
    /// Need score in [0, 1] (docs/methods.md).
    pub need_score: f64,
    /// 1 = most need.
    pub need_rank: usize,
    /// The need score's weighted parts (key, weight × term ÷ sum of weights), adding up to
    /// `need_score`: `age_0_5`, `age_6_11`, `age_12_17`, `play_area` (when the standard sets a
    /// target), then each weighed social indicator by key.
    pub need_parts: Vec<(String, f64)>,
    /// The weighed social indicators without a value for this neighbourhood (their term
    /// counts 0).
    pub social_missing: Vec<String>,
    /// The outline.
    pub geometry: MultiPolygon<f64>,
}

impl NeighbourhoodIndicators {
    /// A row before anything is counted: no residents, no play area, every share undefined.
    pub fn empty(id: String, name: String, geometry: MultiPolygon<f64>) -> Self {
        NeighbourhoodIndicators {
            id,
            name,
            population_total: 0.0,
            population: [0.0; 3],
            served_children: [0.0; 3],
            gap_children: [0.0; 3],
            play_area_m2: 0.0,
            play_area_net_m2: None,
            play_area_m2_per_child_2sfca_by_band: [None; 3],
            play_area_m2_per_child_2sfca: None,
            need_score: 0.0,
            need_rank: 0,
            need_parts: Vec::new(),
            social_missing: Vec::new(),
            geometry,
        }
    }

    /// All children 0–17.
    pub fn children(&self) -> f64 {
        self.population.iter().sum()
    }

    /// Served share of a band; `None` when the band has no residents.
    pub fn served_share(&self, band: AgeBand) -> Option<f64> {
        let i = band.index();
        (self.population[i] > 0.0).then(|| self.served_children[i] / self.population[i])
    }

    /// Net play area ÷ children; `None` without children.
    pub fn play_area_m2_per_child(&self) -> Option<f64> {
        let c = self.children();
        (c > 0.0).then(|| self.play_area_m2 / c)
    }

    /// The key of the largest part of the need score (the first of equal ones); `None` when
    /// the score is 0.
    pub fn need_driver(&self) -> Option<&str> {
        let mut best: Option<&(String, f64)> = None;
        for p in &self.need_parts {
            if p.1 > 0.0 && best.is_none_or(|b| p.1 > b.1) {
                best = Some(p);
            }
        }
        best.map(|p| p.0.as_str())
    }

    /// Net play area ÷ residents; `None` without residents.
    pub fn play_area_m2_per_resident(&self) -> Option<f64> {
        (self.population_total > 0.0).then(|| self.play_area_m2 / self.population_total)
    }
}

/// The result of one analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The standard's short name.
    pub standard: String,
    /// The standard's title.
    pub standard_title: String,
    /// One entry per neighbourhood, in the city's order.
    pub neighbourhoods: Vec<NeighbourhoodIndicators>,
    /// Clusters of unserved children, rank 1 = most children.
    pub gap_areas: Vec<GapArea>,
    /// Residents living in no neighbourhood (counted in gaps and 2SFCA demand, not in any row).
    pub unassigned_residents: f64,
    /// Import facts carried over (`source_timestamp`, `population_source`, …).
    pub metadata: Vec<(String, String)>,
    /// The social indicators the need score weighs (the standard's `[need.social]`), with
    /// their labels; empty without.
    pub social_terms: Vec<SocialTerm>,
}

/// A social indicator the need score weighs: its key, labels and weight.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SocialTerm {
    /// The key (`sgb2`), as in `need_parts`.
    pub key: String,
    /// German label.
    pub label_de: String,
    /// English label.
    pub label_en: String,
    /// Its weight in the standard's `[need.social]`.
    pub weight: f64,
}

/// A need part's key in words: the band's unserved children, the play-area deficit, or the
/// social indicator's label from `terms` (the key itself if unknown).
///
/// ```
/// use spielraum_analysis::{SocialTerm, need_part_label};
/// use spielraum_analysis::names::Lang;
/// let terms = [SocialTerm { key: "sgb2".into(), label_de: "Anteil SGB II".into(),
///     label_en: "SGB II share".into(), weight: 2.0 }];
/// assert_eq!(need_part_label("sgb2", &terms, Lang::De), "Anteil SGB II");
/// assert_eq!(need_part_label("age_0_5", &terms, Lang::En), "unserved children 0–5");
/// assert_eq!(need_part_label("play_area", &terms, Lang::De), "zu wenig Spielfläche");
/// ```
pub fn need_part_label(key: &str, terms: &[SocialTerm], lang: crate::names::Lang) -> String {
    use crate::names::Lang::{De, En};
    let fixed = match (key, lang) {
        ("age_0_5", De) => Some("unversorgte Kinder 0–5"),
        ("age_6_11", De) => Some("unversorgte Kinder 6–11"),
        ("age_12_17", De) => Some("unversorgte Jugendliche 12–17"),
        ("play_area", De) => Some("zu wenig Spielfläche"),
        ("age_0_5", En) => Some("unserved children 0–5"),
        ("age_6_11", En) => Some("unserved children 6–11"),
        ("age_12_17", En) => Some("unserved young people 12–17"),
        ("play_area", En) => Some("too little play area"),
        _ => None,
    };
    if let Some(f) = fixed {
        return f.to_string();
    }
    terms.iter().find(|t| t.key == key).map_or_else(
        || key.to_string(),
        |t| match lang {
            De => t.label_de.clone(),
            En => t.label_en.clone(),
        },
    )
}

/// The social terms of `standards` with the labels of `social`'s indicators (the key where the
/// table lacks one).
pub fn social_terms(standards: &Standards, social: &[model::SocialIndicator]) -> Vec<SocialTerm> {
    standards
        .need
        .social
        .iter()
        .map(|(key, weight)| {
            let found = social.iter().find(|s| &s.key == key);
            SocialTerm {
                key: key.clone(),
                label_de: found.map_or_else(|| key.clone(), |s| s.label_de.clone()),
                label_en: found.map_or_else(|| key.clone(), |s| s.label_en.clone()),
                weight: *weight,
            }
        })
        .collect()
}

/// A point representing a facility: the point itself, or a point inside its area.
fn representative_point(g: &Geometry<f64>) -> Option<Point<f64>> {
    g.interior_point()
}

/// Computes every indicator from precomputed walking distances.
///
/// `reach[i]` lists the facilities unit `i` can reach (any kind; filtering by band,
/// kind, access, area and distance happens here).
///
/// # Examples
/// One neighbourhood, one playground and two homes: 10 under-sixes and 5 children of 6–11 live
/// 150 m from the playground, 30 under-sixes and 15 children of 6–11 live 350 m from it. By
/// DIN 18034 (200 m under 6, 400 m for 6–11) 10 of 40 under-sixes are served (25 %) and all
/// 20 children of 6–11 (100 %); nobody is 12–17, so that share is undefined.
/// ```
/// use geo_types::{Geometry, MultiPolygon, Point, polygon};
/// use model::{AgeBand, City, Facility, FacilityKind, Neighbourhood, OsmId, PopulationSource, PopulationUnit};
/// use spielraum_analysis::{Candidate, Standards, analyze_reach};
///
/// let home = |lon, ages: [f64; 3]| PopulationUnit {
///     location: Point::new(lon, 0.005),
///     residents: ages.iter().sum::<f64>() + 20.0,
///     ages,
///     source: PopulationSource::Points,
/// };
/// let city = City {
///     facilities: vec![Facility {
///         osm_id: OsmId::Node(1),
///         kind: FacilityKind::Playground,
///         name: None,
///         access: None,
///         geometry: Geometry::Point(Point::new(0.005, 0.005)),
///         area_m2: None,
///         opening_hours: None,
///     }],
///     neighbourhoods: vec![Neighbourhood {
///         id: "1".into(),
///         name: "Altstadt".into(),
///         admin_level: None,
///         geometry: MultiPolygon(vec![polygon![
///             (x: 0.0, y: 0.0), (x: 0.01, y: 0.0), (x: 0.01, y: 0.01), (x: 0.0, y: 0.01)
///         ]]),
///         population: None,
///     }],
///     population: vec![home(0.004, [10.0, 5.0, 0.0]), home(0.008, [30.0, 15.0, 0.0])],
///     ..City::default()
/// };
/// // Walking distances as a network search would give them.
/// let at = |distance_m| vec![Candidate { facility: 0, distance_m }];
/// let analysis = analyze_reach(&city, &Standards::default_din18034(), &[at(150.0), at(350.0)])?;
///
/// let altstadt = &analysis.neighbourhoods[0];
/// assert_eq!(altstadt.population, [40.0, 20.0, 0.0]);
/// assert_eq!(altstadt.served_children, [10.0, 20.0, 0.0]);
/// assert_eq!(altstadt.served_share(AgeBand::Age0To5), Some(0.25));
/// assert_eq!(altstadt.served_share(AgeBand::Age6To11), Some(1.0));
/// assert_eq!(altstadt.served_share(AgeBand::Age12To17), None);
/// # Ok::<(), spielraum_analysis::AnalysisError>(())
/// ```
pub fn analyze_reach(
    city: &City,
    standards: &Standards,
    reach: &[Vec<Candidate>],
) -> Result<Analysis, AnalysisError> {
    analyze_reach_weighted(city, standards, reach, &HashSet::new())
}

/// [`analyze_reach`] where the facilities in `full_weight` count at area weight 1 whatever the
/// standard's weight for their kind (a scenario's [`model::scenario::Access::Public`]).
pub fn analyze_reach_weighted(
    city: &City,
    standards: &Standards,
    reach: &[Vec<Candidate>],
    full_weight: &HashSet<OsmId>,
) -> Result<Analysis, AnalysisError> {
    let units = &city.population;
    if reach.len() != units.len() {
        return Err(AnalysisError::ReachLength {
            expected: units.len(),
            got: reach.len(),
        });
    }
    check_social(city, standards)?;
    let nf = city.facilities.len();
    for (unit, list) in reach.iter().enumerate() {
        if let Some(c) = list.iter().find(|c| c.facility >= nf) {
            return Err(AnalysisError::UnknownFacility {
                unit,
                facility: c.facility,
                count: nf,
            });
        }
    }
    Ok(analyze_anchored(city, standards, reach, full_weight, None))
}

/// [`analyze_reach_weighted`] on checked input, with the gap grid at latitude `anchor` (`None`:
/// at the analysis's own, [`crate::gaps::gap_anchor`]).
pub(crate) fn analyze_anchored(
    city: &City,
    standards: &Standards,
    reach: &[Vec<Candidate>],
    full_weight: &HashSet<OsmId>,
    anchor: Option<f64>,
) -> Analysis {
    let (fixed, _, mut out) = indicators_of(city, standards, reach, full_weight);
    let gap = out.gap_per_unit(&city.population);
    let anchor = anchor.unwrap_or_else(|| gap_anchor(&city.population, &gap));
    out.analysis.gap_areas = fixed.gap_map(city, &gap, anchor).areas();
    out.analysis
}

/// The latitude of the gap grid of the analysis of `city` from `reach` ([`gap_anchor`]).
pub(crate) fn gap_anchor_of(city: &City, standards: &Standards, reach: &[Vec<Candidate>]) -> f64 {
    let (_, _, out) = indicators_of(city, standards, reach, &HashSet::new());
    gap_anchor(&city.population, &out.gap_per_unit(&city.population))
}

/// The indicators (gap areas left empty) of `city`'s own facilities from `reach`, with what
/// they were computed from: where units live, the facilities' facts.
pub(crate) fn indicators_of(
    city: &City,
    standards: &Standards,
    reach: &[Vec<Candidate>],
    full_weight: &HashSet<OsmId>,
) -> (Fixed, FacilityFacts, Indicators) {
    let fixed = Fixed::new(city);
    let facts = FacilityFacts::new(&city.facilities, standards, full_weight, &fixed.locator);
    let view = |i: usize, f: &mut dyn FnMut(Candidate)| reach[i].iter().for_each(|c| f(*c));
    let out = indicators(city, &fixed, &facts, standards, &view, &city.facilities);
    (fixed, facts, out)
}

/// The effective area of a facility: the standard's, or weight 1 when it is in `full_weight`.
pub fn weighted_area_m2(
    standards: &Standards,
    facility: &Facility,
    full_weight: &HashSet<OsmId>,
) -> f64 {
    if full_weight.contains(&facility.osm_id) {
        facility.area_m2.unwrap_or(standards.point_area_m2)
    } else {
        standards.effective_area_m2(facility)
    }
}

/// What does not change between scenarios of one city: units, neighbourhoods, where units live.
pub(crate) struct Fixed {
    pub locator: AreaLocator,
    /// The neighbourhood of each population unit.
    pub home: Vec<Option<usize>>,
    /// The units of each neighbourhood, ascending.
    pub units_of: Vec<Vec<u32>>,
}

impl Fixed {
    pub fn new(city: &City) -> Self {
        let locator = AreaLocator::new(city.neighbourhoods.iter().map(|n| &n.geometry));
        let home = city
            .population
            .par_iter()
            .map(|u| locator.locate(u.location))
            .collect::<Vec<_>>();
        let mut units_of = vec![Vec::new(); city.neighbourhoods.len()];
        for (i, n) in home.iter().enumerate() {
            if let Some(n) = n {
                units_of[*n].push(i as u32);
            }
        }
        Fixed {
            locator,
            home,
            units_of,
        }
    }

    /// What the gap areas look up.
    pub fn gap_inputs<'a>(&'a self, city: &'a City) -> GapInputs<'a> {
        GapInputs {
            units: &city.population,
            home: &self.home,
            neighbourhoods: &city.neighbourhoods,
        }
    }

    /// Gap areas from the unserved children per unit, on the grid at latitude `anchor`.
    pub fn gap_map(&self, city: &City, gap_per_unit: &[[f64; 3]], anchor: f64) -> GapMap {
        GapGrid::new(&city.population, anchor).map(&self.gap_inputs(city), &|i| gap_per_unit[i])
    }
}

/// Per-facility inputs of the indicators, in the order of a facility list.
#[derive(Debug, Clone, Default)]
pub(crate) struct FacilityFacts {
    /// Effective (weighted) area, m².
    pub area: Vec<f64>,
    /// Public and of a kind whose area counts as net play area: the neighbourhood holding its
    /// representative point.
    pub play_area_home: Vec<Option<usize>>,
}

impl FacilityFacts {
    pub fn new(
        facilities: &[Facility],
        standards: &Standards,
        full_weight: &HashSet<OsmId>,
        locator: &AreaLocator,
    ) -> Self {
        let mut facts = FacilityFacts::default();
        for f in facilities {
            facts.push(f, standards, full_weight, locator);
        }
        facts
    }

    /// Appends the facts of one facility.
    pub fn push(
        &mut self,
        f: &Facility,
        standards: &Standards,
        full_weight: &HashSet<OsmId>,
        locator: &AreaLocator,
    ) {
        self.area.push(weighted_area_m2(standards, f, full_weight));
        let counts = f.is_public() && standards.play_area.kinds.contains(&f.kind);
        self.play_area_home.push(if counts {
            representative_point(&f.geometry).and_then(|p| locator.locate(p))
        } else {
            None
        });
    }
}

/// What one unit contributes: per band whether a facility serves it, and the sum of the 2SFCA
/// ratios of the facilities that do (A_ib).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct UnitValues {
    pub served: [bool; 3],
    pub access: [f64; 3],
}

impl UnitValues {
    /// The unserved children of `unit` per band.
    pub fn gap(&self, unit: &PopulationUnit) -> [f64; 3] {
        std::array::from_fn(|b| if self.served[b] { 0.0 } else { unit.ages[b] })
    }
}

/// The rules of one analysis over one facility list: whether a candidate serves a band.
pub(crate) struct Rules<'a> {
    pub facilities: &'a [Facility],
    pub facts: &'a FacilityFacts,
    pub bands: &'a [BandRule],
}

impl Rules<'_> {
    /// Whether candidate `c` serves band `b`.
    pub fn serves(&self, b: usize, c: &Candidate) -> bool {
        let f = &self.facilities[c.facility];
        f.is_public() && self.bands[b].serves(f.kind, self.facts.area[c.facility], c.distance_m)
    }

    /// 2SFCA step 1 for one facility: its area ÷ the children (all bands) it serves, from the
    /// (unit, candidate) pairs of its catchment in ascending unit order (0 without children).
    pub fn ratio(
        &self,
        facility: usize,
        catchment: &[(u32, Candidate)],
        units: &[PopulationUnit],
    ) -> f64 {
        let mut demand = 0.0;
        for b in 0..3 {
            for (u, c) in catchment {
                if self.serves(b, c) {
                    demand += units[*u as usize].ages[b];
                }
            }
        }
        supply_ratio(self.facts.area[facility], demand)
    }

    /// The values of a unit from the candidates `each` calls back with.
    pub fn unit(&self, each: &mut Candidates, ratio: &[f64]) -> UnitValues {
        let mut v = UnitValues::default();
        each(&mut |c| {
            for b in 0..3 {
                if self.serves(b, &c) {
                    v.served[b] = true;
                    v.access[b] += ratio[c.facility];
                }
            }
        });
        v
    }
}

/// Calls back with each candidate of one unit.
pub(crate) type Candidates<'a> = dyn FnMut(&mut dyn FnMut(Candidate)) + 'a;

/// 2SFCA step 1: area ÷ demand (0 without demand).
fn supply_ratio(area: f64, demand: f64) -> f64 {
    if demand > 0.0 { area / demand } else { 0.0 }
}

/// Adds a unit to its neighbourhood's row and to the row's Σ c_ib · A_ib.
pub(crate) fn add_to_row(
    row: &mut NeighbourhoodIndicators,
    access_sum: &mut [f64; 3],
    unit: &PopulationUnit,
    v: &UnitValues,
) {
    row.population_total += unit.residents;
    for (b, sum) in access_sum.iter_mut().enumerate() {
        row.population[b] += unit.ages[b];
        if v.served[b] {
            row.served_children[b] += unit.ages[b];
        } else {
            row.gap_children[b] += unit.ages[b];
        }
        *sum += unit.ages[b] * v.access[b];
    }
}

/// The 2SFCA values of a row from its Σ c_ib · A_ib (2SFCA step 2, aggregated).
pub(crate) fn finish_row(row: &mut NeighbourhoodIndicators, sums: &[f64; 3]) {
    row.play_area_m2_per_child_2sfca_by_band =
        std::array::from_fn(|b| (row.population[b] > 0.0).then(|| sums[b] / row.population[b]));
    let children = row.children();
    row.play_area_m2_per_child_2sfca =
        (children > 0.0).then(|| sums.iter().sum::<f64>() / children);
}

/// Net play area: public facilities of the play-area kinds, by their interior point (rows' play
/// area set from scratch).
pub(crate) fn set_play_area(rows: &mut [NeighbourhoodIndicators], facts: &FacilityFacts) {
    for row in rows.iter_mut() {
        row.play_area_m2 = 0.0;
    }
    for (n, a) in facts.play_area_home.iter().zip(&facts.area) {
        if let Some(n) = n {
            rows[*n].play_area_m2 += a;
        }
    }
}

/// The import's metadata key listing (one per line) the facilities whose `area_m2` is an
/// inventory's net play area; present only when the city was imported with an inventory.
pub const NET_AREA_FACILITIES: &str = "net_area_facilities";

/// The facilities whose area is a net play area, if the city has an inventory.
fn net_area_ids(metadata: &[(String, String)]) -> Option<HashSet<OsmId>> {
    let (_, v) = metadata.iter().find(|(k, _)| k == NET_AREA_FACILITIES)?;
    Some(v.lines().filter_map(|l| l.trim().parse().ok()).collect())
}

/// The part of each row's play area that is net play area from an inventory (rows left
/// `None` when the city has none).
pub(crate) fn set_net_play_area(
    rows: &mut [NeighbourhoodIndicators],
    facts: &FacilityFacts,
    facilities: &[Facility],
    metadata: &[(String, String)],
) {
    let Some(net) = net_area_ids(metadata) else {
        return;
    };
    for row in rows.iter_mut() {
        row.play_area_net_m2 = Some(0.0);
    }
    for ((n, a), f) in facts.play_area_home.iter().zip(&facts.area).zip(facilities) {
        if let (Some(n), true) = (n, net.contains(&f.osm_id))
            && let Some(sum) = &mut rows[*n].play_area_net_m2
        {
            *sum += a;
        }
    }
}

/// The indicators without gap areas, each unit's values and the 2SFCA ratio of each facility.
pub(crate) struct Indicators {
    pub analysis: Analysis,
    pub units: Vec<UnitValues>,
    pub ratio: Vec<f64>,
}

impl Indicators {
    /// Each unit's unserved children per band.
    pub fn gap_per_unit(&self, units: &[PopulationUnit]) -> Vec<[f64; 3]> {
        self.units
            .iter()
            .zip(units)
            .map(|(v, u)| v.gap(u))
            .collect()
    }
}

/// Calls `f` for every facility unit `i` can reach.
pub(crate) type ReachView<'a> = dyn Fn(usize, &mut dyn FnMut(Candidate)) + Sync + 'a;

/// The arithmetic of docs/methods.md over any facility list and reach lists (gap areas left empty).
pub(crate) fn indicators(
    city: &City,
    fixed: &Fixed,
    facts: &FacilityFacts,
    standards: &Standards,
    reach: &ReachView,
    facilities: &[Facility],
) -> Indicators {
    let units = &city.population;
    let rules = Rules {
        facilities,
        facts,
        bands: &standards.bands,
    };

    // 2SFCA step 1: R_j = area_j ÷ children (all bands) whose catchment holds j.
    let mut demand = vec![0.0; facilities.len()];
    for b in 0..3 {
        for (i, unit) in units.iter().enumerate() {
            reach(i, &mut |c| {
                if rules.serves(b, &c) {
                    demand[c.facility] += unit.ages[b];
                }
            });
        }
    }
    let ratio: Vec<f64> = facts
        .area
        .iter()
        .zip(&demand)
        .map(|(a, d)| supply_ratio(*a, *d))
        .collect();

    let mut rows: Vec<NeighbourhoodIndicators> = city
        .neighbourhoods
        .iter()
        .map(|n| NeighbourhoodIndicators::empty(n.id.clone(), n.name.clone(), n.geometry.clone()))
        .collect();
    let mut access_sum = vec![[0.0; 3]; rows.len()];
    let mut unassigned_residents = 0.0;
    let values: Vec<UnitValues> = (0..units.len())
        .into_par_iter()
        .map(|i| rules.unit(&mut |f| reach(i, f), &ratio))
        .collect();
    for (i, (unit, v)) in units.iter().zip(&values).enumerate() {
        match fixed.home[i] {
            Some(n) => add_to_row(&mut rows[n], &mut access_sum[n], unit, v),
            None => unassigned_residents += unit.residents,
        }
    }
    for (row, sums) in rows.iter_mut().zip(&access_sum) {
        finish_row(row, sums);
    }
    set_play_area(&mut rows, facts);
    set_net_play_area(&mut rows, facts, facilities, &city.metadata);
    rank_need(&mut rows, standards, &city.social);
    Indicators {
        analysis: Analysis {
            standard: standards.name.clone(),
            standard_title: standards.title.clone(),
            neighbourhoods: rows,
            gap_areas: Vec::new(),
            unassigned_residents,
            metadata: city.metadata.clone(),
            social_terms: social_terms(standards, &city.social),
        },
        units: values,
        ratio,
    }
}

/// Need score (docs/methods.md): the weighted mean of each band's gap share, the
/// play-area deficit `max(0, 1 − area per resident ÷ target)` and the weighed social
/// indicators (a share; 0 where a neighbourhood has no value, listed in `social_missing`),
/// with each weighted part kept in `need_parts`; rank 1 = highest score, ties broken by more
/// gap children, then by id.
pub(crate) fn rank_need(
    rows: &mut [NeighbourhoodIndicators],
    standards: &Standards,
    social: &[model::SocialIndicator],
) {
    let w = &standards.need;
    let target = standards.play_area.target_m2_per_resident;
    let weighed: Vec<(&str, f64, Option<&model::SocialIndicator>)> = w
        .social
        .iter()
        .map(|(k, wk)| (k.as_str(), *wk, social.iter().find(|s| &s.key == k)))
        .collect();
    let weight_sum = w.bands.iter().sum::<f64>()
        + if target.is_some() { w.play_area } else { 0.0 }
        + weighed.iter().map(|(_, wk, _)| wk).sum::<f64>();
    let share = |x: f64| {
        if weight_sum > 0.0 {
            x / weight_sum
        } else {
            0.0
        }
    };
    for row in rows.iter_mut() {
        let mut s = 0.0;
        let mut parts = Vec::with_capacity(4 + weighed.len());
        for (b, band) in AgeBand::ALL.iter().enumerate() {
            let mut term = 0.0;
            if row.population[b] > 0.0 {
                term = w.bands[b] * row.gap_children[b] / row.population[b];
                s += term;
            }
            parts.push((band.as_str().to_string(), share(term)));
        }
        if let Some(t) = target {
            let mut term = 0.0;
            if let Some(per_resident) = row.play_area_m2_per_resident() {
                term = w.play_area * (1.0 - per_resident / t).max(0.0);
                s += term;
            }
            parts.push(("play_area".to_string(), share(term)));
        }
        row.social_missing.clear();
        for (key, wk, indicator) in &weighed {
            let value = indicator.and_then(|i| i.values.get(&row.id));
            if value.is_none() {
                row.social_missing.push(key.to_string());
            }
            let term = wk * value.copied().unwrap_or(0.0);
            s += term;
            parts.push((key.to_string(), share(term)));
        }
        row.need_score = share(s);
        row.need_parts = parts;
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        let gap = |r: &NeighbourhoodIndicators| r.gap_children.iter().sum::<f64>();
        rb.need_score
            .total_cmp(&ra.need_score)
            .then(gap(rb).total_cmp(&gap(ra)))
            .then(ra.id.cmp(&rb.id))
    });
    for (rank, i) in order.into_iter().enumerate() {
        rows[i].need_rank = rank + 1;
    }
}
