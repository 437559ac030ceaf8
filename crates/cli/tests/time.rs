//! End-to-end tests of time: `analyze --at/--window/--date`, `scenario play-street`,
//! `scenario open-after-hours` and `scenario compare --at` on a copy of the demo city, and their
//! bad input (one line, exit 1, nothing changed).
//!
//! Needs: `cargo build -p spielraum` first, and `apt-get install -y osmium-tool sqlite3`.

use std::process::Output;

use serde_json::Value as Json;

use crate::helpers::{demo_gpkg, spielraum, tool_stdout};

fn ok(args: &[&str]) -> String {
    let o = spielraum(args);
    assert!(
        o.status.success(),
        "spielraum {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Exit status 1 and one line on stderr, which is returned.
fn user_error(args: &[&str]) -> String {
    let o: Output = spielraum(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "spielraum {args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn analyze_at_a_time_reports_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("city.gpkg");
    std::fs::copy(demo_gpkg(), &city).unwrap();
    let c = city.to_str().unwrap();
    let before = std::fs::read(&city).unwrap();
    let plain: Json =
        serde_json::from_str(&ok(&["analyze", c, "--no-write-back", "--format", "json"])).unwrap();
    let timed: Json = serde_json::from_str(&ok(&[
        "analyze",
        c,
        "--at",
        "Sa 15:00",
        "--date",
        "2027-07-05",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(timed["time"]["at"], "Sa 15:00");
    assert_eq!(
        timed["time"]["spans"],
        serde_json::json!([["2027-07-10T15:00", "2027-07-10T15:00"]])
    );
    // The facilities closed then, counted from the file by hand: none of the demo's facilities
    // has opening hours that close it on a Saturday afternoon unless sqlite says so.
    let with_hours = tool_stdout(
        "sqlite3",
        &[
            c,
            "SELECT count(*) FROM facilities WHERE opening_hours IS NOT NULL",
        ],
    );
    let closed = timed["time"]["closed_facilities"].as_u64().unwrap();
    assert!(closed <= with_hours.trim().parse::<u64>().unwrap());
    if closed == 0 {
        assert_eq!(timed["neighbourhoods"], plain["neighbourhoods"]);
    }
    // A window: five weekday afternoons.
    let window: Json = serde_json::from_str(&ok(&[
        "analyze",
        c,
        "--window",
        "Mo-Fr 14:00-18:00",
        "--date",
        "2027-07-05",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(window["time"]["spans"].as_array().unwrap().len(), 5);
    assert_eq!(window["time"]["spans"][4][1], "2027-07-09T18:00");
    // Nothing was written: the file is byte for byte the one before.
    assert!(std::fs::read(&city).unwrap() == before);
}

#[test]
fn bad_times_are_one_line_errors() {
    let c = demo_gpkg().to_str().unwrap();
    let before = std::fs::read(c).unwrap();
    let e = user_error(&["analyze", c, "--window", "Mo-Fr 18:00-14:00"]);
    assert!(
        e.contains("--window: invalid window 'Mo-Fr 18:00-14:00': it ends before it starts"),
        "{e}"
    );
    let e = user_error(&["analyze", c, "--at", "Samstag 15 Uhr"]);
    assert!(e.contains("--at: invalid time 'Samstag 15 Uhr'"), "{e}");
    let e = user_error(&["analyze", c, "--at", "Sa 15:00", "--date", "2027-13-01"]);
    assert!(e.contains("invalid date '2027-13-01'"), "{e}");
    let e = user_error(&["analyze", c, "--date", "2027-07-01"]);
    assert!(e.contains("--date needs --at or --window"), "{e}");
    assert!(std::fs::read(c).unwrap() == before);
}

#[test]
fn play_streets_and_opened_yards_hold_only_in_their_hours() {
    let dir = tempfile::tempdir().unwrap();
    let city = dir.path().join("city.gpkg");
    std::fs::copy(demo_gpkg(), &city).unwrap();
    let c = city.to_str().unwrap();
    ok(&["scenario", "new", c, "summer"]);
    // A residential street of the walking network, and a school.
    let way = tool_stdout(
        "sqlite3",
        &[
            c,
            "SELECT id FROM walk_ways WHERE tags LIKE '%\"highway\":\"residential\"%' ORDER BY id LIMIT 1",
        ],
    );
    let way = format!("w{}", way.trim());
    let school = tool_stdout(
        "sqlite3",
        &[
            c,
            "SELECT osm_id FROM facilities WHERE kind = 'school' ORDER BY osm_id LIMIT 1",
        ],
    );
    let school = school.trim().to_string();

    // Bad input first: nothing is added.
    let e = user_error(&[
        "scenario",
        "play-street",
        c,
        "summer",
        "--ways",
        "w999999999999",
        "--hours",
        "Sa 14:00-18:00",
    ]);
    assert!(
        e.contains("no street w999999999999 in this city's walking network"),
        "{e}"
    );
    let e = user_error(&[
        "scenario",
        "play-street",
        c,
        "summer",
        "--ways",
        &way,
        "--hours",
        "samstags",
    ]);
    assert!(e.contains("cannot read opening hours 'samstags'"), "{e}");
    let e = user_error(&[
        "scenario",
        "play-street",
        c,
        "summer",
        "--ways",
        &way,
        "--hours",
        "Sa 14:00-18:00",
        "--from",
        "2027-08-31",
        "--to",
        "2027-07-01",
    ]);
    assert!(
        e.contains("ends (2027-07-01) before it starts (2027-08-31)"),
        "{e}"
    );
    let e = user_error(&[
        "scenario",
        "open-after-hours",
        c,
        "summer",
        "--facility",
        "w999999999999",
        "--hours",
        "Mo-Fr 15:00-19:00",
    ]);
    assert!(e.contains("no facility w999999999999"), "{e}");
    let shown: Json =
        serde_json::from_str(&ok(&["scenario", "show", c, "summer", "--format", "json"])).unwrap();
    assert_eq!(shown["edits"].as_array().unwrap().len(), 0);

    ok(&[
        "scenario",
        "play-street",
        c,
        "summer",
        "--ways",
        &way,
        "--hours",
        "Sa 14:00-18:00",
        "--from",
        "2027-07-01",
        "--to",
        "2027-08-31",
        "--name",
        "Sommerstraße",
    ]);
    ok(&[
        "scenario",
        "open-after-hours",
        c,
        "summer",
        "--facility",
        &school,
        "--hours",
        "Mo-Fr 15:00-19:00",
    ]);
    let shown: Json =
        serde_json::from_str(&ok(&["scenario", "show", c, "summer", "--format", "json"])).unwrap();
    let edits = shown["edits"].as_array().unwrap();
    assert_eq!(edits[0]["op"], "play_street");
    assert_eq!(edits[0]["ways"], serde_json::json!([way]));
    assert_eq!(edits[0]["width_m"], 6.0);
    assert_eq!(edits[0]["from"], "2027-07-01");
    assert_eq!(edits[1]["op"], "open_after_hours");

    let compare = |extra: &[&str]| -> Json {
        let mut args = vec!["scenario", "compare", c, "summer", "--format", "json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let always = compare(&[]);
    let saturday = compare(&["--at", "Sa 15:00", "--date", "2027-07-05"]);
    let monday_morning = compare(&["--at", "Mo 10:00", "--date", "2027-07-05"]);
    let september = compare(&["--at", "Sa 15:00", "--date", "2027-09-06"]);
    assert_eq!(saturday["time"]["at"], "Sa 15:00");
    // On a Saturday afternoon in July only the play street holds; on a Monday morning and on a
    // Saturday in September nothing does: no child gains or loses.
    for quiet in [&monday_morning, &september] {
        assert_eq!(quiet["totals"]["gained"]["total"], 0.0, "{quiet}");
        assert_eq!(quiet["totals"]["lost"]["total"], 0.0, "{quiet}");
    }
    let gained = |v: &Json| v["totals"]["gained"]["total"].as_f64().unwrap();
    assert!(gained(&saturday) <= gained(&always));
    assert_eq!(saturday["totals"]["lost"]["total"], 0.0);
}
