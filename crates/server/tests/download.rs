//! The downloads of the neighbourhood table and the report over a real listener: the machine CSV
//! equals `Analysis::to_csv` (`analyze --format csv`); the German CSV, parsed with `;` and a
//! decimal comma, and the XLSX, read back by an independent reader (calamine), equal the
//! properties of `/api/neighbourhoods`; the report route answers what its maker renders (the
//! real PDF is checked end to end in the CLI's tests), 404 for an unknown neighbourhood.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::sync::Arc;

use analysis::ScenarioEngine;
use analysis::names::Lang;
use calamine::{Data, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::Value;
use spielraum_server::{AppState, EditToken, ReportFailure, ReportMaker, ScenarioSetup, serve};

use crate::codes::documented_code;

/// Answers "%PDF <lang> <neighbourhood>" for the neighbourhoods of the city, refuses others.
struct FakeReports;

impl ReportMaker for FakeReports {
    fn pdf(
        &self,
        engine: &ScenarioEngine,
        lang: Lang,
        neighbourhood: Option<&str>,
    ) -> Result<Vec<u8>, ReportFailure> {
        match neighbourhood {
            Some(n) if !engine.city().neighbourhoods.iter().any(|h| h.id == n) => Err(
                ReportFailure::UnknownNeighbourhood(format!("unknown neighbourhood \"{n}\"")),
            ),
            n => Ok(format!("%PDF {} {}", lang.as_str(), n.unwrap_or("all")).into_bytes()),
        }
    }
}

/// The scenario test city analysed by the engine, served with its indicators and reports.
fn state() -> (AppState, Arc<ScenarioEngine>) {
    let city = Arc::new(crate::scenario::city());
    let standards = analysis::Standards::default_din18034();
    let graph = Arc::new(analysis::build_graph(&city, &standards).unwrap());
    let engine =
        Arc::new(ScenarioEngine::new(city.clone(), graph.clone(), standards.clone()).unwrap());
    let setup = ScenarioSetup {
        standards,
        store: None,
        candidates: Vec::new(),
        edit_token: EditToken::read_only(),
        private: false,
    };
    let state = AppState::with_shared(city, graph, Some(engine.base().document()))
        .with_scenarios_on(setup, engine.clone())
        .with_reports(Arc::new(FakeReports));
    (state, engine)
}

async fn start(state: AppState) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state, async {
        let _ = rx.await;
    }));
    (format!("http://{addr}"), tx)
}

async fn get(base: &str, path: &str) -> (StatusCode, String, String, Vec<u8>) {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    let header = |h: &str| {
        r.headers()
            .get(h)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let (ct, cd) = (header("content-type"), header("content-disposition"));
    (r.status(), ct, cd, r.bytes().await.unwrap().to_vec())
}

/// The flat properties of `/api/neighbourhoods`, by id: what every download must hold.
async fn api_rows(base: &str) -> BTreeMap<String, serde_json::Map<String, Value>> {
    let (_, _, _, body) = get(base, "/api/neighbourhoods").await;
    let fc: Value = serde_json::from_slice(&body).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["properties"].as_object().unwrap().clone();
            (p["id"].as_str().unwrap().to_string(), p)
        })
        .collect()
}

/// The machine CSV's columns (the flat property names).
fn columns(machine_csv: &str) -> Vec<String> {
    machine_csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect()
}

fn assert_cell(api: &Value, got: Option<f64>, what: &str) {
    match api.as_f64() {
        Some(want) => {
            let got = got.unwrap_or_else(|| panic!("{what}: empty, API says {want}"));
            assert!((got - want).abs() < 1e-9, "{what}: {got} vs {want}");
        }
        None => assert!(got.is_none(), "{what}: {got:?} where the API has {api}"),
    }
}

/// The need's main driver as the human downloads write it (docs/interfaces.md): the API's key in
/// words, nothing where the API has none.
fn driver_words(api: &Value, lang: &str) -> String {
    let words = match (api.as_str(), lang) {
        (None, _) => "",
        (Some("age_0_5"), "de") => "unversorgte Kinder 0–5",
        (Some("age_6_11"), "de") => "unversorgte Kinder 6–11",
        (Some("age_12_17"), "de") => "unversorgte Jugendliche 12–17",
        (Some("play_area"), "de") => "zu wenig Spielfläche",
        (Some("age_0_5"), _) => "unserved children 0–5",
        (Some("age_6_11"), _) => "unserved children 6–11",
        (Some("age_12_17"), _) => "unserved young people 12–17",
        (Some("play_area"), _) => "too little play area",
        (Some(other), _) => panic!("unexpected driver {other}"),
    };
    words.to_string()
}

