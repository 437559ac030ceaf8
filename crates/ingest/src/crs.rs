//! Coordinate reference systems of the city's own files and their conversion to WGS84 lon/lat.
//!
//! Owns the list of supported EPSG codes (with their PROJ definitions run by `proj4rs`), and
//! recognising a file's CRS from what the formats write: a GeoJSON `crs` member, a GeoPackage
//! `gpkg_spatial_ref_sys` row, a Shapefile `.prj` (WKT) and a FlatGeobuf header. An unknown
//! or unsupported CRS is an error naming it, never a silent WGS84 guess.
//!
//! Datums: ETRS89 (EPSG:4258 and the ETRS89 projections) is taken as WGS84, as PROJ does
//! (EPSG:1149, a null transformation stated to 1 m): the two drift apart by about 2.5 cm a
//! year, less than the accuracy of any planning boundary. DHDN (Gauss–Krüger, EPSG:31466–31469) is moved
//! to WGS84 with the EPSG dataset's 7-parameter Helmert transformation *DHDN to WGS 84 (2)*
//! (EPSG:1777, position vector: tx 598.1 m, ty 73.7 m, tz 418.2 m, rx 0.202″, ry 0.045″,
//! rz −2.455″, scale 6.7 ppm), stated accuracy 3 m (1–3 m over Germany; PROJ's default with
//! the BETA2007 grid is better where the grid is installed).

use proj4rs::Proj;

/// The Helmert parameters DHDN → WGS84 (EPSG:1777, "DHDN to WGS 84 (2)", position vector).
pub const DHDN_TOWGS84: &str = "598.1,73.7,418.2,0.202,0.045,-2.455,6.7";

/// The stated accuracy of [`DHDN_TOWGS84`] in metres (EPSG dataset: 3 m).
pub const DHDN_ACCURACY_M: f64 = 3.0;

/// One supported CRS: its EPSG code, its name and how to reach WGS84.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crs {
    /// The EPSG code.
    pub code: u32,
    /// The EPSG name, e.g. "ETRS89 / UTM zone 32N".
    pub name: &'static str,
    /// The PROJ definition of its coordinates; `None` for lon/lat already on WGS84 or ETRS89.
    proj: Option<&'static str>,
    /// The PROJ definition of the lon/lat the projection ends in, taken as WGS84.
    geographic: &'static str,
}

/// The geographic coordinates of ETRS89 (GRS80), taken as WGS84.
const GRS80: &str = "+proj=longlat +ellps=GRS80 +no_defs";

/// The CRSs supported, by EPSG code.
pub const SUPPORTED: &[Crs] = &[
    Crs {
        code: 4326,
        name: "WGS 84",
        proj: None,
        geographic: GRS80,
    },
    Crs {
        code: 4258,
        name: "ETRS89",
        proj: None,
        geographic: GRS80,
    },
    Crs {
        code: 3857,
        name: "WGS 84 / Pseudo-Mercator",
        // Spherical Mercator: the lon/lat on the sphere are WGS84's by definition.
        proj: Some(
            "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs",
        ),
        geographic: "+proj=longlat +a=6378137 +b=6378137 +no_defs",
    },
    Crs {
        code: 25832,
        name: "ETRS89 / UTM zone 32N",
        proj: Some("+proj=utm +zone=32 +ellps=GRS80 +units=m +no_defs"),
        geographic: GRS80,
    },
    Crs {
        code: 25833,
        name: "ETRS89 / UTM zone 33N",
        proj: Some("+proj=utm +zone=33 +ellps=GRS80 +units=m +no_defs"),
        geographic: GRS80,
    },
    Crs {
        code: 4647,
        name: "ETRS89 / UTM zone 32N (zE-N)",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=9 +k=0.9996 +x_0=32500000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
        ),
        geographic: GRS80,
    },
    Crs {
        code: 5650,
        name: "ETRS89 / UTM zone 33N (zE-N)",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=15 +k=0.9996 +x_0=33500000 +y_0=0 +ellps=GRS80 +units=m +no_defs",
        ),
        geographic: GRS80,
    },
    Crs {
        code: 32632,
        name: "WGS 84 / UTM zone 32N",
        proj: Some("+proj=utm +zone=32 +ellps=WGS84 +units=m +no_defs"),
        geographic: "+proj=longlat +ellps=WGS84 +no_defs",
    },
    Crs {
        code: 32633,
        name: "WGS 84 / UTM zone 33N",
        proj: Some("+proj=utm +zone=33 +ellps=WGS84 +units=m +no_defs"),
        geographic: "+proj=longlat +ellps=WGS84 +no_defs",
    },
    Crs {
        code: 3035,
        name: "ETRS89-extended / LAEA Europe",
        proj: Some(
            "+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs",
        ),
        geographic: GRS80,
    },
    Crs {
        code: 31466,
        name: "DHDN / 3-degree Gauss-Kruger zone 2",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=6 +k=1 +x_0=2500000 +y_0=0 +ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +units=m +no_defs",
        ),
        geographic: "+proj=longlat +datum=WGS84 +no_defs",
    },
    Crs {
        code: 31467,
        name: "DHDN / 3-degree Gauss-Kruger zone 3",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=9 +k=1 +x_0=3500000 +y_0=0 +ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +units=m +no_defs",
        ),
        geographic: "+proj=longlat +datum=WGS84 +no_defs",
    },
    Crs {
        code: 31468,
        name: "DHDN / 3-degree Gauss-Kruger zone 4",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=12 +k=1 +x_0=4500000 +y_0=0 +ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +units=m +no_defs",
        ),
        geographic: "+proj=longlat +datum=WGS84 +no_defs",
    },
    Crs {
        code: 31469,
        name: "DHDN / 3-degree Gauss-Kruger zone 5",
        proj: Some(
            "+proj=tmerc +lat_0=0 +lon_0=15 +k=1 +x_0=5500000 +y_0=0 +ellps=bessel +towgs84=598.1,73.7,418.2,0.202,0.045,-2.455,6.7 +units=m +no_defs",
        ),
        geographic: "+proj=longlat +datum=WGS84 +no_defs",
    },
];

