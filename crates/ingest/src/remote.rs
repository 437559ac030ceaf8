//! Features from web services instead of files: an OGC API Features collection
//! (`…/collections/{id}`, `…/collections/{id}/items`) or a WFS 2.0 endpoint
//! (`…?service=WFS&typeNames=…`, or its base URL plus a type name), read page by page into the
//! same [`VectorFile`] that [`crate::vector::read_features`] gives for files.
//!
//! Owns recognising the protocol from the URL, the requests (GeoJSON, paging by `next` links
//! or by `count`/`startIndex`, `bbox`, the output CRS), the timeouts and limits, turning
//! server answers (HTTP errors, WFS exception reports, non-JSON) into one-line errors naming the
//! URL, and the record of what was fetched when ([`Retrieval`]).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use reqwest::blocking::Client;
use serde_json::Value;

use crate::crs::Crs;
use crate::geojson::Accept;
use crate::vector::{Format, VectorError, VectorFile, read_geojson_bytes};

/// Whether an input argument is a URL (`http://` or `https://`) rather than a file.
pub fn is_url(arg: &str) -> bool {
    let lower = arg.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// How to read a web service.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteOptions {
    /// Longest wait for a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Longest wait for one page, from the request to its last byte (default 60 s).
    pub page_timeout: Duration,
    /// Features asked for per page (OGC API `limit`, WFS `count`; default 1000).
    pub page_size: usize,
    /// Most pages read before giving up with an error (default 1000).
    pub max_pages: usize,
    /// Most features read before giving up with an error (default 1,000,000).
    pub max_features: usize,
    /// Only features meeting this box, WGS84 `[min lon, min lat, max lon, max lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Coordinates asked for in this EPSG CRS (OGC API Part 2 `crs=`, WFS `srsName`) instead
    /// of WGS84 lon/lat; only CRSs with easting before northing (see [`requestable_crs`]).
    pub crs: Option<u32>,
    /// The WFS feature type when the URL has no `typeNames` (a URL with one wins).
    pub type_name: Option<String>,
    /// What each page's GeoJSON top level may be (always a FeatureCollection for services).
    pub accept: Accept,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            connect_timeout: Duration::from_secs(10),
            page_timeout: Duration::from_secs(60),
            page_size: 1000,
            max_pages: 1000,
            max_features: 1_000_000,
            bbox: None,
            crs: None,
            type_name: None,
            accept: Accept::CollectionOf("features"),
        }
    }
}

/// The EPSG codes a service may be asked to answer in: those we read whose axes are easting,
/// northing (UTM, Web Mercator), so that no axis-order convention can swap them. Others are
/// asked for in CRS84 and reprojected here.
pub fn requestable_crs(code: u32) -> bool {
    matches!(code, 25832 | 25833 | 3857)
}

/// The web service protocols read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OGC API – Features (Part 1, with Part 2's `crs=`).
    OgcApiFeatures,
    /// OGC Web Feature Service 2.0 with GeoJSON output.
    Wfs2,
}

impl Protocol {
    /// Its name for the record of sources: `OGC API Features`, `WFS 2.0`.
    pub fn label(self) -> &'static str {
        match self {
            Protocol::OgcApiFeatures => "OGC API Features",
            Protocol::Wfs2 => "WFS 2.0",
        }
    }
}

/// What was fetched, and when (for the record of sources).
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieval {
    /// The protocol spoken.
    pub protocol: Protocol,
    /// When the first page was asked for.
    pub retrieved: SystemTime,
    /// Every page's final URL (after redirects), in order.
    pub pages: Vec<String>,
}

/// Features read from a web service.
#[derive(Debug, Clone)]
pub struct RemoteFile {
    /// The features in WGS84, as a file would give them; `path` is the URL as given, `format`
    /// [`Format::OgcApiFeatures`] or [`Format::Wfs2`], `crs` the CRS the pages were in.
    pub file: VectorFile,
    /// What was fetched, and when.
    pub retrieval: Retrieval,
}

