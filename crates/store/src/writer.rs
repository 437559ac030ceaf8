//! Writing a new GeoPackage: a locked temporary file in the target's folder, filled in one
//! transaction and renamed over the target only when complete ([`NewFile`]), and the city
//! written into it, its two big layers streamed in batches while they are read ([`CityWriter`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use model::scenario::CandidateSite;
use model::{BasemapFeature, City, OsmId, WalkWay};
use rusqlite::Connection;

use crate::carry::{self, Carried, Carry};
use crate::layer::{self, LayerWriter};
use crate::{StoreError, city};

/// A GeoPackage being written: a temporary file (locked, see
/// [`crate::remove_stale_temporaries`]) with an open transaction, holding the GeoPackage core
/// tables. Dropped without [`NewFile::finish`], it is deleted and the target is untouched.
pub(crate) struct NewFile {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    conn: Connection,
}

impl NewFile {
    /// Starts a new file that will replace `path`.
    pub(crate) fn create(path: &Path) -> Result<NewFile, StoreError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let io = |source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        };
        crate::remove_stale_temporaries(dir);
        let tmp = tempfile::Builder::new()
            .prefix(crate::TMP_PREFIX)
            .suffix(crate::TMP_SUFFIX)
            .tempfile_in(dir)
            .map_err(io)?;
        // Marks the file as in use until it is renamed or deleted (see remove_stale_temporaries).
        crate::lock_exclusive(tmp.as_file());
        let conn = Connection::open(tmp.path()).map_err(|e| StoreError::from(e).in_file(path))?;
        let begin = |conn: &Connection| -> Result<(), StoreError> {
            // 16 MiB of page cache: the rows are appended, so the cache only needs the last
            // pages of each table; a bigger cache was no faster (docs/benchmarks.md, import).
            conn.execute_batch(
                "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
                 PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY; BEGIN;",
            )?;
            layer::init_geopackage(conn)?;
            Ok(())
        };
        begin(&conn).map_err(|e| e.in_file(path))?;
        Ok(NewFile {
            path: path.to_path_buf(),
            tmp,
            conn,
        })
    }

    /// The connection, inside the file's transaction.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The file it will replace.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Completes the file: `fill` writes what is still to write, then `meta` goes into
    /// `spielraum_meta`, the transaction is committed, the user data of the file being replaced
    /// is carried over if asked to (checked against `facilities`), and the file is renamed over
    /// the target. On error nothing is renamed and the target is untouched.
    pub(crate) fn finish(
        self,
        meta: &[(String, String)],
        carry: Option<(Carry, &HashSet<OsmId>)>,
        fill: impl FnOnce(&Connection) -> Result<(), StoreError>,
    ) -> Result<Carried, StoreError> {
        let NewFile {
            path,
            tmp,
            mut conn,
        } = self;
        let path = path.as_path();
        let mut carried = Carried::default();
        let mut keep = None;
        // Held from before the copy until the new file has replaced the old one: no edit can be
        // committed to the old file in between (writers wait on the busy timeout).
        let mut old_lock = None;
        match carry {
            Some((mode, facilities)) if path.is_file() => {
                if mode == Carry::Replace {
                    carried.dropped = carry::scenario_count(path);
                }
                let writable = std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly());
                if writable && let Ok(conn) = crate::open(path, true) {
                    conn.execute_batch("BEGIN IMMEDIATE")
                        .map_err(|e| StoreError::from(e).in_file(path))?;
                    old_lock = Some(conn);
                }
                if let Some(tables) = carry::tables_in(path, mode)?.filter(|t| !t.is_empty()) {
                    keep = Some((tables, facilities));
                }
            }
            _ => {}
        }
        let complete = |conn: &Connection| -> Result<(), StoreError> {
            fill(conn)?;
            crate::write_meta_tx(conn, meta)?;
            conn.execute_batch("COMMIT")?;
            Ok(())
        };
        complete(&conn).map_err(|e| e.in_file(path))?;
        if let Some((tables, facilities)) = &keep {
            let dropped = carried.dropped;
            carried = carry::copy_into(&mut conn, path, tables, facilities)?;
            carried.dropped = dropped;
        }
        conn.close()
            .map_err(|(_, e)| StoreError::from(e).in_file(path))?;
        // Temporary files are created 0600; a GeoPackage is an ordinary document.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(
                |source| StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                },
            )?;
        }
        // A WAL journal left by a killed writer of the file being replaced must not be applied
        // to the new one (SQLite would take it for the new file's journal).
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(side));
        }
        tmp.persist(path).map_err(|e| StoreError::Io {
            path: path.to_path_buf(),
            source: e.error,
        })?;
        if let Some(conn) = old_lock {
            // The old file is gone from its name; nothing was written to it.
            let _ = conn.execute_batch("ROLLBACK");
        }
        Ok(carried)
    }
}

