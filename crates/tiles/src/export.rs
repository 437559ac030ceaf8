//! The static export of a [`TileSet`]: every non-empty tile of a zoom range, gzip-compressed,
//! in one PMTiles v3 archive with TileJSON-style metadata (`vector_layers`, attribution, bounds).
//!
//! The zoom range for an extract is chosen by [`zoom_range`]; tiles are rendered and compressed
//! in parallel (rayon), in chunks in PMTiles tile-id order so memory stays bounded.

use std::io::{Seek, Write};

use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
use rayon::prelude::*;
use serde_json::json;

use crate::mercator::{MAX_ZOOM, TileId, lonlat_to_unit};
use crate::source::{BUFFER, EXTENT, TileSet};

/// The highest zoom written by default: the live style's tile source stops there too, and
/// MapLibre overzooms its tiles beyond. From [`crate::source::DETAIL_ZOOM`] on tiles hold every feature, so
/// higher zooms would only add precision (at zoom 16 a tile unit is below 0.1 m).
pub const DEFAULT_MAX_ZOOM: u8 = 16;

/// How many tiles are rendered in parallel before they are written (bounds memory).
const CHUNK: usize = 2048;

/// Errors of writing an archive.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The tile set holds no feature: there is nothing to export.
    #[error("the city has no features to put into tiles")]
    NoData,
    /// The zoom range is empty or beyond the tile grid.
    #[error(
        "zoom range {min}..={max} is not valid (min must not exceed max; max at most {MAX_ZOOM})"
    )]
    BadZoom {
        /// Lowest zoom asked for.
        min: u8,
        /// Highest zoom asked for.
        max: u8,
    },
    /// The PMTiles writer failed (usually: the output could not be written).
    #[error("cannot write the PMTiles archive: {0}")]
    Write(#[from] pmtiles::PmtError),
}

/// What goes into the archive besides the tiles.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Lowest zoom written.
    pub min_zoom: u8,
    /// Highest zoom written (the map overzooms beyond it).
    pub max_zoom: u8,
    /// Metadata `name`.
    pub name: String,
    /// Metadata `description`.
    pub description: String,
    /// Metadata `attribution` (HTML, as MapLibre shows it).
    pub attribution: String,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Non-empty tiles written, per zoom (`(zoom, tiles)`, every zoom of the range).
    pub tiles_per_zoom: Vec<(u8, u64)>,
    /// Tiles looked at (non-empty or not).
    pub tiles_rendered: u64,
}

impl ExportSummary {
    /// All non-empty tiles written.
    pub fn tiles(&self) -> u64 {
        self.tiles_per_zoom.iter().map(|(_, n)| n).sum()
    }
}

/// The zoom range for an extract with lon/lat `bounds` (west, south, east, north).
///
/// Rule: the highest zoom is [`DEFAULT_MAX_ZOOM`]; the lowest is one below the highest zoom at
/// which the extract spans at most one tile in both directions (so a map half a tile wide
/// still shows all of it), clamped to `0..=max`. The demo extract (about 0.2° wide) fits one
/// tile at zoom 10, so it gets zooms 9 to 16.
pub fn zoom_range(bounds: [f64; 4]) -> (u8, u8) {
    let a = lonlat_to_unit(geo_types::Coord {
        x: bounds[0],
        y: bounds[3],
    });
    let b = lonlat_to_unit(geo_types::Coord {
        x: bounds[2],
        y: bounds[1],
    });
    let span = (b.x - a.x).max(b.y - a.y);
    let fit = if span > 0.0 {
        (-span.log2())
            .floor()
            .clamp(0.0, f64::from(DEFAULT_MAX_ZOOM)) as u8
    } else {
        DEFAULT_MAX_ZOOM
    };
    (fit.saturating_sub(1), DEFAULT_MAX_ZOOM)
}

