//! `/fonts/{fontstack}/{range}.pbf`: every range the style's text layers can need for German
//! text answers, decoded with the format's protobuf types (`pbf_font_tools`); unknown fonts
//! and bad ranges answer 404 `no_glyphs`; cache headers and ETag/304.

use std::collections::BTreeSet;

use pbf_font_tools::Glyphs;
use pbf_font_tools::prost::Message;
use reqwest::StatusCode;
use serde_json::Value;
use spielraum_server::AppState;

use crate::codes::documented_code;
use crate::http::{city, indicators, start};

/// Every font stack a layer of `style` names in `text-font` (literal arrays).
fn text_fonts(style: &Value) -> BTreeSet<String> {
    style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["layout"]["text-font"].as_array())
        .map(|fonts| {
            fonts
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

#[tokio::test]
async fn the_styles_fonts_answer_every_german_range_with_cache_headers() {
    let s = start(AppState::new(city(), Some(indicators()))).await;
    let (_, style) = s.json("/style.json").await;
    let template = style["glyphs"]
        .as_str()
        .expect("the style names its glyphs");
    let stacks = text_fonts(&style);
    assert!(
        stacks.contains("Liberation Sans Regular") && stacks.contains("Liberation Sans Bold"),
        "{stacks:?}"
    );
    // German text: Basic Latin and Latin-1 (ä ö ü ß), Latin Extended-A (ő, ł in names),
    // General Punctuation (– „ “).
    for stack in &stacks {
        for (range, must_have) in [
            ("0-255", &['A', 'z', 'ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü', 'ß'][..]),
            ("256-511", &['ő', 'ł', 'Œ'][..]),
            ("8192-8447", &['–', '„', '“'][..]),
        ] {
            let url = template
                .replace("{fontstack}", &stack.replace(' ', "%20"))
                .replace("{range}", range);
            assert!(
                url.starts_with(&s.base),
                "{url}: glyphs from our own origin"
            );
            let r = s.get(&url[s.base.len()..]).await;
            assert_eq!(r.status(), StatusCode::OK, "{url}");
            let h = r.headers().clone();
            assert_eq!(h["content-type"], "application/x-protobuf");
            let cache = h["cache-control"].to_str().unwrap();
            assert!(cache.starts_with("public, max-age="), "{cache}");
            let max_age: u64 = cache["public, max-age=".len()..].parse().unwrap();
            assert!(max_age >= 86_400, "{cache}");
            let etag = h["etag"].to_str().unwrap().to_string();
            let glyphs = Glyphs::decode(&r.bytes().await.unwrap()[..]).unwrap();
            assert_eq!(glyphs.stacks.len(), 1);
            assert_eq!(glyphs.stacks[0].name, *stack);
            assert_eq!(glyphs.stacks[0].range, range);
            let ids: BTreeSet<u32> = glyphs.stacks[0].glyphs.iter().map(|g| g.id).collect();
            for c in must_have {
                assert!(ids.contains(&u32::from(*c)), "{stack} {range} lacks {c}");
            }
            // The ETag answers 304 without a body.
            let again = s
                .client
                .get(&url)
                .header("If-None-Match", &etag)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn gzip_is_sent_when_accepted_and_is_the_same_range() {
    use std::io::Read;
    let s = start(AppState::new(city(), None)).await;
    let path = "/fonts/Liberation%20Sans%20Regular/0-255.pbf";
    let raw = s.get(path).await;
    assert!(raw.headers().get("content-encoding").is_none());
    let raw_tag = raw.headers()["etag"].to_str().unwrap().to_string();
    let raw = raw.bytes().await.unwrap();
    let gz = s
        .client
        .get(format!("{}{path}", s.base))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let varies: Vec<_> = gz.headers().get_all("vary").iter().collect();
    assert!(
        gz.headers()
            .get_all("vary")
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(','))
            .any(|v| v.trim().eq_ignore_ascii_case("accept-encoding")),
        "{varies:?}"
    );
    assert_ne!(gz.headers()["etag"].to_str().unwrap(), raw_tag);
    let body = gz.bytes().await.unwrap();
    assert!(
        body.len() * 2 < raw.len(),
        "{} vs {}",
        body.len(),
        raw.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, raw);
    s.stop().await;
}

#[tokio::test]
async fn a_stack_answers_with_its_first_shipped_font() {
    let s = start(AppState::new(city(), None)).await;
    let r = s
        .get("/fonts/Open%20Sans%20Bold,Liberation%20Sans%20Bold/0-255.pbf")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let glyphs = Glyphs::decode(&r.bytes().await.unwrap()[..]).unwrap();
    assert_eq!(glyphs.stacks[0].name, "Liberation Sans Bold");
    // A range the font has no glyph in is a valid, empty range.
    let r = s
        .get("/fonts/Liberation%20Sans%20Regular/65280-65535.pbf")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    s.stop().await;
}

#[tokio::test]
async fn unknown_fonts_and_bad_ranges_answer_404() {
    let s = start(AppState::new(city(), None)).await;
    for path in [
        "/fonts/Arial%20Regular/0-255.pbf",
        "/fonts/Liberation%20Sans%20Regular/0-511.pbf",
        "/fonts/Liberation%20Sans%20Regular/1-256.pbf",
        "/fonts/Liberation%20Sans%20Regular/65536-65791.pbf",
        "/fonts/Liberation%20Sans%20Regular/0-255.json",
        "/fonts/Liberation%20Sans%20Regular/zero-255.pbf",
    ] {
        let (st, v) = s.json(path).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(documented_code(&v), "no_glyphs", "{path}");
    }
    s.stop().await;
}