/// Errors reading a web service; each is one line naming the URL.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The URL names neither protocol.
    #[error(
        "{url}: not an OGC API Features collection (…/collections/{{id}}[/items]) nor a WFS \
         (…?service=WFS&typeNames=…)"
    )]
    NotRecognised {
        /// The URL.
        url: String,
    },
    /// The URL cannot be parsed.
    #[error("{url}: not a valid URL: {message}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The CRS asked for cannot be requested.
    #[error(
        "{url}: cannot ask the service for EPSG:{code} (axis order); leave the CRS out to read \
         CRS84, it is reprojected here"
    )]
    Crs {
        /// The URL.
        url: String,
        /// The EPSG code asked for.
        code: u32,
    },
    /// No connection, or no answer in time.
    #[error("{url}: {message}")]
    Transport {
        /// The page's URL.
        url: String,
        /// What failed (timed out after …, connection refused, …).
        message: String,
    },
    /// The server answered with an HTTP error.
    #[error("{url}: HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Http {
        /// The page's URL.
        url: String,
        /// The status line (`500 Internal Server Error`).
        status: String,
        /// What the server said (one line, shortened), if anything.
        detail: Option<String>,
    },
    /// A WFS (OWS) exception report.
    #[error("{url}: the WFS answered an exception report: {code}: {text}")]
    Exception {
        /// The page's URL.
        url: String,
        /// Its `exceptionCode` (and `locator`).
        code: String,
        /// Its `ExceptionText`.
        text: String,
    },
    /// The answer is not JSON.
    #[error("{url}: the answer is not GeoJSON (Content-Type {content_type}): {start}")]
    NotJson {
        /// The page's URL.
        url: String,
        /// Its Content-Type.
        content_type: String,
        /// Its start, one line.
        start: String,
    },
    /// Too many pages or features.
    #[error("{url}: more than {limit} {what}; stopped (narrow it with a bbox or raise the limit)")]
    TooMany {
        /// The URL as given.
        url: String,
        /// The limit.
        limit: usize,
        /// `pages` or `features`.
        what: &'static str,
    },
    /// A `next` link leads to a page read before.
    #[error("{url}: its next link leads back to a page already read")]
    Loop {
        /// The page's URL.
        url: String,
    },
    /// A page's GeoJSON is unusable (names the page's URL and the feature).
    #[error(transparent)]
    Vector(#[from] VectorError),
}

/// Reads all features of an OGC API Features collection or a WFS 2.0 feature type, page by
/// page, converting them to WGS84.
pub fn read_features_url(url: &str, options: &RemoteOptions) -> Result<RemoteFile, RemoteError> {
    let given = url.trim();
    let parsed = Url::parse(given).map_err(|e| RemoteError::BadUrl {
        url: given.into(),
        message: e.to_string(),
    })?;
    if let Some(code) = options.crs.filter(|c| *c != 4326 && !requestable_crs(*c)) {
        return Err(RemoteError::Crs {
            url: given.into(),
            code,
        });
    }
    let client = Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.page_timeout)
        .user_agent(concat!("spielraum/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| RemoteError::Transport {
            url: given.into(),
            message: format!("cannot start the HTTP client: {e}"),
        })?;
    let reader = Reader {
        given,
        client,
        options,
        retrieved: SystemTime::now(),
        pages: Vec::new(),
        features: Vec::new(),
        crs: Crs::wgs84(),
    };
    match protocol_of(&parsed, options) {
        Some(Protocol::OgcApiFeatures) => reader.ogc_api(parsed),
        Some(Protocol::Wfs2) => reader.wfs(parsed),
        None => Err(RemoteError::NotRecognised { url: given.into() }),
    }
}

/// The protocol a URL speaks: WFS if it says `service=WFS` or names a type (or the options
/// do), OGC API Features if its path has a `collections/{id}`.
fn protocol_of(url: &Url, options: &RemoteOptions) -> Option<Protocol> {
    let has = |key: &str, value: Option<&str>| {
        url.query_pairs().any(|(k, v)| {
            k.eq_ignore_ascii_case(key) && value.is_none_or(|x| v.eq_ignore_ascii_case(x))
        })
    };
    if has("service", Some("WFS")) || has("typeNames", None) || has("typeName", None) {
        return Some(Protocol::Wfs2);
    }
    if collection_path(url).is_some() {
        return Some(Protocol::OgcApiFeatures);
    }
    options.type_name.as_ref().map(|_| Protocol::Wfs2)
}

/// The `…/collections/{id}` part of a URL's path (without `/items` or a trailing slash).
fn collection_path(url: &Url) -> Option<String> {
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/items").unwrap_or(path);
    let (before, id) = path.rsplit_once('/')?;
    (before.ends_with("/collections") && !id.is_empty()).then(|| path.to_string())
}

