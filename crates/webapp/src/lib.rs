//! The built web app (planner map, embed, table, static pages), embedded in the binary at compile time;
//! a folder on disk (`SPIELRAUM_WEB_DIR`) may stand in for it during development.
//!
//! `web/dist` (Vite's output) is read when this crate is compiled, in debug builds too; a build
//! script makes cargo compile it again whenever that folder changes. Compiled without a built
//! `web/dist`, the embedded app is empty and [`WebApp::is_built`] says so.
//!
//! Files are named by their path inside the app with `/` separators: `index.html`,
//! `embed.html`, `static.html`, `assets/main-pekbDn5Y.js`, …

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// The environment variable naming a built `web/dist` folder that is served instead of the
/// embedded app (read at run time, for development).
pub const WEB_DIR_ENV: &str = "SPIELRAUM_WEB_DIR";

/// The planner map page.
pub const INDEX_PAGE: &str = "index.html";
/// The iframe map page (`/embed`).
pub const EMBED_PAGE: &str = "embed.html";
/// The workspace administration page (`/admin`: users, audit log, personal tokens).
pub const ADMIN_PAGE: &str = "admin.html";
/// The table alternative to the map (`/table`: every neighbourhood's indicators, sortable).
pub const TABLE_PAGE: &str = "table.html";
/// The table alternative of the static export (copied as the site's `table.html`; it reads
/// `indicators.json` beside it).
pub const STATIC_TABLE_PAGE: &str = "static-table.html";
/// The page of the static export (copied as the site's `index.html`).
pub const STATIC_PAGE: &str = "static.html";
/// The folder of scripts, style sheets and images the pages load.
pub const ASSETS_DIR: &str = "assets";

/// `web/dist` as it was when this crate was compiled (empty when it had not been built).
#[derive(rust_embed::Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// Where the web app's files come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebApp {
    /// The app embedded in this binary when it was built.
    Embedded,
    /// A built app (a `web/dist` folder) read from disk at run time. Only files inside the
    /// folder are served: symbolic links leading out of it are not followed.
    Folder(PathBuf),
}

/// One file of the web app, ready to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    /// The file's content.
    pub bytes: Bytes,
    /// The `Content-Type` to send it with (see [`content_type`]).
    pub content_type: &'static str,
    /// A strong entity tag, quoted as HTTP writes it: the SHA-256 of the content in hex.
    pub etag: String,
    /// Whether the name carries a hash of the content (Vite's `assets/NAME-HASH.EXT`, see
    /// [`is_content_hashed`]), so the file under this name never changes.
    pub content_hashed: bool,
}

/// Errors of reading the web app from a folder.
#[derive(Debug, thiserror::Error)]
pub enum WebAppError {
    /// A folder of the app could not be listed.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl WebApp {
    /// The folder `$SPIELRAUM_WEB_DIR` when that is set (and not empty), else the embedded app.
    pub fn from_env() -> WebApp {
        match std::env::var_os(WEB_DIR_ENV) {
            Some(dir) if !dir.is_empty() => WebApp::Folder(PathBuf::from(dir)),
            _ => WebApp::Embedded,
        }
    }

    /// Whether the app is there: its planner page ([`INDEX_PAGE`]) can be read.
    pub fn is_built(&self) -> bool {
        match self {
            WebApp::Embedded => Dist::get(INDEX_PAGE).is_some(),
            WebApp::Folder(dir) => resolve(dir, INDEX_PAGE).is_some(),
        }
    }

    /// The file at `path` inside the app (`index.html`, `assets/main-pekbDn5Y.js`, …), or
    /// `None` when there is none. Paths that are empty, absolute, hold `.` or `..` segments,
    /// empty segments or backslashes are refused (`None`), as are files of a folder app
    /// reached through a symbolic link that leads out of the folder.
    pub fn get(&self, path: &str) -> Option<Asset> {
        if !is_safe_path(path) {
            return None;
        }
        match self {
            WebApp::Embedded => {
                let file = Dist::get(path)?;
                let bytes = match file.data {
                    Cow::Borrowed(b) => Bytes::from_static(b),
                    Cow::Owned(v) => Bytes::from(v),
                };
                Some(asset(path, bytes, &file.metadata.sha256_hash()))
            }
            WebApp::Folder(dir) => {
                let bytes = std::fs::read(resolve(dir, path)?).ok()?;
                let hash: [u8; 32] = Sha256::digest(&bytes).into();
                Some(asset(path, Bytes::from(bytes), &hash))
            }
        }
    }

    /// The paths of every file under [`ASSETS_DIR`] (`assets/…`), sorted; empty when the app
    /// has no such folder. A folder app lists only the files [`WebApp::get`] serves.
    pub fn assets(&self) -> Result<Vec<String>, WebAppError> {
        let mut out = match self {
            WebApp::Embedded => Dist::iter()
                .filter(|p| p.starts_with("assets/"))
                .map(Cow::into_owned)
                .collect(),
            WebApp::Folder(dir) => {
                let mut out = Vec::new();
                list_files(dir, ASSETS_DIR, &mut out)?;
                out
            }
        };
        out.sort();
        Ok(out)
    }
}

