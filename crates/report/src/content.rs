//! What the report says, independent of HTML or PDF: texts, tables and chart values in one language.
//!
//! Owns reading the numbers from the published document ([`analysis::AnalysisDocument`], what
//! `analyze --format json` prints), so both match.

use analysis::{Analysis, NeighbourhoodRow, Standards};
use model::AgeBand;
use model::provenance::DataSource;

use crate::chart::Bar;
use crate::i18n::{Lang, text};

/// A table: header cells and rows of cells; `highlight` marks one row.
pub(crate) struct Table {
    /// Header cells.
    pub header: Vec<String>,
    /// Body rows.
    pub rows: Vec<Vec<String>>,
    /// Index of a row to emphasise.
    pub highlight: Option<usize>,
    /// Columns aligned right (numbers).
    pub numeric: Vec<bool>,
}

/// One neighbourhood's part.
pub(crate) struct Section {
    /// Index into `Analysis::neighbourhoods`.
    pub index: usize,
    /// Its name (the heading).
    pub name: String,
    /// "Need: rank 3 of 11 · …" under the heading.
    pub subtitle: String,
    /// Age bands: children, distance, served share, target, not served.
    pub bands: Table,
    /// Play area rows: (label, value).
    pub area: Table,
    /// Served share per band (fractions), target 1.
    pub served_bars: Vec<Bar>,
    /// Play area per child: in the area and 2SFCA.
    pub area_bars: Vec<Bar>,
    /// The per-child target and its text, if the standard sets one.
    pub area_target: Option<(f64, String)>,
}

/// The whole report.
pub(crate) struct Content {
    /// Language of every text.
    pub lang: Lang,
    /// Document title.
    pub title: String,
    /// Line under the title.
    pub subtitle: String,
    /// Facts of the title page: label and value per row.
    pub facts: Table,
    /// The need ranking of all neighbourhoods.
    pub ranking: Table,
    /// One section per chosen neighbourhood, in need order.
    pub sections: Vec<Section>,
    /// Methods and sources: (heading, paragraph).
    pub methods: Vec<(String, String)>,
}

