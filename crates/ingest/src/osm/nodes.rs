//! Compact node storage for the import: a sorted set of node ids in about two bytes per id
//! ([`IdSet`]) and the coordinates of exactly those nodes, filled in parallel ([`NodeStore`]).
//!
//! An id is split into its high bits (`id >> 16`, one entry per group of 65,536 ids) and its
//! low 16 bits (a `u16` per id): an OSM extract uses dense runs of ids, so a group holds
//! hundreds to tens of thousands of ids and the set costs little more than the `u16`s. A group
//! of many ids also gets a table of where each run of 256 low values starts (at most a byte per
//! id), so that a lookup searches at most 256 of them. The rank of an id in the set (its
//! position in sorted order) indexes the coordinate arrays; coordinates are the PBF's own `i32`
//! decimicro-degrees, 8 bytes per node.

use std::sync::atomic::{AtomicU64, Ordering};

use geo_types::Coord;

/// Low bits of an id kept per entry.
const LOW_BITS: u32 = 16;
/// Groups with at least this many ids get a table of runs (see the module docs).
const DENSE: usize = 1024;
/// No table of runs for the group.
const NO_TABLE: u32 = u32::MAX;

/// A sorted set of node ids with ranks: each id is found in O(log groups + log group size).
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    /// The distinct `id >> 16`, ascending.
    highs: Vec<i64>,
    /// Where each group's low bits start in `lows` (one more entry than `highs`).
    starts: Vec<usize>,
    /// The low 16 bits of every id, ascending within each group.
    lows: Vec<u16>,
    /// Per group: where its table of runs starts in `runs`, or [`NO_TABLE`].
    tables: Vec<u32>,
    /// Tables of 257 entries: where the low values `256 * k ..` start, from the group's start.
    runs: Vec<u32>,
}

fn split(id: i64) -> (i64, u16) {
    (id >> LOW_BITS, (id & 0xFFFF) as u16)
}

impl IdSet {
    /// The set of `ids`, which must be sorted ascending without duplicates.
    pub(crate) fn from_sorted(ids: impl IntoIterator<Item = i64>) -> IdSet {
        let ids = ids.into_iter();
        let mut set = IdSet {
            highs: Vec::new(),
            starts: Vec::new(),
            lows: Vec::with_capacity(ids.size_hint().0),
            tables: Vec::new(),
            runs: Vec::new(),
        };
        for id in ids {
            let (high, low) = split(id);
            if set.highs.last() != Some(&high) {
                debug_assert!(set.highs.last().is_none_or(|&h| h < high), "ids not sorted");
                set.highs.push(high);
                set.starts.push(set.lows.len());
            }
            set.lows.push(low);
        }
        set.starts.push(set.lows.len());
        set.highs.shrink_to_fit();
        set.starts.shrink_to_fit();
        for g in 0..set.highs.len() {
            let lows = &set.lows[set.starts[g]..set.starts[g + 1]];
            if lows.len() < DENSE {
                set.tables.push(NO_TABLE);
                continue;
            }
            set.tables
                .push(u32::try_from(set.runs.len()).unwrap_or(NO_TABLE));
            set.runs.extend((0..=256u32).map(|k| {
                // At most 65,536 ids in a group: the offset fits.
                lows.partition_point(|&l| u32::from(l) >> 8 < k) as u32
            }));
        }
        set
    }

    /// How many ids the set holds.
    pub(crate) fn len(&self) -> usize {
        self.lows.len()
    }

    /// The position of `id` in the sorted set, if it is in it.
    pub(crate) fn rank(&self, id: i64) -> Option<usize> {
        let (high, low) = split(id);
        let g = self.highs.binary_search(&high).ok()?;
        self.rank_in(g, low)
    }

    fn rank_in(&self, group: usize, low: u16) -> Option<usize> {
        let (mut from, mut to) = (self.starts[group], self.starts[group + 1]);
        let table = self.tables[group];
        if table != NO_TABLE {
            let run = table as usize + usize::from(low >> 8);
            let start = self.starts[group];
            (from, to) = (
                start + self.runs[run] as usize,
                start + self.runs[run + 1] as usize,
            );
        }
        self.lows[from..to]
            .binary_search(&low)
            .ok()
            .map(|i| from + i)
    }

