//! Indicators per neighbourhood from walking distances: served shares, gaps, play area, 2SFCA, need.
//!
//! Owns the arithmetic of docs/methods.md; walking distances come in as a [`Reach`] list.

use geo::InteriorPoint;
use geo_types::{Geometry, MultiPolygon, Point};
use model::index::AreaLocator;
use model::{AgeBand, City};

use std::collections::HashSet;

use model::{Facility, OsmId};

use crate::gaps::{GapArea, gap_areas};
use crate::standards::Standards;

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
    /// 2SFCA: child-weighted mean of the area each child can claim, per band (m²).
    pub play_area_m2_per_child_2sfca_by_band: [Option<f64>; 3],
    /// 2SFCA over all children (m²).
    pub play_area_m2_per_child_2sfca: Option<f64>,
    /// Need score in [0, 1] (docs/methods.md).
    pub need_score: f64,
    /// 1 = most need.
    pub need_rank: usize,
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
            play_area_m2_per_child_2sfca_by_band: [None; 3],
            play_area_m2_per_child_2sfca: None,
            need_score: 0.0,
            need_rank: 0,
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
    let fixed = Fixed::new(city);
    let facts = FacilityFacts::new(&city.facilities, standards, full_weight, &fixed.locator);
    let view = |i: usize, f: &mut dyn FnMut(Candidate)| reach[i].iter().for_each(|c| f(*c));
    let mut out = indicators(city, &fixed, &facts, standards, &view, &city.facilities);
    out.analysis.gap_areas = fixed.gap_areas(city, &out.gap_per_unit);
    Ok(out.analysis)
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
}

impl Fixed {
    pub fn new(city: &City) -> Self {
        let locator = AreaLocator::new(city.neighbourhoods.iter().map(|n| &n.geometry));
        let home = city
            .population
            .iter()
            .map(|u| locator.locate(u.location))
            .collect();
        Fixed { locator, home }
    }

    /// Gap areas from the unserved children per unit.
    pub fn gap_areas(&self, city: &City, gap_per_unit: &[[f64; 3]]) -> Vec<GapArea> {
        gap_areas(
            &city.population,
            gap_per_unit,
            &self.home,
            &city.neighbourhoods,
        )
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

/// The indicators without gap areas, and each unit's unserved children per band.
pub(crate) struct Indicators {
    pub analysis: Analysis,
    pub gap_per_unit: Vec<[f64; 3]>,
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
    let nf = facilities.len();
    let rules = standards.bands.clone();
    // Whether facility `c` serves band `b` of the unit.
    let serves = |b: usize, c: &Candidate| {
        let f = &facilities[c.facility];
        f.is_public() && rules[b].serves(f.kind, facts.area[c.facility], c.distance_m)
    };

    // 2SFCA step 1: R_j = area_j ÷ children (all bands) whose catchment holds j.
    let mut demand = vec![0.0; nf];
    for b in 0..3 {
        for (i, unit) in units.iter().enumerate() {
            reach(i, &mut |c| {
                if serves(b, &c) {
                    demand[c.facility] += unit.ages[b];
                }
            });
        }
    }
    let ratio: Vec<f64> = facts
        .area
        .iter()
        .zip(&demand)
        .map(|(a, d)| if *d > 0.0 { a / d } else { 0.0 })
        .collect();

    let mut rows: Vec<NeighbourhoodIndicators> = city
        .neighbourhoods
        .iter()
        .map(|n| NeighbourhoodIndicators::empty(n.id.clone(), n.name.clone(), n.geometry.clone()))
        .collect();
    // Σ c_ib · A_ib per neighbourhood and band (2SFCA step 2, aggregated).
    let mut access_sum = vec![[0.0; 3]; rows.len()];
    let mut unassigned_residents = 0.0;
    let mut gap_per_unit: Vec<[f64; 3]> = vec![[0.0; 3]; units.len()];
    for (i, unit) in units.iter().enumerate() {
        let mut served = [false; 3];
        let mut a_i = [0.0; 3];
        reach(i, &mut |c| {
            for b in 0..3 {
                if serves(b, &c) {
                    served[b] = true;
                    a_i[b] += ratio[c.facility];
                }
            }
        });
        for b in 0..3 {
            if !served[b] {
                gap_per_unit[i][b] = unit.ages[b];
            }
        }
        let Some(n) = fixed.home[i] else {
            unassigned_residents += unit.residents;
            continue;
        };
        let row = &mut rows[n];
        row.population_total += unit.residents;
        for b in 0..3 {
            row.population[b] += unit.ages[b];
            if served[b] {
                row.served_children[b] += unit.ages[b];
            } else {
                row.gap_children[b] += unit.ages[b];
            }
            access_sum[n][b] += unit.ages[b] * a_i[b];
        }
    }
    for (row, sums) in rows.iter_mut().zip(&access_sum) {
        row.play_area_m2_per_child_2sfca_by_band =
            std::array::from_fn(|b| (row.population[b] > 0.0).then(|| sums[b] / row.population[b]));
        let children = row.children();
        row.play_area_m2_per_child_2sfca =
            (children > 0.0).then(|| sums.iter().sum::<f64>() / children);
    }

    // Net play area: public facilities of the play-area kinds, by their interior point.
    for (n, a) in facts.play_area_home.iter().zip(&facts.area) {
        if let Some(n) = n {
            rows[*n].play_area_m2 += a;
        }
    }

    rank_need(&mut rows, standards);
    Indicators {
        analysis: Analysis {
            standard: standards.name.clone(),
            standard_title: standards.title.clone(),
            neighbourhoods: rows,
            gap_areas: Vec::new(),
            unassigned_residents,
            metadata: city.metadata.clone(),
        },
        gap_per_unit,
    }
}

/// Need score (docs/methods.md): the weighted mean of each band's gap share and the
/// play-area deficit `max(0, 1 − area per resident ÷ target)`; rank 1 = highest score,
/// ties broken by more gap children, then by id.
fn rank_need(rows: &mut [NeighbourhoodIndicators], standards: &Standards) {
    let w = &standards.need;
    let target = standards.play_area.target_m2_per_resident;
    let weight_sum = w.bands.iter().sum::<f64>() + if target.is_some() { w.play_area } else { 0.0 };
    for row in rows.iter_mut() {
        let mut s = 0.0;
        for b in 0..3 {
            if row.population[b] > 0.0 {
                s += w.bands[b] * row.gap_children[b] / row.population[b];
            }
        }
        if let (Some(t), Some(per_resident)) = (target, row.play_area_m2_per_resident()) {
            s += w.play_area * (1.0 - per_resident / t).max(0.0);
        }
        row.need_score = if weight_sum > 0.0 {
            s / weight_sum
        } else {
            0.0
        };
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
