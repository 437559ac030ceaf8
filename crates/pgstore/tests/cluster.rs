//! A throw-away PostgreSQL cluster for tests: Debian's `postgresql` and `postgis` packages,
//! `initdb` into a temporary folder, a server on a free local port (and a socket in that
//! folder), stopped and removed when dropped. As root (CI), the cluster runs as the
//! `postgres` user, since PostgreSQL refuses to run as root.
//!
//! Shared by the tests of several crates (`#[path]`), so that every test starts its own.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster; [`TempCluster::url`] gives connection strings.
pub struct TempCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// The port the server listens on (127.0.0.1).
    pub port: u16,
    as_postgres: bool,
}

/// The newest PostgreSQL `bin` folder Debian installed.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (Debian package postgresql; .ci/run installs it)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("a PostgreSQL with initdb under /usr/lib/postgresql")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TempCluster {
    /// Creates and starts a cluster with the databases `names` (owned by user `spielraum`).
    pub fn start(names: &[&str]) -> TempCluster {
        TempCluster::start_with(names, false)
    }

    /// [`TempCluster::start`] with TLS: a certificate for `localhost` signed by an authority of
    /// its own ([`TempCluster::certificate`]), and TCP connections without TLS refused.
    pub fn start_tls(names: &[&str]) -> TempCluster {
        TempCluster::start_with(names, true)
    }

    /// The certificate authority (PEM) that signed the server's certificate, for a cluster
    /// started with TLS.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    fn start_with(names: &[&str], tls: bool) -> TempCluster {
        let dir = tempfile::Builder::new()
            .prefix("spielraum-pg")
            .tempdir()
            .unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown of the cluster folder");
        }
        let c = TempCluster {
            bin: bin_dir(),
            port: free_port(),
            dir,
            as_postgres,
        };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data().to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "spielraum",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        );
        let mut opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=on -c full_page_writes=off",
            c.port,
            c.dir.path().display()
        );
        if tls {
            // A certificate authority of its own and the server's certificate signed by it
            // for `localhost`, as a city's IT department would issue them.
            let d = c.dir.path();
            let (crt, key) = (d.join("server.crt"), d.join("server.key"));
            let openssl = |args: &[&str]| {
                let out = Command::new("openssl")
                    .args(args)
                    .current_dir(d)
                    .output()
                    .expect("openssl (Debian package openssl; .ci/run installs it)");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
            ]);
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
            ]);
            std::fs::write(
                d.join("ext.cnf"),
                "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
            )
            .unwrap();
            openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
                "-out",
                "server.crt",
            ]);
            if c.as_postgres {
                Command::new("chown")
                    .args(["postgres:postgres"])
                    .arg(&key)
                    .arg(&crt)
                    .status()
                    .unwrap();
            }
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            // TCP only with TLS; the socket (psql of the tests) without.
            let hba = c.data().join("pg_hba.conf");
            std::fs::write(
                &hba,
                "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n",
            )
            .unwrap();
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                crt.display(),
                key.display()
            ));
        }
        c.run(
            "pg_ctl",
            &[
                "-D",
                &c.data().to_string_lossy(),
                "-o",
                &opts,
                "-l",
                &c.dir.path().join("server.log").to_string_lossy(),
                "-w",
                "start",
            ],
        );
        for name in names {
            c.psql("postgres", &format!("CREATE DATABASE {name}"));
        }
        c
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The folder of the cluster (its log is `server.log` there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
    }

    /// psql running `sql` in database `db` over the cluster's socket, unaligned and quiet.
    fn run_psql(&self, db: &str, sql: &str) -> std::process::Output {
        let port = self.port.to_string();
        self.command("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.dir.path())
            .args(["-p", &port, "-U", "spielraum", "-d", db, "-c", sql])
            .output()
            .unwrap()
    }

    /// Runs `sql` in database `db` with psql (stops the test on an error).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.run_psql(db, sql);
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs `sql` in database `db`, which must fail; returns what psql said.
    pub fn psql_fails(&self, db: &str, sql: &str) -> String {
        let out = self.run_psql(db, sql);
        assert!(!out.status.success(), "psql {sql} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The connection string of database `db`, schema `schema`.
    pub fn url(&self, db: &str, schema: &str) -> String {
        format!(
            "postgresql://spielraum@127.0.0.1:{}/{db}?schema={schema}",
            self.port
        )
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                &self.data().to_string_lossy(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}
