//! The HTML report: one self-contained, printable file (inline CSS and SVG, no external requests).
//!
//! Owns the HTML structure and its print style sheet; the content comes from [`crate::content`].

use std::fmt::Write as _;

use crate::content::{Content, Table};
use crate::i18n::text;
use crate::map_figure::{MapData, View, legend_svg};
use crate::svg::attr;

const CSS: &str = r#"
@page { size: A4; margin: 14mm; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #212529; margin: 0 auto; max-width: 190mm; font-size: 10pt; line-height: 1.4; }
section { padding: 6mm 0; }
section + section { border-top: 1px solid #dee2e6; }
h1 { font-size: 22pt; margin: 8mm 0 2mm; }
h2 { font-size: 16pt; margin: 2mm 0 2mm; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; }
p.sub { font-size: 12pt; margin-top: 0; }
p.small { font-size: 8.5pt; color: #495057; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 9pt; }
th { background: #e9ecef; text-align: left; }
th, td { padding: 1.2mm 2mm; border-bottom: 1px solid #dee2e6; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr.hl td { background: #fff3bf; }
svg { display: block; max-width: 100%; height: auto; }
.charts { display: flex; gap: 4mm; }
.charts > div { flex: 1; }
footer { font-size: 8pt; color: #495057; border-top: 1px solid #adb5bd; padding-top: 2mm; }
@media print { section { page-break-after: always; border-top: none; } section:last-of-type { page-break-after: auto; } }
"#;

/// SVG inside HTML needs no namespace declaration; leaving it out keeps the file free of URLs.
fn inline(svg: &str) -> String {
    svg.replace(r#" xmlns="http://www.w3.org/2000/svg""#, "")
}

fn table(out: &mut String, t: &Table) {
    out.push_str("<table>");
    let class = |i: usize| {
        if t.numeric.get(i).copied().unwrap_or(false) {
            r#" class="n""#
        } else {
            ""
        }
    };
    if !t.header.is_empty() {
        out.push_str("<thead><tr>");
        for (i, h) in t.header.iter().enumerate() {
            let _ = write!(out, "<th{}>{}</th>", class(i), attr(h));
        }
        out.push_str("</tr></thead>");
    }
    out.push_str("<tbody>");
    for (r, row) in t.rows.iter().enumerate() {
        out.push_str(if t.highlight == Some(r) {
            r#"<tr class="hl">"#
        } else {
            "<tr>"
        });
        for (i, c) in row.iter().enumerate() {
            let _ = write!(out, "<td{}>{}</td>", class(i), attr(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// The whole report as one HTML document.
pub(crate) fn render(content: &Content, maps: &MapData) -> String {
    let lang = content.lang;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><style>{CSS}</style></head><body>"#,
        lang.code(),
        attr(&content.title)
    );
    // Title.
    let _ = write!(
        out,
        r#"<section><h1>{}</h1><p class="sub">{}</p>"#,
        attr(&content.title),
        attr(&content.subtitle)
    );
    table(&mut out, &content.facts);
    if let Some(bbox) = maps.bbox(None) {
        let view = View {
            bbox,
            focus: None,
            choropleth: true,
        };
        out.push_str(&inline(&maps.svg(&view, 680.0, 520.0, lang, "overview")));
        let _ = write!(
            out,
            r#"<p class="small">{}</p>"#,
            attr(lang.t(&text::OVERVIEW_CAPTION))
        );
    }
    out.push_str("</section>");

    // Ranking.
    let _ = write!(
        out,
        "<section><h2>{}</h2><p>{}</p>",
        attr(lang.t(&text::RANKING)),
        attr(lang.t(&text::RANKING_INTRO))
    );
    if content.ranking.rows.is_empty() {
        let _ = write!(out, "<p>{}</p>", attr(lang.t(&text::NO_NEIGHBOURHOODS)));
    }
    table(&mut out, &content.ranking);
    out.push_str("</section>");

    for s in &content.sections {
        let _ = write!(
            out,
            r#"<section id="n{}"><h2>{}</h2><p>{}</p>"#,
            s.index,
            attr(&s.name),
            attr(&s.subtitle)
        );
        if let Some(bbox) = maps.bbox(Some(s.index)) {
            let view = View {
                bbox,
                focus: Some(s.index),
                choropleth: false,
            };
            let id = format!("n{}", s.index);
            out.push_str(&inline(&maps.svg(&view, 680.0, 420.0, lang, &id)));
            out.push_str(&inline(
                &legend_svg(680.0, maps.catchment_m, &maps.kinds, lang).0,
            ));
        }
        table(&mut out, &s.bands);
        table(&mut out, &s.area);
        let served = crate::chart::bars(
            lang.t(&text::CHART_SERVED),
            &s.served_bars,
            Some((1.0, &lang.percent(1.0))),
            1.0,
            330.0,
            110.0,
        );
        let area = crate::chart::bars(
            lang.t(&text::CHART_AREA),
            &s.area_bars,
            s.area_target.as_ref().map(|(t, l)| (*t, l.as_str())),
            1.0,
            330.0,
            110.0,
        );
        let _ = write!(
            out,
            r#"<div class="charts"><div>{}</div><div>{}</div></div></section>"#,
            inline(&served),
            inline(&area)
        );
    }

    let _ = write!(out, "<section><h2>{}</h2>", attr(lang.t(&text::METHODS)));
    for (h, p) in &content.methods {
        let _ = write!(out, "<h3>{}</h3><p>{}</p>", attr(h), attr(p));
    }
    let _ = writeln!(
        out,
        "</section><footer>{} · {}</footer></body></html>",
        attr(&content.title),
        attr(lang.t(&text::ATTRIBUTION))
    );
    out
}