impl fmt::Display for WebApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebApp::Embedded => f.write_str("the web app embedded in this binary"),
            WebApp::Folder(dir) => write!(f, "the web app in {}", dir.display()),
        }
    }
}

fn asset(path: &str, bytes: Bytes, sha256: &[u8; 32]) -> Asset {
    let mut etag = String::with_capacity(66);
    etag.push('"');
    for b in sha256 {
        etag.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        etag.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    etag.push('"');
    Asset {
        bytes,
        content_type: content_type(path),
        etag,
        content_hashed: is_content_hashed(path),
    }
}

/// Whether `path` names a file inside the app: not empty, relative, `/`-separated segments
/// that are neither empty nor `.` nor `..`, no backslash and no NUL.
fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// The file `path` (already checked by [`is_safe_path`]) of the folder `dir`, when it is a
/// regular file whose real location (symbolic links followed) is inside `dir`.
fn resolve(dir: &Path, path: &str) -> Option<PathBuf> {
    let root = dir.canonicalize().ok()?;
    let file = root.join(path).canonicalize().ok()?;
    (file.starts_with(&root) && file.is_file()).then_some(file)
}

/// Adds the files under `dir/rel` (recursively, not through linked folders) that
/// [`resolve`] accepts to `out`, as `rel/…` paths. A missing `dir/rel` adds nothing.
fn list_files(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), WebAppError> {
    let folder = dir.join(rel);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(WebAppError::Read {
                path: folder,
                source,
            });
        }
    };
    for entry in entries {
        let entry = entry.map_err(|source| WebAppError::Read {
            path: folder.clone(),
            source,
        })?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let child = format!("{rel}/{name}");
        if !is_safe_path(&child) {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => list_files(dir, &child, out)?,
            Ok(_) if resolve(dir, &child).is_some() => out.push(child),
            _ => {}
        }
    }
    Ok(())
}