/// One reading in progress.
struct Reader<'a> {
    given: &'a str,
    client: Client,
    options: &'a RemoteOptions,
    retrieved: SystemTime,
    pages: Vec<String>,
    features: Vec<crate::vector::VectorFeature>,
    crs: Crs,
}

/// One page fetched: its final URL, its JSON, its CRS by the `Content-Crs` header.
struct Page {
    url: Url,
    json: Value,
    content_crs: Option<String>,
}

impl Reader<'_> {
    /// OGC API Features: `…/items?f=json&limit=…[&bbox=…][&crs=…]`, then the `next` links.
    fn ogc_api(mut self, mut url: Url) -> Result<RemoteFile, RemoteError> {
        let path = collection_path(&url).unwrap_or_default();
        url.set_path(&format!("{path}/items"));
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| {
                !["f", "limit", "bbox", "bbox-crs", "crs", "offset"]
                    .iter()
                    .any(|x| k.eq_ignore_ascii_case(x))
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = url.query_pairs_mut();
            q.clear();
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
            q.append_pair("f", "json");
            q.append_pair("limit", &self.options.page_size.to_string());
            if let Some(b) = self.options.bbox {
                q.append_pair("bbox", &format!("{},{},{},{}", b[0], b[1], b[2], b[3]));
            }
            if let Some(code) = self.options.crs.filter(|c| *c != 4326) {
                q.append_pair(
                    "crs",
                    &format!("http://www.opengis.net/def/crs/EPSG/0/{code}"),
                );
            }
        }
        let mut next = Some(url);
        while let Some(url) = next.take() {
            let page = self.fetch(url, "application/geo+json, application/json;q=0.9")?;
            let before = self.features.len();
            self.take(&page)?;
            if self.features.len() == before {
                break;
            }
            next = next_link(&page.json)
                .map(|href| {
                    page.url.join(&href).map_err(|e| RemoteError::BadUrl {
                        url: href,
                        message: e.to_string(),
                    })
                })
                .transpose()?;
            if let Some(n) = &next
                && self.pages.iter().any(|p| p == n.as_str())
            {
                return Err(RemoteError::Loop {
                    url: page.url.to_string(),
                });
            }
        }
        Ok(self.finish(Protocol::OgcApiFeatures, Format::OgcApiFeatures))
    }

    /// WFS 2.0: `GetFeature` in GeoJSON, `count`/`startIndex` paging until a short page or
    /// `numberMatched`.
    fn wfs(mut self, url: Url) -> Result<RemoteFile, RemoteError> {
        const OURS: [&str; 11] = [
            "service",
            "version",
            "request",
            "typename",
            "typenames",
            "outputformat",
            "count",
            "maxfeatures",
            "startindex",
            "srsname",
            "bbox",
        ];
        let type_name = url
            .query_pairs()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case("typeNames") || k.eq_ignore_ascii_case("typeName")
            })
            .map(|(_, v)| v.into_owned())
            .or_else(|| self.options.type_name.clone())
            .ok_or_else(|| RemoteError::NotRecognised {
                url: self.given.into(),
            })?;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !OURS.iter().any(|x| k.eq_ignore_ascii_case(x)))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let srs = match self.options.crs.filter(|c| *c != 4326) {
            Some(code) => format!("EPSG:{code}"),
            None => "EPSG:4326".to_string(),
        };
        let count = self.options.page_size;
        let mut start = 0usize;
        loop {
            let mut page_url = url.clone();
            {
                let mut q = page_url.query_pairs_mut();
                q.clear();
                for (k, v) in &kept {
                    q.append_pair(k, v);
                }
                q.append_pair("SERVICE", "WFS");
                q.append_pair("VERSION", "2.0.0");
                q.append_pair("REQUEST", "GetFeature");
                q.append_pair("TYPENAMES", &type_name);
                q.append_pair("OUTPUTFORMAT", "application/json");
                q.append_pair("SRSNAME", &srs);
                q.append_pair("COUNT", &count.to_string());
                q.append_pair("STARTINDEX", &start.to_string());
                if let Some(b) = self.options.bbox {
                    // WFS 2.0 with the EPSG URN: latitude first.
                    q.append_pair(
                        "BBOX",
                        &format!(
                            "{},{},{},{},urn:ogc:def:crs:EPSG::4326",
                            b[1], b[0], b[3], b[2]
                        ),
                    );
                }
            }
            let page = self.fetch(page_url, "application/json, application/geo+json")?;
            let before = self.features.len();
            self.take(&page)?;
            let got = self.features.len() - before;
            start += got;
            let matched = page
                .json
                .get("numberMatched")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok());
            if got < count || matched.is_some_and(|m| start >= m) {
                break;
            }
        }
        Ok(self.finish(Protocol::Wfs2, Format::Wfs2))
    }

    /// Fetches one page as JSON, with the limits and errors.
    fn fetch(&mut self, url: Url, accept: &str) -> Result<Page, RemoteError> {
        if self.pages.len() >= self.options.max_pages {
            return Err(RemoteError::TooMany {
                url: self.given.into(),
                limit: self.options.max_pages,
                what: "pages",
            });
        }
        let transport = |url: &Url, e: reqwest::Error| RemoteError::Transport {
            url: url.to_string(),
            message: transport_message(&e, self.options),
        };
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .map_err(|e| transport(&url, e))?;
        let final_url = response.url().clone();
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let content_crs = header("content-crs");
        let body = response.bytes().map_err(|e| transport(&final_url, e))?;
        self.pages.push(final_url.to_string());
        let text = String::from_utf8_lossy(&body);
        if let Some((code, text)) = exception_report(&text) {
            return Err(RemoteError::Exception {
                url: final_url.to_string(),
                code,
                text,
            });
        }
        if !status.is_success() {
            let json: Option<Value> = serde_json::from_slice(&body).ok();
            let detail = json
                .as_ref()
                .and_then(|j| j.get("description").or_else(|| j.get("detail")))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| html_title(&text))
                .or_else(|| (!text.trim().is_empty()).then(|| text.to_string()))
                .map(|d| one_line(&d));
            return Err(RemoteError::Http {
                url: final_url.to_string(),
                status: status.to_string(),
                detail,
            });
        }
        let json: Value = serde_json::from_slice(&body).map_err(|_| RemoteError::NotJson {
            url: final_url.to_string(),
            content_type: if content_type.is_empty() {
                "none".into()
            } else {
                content_type.clone()
            },
            start: one_line(&text),
        })?;
        Ok(Page {
            url: final_url,
            json,
            content_crs,
        })
    }

    /// Adds a page's features (in its CRS: its `crs` member, else its `Content-Crs` header,
    /// else WGS84), checking the feature limit.
    fn take(&mut self, page: &Page) -> Result<(), RemoteError> {
        let mut json = page.json.clone();
        if let (Some(crs), Some(obj)) = (&page.content_crs, json.as_object_mut())
            && !obj.contains_key("crs")
        {
            let name = crs.trim().trim_start_matches('<').trim_end_matches('>');
            obj.insert(
                "crs".into(),
                serde_json::json!({"type": "name", "properties": {"name": name}}),
            );
        }
        let bytes = serde_json::to_vec(&json).unwrap_or_default();
        let name = PathBuf::from(page.url.as_str());
        let mut file = read_geojson_bytes(&name, &bytes, self.options.accept)?;
        self.crs = file.crs;
        if self.features.len() + file.features.len() > self.options.max_features {
            return Err(RemoteError::TooMany {
                url: self.given.into(),
                limit: self.options.max_features,
                what: "features",
            });
        }
        self.features.append(&mut file.features);
        Ok(())
    }

    /// The features read, as one file.
    fn finish(self, protocol: Protocol, format: Format) -> RemoteFile {
        RemoteFile {
            file: VectorFile {
                path: PathBuf::from(self.given),
                format,
                crs: self.crs,
                layer: None,
                features: self.features,
            },
            retrieval: Retrieval {
                protocol,
                retrieved: self.retrieved,
                pages: self.pages,
            },
        }
    }
}

