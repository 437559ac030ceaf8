//! Integration tests of spielraum-fonts: one binary, one module per subject.

mod glyph_range;
