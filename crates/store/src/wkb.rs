//! GeoPackage binary geometries: the `GP` header (envelope, SRS id) around standard WKB.
//!
//! Writes little-endian 2D WKB; reads either byte order, 2D only (Z/M are refused).

use geo::BoundingRect;
use geo_types::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

/// What is wrong with a geometry blob.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WkbError {
    /// The blob ends before the geometry does.
    #[error("geometry blob is truncated")]
    Truncated,
    /// The blob does not start with the GeoPackage magic `GP`.
    #[error("geometry blob does not start with the GeoPackage magic 'GP'")]
    NotGeoPackage,
    /// A flag combination or version we do not read.
    #[error("unsupported GeoPackage geometry header: {0}")]
    UnsupportedHeader(String),
    /// A WKB type code we do not read (3D, measured, curves).
    #[error("unsupported WKB geometry type {0}")]
    UnsupportedType(u32),
    /// A byte-order marker other than 0 or 1.
    #[error("invalid WKB byte order {0}")]
    ByteOrder(u8),
}

/// The SRS id written in every header (WGS84 lon/lat).
pub const SRS_WGS84: i32 = 4326;

/// Encodes `geometry` as a GeoPackage binary geometry (header with xy envelope, SRS 4326, WKB).
pub fn encode_gpkg(geometry: &Geometry<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode_gpkg_into(&mut out, geometry);
    out
}

