//! Gap areas: unserved children clustered into 100 m cells, contiguous cells merged and ranked.
//!
//! Owns the local grid (equirectangular at one anchor latitude), the clustering on numbered
//! cells, the local re-clustering of a scenario and the outlines traced from the cells.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon, Rect};
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

/// Whether re-clustered gap areas get their outline traced ([`GapGrid::update`]): tracing the
/// outline of a cluster of tens of thousands of cells takes milliseconds, and an answer that
/// only counts the gap areas does not need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapOutlines {
    /// Every gap area with its geometry.
    Traced,
    /// Re-clustered areas with an empty geometry (children, cells, neighbourhoods, centre and
    /// ranks as with [`GapOutlines::Traced`]).
    Skipped,
}

#[derive(Default)]
struct Cell {
    gap: [f64; 3],
    /// The neighbourhoods of the cell's units with gaps, ascending (usually one).
    neighbourhoods: Vec<u32>,
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

/// A cell of the gap grid (column, row).
type Key = (i64, i64);

/// The 100 m grid of one city's gap areas, anchored at one latitude ([`gap_anchor`]): the base
/// analysis's, so that each scenario of the city uses the same cells as its base and a change
/// can be re-clustered locally ([`GapGrid::update`]).
///
/// Only cells holding a unit can hold gaps: they are numbered (slots, in key order), with their
/// units and their eight neighbours, so that clustering runs on arrays.
pub(crate) struct GapGrid {
    grid: Grid,
    /// The slot of each unit's cell.
    unit_slot: Vec<u32>,
    /// The units in each slot, ascending.
    units_in: Vec<Vec<u32>>,
    /// The cell of each slot.
    keys: Vec<Key>,
    /// Each slot's eight neighbours, in the order the clustering visits them (`u32::MAX`: no
    /// unit there).
    next: Vec<[u32; 8]>,
}

/// The gap areas of one analysis with the cells they were built from, for [`GapGrid::update`].
#[derive(Default)]
pub(crate) struct GapMap {
    /// Per slot, its gap children (`None`: none).
    cells: Vec<Option<Cell>>,
    /// Each cluster's slots (breadth-first from its smallest cell) and its area, ranked.
    clusters: Vec<(Vec<u32>, GapArea)>,
    /// Per slot, its cluster (`u32::MAX`: none).
    cluster_of: Vec<u32>,
    /// Per slot, whether it holds gap children.
    present: Vec<bool>,
}

impl GapMap {
    /// The gap areas, rank 1 first.
    pub fn areas(&self) -> Vec<GapArea> {
        self.clusters.iter().map(|(_, a)| a.clone()).collect()
    }
}

/// Where the gap areas look things up: units, neighbourhoods and each unit's home.
pub(crate) struct GapInputs<'a> {
    pub units: &'a [PopulationUnit],
    pub home: &'a [Option<usize>],
    pub neighbourhoods: &'a [Neighbourhood],
}

