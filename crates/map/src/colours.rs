//! The map's colours and legend: kind colours, the served-share ramp, gaps, "no data".
//!
//! One source of truth: the style draws with them, the report's maps and legends read them, and
//! the web app reads them from the style's `metadata` ([`style_metadata`]).

use serde_json::{Value, json};

/// Colours of the facility kinds, in legend order (also the web app's legend). The play kinds
/// first: four of the Okabe–Ito colours (Okabe & Ito 2002, *Color Universal Design*); then the
/// learning and meeting places, five colours found by a search over the 16-step sRGB grid for
/// the largest smallest difference to every other kind and to [`OTHER_KIND`] (≥ 16 ΔE00 from
/// it). All nine are apart
/// by at least [`MIN_KIND_DIFFERENCE`] ΔE00 for normal vision and under protanopia,
/// deuteranopia and tritanopia (tests below), each carrying its black letter
/// ([`KIND_LETTERS`]) at ≥ 4.5:1.
pub const KIND_COLOURS: [(&str, &str); 9] = [
    ("playground", "#e69f00"),
    ("kindergarten", "#cc79a7"),
    ("school", "#56b4e9"),
    ("open_space", "#009e73"),
    ("library", "#8855ee"),
    ("youth_centre", "#ff0066"),
    ("family_centre", "#ffdddd"),
    ("sports_pitch", "#ccee55"),
    ("community_garden", "#997711"),
];

/// The smallest CIEDE2000 difference between two kind colours, for normal vision and under
/// each simulated deficiency ([`crate::cvd`]). 10 ΔE00 is a difference seen at a glance in
/// small symbols (2.3 is a just noticeable difference).
pub const MIN_KIND_DIFFERENCE: f64 = 10.0;

/// The smallest CIEDE2000 difference between the share ramp's stops at 0, 0.5 and 1, for
/// normal vision and under each simulated deficiency: they are drawn translucent over the
/// basemap, so they must lie further apart than the kinds.
pub const MIN_RAMP_DIFFERENCE: f64 = 20.0;

/// The letter drawn inside a facility's symbol, so that colour is not the only carrier of its
/// kind (legend order as [`KIND_COLOURS`]): P Spielplatz (playground), S Schule, K Kita
/// (Kindertagesstätte), F Freifläche (open space: park, green); L library (Lesen), J
/// Jugendzentrum (youth centre), Z Familienzentrum (family centre), B Bolzplatz (sports
/// pitch, ball), G Gemeinschaftsgarten (community garden).
pub const KIND_LETTERS: [(&str, &str); 9] = [
    ("playground", "P"),
    ("kindergarten", "K"),
    ("school", "S"),
    ("open_space", "F"),
    ("library", "L"),
    ("youth_centre", "J"),
    ("family_centre", "Z"),
    ("sports_pitch", "B"),
    ("community_garden", "G"),
];

/// The letter of a facility of a kind without an entry in [`KIND_LETTERS`].
pub const OTHER_KIND_LETTER: &str = "?";

/// The colour of the kind letters (drawn on the kind colours, contrast ≥ 4.5:1 with each).
pub const KIND_LETTER_COLOUR: &str = "#000000";

/// The colour of a facility of a kind without an entry in [`KIND_COLOURS`].
pub const OTHER_KIND: &str = "#868e96";

/// The served-share choropleth: (share, colour) stops, interpolated linearly. ColorBrewer's
/// diverging RdYlBu (Brewer, colorbrewer2.org, marked colour-blind safe): red for few served,
/// through yellow, to blue for all served — no red–green contrast.
pub const SHARE_STOPS: [(f64, &str); 5] = [
    (0.0, "#d7191c"),
    (0.5, "#fdae61"),
    (0.75, "#ffffbf"),
    (0.9, "#abd9e9"),
    (1.0, "#2c7bb6"),
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

/// The letter of facility kind `kind` (`playground` → `P`), else [`OTHER_KIND_LETTER`].
pub fn kind_letter(kind: &str) -> &'static str {
    KIND_LETTERS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(OTHER_KIND_LETTER, |(_, l)| l)
}

/// The style expression of a feature's kind letter (`match` on `kind`).
pub(crate) fn kind_letter_expression() -> Value {
    let mut m = vec![json!("match"), json!(["get", "kind"])];
    for (k, l) in KIND_LETTERS {
        m.push(json!(k));
        m.push(json!(l));
    }
    m.push(json!(OTHER_KIND_LETTER));
    Value::Array(m)
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
/// order, their letters, the share ramp, the "no data", gap and other-kind colours, layer ids by role.
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
        "spielraum:kind-letters": KIND_LETTERS
            .iter()
            .map(|(k, l)| (k.to_string(), json!(l)))
            .collect::<serde_json::Map<String, Value>>(),
        "spielraum:kind-letter-colour": KIND_LETTER_COLOUR,
        "spielraum:kinds": KIND_COLOURS.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        "spielraum:other-kind-colour": OTHER_KIND,
        "spielraum:share-stops": SHARE_STOPS.iter().map(|(s, c)| json!([style_number(*s), c])).collect::<Vec<_>>(),
        "spielraum:no-data-colour": NO_DATA,
        "spielraum:gap-colour": GAP,
        "spielraum:layers": layers,
        "spielraum:label-layers": crate::style::LABEL_LAYERS.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
    })
}

