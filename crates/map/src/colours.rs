//! The map's colours and legend: kind colours, the served-share ramp, gaps, "no data".
//!
//! One source of truth: the style draws with them, the report's maps and legends read them, and
//! the web app reads them from the style's `metadata` ([`style_metadata`]).

use serde_json::{Value, json};

/// Colours of the facility kinds, in legend order (also the web app's legend).
pub const KIND_COLOURS: [(&str, &str); 4] = [
    ("playground", "#e8590c"),
    ("kindergarten", "#ae3ec9"),
    ("school", "#1c7ed6"),
    ("open_space", "#2f9e44"),
];

/// The colour of a facility of a kind without an entry in [`KIND_COLOURS`].
pub const OTHER_KIND: &str = "#868e96";

/// The served-share choropleth: (share, colour) stops, interpolated linearly.
pub const SHARE_STOPS: [(f64, &str); 4] = [
    (0.0, "#d7301f"),
    (0.5, "#fdae61"),
    (0.75, "#fee08b"),
    (1.0, "#1a9850"),
];

/// Neighbourhoods without indicators (no residents of the band, or none computed).
pub const NO_DATA: &str = "#adb5bd";

/// Gap areas (clusters of unserved children).
pub const GAP: &str = "#c92a2a";

/// The style layers the web app works with, by role: (role, layer id).
pub const LAYER_IDS: [(&str, &str); 6] = [
    ("neighbourhoods", "neighbourhoods-fill"),
    ("neighbourhood_outlines", "neighbourhoods-outline"),
    ("gaps", "gaps"),
    ("population", "population"),
    ("facility_areas", "facilities-area"),
    ("facility_points", "facilities-point"),
];

/// The colour of facility kind `kind` (`playground`, …), else [`OTHER_KIND`].
pub fn kind_colour(kind: &str) -> &'static str {
    KIND_COLOURS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(OTHER_KIND, |(_, c)| c)
}

/// A number as the style writes it: whole numbers without a fraction (`0`, `1`), others as they are.
pub(crate) fn style_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The style's `metadata`: where the map opens (`spielraum:bounds`) and everything the web app
/// needs to draw legends and find layers without a copy of its own: kind colours and their
/// order, the share ramp, the "no data", gap and other-kind colours, layer ids by role.
pub fn style_metadata(data_bounds: Option<[f64; 4]>) -> Value {
    let colours: serde_json::Map<String, Value> = KIND_COLOURS
        .iter()
        .map(|(k, c)| (k.to_string(), json!(c)))
        .collect();
    let layers: serde_json::Map<String, Value> = LAYER_IDS
        .iter()
        .map(|(role, id)| (role.to_string(), json!(id)))
        .collect();
    json!({
        "spielraum:bounds": data_bounds,
        "spielraum:kind-colours": colours,
        "spielraum:kinds": KIND_COLOURS.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "spielraum:other-kind-colour": OTHER_KIND,
        "spielraum:share-stops": SHARE_STOPS.iter().map(|(s, c)| json!([style_number(*s), c])).collect::<Vec<_>>(),
        "spielraum:no-data-colour": NO_DATA,
        "spielraum:gap-colour": GAP,
        "spielraum:layers": layers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_their_colour_and_others_grey() {
        assert_eq!(kind_colour("school"), "#1c7ed6");
        assert_eq!(kind_colour("library"), OTHER_KIND);
        // Every kind the model knows has a colour of its own.
        for kind in model::FacilityKind::ALL {
            assert_ne!(kind_colour(kind.as_str()), OTHER_KIND, "{kind:?}");
        }
    }

    #[test]
    fn whole_stops_are_written_without_a_fraction() {
        assert_eq!(style_number(0.0).to_string(), "0");
        assert_eq!(style_number(1.0).to_string(), "1");
        assert_eq!(style_number(0.75).to_string(), "0.75");
    }
}
