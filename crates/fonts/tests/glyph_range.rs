//! Generated glyph ranges decoded back with the format's protobuf types and checked against
//! the font file read independently with `ttf-parser` (its cmap and horizontal metrics).

use pbf_font_tools::Glyphs;
use pbf_font_tools::prost::Message;
use spielraum_fonts::{
    BOLD, BOLD_STACK, BUFFER, FONT_SIZE, GlyphCache, REGULAR, REGULAR_STACK, covered_ranges,
    glyph_range,
};

fn decode(bytes: &[u8]) -> Glyphs {
    Glyphs::decode(bytes).expect("a glyph PBF")
}

/// Code points of `start..start+256` the font maps to a glyph, by ttf-parser's cmap.
fn cmap_points(font: &[u8], start: u32) -> Vec<u32> {
    let face = ttf_parser::Face::parse(font, 0).unwrap();
    (start..start + 256)
        .filter(|c| {
            char::from_u32(*c)
                .and_then(|ch| face.glyph_index(ch))
                .is_some_and(|g| g.0 != 0)
        })
        .collect()
}

#[test]
fn latin1_range_has_every_glyph_of_the_font_with_sane_metrics() {
    for (name, font) in [(REGULAR_STACK, REGULAR), (BOLD_STACK, BOLD)] {
        let glyphs = decode(&glyph_range(name, 0).unwrap());
        assert_eq!(glyphs.stacks.len(), 1);
        let stack = &glyphs.stacks[0];
        assert_eq!(stack.name, name);
        assert_eq!(stack.range, "0-255");
        let ids: Vec<u32> = stack.glyphs.iter().map(|g| g.id).collect();
        assert_eq!(ids, cmap_points(font, 0), "{name}");
        // German letters are in Latin-1.
        for c in ['ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü', 'ß', 'A', 'z'] {
            assert!(ids.contains(&u32::from(c)), "{name} lacks {c}");
        }
        let face = ttf_parser::Face::parse(font, 0).unwrap();
        let px = f64::from(FONT_SIZE) / f64::from(face.units_per_em());
        for g in &stack.glyphs {
            let bitmap = g.bitmap.as_ref().expect("every glyph carries a bitmap");
            let b = BUFFER as u32;
            assert_eq!(
                bitmap.len() as u32,
                (g.width + 2 * b) * (g.height + 2 * b),
                "{}",
                g.id
            );
            let ch = char::from_u32(g.id).unwrap();
            let gid = face.glyph_index(ch).unwrap();
            // Advance: the font's horizontal metrics at 24 px per em, rounded.
            let adv = f64::from(face.glyph_hor_advance(gid).unwrap()) * px;
            assert!(
                (f64::from(g.advance) - adv).abs() <= 0.5 + 1e-9,
                "{ch}: {} vs {adv}",
                g.advance
            );
            // Size and position: the outline's box at 24 px per em, within the pixel the
            // rasteriser rounds outward to.
            match face.glyph_bounding_box(gid) {
                Some(bb) => {
                    let w = f64::from(bb.x_max - bb.x_min) * px;
                    let h = f64::from(bb.y_max - bb.y_min) * px;
                    assert!(
                        (f64::from(g.width) - w).abs() <= 2.0,
                        "{ch}: width {} vs {w}",
                        g.width
                    );
                    assert!(
                        (f64::from(g.height) - h).abs() <= 2.0,
                        "{ch}: height {} vs {h}",
                        g.height
                    );
                    let left = f64::from(bb.x_min) * px;
                    assert!(
                        (f64::from(g.left) - left).abs() <= 1.0,
                        "{ch}: left {} vs {left}",
                        g.left
                    );
                    // top is measured from the (whole-pixel) ascender down to the bitmap's top.
                    let ascender = (f64::from(face.ascender()) * px).ceil();
                    let top = f64::from(bb.y_max) * px - ascender;
                    assert!(
                        (f64::from(g.top) - top).abs() <= 1.0,
                        "{ch}: top {} vs {top}",
                        g.top
                    );
                }
                None => assert_eq!((g.width, g.height), (0, 0), "{ch} has no outline"),
            }
        }
        // A letter's distance field has inside (high) and outside (low) values.
        let a = stack
            .glyphs
            .iter()
            .find(|g| g.id == u32::from('ä'))
            .unwrap();
        let bm = a.bitmap.as_ref().unwrap();
        assert!(bm.iter().any(|v| *v > 200) && bm.iter().any(|v| *v < 50));
    }
}

#[test]
fn ranges_without_glyphs_are_empty_and_coverage_matches_the_cmap() {
    let starts = covered_ranges(REGULAR_STACK).unwrap();
    assert!(starts.contains(&0) && starts.contains(&256));
    for start in [0, 256, 0x400, 0xE000, 0xF000] {
        let expected = cmap_points(REGULAR, start);
        assert_eq!(starts.contains(&start), !expected.is_empty(), "{start}");
        let got = decode(&glyph_range(REGULAR_STACK, start).unwrap());
        assert_eq!(got.stacks[0].glyphs.len(), expected.len(), "{start}");
    }
    assert!(glyph_range(REGULAR_STACK, 100).is_err());
    assert!(glyph_range("Arial", 0).is_err());
}

#[test]
fn the_cache_answers_the_same_bytes_for_a_stack_with_fallbacks() {
    let cache = GlyphCache::new();
    let a = cache.get("Liberation Sans Bold", "256-511").unwrap();
    let b = cache
        .get("Noto Sans Bold,Liberation Sans Bold", "256-511")
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(&a[..], &glyph_range(BOLD_STACK, 256).unwrap()[..]);
    assert!(cache.get("Arial", "0-255").is_err());
    assert!(cache.get("Liberation Sans Bold", "0-511").is_err());
}
