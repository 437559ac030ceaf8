//! Glyph metrics against FreeType, the rasteriser `node-fontnik`, Martin and `pbf_font_tools`
//! render with: FreeType (freetype-py in the test venv `target/ci-venv`, made by `.ci/run`)
//! loads each glyph at 24 px per em without hinting, as `pbf_font_tools::render_sdf_glyph`
//! does, and reports the numbers a FreeType-made range would carry; ours may differ by a pixel
//! (rounding of the outline's box, advance rounded rather than truncated).

use std::path::PathBuf;
use std::process::Command;

use pbf_font_tools::Glyphs;
use pbf_font_tools::prost::Message;
use spielraum_fonts::{BOLD_STACK, REGULAR_STACK, glyph_range};

/// FreeType's metrics, the way pbf_font_tools' FreeType path computes them.
const FREETYPE: &str = r#"
import sys, json, freetype
face = freetype.Face(sys.argv[1])
face.set_char_size(0, 24 << 6, 0, 0)
ascender = face.size.ascender >> 6
out = {}
for c in sys.argv[2]:
    face.load_char(c, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_RENDER)
    g = face.glyph
    out[str(ord(c))] = [g.bitmap.width, g.bitmap.rows, g.bitmap_left, g.bitmap_top - ascender, g.metrics.horiAdvance >> 6]
print(json.dumps(out))
"#;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn metrics_agree_with_freetype_within_a_pixel() {
    let python = root().join("target/ci-venv/bin/python");
    let text = "AaBbgjpqyQWMäöüÄÖÜßéçñ0123456789.,;-–„“!?()&ĞőłŒ";
    for (stack, file) in [
        (REGULAR_STACK, "LiberationSans-Regular.ttf"),
        (BOLD_STACK, "LiberationSans-Bold.ttf"),
    ] {
        let font = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fonts")
            .join(file);
        let out = Command::new(&python)
            .args(["-c", FREETYPE, font.to_str().unwrap(), text])
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (.ci/run makes the venv with freetype-py)",
                    python.display()
                )
            });
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reference: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&out.stdout).unwrap();
        let mut ours = Vec::new();
        for start in [0, 256, 8192] {
            let g = Glyphs::decode(&glyph_range(stack, start).unwrap()[..]).unwrap();
            ours.extend(g.stacks.into_iter().flat_map(|s| s.glyphs));
        }
        for c in text.chars() {
            let want: Vec<i64> = reference[&u32::from(c).to_string()]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            let g = ours
                .iter()
                .find(|g| g.id == u32::from(c))
                .expect("glyph present");
            let got = [
                i64::from(g.width),
                i64::from(g.height),
                i64::from(g.left),
                i64::from(g.top),
                i64::from(g.advance),
            ];
            for (i, what) in ["width", "height", "left", "top", "advance"]
                .iter()
                .enumerate()
            {
                assert!(
                    (got[i] - want[i]).abs() <= 1,
                    "{stack} {c:?} {what}: ours {} vs FreeType {}",
                    got[i],
                    want[i]
                );
            }
        }
    }
}
