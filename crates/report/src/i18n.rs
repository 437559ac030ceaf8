//! The report's two languages: every label and sentence in German and English, and number formats.
//!
//! Owns the documented rounding of numbers in the report (see [`Lang::percent`] and friends).

use model::AgeBand;

/// The report's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// German (the default: the report goes to a German council).
    #[default]
    De,
    /// English.
    En,
}

/// One text in both languages.
pub(crate) struct T(pub &'static str, pub &'static str);

impl Lang {
    /// The BCP 47 code (`de`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }

    /// Picks this language's text.
    pub(crate) fn t(self, text: &T) -> &'static str {
        match self {
            Lang::De => text.0,
            Lang::En => text.1,
        }
    }

    /// A whole number with thousands separators: `12.345` (de), `12,345` (en); negative numbers keep their sign.
    pub fn integer(self, x: i64) -> String {
        let sep = match self {
            Lang::De => '.',
            Lang::En => ',',
        };
        let digits = x.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if x < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// `x` rounded half away from zero to one decimal: `1.234,5` (de), `1,234.5` (en).
    pub fn decimal1(self, x: f64) -> String {
        let tenths = (x * 10.0).round() as i64;
        let point = match self {
            Lang::De => ',',
            Lang::En => '.',
        };
        let sign = if tenths < 0 { "-" } else { "" };
        let t = tenths.abs();
        format!("{sign}{}{point}{}", self.integer(t / 10), t % 10)
    }

    /// A share (fraction) as percent with one decimal: 0.8333 → `83,3 %` (de), `83.3%` (en).
    pub fn percent(self, share: f64) -> String {
        let p = self.decimal1(share * 100.0);
        match self {
            Lang::De => format!("{p} %"),
            Lang::En => format!("{p}%"),
        }
    }

    /// Square metres rounded to whole m²: `12.345 m²`.
    pub fn area_m2(self, x: f64) -> String {
        format!("{} m²", self.integer(x.round() as i64))
    }

    /// Square metres with one decimal: `5,2 m²`.
    pub fn area_m2_1(self, x: f64) -> String {
        format!("{} m²", self.decimal1(x))
    }

    /// The label of an age band.
    pub fn band(self, band: AgeBand) -> &'static str {
        match band {
            AgeBand::Age0To5 => self.t(&T("Kinder unter 6", "Children under 6")),
            AgeBand::Age6To11 => self.t(&T("6 bis 11 Jahre", "6 to 11 years")),
            AgeBand::Age12To17 => self.t(&T("12 bis 17 Jahre", "12 to 17 years")),
        }
    }

    /// The short label of an age band (charts).
    pub fn band_short(self, band: AgeBand) -> &'static str {
        match band {
            AgeBand::Age0To5 => self.t(&T("unter 6", "under 6")),
            AgeBand::Age6To11 => "6–11",
            AgeBand::Age12To17 => "12–17",
        }
    }

    /// The name of a facility kind.
    pub fn kind(self, kind: &str) -> &'static str {
        match kind {
            "playground" => self.t(&T("Spielplatz", "Playground")),
            "school" => self.t(&T("Schule", "School")),
            "kindergarten" => self.t(&T("Kindergarten", "Kindergarten")),
            "open_space" => self.t(&T("Grün- und Freifläche", "Open space")),
            "library" => self.t(&T("Bibliothek", "Library")),
            "youth_centre" => self.t(&T("Jugendzentrum", "Youth centre")),
            "family_centre" => self.t(&T("Familienzentrum", "Family centre")),
            "sports_pitch" => self.t(&T("Sport- und Bolzplatz", "Sports pitch")),
            "community_garden" => self.t(&T("Gemeinschaftsgarten", "Community garden")),
            _ => self.t(&T("Sonstiges", "Other")),
        }
    }
}

/// Every fixed text of the report.
pub(crate) mod text {
    use super::T;