/// Every tile of zoom `z` whose area, widened by the render buffer ([`BUFFER`] of [`EXTENT`]
/// units on each side), meets the lon/lat `bounds` (west, south, east, north): all tiles that
/// can hold a feature inside `bounds`.
pub fn tiles_covering(bounds: [f64; 4], z: u8) -> impl Iterator<Item = TileId> {
    let n = 2f64.powi(i32::from(z));
    let pad = BUFFER / f64::from(EXTENT);
    let a = lonlat_to_unit(geo_types::Coord {
        x: bounds[0],
        y: bounds[3],
    });
    let b = lonlat_to_unit(geo_types::Coord {
        x: bounds[2],
        y: bounds[1],
    });
    let last = (n - 1.0).max(0.0);
    let cell = |v: f64| v.floor().clamp(0.0, last) as u32;
    let (x0, x1) = (cell(a.x * n - pad), cell(b.x * n + pad));
    let (y0, y1) = (cell(a.y * n - pad), cell(b.y * n + pad));
    (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| TileId { z, x, y }))
}

/// The archive's metadata: TileJSON-style `vector_layers` (id, fields, zooms) of every
/// non-empty layer, name, description, attribution, bounds and center.
pub fn metadata(set: &TileSet, opts: &ExportOptions) -> serde_json::Value {
    let layers: Vec<serde_json::Value> = set
        .layer_schema()
        .into_iter()
        .filter_map(|l| {
            Some(json!({
                "id": l.name,
                "fields": l.fields,
                "minzoom": l.min_zoom?.clamp(opts.min_zoom, opts.max_zoom),
                "maxzoom": opts.max_zoom,
            }))
        })
        .collect();
    let b = set.bounds().unwrap_or([-180.0, -85.0, 180.0, 85.0]);
    json!({
        "name": opts.name,
        "description": opts.description,
        "attribution": opts.attribution,
        "type": "overlay",
        "format": "pbf",
        "minzoom": opts.min_zoom,
        "maxzoom": opts.max_zoom,
        "bounds": b,
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, center_zoom(opts)],
        "vector_layers": layers,
        "generator": concat!("spielraum ", env!("CARGO_PKG_VERSION")),
    })
}

fn center_zoom(opts: &ExportOptions) -> u8 {
    (opts.min_zoom + 2).min(opts.max_zoom)
}

