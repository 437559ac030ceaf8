//! Mapbox Vector Tile 2.1 encoding by hand-written protobuf: layers, features, tags,
//! command-integer geometries (MoveTo / LineTo / ClosePath, zig-zag deltas).
//!
//! Field numbers follow `vector_tile.proto` of the MVT 2.1 specification.

use std::collections::HashMap;

/// A property value of a feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (`string_value`, field 1).
    String(String),
    /// A floating point number (`double_value`, field 3).
    Double(f64),
    /// A signed integer (`sint_value`, field 6).
    Int(i64),
    /// A boolean (`bool_value`, field 7).
    Bool(bool),
}

impl Value {
    /// A key for de-duplicating values inside a layer (doubles by their bits).
    fn dedup_key(&self) -> (u8, String) {
        match self {
            Value::String(s) => (1, s.clone()),
            Value::Double(d) => (3, d.to_bits().to_string()),
            Value::Int(i) => (6, i.to_string()),
            Value::Bool(b) => (7, b.to_string()),
        }
    }
}

/// The geometry type of an encoded feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    /// Points (`POINT = 1`).
    Point = 1,
    /// Lines (`LINESTRING = 2`).
    LineString = 2,
    /// Polygons (`POLYGON = 3`).
    Polygon = 3,
}

/// Appends a base-128 varint.
fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Zig-zag encodes a signed integer (0, -1, 1, -2 … -> 0, 1, 2, 3 …).
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Appends a field key (field number and wire type).
fn put_key(buf: &mut Vec<u8>, field: u32, wire: u8) {
    put_varint(buf, (u64::from(field) << 3) | u64::from(wire));
}

/// Appends a length-delimited field.
fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(buf, field, 2);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// A command integer: the command id in the low 3 bits, the repeat count above.
fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

/// Builds the geometry command stream of one feature in tile coordinates.
///
/// `parts` are point sets (one part, each point a MoveTo), lines (MoveTo + LineTo),
/// or polygon rings (MoveTo + LineTo + ClosePath; the closing point is not repeated).
pub fn encode_geometry(kind: GeomType, parts: &[Vec<[i32; 2]>]) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut cx, mut cy) = (0i64, 0i64);
    let mut push_point = |out: &mut Vec<u32>, p: [i32; 2]| {
        let (x, y) = (i64::from(p[0]), i64::from(p[1]));
        out.push(zigzag(x - cx) as u32);
        out.push(zigzag(y - cy) as u32);
        cx = x;
        cy = y;
    };
    match kind {
        GeomType::Point => {
            let pts: Vec<[i32; 2]> = parts.iter().flatten().copied().collect();
            if pts.is_empty() {
                return out;
            }
            out.push(command(1, pts.len() as u32));
            for p in pts {
                push_point(&mut out, p);
            }
        }
        GeomType::LineString | GeomType::Polygon => {
            for part in parts {
                let pts: &[[i32; 2]] =
                    if kind == GeomType::Polygon && part.len() > 1 && part.first() == part.last() {
                        &part[..part.len() - 1]
                    } else {
                        part
                    };
                if pts.len() < 2 {
                    continue;
                }
                out.push(command(1, 1));
                push_point(&mut out, pts[0]);
                out.push(command(2, (pts.len() - 1) as u32));
                for &p in &pts[1..] {
                    push_point(&mut out, p);
                }
                if kind == GeomType::Polygon {
                    out.push(command(7, 1));
                }
            }
        }
    }
    out
}

/// Collects features of one layer, de-duplicating keys and values, and encodes it.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    extent: u32,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<Value>,
    value_index: HashMap<(u8, String), u32>,
    features: Vec<u8>,
    count: usize,
}

impl LayerBuilder {
    /// An empty layer with the given name and extent (4096 is usual).
    pub fn new(name: &str, extent: u32) -> LayerBuilder {
        LayerBuilder {
            name: name.to_string(),
            extent,
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
            count: 0,
        }
    }