    pub const TITLE: T = T(
        "Spielraum: Erreichbarkeit von Spielflächen",
        "Spielraum: access to play space",
    );
    pub const SUBTITLE: T = T(
        "Bericht zur Versorgung von Kindern mit Spielflächen",
        "Report on children's access to places to play",
    );
    pub const AREA: T = T("Gebiet", "Area");
    pub const ALL_NEIGHBOURHOODS: T = T("alle Sozialräume", "all neighbourhoods");
    pub const STANDARD: T = T("Planungsstandard", "Planning standard");
    pub const OSM_DATA: T = T("OpenStreetMap-Daten, Stand", "OpenStreetMap data as of");
    pub const SOURCE_FILE: T = T("Quelldatei", "Source file");
    pub const POPULATION_SOURCE: T = T("Bevölkerung", "Population");
    pub const GENERATED: T = T("Erstellt am", "Generated on");
    pub const TIME: T = T(
        "Zeitpunkt (nur dann geöffnete Einrichtungen gezählt)",
        "Time (only facilities open then counted)",
    );
    pub const UNKNOWN: T = T("unbekannt", "unknown");
    pub const OVERVIEW_CAPTION: T = T(
        "Übersicht: Sozialräume nach Versorgung der Kinder unter 6 (rot: wenige versorgt, gelb: die meisten, blau: alle); Versorgungslücken rot umrandet.",
        "Overview: neighbourhoods by the served share of children under 6 (red: few served, yellow: most, blue: all); gap areas outlined in red.",
    );
    pub const RANKING: T = T("Rangfolge nach Handlungsbedarf", "Need ranking");
    pub const RANKING_INTRO: T = T(
        "Rang 1 = größter Handlungsbedarf. Bedarfswert aus den Versorgungslücken je Altersgruppe, dem Defizit an Spielfläche und, wo der Standard sie gewichtet, Sozialindikatoren (siehe Methoden); »vor allem« nennt den größten Anteil daran.",
        "Rank 1 = most need. The need score combines each age band's gap share, the play-area deficit and, where the standard weighs them, social indicators (see methods); 'main driver' names its largest part.",
    );
    pub const RANK: T = T("Rang", "Rank");
    pub const MAIN_DRIVER: T = T("vor allem", "main driver");
    pub const NEIGHBOURHOOD: T = T("Sozialraum", "Neighbourhood");
    pub const RESIDENTS: T = T("Einwohner", "Residents");
    pub const CHILDREN: T = T("Kinder", "Children");
    pub const SERVED: T = T("versorgt", "served");
    pub const GAP_CHILDREN: T = T("Kinder ohne Versorgung", "Children not served");
    pub const NEED_SCORE: T = T("Bedarfswert", "Need score");
    pub const RANK_OF: T = T("Rang {rank} von {count}", "rank {rank} of {count}");
    pub const NEED_RANK: T = T("Handlungsbedarf", "Need");
    pub const AGE_BAND: T = T("Altersgruppe", "Age band");
    pub const WALK: T = T("Fußweg höchstens", "Walking distance at most");
    pub const SERVED_SHARE: T = T("Versorgungsgrad", "Served share");
    pub const TARGET: T = T("Ziel", "Target");
    pub const PLAY_AREA: T = T(
        "Fläche der öffentlichen Spielplätze",
        "Area of public playgrounds",
    );
    pub const PLAY_AREA_KINDS: T = T(
        "Fläche der öffentlichen Spielflächen",
        "Area of public play space",
    );
    pub const PER_CHILD: T = T("Fläche je Kind (0–17)", "Area per child (0–17)");
    pub const PER_CHILD_2SFCA: T = T(
        "Erreichbare Fläche je Kind (2SFCA)",
        "Reachable area per child (2SFCA)",
    );
    pub const TARGET_PER_CHILD: T = T(
        "Ziel je Kind ({target} m² je Einwohner)",
        "Target per child ({target} m² per resident)",
    );
    pub const NO_TARGET: T = T("kein Ziel im Standard", "no target in the standard");
    pub const CHART_SERVED: T = T(
        "Versorgungsgrad je Altersgruppe (Ziel: 100 %)",
        "Served share per age band (target: 100%)",
    );
    pub const CHART_AREA: T = T(
        "Spielfläche im Gebiet je Kind (m²) und Ziel",
        "Play area in the neighbourhood per child (m²) and target",
    );
    pub const BAR_NET: T = T("im Gebiet", "in the area");
    pub const LEGEND_GAP: T = T("Versorgungslücke", "Gap area");
    pub const LEGEND_CATCHMENT: T = T(
        "Wege bis {m} m zum Spielplatz",
        "Streets within {m} m of a playground",
    );
    pub const LEGEND_OUTLINE: T = T("Grenze des Sozialraums", "Neighbourhood boundary");
    pub const METHODS: T = T("Methoden und Quellen", "Methods and sources");
    pub const NO_NEIGHBOURHOODS: T = T(
        "Die Datei enthält keine Sozialräume.",
        "The file holds no neighbourhoods.",
    );
    pub const ATTRIBUTION: T = T(
        "Kartendaten © OpenStreetMap contributors, ODbL 1.0",
        "Map data © OpenStreetMap contributors, ODbL 1.0",
    );
    pub const PAGE: T = T("Seite", "Page");