/// Writes every non-empty tile of `set` over its bounds, zooms `opts.min_zoom..=opts.max_zoom`,
/// gzip-compressed, into one PMTiles v3 archive (tile type MVT) on `out`, with [`metadata`].
///
/// `progress(done, total)` is called after each chunk of tiles. Identical tiles are stored once.
pub fn write_pmtiles<W: Write + Seek>(
    set: &TileSet,
    opts: &ExportOptions,
    out: W,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ExportSummary, ExportError> {
    if opts.min_zoom > opts.max_zoom || opts.max_zoom > MAX_ZOOM {
        return Err(ExportError::BadZoom {
            min: opts.min_zoom,
            max: opts.max_zoom,
        });
    }
    let bounds = set.bounds().ok_or(ExportError::NoData)?;
    // In PMTiles tile-id order (zoom by zoom, Hilbert curve inside), as readers prefer.
    let mut ids = Vec::new();
    for t in (opts.min_zoom..=opts.max_zoom).flat_map(|z| tiles_covering(bounds, z)) {
        ids.push((u64::from(pmtiles::TileId::from(pm_coord(t)?)), t));
    }
    ids.sort_unstable_by_key(|(id, _)| *id);

    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .min_zoom(opts.min_zoom)
        .max_zoom(opts.max_zoom)
        .bounds(bounds[0], bounds[1], bounds[2], bounds[3])
        .center((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0)
        .center_zoom(center_zoom(opts))
        .metadata(metadata(set, opts).to_string())
        .create(out)?;
    let mut per_zoom = vec![0u64; usize::from(opts.max_zoom - opts.min_zoom) + 1];
    let total = ids.len() as u64;
    let mut done = 0u64;
    for chunk in ids.chunks(CHUNK) {
        let encoded: Vec<(TileId, Vec<u8>)> = chunk
            .par_iter()
            .map(|&(_, t)| {
                let raw = set.render(t);
                let gz = if raw.is_empty() {
                    raw
                } else {
                    crate::cache::gzip(&raw, flate2::Compression::default())
                };
                (t, gz)
            })
            .collect();
        for (t, gz) in encoded.into_iter().filter(|(_, gz)| !gz.is_empty()) {
            writer.add_tile(pm_coord(t)?, &gz)?;
            per_zoom[usize::from(t.z - opts.min_zoom)] += 1;
        }
        done += chunk.len() as u64;
        progress(done, total);
    }
    writer.finalize()?;
    Ok(ExportSummary {
        tiles_per_zoom: (opts.min_zoom..=opts.max_zoom).zip(per_zoom).collect(),
        tiles_rendered: total,
    })
}

fn pm_coord(t: TileId) -> Result<TileCoord, ExportError> {
    Ok(TileCoord::new(t.z, t.x, t.y)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFeature, SourceLayer};
    use geo_types::{Geometry, Point};

    #[test]
    fn zoom_rule_by_hand() {
        // A box 0.2° wide at the equator spans 0.2/360 = 1/1800 of the world: one tile is
        // 1/1024 wide at zoom 10 and 1/2048 at zoom 11, so it fits one tile up to zoom 10 and
        // the range starts one below, at 9.
        assert_eq!(zoom_range([0.0, 0.0, 0.2, 0.1]), (9, DEFAULT_MAX_ZOOM));
        // The whole world fits one tile only at zoom 0.
        assert_eq!(
            zoom_range([-180.0, -85.0, 180.0, 85.0]),
            (0, DEFAULT_MAX_ZOOM)
        );
        // A single point never outgrows a tile: the range collapses near the top.
        assert_eq!(
            zoom_range([9.5, 47.1, 9.5, 47.1]),
            (DEFAULT_MAX_ZOOM - 1, DEFAULT_MAX_ZOOM)
        );
    }

    #[test]
    fn covering_tiles_by_hand() {
        // At zoom 1 the four quadrants; a box around (0, 0) touches all four.
        let all: Vec<TileId> = tiles_covering([-1.0, -1.0, 1.0, 1.0], 1).collect();
        assert_eq!(all.len(), 4);
        // A box inside the north-east quadrant: only tile 1/1/0.
        let ne: Vec<TileId> = tiles_covering([10.0, 10.0, 20.0, 20.0], 1).collect();
        assert_eq!(ne, vec![TileId { z: 1, x: 1, y: 0 }]);
    }

    fn point_set(lon: f64, lat: f64) -> TileSet {
        TileSet::new(vec![SourceLayer {
            name: "facilities".into(),
            features: vec![SourceFeature {
                id: None,
                geometry: Geometry::Point(Point::new(lon, lat)),
                properties: vec![("kind".into(), crate::Value::String("playground".into()))],
                min_zoom: 0,
            }],
        }])
    }

    #[test]
    fn a_point_in_the_buffer_of_a_neighbour_makes_two_tiles() {
        // At zoom 1 the meridian splits tiles x=0 and x=1. A point at 0.1°E lies in x=1, at
        // 0.1/360 * 2 = 0.00056 tile widths from the edge, well inside the 64/4096 = 0.0156
        // buffer of x=0, so the live server draws it in both tiles: two tiles, not one.
        let opts = ExportOptions {
            min_zoom: 1,
            max_zoom: 1,
            name: "t".into(),
            description: String::new(),
            attribution: String::new(),
        };
        let s = write_pmtiles(
            &point_set(0.1, 47.1),
            &opts,
            std::io::Cursor::new(Vec::new()),
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(s.tiles_per_zoom, vec![(1, 2)]);
        // 90°E is a quarter of a tile away from every edge at zoom 1: one tile.
        let s = write_pmtiles(
            &point_set(90.0, 47.1),
            &opts,
            std::io::Cursor::new(Vec::new()),
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(s.tiles_per_zoom, vec![(1, 1)]);
    }

    #[test]
    fn metadata_lists_non_empty_layers_with_field_types_and_zooms() {
        let building = SourceFeature {
            id: None,
            geometry: Geometry::Point(Point::new(9.5, 47.1)),
            properties: vec![
                ("class".into(), crate::Value::String("house".into())),
                ("levels".into(), crate::Value::Int(2)),
                ("area".into(), crate::Value::Double(81.5)),
                ("public".into(), crate::Value::Bool(false)),
            ],
            min_zoom: 13,
        };
        let set = TileSet::new(vec![
            SourceLayer {
                name: "buildings".into(),
                features: vec![building],
            },
            SourceLayer {
                name: "railways".into(),
                features: vec![],
            },
        ]);
        let opts = ExportOptions {
            min_zoom: 7,
            max_zoom: 16,
            name: "demo".into(),
            description: "d".into(),
            attribution: "© OpenStreetMap contributors".into(),
        };
        let m = metadata(&set, &opts);
        // The empty railways layer is not announced; buildings appear from zoom 13.
        assert_eq!(
            m["vector_layers"],
            json!([{
                "id": "buildings",
                "fields": { "area": "Number", "class": "String", "levels": "Number", "public": "Boolean" },
                "minzoom": 13,
                "maxzoom": 16,
            }])
        );
        assert_eq!(m["minzoom"], 7);
        assert_eq!(m["attribution"], "© OpenStreetMap contributors");
        assert_eq!(
            m["bounds"][0].as_f64().map(|x| (x - 9.5).abs() < 1e-9),
            Some(true)
        );
    }

    #[test]
    fn rejects_bad_zoom_and_empty_sets() {
        let opts = ExportOptions {
            min_zoom: 5,
            max_zoom: 4,
            name: String::new(),
            description: String::new(),
            attribution: String::new(),
        };
        let one = point_set(9.5, 47.1);
        let out = std::io::Cursor::new(Vec::new());
        assert!(matches!(
            write_pmtiles(&one, &opts, out, &|_, _| {}),
            Err(ExportError::BadZoom { .. })
        ));
        let empty = TileSet::new(vec![]);
        let opts = ExportOptions {
            min_zoom: 0,
            max_zoom: 2,
            ..opts
        };
        let out = std::io::Cursor::new(Vec::new());
        assert!(matches!(
            write_pmtiles(&empty, &opts, out, &|_, _| {}),
            Err(ExportError::NoData)
        ));
    }

    #[test]
    fn one_point_gives_one_tile_per_zoom() {
        // A single point lies in exactly one tile per zoom (its buffer reaches no neighbour
        // unless it sits within 64/4096 of an edge; 9.5°E 47.1°N does not at zooms 0..=3).
        let one = point_set(9.5, 47.1);
        let opts = ExportOptions {
            min_zoom: 0,
            max_zoom: 3,
            name: "t".into(),
            description: String::new(),
            attribution: "© OpenStreetMap contributors".into(),
        };
        let mut buf = std::io::Cursor::new(Vec::new());
        let s = write_pmtiles(&one, &opts, &mut buf, &|_, _| {}).unwrap();
        assert_eq!(s.tiles_per_zoom, vec![(0, 1), (1, 1), (2, 1), (3, 1)]);
        let bytes = buf.into_inner();
        // PMTiles v3 header: magic "PMTiles", version byte 3 (spec, section 3).
        assert_eq!(&bytes[..7], b"PMTiles");
        assert_eq!(bytes[7], 3);
        let meta = metadata(&one, &opts);
        assert_eq!(meta["vector_layers"][0]["id"], "facilities");
        assert_eq!(meta["vector_layers"][0]["fields"]["kind"], "String");
    }
}