/// A new city GeoPackage written while the city is still being read: the walkable ways and the
/// basemap (the two big layers) are appended in batches as they come
/// ([`CityWriter::add_walk_ways`], [`CityWriter::add_basemap`]), the rest of the city at
/// [`CityWriter::finish`]. The file is the one [`crate::write_city_carrying`] writes for the
/// whole city (the same rows in the same order, the same R-trees), and it is written as
/// atomically: a temporary file renamed over the target by `finish` only; dropped before,
/// the writer deletes it and leaves an existing file untouched.
pub struct CityWriter {
    file: NewFile,
    walk_ways: LayerWriter,
    basemap: LayerWriter,
    /// Layers beyond the city's own (the `conflation` record of an inventory), written last.
    extra: Vec<layer::Layer>,
    /// QGIS styles of the layers, written after them.
    styles: Vec<crate::LayerStyle>,
}

impl CityWriter {
    /// Starts a new city GeoPackage that will replace `path` (its folder must exist).
    pub fn create(path: &Path) -> Result<CityWriter, StoreError> {
        let file = NewFile::create(path)?;
        let start = |name| city::create_city_layer(file.conn(), name).map_err(|e| e.in_file(path));
        Ok(CityWriter {
            walk_ways: start("walk_ways")?,
            basemap: start("basemap")?,
            file,
            extra: Vec::new(),
            styles: Vec::new(),
        })
    }

    /// Adds a layer beyond the city's own (e.g. `conflation`), written by `finish` after the
    /// city's layers, in the same transaction (so it is there only if the whole file is).
    pub fn add_layer(&mut self, layer: layer::Layer) {
        self.extra.push(layer);
    }

    /// Adds QGIS styles ([`crate::layer_styles`]) that `finish` writes after the layers, in the
    /// same transaction.
    pub fn add_styles(&mut self, styles: Vec<crate::LayerStyle>) {
        self.styles.extend(styles);
    }

    /// Appends walkable ways to the `walk_ways` layer (rows in the order given).
    pub fn add_walk_ways(&mut self, ways: &[WalkWay]) -> Result<(), StoreError> {
        self.walk_ways
            .insert_items(self.file.conn(), ways)
            .map_err(|e| e.in_file(self.file.path()))
    }

    /// Appends features to the `basemap` layer (rows in the order given).
    pub fn add_basemap(&mut self, features: &[BasemapFeature]) -> Result<(), StoreError> {
        self.basemap
            .insert_items(self.file.conn(), features)
            .map_err(|e| e.in_file(self.file.path()))
    }

    /// Writes the rest of `city` (its walkable ways and basemap, if any, after those added),
    /// the candidate sites and the metadata, carries the scenarios of the file being replaced
    /// over as [`crate::write_city_carrying`] does, and renames the file into place.
    pub fn finish(
        self,
        city: &City,
        candidates: &[CandidateSite],
        carry: Carry,
    ) -> Result<Carried, StoreError> {
        let facilities = city.facilities.iter().map(|f| f.osm_id).collect();
        self.finish_with(city, candidates, Some((carry, &facilities)))
    }

