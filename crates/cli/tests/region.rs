//! `spielraum region plan|run|merge` on the demo (Liechtenstein's 11 municipalities), with the
//! jobs run by a real single-node Slurm cluster started in a temporary folder (munged, slurmctld,
//! slurmd) through the shipped `deploy/slurm/submit.sh`. The merged result must equal one
//! ordinary run over the whole region exactly: the indicators JSON, and every home's walking
//! distances (bit for bit against the region-wide search, and against `spielraum nearest`'s
//! independent forward search).
//!
//! Where Slurm cannot start (not installed, not root, …) the test says so on stderr ("SLURM NOT
//! AVAILABLE: …") and runs the same jobs through `region run --job N` one after the other; under
//! CI (`CI` set, as `.ci/run` does) it fails instead, so a skipped cluster never passes there.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{demo_pbf, fails, spielraum, spielraum_bin, tool_stdout, workspace_root};

fn totals() -> PathBuf {
    workspace_root().join("geodata/liechtenstein-population-2020.csv")
}

/// The demo's municipalities as a GeoJSON file, written by GDAL from an ordinary import's
/// `neighbourhoods` layer; and that import (`whole.gpkg`), the single-run reference.
fn municipalities(dir: &Path) -> (PathBuf, PathBuf) {
    let first = dir.join("first.gpkg");
    let out = crate::helpers::import(
        &demo_pbf(),
        &first,
        &["--population-totals", totals().to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let geojson = dir.join("municipalities.geojson");
    tool_stdout(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            geojson.to_str().unwrap(),
            first.to_str().unwrap(),
            "neighbourhoods",
            "-select",
            "id,name",
        ],
    );
    // The reference: an ordinary import of the region with those municipalities.
    let whole = dir.join("whole.gpkg");
    let out = crate::helpers::import(
        &demo_pbf(),
        &whole,
        &[
            "--boundaries",
            geojson.to_str().unwrap(),
            "--population-totals",
            totals().to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (geojson, whole)
}

fn make_plan(dir: &Path, boundaries: &Path) -> PathBuf {
    make_plan_with(dir, boundaries, &[])
}

fn make_plan_with(dir: &Path, boundaries: &Path, extra: &[&str]) -> PathBuf {
    let plan = dir.join("plan");
    let (pbf, b, t) = (demo_pbf(), boundaries.to_str().unwrap(), totals());
    let mut args = vec![
        "region",
        "plan",
        pbf.to_str().unwrap(),
        "--boundaries",
        b,
        "--population-totals",
        t.to_str().unwrap(),
        "--out",
        plan.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = spielraum(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    plan
}

/// A single-node Slurm cluster in a folder; stopped (its daemons killed) when dropped.
struct Slurm {
    conf: PathBuf,
    daemons: Vec<Child>,
}

impl Drop for Slurm {
    fn drop(&mut self) {
        for d in self.daemons.iter_mut().rev() {
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn installed(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}

fn spawn(cmd: &str, args: &[&str], log: &Path) -> Result<Child, String> {
    let file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot start {cmd}: {e}"))
}

/// Starts munged (key and socket in `dir`), slurmctld and slurmd with a generated slurm.conf,
/// and waits until the node is idle; or says why it cannot.
fn start_slurm(dir: &Path) -> Result<Slurm, String> {
    for tool in ["munged", "slurmctld", "slurmd", "sbatch", "sinfo"] {
        if !installed(tool) {
            return Err(format!(
                "{tool} is not installed (apt-get install munge slurm-wlm)"
            ));
        }
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| e.to_string())?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("not running as root (slurmd must run as root to start jobs)".into());
    }
    let munge = dir.join("munge");
    for d in ["munge", "state", "spool", "log"] {
        std::fs::create_dir_all(dir.join(d)).map_err(|e| e.to_string())?;
    }
    let key: Vec<u8> = (0..1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ std::process::id() as u8)
        .collect();
    let key_file = munge.join("munge.key");
    std::fs::write(&key_file, key).map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| e.to_string())?;
    let socket = munge.join("munge.sock");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let mut slurm = Slurm {
        conf: dir.join("slurm.conf"),
        daemons: Vec::new(),
    };
    slurm.daemons.push(spawn(
        "munged",
        &[
            "-F",
            "-f",
            &format!("--key-file={}", s(&key_file)),
            &format!("--socket={}", s(&socket)),
            &format!("--pid-file={}", s(&munge.join("munged.pid"))),
            &format!("--log-file={}", s(&munge.join("munged.log"))),
            &format!("--seed-file={}", s(&munge.join("seed"))),
        ],
        &dir.join("log/munged.err"),
    )?);
    let start = Instant::now();
    while !socket.exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(format!(
                "munged did not open its socket: {}",
                tail(&munge.join("munged.log"))
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let d = s(dir);
    let conf = format!(
        "ClusterName=spielraumtest\nSlurmctldHost=localhost\nSlurmctldPort={}\nSlurmdPort={}\n\
         AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket={}\nSlurmUser=root\nSlurmdUser=root\n\
         StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\nSlurmctldPidFile={d}/slurmctld.pid\n\
         SlurmdPidFile={d}/slurmd.pid\nSlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd.log\n\
         ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n\
         AccountingStorageType=accounting_storage/none\nSwitchType=switch/none\nMpiDefault=none\n\
         SchedulerType=sched/builtin\nSelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
         ReturnToService=2\nNodeName=localhost CPUs=2 State=UNKNOWN\n\
         PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n",
        free_port(),
        free_port(),
        s(&socket)
    );
    std::fs::write(&slurm.conf, conf).map_err(|e| e.to_string())?;
    let c = s(&slurm.conf);
    slurm.daemons.push(spawn(
        "slurmctld",
        &["-D", "-i", "-f", &c],
        &dir.join("log/slurmctld.err"),
    )?);
    slurm.daemons.push(spawn(
        "slurmd",
        &["-D", "-f", &c, "-N", "localhost"],
        &dir.join("log/slurmd.err"),
    )?);
    let start = Instant::now();
    loop {
        let out = Command::new("sinfo")
            .args(["-h", "-o", "%T"])
            .env("SLURM_CONF", &slurm.conf)
            .output()
            .map_err(|e| e.to_string())?;
        let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if state == "idle" {
            return Ok(slurm);
        }
        if start.elapsed() > Duration::from_secs(30) {
            return Err(format!(
                "the node did not become idle (state '{state}'): slurmctld: {} slurmd: {}",
                tail(&dir.join("log/slurmctld.log")),
                tail(&dir.join("log/slurmd.log"))
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Runs every job and the merge, on Slurm where it starts; returns how they ran.
fn run_jobs(dir: &Path, plan: &Path, site: &Path) -> String {
    let jobs = std::fs::read_dir(plan.join("jobs")).unwrap().count();
    match start_slurm(&dir.join("slurm")) {
        Ok(slurm) => {
            let started = Instant::now();
            let out = Command::new(workspace_root().join("deploy/slurm/submit.sh"))
                .args([plan.to_str().unwrap(), site.to_str().unwrap(), "--mem=0"])
                .env("SLURM_CONF", &slurm.conf)
                .env("SPIELRAUM", spielraum_bin())
                .env("WAIT", "1")
                .env(
                    "SPIELRAUM_WEB_DIR",
                    std::env::var_os("SPIELRAUM_WEB_DIR")
                        .unwrap_or_else(|| workspace_root().join("web/dist").into()),
                )
                .output()
                .unwrap();
            let logs = std::fs::read_dir(plan.join("logs"))
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| {
                            format!(
                                "{}: {}",
                                e.file_name().to_string_lossy(),
                                std::fs::read_to_string(e.path()).unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            assert!(
                out.status.success(),
                "submit.sh failed: {}\n{}\nlogs:\n{logs}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains(&format!("{jobs} tasks")), "{text}");
            // Every task ran under Slurm: its log names its array index.
            for n in 0..jobs {
                assert!(logs.contains(&format!("task {n} on ")), "task {n}: {logs}");
            }
            let how = format!(
                "SLURM: {jobs} array tasks and the dependent merge ran on a single-node cluster in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            eprintln!("{how}");
            drop(slurm);
            how
        }
        Err(reason) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "SLURM NOT AVAILABLE under CI: {reason} (.ci/run must install munge and slurm-wlm and run as root)"
            );
            for n in 0..jobs {
                let out = spielraum(&[
                    "region",
                    "run",
                    plan.to_str().unwrap(),
                    "--job",
                    &n.to_string(),
                ]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let out = spielraum(&[
                "region",
                "merge",
                plan.to_str().unwrap(),
                "--out",
                site.to_str().unwrap(),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let how = format!("SLURM NOT AVAILABLE: {reason}; ran {jobs} jobs sequentially");
            eprintln!("{how}");
            how
        }
    }
}

/// Checks `home_distances` of the merged GeoPackage bit for bit against one walking-distance
/// search over the whole region's graph; returns the region city and the layer.
fn same_distances_as_the_region(
    plan: &Path,
    standards: &analysis::Standards,
    how: &str,
) -> (model::City, Vec<String>, HashMap<usize, Vec<Option<f64>>>) {
    let gpkg = plan.join("region-merged.gpkg");
    let (kinds, homes) = home_distances(&gpkg);
    let city = store::read_city_for_analysis(&plan.join("region.gpkg")).unwrap();
    let graph = analysis::build_graph(&city, standards).unwrap();
    let reach = analysis::compute_reach(&city, &graph, standards);
    assert_eq!(homes.len(), city.population.len());
    let mut compared = 0;
    for (u, list) in reach.iter().enumerate() {
        for (k, kind) in kinds.iter().enumerate() {
            let want = list
                .iter()
                .filter(|c| format!("{}_m", city.facilities[c.facility].kind.as_str()) == *kind)
                .map(|c| c.distance_m)
                .min_by(f64::total_cmp);
            let got = homes[&u][k];
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "{how}: home {u} {kind}: merged {got:?}, region {want:?}"
            );
            compared += usize::from(want.is_some());
        }
    }
    // Most of the demo's 5 720 homes reach some counted facility within 1 km.
    assert!(compared > city.population.len(), "{compared}");
    (city, kinds, homes)
}

/// `home_distances` of the merged GeoPackage, exactly as stored: unit → column → distance.
fn home_distances(gpkg: &Path) -> (Vec<String>, HashMap<usize, Vec<Option<f64>>>) {
    let db = rusqlite::Connection::open(gpkg).unwrap();
    let mut stmt = db.prepare("SELECT * FROM home_distances").unwrap();
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let kinds: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with("_m"))
        .cloned()
        .collect();
    let unit = names.iter().position(|n| n == "unit").unwrap();
    let idx: Vec<usize> = kinds
        .iter()
        .map(|k| names.iter().position(|n| n == k).unwrap())
        .collect();
    let rows = stmt
        .query_map([], |r| {
            let u: i64 = r.get(unit)?;
            let v: Vec<Option<f64>> = idx.iter().map(|i| r.get(*i).unwrap()).collect();
            Ok((u as usize, v))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    (kinds, rows)
}

#[test]
fn region_jobs_merged_equal_one_run_over_the_whole_region() {
    let dir = tempfile::tempdir().unwrap();
    let (boundaries, whole) = municipalities(dir.path());
    let plan = make_plan(dir.path(), &boundaries);
    let plan_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan_json["jobs"].as_array().unwrap().len(), 11);
    let site = dir.path().join("site");
    let how = run_jobs(dir.path(), &plan, &site);

    // 1. The indicators equal `analyze` over the whole region: on the plan's own import
    //    (everything, the data block included) and on an ordinary import made apart from it
    //    (everything but the import's own time and path).
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("analysis.json")).unwrap())
            .unwrap();
    let analyze = |gpkg: &Path| -> serde_json::Value {
        let out = spielraum(&[
            "analyze",
            gpkg.to_str().unwrap(),
            "--format",
            "json",
            "--no-write-back",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let same_import = analyze(&plan.join("region.gpkg"));
    assert!(
        merged == same_import,
        "{how}: merged indicators differ from analyze on the region"
    );
    let apart = analyze(&whole);
    assert!(!apart["neighbourhoods"].as_array().unwrap().is_empty());
    for key in [
        "neighbourhoods",
        "gap_areas",
        "unassigned_residents",
        "standard",
    ] {
        assert!(
            merged[key] == apart[key],
            "{how}: {key} differs from the ordinary import"
        );
    }

    // 2. Every home's distances bit for bit: the merged layer against one walking-distance
    //    search over the whole region's graph.
    let standards = analysis::Standards::default_din18034();
    let (city, kinds, homes) = same_distances_as_the_region(&plan, &standards, &how);

    // 3. And against an independent search: `spielraum nearest` (forward, from each home) to
    //    the nearest public playground, on the ordinary import (to its decimetres).
    let origins = dir.path().join("homes.csv");
    let mut csv = String::from("id,lon,lat\n");
    for (u, p) in city.population.iter().enumerate() {
        csv.push_str(&format!("{u},{},{}\n", p.location.x(), p.location.y()));
    }
    std::fs::write(&origins, csv).unwrap();
    let out = spielraum(&[
        "nearest",
        whole.to_str().unwrap(),
        "--kind",
        "playground",
        "--origins",
        origins.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows =
        crate::helpers::rows_of(&String::from_utf8_lossy(&out.stdout), &["id", "distance_m"]);
    let k = kinds.iter().position(|k| k == "playground_m").unwrap();
    let mut within = 0;
    for r in rows {
        let u: usize = r[0].parse().unwrap();
        let forward: Option<f64> = r[1].parse().ok();
        match (homes[&u][k], forward) {
            (Some(m), Some(f)) => {
                // `nearest` writes decimetres.
                assert!(
                    (m - f).abs() <= 0.05 + 1e-9,
                    "home {u}: merged {m}, nearest {f}"
                );
                within += 1;
            }
            (None, f) => assert!(
                f.is_none_or(|f| f >= standards.max_catchment_m() - 0.05),
                "home {u}: {f:?}"
            ),
            (Some(m), None) => panic!("home {u}: merged {m}, nearest finds none"),
        }
    }
    // Most homes of the demo have a playground within 1 km.
    assert!(2 * within > city.population.len(), "{within}");

    // 4. One static site for the whole region.
    assert!(site.join("tiles.pmtiles").is_file());
    eprintln!("{how}");
}

#[test]
fn region_refuses_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (boundaries, _) = municipalities(dir.path());
    let plan = make_plan(dir.path(), &boundaries);
    let p = plan.to_str().unwrap();

    // A job index beyond the plan, from --job or the scheduler's variable.
    fails(
        &spielraum(&["region", "run", p, "--job", "11"]),
        "--job 11",
        "job 11 does not exist: the plan has 11 jobs (0–10)",
    );
    let out = Command::new(spielraum_bin())
        .args(["region", "run", p])
        .env("SLURM_ARRAY_TASK_ID", "12")
        .env_remove("JOB_COMPLETION_INDEX")
        .output()
        .unwrap();
    fails(&out, "SLURM_ARRAY_TASK_ID=12", "job 12 does not exist");
    // --job wins over the variables; Slurm's variable over Kubernetes'.
    let out = Command::new(spielraum_bin())
        .args(["region", "run", p, "--job", "2"])
        .env("SLURM_ARRAY_TASK_ID", "12")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(spielraum_bin())
        .args(["region", "run", p])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env("JOB_COMPLETION_INDEX", "4")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Job 4 "));

    // Merge with results missing: names them, writes nothing.
    let site = dir.path().join("site");
    fails(
        &spielraum(&["region", "merge", p, "--out", site.to_str().unwrap()]),
        "merge",
        "9 of 11 job results missing: jobs 0–1, 3, 5–10",
    );
    assert!(!site.exists() || std::fs::read_dir(&site).unwrap().next().is_none());
    assert!(!plan.join("region-merged.gpkg").exists() && !plan.join("analysis.json").exists());

    // A result of another plan is refused by name.
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("results/0002.json")).unwrap())
            .unwrap();
    r["plan_id"] = "0123".into();
    for n in 0..11 {
        std::fs::write(
            plan.join(format!("results/{n:04}.json")),
            r.to_string()
                .replace("\"index\":2", &format!("\"index\":{n}")),
        )
        .unwrap();
    }
    fails(
        &spielraum(&["region", "merge", p, "--out", site.to_str().unwrap()]),
        "foreign result",
        "is not this plan's",
    );

    // A plan into a folder that is not empty.
    fails(
        &spielraum(&[
            "region",
            "plan",
            demo_pbf().to_str().unwrap(),
            "--boundaries",
            boundaries.to_str().unwrap(),
            "--out",
            p,
        ]),
        "non-empty --out",
        "the plan folder is not empty",
    );

    // Municipalities that do not overlap the region: refused before the import, nothing made.
    let far = dir.path().join("far.geojson");
    std::fs::write(
        &far,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"1","name":"Nowhere"},
        "geometry":{"type":"Polygon","coordinates":[[[20,50],[20.1,50],[20.1,50.1],[20,50.1],[20,50]]]}}]}"#,
    )
    .unwrap();
    let far_plan = dir.path().join("far-plan");
    fails(
        &spielraum(&[
            "region",
            "plan",
            demo_pbf().to_str().unwrap(),
            "--boundaries",
            far.to_str().unwrap(),
            "--out",
            far_plan.to_str().unwrap(),
        ]),
        "far boundaries",
        "no municipality overlaps the region",
    );
    assert!(!far_plan.exists());
}

/// The child-safe profile (Herrenberg preset: main roads and railways crossed only at crossings)
/// merges exactly too. The jobs run one after the other here (`region run --job N`), not on
/// Slurm: the scheduler is the other test's subject.
#[test]
fn region_with_the_child_safe_standard_equals_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let (boundaries, _) = municipalities(dir.path());
    let preset = workspace_root().join("geodata/standards/herrenberg.toml");
    let plan = make_plan_with(
        dir.path(),
        &boundaries,
        &["--standards", preset.to_str().unwrap()],
    );
    let p = plan.to_str().unwrap();
    for n in 0..11 {
        let out = spielraum(&["region", "run", p, "--job", &n.to_string()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let site = dir.path().join("site");
    let out = spielraum(&["region", "merge", p, "--out", site.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(plan.join("analysis.json")).unwrap())
            .unwrap();
    let out = spielraum(&[
        "analyze",
        plan.join("region.gpkg").to_str().unwrap(),
        "--standards",
        preset.to_str().unwrap(),
        "--format",
        "json",
        "--no-write-back",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let single: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merged["standard"], "herrenberg");
    assert!(
        merged == single,
        "merged child-safe indicators differ from analyze"
    );
    let standards = analysis::Standards::from_file(&preset).unwrap();
    same_distances_as_the_region(&plan, &standards, "child-safe, jobs run sequentially");
}

/// The shipped deployment files: the Slurm scripts parse (bash -n) and are executable; the
/// Kubernetes Indexed Job runs `region run` without `--job` (the index comes from
/// JOB_COMPLETION_INDEX) on the plan volume, and the merge Job merges the same plan.
#[test]
fn the_shipped_deployment_files_fit_the_commands() {
    use std::os::unix::fs::PermissionsExt;
    let deploy = workspace_root().join("deploy");
    for script in [
        "slurm/submit.sh",
        "slurm/region.sbatch",
        "slurm/region-merge.sbatch",
    ] {
        let path = deploy.join(script);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
        tool_stdout("bash", &["-n", path.to_str().unwrap()]);
    }
    let sbatch = std::fs::read_to_string(deploy.join("slurm/region.sbatch")).unwrap();
    assert!(
        sbatch.contains("region run \"$plan\"\n"),
        "the index must come from SLURM_ARRAY_TASK_ID"
    );
    let yaml = std::fs::read_to_string(deploy.join("k8s/region-job.yaml")).unwrap();
    let docs: Vec<&str> = yaml.split("\n---\n").skip(1).collect();
    assert_eq!(docs.len(), 4, "PVC, plan, run, merge");
    let run = docs
        .iter()
        .find(|d| d.contains("completionMode: Indexed"))
        .unwrap();
    assert!(run.contains("command: [spielraum, --threads, \"2\", region, run, /data/plan]"));
    assert!(run.contains("completions:") && run.contains("parallelism:"));
    assert!(run.contains("claimName: spielraum-plan"));
    let merge = docs
        .iter()
        .find(|d| d.contains("name: spielraum-merge"))
        .unwrap();
    assert!(merge.contains("region, merge, /data/plan, --out, /data/site"));
    assert!(docs[0].contains("kind: PersistentVolumeClaim") && docs[0].contains("ReadWriteMany"));
}

/// Job results kept in PostgreSQL (`--results postgresql://…`) merge to the same region as
/// those in the plan folder, to the byte; a missing one is named.
#[test]
fn region_job_results_in_postgres_merge_as_those_in_files() {
    let cluster = crate::postgis::cluster::TempCluster::start(&["land"]);
    let url = cluster.url("land", "region");
    let o = spielraum(&["db", "migrate", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tempfile::tempdir().unwrap();
    let (boundaries, _) = municipalities(dir.path());
    let plan = make_plan(dir.path(), &boundaries);
    let p = plan.to_str().unwrap();
    let plan_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plan.join("plan.json")).unwrap()).unwrap();
    let jobs = plan_json["jobs"].as_array().unwrap().len();
    assert!(jobs >= 11, "{jobs}");
    let ok = |args: &[&str]| {
        let o = spielraum(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for n in 0..jobs {
        let n = n.to_string();
        if n != "3" {
            let said = ok(&["region", "run", p, "--job", &n, "--results", &url]);
            assert!(said.contains("spielraum_region_results"), "{said}");
        }
        ok(&["region", "run", p, "--job", &n]);
    }
    // Job 3 is missing from the database: merge names it and writes nothing.
    let db_site = dir.path().join("db-site");
    let db_json = dir.path().join("db.json");
    let o = spielraum(&[
        "region",
        "merge",
        p,
        "--out",
        db_site.to_str().unwrap(),
        "--json",
        db_json.to_str().unwrap(),
        "--results",
        &url,
    ]);
    crate::helpers::fails(&o, "merge without job 3", "jobs 3;");
    assert!(!db_site.exists() && !db_json.exists());
    ok(&["region", "run", p, "--job", "3", "--results", &url]);
    ok(&[
        "region",
        "merge",
        p,
        "--out",
        db_site.to_str().unwrap(),
        "--json",
        db_json.to_str().unwrap(),
        "--results",
        &url,
    ]);
    let file_site = dir.path().join("file-site");
    let file_json = dir.path().join("file.json");
    ok(&[
        "region",
        "merge",
        p,
        "--out",
        file_site.to_str().unwrap(),
        "--json",
        file_json.to_str().unwrap(),
    ]);
    let from_db = std::fs::read(&db_json).unwrap();
    assert!(from_db.len() > 1000);
    assert!(
        from_db == std::fs::read(&file_json).unwrap(),
        "merged JSON differs"
    );
    assert!(
        std::fs::read(db_site.join("tiles.pmtiles")).unwrap()
            == std::fs::read(file_site.join("tiles.pmtiles")).unwrap()
    );
    assert_eq!(
        cluster.psql(
            "land",
            "SELECT count(*) FROM region.spielraum_region_results"
        ),
        jobs.to_string()
    );
}
