//! The PDF report: A4 pages laid out as SVG (text, tables, maps, charts) and written by krilla as vector PDF.
//!
//! Owns the page layout (margins, line wrapping, table columns, page breaks, footers); text stays real text.

use std::fmt::Write as _;

use krilla::Document;
use krilla::geom::Size;
use krilla::page::PageSettings;
use krilla_svg::{SurfaceExt, SvgSettings};

use crate::ReportError;
use crate::content::{Content, Table};
use crate::fonts::{FAMILY, text_width};
use crate::i18n::text;
use crate::map_figure::{MapData, View, legend_svg};
use crate::svg::{attr, num};

const PAGE_W: f64 = 595.0;
const PAGE_H: f64 = 842.0;
const MARGIN: f64 = 40.0;
const TOP: f64 = 48.0;
/// Lowest baseline of body text (the footer sits below).
const BOTTOM: f64 = PAGE_H - 52.0;
const BODY: f64 = 9.0;
const INK: &str = "#212529";

/// Pages being laid out.
struct Layout {
    pages: Vec<String>,
    current: String,
    y: f64,
    /// Bookmarks: (title, page index).
    marks: Vec<(String, usize)>,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: Vec::new(),
            current: String::new(),
            y: TOP,
            marks: Vec::new(),
        }
    }

    fn width() -> f64 {
        PAGE_W - 2.0 * MARGIN
    }

    fn new_page(&mut self) {
        let page = std::mem::take(&mut self.current);
        self.pages.push(page);
        self.y = TOP;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn need(&mut self, height: f64) {
        if self.y + height > BOTTOM && !self.current.is_empty() {
            self.new_page();
        }
    }

    fn text(&mut self, x: f64, y: f64, s: &str, size: f64, bold: bool, anchor_end: bool) {
        let _ = write!(
            self.current,
            r#"<text x="{}" y="{}" font-size="{}"{}{}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            if bold { r#" font-weight="bold""# } else { "" },
            if anchor_end {
                r#" text-anchor="end""#
            } else {
                ""
            },
            attr(s)
        );
    }

    /// A bookmark to the current page.
    fn mark(&mut self, title: &str) {
        self.marks.push((title.to_string(), self.pages.len()));
    }

    fn heading(&mut self, s: &str, size: f64) {
        self.need(size * 2.5);
        self.y += size;
        self.text(MARGIN, self.y, s, size, true, false);
        self.y += size * 0.6;
    }

    /// Wrapped text across the page width.
    fn paragraph(&mut self, s: &str, size: f64) {
        let lead = size * 1.35;
        for line in wrap(s, size, Self::width()) {
            self.need(lead);
            self.y += lead;
            self.text(MARGIN, self.y, &line, size, false, false);
        }
        self.y += size * 0.5;
    }

    /// An SVG element placed at the current position.
    fn embed(&mut self, svg: &str, h: f64) {
        self.need(h);
        let placed = svg.replacen(
            "<svg ",
            &format!(r#"<svg x="{MARGIN}" y="{}" "#, num(self.y)),
            1,
        );
        self.current.push_str(&placed);
        self.y += h;
    }

    /// Two SVG elements side by side, each half the width.
    fn embed_pair(&mut self, left: &str, right: &str, h: f64) {
        self.need(h);
        let half = Self::width() / 2.0;
        for (i, svg) in [left, right].iter().enumerate() {
            let x = MARGIN + i as f64 * (half + 10.0);
            let placed = svg.replacen(
                "<svg ",
                &format!(r#"<svg x="{}" y="{}" "#, num(x), num(self.y)),
                1,
            );
            self.current.push_str(&placed);
        }
        self.y += h;
    }

    /// A table across the page; the header repeats after a page break.
    fn table(&mut self, t: &Table, size: f64) {
        let row_h = size * 1.75;
        let cols = t.header.len().max(t.rows.first().map_or(0, Vec::len));
        if cols == 0 {
            return;
        }
        // Column widths: the widest cell of each column, stretched to the page width.
        let mut widths = vec![0.0f64; cols];
        for (i, h) in t.header.iter().enumerate() {
            widths[i] = widths[i].max(text_width(h, size, true));
        }
        for row in &t.rows {
            for (i, c) in row.iter().enumerate().take(cols) {
                widths[i] = widths[i].max(text_width(c, size, false));
            }
        }
        let pad = 8.0;
        let natural: f64 = widths.iter().map(|w| w + pad).sum();
        let stretch = Self::width() / natural;
        let widths: Vec<f64> = widths.iter().map(|w| (w + pad) * stretch).collect();
        let header = |l: &mut Layout| {
            if t.header.is_empty() {
                return;
            }
            let _ = write!(
                l.current,
                r##"<rect x="{MARGIN}" y="{}" width="{}" height="{}" fill="#e9ecef"/>"##,
                num(l.y),
                num(Self::width()),
                num(row_h)
            );
            l.cells(&t.header, &widths, &t.numeric, size, true, row_h);
        };
        self.need(row_h * 2.0);
        header(self);
        for (r, row) in t.rows.iter().enumerate() {
            if self.y + row_h > BOTTOM {
                self.new_page();
                header(self);
            }
            if t.highlight == Some(r) {
                let _ = write!(
                    self.current,
                    r##"<rect x="{MARGIN}" y="{}" width="{}" height="{}" fill="#fff3bf"/>"##,
                    num(self.y),
                    num(Self::width()),
                    num(row_h)
                );
            }
            self.cells(row, &widths, &t.numeric, size, false, row_h);
            let _ = write!(
                self.current,
                r##"<line x1="{MARGIN}" y1="{y}" x2="{}" y2="{y}" stroke="#dee2e6" stroke-width="0.6"/>"##,
                num(PAGE_W - MARGIN),
                y = num(self.y)
            );
        }
        self.y += size;
    }

    fn cells(
        &mut self,
        cells: &[String],
        widths: &[f64],
        numeric: &[bool],
        size: f64,
        bold: bool,
        row_h: f64,
    ) {
        let base = self.y + row_h * 0.5 + size * 0.35;
        let mut x = MARGIN;
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if numeric.get(i).copied().unwrap_or(false) {
                self.text(x + w - 4.0, base, c, size, bold, true);
            } else {
                self.text(x + 4.0, base, c, size, bold, false);
            }
            x += w;
        }
        self.y += row_h;
    }

    /// The finished pages, each a complete SVG document with a footer.
    fn finish(mut self, footer: &str, page_word: &str) -> (Vec<String>, Vec<(String, usize)>) {
        if !self.current.is_empty() {
            self.new_page();
        }
        let n = self.pages.len();
        let pages = self
            .pages
            .iter()
            .enumerate()
            .map(|(i, body)| {
                format!(
                    r##"<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_W}" height="{PAGE_H}" viewBox="0 0 {PAGE_W} {PAGE_H}" font-family="{FAMILY}" fill="{INK}">{body}<line x1="{MARGIN}" y1="{ly}" x2="{rx}" y2="{ly}" stroke="#adb5bd" stroke-width="0.6"/><text x="{MARGIN}" y="{ty}" font-size="7.5" fill="#495057">{}</text><text x="{rx}" y="{ty}" font-size="7.5" text-anchor="end" fill="#495057">{} {} / {n}</text></svg>"##,
                    attr(footer),
                    attr(page_word),
                    i + 1,
                    ly = PAGE_H - 38.0,
                    ty = PAGE_H - 26.0,
                    rx = PAGE_W - MARGIN,
                )
            })
            .collect();
        (pages, self.marks)
    }
}

/// Greedy line breaking at spaces to fit `width`.
fn wrap(s: &str, size: f64, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size, false) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The page SVGs of the report (title, ranking, one page per neighbourhood, methods) and the
/// bookmarks (title, page index) of its parts.
pub(crate) fn pages(content: &Content, maps: &MapData) -> (Vec<String>, Vec<(String, usize)>) {
    let lang = content.lang;
    let mut l = Layout::new();
    let w = Layout::width();

    // Title page.
    l.mark(&content.title);
    l.y += 30.0;
    l.heading(&content.title, 22.0);
    l.y += 4.0;
    l.paragraph(&content.subtitle, 12.0);
    l.y += 6.0;
    l.table(&content.facts, BODY);
    if let Some(bbox) = maps.bbox(None) {
        let h = 400.0;
        let view = View {
            bbox,
            focus: None,
            choropleth: true,
        };
        l.y += 6.0;
        l.embed(&maps.svg(&view, w, h, lang, "overview"), h);
        l.y += 4.0;
        l.paragraph(lang.t(&text::OVERVIEW_CAPTION), 8.0);
    }

    // Need ranking.
    l.new_page();
    l.mark(lang.t(&text::RANKING));
    l.heading(lang.t(&text::RANKING), 16.0);
    l.paragraph(lang.t(&text::RANKING_INTRO), BODY);
    if content.ranking.rows.is_empty() {
        l.paragraph(lang.t(&text::NO_NEIGHBOURHOODS), BODY);
    }
    l.table(&content.ranking, 8.5);

    // One page per neighbourhood.
    for s in &content.sections {
        l.new_page();
        l.mark(&s.name);
        l.heading(&s.name, 18.0);
        l.paragraph(&s.subtitle, BODY);
        if let Some(bbox) = maps.bbox(Some(s.index)) {
            let h = 360.0;
            let view = View {
                bbox,
                focus: Some(s.index),
                choropleth: false,
            };
            l.embed(&maps.svg(&view, w, h, lang, &format!("n{}", s.index)), h);
            l.y += 4.0;
            let (legend, h) = legend_svg(w, maps.catchment_m, &maps.kinds, lang);
            l.embed(&legend, h);
        }
        l.table(&s.bands, BODY);
        l.table(&s.area, BODY);
        let half = w / 2.0 - 5.0;
        let served = crate::chart::bars(
            lang.t(&text::CHART_SERVED),
            &s.served_bars,
            Some((1.0, &lang.percent(1.0))),
            1.0,
            half,
            110.0,
        );
        let area = crate::chart::bars(
            lang.t(&text::CHART_AREA),
            &s.area_bars,
            s.area_target
                .as_ref()
                .map(|(t, label)| (*t, label.as_str())),
            1.0,
            half,
            110.0,
        );
        l.embed_pair(&served, &area, 110.0);
    }

    // Methods and sources.
    l.new_page();
    l.mark(lang.t(&text::METHODS));
    l.heading(lang.t(&text::METHODS), 16.0);
    for (h, p) in &content.methods {
        l.heading(h, 10.5);
        l.paragraph(p, BODY);
    }
    l.finish(&content.title, lang.t(&text::PAGE))
}

/// Writes the pages as one PDF with real text (the shipped font embedded, subset) and a
/// bookmark for each part.
pub(crate) fn render(content: &Content, maps: &MapData) -> Result<Vec<u8>, ReportError> {
    let options = usvg::Options {
        fontdb: crate::fonts::database(),
        font_family: FAMILY.to_string(),
        ..usvg::Options::default()
    };
    let mut document = Document::new();
    document.set_metadata(
        krilla::metadata::Metadata::new()
            .title(content.title.clone())
            .language(content.lang.code().to_string())
            .creator("Spielraum".to_string()),
    );
    let (pages, marks) = pages(content, maps);
    let mut outline = krilla::outline::Outline::new();
    for (title, page) in marks {
        let top = krilla::geom::Point::from_xy(0.0, 0.0);
        let dest = krilla::destination::XyzDestination::new(page, top);
        outline.push_child(krilla::outline::OutlineNode::new(title, dest));
    }
    document.set_outline(outline);
    for (i, svg) in pages.iter().enumerate() {
        let tree = usvg::Tree::from_str(svg, &options)
            .map_err(|e| ReportError::Render(format!("page {}: {e}", i + 1)))?;
        let size = Size::from_wh(PAGE_W as f32, PAGE_H as f32)
            .ok_or_else(|| ReportError::Render("page size".into()))?;
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface
            .draw_svg(&tree, size, SvgSettings::default())
            .ok_or_else(|| ReportError::Render(format!("page {} could not be drawn", i + 1)))?;
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Render(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_fits() {
        let s = "Ein Kind gilt als versorgt, wenn dieser Weg die Grenze seiner Altersgruppe nicht überschreitet.";
        let lines = wrap(s, 9.0, 120.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| text_width(l, 9.0, false) <= 120.0));
        assert_eq!(lines.join(" "), s);
    }
}