impl GapGrid {
    /// The grid of `units` at latitude `lat0` (degrees).
    pub fn new(units: &[PopulationUnit], lat0: f64) -> GapGrid {
        let grid = Grid {
            cos_lat0: lat0.to_radians().cos(),
        };
        let cell: Vec<Key> = units.iter().map(|u| grid.cell_of(u.location)).collect();
        let mut keys = cell.clone();
        keys.sort_unstable();
        keys.dedup();
        let slot: HashMap<Key, u32> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        let unit_slot: Vec<u32> = cell.iter().map(|k| slot[k]).collect();
        let mut units_in = vec![Vec::new(); keys.len()];
        for (i, s) in unit_slot.iter().enumerate() {
            units_in[*s as usize].push(i as u32);
        }
        let next = keys
            .iter()
            .map(|&(x, y)| {
                let mut n = [u32::MAX; 8];
                let mut j = 0;
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        if (dx, dy) != (0, 0) {
                            n[j] = slot.get(&(x + dx, y + dy)).copied().unwrap_or(u32::MAX);
                            j += 1;
                        }
                    }
                }
                n
            })
            .collect();
        GapGrid {
            grid,
            unit_slot,
            units_in,
            keys,
            next,
        }
    }

    /// The slots 8-connected to slot `start` among those `present` (breadth first, `start`
    /// first); marks them in `seen` with `mark`.
    fn cluster(&self, start: u32, present: &[bool], seen: &mut [u32], mark: u32) -> Vec<u32> {
        let mut members = vec![start];
        seen[start as usize] = mark;
        let mut head = 0;
        while head < members.len() {
            let c = members[head];
            head += 1;
            for &n in &self.next[c as usize] {
                if n != u32::MAX && present[n as usize] && seen[n as usize] != mark {
                    seen[n as usize] = mark;
                    members.push(n);
                }
            }
        }
        members
    }

    /// The cell of the units in `slot` with unserved children (`gap(i)` per band); `None` when
    /// there are none.
    fn cell(
        &self,
        slot: u32,
        gap: &dyn Fn(usize) -> [f64; 3],
        home: &[Option<usize>],
    ) -> Option<Cell> {
        let mut cell: Option<Cell> = None;
        for &i in &self.units_in[slot as usize] {
            let i = i as usize;
            let g = gap(i);
            if g.iter().sum::<f64>() > 0.0 {
                add_unit(cell.get_or_insert_default(), g, home[i]);
            }
        }
        cell
    }

    /// Clusters the units with unserved children (`gap(i)` per band) into ranked gap areas.
    pub fn map(&self, inputs: &GapInputs, gap: &dyn Fn(usize) -> [f64; 3]) -> GapMap {
        let mut cells: Vec<Option<Cell>> = Vec::new();
        cells.resize_with(self.keys.len(), || None);
        for i in 0..inputs.units.len() {
            let g = gap(i);
            if g.iter().sum::<f64>() > 0.0 {
                let cell = cells[self.unit_slot[i] as usize].get_or_insert_default();
                add_unit(cell, g, inputs.home[i]);
            }
        }
        let present: Vec<bool> = cells.iter().map(Option::is_some).collect();
        let mut seen = vec![0u32; self.keys.len()];
        let mut clusters: Vec<Vec<u32>> = Vec::new();
        // Slots are numbered in key order: each cluster is met first at its smallest cell.
        for start in 0..self.keys.len() {
            if present[start] && seen[start] == 0 {
                clusters.push(self.cluster(start as u32, &present, &mut seen, 1));
            }
        }
        let areas = self.areas_of(
            clusters,
            &|s| cells[s as usize].as_ref(),
            inputs.neighbourhoods,
            GapOutlines::Traced,
        );
        let mut cluster_of = vec![u32::MAX; self.keys.len()];
        for (c, (members, _)) in areas.iter().enumerate() {
            for s in members {
                cluster_of[*s as usize] = c as u32;
            }
        }
        GapMap {
            cells,
            clusters: areas,
            cluster_of,
            present,
        }
    }

    /// The gap areas after the unserved children of `changed` units became `gap(i)` (every other
    /// unit as in `base`): only the clusters within reach of a changed cell are rebuilt, the
    /// rest are taken from `base`. Equals [`GapGrid::map`] of the new gaps; with
    /// [`GapOutlines::Skipped`] the rebuilt areas have no geometry (all else equal).
    pub fn update(
        &self,
        base: &GapMap,
        inputs: &GapInputs,
        gap: &dyn Fn(usize) -> [f64; 3],
        changed: &[u32],
        outlines: GapOutlines,
    ) -> Vec<GapArea> {
        let changed_slots: BTreeSet<u32> = changed
            .iter()
            .map(|&u| self.unit_slot[u as usize])
            .collect();
        if changed_slots.is_empty() {
            return base.areas();
        }
        let fresh: HashMap<u32, Option<Cell>> = changed_slots
            .iter()
            .map(|&s| (s, self.cell(s, gap, inputs.home)))
            .collect();
        let lookup = |s: u32| -> Option<&Cell> {
            match fresh.get(&s) {
                Some(c) => c.as_ref(),
                None => base.cells[s as usize].as_ref(),
            }
        };
        let of = |s: u32| Some(base.cluster_of[s as usize]).filter(|&c| c != u32::MAX);
        if fresh
            .iter()
            .all(|(s, c)| c.is_some() == base.present[*s as usize])
        {
            // No cell appeared or emptied: the same clusters with the same outlines; only the
            // children of those holding a changed cell are counted again.
            let recount: HashSet<u32> = changed_slots.iter().filter_map(|&s| of(s)).collect();
            let mut areas: Vec<(Key, GapArea)> = base
                .clusters
                .iter()
                .enumerate()
                .map(|(c, (members, area))| {
                    let area = if recount.contains(&(c as u32)) {
                        let geometry = Some(area.geometry.clone());
                        self.area_of(members, &lookup, inputs.neighbourhoods, geometry)
                    } else {
                        area.clone()
                    };
                    (self.keys[members[0] as usize], area)
                })
                .collect();
            areas.sort_by_key(|(k, _)| *k);
            rank(&mut areas);
            return areas.into_iter().map(|(_, a)| a).collect();
        }
        // Seeds: the changed cells and their neighbours. A cluster that changes holds one of
        // them: a changed cell, or (where a cell emptied) a cell next to it.
        let mut seeds: BTreeSet<u32> = BTreeSet::new();
        for &s in &changed_slots {
            seeds.insert(s);
            seeds.extend(self.next[s as usize].iter().filter(|&&n| n != u32::MAX));
        }
        let mut replaced: HashSet<u32> = seeds.iter().filter_map(|&s| of(s)).collect();
        let mut present = base.present.clone();
        for (s, c) in &fresh {
            present[*s as usize] = c.is_some();
        }
        let mut seen = vec![0u32; self.keys.len()];
        let mut mark = 0;
        let mut clusters: Vec<Vec<u32>> = Vec::new();
        for s in seeds {
            // A cluster is built breadth first from its smallest cell, as the full clustering
            // does; its cells are then marked 1 (done), every search uses its own mark (2 up).
            if !present[s as usize] || seen[s as usize] == 1 {
                continue;
            }
            let mut search = |from: u32, seen: &mut [u32]| {
                mark += 1;
                (self.cluster(from, &present, seen, mark + 1), mark + 1)
            };
            // Most often the cell's base cluster still starts at the same smallest cell (unless
            // that cell is gone or already in a finished cluster: the base cluster split).
            let hint = of(s)
                .map(|c| base.clusters[c as usize].0[0])
                .filter(|&m| present[m as usize] && seen[m as usize] != 1);
            let mut members = match hint {
                Some(h) => match search(h, &mut seen) {
                    (found, m) if seen[s as usize] == m => found,
                    _ => search(s, &mut seen).0,
                },
                None => search(s, &mut seen).0,
            };
            let start = *members.iter().min().expect("a cluster has a cell");
            if start != members[0] {
                members = search(start, &mut seen).0;
            }
            for &m in &members {
                seen[m as usize] = 1;
            }
            replaced.extend(members.iter().filter_map(|&m| of(m)));
            clusters.push(members);
        }
        let mut rebuilt: Vec<(Key, GapArea)> = self
            .areas_of(clusters, &lookup, inputs.neighbourhoods, outlines)
            .into_iter()
            .map(|(m, a)| (self.keys[m[0] as usize], a))
            .collect();
        rebuilt.extend(
            base.clusters
                .iter()
                .enumerate()
                .filter(|(c, _)| !replaced.contains(&(*c as u32)))
                .map(|(_, (m, a))| (self.keys[m[0] as usize], a.clone())),
        );
        // The full clustering meets clusters in the order of their smallest cells.
        rebuilt.sort_by_key(|(k, _)| *k);
        rank(&mut rebuilt);
        rebuilt.into_iter().map(|(_, a)| a).collect()
    }

    /// The ranked gap areas of `clusters` (slots, given in the order of their smallest cells;
    /// cells from `cells`), each with its slots.
    fn areas_of<'c>(
        &self,
        clusters: Vec<Vec<u32>>,
        cells: &(dyn Fn(u32) -> Option<&'c Cell> + Sync),
        neighbourhoods: &[Neighbourhood],
        outlines: GapOutlines,
    ) -> Vec<(Vec<u32>, GapArea)> {
        let mut areas: Vec<(Vec<u32>, GapArea)> = clusters
            .into_par_iter()
            .map(|members| {
                let geometry = match outlines {
                    GapOutlines::Traced => None,
                    GapOutlines::Skipped => Some(MultiPolygon(Vec::new())),
                };
                let area = self.area_of(&members, cells, neighbourhoods, geometry);
                (members, area)
            })
            .collect();
        rank(&mut areas);
        areas
    }

    /// The (unranked) gap area of the slots `members` (cells from `cells`; the first is the
    /// cluster's smallest): children summed in the members' order; the outline traced unless
    /// given.
    fn area_of<'c>(
        &self,
        members: &[u32],
        cells: &(dyn Fn(u32) -> Option<&'c Cell> + Sync),
        neighbourhoods: &[Neighbourhood],
        geometry: Option<MultiPolygon<f64>>,
    ) -> GapArea {
        let mut total = [0.0; 3];
        let mut ns: Vec<u32> = Vec::new();
        let mut best = (f64::MIN, members[0]);
        for &slot in members {
            let c = cells(slot).expect("a member cell has gap children");
            for (sum, g) in total.iter_mut().zip(c.gap) {
                *sum += g;
            }
            for &n in &c.neighbourhoods {
                if let Err(at) = ns.binary_search(&n) {
                    ns.insert(at, n);
                }
            }
            let sum: f64 = c.gap.iter().sum();
            if sum > best.0 {
                best = (sum, slot);
            }
        }
        let geometry = geometry.unwrap_or_else(|| {
            let keys: Vec<Key> = members.iter().map(|&s| self.keys[s as usize]).collect();
            self.grid.outline(&keys)
        });
        GapArea {
            rank: 0,
            rank_by_band: [0; 3],
            gap_children: total,
            cells: members.len(),
            neighbourhoods: ns
                .into_iter()
                .map(|n| neighbourhoods[n as usize].id.clone())
                .collect(),
            geometry,
            centre: Point(self.grid.rect_of(self.keys[best.1 as usize]).center()),
        }
    }
}