    /// [`CityWriter::finish`], with or without carrying user data over.
    pub(crate) fn finish_with(
        self,
        city: &City,
        candidates: &[CandidateSite],
        carry: Option<(Carry, &HashSet<OsmId>)>,
    ) -> Result<Carried, StoreError> {
        let CityWriter {
            file,
            walk_ways,
            basemap,
            extra,
            styles,
        } = self;
        let mut streamed = [("walk_ways", Some(walk_ways)), ("basemap", Some(basemap))];
        file.finish(&city.metadata, carry, |conn| {
            // The streamed rows are complete unless the city holds more: index them now, which
            // frees their R-tree entries before the other layers are written.
            if city.walk_ways.is_empty() && city.basemap.is_empty() {
                for (_, w) in &mut streamed {
                    if let Some(w) = w {
                        w.index(conn)?;
                    }
                }
            }
            // In the order of CITY_LAYERS, so that the registry tables list them as always.
            for name in city::CITY_LAYERS {
                let mut w = match streamed.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, w)) => w.take().ok_or_else(|| {
                        StoreError::Shape(format!("layer {name} is written twice"))
                    })?,
                    None => city::create_city_layer(conn, name)?,
                };
                city::insert_city_rows(conn, &mut w, city, name)?;
                w.finish(conn)?;
            }
            layer::write_layer_tx(conn, &city::candidate_layer(candidates))?;
            layer::write_layer_tx(conn, &city::sources_layer(&city.sources))?;
            if !city.social.is_empty() {
                for l in &city::social_layers(&city.social) {
                    layer::write_layer_tx(conn, l)?;
                }
            }
            for l in &extra {
                layer::write_layer_tx(conn, l)?;
            }
            crate::layer_styles::write_styles_tx(conn, &styles)?;
            sequence_in_layer_order(conn)
        })
    }
}