    /// How many features were added.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no feature was added.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds one feature with an already built command stream; empty geometries are skipped.
    pub fn add(
        &mut self,
        id: Option<u64>,
        kind: GeomType,
        geometry: &[u32],
        props: &[(String, Value)],
    ) {
        if geometry.is_empty() {
            return;
        }
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (k, v) in props {
            let ki = match self.key_index.get(k) {
                Some(&i) => i,
                None => {
                    let i = self.keys.len() as u32;
                    self.keys.push(k.clone());
                    self.key_index.insert(k.clone(), i);
                    i
                }
            };
            let dk = v.dedup_key();
            let vi = match self.value_index.get(&dk) {
                Some(&i) => i,
                None => {
                    let i = self.values.len() as u32;
                    self.values.push(v.clone());
                    self.value_index.insert(dk, i);
                    i
                }
            };
            tags.push(ki);
            tags.push(vi);
        }
        let mut f = Vec::new();
        if let Some(id) = id {
            put_key(&mut f, 1, 0);
            put_varint(&mut f, id);
        }
        if !tags.is_empty() {
            put_bytes(&mut f, 2, &packed(&tags));
        }
        put_key(&mut f, 3, 0);
        put_varint(&mut f, kind as u64);
        put_bytes(&mut f, 4, &packed(geometry));
        put_bytes(&mut self.features, 2, &f);
        self.count += 1;
    }

    /// Encodes the layer message (`Tile.Layer`).
    pub fn finish(self) -> Vec<u8> {
        let mut b = Vec::with_capacity(self.features.len() + 64);
        put_key(&mut b, 15, 0);
        put_varint(&mut b, 2);
        put_bytes(&mut b, 1, self.name.as_bytes());
        b.extend_from_slice(&self.features);
        for k in &self.keys {
            put_bytes(&mut b, 3, k.as_bytes());
        }
        for v in &self.values {
            let mut vb = Vec::new();
            match v {
                Value::String(s) => put_bytes(&mut vb, 1, s.as_bytes()),
                Value::Double(d) => {
                    put_key(&mut vb, 3, 1);
                    vb.extend_from_slice(&d.to_le_bytes());
                }
                Value::Int(i) => {
                    put_key(&mut vb, 6, 0);
                    put_varint(&mut vb, zigzag(*i));
                }
                Value::Bool(x) => {
                    put_key(&mut vb, 7, 0);
                    put_varint(&mut vb, u64::from(*x));
                }
            }
            put_bytes(&mut b, 4, &vb);
        }
        put_key(&mut b, 5, 0);
        put_varint(&mut b, u64::from(self.extent));
        b
    }
}

/// Packs unsigned integers as a packed repeated varint field body.
fn packed(v: &[u32]) -> Vec<u8> {
    let mut b = Vec::with_capacity(v.len() * 2);
    for &x in v {
        put_varint(&mut b, u64::from(x));
    }
    b
}

/// Concatenates encoded layers into a tile (`Tile.layers`, field 3); empty layers are left out.
pub fn encode_tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let mut out = Vec::new();
    for l in layers {
        if !l.is_empty() {
            put_bytes(&mut out, 3, &l.finish());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_matches_protobuf_spec() {
        // From the protobuf encoding guide: 0->0, -1->1, 1->2, -2->3, 2147483647->4294967294.
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(2_147_483_647), 4_294_967_294);
    }

    #[test]
    fn geometry_examples_from_the_mvt_spec() {
        // MVT 2.1 spec, 4.3.5.1 "Example Point": point (25,17) -> [9, 50, 34].
        assert_eq!(
            encode_geometry(GeomType::Point, &[vec![[25, 17]]]),
            vec![9, 50, 34]
        );
        // 4.3.5.2 "Example Multi Point": (5,7), (3,2) -> [17, 10, 14, 3, 9].
        assert_eq!(
            encode_geometry(GeomType::Point, &[vec![[5, 7], [3, 2]]]),
            vec![17, 10, 14, 3, 9]
        );
        // 4.3.5.3 "Example Linestring": (2,2) (2,10) (10,10) -> [9,4,4,18,0,16,16,0].
        assert_eq!(
            encode_geometry(GeomType::LineString, &[vec![[2, 2], [2, 10], [10, 10]]]),
            vec![9, 4, 4, 18, 0, 16, 16, 0]
        );
        // 4.3.5.6 "Example Polygon": (3,6) (8,12) (20,34) (3,6 closing) -> [9,6,12,18,10,12,24,44,15].
        assert_eq!(
            encode_geometry(
                GeomType::Polygon,
                &[vec![[3, 6], [8, 12], [20, 34], [3, 6]]]
            ),
            vec![9, 6, 12, 18, 10, 12, 24, 44, 15]
        );
    }

    #[test]
    fn varint_examples() {
        // Protobuf guide: 1 -> 01, 150 -> 96 01, 300 -> ac 02.
        let mut b = Vec::new();
        put_varint(&mut b, 1);
        put_varint(&mut b, 150);
        put_varint(&mut b, 300);
        assert_eq!(b, vec![0x01, 0x96, 0x01, 0xac, 0x02]);
    }
}