/// The `href` of a page's `rel=next` link (a GeoJSON one where there are several).
fn next_link(json: &Value) -> Option<String> {
    let links = json.get("links")?.as_array()?;
    let next: Vec<&Value> = links
        .iter()
        .filter(|l| l.get("rel").and_then(Value::as_str) == Some("next"))
        .collect();
    let geojson = next.iter().find(|l| {
        l.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("json"))
    });
    geojson
        .or(next.first())
        .and_then(|l| l.get("href"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A transport error in words: a timeout with its limit, else the innermost cause.
fn transport_message(e: &reqwest::Error, options: &RemoteOptions) -> String {
    if e.is_timeout() {
        return format!(
            "no answer within {} s (page timeout)",
            options.page_timeout.as_secs_f64()
        );
    }
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    let text = source.to_string();
    if e.is_connect() {
        if text.to_ascii_lowercase().contains("timed out") {
            return format!(
                "cannot connect within {} s (connect timeout)",
                options.connect_timeout.as_secs_f64()
            );
        }
        return format!("cannot connect: {}", one_line(&text));
    }
    one_line(&text)
}

/// The `exceptionCode` (with its `locator`) and text of an OWS `ExceptionReport`, if `text`
/// is one.
fn exception_report(text: &str) -> Option<(String, String)> {
    let head = text.trim_start();
    if !head.starts_with('<') || !text.contains("ExceptionReport") {
        return None;
    }
    let attribute = |name: &str| {
        let start = text.find(&format!("{name}=\""))? + name.len() + 2;
        let end = text[start..].find('"')? + start;
        Some(text[start..end].to_string())
    };
    let code = attribute("exceptionCode").unwrap_or_else(|| "(no exceptionCode)".into());
    let code = match attribute("locator") {
        Some(l) if !l.is_empty() => format!("{code} (locator {l})"),
        _ => code,
    };
    let texts: Vec<String> = text
        .split("ExceptionText>")
        .skip(1)
        .step_by(2)
        .filter_map(|t| t.rsplit_once("</").map(|(inner, _)| inner))
        .map(|t| one_line(&unescape(t)))
        .collect();
    Some((code, texts.join(" / ")))
}

/// The `<title>` of an HTML page, if `text` is one.
fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = lower[start..].find("</title>")? + start;
    Some(unescape(&text[start..end]))
}

/// XML's five entities and CDATA markers undone.
fn unescape(s: &str) -> String {
    s.replace("<![CDATA[", "")
        .replace("]]>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Text as one line of at most 200 characters.
fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_protocol() {
        let p = |u: &str| protocol_of(&Url::parse(u).unwrap(), &RemoteOptions::default());
        assert_eq!(
            p("https://x.de/ogc/collections/lor/items?f=json"),
            Some(Protocol::OgcApiFeatures)
        );
        assert_eq!(
            p("https://x.de/ogc/collections/lor/"),
            Some(Protocol::OgcApiFeatures)
        );
        assert_eq!(
            p("https://x.de/wfs?SERVICE=wfs&REQUEST=GetCapabilities"),
            Some(Protocol::Wfs2)
        );
        assert_eq!(
            p("https://x.de/cgi?map=a.map&typeNames=ms:lor"),
            Some(Protocol::Wfs2)
        );
        assert_eq!(p("https://x.de/ogc/collections"), None);
        assert_eq!(p("https://x.de/lor.geojson"), None);
    }

    #[test]
    fn an_exception_report_gives_code_and_text() {
        let xml = r#"<?xml version="1.0"?>
<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="2.0.0">
  <ows:Exception exceptionCode="InvalidParameterValue" locator="typename">
    <ows:ExceptionText>msWFSGetFeature(): WFS server error. TYPENAME 'x' doesn't
      exist &amp; more</ows:ExceptionText>
  </ows:Exception>
</ows:ExceptionReport>"#;
        assert_eq!(
            exception_report(xml),
            Some((
                "InvalidParameterValue (locator typename)".into(),
                "msWFSGetFeature(): WFS server error. TYPENAME 'x' doesn't exist & more".into()
            ))
        );
        assert_eq!(exception_report("{\"type\":\"FeatureCollection\"}"), None);
    }

    #[test]
    fn the_next_link_prefers_geojson() {
        let page = serde_json::json!({"links": [
            {"rel": "self", "href": "a"},
            {"rel": "next", "type": "text/html", "href": "b.html"},
            {"rel": "next", "type": "application/geo+json", "href": "b.json"}
        ]});
        assert_eq!(next_link(&page).as_deref(), Some("b.json"));
        assert_eq!(next_link(&serde_json::json!({"links": []})), None);
    }
}