/// Puts the rows of `sqlite_sequence` (one per table with rows, added by SQLite at a table's
/// first insert) in the order of the city's layers: the streamed layers got theirs first, and
/// the file is to hold the same rows in the same order as one written in one go.
fn sequence_in_layer_order(conn: &Connection) -> Result<(), StoreError> {
    let mut rows: Vec<(String, i64)> = conn
        .prepare("SELECT name, seq FROM sqlite_sequence ORDER BY rowid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let order = |name: &str| {
        city::CITY_LAYERS
            .iter()
            .chain([&city::CANDIDATE_LAYER])
            .position(|l| *l == name)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|(name, _)| order(name));
    conn.execute("DELETE FROM sqlite_sequence", [])?;
    let mut insert = conn.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)")?;
    for (name, seq) in &rows {
        insert.execute(rusqlite::params![name, seq])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
    use model::{
        Building, Facility, FacilityKind, Neighbourhood, PopulationSource, PopulationUnit,
    };
    use rand::{Rng, SeedableRng};

    /// A city with every layer filled from a seeded generator (lines, polygons with and
    /// without holes, points; names present and missing).
    fn random_city(seed: u64) -> City {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut point = || Coord {
            x: rng.random_range(9.4..9.7),
            y: rng.random_range(47.0..47.3),
        };
        let ring = |c: Coord<f64>, d: f64| {
            LineString::from(vec![
                (c.x, c.y),
                (c.x + d, c.y),
                (c.x + d, c.y + d),
                (c.x, c.y),
            ])
        };
        let mut city = City::default();
        for i in 0..3000 {
            let c = point();
            let geometry = match i % 4 {
                0 => Geometry::LineString(LineString::from(vec![c, point(), point()])),
                1 => {
                    Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(ring(c, 0.001), vec![])]))
                }
                2 => Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(
                    ring(c, 0.01),
                    vec![ring(
                        Coord {
                            x: c.x + 0.005,
                            y: c.y + 0.001,
                        },
                        0.001,
                    )],
                )])),
                _ => Geometry::Point(Point(c)),
            };
            city.basemap.push(BasemapFeature {
                layer: ["roads", "buildings", "landuse", "places"][i % 4].into(),
                class: format!("class{}", i % 7),
                name: (i % 3 == 0).then(|| format!("Name {i}")),
                geometry,
            });
        }
        for id in 0..1500 {
            let coords = vec![point(), point(), point()];
            city.walk_ways.push(WalkWay {
                id,
                nodes: vec![id * 3, id * 3 + 1, -id],
                coords,
                tags: vec![
                    ("highway".into(), "footway".into()),
                    ("name".into(), format!("Weg {id}")),
                ],
            });
        }
        for i in 0..200 {
            let c = point();
            city.facilities.push(Facility {
                osm_id: model::OsmId::Way(i),
                kind: FacilityKind::Playground,
                name: (i % 2 == 0).then(|| "Spielplatz".into()),
                access: None,
                geometry: Geometry::MultiPolygon(MultiPolygon(vec![Polygon::new(
                    ring(c, 0.0005),
                    vec![],
                )])),
                area_m2: Some(1234.5),
                opening_hours: None,
            });
            city.buildings.push(Building {
                osm_id: model::OsmId::Way(10_000 + i),
                building: "house".into(),
                levels: (i % 3 == 0).then_some(2.0),
                footprint_m2: 100.0 + i as f64,
                centre: Point(point()),
                in_residential_landuse: i % 2 == 0,
            });
            city.population.push(PopulationUnit {
                location: Point(point()),
                residents: 3.5,
                ages: [0.5, 0.25, 0.125],
                source: PopulationSource::Buildings,
            });
        }
        city.neighbourhoods.push(Neighbourhood {
            id: "r8".into(),
            name: "Vaduz".into(),
            admin_level: Some(8),
            geometry: MultiPolygon(vec![Polygon::new(ring(point(), 0.2), vec![])]),
            population: Some(700.0),
        });
        city.metadata = vec![("source_file".into(), "x.osm.pbf".into())];
        city
    }

    /// Every row of every table (the R-trees' shadow tables included), in row order, but the
    /// time a layer was written.
    fn dump(path: &Path) -> Vec<(String, Vec<String>)> {
        let conn = Connection::open(path).unwrap();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        tables
            .into_iter()
            .map(|t| {
                let sql = if t == "gpkg_contents" {
                    "SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, \
                     max_y, srs_id FROM gpkg_contents ORDER BY rowid"
                        .to_string()
                } else {
                    format!("SELECT * FROM \"{t}\" ORDER BY rowid")
                };
                let mut stmt = conn.prepare(&sql).unwrap();
                let n = stmt.column_count();
                let rows = stmt
                    .query_map([], |r| {
                        Ok((0..n)
                            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                            .collect::<Vec<_>>()
                            .join("|"))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                (t, rows)
            })
            .collect()
    }

    #[test]
    fn a_city_streamed_in_batches_is_the_file_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let city = random_city(3);
        let whole = dir.path().join("whole.gpkg");
        crate::write_city(&whole, &city).unwrap();

        let streamed = dir.path().join("streamed.gpkg");
        let mut w = CityWriter::create(&streamed).unwrap();
        let mut rest = city.clone();
        let (ways, basemap) = (
            std::mem::take(&mut rest.walk_ways),
            std::mem::take(&mut rest.basemap),
        );
        // Uneven batches, the two layers interleaved, some batches empty.
        for (k, (ways, base)) in ways.chunks(97).zip(basemap.chunks(211)).enumerate() {
            w.add_basemap(base).unwrap();
            w.add_walk_ways(if k % 5 == 0 { &[] } else { ways })
                .unwrap();
            if k % 5 == 0 {
                w.add_walk_ways(ways).unwrap();
            }
        }
        // What the zip left over.
        let k = ways.chunks(97).count().min(basemap.chunks(211).count());
        w.add_walk_ways(&ways[(97 * k).min(ways.len())..]).unwrap();
        w.add_basemap(&basemap[(211 * k).min(basemap.len())..])
            .unwrap();
        let carried = w.finish(&rest, &[], Carry::Keep).unwrap();
        assert_eq!(carried, Carried::default());

        // The reference: each layer converted whole into generic features and written by
        // the generic layer writer (the path of the result layers).
        let generic = dir.path().join("generic.gpkg");
        let layers = city::CITY_LAYERS
            .iter()
            .map(|n| city::city_layer(&city, n))
            .chain([
                city::candidate_layer(&[]),
                city::sources_layer(&city.sources),
            ]);
        crate::write_new(&generic, layers, &city.metadata, None).unwrap();

        let (a, b) = (dump(&generic), dump(&streamed));
        assert_eq!(a.len(), b.len());
        for ((ta, ra), (tb, rb)) in a.iter().zip(&b) {
            assert_eq!(ta, tb);
            assert_eq!(ra, rb, "table {ta}");
        }
        assert_eq!(dump(&whole), b);
        assert!(
            a.iter()
                .any(|(t, r)| t == "rtree_basemap_geom" && r.len() == 3000)
        );
        assert_eq!(crate::read_city(&streamed).unwrap(), city);
        // Only the three GeoPackages are left (no temporary files).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }

    #[test]
    fn a_writer_dropped_before_finishing_leaves_the_old_file_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.gpkg");
        std::fs::write(&path, b"the previous import").unwrap();
        let city = random_city(4);
        let mut w = CityWriter::create(&path).unwrap();
        w.add_basemap(&city.basemap).unwrap();
        w.add_walk_ways(&city.walk_ways).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "the temporary file"
        );
        drop(w);
        assert_eq!(std::fs::read(&path).unwrap(), b"the previous import");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
