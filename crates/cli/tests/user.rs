//! `spielraum user`: accounts in the city's GeoPackage, through the binary. The stored password
//! hash is checked with an independent Argon2 implementation (argon2-cffi, the reference C
//! library's Python binding, in the test venv that `.ci/run` makes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::helpers::{spielraum_bin, tool_stdout, workspace_root};

fn user(args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = Command::new(spielraum_bin());
    cmd.arg("user").args(args).env_remove("SPIELRAUM_PASSWORD");
    if let Some(p) = password {
        cmd.env("SPIELRAUM_PASSWORD", p);
    }
    cmd.output().expect("spielraum runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// One line on stderr, exit status 1.
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    err.trim_end().to_string()
}

fn city(dir: &Path) -> PathBuf {
    let path = dir.join("city.gpkg");
    let opl = "n1 v1 x9.5200000 y47.1400000 Tleisure=playground\n";
    let pbf = crate::helpers::pbf_from_opl(dir, opl);
    let out = crate::helpers::import(&pbf, &path, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

#[test]
fn users_roles_tokens_and_the_audit_log_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, "Spielraum für alle 2026\n").unwrap();
    ok(&user(
        &[
            "add",
            g,
            "Anna.Berg",
            "--name",
            "Anna Berg",
            "--department",
            "Jugendamt",
            "--role",
            "editor",
            "--password-file",
            pw_file.to_str().unwrap(),
        ],
        None,
    ));
    ok(&user(
        &["add", g, "ben", "--name", "Ben Ohm", "--role", "admin"],
        Some("ein langes Passwort"),
    ));
    ok(&user(&["set-role", g, "anna.berg", "admin"], None));
    let token = ok(&user(&["token-create", g, "ben", "--name", "Skript"], None));
    assert_eq!(token.trim().len(), 64);
    ok(&user(&["disable", g, "ben"], None));

    let listed: serde_json::Value =
        serde_json::from_str(&ok(&user(&["list", g, "--format", "json"], None))).unwrap();
    let users = listed["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["login"], "anna.berg");
    assert_eq!(users[0]["role"], "admin");
    assert_eq!(users[0]["department"], "Jugendamt");
    assert_eq!(users[1]["disabled"], true);
    let text = serde_json::to_string(&listed).unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("Passwort"),
        "{text}"
    );
    let tokens: serde_json::Value =
        serde_json::from_str(&ok(&user(&["token-list", g, "--format", "json"], None))).unwrap();
    assert_eq!(tokens["tokens"][0]["revoked"], true, "disabling revoked it");

    // The audit log as CSV (for a spreadsheet), read back with a CSV reader.
    let csv_text = ok(&user(&["audit", g, "--format", "csv"], None));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[3].to_string(), r[4].to_string())
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("user.add".into(), "anna.berg".into()),
            ("user.add".into(), "ben".into()),
            ("user.set_role".into(), "anna.berg".into()),
            ("token.create".into(), "ben".into()),
            ("user.disable".into(), "ben".into()),
        ]
    );
    assert!(
        csv_text.lines().skip(1).all(|l| l.contains(",cli:")),
        "{csv_text}"
    );
    assert!(!csv_text.contains(token.trim()));

    // The stored hash is Argon2id that the reference implementation accepts.
    let hash = tool_stdout(
        "sqlite3",
        &[
            g,
            "SELECT password_hash FROM spielraum_users WHERE login = 'anna.berg'",
        ],
    );
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let python = workspace_root().join("target/ci-venv/bin/python");
    let check = "import sys, argon2\n\
                 h = argon2.PasswordHasher()\n\
                 print(h.verify(sys.argv[1], sys.argv[2]))\n\
                 try:\n    h.verify(sys.argv[1], sys.argv[2] + 'x')\n    print('wrong accepted')\n\
                 except argon2.exceptions.VerifyMismatchError:\n    print('wrong refused')\n";
    let out = Command::new(&python)
        .args(["-c", check, hash.trim(), "Spielraum für alle 2026"])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (.ci/run makes the venv)", python.display()));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "True\nwrong refused\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    let add = |login: &str, role: &str, pw: Option<&str>| {
        user(&["add", g, login, "--name", "N", "--role", role], pw)
    };
    assert_eq!(
        refused(&add("anna", "chef", Some("ein langes Passwort"))),
        "spielraum: error: unknown role 'chef': use viewer, editor or admin"
    );
    assert_eq!(
        refused(&add("anna", "editor", Some("kurz"))),
        "spielraum: error: the password must have at least 12 characters and at most 1024 bytes"
    );
    assert!(refused(&add("anna", "editor", None)).contains("--password-file FILE"));
    assert!(
        refused(&add("an na", "editor", Some("ein langes Passwort"))).contains("invalid login")
    );
    assert_eq!(
        refused(&user(&["set-role", g, "nobody", "viewer"], None)),
        "spielraum: error: no user 'nobody' (see 'spielraum user list')"
    );
    ok(&add("anna", "editor", Some("ein langes Passwort")));
    assert_eq!(
        refused(&add("ANNA", "viewer", Some("ein langes Passwort"))),
        "spielraum: error: a user 'anna' exists already"
    );
    let log: serde_json::Value =
        serde_json::from_str(&ok(&user(&["audit", g, "--format", "json"], None))).unwrap();
    assert_eq!(
        log["audit"].as_array().unwrap().len(),
        1,
        "only the one change"
    );
}

