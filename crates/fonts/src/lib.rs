//! The font Spielraum ships inside the binary, Liberation Sans (SIL Open Font License 1.1,
//! licence in `fonts/` beside the files), and the MapLibre glyph ranges made from it.
//!
//! Owns the font files (the report measures and embeds them, the map labels with them) and
//! the glyph PBFs of `/fonts/{fontstack}/{start}-{end}.pbf`: 256 code points per range, each
//! glyph a signed distance field with a 3-pixel border rendered at 24 px (the format of
//! `node-fontnik` and Martin). Rasterising is pure Rust (`ab_glyph`, no FreeType), the distance
//! field comes from `sdf_glyph_renderer`'s bitmap API and the protobuf types from
//! `pbf_font_tools`. [`GlyphCache`] makes each range once, at its first request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use pbf_font_tools::prost::Message as _;
use pbf_font_tools::{Fontstack, Glyph, Glyphs};
use sdf_glyph_renderer::{BitmapGlyph, clamp_to_u8};

/// Liberation Sans Regular (TrueType).
pub const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
/// Liberation Sans Bold (TrueType).
pub const BOLD: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");
/// The licence of the fonts (SIL Open Font License 1.1), to ship beside any copy of them.
pub const LICENCE: &str = include_str!("../fonts/LICENSE-LiberationSans.txt");
/// The family name of the shipped fonts (as SVG and CSS name it).
pub const FAMILY: &str = "Liberation Sans";
/// The font stack name of the regular face (what a MapLibre style's `text-font` names).
pub const REGULAR_STACK: &str = "Liberation Sans Regular";
/// The font stack name of the bold face.
pub const BOLD_STACK: &str = "Liberation Sans Bold";
/// Every font a glyph range can be asked for: (font stack name, TrueType data).
pub const FONTS: [(&str, &[u8]); 2] = [(REGULAR_STACK, REGULAR), (BOLD_STACK, BOLD)];

/// Code points per glyph range.
pub const RANGE_SIZE: u32 = 256;
/// The highest code point a range may reach (MapLibre asks for the Basic Multilingual Plane).
pub const MAX_CODE_POINT: u32 = 0xFFFF;
/// The em size glyphs are rendered at, in pixels (MapLibre's `ONE_EM`).
pub const FONT_SIZE: f32 = 24.0;
/// The border around every glyph bitmap, in pixels (fixed by the format).
pub const BUFFER: usize = 3;
/// How far the distance field reaches from the outline, in pixels.
pub const RADIUS: usize = 8;
/// The share of the byte range used for inside distances (fontnik's and Martin's 0.25).
pub const CUTOFF: f64 = 0.25;

/// Errors of resolving a font stack or range.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GlyphError {
    /// None of the stack's comma-separated fonts is shipped.
    #[error(
        "no such font stack {stack:?} (fonts: \"Liberation Sans Regular\", \"Liberation Sans Bold\")"
    )]
    UnknownFont {
        /// The stack asked for.
        stack: String,
    },
    /// The range is not `{start}-{end}` with start a multiple of 256, end = start + 255, end ≤ 65535.
    #[error(
        "no such glyph range {range:?} (ranges are START-END with START a multiple of 256, END = START + 255, up to 65535)"
    )]
    BadRange {
        /// The range asked for.
        range: String,
    },
    /// A shipped font could not be read (cannot happen with the files in `fonts/`).
    #[error("the shipped font {name} cannot be read: {reason}")]
    Font {
        /// Its stack name.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// The first font of a comma-separated stack (`"Liberation Sans Bold,Arial Unicode MS"`) that
/// is shipped: its stack name.
pub fn resolve_stack(stack: &str) -> Result<&'static str, GlyphError> {
    stack
        .split(',')
        .map(str::trim)
        .find_map(|name| FONTS.iter().find(|(n, _)| *n == name).map(|(n, _)| *n))
        .ok_or_else(|| GlyphError::UnknownFont {
            stack: stack.to_string(),
        })
}

/// The first code point of a range `"{start}-{end}"` (`"256-511"` → 256).
pub fn parse_range(range: &str) -> Result<u32, GlyphError> {
    let bad = || GlyphError::BadRange {
        range: range.to_string(),
    };
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return Err(bad());
    }
    let (start, end): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if !start.is_multiple_of(RANGE_SIZE) || end != start + RANGE_SIZE - 1 || end > MAX_CODE_POINT {
        return Err(bad());
    }
    Ok(start)
}

fn font_data(name: &str) -> Result<&'static [u8], GlyphError> {
    FONTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .ok_or_else(|| GlyphError::UnknownFont {
            stack: name.to_string(),
        })
}

