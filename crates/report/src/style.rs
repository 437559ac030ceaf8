//! The web map's MapLibre style, read so that report maps draw the same layers in the same colours.
//!
//! Owns a small evaluator for the expressions the style uses (`get`, `has`, `match`, `case`, `==`, `interpolate`, …).

use serde_json::{Map, Value};

/// The properties of one feature as the style sees them.
pub(crate) struct Props<'a> {
    /// Feature properties (`class`, `kind`, `served_share_age_0_5`, …).
    pub values: &'a Map<String, Value>,
    /// `Point`, `LineString` or `Polygon`.
    pub geometry_type: &'a str,
}

/// A style layer reduced to what the report draws.
pub(crate) struct StyleLayer {
    /// Layer id (`roads-minor`, `gaps`, …).
    pub id: String,
    /// `fill`, `line`, `circle`, `background`.
    pub kind: String,
    /// The tile layer it draws (`roads`, `water`, …); empty for the background.
    pub source_layer: String,
    /// Smallest zoom it is drawn at.
    pub minzoom: f64,
    /// Hidden by `layout.visibility = none`.
    pub hidden: bool,
    filter: Option<Value>,
    paint: Map<String, Value>,
}

/// The web map's style layers, in drawing order.
pub(crate) fn web_style_layers() -> Vec<StyleLayer> {
    let doc = map::style_document("", None, None, map::style::OSM_ATTRIBUTION_HTML);
    let layers = doc.get("layers").and_then(Value::as_array);
    layers
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let o = l.as_object()?;
            let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            Some(StyleLayer {
                id: s("id"),
                kind: s("type"),
                source_layer: s("source-layer"),
                minzoom: o.get("minzoom").and_then(Value::as_f64).unwrap_or(0.0),
                hidden: o
                    .get("layout")
                    .and_then(|l| l.get("visibility"))
                    .and_then(Value::as_str)
                    == Some("none"),
                filter: o.get("filter").cloned(),
                paint: o
                    .get("paint")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// The colour of a facility kind as the web map's legend gives it (grey for unknown kinds).
pub(crate) fn kind_colour(kind: &str) -> &'static str {
    map::kind_colour(kind)
}

impl StyleLayer {
    /// Whether a feature passes the layer's filter.
    pub fn accepts(&self, props: &Props, zoom: f64) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| truthy(&eval(f, props, zoom)))
    }

    /// A paint property evaluated for a feature (`None` when the layer has no such property).
    pub fn paint(&self, key: &str, props: &Props, zoom: f64) -> Option<Value> {
        self.paint.get(key).map(|v| eval(v, props, zoom))
    }

    /// A numeric paint property, or `default`.
    pub fn number(&self, key: &str, props: &Props, zoom: f64, default: f64) -> f64 {
        self.paint(key, props, zoom)
            .and_then(|v| v.as_f64())
            .unwrap_or(default)
    }

    /// A colour paint property as a CSS colour, or `default`.
    pub fn colour(&self, key: &str, props: &Props, zoom: f64, default: &str) -> String {
        self.paint(key, props, zoom)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| default.to_string())
    }

    /// The dash pattern in line widths, if any.
    pub fn dasharray(&self) -> Option<Vec<f64>> {
        let a = self.paint.get("line-dasharray")?.as_array()?;
        a.iter().map(Value::as_f64).collect()
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Null => false,
        _ => true,
    }
}

/// Evaluates a style expression (the subset the web style uses) for one feature at one zoom.
fn eval(v: &Value, props: &Props, zoom: f64) -> Value {
    let Some(arr) = v.as_array() else {
        return v.clone();
    };
    let Some(op) = arr.first().and_then(Value::as_str) else {
        // A literal array (e.g. a dash pattern).
        return v.clone();
    };
    let arg = |i: usize| arr.get(i).map_or(Value::Null, |a| eval(a, props, zoom));
    match op {
        "get" => arr
            .get(1)
            .and_then(Value::as_str)
            .and_then(|k| props.values.get(k))
            .cloned()
            .unwrap_or(Value::Null),
        "has" => Value::Bool(
            arr.get(1)
                .and_then(Value::as_str)
                .is_some_and(|k| props.values.get(k).is_some_and(|v| !v.is_null())),
        ),
        "zoom" => Value::from(zoom),
        "geometry-type" => Value::from(props.geometry_type),
        "==" => Value::Bool(arg(1) == arg(2)),
        "sqrt" => arg(1)
            .as_f64()
            .map_or(Value::Null, |x| Value::from(x.sqrt())),
        "match" => {
            let input = arg(1);
            let rest = &arr[2.min(arr.len())..];
            for pair in rest.chunks(2) {
                match pair {
                    [labels, out] => {
                        let hit = match labels {
                            Value::Array(ls) => ls.contains(&input),
                            l => *l == input,
                        };
                        if hit {
                            return eval(out, props, zoom);
                        }
                    }
                    [default] => return eval(default, props, zoom),
                    _ => {}
                }
            }
            Value::Null
        }
        "case" => {
            let rest = &arr[1..];
            for pair in rest.chunks(2) {
                match pair {
                    [cond, out] if truthy(&eval(cond, props, zoom)) => {
                        return eval(out, props, zoom);
                    }
                    [default] => return eval(default, props, zoom),
                    _ => {}
                }
            }
            Value::Null
        }
        "interpolate" => interpolate(arr, props, zoom),
        _ => Value::Null,
    }
}

