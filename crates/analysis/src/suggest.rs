//! Location suggestions: choose k candidate sites for a new facility that together serve the most
//! children who are unserved today (maximal covering location problem).
//!
//! Greedy with lazy evaluation (CELF) picks the sites; an exhaustive solver for small instances
//! checks it. The objective and the (1 − 1/e) bound are explained in docs/methods.md.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use geo_types::Geometry;
use model::scenario::{Access, CandidateSite, PlannedFacility};
use model::{AgeBand, City, Facility, FacilityKind, OsmId};
use network::{Origins, ReverseSearch, WalkGraph};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::engine_error::ScenarioEngineError;
use crate::names::{Lang, Streets, point_on, site_label};
use crate::standards::Standards;

/// Area assumed for a new facility on a polygon site when none is given: the site's own area,
/// at most this (m²). A playground rarely fills a whole field.
pub const MAX_DEFAULT_SITE_AREA_M2: f64 = 5000.0;

/// What to suggest.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestOptions {
    /// The kind of the new facility.
    pub kind: FacilityKind,
    /// How many sites to choose (≥ 1).
    pub count: usize,
    /// Net area assumed for the new facility at every site, m². `None`: the site's area capped at
    /// [`MAX_DEFAULT_SITE_AREA_M2`]; for point sites (area 0) the standard's `point_area_m2`.
    pub area_m2: Option<f64>,
}

/// One suggested site.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// 1 = chosen first (gains the most).
    pub rank: usize,
    /// The site.
    pub site: CandidateSite,
    /// The kind of the facility evaluated there.
    pub kind: FacilityKind,
    /// The net area evaluated there, m² (`--area`, else the site's capped area, else the
    /// standard's `point_area_m2`): what [`Suggestion::planned`] plans.
    pub area_m2: f64,
    /// Children per band ([`AgeBand::index`]) unserved in the base who a facility here would serve
    /// and no higher-ranked suggestion serves already.
    pub gained: [f64; 3],
    /// Children per band unserved in the base who a facility here would serve, this site alone:
    /// what a scenario of exactly [`Suggestion::planned`] gains (`totals.gained` of its
    /// comparison). Equals `gained` for rank 1.
    pub gained_alone: [f64; 3],
    /// Id and name of the neighbourhood where most of `gained` live.
    pub neighbourhood: Option<(String, String)>,
}

impl Suggestion {
    /// Children gained, all bands.
    pub fn total(&self) -> f64 {
        self.gained.iter().sum()
    }

    /// The exact facility that was evaluated, as a scenario's add edit: the site's geometry,
    /// the evaluated area, public, named `name`.
    pub fn planned(&self, name: Option<String>) -> PlannedFacility {
        PlannedFacility {
            kind: self.kind,
            name,
            geometry: self.site.geometry.clone(),
            area_m2: Some(self.area_m2),
            access: Access::Public,
        }
    }
}

/// A weighted set-cover instance: elements with weights, and for each site the elements it covers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    /// Weight of each element (children of one band in one population unit).
    pub weights: Vec<f64>,
    /// For each site, the elements it covers (indices into `weights`, each at most once).
    pub sets: Vec<Vec<u32>>,
}

impl Coverage {
    /// Total weight covered by the sites `chosen`.
    pub fn value(&self, chosen: &[usize]) -> f64 {
        let mut covered = vec![false; self.weights.len()];
        chosen
            .iter()
            .flat_map(|&s| &self.sets[s])
            .filter_map(|&e| (!std::mem::replace(&mut covered[e as usize], true)).then_some(e))
            .map(|e| self.weights[e as usize])
            .sum()
    }

    /// Weight of the elements of `set` not yet covered.
    fn gain(&self, set: usize, covered: &[bool]) -> f64 {
        self.sets[set]
            .iter()
            .filter(|&&e| !covered[e as usize])
            .map(|&e| self.weights[e as usize])
            .sum()
    }