impl Grid {
    /// The lon/lat of grid corner (`cx`, `cy`): the corner of cell (`cx`, `cy`) nearest the origin.
    fn corner(&self, (cx, cy): Key) -> Coord<f64> {
        let r = self.rect_of((cx, cy));
        r.min()
    }

    /// The union of the cells `members` as polygons: traced along the cells' free sides, so it
    /// takes time linear in the cells (a general polygon union of many squares does not).
    ///
    /// Each free side is walked with its cell on the left: exteriors counter-clockwise, holes
    /// clockwise. Where two cells touch only at a corner, the walk stays on its cell when the two
    /// are not joined through other cells (separate polygons touching at a point), and on the
    /// empty side when they are (a hole touching its exterior at a point), so no ring touches
    /// itself (as a polygon union gives them). Straight runs keep only their ends; each ring
    /// starts at its lowest-leftmost corner.
    fn outline(&self, members: &[Key]) -> MultiPolygon<f64> {
        // A bitmap over the members' bounding box with a free border of one cell.
        let x0 = members.iter().map(|k| k.0).min().unwrap_or(0) - 1;
        let y0 = members.iter().map(|k| k.1).min().unwrap_or(0) - 1;
        let w = (members.iter().map(|k| k.0).max().unwrap_or(0) - x0 + 2) as usize;
        let h = (members.iter().map(|k| k.1).max().unwrap_or(0) - y0 + 2) as usize;
        let at = |x: i64, y: i64| (y - y0) as usize * w + (x - x0) as usize;
        let mut filled = vec![false; w * h];
        for &(x, y) in members {
            filled[at(x, y)] = true;
        }
        // Pieces joined side by side (4-connected): a number per filled cell.
        let mut piece = vec![u32::MAX; w * h];
        let mut pieces = 0;
        for start in 0..w * h {
            if !filled[start] || piece[start] != u32::MAX {
                continue;
            }
            piece[start] = pieces;
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                for n in [i + 1, i - 1, i + w, i - w] {
                    if filled[n] && piece[n] == u32::MAX {
                        piece[n] = pieces;
                        stack.push(n);
                    }
                }
            }
            pieces += 1;
        }
        // Directed free sides by start corner (corners on a (w + 1) × (h + 1) grid, at most two
        // sides leave a corner); the cell is on the left.
        let cw = w + 1;
        let corner = |x: i64, y: i64| (y - y0) as usize * cw + (x - x0) as usize;
        let mut out: Vec<[Key; 2]> = vec![[(0, 0); 2]; cw * (h + 1)];
        let mut count = vec![0u8; cw * (h + 1)];
        let mut push = |from: Key, to: Key| {
            let c = corner(from.0, from.1);
            out[c][count[c] as usize] = to;
            count[c] += 1;
        };
        for y in y0..y0 + h as i64 {
            for x in x0..x0 + w as i64 {
                if !filled[at(x, y)] {
                    continue;
                }
                if !filled[at(x, y - 1)] {
                    push((x, y), (x + 1, y));
                }
                if !filled[at(x + 1, y)] {
                    push((x + 1, y), (x + 1, y + 1));
                }
                if !filled[at(x, y + 1)] {
                    push((x + 1, y + 1), (x, y + 1));
                }
                if !filled[at(x - 1, y)] {
                    push((x, y + 1), (x, y));
                }
            }
        }
        let piece_of = |(x, y): Key| piece[at(x, y)];
        let mut rings: Vec<Vec<Key>> = Vec::new();
        for cy in y0..=y0 + h as i64 {
            for cx in x0..=x0 + w as i64 {
                let start = (cx, cy);
                while count[corner(cx, cy)] > 0 {
                    let c = corner(cx, cy);
                    count[c] -= 1;
                    let first = out[c][count[c] as usize];
                    let mut ring = vec![start];
                    let (mut prev, mut here_at) = (start, first);
                    while here_at != start {
                        ring.push(here_at);
                        let c = corner(here_at.0, here_at.1);
                        let k = if count[c] == 1 {
                            0
                        } else {
                            // Two cells meet at this corner only. The incoming side's cell and
                            // the one diagonal to it: stay on the cell (turn left) unless they
                            // are one piece, then go round the empty side (turn right).
                            let (dx, dy) = (here_at.0 - prev.0, here_at.1 - prev.1);
                            let here = (
                                prev.0.min(here_at.0) - i64::from(dy > 0),
                                prev.1.min(here_at.1) - i64::from(dx < 0),
                            );
                            let there = (2 * here_at.0 - 1 - here.0, 2 * here_at.1 - 1 - here.1);
                            let turn = if piece_of(here) == piece_of(there) {
                                (here_at.0 + dy, here_at.1 - dx)
                            } else {
                                (here_at.0 - dy, here_at.1 + dx)
                            };
                            usize::from(out[c][1] == turn)
                        };
                        let n = out[c][k];
                        out[c][k] = out[c][count[c] as usize - 1];
                        count[c] -= 1;
                        (prev, here_at) = (here_at, n);
                    }
                    rings.push(simplified(ring));
                }
            }
        }
        // Exteriors (positive area) take the holes whose left-hand cell they contain, the
        // smallest such exterior (islands in holes lie inside larger exteriors too).
        let area2 = |r: &[Key]| -> i64 {
            (0..r.len())
                .map(|i| {
                    let (a, b) = (r[i], r[(i + 1) % r.len()]);
                    a.0 * b.1 - b.0 * a.1
                })
                .sum()
        };
        let (exteriors, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|r| area2(r) > 0);
        // Every ring runs along one piece (pieces meeting at a corner are walked apart), and each
        // piece has one exterior: a hole belongs to the exterior of the piece left of its sides.
        let left_piece = |r: &[Key]| {
            // The cell left of the ring's first side, by its lower-left corner.
            let (a, b) = (r[0], r[1]);
            let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
            let (x2, y2) = (a.0 * 2 + dx - dy, a.1 * 2 + dy + dx);
            piece_of(((x2 - 1) / 2, (y2 - 1) / 2))
        };
        let owner: HashMap<u32, usize> = exteriors
            .iter()
            .enumerate()
            .map(|(i, r)| (left_piece(r), i))
            .collect();
        let mut polygons: Vec<(Vec<Key>, Vec<Vec<Key>>)> =
            exteriors.into_iter().map(|r| (r, Vec::new())).collect();
        for hole in holes {
            if let Some(&i) = owner.get(&left_piece(&hole)) {
                polygons[i].1.push(hole);
            }
        }
        let ring = |r: &[Key]| {
            let mut coords: Vec<Coord<f64>> = r.iter().map(|&k| self.corner(k)).collect();
            coords.push(coords[0]);
            LineString(coords)
        };
        MultiPolygon(
            polygons
                .iter()
                .map(|(ext, holes)| {
                    Polygon::new(ring(ext), holes.iter().map(|h| ring(h)).collect())
                })
                .collect(),
        )
    }
}

