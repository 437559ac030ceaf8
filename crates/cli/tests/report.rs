//! `spielraum report` end to end on the demo city: PDF page count and text layer, HTML without
//! external requests, numbers equal to `spielraum analyze --format json`, bad input.
//!
//! Needs poppler-utils (pdfinfo, pdftotext): `apt-get install -y poppler-utils`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::helpers::{demo_pbf, import, spielraum, tool_stdout};
use serde_json::Value;

/// The demo city imported once, with its `analyze --format json` output.
struct Demo {
    _dir: tempfile::TempDir,
    gpkg: PathBuf,
    json: Value,
}

fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let gpkg = dir.path().join("li.gpkg");
        let out = import(&demo_pbf(), &gpkg, &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = spielraum(&[
            "analyze",
            gpkg.to_str().unwrap(),
            "--format",
            "json",
            "--no-write-back",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json = serde_json::from_slice(&out.stdout).unwrap();
        Demo {
            _dir: dir,
            gpkg,
            json,
        }
    })
}

/// The neighbourhood objects of the JSON, most need first (the report's page order).
fn by_need(json: &Value) -> Vec<&Value> {
    let mut rows: Vec<&Value> = json["neighbourhoods"].as_array().unwrap().iter().collect();
    rows.sort_by_key(|r| r["need_rank"].as_i64().unwrap());
    rows
}

// ---- The report's documented number formats, written out again here (see docs/interfaces.md). ----

#[derive(Clone, Copy, PartialEq)]
enum Lang {
    De,
    En,
}

/// Whole number with `.` (de) or `,` (en) every three digits.
fn int(x: i64, lang: Lang) -> String {
    let sep = if lang == Lang::De { "." } else { "," };
    let s = x.abs().to_string();
    let mut groups = Vec::new();
    let mut end = s.len();
    while end > 3 {
        groups.push(&s[end - 3..end]);
        end -= 3;
    }
    groups.push(&s[..end]);
    groups.reverse();
    format!("{}{}", if x < 0 { "-" } else { "" }, groups.join(sep))
}

/// One decimal, rounded half away from zero.
fn dec1(x: f64, lang: Lang) -> String {
    let tenths = (x * 10.0).round() as i64;
    let point = if lang == Lang::De { "," } else { "." };
    format!("{}{point}{}", int(tenths / 10, lang), (tenths % 10).abs())
}

/// A share as percent with one decimal: `83,3 %` (de), `83.3%` (en); `–` for null.
fn pct(v: &Value, lang: Lang) -> String {
    match v.as_f64() {
        None => "–".into(),
        Some(s) if lang == Lang::De => format!("{} %", dec1(s * 100.0, lang)),
        Some(s) => format!("{}%", dec1(s * 100.0, lang)),
    }
}

fn m2_1(v: &Value, lang: Lang) -> String {
    v.as_f64()
        .map_or("–".into(), |x| format!("{} m²", dec1(x, lang)))
}

/// The lines the report must print for a neighbourhood, whitespace collapsed to single spaces.
fn expected_lines(r: &Value, count: usize, lang: Lang) -> Vec<String> {
    let i = |v: &Value| int(v.as_i64().unwrap(), lang);
    let de = lang == Lang::De;
    let bands = [
        (
            "age_0_5",
            if de {
                "Kinder unter 6"
            } else {
                "Children under 6"
            },
            200,
        ),
        (
            "age_6_11",
            if de {
                "6 bis 11 Jahre"
            } else {
                "6 to 11 years"
            },
            400,
        ),
        (
            "age_12_17",
            if de {
                "12 bis 17 Jahre"
            } else {
                "12 to 17 years"
            },
            1000,
        ),
    ];
    let mut lines: Vec<String> = bands
        .iter()
        .map(|(k, label, metres)| {
            format!(
                "{label} {} {} m {} {} {}",
                i(&r["population"][k]),
                int(*metres, lang),
                pct(&r["served_share"][k], lang),
                pct(&Value::from(1.0), lang),
                i(&r["gap_children"][k]),
            )
        })
        .collect();
    let area = r["play_area_m2"].as_f64().unwrap().round() as i64;
    let rank = r["need_rank"].as_i64().unwrap();
    if de {
        lines.extend([
            format!("Einwohner {}", i(&r["population"]["total"])),
            format!("Fläche der öffentlichen Spielplätze {} m²", int(area, lang)),
            format!(
                "Fläche je Kind (0–17) {}",
                m2_1(&r["play_area_m2_per_child"], lang)
            ),
            format!(
                "Erreichbare Fläche je Kind (2SFCA) {}",
                m2_1(&r["play_area_m2_per_child_2sfca"], lang)
            ),
            format!("Rang {rank} von {count}"),
        ]);
    } else {
        lines.extend([
            format!("Residents {}", i(&r["population"]["total"])),
            format!("Area of public playgrounds {} m²", int(area, lang)),
            format!(
                "Area per child (0–17) {}",
                m2_1(&r["play_area_m2_per_child"], lang)
            ),
            format!(
                "Reachable area per child (2SFCA) {}",
                m2_1(&r["play_area_m2_per_child_2sfca"], lang)
            ),
            format!("rank {rank} of {count}"),
        ]);
    }
    lines
}

