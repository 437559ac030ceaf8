//! Downloads of the neighbourhood table and the council report: `/api/neighbourhoods.csv`
//! (the machine CSV of `analyze --format csv`, or with `?lang=de` a CSV German Excel opens as
//! columns: `;`, decimal comma, shares in percent, German headers, UTF-8 with BOM, CRLF),
//! `/api/neighbourhoods.xlsx?lang=de|en` and `/api/report.pdf?lang=de|en[&neighbourhood=ID]`.
//!
//! Every answer is an attachment (`Content-Disposition`). The report is rendered by a
//! [`ReportMaker`] the binary gives ([`crate::AppState::with_reports`]): the report crate lives
//! in the same layer as this one (docs/architecture.md), so the server cannot call it itself.

use std::collections::HashMap;

use analysis::AnalysisDocument;
use analysis::names::Lang;
use analysis::scenario::ScenarioEngine;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::error::{ErrorCode, json_error, quoted};
use crate::limits::Class;
use crate::state::AppState;

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportFailure {
    /// The neighbourhood asked for is not in the city.
    #[error("{0}")]
    UnknownNeighbourhood(String),
    /// Rendering failed.
    #[error("{0}")]
    Failed(String),
}

/// Renders the council report as PDF from the server's base analysis (given by the binary,
/// which may use the `report` crate).
pub trait ReportMaker: Send + Sync {
    /// The PDF in `lang`, for the neighbourhood `neighbourhood` (id or name) or all of them.
    fn pdf(
        &self,
        engine: &ScenarioEngine,
        lang: Lang,
        neighbourhood: Option<&str>,
    ) -> Result<Vec<u8>, ReportFailure>;
}

/// A column of the neighbourhood table: its German and English header, and whether it holds a
/// share (0–1; written as percent in the German CSV and with a percent format in XLSX).
fn header(column: &str, lang: Lang) -> String {
    let band = |b: &str| match b {
        "age_0_5" => "0–5",
        "age_6_11" => "6–11",
        "age_12_17" => "12–17",
        _ => "",
    };
    let split = |prefix: &str| column.strip_prefix(prefix).map(band);
    let (de, en) = if let Some(b) = split("served_share_") {
        (format!("Versorgt {b} (%)"), format!("Served {b} (%)"))
    } else if let Some(b) = split("gap_children_") {
        (format!("Nicht versorgt {b}"), format!("Not served {b}"))
    } else if let Some(b) = split("play_area_m2_per_child_2sfca_") {
        (
            format!("Erreichbare Spielfläche je Kind {b} (m²)"),
            format!("Reachable play area per child {b} (m²)"),
        )
    } else {
        let (de, en) = match column {
            "id" => ("ID", "ID"),
            "name" => ("Gebiet", "Neighbourhood"),
            "population_total" => ("Einwohner", "Residents"),
            "age_0_5" => ("Kinder 0–5", "Children 0–5"),
            "age_6_11" => ("Kinder 6–11", "Children 6–11"),
            "age_12_17" => ("Jugendliche 12–17", "Teenagers 12–17"),
            "play_area_m2" => (
                "Spielfläche im Gebiet (m²)",
                "Play area in the neighbourhood (m²)",
            ),
            "play_area_m2_per_child" => (
                "Spielfläche im Gebiet je Kind (m²)",
                "Play area in the neighbourhood per child (m²)",
            ),
            "play_area_m2_per_child_2sfca" => (
                "Erreichbare Spielfläche je Kind (m²)",
                "Reachable play area per child (m²)",
            ),
            "play_area_m2_per_resident" => (
                "Spielfläche im Gebiet je Einwohner (m²)",
                "Play area in the neighbourhood per resident (m²)",
            ),
            "need_score" => ("Handlungsbedarf (Wert 0–1)", "Need score (0–1)"),
            "need_rank" => ("Handlungsbedarf (Rang)", "Need rank"),
            "need_driver" => ("Handlungsbedarf vor allem durch", "Main driver of need"),
            other => (other, other),
        };
        (de.to_string(), en.to_string())
    };
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// Whether `column` holds a share between 0 and 1.
fn is_share(column: &str) -> bool {
    column.starts_with("served_share_")
}

/// The rows of the table: each neighbourhood's flat (column, value) pairs, the need's main
/// driver in words of `lang`.
fn rows(doc: &AnalysisDocument, lang: Lang) -> Vec<Vec<(String, Value)>> {
    doc.neighbourhoods
        .iter()
        .map(|n| {
            let mut row = n.flat();
            for (k, v) in &mut row {
                if k == "need_driver"
                    && let Value::String(key) = v
                {
                    *key = analysis::need_part_label(key, &doc.social_indicators, lang);
                }
            }
            row
        })
        .collect()
}

/// A number with a decimal comma, without a thousands separator (Excel reads `1234,5`).
fn german_number(x: f64) -> String {
    format!("{x}").replace('.', ",")
}

/// The German Excel CSV: UTF-8 with BOM, `;`, CRLF, decimal comma, shares in percent (two
/// decimals), German headers, empty cells for missing values.
pub fn german_csv(doc: &AnalysisDocument) -> Vec<u8> {
    let rows = rows(doc, Lang::De);
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if let Some(first) = rows.first() {
        let _ = w.write_record(first.iter().map(|(k, _)| header(k, Lang::De)));
    }
    for row in &rows {
        let _ = w.write_record(row.iter().map(|(k, v)| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Number(n) => match n.as_f64() {
                Some(x) if is_share(k) => german_number((x * 1e4).round() / 100.0),
                Some(_) if n.is_i64() || n.is_u64() => n.to_string(),
                Some(x) => german_number(x),
                None => String::new(),
            },
            other => other.to_string(),
        }));
    }
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The table as an XLSX workbook: a header row (bold, frozen), numbers as numbers, shares as
/// fractions shown as percent.
pub fn xlsx(doc: &AnalysisDocument, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let rows = rows(doc, lang);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(match lang {
        Lang::De => "Gebiete",
        Lang::En => "Neighbourhoods",
    })?;
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    if let Some(first) = rows.first() {
        for (c, (k, _)) in first.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, header(k, lang), &bold)?;
            sheet.set_column_width(c, if c < 2 { 16 } else { 14 })?;
        }
        sheet.set_freeze_panes(1, 2)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, (k, v)) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Value::String(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(f64::NAN);
                    if is_share(k) {
                        sheet.write_number_with_format(r, c, x, &percent)?;
                    } else {
                        sheet.write_number(r, c, x)?;
                    }
                }
                _ => {}
            }
        }
    }
    book.save_to_buffer()
}

fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `?lang=…`: `None` when not given; a wrong value answers 400.
fn lang_of(q: &HashMap<String, String>) -> Result<Option<Lang>, Box<Response>> {
    match q.get("lang") {
        None => Ok(None),
        Some(l) => Lang::parse(l).map(Some).ok_or_else(|| {
            Box::new(json_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                format!("parameter 'lang' must be 'de' or 'en', got '{}'", quoted(l)),
            ))
        }),
    }
}

fn document(s: &AppState) -> Result<&AnalysisDocument, Box<Response>> {
    s.0.indicators.as_ref().ok_or_else(|| {
        Box::new(json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::NoAnalysis,
            "This server has no analysis of the city to download.",
        ))
    })
}

/// `GET /api/neighbourhoods.csv[?lang=de|en]`: `de` the German Excel CSV, else the machine CSV.
pub(crate) async fn neighbourhoods_csv(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (lang, doc) = match (lang_of(&q), document(&s)) {
        (Ok(l), Ok(d)) => (l, d),
        (Err(e), _) | (_, Err(e)) => return *e,
    };
    match lang {
        Some(Lang::De) => attachment("text/csv; charset=utf-8", "gebiete.csv", german_csv(doc)),
        _ => attachment(
            "text/csv; charset=utf-8",
            "neighbourhoods.csv",
            doc.to_csv().into_bytes(),
        ),
    }
}

/// `GET /api/neighbourhoods.xlsx[?lang=de|en]` (default German).
pub(crate) async fn neighbourhoods_xlsx(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (lang, doc) = match (lang_of(&q), document(&s)) {
        (Ok(l), Ok(d)) => (l.unwrap_or_default(), d),
        (Err(e), _) | (_, Err(e)) => return *e,
    };
    match xlsx(doc, lang) {
        Ok(bytes) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            match lang {
                Lang::De => "gebiete.xlsx",
                Lang::En => "neighbourhoods.xlsx",
            },
            bytes,
        ),
        Err(e) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("The spreadsheet could not be written: {e}"),
        ),
    }
}

/// `GET /api/report.pdf[?lang=de|en][&neighbourhood=ID]` (default German, every neighbourhood).
pub(crate) async fn report_pdf(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = match lang_of(&q) {
        Ok(l) => l.unwrap_or_default(),
        Err(e) => return *e,
    };
    let unavailable =
        |m: &str| json_error(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NoAnalysis, m);
    let Some(maker) = s.0.reports.clone() else {
        return unavailable("This server makes no reports.");
    };
    let engine = match s.0.scenarios.as_ref().map(|sc| sc.engine.clone()) {
        Some(Ok(engine)) => engine,
        _ => return unavailable("This server has no analysis of the city to report on."),
    };
    let neighbourhood = q
        .get("neighbourhood")
        .filter(|n| !n.trim().is_empty())
        .cloned();
    let result =
        s.0.gates
            .of(Class::Report)
            .run(move || {
                maker
                    .pdf(&engine, lang, neighbourhood.as_deref())
                    .map(|b| (b, neighbourhood))
            })
            .await;
    match result {
        Ok(Ok((bytes, n))) => {
            let base = match lang {
                Lang::De => "bericht",
                Lang::En => "report",
            };
            let name = match n {
                Some(n) => format!("{base}-{}.pdf", file_part(&n)),
                None => format!("{base}.pdf"),
            };
            attachment("application/pdf", &name, bytes)
        }
        Ok(Err(ReportFailure::UnknownNeighbourhood(m))) => {
            json_error(StatusCode::NOT_FOUND, ErrorCode::NotFound, m)
        }
        Ok(Err(ReportFailure::Failed(m))) => json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("The report could not be rendered: {m}"),
        ),
        Err(refused) => refused.into_response(),
    }
}

/// `text` safe inside a file name: letters and digits kept, anything else `-`, at most 60.
fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .filter(char::is_ascii)
        .take(60)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_numbers() {
        assert_eq!(header("served_share_age_0_5", Lang::De), "Versorgt 0–5 (%)");
        assert_eq!(
            header("gap_children_age_12_17", Lang::En),
            "Not served 12–17"
        );
        assert_eq!(header("something_new", Lang::De), "something_new");
        assert_eq!(german_number(1234.5), "1234,5");
        assert_eq!(german_number(0.0), "0");
        assert_eq!(file_part("Schaan/Vaduz ä"), "Schaan-Vaduz-");
    }
}