    /// [`IdSet::rank`] for ids that mostly come in increasing order (the nodes of a PBF block):
    /// `cursor` remembers the group of the previous id, so the groups are searched only when
    /// the high bits change.
    pub(crate) fn rank_from(&self, cursor: &mut Option<usize>, id: i64) -> Option<usize> {
        let (high, low) = split(id);
        let group = match *cursor {
            Some(g) if self.highs.get(g) == Some(&high) => g,
            _ => {
                let g = self.highs.binary_search(&high).ok();
                *cursor = g;
                g?
            }
        };
        self.rank_in(group, low)
    }

    /// Bytes held (for the log).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.highs.capacity() * 8
            + self.starts.capacity() * 8
            + self.lows.capacity() * 2
            + (self.tables.capacity() + self.runs.capacity()) * 4
    }
}

/// The coordinates of the nodes of an [`IdSet`], set from several threads at once (each node
/// once, from the block that holds it) and read afterwards.
#[derive(Debug, Default)]
pub(crate) struct NodeStore {
    ids: IdSet,
    /// One bit per id: whether the extract held the node.
    present: Vec<AtomicU64>,
    /// `lat << 32 | lon` (each the PBF's `i32` decimicro-degrees) per id.
    coords: Vec<AtomicU64>,
}

impl NodeStore {
    /// A store for the nodes `ids`, none of them present yet.
    pub(crate) fn new(ids: IdSet) -> NodeStore {
        let n = ids.len();
        NodeStore {
            present: (0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            coords: (0..n).map(|_| AtomicU64::new(0)).collect(),
            ids,
        }
    }

    /// The ids the store is for.
    pub(crate) fn ids(&self) -> &IdSet {
        &self.ids
    }

    /// Records the position of the node of rank `rank` (see [`IdSet::rank`]).
    pub(crate) fn set(&self, rank: usize, lat: i32, lon: i32) {
        let packed = (u64::from(lat as u32) << 32) | u64::from(lon as u32);
        self.coords[rank].store(packed, Ordering::Relaxed);
        self.present[rank / 64].fetch_or(1 << (rank % 64), Ordering::Relaxed);
    }

    /// The position of node `id` (lon/lat), if the extract held it.
    pub(crate) fn get(&self, id: i64) -> Option<Coord<f64>> {
        let rank = self.ids.rank(id)?;
        if self.present[rank / 64].load(Ordering::Relaxed) & (1 << (rank % 64)) == 0 {
            return None;
        }
        let packed = self.coords[rank].load(Ordering::Relaxed);
        let (lat, lon) = ((packed >> 32) as u32 as i32, packed as u32 as i32);
        Some(Coord {
            x: f64::from(lon) * 1e-7,
            y: f64::from(lat) * 1e-7,
        })
    }

    /// The coordinates of `refs`, or the first id the extract lacks.
    pub(crate) fn line(&self, refs: &[i64]) -> Result<Vec<Coord<f64>>, i64> {
        refs.iter().map(|&r| self.get(r).ok_or(r)).collect()
    }

    /// Bytes held (for the log).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ids.heap_bytes() + (self.present.capacity() + self.coords.capacity()) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;

    /// Random ids in dense runs (as in an extract), scattered single ids, negative ids and
    /// ids near group edges and the ends of the i64 range.
    fn random_ids(rng: &mut rand::rngs::StdRng, n: usize) -> Vec<i64> {
        let mut ids = Vec::with_capacity(n);
        while ids.len() < n {
            match rng.random_range(0..4) {
                0 => {
                    let start: i64 = rng.random_range(-1_000_000..13_000_000_000);
                    let run = rng.random_range(1..2000);
                    let mut id = start;
                    for _ in 0..run {
                        id += rng.random_range(1..4);
                        ids.push(id);
                    }
                }
                1 => ids.push(rng.random_range(i64::MIN / 2..i64::MAX / 2)),
                2 => {
                    let edge = rng.random_range(-1000i64..1000) << LOW_BITS;
                    ids.push(edge + rng.random_range(-2..2));
                }
                _ => ids.push(
                    *[i64::MIN, i64::MAX, 0, -1, 65_535, 65_536]
                        .get(rng.random_range(0..6))
                        .unwrap_or(&0),
                ),
            }
        }
        ids
    }

    /// The store against a plain HashMap: the same answer for every id asked, in the set or
    /// not, present or missing, from random ids and coordinates.
    #[test]
    fn node_store_answers_as_a_hash_map_does() {
        for seed in 0..6u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let wanted = random_ids(&mut rng, 20_000 * seed as usize + 1);
            let mut sorted = wanted.clone();
            sorted.sort_unstable();
            sorted.dedup();
            let set = IdSet::from_sorted(sorted.iter().copied());
            assert_eq!(set.len(), sorted.len());
            // The reference: id -> (lat, lon) for the wanted nodes the "extract" holds.
            let mut reference: HashMap<i64, (i32, i32)> = HashMap::new();
            let store = NodeStore::new(set);
            for &id in &sorted {
                if rng.random_bool(0.9) {
                    let (lat, lon) = (rng.random::<i32>(), rng.random::<i32>());
                    reference.insert(id, (lat, lon));
                    store.set(store.ids().rank(id).unwrap(), lat, lon);
                }
            }
            let mut asked = random_ids(&mut rng, 20_000);
            asked.extend(sorted.iter().step_by(3).copied());
            asked.extend(sorted.iter().map(|i| i.wrapping_add(1)));
            for id in asked {
                let want = reference.get(&id).map(|&(lat, lon)| Coord {
                    x: f64::from(lon) * 1e-7,
                    y: f64::from(lat) * 1e-7,
                });
                assert_eq!(store.get(id), want, "node {id}, seed {seed}");
                let rank = sorted.binary_search(&id).ok();
                assert_eq!(store.ids().rank(id), rank, "rank of {id}");
            }
        }
    }

