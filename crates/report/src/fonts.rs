//! The report's font, Liberation Sans (SIL Open Font License 1.1), the one the `fonts` crate ships.
//!
//! Owns text measurement for the PDF layout and the font database the SVG pages are read with.

use std::sync::{Arc, OnceLock};

/// Liberation Sans Regular.
pub(crate) const REGULAR: &[u8] = fonts::REGULAR;
/// Liberation Sans Bold.
pub(crate) const BOLD: &[u8] = fonts::BOLD;
/// The family name to use in SVG.
pub(crate) const FAMILY: &str = fonts::FAMILY;

/// Width of `text` at `size` in the same units (regular or bold face).
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    static FACES: OnceLock<Option<(ttf_parser::Face<'static>, ttf_parser::Face<'static>)>> =
        OnceLock::new();
    let faces = FACES.get_or_init(|| {
        Some((
            ttf_parser::Face::parse(REGULAR, 0).ok()?,
            ttf_parser::Face::parse(BOLD, 0).ok()?,
        ))
    });
    let Some((regular, bold_face)) = faces else {
        // Without the font (cannot happen with the shipped files): a generous estimate.
        return text.chars().count() as f64 * size * 0.6;
    };
    let face = if bold { bold_face } else { regular };
    let per_unit = size / f64::from(face.units_per_em());
    text.chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map_or(size * 0.6, |a| f64::from(a) * per_unit)
        })
        .sum()
}

/// The font database holding the shipped faces only (no system fonts: the output is the same everywhere).
pub(crate) fn database() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family(FAMILY);
        Arc::new(db)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_and_weight() {
        let a = text_width("Schellenberg", 10.0, false);
        assert!(a > 30.0 && a < 80.0, "{a}");
        assert!(text_width("Schellenberg", 10.0, true) > a);
        assert!((text_width("", 10.0, false)).abs() < 1e-12);
    }
}