/// The colour of the share ramp at `share` (clamped to 0..=1), interpolated linearly in sRGB
/// between [`SHARE_STOPS`] as MapLibre does.
pub fn share_colour(share: f64) -> String {
    let share = share.clamp(0.0, 1.0);
    let rgb = |hex: &str| {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
        [
            (v >> 16) as f64,
            ((v >> 8) & 0xff) as f64,
            (v & 0xff) as f64,
        ]
    };
    let mut out = rgb(SHARE_STOPS[0].1);
    for w in SHARE_STOPS.windows(2) {
        let ((s0, c0), (s1, c1)) = (w[0], w[1]);
        if share >= s0 {
            let t = ((share - s0) / (s1 - s0)).min(1.0);
            let (a, b) = (rgb(c0), rgb(c1));
            out = [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t);
        }
    }
    format!(
        "#{:02x}{:02x}{:02x}",
        out[0].round() as u8,
        out[1].round() as u8,
        out[2].round() as u8
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cvd::{Deficiency, contrast_ratio, difference};

    /// The WCAG contrast of two colours of the style.
    pub(crate) fn contrast(a: &str, b: &str) -> f64 {
        contrast_ratio(a, b).unwrap()
    }

    /// The smallest ΔE00 between any two of `colours`, for normal vision and every deficiency,
    /// with the pair and the vision where it occurs.
    fn closest(colours: &[&str]) -> (f64, String) {
        let mut best = (f64::INFINITY, String::new());
        for vision in [None]
            .into_iter()
            .chain(Deficiency::ALL.into_iter().map(Some))
        {
            for (i, a) in colours.iter().enumerate() {
                for b in &colours[i + 1..] {
                    let d = difference(a, b, vision).unwrap();
                    if d < best.0 {
                        best = (d, format!("{a} / {b} under {vision:?}"));
                    }
                }
            }
        }
        best
    }

    #[test]
    fn kind_colours_stay_apart_for_colour_blind_eyes() {
        let kinds: Vec<&str> = KIND_COLOURS.iter().map(|(_, c)| *c).collect();
        let (d, at) = closest(&kinds);
        assert!(d >= MIN_KIND_DIFFERENCE, "{d:.1} ΔE00 at {at}");
        // The learning and meeting colours (after the four play kinds) are also apart from the
        // grey of kinds without a colour (the play colours are older: kindergarten's pink is
        // close to it for deuteranopes, and its letter tells them apart).
        for (kind, c) in &KIND_COLOURS[4..] {
            let (d, at) = closest(&[*c, OTHER_KIND]);
            assert!(d >= MIN_KIND_DIFFERENCE, "{kind}: {d:.1} ΔE00 at {at}");
        }
        // Every letter is a kind's own.
        let letters: std::collections::BTreeSet<&str> =
            KIND_LETTERS.iter().map(|(_, l)| *l).collect();
        assert_eq!(letters.len(), KIND_LETTERS.len());
        // Each letter is legible on its colour.
        for (kind, c) in KIND_COLOURS {
            assert!(contrast(KIND_LETTER_COLOUR, c) >= 4.5, "{kind}: {c}");
        }
    }

    #[test]
    fn share_ramp_ends_and_middle_stay_apart_for_colour_blind_eyes() {
        let stops = [share_colour(0.0), share_colour(0.5), share_colour(1.0)];
        let stops: Vec<&str> = stops.iter().map(String::as_str).collect();
        let (d, at) = closest(&stops);
        assert!(d >= MIN_RAMP_DIFFERENCE, "{d:.1} ΔE00 at {at}");
    }

    #[test]
    fn the_old_palette_fails_the_same_checks() {
        // The red→green ramp this replaced: its ends under deuteranopia are too close.
        let (old_red, old_green) = ("#d7301f", "#1a9850");
        let d = difference(old_red, old_green, Some(Deficiency::Deuteranopia)).unwrap();
        assert!(d < MIN_RAMP_DIFFERENCE, "{d}");
        // For normal vision they were far apart: the failure is the deficiency's.
        assert!(difference(old_red, old_green, None).unwrap() > 3.0 * MIN_RAMP_DIFFERENCE);
        // The old kind colours: kindergarten purple and school blue merge for deuteranopes.
        let (d, at) = closest(&["#e8590c", "#ae3ec9", "#1c7ed6", "#2f9e44"]);
        assert!(d < MIN_KIND_DIFFERENCE, "{d} at {at}");
        assert!(at.contains("Deuteranopia"), "{at}");
    }

    #[test]
    fn the_ramp_interpolates_like_maplibre() {
        assert_eq!(share_colour(0.0), SHARE_STOPS[0].1);
        assert_eq!(share_colour(1.0), SHARE_STOPS[4].1);
        assert_eq!(share_colour(0.75), "#ffffbf");
        assert_eq!(share_colour(-1.0), SHARE_STOPS[0].1);
        // Halfway between #d7191c and #fdae61 at 0.25: (215+253)/2 = 234, (25+174)/2 = 99.5 → 100, (28+97)/2 = 62.5 → 63.
        assert_eq!(share_colour(0.25), "#ea643f");
    }

    #[test]
    fn kinds_have_their_colour_and_others_grey() {
        assert_eq!(kind_colour("school"), "#56b4e9");
        assert_eq!(kind_colour("swimming_pool"), OTHER_KIND);
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