/// `ring` without the corners inside straight runs, starting at its lowest-leftmost corner.
fn simplified(ring: Vec<Key>) -> Vec<Key> {
    let n = ring.len();
    let kept: Vec<Key> = (0..n)
        .filter(|&i| {
            let (p, c, q) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            (c.0 - p.0) * (q.1 - c.1) != (c.1 - p.1) * (q.0 - c.0)
        })
        .map(|i| ring[i])
        .collect();
    let first = (0..kept.len())
        .min_by_key(|&i| (kept[i].1, kept[i].0))
        .unwrap_or(0);
    kept[first..]
        .iter()
        .chain(&kept[..first])
        .copied()
        .collect()
}

/// Adds a unit's unserved children to its cell.
fn add_unit(cell: &mut Cell, gap: [f64; 3], home: Option<usize>) {
    for (sum, g) in cell.gap.iter_mut().zip(gap) {
        *sum += g;
    }
    if let Some(n) = home {
        let n = n as u32;
        if let Err(at) = cell.neighbourhoods.binary_search(&n) {
            cell.neighbourhoods.insert(at, n);
        }
    }
}

/// More unserved children first, then west to east, then south to north.
fn by_children(a: &GapArea, b: &GapArea) -> std::cmp::Ordering {
    b.total()
        .total_cmp(&a.total())
        .then(a.centre.x().total_cmp(&b.centre.x()))
        .then(a.centre.y().total_cmp(&b.centre.y()))
}