fn font_ref(name: &str) -> Result<FontRef<'static>, GlyphError> {
    FontRef::try_from_slice(font_data(name)?).map_err(|e| GlyphError::Font {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

/// The first code points of every range in which font `name` has at least one glyph.
pub fn covered_ranges(name: &str) -> Result<Vec<u32>, GlyphError> {
    let font = font_ref(name)?;
    let mut starts: Vec<u32> = font
        .codepoint_ids()
        .map(|(_, c)| u32::from(c))
        .filter(|c| *c <= MAX_CODE_POINT)
        .map(|c| c - c % RANGE_SIZE)
        .collect();
    starts.sort_unstable();
    starts.dedup();
    Ok(starts)
}

/// One glyph as the format wants it: metrics in whole pixels at [`FONT_SIZE`] and the distance
/// field of the bitmap with its [`BUFFER`], `(width + 6) * (height + 6)` bytes.
fn render_glyph(font: &FontRef<'_>, c: char) -> Result<Option<Glyph>, GlyphError> {
    let id = font.glyph_id(c);
    if id.0 == 0 {
        return Ok(None);
    }
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    // ab_glyph scales so that ascent - descent is the scale; FreeType's em size is FONT_SIZE.
    let scale = PxScale::from(FONT_SIZE * font.height_unscaled() / units_per_em);
    let scaled = font.as_scaled(scale);
    // FreeType's size metrics round the ascender up to whole pixels.
    let ascender = scaled.ascent().ceil() as i32;
    let advance = scaled.h_advance(id).round().max(0.0) as u32;
    let glyph = id.with_scale_and_position(scale, ab_glyph::point(0.0, 0.0));
    let (width, height, left, top, alpha) = match font.outline_glyph(glyph) {
        Some(outlined) => {
            let b = outlined.px_bounds();
            let (w, h) = (b.width() as usize, b.height() as usize);
            let mut alpha = vec![0u8; w * h];
            outlined.draw(|x, y, cov| {
                let (x, y) = (x as usize, y as usize);
                if x < w && y < h {
                    alpha[y * w + x] = (cov.clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            });
            // Bitmap top above the baseline (y grows down in ab_glyph).
            (w, h, b.min.x as i32, -(b.min.y as i32), alpha)
        }
        None => (0, 0, 0, 0, Vec::new()),
    };
    let bitmap = BitmapGlyph::from_unbuffered(&alpha, width, height, BUFFER).map_err(|e| {
        GlyphError::Font {
            name: format!("glyph U+{:04X}", u32::from(c)),
            reason: e.to_string(),
        }
    })?;
    let sdf = clamp_to_u8(&bitmap.render_sdf(RADIUS), CUTOFF).map_err(|e| GlyphError::Font {
        name: format!("glyph U+{:04X}", u32::from(c)),
        reason: e.to_string(),
    })?;
    Ok(Some(Glyph {
        id: u32::from(c),
        bitmap: Some(sdf),
        width: width as u32,
        height: height as u32,
        left,
        top: top - ascender,
        advance,
    }))
}

/// The glyph range of font `name` (a stack name of [`FONTS`]) that starts at `start` (a
/// multiple of 256), encoded as the PBF MapLibre reads: one font stack named `name`, range
/// `"{start}-{start+255}"`, one glyph per code point the font has. A range without any glyph of
/// the font is a valid, empty answer.
pub fn glyph_range(name: &str, start: u32) -> Result<Vec<u8>, GlyphError> {
    let end = start + RANGE_SIZE - 1;
    if !start.is_multiple_of(RANGE_SIZE) || end > MAX_CODE_POINT {
        return Err(GlyphError::BadRange {
            range: format!("{start}-{end}"),
        });
    }
    let font = font_ref(name)?;
    let mut stack = Fontstack {
        name: name.to_string(),
        range: format!("{start}-{end}"),
        glyphs: Vec::new(),
    };
    for c in (start..=end).filter_map(char::from_u32) {
        if let Some(g) = render_glyph(&font, c)? {
            stack.glyphs.push(g);
        }
    }
    Ok(Glyphs {
        stacks: vec![stack],
    }
    .encode_to_vec())
}

/// One range as the cache keeps it: the PBF and its gzip compression.
#[derive(Debug, Clone)]
pub struct CachedRange {
    /// The PBF ([`glyph_range`]).
    pub raw: Arc<[u8]>,
    /// The same bytes gzip-compressed (about a third of the size), for clients that accept it.
    pub gzip: Arc<[u8]>,
}

/// Ranges by (font stack name, first code point).
type Ranges = HashMap<(&'static str, u32), CachedRange>;

/// Glyph ranges made at their first request and kept in memory (shared, cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct GlyphCache(Arc<Mutex<Ranges>>);

impl GlyphCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The range `range` (`"0-255"`) of the first shipped font of the comma-separated `stack`:
    /// from the cache, else made now ([`glyph_range`]) and kept.
    pub fn get(&self, stack: &str, range: &str) -> Result<Arc<[u8]>, GlyphError> {
        Ok(self.get_range(stack, range)?.raw)
    }

    /// [`GlyphCache::get`] with the gzip-compressed bytes beside the PBF.
    pub fn get_range(&self, stack: &str, range: &str) -> Result<CachedRange, GlyphError> {
        let name = resolve_stack(stack)?;
        let start = parse_range(range)?;
        if let Some(hit) = self.lock().get(&(name, start)) {
            return Ok(hit.clone());
        }
        // Made outside the lock: two first requests at once both render, one result is kept.
        let raw = glyph_range(name, start)?;
        let gzip = gzip(&raw).map_err(|e| GlyphError::Font {
            name: name.to_string(),
            reason: format!("cannot compress range {start}: {e}"),
        })?;
        let made = CachedRange {
            raw: raw.into(),
            gzip: gzip.into(),
        };
        Ok(self.lock().entry((name, start)).or_insert(made).clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ranges> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_resolve_to_the_first_font_we_have() {
        assert_eq!(resolve_stack("Liberation Sans Bold"), Ok(BOLD_STACK));
        assert_eq!(
            resolve_stack("Open Sans Regular, Liberation Sans Regular,Liberation Sans Bold"),
            Ok(REGULAR_STACK)
        );
        assert!(matches!(
            resolve_stack("Arial"),
            Err(GlyphError::UnknownFont { .. })
        ));
    }

    #[test]
    fn ranges_must_be_whole_256_blocks() {
        assert_eq!(parse_range("0-255"), Ok(0));
        assert_eq!(parse_range("65280-65535"), Ok(65280));
        for bad in [
            "0-256",
            "1-256",
            "256-255",
            "65536-65791",
            "-1-254",
            "a-b",
            "0255",
            "",
            "0-255x",
            "+0-255",
        ] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }
}
