//! Gap areas: unserved children clustered into 100 m cells, contiguous cells merged and ranked.
//!
//! Owns the local grid (equirectangular around the gaps' mean latitude) and the cell clustering.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use geo::unary_union;
use geo_types::{MultiPolygon, Point, Polygon, Rect};
use model::geodesy::EARTH_RADIUS_M;
use model::{Neighbourhood, PopulationUnit};
use rayon::prelude::*;

/// Edge length of the gap grid's cells in metres.
pub const GAP_CELL_M: f64 = 100.0;

/// A cluster of contiguous (8-neighbourhood) cells where unserved children live.
#[derive(Debug, Clone, PartialEq)]
pub struct GapArea {
    /// 1 = most unserved children (all bands).
    pub rank: usize,
    /// Rank by each band's unserved children alone (ties: overall rank), indexed by `AgeBand::index`.
    pub rank_by_band: [usize; 3],
    /// Unserved children per band.
    pub gap_children: [f64; 3],
    /// Number of 100 m cells.
    pub cells: usize,
    /// Ids of the neighbourhoods its children live in.
    pub neighbourhoods: Vec<String>,
    /// Union of the cells, WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
    /// A representative point (centre of the cell with most gap children), lon/lat.
    pub centre: Point<f64>,
}

impl GapArea {
    /// Unserved children, all bands.
    pub fn total(&self) -> f64 {
        self.gap_children.iter().sum()
    }
}

#[derive(Default)]
struct Cell {
    gap: [f64; 3],
    neighbourhoods: BTreeSet<usize>,
}

/// The local grid: metres east/north of the origin, scaled at latitude `lat0`.
struct Grid {
    cos_lat0: f64,
}

impl Grid {
    fn metres_per_degree(&self) -> (f64, f64) {
        let m = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        (m * self.cos_lat0, m)
    }

    fn cell_of(&self, p: Point<f64>) -> (i64, i64) {
        let (mx, my) = self.metres_per_degree();
        (
            (p.x() * mx / GAP_CELL_M).floor() as i64,
            (p.y() * my / GAP_CELL_M).floor() as i64,
        )
    }

    fn rect_of(&self, (cx, cy): (i64, i64)) -> Rect<f64> {
        let (mx, my) = self.metres_per_degree();
        let x = |c: i64| c as f64 * GAP_CELL_M / mx;
        let y = |c: i64| c as f64 * GAP_CELL_M / my;
        Rect::new((x(cx), y(cy)), (x(cx + 1), y(cy + 1)))
    }
}