    /// The methods section: (heading, paragraph) pairs, from docs/methods.md and docs/standards.md.
    pub const METHOD_PARAGRAPHS: [(T, T); 7] = [
        (
            T("Was gezählt wird", "What is counted"),
            T(
                "Spielplätze, Schulhöfe, Kindergärten, öffentliche Grün- und Freiflächen (mit Sport- und Bolzplätzen und Gemeinschaftsgärten) sowie Bibliotheken, Jugend- und Familienzentren als Orte zum Lernen und Treffen stammen aus OpenStreetMap. Orte mit access=no oder access=private zählen nie. Welche Arten welcher Altersgruppe dienen, legt der Planungsstandard fest; nach DIN 18034 dienen Kindern unter 6 Spielplätze, älteren Kindern Spielplätze und Freiflächen.",
                "Playgrounds, school grounds, kindergartens, public open spaces (with sports pitches and community gardens) and libraries, youth and family centres as places to learn and meet come from OpenStreetMap. Places tagged access=no or access=private never count. The planning standard says which kinds serve which age band; under DIN 18034 playgrounds serve children under 6, playgrounds and open spaces serve older children.",
            ),
        ),
        (
            T("Fußwege", "Walking distance"),
            T(
                "Gemessen entlang des Fußwegenetzes aus OpenStreetMap (Fußwege, Pfade, Wohn- und andere Straßen; keine Autobahnen): von der Wohnung zum nächsten Punkt des nächsten Weges, über das Netz und weiter zum nächsten Punkt des Umrisses der Fläche. Die geraden Stücke an beiden Enden zählen mit. Ein Kind gilt als versorgt, wenn dieser Weg die Grenze seiner Altersgruppe nicht überschreitet (DIN 18034: unter 6 Jahren 200 m, 6 bis 11 Jahre 400 m, 12 bis 17 Jahre 1000 m).",
                "Measured along the OpenStreetMap walking network (footways, paths, residential and other streets; no motorways): from the home to the nearest point of the nearest path, along the network, and on to the nearest point of the facility's outline. The straight pieces at both ends count. A child is served when this walk is within the limit of its age band (DIN 18034: under 6 years 200 m, 6 to 11 years 400 m, 12 to 17 years 1000 m).",
            ),
        ),
        (
            T("Bevölkerung", "Residents"),
            T(
                "Einwohner und Kinder je Altersgruppe stammen aus dem Zensus-Raster, aus Punktdaten oder sind aus Wohngebäuden geschätzt (Wohnfläche ÷ Fläche je Einwohner, an amtliche Summen angepasst); die Quelle steht auf der Titelseite. Jede Einheit gehört mit allen Einwohnern zu dem Sozialraum, der ihren Mittelpunkt enthält.",
                "Residents and children per age band come from the census grid, from point data, or are estimated from residential buildings (floor area ÷ area per resident, calibrated to official totals); the title page names the source. Each unit belongs with all its residents to the neighbourhood containing its centre.",
            ),
        ),
        (
            T("Kennzahlen", "Indicators"),
            T(
                "Versorgungsgrad: versorgte Kinder der Altersgruppe ÷ Kinder der Altersgruppe. Kinder ohne Versorgung: Kinder der Altersgruppe außerhalb der Grenze. Spielfläche: Fläche der öffentlichen Spielflächen (Standard: Spielplätze), deren Inneres im Sozialraum liegt, ÷ Kinder von 0 bis 17. 2SFCA (two-step floating catchment area): die Fläche jedes Spielorts wird auf die Kinder in seinem Einzugsbereich verteilt; jedes Kind summiert, was es erreicht, der Wert ist der Mittelwert über die Kinder des Sozialraums.",
                "Served share: served children of the band ÷ children of the band. Children not served: children of the band beyond the limit. Play area: area of public play space (default: playgrounds) whose interior lies in the neighbourhood ÷ children aged 0 to 17. 2SFCA (two-step floating catchment area): each facility's area is divided among the children in its catchment; each child sums what it can reach, and the value is the mean over the neighbourhood's children.",
            ),
        ),
        (
            T("Handlungsbedarf", "Need ranking"),
            T(
                "Bedarfswert = gewichtetes Mittel der Lückenanteile der drei Altersgruppen, des Flächendefizits max(0, 1 − Fläche je Einwohner ÷ Ziel) und der Sozialindikatoren, die der Standard gewichtet (Anteile zwischen 0 und 1, z. B. Kinder in SGB-II-Bedarfsgemeinschaften; ein Gebiet ohne Wert zählt dort 0); Gewichte aus dem Standard. »Vor allem« nennt den Teil mit dem größten Beitrag (Gewicht × Wert ÷ Summe der Gewichte). Rang 1 = größter Bedarf; bei Gleichstand zählen mehr Kinder ohne Versorgung. Versorgungslücken: Wohnorte nicht versorgter Kinder auf einem 100-m-Raster, zusammenhängende Zellen bilden eine Lücke.",
                "Need score = weighted mean of the three bands' gap shares, the play-area deficit max(0, 1 − area per resident ÷ target) and the social indicators the standard weighs (shares between 0 and 1, e.g. children in households receiving SGB II benefits; an area without a value counts 0 there); weights from the standard. 'Main driver' names the part contributing most (weight × value ÷ sum of weights). Rank 1 = most need; ties go to more children not served. Gap areas: homes of unserved children on a 100 m grid, touching cells form one gap area.",
            ),
        ),
        (
            T("Zahlen und Rundung", "Numbers and rounding"),
            T(
                "Alle Zahlen sind die von »spielraum analyze --format json«. Personen sind auf ganze Personen gerundet, Versorgungsgrade in Prozent mit einer Nachkommastelle, Flächen auf ganze m², Flächen je Kind auf eine Nachkommastelle. Die Karte zeigt als Einzugsbereich die Wege, die von einem öffentlichen Spielplatz aus höchstens so weit entfernt sind wie die Grenze für Kinder unter 6.",
                "All numbers are those of 'spielraum analyze --format json'. People are rounded to whole persons, served shares to percent with one decimal, areas to whole m², areas per child to one decimal. The map's catchment shows the streets no farther from a public playground than the limit for children under 6.",
            ),
        ),
        (
            T("Quellen", "Sources"),
            T(
                "DIN 18034-1:2020-10 Spielplätze und Freiräume zum Spielen (Entfernungen); Berliner Kinderspielplatzgesetz §4 (1 m² Spielfläche je Einwohner); Essener Spielflächentypologie; Spielleitplan Herrenberg. Kartendaten und Spielorte © OpenStreetMap contributors, Open Database License 1.0, www.openstreetmap.org/copyright. Berechnet mit Spielraum.",
                "DIN 18034-1:2020-10 play areas and open spaces for play (distances); Berlin Kinderspielplatzgesetz §4 (1 m² play area per resident); Essen playground typology; Herrenberg Spielleitplan. Map data and facilities © OpenStreetMap contributors, Open Database License 1.0, www.openstreetmap.org/copyright. Computed with Spielraum.",
            ),
        ),
    ];
}

