//! `spielraum user`: the accounts of a workspace kept in the city's GeoPackage (add, list,
//! set-role, disable, enable, set-password, token-create, token-revoke, audit).
//!
//! Every change is written to the audit log with the actor `cli:NAME` (the operating-system
//! user running the command). Passwords are read from a file or `SPIELRAUM_PASSWORD`, never
//! from the command line (where other users could see them), and never printed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use store::accounts::{AccountStore, Accounts, NewUser, Role};

use crate::commands::scenario::Format;
use crate::output::for_a_person;

/// The environment variable a password is read from when no `--password-file` is given.
pub const PASSWORD_ENV: &str = "SPIELRAUM_PASSWORD";

/// Arguments of `spielraum user`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Sub,
}

/// The subcommands of `spielraum user`.
#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Add a user with a role and a department.
    Add {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Login name (letters, digits, '.', '-', '_', '@'; stored lower case).
        login: String,
        /// The name shown next to what the user does.
        #[arg(long)]
        name: String,
        /// Department, e.g. "Jugendamt" or "Grünflächenamt".
        #[arg(long, default_value = "")]
        department: String,
        /// viewer, editor or admin.
        #[arg(long)]
        role: String,
        /// A file holding the password (first line); default: $SPIELRAUM_PASSWORD.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// List the users (never their passwords).
    List {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Output format (default: table on a terminal, else JSON).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Give a user another role.
    SetRole {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The user's login.
        login: String,
        /// viewer, editor or admin.
        role: String,
    },
    /// Disable a user: no login, and every token of theirs is revoked at once.
    Disable {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The user's login.
        login: String,
    },
    /// Enable a disabled user again (revoked tokens stay revoked).
    Enable {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The user's login.
        login: String,
    },
    /// Set a new password (an administrator's reset).
    SetPassword {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The user's login.
        login: String,
        /// A file holding the password (first line); default: $SPIELRAUM_PASSWORD.
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// Make a personal API token for scripts: printed once, stored only as a hash.
    TokenCreate {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The user's login.
        login: String,
        /// What the token is for.
        #[arg(long)]
        name: String,
    },
    /// Revoke a personal API token (its id, as `token-list` shows).
    TokenRevoke {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// The token's id.
        id: i64,
    },
    /// List the personal API tokens (never the tokens themselves).
    TokenList {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Output format (default: table on a terminal, else JSON).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Print the audit log: every change, who made it and when.
    Audit {
        /// The city GeoPackage.
        #[arg(value_name = "CITY.gpkg")]
        city: PathBuf,
        /// Output format (default: table on a terminal, else JSON; `csv` for a spreadsheet).
        #[arg(long)]
        format: Option<String>,
    },
}

/// Runs `spielraum user`.
pub fn run(args: Args) -> Result<()> {
    let actor = cli_actor();
    match args.command {
        Sub::Add {
            city,
            login,
            name,
            department,
            role,
            password_file,
        } => {
            let role: Role = role.parse()?;
            let password = read_password(password_file.as_deref())?;
            let user = open(&city)?.add_user(
                &actor,
                &NewUser {
                    login: &login,
                    display_name: &name,
                    department: &department,
                    role,
                    password: &password,
                },
            )?;
            println!(
                "added {} ({}, {})",
                user.login,
                user.role.as_str(),
                user.display_name
            );
        }
        Sub::List { city, format } => {
            let users = open(&city)?.users()?;
            if table(format) {
                println!(
                    "{:<20} {:<8} {:<9} {:<24} department",
                    "login", "role", "state", "name"
                );
                for u in &users {
                    let state = if u.disabled { "disabled" } else { "active" };
                    println!(
                        "{:<20} {:<8} {:<9} {:<24} {}",
                        u.login,
                        u.role.as_str(),
                        state,
                        u.display_name,
                        u.department
                    );
                }
            } else {
                println!("{}", serde_json::json!({ "users": users }));
            }
        }
        Sub::SetRole { city, login, role } => {
            let role: Role = role.parse()?;
            let user = open(&city)?.set_role(&actor, &login, role)?;
            println!("{} is now {}", user.login, user.role.as_str());
        }
        Sub::Disable { city, login } => {
            let user = open(&city)?.set_disabled(&actor, &login, true)?;
            println!("{} is disabled; their tokens are revoked", user.login);
        }
        Sub::Enable { city, login } => {
            let user = open(&city)?.set_disabled(&actor, &login, false)?;
            println!("{} is enabled", user.login);
        }
        Sub::SetPassword {
            city,
            login,
            password_file,
        } => {
            let password = read_password(password_file.as_deref())?;
            let user = open(&city)?.set_password(&actor, &login, &password)?;
            println!("new password set for {}", user.login);
        }
        Sub::TokenCreate { city, login, name } => {
            let (info, token) = open(&city)?.create_token(&actor, &login, &name)?;
            eprintln!(
                "token {} for {} ('{}'): shown only now, keep it secret",
                info.id, info.login, info.name
            );
            println!("{token}");
        }
        Sub::TokenRevoke { city, id } => {
            let info = open(&city)?.revoke_token(&actor, id)?;
            println!("token {} of {} is revoked", info.id, info.login);
        }
        Sub::TokenList { city, format } => {
            let tokens = open(&city)?.tokens()?;
            if table(format) {
                println!(
                    "{:<5} {:<20} {:<8} {:<25} name",
                    "id", "login", "state", "created"
                );
                for t in &tokens {
                    let state = if t.revoked { "revoked" } else { "active" };
                    println!(
                        "{:<5} {:<20} {:<8} {:<25} {}",
                        t.id, t.login, state, t.created, t.name
                    );
                }
            } else {
                println!("{}", serde_json::json!({ "tokens": tokens }));
            }
        }
        Sub::Audit { city, format } => {
            let log = open(&city)?.audit_log()?;
            let format = match format.as_deref() {
                None if for_a_person(None) => "table",
                None => "json",
                Some(f @ ("table" | "json" | "csv")) => f,
                Some(other) => bail!("--format must be table, json or csv, not '{other}'"),
            };
            match format {
                "table" => {
                    for e in &log {
                        println!(
                            "{:>5} {} {:<16} {:<18} {:<20} {}",
                            e.id, e.at, e.actor, e.action, e.target, e.detail
                        );
                    }
                }
                "json" => println!("{}", serde_json::json!({ "audit": log })),
                _ => {
                    store::accounts::write_audit_csv(&log, std::io::stdout().lock())?;
                }
            }
        }
    }
    Ok(())
}

/// The accounts of `city`, hashing new passwords at `$SPIELRAUM_ARGON2_COST` (else the default).
fn open(city: &Path) -> Result<Box<dyn Accounts>> {
    let cost = store::accounts::HashCost::from_env()?;
    Ok(match crate::shared::database_url(city) {
        Some(url) => Box::new(pgstore_accounts(url, cost)?),
        None => Box::new(AccountStore::open(city)?.with_cost(cost)?),
    })
}

/// The accounts of a city held in PostgreSQL.
fn pgstore_accounts(
    url: &str,
    cost: store::accounts::HashCost,
) -> Result<workflow::database::PgAccounts> {
    let db = workflow::database::open(url)?;
    Ok(workflow::database::accounts(&db, cost)?)
}

fn table(format: Option<Format>) -> bool {
    match format {
        Some(f) => f == Format::Table,
        None => for_a_person(None),
    }
}

/// `cli:NAME`: the operating-system user running the command.
pub fn cli_actor() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{name}")
}

/// The password from the first line of `file`, else from [`PASSWORD_ENV`].
fn read_password(file: Option<&Path>) -> Result<String> {
    let text = match file {
        Some(f) => std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the password file {}", f.display()))?,
        None => match std::env::var(PASSWORD_ENV) {
            Ok(p) => p,
            Err(_) => {
                bail!("give the password in a file with --password-file FILE or in ${PASSWORD_ENV}")
            }
        },
    };
    Ok(text.lines().next().unwrap_or("").to_string())
}