/// Sorts `areas` (given in the order of their smallest cells) by [`by_children`] and sets the
/// overall rank and the rank within each band.
fn rank<T>(areas: &mut [(T, GapArea)]) {
    areas.sort_by(|a, b| by_children(&a.1, &b.1));
    for (i, (_, a)) in areas.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    for b in 0..3 {
        let mut order: Vec<usize> = (0..areas.len()).collect();
        order.sort_by(|&x, &y| {
            areas[y].1.gap_children[b]
                .total_cmp(&areas[x].1.gap_children[b])
                .then(x.cmp(&y))
        });
        for (r, i) in order.into_iter().enumerate() {
            areas[i].1.rank_by_band[b] = r + 1;
        }
    }
}

/// The latitude the gap grid is scaled at: the mean latitude of the units with unserved children
/// (of all units when none has any, 0 without units).
pub(crate) fn gap_anchor(units: &[PopulationUnit], gap: &[[f64; 3]]) -> f64 {
    let mean = |it: &mut dyn Iterator<Item = f64>| {
        let (sum, n) = it.fold((0.0, 0usize), |(s, n), y| (s + y, n + 1));
        (n > 0).then(|| sum / n as f64)
    };
    let with_gap = (0..units.len()).filter(|&i| gap[i].iter().sum::<f64>() > 0.0);
    mean(&mut with_gap.map(|i| units[i].location.y()))
        .or_else(|| mean(&mut units.iter().map(|u| u.location.y())))
        .unwrap_or(0.0)
}