    fn cover(&self, set: usize, covered: &mut [bool]) {
        for &e in &self.sets[set] {
            covered[e as usize] = true;
        }
    }

    /// Plain greedy: `k` times, the site with the largest gain (ties: smallest index).
    /// Returns the sites in the order chosen (fewer when there are fewer sites).
    pub fn greedy(&self, k: usize) -> Vec<usize> {
        let mut covered = vec![false; self.weights.len()];
        let mut chosen: Vec<usize> = Vec::new();
        for _ in 0..k.min(self.sets.len()) {
            let mut best: Option<(f64, usize)> = None;
            for s in 0..self.sets.len() {
                if chosen.contains(&s) {
                    continue;
                }
                let g = self.gain(s, &covered);
                if best.is_none_or(|(bg, _)| g > bg) {
                    best = Some((g, s));
                }
            }
            let Some((_, s)) = best else { break };
            self.cover(s, &mut covered);
            chosen.push(s);
        }
        chosen
    }

    /// Lazy greedy (CELF): the same choice as [`Coverage::greedy`], re-evaluating a site's gain
    /// only when its stale upper bound is at the top of the queue (gains only shrink).
    pub fn lazy_greedy(&self, k: usize) -> Vec<usize> {
        let mut covered = vec![false; self.weights.len()];
        let mut heap: BinaryHeap<Bound> = (0..self.sets.len())
            .map(|s| Bound {
                gain: self.gain(s, &covered),
                site: s,
                round: 0,
            })
            .collect();
        let mut chosen = Vec::new();
        while chosen.len() < k {
            let Some(top) = heap.pop() else { break };
            if top.round == chosen.len() {
                self.cover(top.site, &mut covered);
                chosen.push(top.site);
            } else {
                heap.push(Bound {
                    gain: self.gain(top.site, &covered),
                    site: top.site,
                    round: chosen.len(),
                });
            }
        }
        chosen
    }

    /// The best `k` sites by exhaustive search over all subsets of size `min(k, sites)` (ties: the
    /// lexicographically smallest). Exponential: for checking on small instances only.
    pub fn exact(&self, k: usize) -> Vec<usize> {
        let n = self.sets.len();
        let k = k.min(n);
        let mut best: (f64, Vec<usize>) = (f64::NEG_INFINITY, Vec::new());
        let mut subset: Vec<usize> = (0..k).collect();
        loop {
            let v = self.value(&subset);
            if v > best.0 {
                best = (v, subset.clone());
            }
            // Next k-combination in lexicographic order.
            let Some(i) = (0..k).rev().find(|&i| subset[i] < n - k + i) else {
                break;
            };
            subset[i] += 1;
            for j in i + 1..k {
                subset[j] = subset[j - 1] + 1;
            }
        }
        best.1
    }
}

/// A site's gain as last evaluated (in round `round` = number of sites chosen then).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound {
    gain: f64,
    site: usize,
    round: usize,
}

impl Eq for Bound {}
impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bound {
    /// Largest gain first, then smallest site index.
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then(other.site.cmp(&self.site))
    }
}

/// The facility a site would get.
fn planned_facility(
    site: &CandidateSite,
    index: usize,
    options: &SuggestOptions,
    point_area_m2: f64,
) -> Facility {
    let area = options.area_m2.unwrap_or(if site.area_m2 > 0.0 {
        site.area_m2.min(MAX_DEFAULT_SITE_AREA_M2)
    } else {
        point_area_m2
    });
    let id = -(index as i64) - 1;
    Facility {
        osm_id: match site.geometry {
            Geometry::Point(_) => OsmId::Node(id),
            _ => OsmId::Way(id),
        },
        kind: options.kind,
        name: site.name.clone(),
        access: Some("yes".into()),
        geometry: site.geometry.clone(),
        area_m2: Some(area),
        opening_hours: None,
    }
}