#[test]
fn scenario_status_department_comments_and_their_audit() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    let sc = |args: &[&str]| {
        Command::new(spielraum_bin())
            .arg("scenario")
            .args(args)
            .output()
            .unwrap()
    };
    ok(&sc(&["new", g, "Sommerstraßen"]));
    ok(&sc(&[
        "add",
        g,
        "Sommerstraßen",
        "--lon",
        "9.521",
        "--lat",
        "47.141",
        "--kind",
        "playground",
    ]));
    ok(&sc(&["set-department", g, "Sommerstraßen", "Jugendamt"]));
    ok(&sc(&[
        "comment",
        g,
        "Sommerstraßen",
        "Mit dem Ordnungsamt klären",
        "--edit",
        "0",
    ]));
    ok(&sc(&["set-status", g, "Sommerstraßen", "proposed"]));
    assert_eq!(
        refused(&sc(&["remove", g, "Sommerstraßen", "--facility", "n1"])),
        "spielraum: error: scenario 'Sommerstraßen' is proposed; move it back to draft to change its edits"
    );
    assert_eq!(
        refused(&sc(&["set-status", g, "Sommerstraßen", "beschlossen"])),
        "spielraum: error: unknown status 'beschlossen': use draft, proposed, agreed or rejected"
    );
    ok(&sc(&["set-status", g, "Sommerstraßen", "agreed"]));
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&sc(&["list", g, "--format", "json"]))).unwrap();
    let s = &listed["scenarios"][0];
    assert_eq!(
        (s["status"].as_str(), s["department"].as_str()),
        (Some("agreed"), Some("Jugendamt"))
    );
    assert!(s["author"].as_str().unwrap().starts_with("cli:"), "{s}");
    let comments: serde_json::Value =
        serde_json::from_str(&ok(&sc(&["comments", g, "Sommerstraßen"]))).unwrap();
    assert_eq!(comments["comments"][0]["position"], 0);
    assert_eq!(
        comments["comments"][0]["text"],
        "Mit dem Ordnungsamt klären"
    );
    let log: serde_json::Value =
        serde_json::from_str(&ok(&user(&["audit", g, "--format", "json"], None))).unwrap();
    let actions: Vec<&str> = log["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "scenario.create",
            "scenario.add_edit",
            "scenario.set_department",
            "scenario.comment",
            "scenario.set_status",
            "scenario.set_status",
        ]
    );
}

/// Whether a program is on the PATH; outside CI a missing one skips the test, under CI it fails.
fn have(program: &str, package: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} missing under CI: .ci/run installs {package}"
        );
        eprintln!("SKIPPED: {program} not found (apt-get install -y {package})");
    }
    found
}