/// The title of a standard in `lang`: the shipped presets (geodata/standards) have a German
/// title here (their files carry the English one); any other standard keeps its own title.
pub(crate) fn standard_title<'a>(
    name: &str,
    title: &'a str,
    lang: Lang,
) -> std::borrow::Cow<'a, str> {
    let german = match name {
        "din18034" => "DIN 18034-1:2020, Gehwege zu Spielplätzen und Freiräumen zum Spielen",
        "berlin" => {
            "Berliner Kinderspielplatzgesetz §4: 1 m² öffentliche Spielplatzfläche je Einwohner"
        }
        "essen" => {
            "Essener Spielflächentypen: Typ A ≥ 1.500 m² in 1.000 m, Typ B ≥ 400 m² in 500 m"
        }
        "herrenberg" => {
            "Spielleitplan Herrenberg: Schulhöfe zu 30 %, Hauptstraßen und Bahnlinien als Barrieren"
        }
        "learning-and-meeting" => {
            "Orte zum Lernen und Treffen: Bibliotheken, Jugend- und Familienzentren, Sport- und Bolzplätze, Gemeinschaftsgärten"
        }
        _ => return title.into(),
    };
    match lang {
        Lang::De => german.into(),
        Lang::En => title.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_each_language() {
        // Worked by hand: 0.8333 → 83.33 % → one decimal 83.3.
        assert_eq!(Lang::De.percent(0.8333), "83,3 %");
        assert_eq!(Lang::En.percent(0.8333), "83.3%");
        assert_eq!(Lang::De.integer(1_234_567), "1.234.567");
        assert_eq!(Lang::En.integer(999), "999");
        assert_eq!(Lang::En.integer(-1000), "-1,000");
        assert_eq!(Lang::De.decimal1(1234.56), "1.234,6");
        assert_eq!(Lang::En.decimal1(0.04), "0.0");
        assert_eq!(Lang::En.area_m2(12_345.5), "12,346 m²");
    }
}