/// `["interpolate", ["linear"] | ["exponential", base], input, stop, output, …]` over numbers or `#rrggbb` colours.
fn interpolate(arr: &[Value], props: &Props, zoom: f64) -> Value {
    let base = match arr.get(1).and_then(Value::as_array).map(Vec::as_slice) {
        Some([kind, b]) if kind == "exponential" => b.as_f64().unwrap_or(1.0),
        _ => 1.0,
    };
    let Some(x) = arr.get(2).and_then(|i| eval(i, props, zoom).as_f64()) else {
        return Value::Null;
    };
    let stops: Vec<(f64, Value)> = arr
        .get(3..)
        .unwrap_or_default()
        .chunks(2)
        .filter_map(|p| match p {
            [s, o] => Some((s.as_f64()?, eval(o, props, zoom))),
            _ => None,
        })
        .collect();
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        return Value::Null;
    };
    if x <= first.0 {
        return first.1.clone();
    }
    if x >= last.0 {
        return last.1.clone();
    }
    for w in stops.windows(2) {
        let ((x0, a), (x1, b)) = (&w[0], &w[1]);
        if x <= *x1 {
            // MapLibre's interpolation factor for linear (base 1) and exponential curves.
            let t = if (base - 1.0).abs() < 1e-9 {
                (x - x0) / (x1 - x0)
            } else {
                (base.powf(x - x0) - 1.0) / (base.powf(x1 - x0) - 1.0)
            };
            return mix(a, b, t);
        }
    }
    last.1.clone()
}

fn mix(a: &Value, b: &Value, t: f64) -> Value {
    if let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) {
        return Value::from(a + (b - a) * t);
    }
    match (a.as_str().and_then(rgb), b.as_str().and_then(rgb)) {
        (Some(a), Some(b)) => {
            let c = |i: usize| (a[i] + (b[i] - a[i]) * t).round().clamp(0.0, 255.0) as u8;
            Value::from(format!("#{:02x}{:02x}{:02x}", c(0), c(1), c(2)))
        }
        _ => a.clone(),
    }
}

/// `#rrggbb` as three numbers.
fn rgb(s: &str) -> Option<[f64; 3]> {
    let h = s.strip_prefix('#').filter(|h| h.len() == 6)?;
    let c = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok().map(f64::from);
    Some([c(0)?, c(2)?, c(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: &Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn expressions_of_the_web_style() {
        let values = props(&json!({"class": "forest", "share": 0.25}));
        let p = Props {
            values: &values,
            geometry_type: "Polygon",
        };
        let m = json!([
            "match",
            ["get", "class"],
            ["forest", "wood"],
            "#cfe2c3",
            "x",
            "#000000",
            "#eeeeee"
        ]);
        assert_eq!(eval(&m, &p, 12.0), json!("#cfe2c3"));
        // Halfway between 0 (#000000) and 0.5 (#c8c8c8) → #646464.
        let i = json!([
            "interpolate",
            ["linear"],
            ["get", "share"],
            0,
            "#000000",
            0.5,
            "#c8c8c8"
        ]);
        assert_eq!(eval(&i, &p, 12.0), json!("#646464"));
        // Exponential base 2 from z10 (1) to z12 (4) at z11: t = (2¹−1)/(2²−1) = 1/3 → 2.
        let e = json!(["interpolate", ["exponential", 2], ["zoom"], 10, 1, 12, 4]);
        assert!((eval(&e, &p, 11.0).as_f64().unwrap() - 2.0).abs() < 1e-12);
        let c = json!(["case", ["has", "missing"], 1, 2]);
        assert_eq!(eval(&c, &p, 0.0), json!(2));
        let f = json!(["==", ["geometry-type"], "Polygon"]);
        assert!(truthy(&eval(&f, &p, 0.0)));
    }

    #[test]
    fn the_web_style_is_read() {
        let layers = web_style_layers();
        let gaps = layers.iter().find(|l| l.id == "gaps").expect("gaps layer");
        let values = Map::new();
        let p = Props {
            values: &values,
            geometry_type: "Polygon",
        };
        assert_eq!(gaps.colour("fill-color", &p, 12.0, ""), "#c92a2a");
        assert_eq!(kind_colour("playground"), "#e69f00");
    }
}
