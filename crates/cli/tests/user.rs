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
