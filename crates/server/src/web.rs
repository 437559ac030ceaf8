//! The web app: `/` (planner map), `/embed` (iframe map), `/table` (the table alternative to
//! the map), `/admin` (the workspace's users and audit log) and `/assets/…`, from the app the
//! binary carries (or the `SPIELRAUM_WEB_DIR` folder), with entity tags and cache headers.
//!
//! Pages are revalidated on every load (`no-cache`); content-hashed assets are cached for a
//! year (`immutable`). Where the build left a brotli or gzip copy beside a file (`X.js.br`,
//! `X.js.gz`, written by `web/compress.mjs`) and the client accepts it, the copy is sent with
//! `Content-Encoding` (brotli first); such files answer with `Vary: Accept-Encoding`. Without a built app, `/` and `/embed` answer 503 with a page saying how
//! to build it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use webapp::{Asset, WebApp};

use crate::encoding::accepts;
use crate::error::{ErrorCode, json_error, quoted};
use crate::state::AppState;

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Spielraum</title>\
<h1>Spielraum: web app not built</h1><p>Run <code>npm ci &amp;&amp; npm run build</code> in \
<code>web/</code> and build <code>spielraum</code> again (it carries the app), or set \
<code>SPIELRAUM_WEB_DIR</code> to a built <code>web/dist</code>, and reload. \
The API (<a href=/openapi.json>/openapi.json</a>) and the tiles work without it.</p>";

/// `Cache-Control` of pages and of assets whose name has no content hash: always revalidate.
const REVALIDATE: &str = "no-cache";
/// `Cache-Control` of content-hashed assets: the name changes whenever the content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Content-Security-Policy` of the pages without `frame-ancestors`: our own scripts, styles
/// and data; MapLibre's workers from `blob:` URLs, its inline styles, and images from `data:`
/// and `blob:` URLs (sprites, canvases).
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; \
child-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'";

/// The precompressed copies the build writes, best first: (`Content-Encoding`, file suffix).
const ENCODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

/// `path` of the app as the client best takes it: a precompressed copy with its encoding when
/// there is one the client accepts (the file itself is then not read), else the file itself;
/// and whether copies exist at all.
async fn read_encoded(
    web: &WebApp,
    path: &str,
    headers: &HeaderMap,
) -> Option<(Asset, Option<&'static str>, bool)> {
    let mut variants = false;
    for (coding, suffix) in ENCODINGS {
        let accepted = accepts(headers, coding);
        // A copy the client does not take is only looked for (for `Vary`) when none was yet.
        if !accepted && variants {
            continue;
        }
        let Some(mut copy) = read(web, format!("{path}{suffix}")).await else {
            continue;
        };
        variants = true;
        if accepted {
            // The copy is sent as the file it stands for.
            copy.content_type = webapp::content_type(path);
            copy.content_hashed = webapp::is_content_hashed(path);
            return Some((copy, Some(coding), true));
        }
    }
    let plain = read(web, path.to_string()).await?;
    Some((plain, None, variants))
}

/// `Referrer-Policy` of the pages.
const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// Adds the security headers of an HTML page: CSP, `nosniff`, `Referrer-Policy`; a page that
/// may be framed (`/embed`) by any site says `frame-ancestors *`, any other page may not be
/// framed at all (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
fn secure(mut page: Response, framable: bool) -> Response {
    let h = page.headers_mut();
    let frame = if framable { "*" } else { "'none'" };
    if let Ok(v) = HeaderValue::from_str(&format!("{CSP}; frame-ancestors {frame}")) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(REFERRER_POLICY),
    );
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    page
}

/// Whether `If-None-Match` lists `etag` (weak comparison, as RFC 9110 asks for this header)
/// or is `*`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let ours = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == "*" || opaque(tag) == ours)
}

/// The answer for one file of the app read by [`read_encoded`]: 304 when the client has it,
/// else the bytes; with its `Content-Encoding`, and `Vary: Accept-Encoding` when the file has
/// precompressed copies.
fn send_encoded(
    (file, coding, variants): (Asset, Option<&'static str>, bool),
    cache_control: &'static str,
    headers: &HeaderMap,
) -> Response {
    let etag = HeaderValue::from_str(&file.etag).ok();
    let mut out = if etag.is_some() && not_modified(headers, &file.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = file.bytes.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        r
    };
    let h = out.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Some(etag) = etag {
        h.insert(header::ETAG, etag);
    }
    if let Some(coding) = coding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    if variants {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    out
}

/// Reads a file of the app; a folder app is read off the async runtime.
async fn read(web: &WebApp, path: String) -> Option<Asset> {
    match web {
        WebApp::Embedded => web.get(&path),
        WebApp::Folder(_) => {
            let web = web.clone();
            tokio::task::spawn_blocking(move || web.get(&path))
                .await
                .ok()
                .flatten()
        }
    }
}

async fn page(s: &AppState, name: &str, headers: &HeaderMap, framable: bool) -> Response {
    let page = match read_encoded(&s.0.web, name, headers).await {
        Some(file) => send_encoded(file, REVALIDATE, headers),
        None => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
    };
    secure(page, framable)
}

pub(crate) async fn index(State(s): State<AppState>, headers: HeaderMap) -> Response {
    page(&s, webapp::INDEX_PAGE, &headers, false).await
}

pub(crate) async fn embed(State(s): State<AppState>, headers: HeaderMap) -> Response {
    page(&s, webapp::EMBED_PAGE, &headers, true).await
}

pub(crate) async fn table(State(s): State<AppState>, headers: HeaderMap) -> Response {
    // Framable like the embed, whose "Table instead of map" link opens it in the same frame.
    page(&s, webapp::TABLE_PAGE, &headers, true).await
}

pub(crate) async fn admin(State(s): State<AppState>, headers: HeaderMap) -> Response {
    page(&s, webapp::ADMIN_PAGE, &headers, false).await
}

pub(crate) async fn asset(
    State(s): State<AppState>,
    Path(path): Path<String>,
    headers: HeaderMap,
) -> Response {
    // `WebApp::get` refuses `..`, empty segments, backslashes and links out of the folder.
    let file = format!("{}/{path}", webapp::ASSETS_DIR);
    match read_encoded(&s.0.web, &file, &headers).await {
        Some(file) => {
            let cache = if file.0.content_hashed {
                IMMUTABLE
            } else {
                REVALIDATE
            };
            send_encoded(file, cache, &headers)
        }
        None => json_error(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("no such asset: {}", quoted(&path)),
        ),
    }
}