/// [`encode_gpkg`] appended to `out` (a buffer used again for every row); returns the
/// geometry's bounding box (the envelope written), `None` for an empty geometry.
pub(crate) fn encode_gpkg_into(
    out: &mut Vec<u8>,
    geometry: &Geometry<f64>,
) -> Option<geo_types::Rect<f64>> {
    out.extend_from_slice(b"GP");
    out.push(0); // version 1 (encoded as 0)
    let rect = geometry.bounding_rect();
    match rect {
        Some(r) => {
            out.push(0b0000_0011); // little endian, envelope [minx, maxx, miny, maxy]
            out.extend_from_slice(&SRS_WGS84.to_le_bytes());
            for v in [r.min().x, r.max().x, r.min().y, r.max().y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        None => {
            out.push(0b0001_0001); // little endian, empty, no envelope
            out.extend_from_slice(&SRS_WGS84.to_le_bytes());
        }
    }
    write_wkb(out, geometry);
    rect
}

/// Decodes a GeoPackage binary geometry.
pub fn decode_gpkg(blob: &[u8]) -> Result<Geometry<f64>, WkbError> {
    if blob.len() < 8 {
        return Err(WkbError::Truncated);
    }
    if &blob[0..2] != b"GP" {
        return Err(WkbError::NotGeoPackage);
    }
    if blob[2] != 0 {
        return Err(WkbError::UnsupportedHeader(format!("version {}", blob[2])));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err(WkbError::UnsupportedHeader("extended geometry".into()));
    }
    let envelope_doubles = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 4,
        2 | 3 => 6,
        4 => 8,
        e => return Err(WkbError::UnsupportedHeader(format!("envelope code {e}"))),
    };
    let start = 8 + envelope_doubles * 8;
    let wkb = blob.get(start..).ok_or(WkbError::Truncated)?;
    read_wkb(wkb)
}

/// Decodes standard 2D WKB (either byte order), as PostGIS' `ST_AsBinary` gives it.
pub fn read_wkb(wkb: &[u8]) -> Result<Geometry<f64>, WkbError> {
    let mut r = Reader { buf: wkb, pos: 0 };
    r.geometry()
}

/// Appends the little-endian 2D WKB of `geometry` to `out`.
pub fn write_wkb(out: &mut Vec<u8>, geometry: &Geometry<f64>) {
    fn header(out: &mut Vec<u8>, code: u32) {
        out.push(1);
        out.extend_from_slice(&code.to_le_bytes());
    }
    fn coord(out: &mut Vec<u8>, c: Coord<f64>) {
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
    }
    fn count(out: &mut Vec<u8>, n: usize) {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    fn coords(out: &mut Vec<u8>, ls: &LineString<f64>) {
        count(out, ls.0.len());
        ls.0.iter().for_each(|c| coord(out, *c));
    }
    fn polygon_body(out: &mut Vec<u8>, p: &Polygon<f64>) {
        if p.exterior().0.is_empty() {
            count(out, 0);
            return;
        }
        count(out, 1 + p.interiors().len());
        coords(out, p.exterior());
        p.interiors().iter().for_each(|r| coords(out, r));
    }
    match geometry {
        Geometry::Point(p) => {
            header(out, 1);
            coord(out, p.0);
        }
        Geometry::LineString(ls) => {
            header(out, 2);
            coords(out, ls);
        }
        Geometry::Polygon(p) => {
            header(out, 3);
            polygon_body(out, p);
        }
        Geometry::MultiPoint(mp) => {
            header(out, 4);
            count(out, mp.0.len());
            mp.0.iter()
                .for_each(|p| write_wkb(out, &Geometry::Point(*p)));
        }
        Geometry::MultiLineString(ml) => {
            header(out, 5);
            count(out, ml.0.len());
            for ls in &ml.0 {
                header(out, 2);
                coords(out, ls);
            }
        }
        Geometry::MultiPolygon(mp) => {
            header(out, 6);
            count(out, mp.0.len());
            for p in &mp.0 {
                header(out, 3);
                polygon_body(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            header(out, 7);
            count(out, gc.0.len());
            gc.0.iter().for_each(|g| write_wkb(out, g));
        }
        Geometry::Line(l) => write_wkb(out, &Geometry::LineString(LineString::from(*l))),
        Geometry::Rect(r) => write_wkb(out, &Geometry::Polygon(r.to_polygon())),
        Geometry::Triangle(t) => write_wkb(out, &Geometry::Polygon(t.to_polygon())),
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let s = self
            .buf
            .get(self.pos..self.pos + N)
            .ok_or(WkbError::Truncated)?;
        self.pos += N;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u32(&mut self, le: bool) -> Result<u32, WkbError> {
        let b = self.bytes::<4>()?;
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, WkbError> {
        let b = self.bytes::<8>()?;
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count, checked against the bytes left so a corrupt count cannot allocate wildly.
    fn count(&mut self, le: bool, min_item_bytes: usize) -> Result<usize, WkbError> {
        let n = self.u32(le)? as usize;
        if n.saturating_mul(min_item_bytes) > self.buf.len().saturating_sub(self.pos) {
            return Err(WkbError::Truncated);
        }
        Ok(n)
    }

    fn coord(&mut self, le: bool) -> Result<Coord<f64>, WkbError> {
        Ok(Coord {
            x: self.f64(le)?,
            y: self.f64(le)?,
        })
    }

    fn line(&mut self, le: bool) -> Result<LineString<f64>, WkbError> {
        let n = self.count(le, 16)?;
        (0..n)
            .map(|_| self.coord(le))
            .collect::<Result<Vec<_>, _>>()
            .map(LineString)
    }

    fn polygon(&mut self, le: bool) -> Result<Polygon<f64>, WkbError> {
        let n = self.count(le, 4)?;
        let mut rings = (0..n)
            .map(|_| self.line(le))
            .collect::<Result<Vec<_>, _>>()?;
        if rings.is_empty() {
            return Ok(Polygon::new(LineString(vec![]), vec![]));
        }
        let exterior = rings.remove(0);
        Ok(Polygon::new(exterior, rings))
    }

    fn header(&mut self) -> Result<(bool, u32), WkbError> {
        let [order] = self.bytes::<1>()?;
        let le = match order {
            0 => false,
            1 => true,
            o => return Err(WkbError::ByteOrder(o)),
        };
        Ok((le, self.u32(le)?))
    }

    fn typed<T>(
        &mut self,
        want: u32,
        f: impl Fn(Geometry<f64>) -> Option<T>,
    ) -> Result<T, WkbError> {
        let g = self.geometry()?;
        let _ = want;
        f(g).ok_or(WkbError::UnsupportedType(want))
    }

    fn geometry(&mut self) -> Result<Geometry<f64>, WkbError> {
        let (le, code) = self.header()?;
        Ok(match code {
            1 => Geometry::Point(Point(self.coord(le)?)),
            2 => Geometry::LineString(self.line(le)?),
            3 => Geometry::Polygon(self.polygon(le)?),
            4 => {
                let n = self.count(le, 21)?;
                let pts = (0..n)
                    .map(|_| {
                        self.typed(1, |g| match g {
                            Geometry::Point(p) => Some(p),
                            _ => None,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Geometry::MultiPoint(MultiPoint(pts))
            }
            5 => {
                let n = self.count(le, 9)?;
                let ls = (0..n)
                    .map(|_| {
                        self.typed(2, |g| match g {
                            Geometry::LineString(l) => Some(l),
                            _ => None,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Geometry::MultiLineString(MultiLineString(ls))
            }
            6 => {
                let n = self.count(le, 9)?;
                let ps = (0..n)
                    .map(|_| {
                        self.typed(3, |g| match g {
                            Geometry::Polygon(p) => Some(p),
                            _ => None,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Geometry::MultiPolygon(MultiPolygon(ps))
            }
            7 => {
                let n = self.count(le, 5)?;
                let gs = (0..n)
                    .map(|_| self.geometry())
                    .collect::<Result<Vec<_>, _>>()?;
                Geometry::GeometryCollection(GeometryCollection(gs))
            }
            other => return Err(WkbError::UnsupportedType(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn wkb(g: &Geometry<f64>) -> Vec<u8> {
        let mut v = Vec::new();
        write_wkb(&mut v, g);
        v
    }

    #[test]
    fn point_matches_hand_written_wkb() {
        // POINT(1 2): byte order 01, type 01000000, x = 1.0 (00..F03F), y = 2.0 (00..0040).
        let expected: Vec<u8> = vec![
            0x01, 0x01, 0x00, 0x00, 0x00, //
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0, 0x3F, //
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
        ];
        let g = Geometry::Point(Point::new(1.0, 2.0));
        assert_eq!(wkb(&g), expected);
        // Big-endian of the same point reads back too.
        let be: Vec<u8> = vec![
            0x00, 0x00, 0x00, 0x00, 0x01, //
            0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
            0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let mut r = Reader { buf: &be, pos: 0 };
        assert_eq!(r.geometry().unwrap(), g);
    }

    #[test]
    fn polygon_matches_hand_written_wkb() {
        // POLYGON((0 0, 1 0, 0 1, 0 0)): 01 03000000, 1 ring, 4 points.
        let mut expected: Vec<u8> = vec![0x01, 0x03, 0, 0, 0, 0x01, 0, 0, 0, 0x04, 0, 0, 0];
        let one = [0, 0, 0, 0, 0, 0, 0xF0, 0x3F];
        let zero = [0u8; 8];
        for (x, y) in [(zero, zero), (one, zero), (zero, one), (zero, zero)] {
            expected.extend_from_slice(&x);
            expected.extend_from_slice(&y);
        }
        let g = Geometry::Polygon(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)]);
        assert_eq!(wkb(&g), expected);
    }

    #[test]
    fn gpkg_header_has_magic_flags_srs_and_envelope() {
        let g =
            Geometry::Polygon(polygon![(x: 9.0, y: 47.0), (x: 9.5, y: 47.0), (x: 9.5, y: 47.25)]);
        let b = encode_gpkg(&g);
        assert_eq!(&b[0..4], &[b'G', b'P', 0, 0x03]);
        assert_eq!(&b[4..8], &4326i32.to_le_bytes());
        let env: Vec<f64> = (0..4)
            .map(|i| f64::from_le_bytes(b[8 + i * 8..16 + i * 8].try_into().unwrap()))
            .collect();
        assert_eq!(env, vec![9.0, 9.5, 47.0, 47.25]); // minx, maxx, miny, maxy
        assert_eq!(&b[40..], &wkb(&g)[..]);
        assert_eq!(decode_gpkg(&b).unwrap(), g);
    }

    #[test]
    fn every_type_round_trips() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0)];
        let hole = LineString::from(vec![(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)]);
        let with_hole = Polygon::new(p.exterior().clone(), vec![hole]);
        let line = LineString::from(vec![(0.5, 0.5), (1.5, 2.5)]);
        let all = vec![
            Geometry::Point(Point::new(-1.5, 3.25)),
            Geometry::LineString(line.clone()),
            Geometry::Polygon(with_hole.clone()),
            Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 2.0), Point::new(3.0, 4.0)])),
            Geometry::MultiLineString(MultiLineString(vec![line.clone(), line.clone()])),
            Geometry::MultiPolygon(MultiPolygon(vec![with_hole, p])),
        ];
        let gc = Geometry::GeometryCollection(GeometryCollection(all.clone()));
        for g in all.iter().chain([&gc]) {
            assert_eq!(&decode_gpkg(&encode_gpkg(g)).unwrap(), g);
        }
    }

    #[test]
    fn corrupt_blobs_are_errors_not_panics() {
        let good = encode_gpkg(&Geometry::Point(Point::new(1.0, 2.0)));
        for cut in 0..good.len() {
            assert!(decode_gpkg(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(
            decode_gpkg(b"XX\0\x01\0\0\0\0"),
            Err(WkbError::NotGeoPackage)
        );
        // A huge ring count in a short blob.
        let mut b = encode_gpkg(&Geometry::Point(Point::new(1.0, 2.0)))[..40].to_vec();
        b.extend_from_slice(&[1, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert_eq!(decode_gpkg(&b), Err(WkbError::Truncated));
    }
}