/// What a suggestion reads of the base analysis (lent by [`crate::ScenarioEngine::suggest`]).
pub(crate) struct SuggestBase<'a> {
    /// The city.
    pub city: &'a City,
    /// Its walking graph.
    pub graph: &'a WalkGraph,
    /// Its population units snapped to `graph`.
    pub units: &'a Origins,
    /// The standard.
    pub standards: &'a Standards,
    /// The neighbourhood of each unit.
    pub home: &'a [Option<usize>],
    /// Unserved children per unit and band in the base.
    pub base_gap: &'a [[f64; 3]],
}

/// See [`crate::ScenarioEngine::suggest`]. Elements are (unit, band) with weight = the unit's children
/// of that band, for units unserved in that band today; a site covers an element when a public
/// facility of `kind` there (area at weight 1, as a planned public facility in a scenario) would
/// serve the band by the standard's rules.
pub(crate) fn suggest(
    base: &SuggestBase<'_>,
    sites: &[CandidateSite],
    options: &SuggestOptions,
) -> Result<Vec<Suggestion>, ScenarioEngineError> {
    let standards = base.standards;
    if options.count == 0 {
        return Err(ScenarioEngineError::InvalidCount(0));
    }
    if let Some(a) = options.area_m2
        && !(a.is_finite() && a >= 0.0)
    {
        return Err(ScenarioEngineError::InvalidArea(a));
    }
    let bands: Vec<AgeBand> = AgeBand::ALL
        .into_iter()
        .filter(|b| standards.band(*b).kinds.contains(&options.kind))
        .collect();
    if bands.is_empty() {
        return Err(ScenarioEngineError::KindServesNoBand {
            kind: options.kind,
            standard: standards.name.clone(),
        });
    }
    let max_m = bands
        .iter()
        .map(|b| standards.band(*b).catchment_m())
        .fold(0.0, f64::max);
    // Children outside every neighbourhood count in no indicator and no comparison, so not
    // here either: a suggestion's gain is what a scenario of it shows. (A city without any
    // neighbourhood has no comparison rows; there every child counts.)
    let everyone = base.city.neighbourhoods.is_empty();
    let weights: Vec<f64> = base
        .base_gap
        .iter()
        .zip(base.home)
        .flat_map(|(g, home)| g.map(|c| if home.is_some() || everyone { c } else { 0.0 }))
        .collect();
    // One search state per thread, reused for every site (allocating it per site costs more
    // than the search itself on a large city).
    let sets: Vec<Vec<u32>> = sites
        .par_iter()
        .enumerate()
        .map_init(
            || (ReverseSearch::new(base.graph, base.units), Vec::new()),
            |(scratch, hits), (i, site)| {
                let f = planned_facility(site, i, options, standards.point_area_m2);
                let area = f.area_m2.unwrap_or(0.0);
                let mut set = Vec::new();
                let region: Vec<_> = network::area_of(&f).into_iter().collect();
                let access = network::access_points(&f);
                base.units
                    .reaching_with(base.graph, scratch, &access, &region, max_m, hits);
                for &(u, d) in hits.iter() {
                    for b in &bands {
                        let e = u as usize * 3 + b.index();
                        if weights[e] > 0.0 && standards.band(*b).serves(options.kind, area, d) {
                            set.push(e as u32);
                        }
                    }
                }
                set
            },
        )
        .collect();
    let coverage = Coverage { weights, sets };
    let chosen = coverage.lazy_greedy(options.count);
    let (city, home) = (base.city, base.home);
    let mut covered = vec![false; coverage.weights.len()];
    let mut out = Vec::with_capacity(chosen.len());
    for (rank, &s) in chosen.iter().enumerate() {
        let mut gained = [0.0; 3];
        let mut gained_alone = [0.0; 3];
        for &e in &coverage.sets[s] {
            gained_alone[e as usize % 3] += coverage.weights[e as usize];
        }
        let mut per_neighbourhood = vec![0.0; city.neighbourhoods.len()];
        for &e in &coverage.sets[s] {
            if std::mem::replace(&mut covered[e as usize], true) {
                continue;
            }
            let (u, b) = (e as usize / 3, e as usize % 3);
            let w = coverage.weights[e as usize];
            gained[b] += w;
            if let Some(n) = home[u] {
                per_neighbourhood[n] += w;
            }
        }
        let neighbourhood = per_neighbourhood
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0.0)
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(n, _)| {
                let n = &city.neighbourhoods[n];
                (n.id.clone(), n.name.clone())
            });
        let area_m2 = planned_facility(&sites[s], s, options, standards.point_area_m2)
            .area_m2
            .unwrap_or(0.0);
        out.push(Suggestion {
            rank: rank + 1,
            site: sites[s].clone(),
            kind: options.kind,
            area_m2,
            gained,
            gained_alone,
            neighbourhood,
        });
    }
    Ok(out)
}