/// Clusters the units with unserved children (`gap[i]` per band) into ranked gap areas.
pub(crate) fn gap_areas(
    units: &[PopulationUnit],
    gap: &[[f64; 3]],
    home: &[Option<usize>],
    neighbourhoods: &[Neighbourhood],
) -> Vec<GapArea> {
    let with_gap: Vec<usize> = (0..units.len())
        .filter(|&i| gap[i].iter().sum::<f64>() > 0.0)
        .collect();
    if with_gap.is_empty() {
        return Vec::new();
    }
    let lat0 = with_gap.iter().map(|&i| units[i].location.y()).sum::<f64>() / with_gap.len() as f64;
    let grid = Grid {
        cos_lat0: lat0.to_radians().cos(),
    };
    let mut cells: BTreeMap<(i64, i64), Cell> = BTreeMap::new();
    for &i in &with_gap {
        let cell = cells.entry(grid.cell_of(units[i].location)).or_default();
        for (sum, g) in cell.gap.iter_mut().zip(gap[i]) {
            *sum += g;
        }
        if let Some(n) = home[i] {
            cell.neighbourhoods.insert(n);
        }
    }
    let mut seen: BTreeSet<(i64, i64)> = BTreeSet::new();
    let mut clusters: Vec<Vec<(i64, i64)>> = Vec::new();
    for &start in cells.keys() {
        if !seen.insert(start) {
            continue;
        }
        let mut members = vec![start];
        let mut queue = VecDeque::from([start]);
        while let Some((x, y)) = queue.pop_front() {
            for dx in -1..=1 {
                for dy in -1..=1 {
                    let next = (x + dx, y + dy);
                    if cells.contains_key(&next) && seen.insert(next) {
                        members.push(next);
                        queue.push_back(next);
                    }
                }
            }
        }
        clusters.push(members);
    }
    // The unions are the expensive part and independent: one cluster per task.
    let mut areas: Vec<GapArea> = clusters
        .par_iter()
        .map(|members| {
            let mut total = [0.0; 3];
            let mut ns = BTreeSet::new();
            let mut best = (f64::MIN, members[0]);
            for key in members {
                let c = &cells[key];
                for (sum, g) in total.iter_mut().zip(c.gap) {
                    *sum += g;
                }
                ns.extend(c.neighbourhoods.iter().copied());
                let sum: f64 = c.gap.iter().sum();
                if sum > best.0 {
                    best = (sum, *key);
                }
            }
            let squares: Vec<Polygon<f64>> = members
                .iter()
                .map(|&k| grid.rect_of(k).to_polygon())
                .collect();
            let centre = grid.rect_of(best.1).center();
            GapArea {
                rank: 0,
                rank_by_band: [0; 3],
                gap_children: total,
                cells: members.len(),
                neighbourhoods: ns
                    .into_iter()
                    .map(|n| neighbourhoods[n].id.clone())
                    .collect(),
                geometry: unary_union(&squares),
                centre: Point(centre),
            }
        })
        .collect();
    areas.sort_by(|a, b| {
        b.total()
            .total_cmp(&a.total())
            .then(a.centre.x().total_cmp(&b.centre.x()))
            .then(a.centre.y().total_cmp(&b.centre.y()))
    });
    for (i, a) in areas.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    for b in 0..3 {
        let mut order: Vec<usize> = (0..areas.len()).collect();
        order.sort_by(|&x, &y| {
            areas[y].gap_children[b]
                .total_cmp(&areas[x].gap_children[b])
                .then(x.cmp(&y))
        });
        for (r, i) in order.into_iter().enumerate() {
            areas[i].rank_by_band[b] = r + 1;
        }
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;
    use model::PopulationSource;

    fn unit(lon: f64, lat: f64, ages: [f64; 3]) -> PopulationUnit {
        PopulationUnit {
            location: Point::new(lon, lat),
            residents: ages.iter().sum(),
            ages,
            source: PopulationSource::Points,
        }
    }

    #[test]
    fn cells_merge_by_eight_neighbourhood_and_rank_by_children() {
        // On the equator 100 m = 100 / 111 195.08 ° = 0.000 899 3°. Cells (col,row):
        // a (0.00005, 0.00005) -> (0,0); b (0.00095, 0.00095) -> (1,1) diagonal to a;
        // c (0.0050, 0.0001) -> (5,0), far away; d (0.0051, 0.0002) -> (5,0) same cell as c.
        // Clusters: {a,b} with 1+2 = 3 children over 2 cells; {c,d} with 4+1 = 5 over 1 cell.
        let units = vec![
            unit(0.00005, 0.00005, [1.0, 0.0, 0.0]),
            unit(0.00095, 0.00095, [0.0, 2.0, 0.0]),
            unit(0.0050, 0.0001, [0.0, 0.0, 4.0]),
            unit(0.0051, 0.0002, [1.0, 0.0, 0.0]),
            unit(0.0030, 0.0030, [3.0, 0.0, 0.0]), // served: no gap
        ];
        let mut gap: Vec<[f64; 3]> = units.iter().map(|u| u.ages).collect();
        gap[4] = [0.0; 3];
        let home = vec![None; units.len()];
        let areas = gap_areas(&units, &gap, &home, &[]);
        assert_eq!(areas.len(), 2);
        assert_eq!(areas[0].rank, 1);
        assert_eq!(areas[0].gap_children, [1.0, 0.0, 4.0]);
        assert_eq!(areas[0].cells, 1);
        assert_eq!(areas[1].gap_children, [1.0, 2.0, 0.0]);
        assert_eq!(areas[1].cells, 2);
        // By band: 0–5 both have 1 (tie → overall order), 6–11 only the second, 12–17 the first.
        assert_eq!(areas[0].rank_by_band, [1, 2, 1]);
        assert_eq!(areas[1].rank_by_band, [2, 1, 2]);
        // Two cells of 0.000 899 3° × 0.000 899 3° (cos 0.0005° ≈ 1) = 1.6173e-6 deg².
        let deg = GAP_CELL_M / 111_195.08;
        assert!((areas[1].geometry.unsigned_area() - 2.0 * deg * deg).abs() < 1e-10);
    }
}