/// Why a CRS cannot be used (the caller adds the file).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrsError {
    /// A CRS named by a code that is not in [`SUPPORTED`].
    #[error("unsupported CRS {0} (supported: {list})", list = supported_list())]
    Unsupported(String),
    /// A CRS description that names no code we could recognise.
    #[error("unknown CRS {0} (supported: {list})", list = supported_list())]
    Unknown(String),
    /// The file states no CRS where its format needs one.
    #[error("{0}")]
    Missing(String),
    /// A position that cannot be converted to WGS84.
    #[error(
        "position ({x}, {y}) cannot be converted from EPSG:{code} to WGS84 lon/lat (is the file really in {name}?)"
    )]
    Position {
        /// Its first coordinate.
        x: f64,
        /// Its second coordinate.
        y: f64,
        /// The CRS's EPSG code.
        code: u32,
        /// The CRS's name.
        name: &'static str,
    },
}

/// "EPSG:4326, EPSG:4258, …" for error messages.
fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|c| format!("EPSG:{}", c.code))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Crs {
    /// WGS84 lon/lat (EPSG:4326), the CRS of GeoJSON without a `crs` member (RFC 7946).
    pub fn wgs84() -> Crs {
        SUPPORTED[0]
    }

    /// The supported CRS with this EPSG code.
    pub fn from_epsg(code: u32) -> Result<Crs, CrsError> {
        SUPPORTED
            .iter()
            .find(|c| c.code == code)
            .copied()
            .ok_or_else(|| CrsError::Unsupported(format!("EPSG:{code}")))
    }

    /// A CRS named as a GeoJSON 2008 `crs` member's `properties.name` writes it:
    /// `urn:ogc:def:crs:EPSG::25832`, `EPSG:25832`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
    ///
    /// `urn:ogc:def:crs:EPSG::4326` is taken as lon/lat like CRS84: GeoJSON writers (GDAL,
    /// QGIS) put longitude first whatever the URN's official axis order says.
    pub fn from_name(name: &str) -> Result<Crs, CrsError> {
        let trimmed = name.trim();
        let upper = trimmed.to_ascii_uppercase();
        if matches!(
            upper.as_str(),
            "URN:OGC:DEF:CRS:OGC:1.3:CRS84"
                | "URN:OGC:DEF:CRS:OGC::CRS84"
                | "OGC:CRS84"
                | "CRS84"
                | "HTTP://WWW.OPENGIS.NET/DEF/CRS/OGC/1.3/CRS84"
        ) {
            return Ok(Crs::wgs84());
        }
        let code = upper
            .strip_prefix("URN:OGC:DEF:CRS:EPSG:")
            .map(|rest| rest.rsplit(':').next().unwrap_or(rest))
            .or_else(|| upper.strip_prefix("EPSG:"))
            .or_else(|| upper.strip_prefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/0/"));
        match code.map(|c| c.parse::<u32>()) {
            Some(Ok(code)) => Crs::from_epsg(code),
            _ => Err(CrsError::Unknown(format!("'{trimmed}'"))),
        }
    }

    /// A CRS from an authority and code (GeoPackage `organization`, `organization_coordsys_id`;
    /// FlatGeobuf `org`, `code`), else from a WKT definition.
    pub fn from_authority(
        organization: Option<&str>,
        code: Option<i64>,
        wkt: Option<&str>,
    ) -> Result<Crs, CrsError> {
        let org = organization.map(str::trim).unwrap_or("");
        if org.eq_ignore_ascii_case("EPSG")
            && let Some(code) = code.filter(|c| *c > 0)
        {
            return u32::try_from(code)
                .map_err(|_| CrsError::Unsupported(format!("EPSG:{code}")))
                .and_then(Crs::from_epsg);
        }
        match wkt
            .map(str::trim)
            .filter(|w| !w.is_empty() && *w != "undefined")
        {
            Some(wkt) => Crs::from_wkt(wkt),
            None => Err(CrsError::Unknown(match (org, code) {
                ("", _) | (_, None) => "(no authority code and no definition)".into(),
                (org, Some(code)) => format!("{org}:{code}"),
            })),
        }
    }

    /// A CRS from a WKT definition (a Shapefile `.prj`, a GeoPackage definition): by its
    /// top-level EPSG `AUTHORITY`/`ID`, else by its name (EPSG's or ESRI's spelling), else by
    /// its projection parameters (Transverse Mercator's central meridian and false easting,
    /// with its datum).
    pub fn from_wkt(wkt: &str) -> Result<Crs, CrsError> {
        if let Some(code) = top_level_epsg(wkt) {
            return Crs::from_epsg(code);
        }
        let name = first_name(wkt).unwrap_or_default();
        if let Some(crs) = by_name(&name) {
            return Ok(crs);
        }
        if let Some(crs) = by_parameters(wkt) {
            return Ok(crs);
        }
        Err(CrsError::Unknown(if name.is_empty() {
            "(a WKT definition without a name)".into()
        } else {
            format!("'{name}'")
        }))
    }

    /// Whether positions are WGS84 lon/lat already (nothing to convert).
    pub fn is_wgs84(&self) -> bool {
        self.proj.is_none()
    }

    /// The converter of this CRS's positions to WGS84 lon/lat.
    pub fn to_wgs84(&self) -> ToWgs84 {
        // The definitions are constants, each parsed by the tests: parsing cannot fail.
        let projs = self.proj.map(|p| {
            (
                Proj::from_proj_string(p).expect("a supported CRS's constant definition"),
                Proj::from_proj_string(self.geographic).expect("a constant geographic definition"),
            )
        });
        ToWgs84 { crs: *self, projs }
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{} ({})", self.code, self.name)
    }
}

/// Converts positions of one CRS to WGS84 lon/lat in degrees; build once per file.
#[derive(Debug)]
pub struct ToWgs84 {
    crs: Crs,
    projs: Option<(Proj, Proj)>,
}

impl ToWgs84 {
    /// The CRS converted from.
    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// One position (x, y in the CRS's units, x first as the formats store it) → (lon, lat).
    pub fn position(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        let err = || CrsError::Position {
            x,
            y,
            code: self.crs.code,
            name: self.crs.name,
        };
        let Some((from, to)) = &self.projs else {
            return Ok((x, y));
        };
        if !x.is_finite() || !y.is_finite() {
            return Err(err());
        }
        let mut p = (x, y, 0.0);
        proj4rs::transform::transform(from, to, &mut p).map_err(|_| err())?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        if lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0 {
            Ok((lon, lat))
        } else {
            Err(err())
        }
    }

    /// A geometry with every position converted.
    pub fn geometry(
        &self,
        geometry: geo_types::Geometry<f64>,
    ) -> Result<geo_types::Geometry<f64>, CrsError> {
        use geo::MapCoords;
        if self.projs.is_none() {
            return Ok(geometry);
        }
        geometry.try_map_coords(|c| {
            self.position(c.x, c.y)
                .map(|(x, y)| geo_types::Coord { x, y })
        })
    }
}

/// The EPSG code of the WKT's outermost `AUTHORITY["EPSG","…"]` (WKT1: the last one before the
/// final bracket) or `ID["EPSG",…]` (WKT2).
fn top_level_epsg(wkt: &str) -> Option<u32> {
    let body = wkt.trim().strip_suffix(']')?;
    // Walk back over the top-level object's last child: it is the authority if any.
    let mut depth = 0usize;
    let mut start = None;
    for (i, ch) in body.char_indices().rev() {
        match ch {
            ']' => depth += 1,
            '[' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    start = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let open = start?;
    let keyword_start = body[..open]
        .rfind(|c: char| !c.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let keyword = body[keyword_start..open].to_ascii_uppercase();
    if keyword != "AUTHORITY" && keyword != "ID" {
        return None;
    }
    let inner = &body[open + 1..];
    let mut parts = inner.split(',').map(|p| p.trim().trim_matches('"').trim());
    let org = parts.next()?;
    let code = parts.next()?.trim_end_matches(']');
    if org.eq_ignore_ascii_case("EPSG") {
        code.trim_matches('"').parse().ok()
    } else {
        None
    }
}

/// The name of the WKT's top-level object (`PROJCS["name", …` → `name`).
fn first_name(wkt: &str) -> Option<String> {
    let start = wkt.find('"')? + 1;
    let len = wkt[start..].find('"')?;
    Some(wkt[start..start + len].to_string())
}

/// A name reduced to lower-case letters and digits, "Krüger" as "kruger".
fn normalise(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ü' { 'u' } else { c })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The supported CRS whose EPSG or ESRI name is `name`.
fn by_name(name: &str) -> Option<Crs> {
    let n = normalise(name);
    let code = match n.as_str() {
        "wgs84" | "wgs1984" | "gcswgs1984" | "epsg4326" => 4326,
        "etrs89" | "gcsetrs1989" | "etrs1989" => 4258,
        "wgs84pseudomercator"
        | "wgs1984webmercatorauxiliarysphere"
        | "wgs84webmercatorauxiliarysphere"
        | "popularvisualisationcrsmercator" => 3857,
        "etrs89utmzone32n" | "etrs1989utmzone32n" => 25832,
        "etrs89utmzone33n" | "etrs1989utmzone33n" => 25833,
        "etrs89utmzone32nzen" | "etrs1989utmzone32nzen" | "etrs1989utmzone32n8stellen" => 4647,
        "etrs89utmzone33nzen" | "etrs1989utmzone33nzen" | "etrs1989utmzone33n8stellen" => 5650,
        "wgs84utmzone32n" | "wgs1984utmzone32n" => 32632,
        "wgs84utmzone33n" | "wgs1984utmzone33n" => 32633,
        "etrs89extendedlaeaeurope" | "etrs89laeaeurope" | "etrs1989laea" | "etrslaea" => 3035,
        _ => {
            // DHDN / 3-degree Gauss-Kruger zone 3, DHDN_3_Degree_Gauss_Zone_3, …
            let zone = n
                .strip_prefix("dhdn3degreegausskrugerzone")
                .or_else(|| n.strip_prefix("dhdn3degreegausszone"))
                .or_else(|| n.strip_prefix("dhdngausskrugerzone"))?;
            match zone {
                "2" => 31466,
                "3" => 31467,
                "4" => 31468,
                "5" => 31469,
                _ => return None,
            }
        }
    };
    Crs::from_epsg(code).ok()
}

/// A Transverse Mercator WKT recognised by its parameters and datum.
fn by_parameters(wkt: &str) -> Option<Crs> {
    let lower = wkt.to_ascii_lowercase();
    if !lower.contains("transverse_mercator") && !lower.contains("transverse mercator") {
        return None;
    }
    let parameter = |names: &[&str]| -> Option<f64> {
        names.iter().find_map(|name| {
            let at = lower.find(&format!("parameter[\"{name}\""))?;
            let rest = &lower[at..];
            let value = rest.split(',').nth(1)?.trim().trim_end_matches(']');
            value.trim().parse().ok()
        })
    };
    let meridian = parameter(&["central_meridian", "longitude of natural origin"])?;
    let easting = parameter(&["false_easting", "false easting"])?;
    let datum = normalise(
        &lower
            .find("datum[")
            .and_then(|at| first_name(&wkt[at..]))
            .unwrap_or_default(),
    );
    let etrs = datum.contains("etrs") || datum.contains("europeanterrestrial");
    let dhdn = datum.contains("dhdn") || datum.contains("deutscheshauptdreiecksnetz");
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let code = SUPPORTED.iter().find(|c| {
        let Some(proj) = c.proj else { return false };
        let datum_ok = (etrs && proj.contains("GRS80")) || (dhdn && proj.contains("bessel"));
        let (lon0, x0) = tmerc_parameters(proj);
        datum_ok && close(lon0, meridian) && close(x0, easting)
    })?;
    Some(*code)
}

/// Central meridian and false easting of a supported CRS's PROJ definition (UTM zones
/// written out).
fn tmerc_parameters(proj: &str) -> (f64, f64) {
    let value = |key: &str| {
        proj.split_whitespace()
            .find_map(|p| p.strip_prefix(key))
            .and_then(|v| v.parse::<f64>().ok())
    };
    match value("+zone=") {
        Some(zone) => (zone * 6.0 - 183.0, 500_000.0),
        None => (
            value("+lon_0=").unwrap_or(f64::NAN),
            value("+x_0=").unwrap_or(f64::NAN),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_parses() {
        for crs in SUPPORTED {
            let t = crs.to_wgs84();
            assert_eq!(t.crs().code, crs.code);
        }
    }

    #[test]
    fn names_as_geojson_writes_them() {
        let code = |n: &str| Crs::from_name(n).map(|c| c.code);
        assert_eq!(code("urn:ogc:def:crs:EPSG::25832"), Ok(25832));
        assert_eq!(code("urn:ogc:def:crs:EPSG:9.9.1:25833"), Ok(25833));
        assert_eq!(code("EPSG:3035"), Ok(3035));
        assert_eq!(code("urn:ogc:def:crs:OGC:1.3:CRS84"), Ok(4326));
        assert_eq!(code("urn:ogc:def:crs:EPSG::4326"), Ok(4326));
        assert_eq!(
            code("EPSG:2056").unwrap_err().to_string(),
            format!(
                "unsupported CRS EPSG:2056 (supported: {})",
                supported_list()
            )
        );
        assert!(
            code("urn:x-nonsense")
                .unwrap_err()
                .to_string()
                .starts_with("unknown CRS 'urn:x-nonsense' (supported: EPSG:4326")
        );
    }

    #[test]
    fn wkt_by_authority_name_and_parameters() {
        let esri_25832 = r#"PROJCS["ETRS_1989_UTM_Zone_32N",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",9.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(esri_25832).map(|c| c.code), Ok(25832));
        let renamed = esri_25832.replace("ETRS_1989_UTM_Zone_32N", "Mein Planungsraster");
        assert_eq!(Crs::from_wkt(&renamed).map(|c| c.code), Ok(25832));
        let gk = r#"PROJCS["DHDN_3_Degree_Gauss_Zone_4",GEOGCS["GCS_Deutsches_Hauptdreiecksnetz",DATUM["D_Deutsches_Hauptdreiecksnetz",SPHEROID["Bessel_1841",6377397.155,299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",4500000.0],PARAMETER["Central_Meridian",12.0],PARAMETER["Scale_Factor",1.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(gk).map(|c| c.code), Ok(31468));
        let authority = r#"PROJCS["whatever",GEOGCS["ETRS89",AUTHORITY["EPSG","4258"]],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","25833"]]"#;
        assert_eq!(Crs::from_wkt(authority).map(|c| c.code), Ok(25833));
        let swiss = r#"PROJCS["CH1903+ / LV95",GEOGCS["CH1903+",AUTHORITY["EPSG","4150"]],AUTHORITY["EPSG","2056"]]"#;
        assert_eq!(
            Crs::from_wkt(swiss),
            Err(CrsError::Unsupported("EPSG:2056".into()))
        );
        assert_eq!(
            Crs::from_wkt(r#"PROJCS["Lambert_Conformal_Conic",GEOGCS["x"]]"#),
            Err(CrsError::Unknown("'Lambert_Conformal_Conic'".into()))
        );
    }

    #[test]
    fn authority_then_definition() {
        let code = |o, c, w| Crs::from_authority(o, c, w).map(|c| c.code);
        assert_eq!(code(Some("EPSG"), Some(25833), None), Ok(25833));
        assert_eq!(code(Some("epsg"), Some(4326), None), Ok(4326));
        assert_eq!(
            code(Some("NONE"), Some(-1), Some("undefined")),
            Err(CrsError::Unknown("NONE:-1".into()))
        );
        assert_eq!(
            code(None, None, Some(r#"GEOGCS["WGS 84",DATUM["WGS_1984"]]"#)),
            Ok(4326)
        );
    }

    #[test]
    fn pseudo_mercator_by_hand() {
        // x = R·λ, y = R·ln(tan(π/4 + φ/2)) with R = 6 378 137 m (hand-worked for 10°E, 50°N).
        let t = Crs::from_epsg(3857).unwrap().to_wgs84();
        let r = 6_378_137.0_f64;
        let (x, y) = (
            r * 10f64.to_radians(),
            r * (std::f64::consts::FRAC_PI_4 + 25f64.to_radians())
                .tan()
                .ln(),
        );
        let (lon, lat) = t.position(x, y).unwrap();
        assert!(
            (lon - 10.0).abs() < 1e-9 && (lat - 50.0).abs() < 1e-9,
            "{lon} {lat}"
        );
        assert!(t.position(f64::NAN, 0.0).is_err());
    }
}