/// `spielraum serve --behind-proxy` behind nginx terminating TLS, as docs/workspace.md sets it
/// up: the login through the proxy gets a `Secure` cookie, a change made with it and its CSRF
/// token is recorded with its author, and the same server reached directly (plain HTTP, no
/// proxy headers) sets no `Secure`.
#[test]
fn serve_behind_an_nginx_tls_proxy() {
    if !have("nginx", "nginx") || !have("openssl", "openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    let password = "Spielraum für alle 2026";
    let mut add = Command::new(spielraum_bin());
    add.args([
        "user",
        "add",
        g,
        "eva",
        "--name",
        "Eva",
        "--department",
        "Jugendamt",
        "--role",
        "editor",
    ])
    .env("SPIELRAUM_PASSWORD", password)
    .env("SPIELRAUM_ARGON2_COST", "m=64,t=1,p=1");
    ok(&add.output().unwrap());

    let mut server = Stopped(
        Command::new(spielraum_bin())
            .args(["serve", g, "--addr", "127.0.0.1:0", "--behind-proxy"])
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let upstream = crate::helpers::listening_address(&mut server.0);

    // A self-signed certificate for 127.0.0.1 and nginx on a free port.
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    tool_stdout(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let work = dir.path().display();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "daemon off;\nworker_processes 1;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;\n\
               fastcgi_temp_path {work}/fastcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n\
                 location / {{\n      proxy_pass http://{upstream};\n      proxy_set_header Host $host;\n\
                   proxy_set_header X-Forwarded-Proto $scheme;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n  }}\n}}\n",
            cert = cert.display(),
            key = key.display(),
        ),
    )
    .unwrap();
    let _nginx = Stopped(
        Command::new("nginx")
            .args([
                "-c",
                conf.to_str().unwrap(),
                "-e",
                &format!("{work}/error.log"),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The certificate is its own issuer, which rustls does not take as a root: the test checks
    // the proxy's headers, not certificate chains.
    let client = reqwest::blocking::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let proxied = format!("https://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..100 {
        if client
            .get(format!("{proxied}/health"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let log = || std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
    assert!(up, "nginx did not come up: {}", log());

    let login = |base: &str| {
        client
            .post(format!("{base}/api/login"))
            .header("Content-Type", "application/json")
            .body(serde_json::json!({"login": "eva", "password": password}).to_string())
            .send()
            .unwrap()
    };
    let r = login(&proxied);
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.ends_with("; Secure") && set.contains("HttpOnly"),
        "{set}"
    );
    let session = set.split(';').next().unwrap().to_string();
    let v: serde_json::Value = serde_json::from_str(&r.text().unwrap()).unwrap();
    let r = client
        .post(format!("{proxied}/api/scenarios"))
        .header("Cookie", &session)
        .header("X-CSRF-Token", v["csrf"].as_str().unwrap())
        .header("Content-Type", "application/json")
        .body(r#"{"name": "Hinter dem Proxy"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = serde_json::from_str(&r.text().unwrap()).unwrap();
    assert_eq!(created["author"], "eva");
    // Directly, without the proxy: no Secure.
    let direct = login(&format!("http://{upstream}"));
    assert_eq!(direct.status(), 200);
    assert!(
        !direct.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );

    let audit = ok(&user(&["audit", g, "--format", "csv"], None));
    assert!(
        audit.lines().any(|l| l.contains(",eva,scenario.create,")),
        "{audit}"
    );
}

/// A child process that is stopped when dropped, also when the test fails.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private server whose file has no users and that has no machine token says at start that
/// nobody can read it yet; with a user it does not, and that user reads after logging in.
#[test]
fn a_private_server_says_when_nobody_can_log_in() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let gpkg = city(dir.path());
    let g = gpkg.to_str().unwrap();
    // The lines `serve` prints before it listens.
    let start_lines = || {
        let mut child = Stopped(
            Command::new(spielraum_bin())
                .args(["serve", g, "--addr", "127.0.0.1:0", "--private"])
                .env_remove("SPIELRAUM_EDIT_TOKEN")
                .stderr(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut lines = Vec::new();
        let stderr = child.0.stderr.take().unwrap();
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let done = line.contains("http://");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    };
    let lines = start_lines();
    assert!(
        lines.iter().any(|l| l.contains("nobody can log in yet")),
        "{lines:?}"
    );
    let mut add = Command::new(spielraum_bin());
    add.args(["user", "add", g, "vic", "--name", "Vic", "--role", "viewer"])
        .env("SPIELRAUM_PASSWORD", "Spielraum für alle 2026")
        .env("SPIELRAUM_ARGON2_COST", "m=64,t=1,p=1");
    ok(&add.output().unwrap());
    let lines = start_lines();
    assert!(
        !lines.iter().any(|l| l.contains("nobody can log in yet")),
        "{lines:?}"
    );
}