/// The text of one PDF page (`pdftotext -layout`), each line's whitespace collapsed.
fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    let text = tool_stdout(
        "pdftotext",
        &["-layout", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"],
    );
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn pages(pdf: &Path) -> usize {
    let info = tool_stdout("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

fn report(args: &[&str]) -> std::process::Output {
    let mut all = vec!["report", demo().gpkg.to_str().unwrap()];
    all.extend_from_slice(args);
    spielraum(&all)
}

fn assert_page_has(text: &str, wanted: &[String], what: &str) {
    for w in wanted {
        assert!(
            text.lines().any(|l| l.contains(w.as_str())),
            "{what}: no line contains {w:?}; page text:\n{text}"
        );
    }
}

#[test]
fn pdf_for_all_neighbourhoods_has_their_names_and_numbers() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    let out = report(&["--all", "--format", "pdf", "--out", pdf.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = by_need(&d.json);
    assert!(rows.len() >= 10, "the demo city has 11 municipalities");
    // Title page, ranking page, one page per neighbourhood, methods page.
    assert_eq!(pages(&pdf), rows.len() + 3);

    let title = page_text(&pdf, 1);
    assert!(
        title.contains("2015-07-27"),
        "data date on the title page:\n{title}"
    );
    assert!(title.contains("© OpenStreetMap contributors"));
    let ranking = page_text(&pdf, 2);
    for (k, r) in rows.iter().enumerate() {
        let name = r["name"].as_str().unwrap();
        let line = format!(
            "{} {name} {} ",
            k + 1,
            int(r["population"]["total"].as_i64().unwrap(), Lang::De)
        );
        assert_page_has(&ranking, &[line], "ranking");

        let page = page_text(&pdf, k + 3);
        assert_eq!(
            page.lines().find(|l| !l.is_empty()),
            Some(name),
            "page {}",
            k + 3
        );
        assert_page_has(&page, &expected_lines(r, rows.len(), Lang::De), name);
        assert!(page.contains("Kinder unter 6") && page.contains("Fläche"));
    }
    let methods = page_text(&pdf, rows.len() + 3);
    assert!(methods.contains("Methoden und Quellen"));
    // The sources the import recorded: credited on the title page, listed on the methods page.
    assert!(title.contains("Datenquellen") && title.contains("© OpenStreetMap contributors"));
    assert!(methods.contains("Datenquellen dieser Auswertung"));
    assert!(
        methods.contains("liechtenstein-2015.osm.pbf (OSM PBF, EPSG:4326,"),
        "{methods}"
    );
}

#[test]
fn english_pdf_for_one_neighbourhood() {
    let d = demo();
    let rows = by_need(&d.json);
    // Pick by id, in a different case for the name variant below.
    let r = rows[rows.len() / 2];
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("one.pdf");
    let name = r["name"].as_str().unwrap().to_uppercase();
    let out = report(&[
        "--neighbourhood",
        &name,
        "--lang",
        "en",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pages(&pdf), 4);
    let page = page_text(&pdf, 3);
    assert_page_has(&page, &expected_lines(r, rows.len(), Lang::En), "en page");
    assert!(page_text(&pdf, 4).contains("Methods and sources"));

    let by_id = dir.path().join("by-id.pdf");
    let id = r["id"].as_str().unwrap();
    let out = report(&["--neighbourhood", id, "--out", by_id.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_page_has(
        &page_text(&by_id, 3),
        &expected_lines(r, rows.len(), Lang::De),
        "by id",
    );
}

/// The targets of every `src=`, `href=`, `url(`, `@import` and `srcset=` in an HTML text.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["src=", "href=", "url(", "@import", "srcset="] {
        let mut rest = html;
        while let Some(i) = rest.find(marker) {
            let after = &rest[i + marker.len()..];
            let target: String = after
                .trim_start_matches(['"', '\''])
                .chars()
                .take_while(|c| !matches!(c, '"' | '\'' | ')' | ' ' | '>'))
                .collect();
            out.push(target);
            rest = after;
        }
    }
    out
}

#[test]
fn html_is_self_contained_and_has_the_numbers() {
    let d = demo();
    let dir = tempfile::tempdir().unwrap();
    let html_path = dir.path().join("report.html");
    let out = report(&["--lang", "en", "--out", html_path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is loaded from elsewhere: only in-document references (#clip-…).
    let refs = references(&html);
    assert!(!refs.is_empty(), "the maps clip with url(#…)");
    for r in refs {
        assert!(r.starts_with('#'), "reference to {r:?}");
    }
    // No URL at all, except the text of the OSM copyright link.
    let without_osm = html.replace("www.openstreetmap.org/copyright", "");
    for scheme in ["http://", "https://", "//www.", "ftp://"] {
        assert!(!without_osm.contains(scheme), "{scheme} in the HTML");
    }
    assert!(html.contains("© OpenStreetMap contributors"));
    // Names and numbers as in the PDF (the HTML table cells hold the same strings).
    for r in by_need(&d.json) {
        assert!(html.contains(&format!("<h2>{}</h2>", r["name"].as_str().unwrap())));
        for k in ["age_0_5", "age_6_11", "age_12_17"] {
            let cell = format!(
                "<td class=\"n\">{}</td>",
                pct(&r["served_share"][k], Lang::En)
            );
            assert!(html.contains(&cell), "{cell}");
        }
    }
}

#[test]
fn bad_input_is_one_line_exit_1_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("keep.pdf");
    std::fs::write(&out_path, b"old report").unwrap();
    let p = out_path.to_str().unwrap();

    let out = report(&["--neighbourhood", "Atlantis", "--out", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("Atlantis") && err.contains("Balzers"), "{err}");
    assert_eq!(std::fs::read(&out_path).unwrap(), b"old report");

    // An output folder that does not exist (a file stands where the folder should be).
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let inside = blocker.join("r.pdf");
    let out = report(&["--out", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("r.pdf"), "{err}");

    // A missing city file.
    let out = spielraum(&["report", "/nonexistent/city.gpkg", "--out", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );

    // --all and --neighbourhood together are refused.
    let out = report(&["--all", "--neighbourhood", "Vaduz", "--out", p]);
    assert_eq!(out.status.code(), Some(1));

    // A good run replaces the old file, leaving no temporary files behind.
    let out = report(&["--neighbourhood", "Vaduz", "--format", "html", "--out", p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&out_path)
            .unwrap()
            .contains("Vaduz")
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// `spielraum serve` answers `/api/report.pdf` with the council report: the PDF of one
/// neighbourhood names it (read back by pdftotext), in the language asked for.
#[test]
fn the_server_downloads_the_report_of_one_neighbourhood() {
    let d = demo();
    let (mut server, addr) = crate::serve::start(&d.gpkg);
    let name = by_need(&d.json)[0]["name"].as_str().unwrap().to_string();
    let id = by_need(&d.json)[0]["id"].as_str().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    for (lang, words) in [("de", "Handlungsbedarf"), ("en", "need")] {
        let (status, body) = crate::serve::get(
            &addr,
            &format!("/api/report.pdf?lang={lang}&neighbourhood={id}"),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert!(body.starts_with(b"%PDF"));
        let pdf = dir.path().join(format!("{lang}.pdf"));
        std::fs::write(&pdf, &body).unwrap();
        let text = tool_stdout("pdftotext", &[pdf.to_str().unwrap(), "-"]);
        assert!(text.contains(&name), "{lang}: {name} not in the PDF");
        assert!(
            text.to_lowercase().contains(&words.to_lowercase()),
            "{lang}: no {words:?}"
        );
    }
    let (status, body) = crate::serve::get(&addr, "/api/report.pdf?neighbourhood=Atlantis");
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    server.kill().unwrap();
    let _ = server.wait();
}