/// Builds the content for the neighbourhoods `chosen` (indices into the analysis).
pub(crate) fn build(
    analysis: &Analysis,
    standards: &Standards,
    sources: &[DataSource],
    chosen: &[usize],
    lang: Lang,
    generated: &str,
    time: Option<&str>,
) -> Content {
    let document = analysis.document();
    let rows: Vec<&NeighbourhoodRow> = document.neighbourhoods.iter().collect();
    let dash = || "–".to_string();
    let pct = |v: Option<f64>| v.map_or_else(dash, |s| lang.percent(s));
    let m2_1 = |v: Option<f64>| v.map_or_else(dash, |s| lang.area_m2_1(s));
    let children = |r: &NeighbourhoodRow| {
        AgeBand::ALL
            .iter()
            .map(|&b| r.population.bands.get(b))
            .sum::<i64>()
    };
    let gap_total = |r: &NeighbourhoodRow| {
        AgeBand::ALL
            .iter()
            .map(|&b| r.gap_children.get(b))
            .sum::<i64>()
    };

    // Title page facts.
    let data = &document.data;
    let meta = |v: &Option<String>| {
        v.clone()
            .unwrap_or_else(|| lang.t(&text::UNKNOWN).to_string())
    };
    let area = match chosen {
        [one] => analysis.neighbourhoods[*one].name.clone(),
        _ => format!(
            "{} ({})",
            lang.t(&text::ALL_NEIGHBOURHOODS),
            lang.integer(analysis.neighbourhoods.len() as i64)
        ),
    };
    let population = match meta(&data.population_source).as_str() {
        "census" => lang
            .t(&crate::i18n::T("Zensus-Raster", "census grid"))
            .to_string(),
        "buildings" => lang
            .t(&crate::i18n::T(
                "aus Wohngebäuden geschätzt",
                "estimated from residential buildings",
            ))
            .to_string(),
        "points" => lang
            .t(&crate::i18n::T("Punktdaten", "point data"))
            .to_string(),
        "register" => lang
            .t(&crate::i18n::T(
                "Einwohnerregister je Gebiet, auf Wohngebäude verteilt",
                "residents' register per area, spread over residential buildings",
            ))
            .to_string(),
        other => other.to_string(),
    };
    let totals = analysis
        .metadata
        .iter()
        .find(|(k, _)| k == "population_totals")
        .map(|(_, v)| {
            format!(
                "{} {v}",
                lang.t(&crate::i18n::T(", angepasst an", ", calibrated to"))
            )
        })
        .unwrap_or_default();
    let mut facts = vec![
        (lang.t(&text::AREA).to_string(), area),
        (
            lang.t(&text::STANDARD).to_string(),
            format!(
                "{} ({})",
                crate::i18n::standard_title(&analysis.standard, &analysis.standard_title, lang),
                analysis.standard
            ),
        ),
        (
            lang.t(&text::OSM_DATA).to_string(),
            meta(&data.source_timestamp),
        ),
        (
            lang.t(&text::SOURCE_FILE).to_string(),
            meta(&data.source_file),
        ),
        (
            lang.t(&text::POPULATION_SOURCE).to_string(),
            format!("{population}{}", totals.replace(" ,", ",")),
        ),
        (
            lang.t(&crate::i18n::T("Datenquellen", "Data sources"))
                .to_string(),
            model::provenance::credits(sources).join("; "),
        ),
        (lang.t(&text::GENERATED).to_string(), generated.to_string()),
    ];
    if let Some(time) = time {
        facts.push((lang.t(&text::TIME).to_string(), time.to_string()));
    }

    // What drives each neighbourhood's need score, in words.
    let names_lang = match lang {
        Lang::De => analysis::names::Lang::De,
        Lang::En => analysis::names::Lang::En,
    };
    let driver = |r: &NeighbourhoodRow| {
        r.need_driver.as_deref().map_or_else(dash, |k| {
            analysis::need_part_label(k, &document.social_indicators, names_lang)
        })
    };

    // Need ranking of all neighbourhoods.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].need_rank);
    let served = lang.t(&text::SERVED);
    let ranking = Table {
        header: vec![
            lang.t(&text::RANK).into(),
            lang.t(&text::NEIGHBOURHOOD).into(),
            lang.t(&text::RESIDENTS).into(),
            lang.t(&text::CHILDREN).into(),
            format!("{} {served}", lang.band_short(AgeBand::Age0To5)),
            format!("{} {served}", lang.band_short(AgeBand::Age6To11)),
            format!("{} {served}", lang.band_short(AgeBand::Age12To17)),
            lang.t(&crate::i18n::T("ohne Versorgung", "not served"))
                .into(),
            lang.t(&crate::i18n::T("m² je Kind", "m² per child")).into(),
            lang.t(&text::MAIN_DRIVER).into(),
        ],
        rows: order
            .iter()
            .map(|&i| {
                let r = rows[i];
                let mut cells = vec![
                    r.need_rank.to_string(),
                    r.name.clone(),
                    lang.integer(r.population.total),
                    lang.integer(children(r)),
                ];
                cells.extend(AgeBand::ALL.iter().map(|&b| pct(r.served_share.get(b))));
                cells.push(lang.integer(gap_total(r)));
                cells.push(m2_1(r.play_area_m2_per_child));
                cells.push(driver(r));
                cells
            })
            .collect(),
        highlight: match chosen {
            [one] => order.iter().position(|i| i == one),
            _ => None,
        },
        numeric: vec![true, false, true, true, true, true, true, true, true, false],
    };

    let target = standards.play_area.target_m2_per_resident;
    let mut chosen: Vec<usize> = chosen.to_vec();
    chosen.sort_by_key(|&i| rows.get(i).map_or(0, |r| r.need_rank));
    let sections = chosen
        .iter()
        .filter_map(|&i| Some((i, *rows.get(i)?)))
        .map(|(i, r)| section(i, r, &driver(r), standards, target, rows.len(), lang))
        .collect();
    let mut methods: Vec<(String, String)> = text::METHOD_PARAGRAPHS
        .iter()
        .map(|(h, p)| (lang.t(h).to_string(), lang.t(p).to_string()))
        .collect();
    if !sources.is_empty() {
        methods.push((
            lang.t(&crate::i18n::T(
                "Datenquellen dieser Auswertung",
                "Data sources of this analysis",
            ))
            .to_string(),
            sources_paragraph(sources, lang),
        ));
    }
    Content {
        lang,
        title: lang.t(&text::TITLE).into(),
        subtitle: lang.t(&text::SUBTITLE).into(),
        facts: Table {
            header: Vec::new(),
            rows: facts.into_iter().map(|(k, v)| vec![k, v]).collect(),
            highlight: None,
            numeric: vec![false, false],
        },
        ranking,
        sections,
        methods,
    }
}