/// Clusters the units with unserved children (`gap[i]` per band) into ranked gap areas.
#[cfg(test)]
pub(crate) fn gap_areas(
    units: &[PopulationUnit],
    gap: &[[f64; 3]],
    home: &[Option<usize>],
    neighbourhoods: &[Neighbourhood],
) -> Vec<GapArea> {
    let inputs = GapInputs {
        units,
        home,
        neighbourhoods,
    };
    GapGrid::new(units, gap_anchor(units, gap))
        .map(&inputs, &|i| gap[i])
        .areas()
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

    /// The traced outline on random cell sets of a 12 × 12 patch: valid, every cell centre of the
    /// patch and around it inside exactly when the cell is a member, and the area of the members.
    /// (A general polygon union of the squares is no reference here: `geo`'s `unary_union` gave
    /// 31 cells' area for 27 cells with an island in a hole that touches the outside at a corner.)
    #[test]
    fn traced_outline_holds_exactly_the_cells() {
        use geo::{Contains, Validation};
        use proptest::prelude::*;
        let grid = Grid {
            cos_lat0: 52.5f64.to_radians().cos(),
        };
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
            cases: 2000,
            ..Default::default()
        });
        let cells = proptest::collection::vec(proptest::bool::weighted(0.55), 144);
        let key = |i: i64, j: i64| (1500 + i, 5800 + j);
        runner
            .run(&cells, |on| {
                let members: Vec<Key> = (0..144)
                    .filter(|&i| on[i])
                    .map(|i| key((i % 12) as i64, (i / 12) as i64))
                    .collect();
                prop_assume!(!members.is_empty());
                let traced = grid.outline(&members);
                prop_assert!(traced.is_valid(), "{traced:?}");
                let set: HashSet<Key> = members.iter().copied().collect();
                for i in -1..13 {
                    for j in -1..13 {
                        let k = key(i, j);
                        let centre = Point(grid.rect_of(k).center());
                        prop_assert_eq!(traced.contains(&centre), set.contains(&k), "cell {:?}", k);
                    }
                }
                let cell = grid.rect_of(members[0]).to_polygon().unsigned_area();
                let want = cell * members.len() as f64;
                prop_assert!((traced.unsigned_area() - want).abs() < want * 1e-9);
                Ok(())
            })
            .unwrap();
    }
}