    #[test]
    fn rank_from_agrees_with_rank_on_increasing_runs_and_jumps() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut sorted = random_ids(&mut rng, 50_000);
        sorted.sort_unstable();
        sorted.dedup();
        let set = IdSet::from_sorted(sorted.iter().copied());
        let mut cursor = None;
        let mut id: i64 = -2_000_000;
        for _ in 0..200_000 {
            id = if rng.random_bool(0.02) {
                sorted[rng.random_range(0..sorted.len())].wrapping_add(rng.random_range(-3..3))
            } else {
                id.saturating_add(rng.random_range(0..5))
            };
            assert_eq!(
                set.rank_from(&mut cursor, id),
                sorted.binary_search(&id).ok()
            );
        }
    }

    /// Dense groups (with tables of runs), a sparse one and the edges of the low bits.
    #[test]
    fn dense_and_sparse_groups_give_every_rank() {
        let mut ids: Vec<i64> = (0..150_000).collect(); // two full groups and a part
        ids.extend((1 << 20..(1 << 20) + 5000).step_by(5)); // 1000 ids: no table
        ids.extend((3 << 16) - 3..(3 << 16) + 3); // across a group edge
        ids.sort_unstable();
        ids.dedup();
        let set = IdSet::from_sorted(ids.iter().copied());
        assert!(set.tables.iter().filter(|&&t| t != NO_TABLE).count() >= 2);
        assert!(set.tables.contains(&NO_TABLE));
        for (rank, &id) in ids.iter().enumerate() {
            assert_eq!(set.rank(id), Some(rank), "{id}");
        }
        for missing in [
            -1,
            150_000,
            (1 << 20) + 1,
            (1 << 20) + 5000,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(set.rank(missing), None, "{missing}");
        }
    }

    #[test]
    fn an_empty_set_holds_nothing() {
        let store = NodeStore::new(IdSet::from_sorted([]));
        assert_eq!(store.ids().len(), 0);
        assert_eq!(store.get(0), None);
        assert_eq!(store.ids().rank_from(&mut None, 5), None);
        assert_eq!(store.line(&[]), Ok(vec![]));
        assert_eq!(store.line(&[7]), Err(7));
    }
}