/// Every recorded source once, with the layers it fed: "layers: file (format, CRS, retrieved …,
/// licence …, credit)", joined by "; ".
fn sources_paragraph(sources: &[DataSource], lang: Lang) -> String {
    let t = |de: &'static str, en: &'static str| lang.t(&crate::i18n::T(de, en)).to_string();
    let mut groups: Vec<(Vec<&str>, &DataSource)> = Vec::new();
    for s in sources {
        let same = |g: &DataSource| {
            DataSource {
                layer: s.layer.clone(),
                ..g.clone()
            } == *s
        };
        match groups.iter_mut().find(|(_, g)| same(g)) {
            Some((layers, _)) => layers.push(&s.layer),
            None => groups.push((vec![&s.layer], s)),
        }
    }
    groups
        .iter()
        .map(|(layers, s)| {
            let mut parts = vec![s.format.clone()];
            if !s.crs.is_empty() {
                parts.push(s.crs.clone());
            }
            if !s.retrieved.is_empty() {
                parts.push(format!(
                    "{} {}",
                    t("Stand der Datei", "retrieved"),
                    s.retrieved
                ));
            }
            if let Some(d) = &s.data_as_of {
                parts.push(format!("{} {d}", t("Daten vom", "data of")));
            }
            if let Some(l) = &s.licence {
                parts.push(format!("{} {l}", t("Lizenz", "licence")));
            }
            if let Some(a) = &s.attribution {
                parts.push(a.clone());
            }
            format!(
                "{}: {} ({})",
                layers.join(", "),
                s.location,
                parts.join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One neighbourhood's tables and charts from its published row.
fn section(
    index: usize,
    r: &NeighbourhoodRow,
    driver: &str,
    standards: &Standards,
    target: Option<f64>,
    count: usize,
    lang: Lang,
) -> Section {
    let dash = || "–".to_string();
    let name = r.name.clone();
    let rank = r.need_rank;
    let subtitle = format!(
        "{}: {} · {}: {} · {}: {driver}",
        lang.t(&text::NEED_RANK),
        lang.t(&text::RANK_OF)
            .replace("{rank}", &rank.to_string())
            .replace("{count}", &count.to_string()),
        lang.t(&text::NEED_SCORE),
        lang.decimal1(r.need_score * 100.0) + " / 100",
        lang.t(&text::MAIN_DRIVER),
    );
    let bands = Table {
        header: vec![
            lang.t(&text::AGE_BAND).into(),
            lang.t(&text::CHILDREN).into(),
            lang.t(&text::WALK).into(),
            lang.t(&text::SERVED_SHARE).into(),
            lang.t(&text::TARGET).into(),
            lang.t(&text::GAP_CHILDREN).into(),
        ],
        rows: AgeBand::ALL
            .iter()
            .map(|&b| {
                vec![
                    lang.band(b).to_string(),
                    lang.integer(r.population.bands.get(b)),
                    format!(
                        "{} m",
                        lang.integer(standards.band(b).threshold_m().round() as i64)
                    ),
                    r.served_share.get(b).map_or_else(dash, |s| lang.percent(s)),
                    lang.percent(1.0),
                    lang.integer(r.gap_children.get(b)),
                ]
            })
            .chain(std::iter::once(vec![
                lang.t(&text::RESIDENTS).to_string(),
                lang.integer(r.population.total),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]))
            .collect(),
        highlight: None,
        numeric: vec![false, true, true, true, true, true],
    };
    let children: i64 = AgeBand::ALL
        .iter()
        .map(|&b| r.population.bands.get(b))
        .sum();
    let residents = r.population.total;
    // The per-resident target spread over the children: target × residents ÷ children.
    let target_per_child = target
        .filter(|_| children > 0)
        .map(|t| t * residents as f64 / children as f64);
    let per_child = r.play_area_m2_per_child;
    let sfca = r.play_area_m2_per_child_2sfca;
    let kinds = &standards.play_area.kinds;
    let area_label = if kinds.len() == 1 && kinds[0] == model::FacilityKind::Playground {
        text::PLAY_AREA
    } else {
        text::PLAY_AREA_KINDS
    };
    let target_label = target.map(|t| {
        lang.t(&text::TARGET_PER_CHILD)
            .replace("{target}", &lang.decimal1(t))
    });
    let area = Table {
        header: Vec::new(),
        rows: vec![
            vec![lang.t(&area_label).into(), lang.area_m2(r.play_area_m2)],
            vec![
                lang.t(&text::PER_CHILD).into(),
                per_child.map_or_else(dash, |a| lang.area_m2_1(a)),
            ],
            vec![
                lang.t(&text::PER_CHILD_2SFCA).into(),
                sfca.map_or_else(dash, |a| lang.area_m2_1(a)),
            ],
            vec![
                target_label
                    .clone()
                    .unwrap_or_else(|| lang.t(&text::TARGET).to_string()),
                target_per_child.map_or_else(
                    || lang.t(&text::NO_TARGET).to_string(),
                    |t| lang.area_m2_1(t),
                ),
            ],
        ],
        highlight: None,
        numeric: vec![false, true],
    };
    let served_bars = AgeBand::ALL
        .iter()
        .map(|&b| {
            let v = r.served_share.get(b);
            Bar {
                label: lang.band_short(b).to_string(),
                value: v,
                text: v.map_or_else(dash, |s| lang.percent(s)),
            }
        })
        .collect();
    // Only what the target measures is drawn against it: the play area inside the
    // neighbourhood per child (the target is per resident, spread over the children). The
    // reachable area (2SFCA) shares each playground among every child of its catchment, across
    // boundaries: another quantity, so it stays in the table and out of this chart (drawn
    // against the same line it put the neighbourhood most in need far above its target).
    let area_bars = vec![Bar {
        label: lang.t(&text::BAR_NET).into(),
        value: per_child,
        text: per_child.map_or_else(dash, |a| lang.area_m2_1(a)),
    }];
    Section {
        index,
        name,
        subtitle,
        bands,
        area,
        served_bars,
        area_bars,
        area_target: target_per_child.map(|t| {
            (
                t,
                format!("{} {}", lang.t(&text::TARGET), lang.area_m2_1(t)),
            )
        }),
    }
}
