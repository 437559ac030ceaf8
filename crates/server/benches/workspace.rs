//! What logging in and an authenticated change cost a request, over a real listener on
//! 127.0.0.1 with keep-alive, the requests of each kind interleaved round by round so that a
//! noisy machine slows them alike. Run: `cargo bench -p spielraum-server --bench workspace`.
//!
//! - The same change (`PATCH /api/scenarios/{id}`, one SQLite transaction with its audit row)
//!   made with the machine token (a constant-time comparison in memory: the baseline), with a
//!   login session and its CSRF token, and with a personal API token (both looked up in the
//!   GeoPackage): the differences of the medians are what the account checks add.
//! - `POST /api/login` against the Argon2id verification alone (measured in-process at the
//!   default cost on the blocking pool right after each login, the differences taken pair by pair) and an anonymous
//!   `GET /api/me`: what a login adds beyond the hash it must compute.

use std::time::{Duration, Instant};

use serde_json::json;
use spielraum_server::{AccountSetup, AppState, EditToken, ScenarioSetup, serve};
use store::ScenarioStore;
use store::accounts::{AccountStore, HashCost, NewUser, Role};

const ROUNDS: usize = 300;
const MACHINE: &str = "machine-token-for-the-bench";
const PASSWORD: &str = "correct horse battery";

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p95(v: &mut [Duration]) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * 0.95).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("city.gpkg");
    store::write_city(&gpkg, &model::City::default()).unwrap();
    let cost = HashCost::default();
    let mut acc = AccountStore::open(&gpkg).unwrap();
    acc.add_user(
        "cli:bench",
        &NewUser {
            login: "eva",
            display_name: "Eva",
            department: "Jugendamt",
            role: Role::Editor,
            password: PASSWORD,
        },
    )
    .unwrap();
    let (_, personal) = acc.create_token("cli:bench", "eva", "bench").unwrap();
    // A second store on the file, for the hash alone in-process, in the same rounds.
    let probe = AccountStore::open(&gpkg).unwrap();
    let mut hash = Vec::new();
    let setup = ScenarioSetup {
        standards: analysis::Standards::default_din18034(),
        store: Some(Box::new(ScenarioStore::open(&gpkg).unwrap())),
        candidates: Vec::new(),
        edit_token: EditToken::new(MACHINE, "bench").unwrap(),
        private: false,
    };
    let state = AppState::new(model::City::default(), None)
        .with_scenarios(setup)
        .with_accounts(AccountSetup::new(Box::new(acc)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(serve(listener, state, std::future::pending()));
        let client = reqwest::Client::new();
        let login = || {
            client
                .post(format!("{base}/api/login"))
                .header("Content-Type", "application/json")
                .body(json!({"login": "eva", "password": PASSWORD}).to_string())
        };
        let r = login().send().await.unwrap();
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        let csrf = v["csrf"].as_str().unwrap().to_string();
        let r = client
            .post(format!("{base}/api/scenarios"))
            .bearer_auth(MACHINE)
            .header("Content-Type", "application/json")
            .body(r#"{"name": "bench"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let patch = |n: usize| {
            client
                .patch(format!("{base}/api/scenarios/bench"))
                .header("Content-Type", "application/json")
                .body(json!({"description": format!("round {n}")}).to_string())
        };
        let timed = |req: reqwest::RequestBuilder| async move {
            let t = Instant::now();
            let r = req.send().await.unwrap();
            let ok = r.status().is_success();
            let _ = r.bytes().await;
            assert!(ok);
            t.elapsed()
        };
        let (mut machine, mut session, mut token, mut me, mut logins) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut beyond: Vec<f64> = Vec::new();
        for n in 0..ROUNDS {
            machine.push(timed(patch(n).bearer_auth(MACHINE)).await);
            session.push(
                timed(
                    patch(n)
                        .header("Cookie", &cookie)
                        .header("X-CSRF-Token", &csrf),
                )
                .await,
            );
            token.push(timed(patch(n).bearer_auth(&personal)).await);
            me.push(timed(client.get(format!("{base}/api/me"))).await);
            if n % 3 == 0 {
                // A login and the hash alone back to back: their difference is paired.
                let l = timed(login()).await;
                // On the blocking pool, as the server hashes (memory comes from the same kind
                // of thread).
                let check = probe.password_check("eva").unwrap();
                let h = tokio::task::spawn_blocking(move || {
                    let t = Instant::now();
                    assert!(check.verify(PASSWORD).is_some());
                    t.elapsed()
                })
                .await
                .unwrap();
                logins.push(l);
                hash.push(h);
                beyond.push(l.as_secs_f64() - h.as_secs_f64());
            }
        }
        let hash_m = median(&mut hash);
        println!(
            "Argon2id cost m = {} KiB, t = {}, p = {}: verification alone, median {:.2} ms",
            cost.memory_kib,
            cost.passes,
            cost.lanes,
            ms(hash_m)
        );
        let base_m = median(&mut machine);
        println!(
            "PATCH with the machine token (baseline): median {:.3} ms, p95 {:.3} ms",
            ms(base_m),
            ms(p95(&mut machine))
        );
        for (what, v) in [
            ("a session + CSRF", &mut session),
            ("a personal token", &mut token),
        ] {
            let m = median(v);
            println!(
                "PATCH with {what}: median {:.3} ms, p95 {:.3} ms, adds {:+.3} ms (target < 2 ms)",
                ms(m),
                ms(p95(v)),
                ms(m) - ms(base_m)
            );
        }
        let me_m = median(&mut me);
        let login_m = median(&mut logins);
        beyond.sort_by(f64::total_cmp);
        let paired = beyond[beyond.len() / 2] * 1e3;
        println!(
            "POST /api/login: median {:.2} ms ({} logins); anonymous GET /api/me {:.3} ms; a login \
             minus the hash measured right after it, median of the pairs, {:.3} ms, so beyond the \
             hash and a plain request it adds {:+.3} ms (target < 2 ms)",
            ms(login_m),
            logins.len(),
            ms(me_m),
            paired,
            paired - ms(me_m)
        );
    });
}