#[tokio::test]
async fn csv_xlsx_and_report_downloads() {
    let (state, engine) = state();
    let (base, stop) = start(state).await;
    let api = api_rows(&base).await;
    assert_eq!(api.len(), 2);

    // The machine CSV: exactly `analyze --format csv`.
    let (st, ct, cd, body) = get(&base, "/api/neighbourhoods.csv").await;
    assert_eq!(st, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert_eq!(cd, "attachment; filename=\"neighbourhoods.csv\"");
    let machine = String::from_utf8(body).unwrap();
    assert_eq!(machine, engine.base().to_csv());
    let cols = columns(&machine);

    // The German CSV: BOM, CRLF, `;`, decimal comma, shares in percent, German headers.
    let (st, _, cd, body) = get(&base, "/api/neighbourhoods.csv?lang=de").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(cd, "attachment; filename=\"gebiete.csv\"");
    let text = String::from_utf8(body).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 BOM");
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers.len(), cols.len());
    assert_eq!(headers[1], "Gebiet");
    assert_eq!(
        headers[cols
            .iter()
            .position(|c| c == "served_share_age_0_5")
            .unwrap()],
        "Versorgt 0–5 (%)"
    );
    let mut seen = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let id = &record[0];
        let row = &api[id];
        assert_eq!(&record[1], row["name"].as_str().unwrap());
        for (i, col) in cols.iter().enumerate().skip(2) {
            let cell = &record[i];
            if col == "need_driver" {
                assert_eq!(cell, driver_words(&row[col], "de"), "{id} {col}");
                continue;
            }
            assert!(!cell.contains('.'), "{col}: {cell} has a decimal point");
            let got = (!cell.is_empty()).then(|| cell.replace(',', ".").parse::<f64>().unwrap());
            // Shares are written in percent with two decimals.
            let got = if col.starts_with("served_share_") {
                got.map(|p| (p / 100.0 * 1e4).round() / 1e4)
            } else {
                got
            };
            assert_cell(&row[col], got, &format!("{id} {col}"));
        }
        seen += 1;
    }
    assert_eq!(seen, api.len());

    // XLSX, read back by calamine: headers, numbers as numbers equal to the API.
    for (lang, name, sheet) in [
        ("de", "gebiete.xlsx", "Gebiete"),
        ("en", "neighbourhoods.xlsx", "Neighbourhoods"),
    ] {
        let (st, ct, cd, body) = get(&base, &format!("/api/neighbourhoods.xlsx?lang={lang}")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(ct.contains("spreadsheetml"), "{ct}");
        assert_eq!(cd, format!("attachment; filename=\"{name}\""));
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body)).unwrap();
        let range = book.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(rows.len(), api.len() + 1);
        let head = |c: usize| rows[0][c].to_string();
        assert_eq!(
            head(1),
            if lang == "de" {
                "Gebiet"
            } else {
                "Neighbourhood"
            }
        );
        for r in &rows[1..] {
            let id = r[0].to_string();
            let row = &api[&id];
            assert_eq!(r[1].to_string(), row["name"].as_str().unwrap());
            for (i, col) in cols.iter().enumerate().skip(2) {
                if col == "need_driver" {
                    let cell = match &r[i] {
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    };
                    assert_eq!(cell, driver_words(&row[col], lang), "xlsx {id} {col}");
                    continue;
                }
                let got = match &r[i] {
                    Data::Float(x) => Some(*x),
                    Data::Int(x) => Some(*x as f64),
                    Data::Empty => None,
                    other => panic!("{id} {col}: not a number: {other:?}"),
                };
                assert_cell(&row[col], got, &format!("xlsx {id} {col}"));
            }
        }
    }

    // The report: what the maker renders, named for the neighbourhood; 404 for an unknown one.
    let (st, ct, cd, body) = get(&base, "/api/report.pdf?lang=en&neighbourhood=east").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    assert_eq!(cd, "attachment; filename=\"report-east.pdf\"");
    assert_eq!(body, b"%PDF en east");
    let (_, _, cd, body) = get(&base, "/api/report.pdf").await;
    assert_eq!(cd, "attachment; filename=\"bericht.pdf\"");
    assert_eq!(body, b"%PDF de all");
    let (st, _, _, body) = get(&base, "/api/report.pdf?neighbourhood=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(
        documented_code(&serde_json::from_slice(&body).unwrap()),
        "not_found"
    );
    let (st, _, _, body) = get(&base, "/api/neighbourhoods.xlsx?lang=fr").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        documented_code(&serde_json::from_slice(&body).unwrap()),
        "invalid_request"
    );
    let _ = stop.send(());
}

#[tokio::test]
async fn without_an_analysis_downloads_answer_503() {
    let (base, stop) = start(AppState::new(crate::scenario::city(), None)).await;
    for path in [
        "/api/neighbourhoods.csv",
        "/api/neighbourhoods.xlsx",
        "/api/report.pdf",
    ] {
        let (st, _, _, body) = get(&base, path).await;
        assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(
            documented_code(&serde_json::from_slice(&body).unwrap()),
            "no_analysis"
        );
    }
    let _ = stop.send(());
}