/// The `Content-Type` for a file name, by its extension (`application/octet-stream` when
/// unknown); text types say `charset=utf-8`.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether `path` is a content-hashed name as Vite writes them: under `assets/`, a file name
/// `NAME-HASH.EXT` where `HASH` is 8 characters of `A–Z a–z 0–9 _ -`, not all lower-case
/// letters (so a plain word such as `app-settings.js` is not taken for a hash; a real hash of
/// only lower-case letters is merely revalidated).
pub fn is_content_hashed(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("assets/") else {
        return false;
    };
    let name = rest.rsplit('/').next().unwrap_or(rest).as_bytes();
    let hash_char = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
    (10..name.len()).any(|dot| {
        let hash = &name[dot - 8..dot];
        name[dot] == b'.'
            && name[dot - 9] == b'-'
            && hash.iter().all(hash_char)
            && !hash.iter().all(u8::is_ascii_lowercase)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder app: `index.html`, `assets/main-Ab12Cd34.js`, `assets/img/logo.svg`, and a
    /// secret file beside (outside) the folder.
    fn app() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(dist.join("assets/img")).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dist.join("assets/main-Ab12Cd34.js"), "abc").unwrap();
        std::fs::write(dist.join("assets/img/logo.svg"), "<svg/>").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
        (tmp, dist)
    }

    #[test]
    fn content_types_by_extension() {
        for (path, want) in [
            ("index.html", "text/html; charset=utf-8"),
            ("assets/main-pekbDn5Y.js", "text/javascript; charset=utf-8"),
            ("assets/x.mjs", "text/javascript; charset=utf-8"),
            ("assets/common-DRuHfH6M.css", "text/css; charset=utf-8"),
            ("assets/A.CSS", "text/css; charset=utf-8"),
            ("assets/icon.svg", "image/svg+xml"),
            ("assets/sprite.png", "image/png"),
            ("assets/font.woff2", "font/woff2"),
            ("assets/main.js.map", "application/json"),
            ("assets/data.json", "application/json"),
            ("assets/blob", "application/octet-stream"),
            ("assets/archive.xyz", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), want, "{path}");
        }
    }

    #[test]
    fn content_hashed_names() {
        // The names Vite wrote for this project's app.
        for hashed in [
            "assets/common-DRuHfH6M.css",
            "assets/common-DwKp4aey.js",
            "assets/embed-view-CXLMnwo5.js",
            "assets/main-pekbDn5Y.js",
            "assets/main-pekbDn5Y.js.map",
            "assets/x-a_b-C9d0.js",
            "assets/img/logo-Zz9Zz9Zz.svg",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "static-BjdfASDb.js", // not under assets/
            "assets/app.js",
            "assets/app-settings.js",
            "assets/-DRuHfH6M.css", // no name before the hash
            "assets/main-pekbDn5.js",
            "assets/main-pekbDn5Yx.js",
            "assets/main-pekb.n5Y.js",
            "assets/main-DRuHfH6M",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        let (tmp, dist) = app();
        let web = WebApp::Folder(dist.clone());
        assert!(web.get("index.html").is_some());
        let secret = tmp.path().join("secret.txt");
        for bad in [
            "",
            "../secret.txt",
            "assets/../../secret.txt",
            "assets/../index.html",
            "./index.html",
            "assets//main-Ab12Cd34.js",
            "assets/",
            "/index.html",
            secret.to_str().unwrap(),
            "assets\\main-Ab12Cd34.js",
            "..\\secret.txt",
            "index.html\0",
            "assets", // a folder, not a file
        ] {
            assert_eq!(web.get(bad), None, "{bad:?}");
            assert_eq!(WebApp::Embedded.get(bad), None, "embedded {bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_only_inside_the_folder() {
        let (tmp, dist) = app();
        std::os::unix::fs::symlink(tmp.path().join("secret.txt"), dist.join("assets/out.txt"))
            .unwrap();
        std::os::unix::fs::symlink(tmp.path(), dist.join("assets/up")).unwrap();
        std::os::unix::fs::symlink(dist.join("index.html"), dist.join("assets/in.html")).unwrap();
        let web = WebApp::Folder(dist);
        assert_eq!(web.get("assets/out.txt"), None);
        assert_eq!(web.get("assets/up/secret.txt"), None);
        assert_eq!(
            web.get("assets/in.html").unwrap().bytes,
            &b"<!doctype html>"[..]
        );
        assert_eq!(
            web.assets().unwrap(),
            [
                "assets/img/logo.svg",
                "assets/in.html",
                "assets/main-Ab12Cd34.js"
            ]
        );
    }

    #[test]
    fn etag_is_the_sha256_of_the_content() {
        let (_tmp, dist) = app();
        let web = WebApp::Folder(dist.clone());
        let js = web.get("assets/main-Ab12Cd34.js").unwrap();
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            js.etag,
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
        );
        assert_eq!(js.bytes, &b"abc"[..]);
        assert_eq!(js.content_type, "text/javascript; charset=utf-8");
        assert!(js.content_hashed);
        // Stable: the same content under another name, read again, has the same tag.
        std::fs::write(dist.join("assets/other.js"), "abc").unwrap();
        let other = web.get("assets/other.js").unwrap();
        assert_eq!(other.etag, js.etag);
        assert!(!other.content_hashed);
        assert_eq!(web.get("assets/main-Ab12Cd34.js").unwrap().etag, js.etag);
        // Changed content, changed tag.
        std::fs::write(dist.join("assets/other.js"), "abd").unwrap();
        assert_ne!(web.get("assets/other.js").unwrap().etag, js.etag);
    }

    #[test]
    fn assets_are_listed_sorted_and_only_under_assets() {
        let (_tmp, dist) = app();
        std::fs::write(dist.join("assets/a-Xy12Zz34.css"), "").unwrap();
        let web = WebApp::Folder(dist.clone());
        assert_eq!(
            web.assets().unwrap(),
            [
                "assets/a-Xy12Zz34.css",
                "assets/img/logo.svg",
                "assets/main-Ab12Cd34.js"
            ]
        );
        for path in web.assets().unwrap() {
            assert!(web.get(&path).is_some(), "{path}");
        }
        assert!(web.is_built());
        std::fs::remove_dir_all(dist.join("assets")).unwrap();
        assert!(web.assets().unwrap().is_empty());
        let missing = WebApp::Folder(dist.join("nope"));
        assert!(!missing.is_built());
        assert!(missing.assets().unwrap().is_empty());
        assert_eq!(missing.get("index.html"), None);
    }

    /// The embedded app is `web/dist` as it is on disk (this crate is rebuilt when it changes):
    /// the same files with the same bytes, or nothing when it is not built.
    #[test]
    fn embedded_app_is_web_dist() {
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
        let on_disk = WebApp::Folder(dist.clone());
        assert_eq!(WebApp::Embedded.is_built(), on_disk.is_built());
        assert_eq!(
            WebApp::Embedded.assets().unwrap(),
            on_disk.assets().unwrap()
        );
        for page in [INDEX_PAGE, EMBED_PAGE, STATIC_PAGE] {
            assert_eq!(WebApp::Embedded.get(page), on_disk.get(page), "{page}");
        }
        for path in on_disk.assets().unwrap() {
            let embedded = WebApp::Embedded.get(&path).unwrap();
            let file = std::fs::read(dist.join(&path)).unwrap();
            assert_eq!(embedded.bytes, file, "{path}");
            assert_eq!(embedded, on_disk.get(&path).unwrap(), "{path}");
        }
    }
}
