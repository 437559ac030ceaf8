//! Where a city's data came from: one [`DataSource`] per input and layer it fed (OpenStreetMap
//! extract, the city's own files, web services), and the attribution every map and report shows.
//!
//! Owns the source record and the attribution text built from the records; stores, maps and
//! reports only carry them.

use serde::{Deserialize, Serialize};

/// What kind of input a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An OpenStreetMap extract (`.osm.pbf`).
    OpenStreetMap,
    /// A file the user gave (boundaries, population, inventories, …).
    File,
    /// A web service (OGC API Features, WFS).
    Url,
}

impl SourceKind {
    /// The stored name: `openstreetmap`, `file`, `url`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::OpenStreetMap => "openstreetmap",
            SourceKind::File => "file",
            SourceKind::Url => "url",
        }
    }

    /// The kind of a stored name (see [`SourceKind::as_str`]).
    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "openstreetmap" => Some(SourceKind::OpenStreetMap),
            "file" => Some(SourceKind::File),
            "url" => Some(SourceKind::Url),
            _ => None,
        }
    }
}

/// One input of a city and a layer it fed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataSource {
    /// The GeoPackage layer it fed (`facilities`, `neighbourhoods`, `population`, …).
    pub layer: String,
    /// What kind of input.
    pub kind: SourceKind,
    /// The file's name (without its folder) or the URL.
    pub location: String,
    /// Its format (`OSM PBF`, `GeoJSON`, `CSV`, `Shapefile`, …).
    pub format: String,
    /// The coordinate reference system it was read in (`EPSG:4326`, `EPSG:25833`, …); empty
    /// where the input has no coordinates (a table keyed by area).
    pub crs: String,
    /// When its data were retrieved, RFC 3339 UTC: a URL's time of download, a file's time of
    /// last modification.
    pub retrieved: String,
    /// The data's own date where the source states one (an OSM extract's replication timestamp).
    pub data_as_of: Option<String>,
    /// Its licence, where known (`ODbL 1.0`, `dl-de/by-2-0`, …).
    pub licence: Option<String>,
    /// The credit a map or report must show, where given (`© Amt für Statistik …`).
    pub attribution: Option<String>,
}

/// The OpenStreetMap credit, as the licence asks (ODbL 1.0).
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// The credits of `sources` for a map or report, each once, in the order first met, OSM first:
/// a source's attribution, else its licence with its file or URL, else its file or URL alone
/// (every source used is named). A city without recorded sources (written before sources were
/// recorded) still credits OpenStreetMap.
///
/// # Examples
/// ```
/// use spielraum_model::provenance::{DataSource, SourceKind, credits};
/// let source = |layer: &str, kind, location: &str, attribution: Option<&str>| DataSource {
///     layer: layer.into(), kind, location: location.into(), format: String::new(),
///     crs: String::new(), retrieved: String::new(), data_as_of: None, licence: None,
///     attribution: attribution.map(Into::into),
/// };
/// let sources = [
///     source("neighbourhoods", SourceKind::File, "lor.shp", Some("© AfS Berlin-Brandenburg")),
///     source("facilities", SourceKind::OpenStreetMap, "berlin.osm.pbf", None),
///     source("population", SourceKind::File, "register.csv", None),
///     source("buildings", SourceKind::OpenStreetMap, "berlin.osm.pbf", None),
/// ];
/// assert_eq!(
///     credits(&sources),
///     ["© OpenStreetMap contributors", "© AfS Berlin-Brandenburg", "register.csv"]
/// );
/// ```
pub fn credits(sources: &[DataSource]) -> Vec<String> {
    let mut out = vec![OSM_ATTRIBUTION.to_string()];
    for s in sources {
        let credit = match (&s.kind, &s.attribution, &s.licence) {
            (SourceKind::OpenStreetMap, _, _) => continue,
            (_, Some(a), _) => a.clone(),
            (_, None, Some(l)) => format!("{} ({l})", s.location),
            (_, None, None) => s.location.clone(),
        };
        if !out.contains(&credit) {
            out.push(credit);
        }
    }
    out
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// The Gregorian date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        // Known dates: the epoch, a leap day, and 2026-11-27 (20 784 days after the epoch).
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_784), "2026-11-27");
    }
}