/// The suggestions as JSON: `{"suggestions": [{"rank", "site_id", "source", "name", "label",
/// "lon", "lat", "area_m2", "gained": {"total", "age_0_5", …}, "gained_alone": {…},
/// "neighbourhood": {"id", "name"} | null, "edit": {"op": "add", "kind", "name", "area_m2",
/// "access", "geometry"}}]}` (children rounded to 1 decimal; `lon`/`lat` a point on the site;
/// `area_m2` the site's own area, the evaluated area is the edit's). `label` names the site for
/// people in `lang` ([`crate::names::site_label`]); `edit` is exactly the facility evaluated,
/// named by the label, in the API's edit format with the geometry at full precision.
pub fn suggestions_json(suggestions: &[Suggestion], streets: &Streets, lang: Lang) -> Value {
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let bands = |g: &[f64; 3]| {
        let mut m = serde_json::Map::new();
        m.insert("total".into(), json!(round(g.iter().sum())));
        for b in AgeBand::ALL {
            m.insert(b.as_str().into(), json!(round(g[b.index()])));
        }
        Value::Object(m)
    };
    let items: Vec<Value> = suggestions
        .iter()
        .map(|s| {
            let point = point_on(&s.site.geometry);
            let area = s.neighbourhood.as_ref().map(|(_, name)| name.as_str());
            let label = site_label(&s.site, streets, area, lang);
            let planned = s.planned(Some(label.clone()));
            json!({
                "rank": s.rank,
                "site_id": s.site.id,
                "source": s.site.source,
                "name": s.site.name,
                "label": label,
                "lon": point.map(|p| (p.x * 1e6).round() / 1e6),
                "lat": point.map(|p| (p.y * 1e6).round() / 1e6),
                "area_m2": round(s.site.area_m2),
                "gained": bands(&s.gained),
                "gained_alone": bands(&s.gained_alone),
                "neighbourhood": s.neighbourhood.as_ref().map(|(id, name)| json!({"id": id, "name": name})),
                "edit": {
                    "op": "add",
                    "kind": planned.kind.as_str(),
                    "name": planned.name,
                    "area_m2": planned.area_m2,
                    "access": planned.access.as_str(),
                    "geometry": geojson::Geometry::from(geojson::GeometryValue::from(&planned.geometry)),
                },
            })
        })
        .collect();
    json!({ "suggestions": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_can_miss_the_optimum_by_hand() {
        // Elements 0..6 of weight 1. Site 0 covers {0,1,2,3} (4), site 1 {0,1,4} (3),
        // site 2 {2,3,5} (3). Greedy takes site 0 first (4), then site 1 or 2 adds 1: total 5.
        // The best pair is {1, 2}: 6 elements.
        let c = Coverage {
            weights: vec![1.0; 6],
            sets: vec![vec![0, 1, 2, 3], vec![0, 1, 4], vec![2, 3, 5]],
        };
        assert_eq!(c.greedy(2), vec![0, 1]);
        assert_eq!(c.lazy_greedy(2), vec![0, 1]);
        assert_eq!(c.value(&c.greedy(2)), 5.0);
        assert_eq!(c.exact(2), vec![1, 2]);
        assert_eq!(c.value(&c.exact(2)), 6.0);
    }
}
