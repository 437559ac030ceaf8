//! Integration tests of spielraum-fonts: one binary, one module per subject.

mod freetype;
mod glyph_range;
