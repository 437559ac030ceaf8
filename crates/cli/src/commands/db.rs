//! `spielraum db`: the PostgreSQL/PostGIS schema of a city: `migrate` brings it to this
//! program's version (never done silently by another command), `status` says where it stands.

use anyhow::Result;

/// Arguments of `spielraum db`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Create or upgrade the schema (and install PostGIS into the database if it lacks it).
    Migrate {
        /// The connection string: `postgresql://USER@HOST:PORT/DATABASE?schema=NAME`
        /// (password from the string, $PGPASSWORD or ~/.pgpass; schema default `spielraum`).
        url: String,
        /// Stop at this schema version instead of the newest.
        #[arg(long, value_name = "N")]
        to: Option<i32>,
    },
    /// Print the schema's version and whether this program can use it (exit 1 if not).
    Status {
        /// The connection string, as for `migrate`.
        url: String,
    },
}

/// Runs `spielraum db`.
pub fn run(args: Args) -> Result<()> {
    use workflow::database;
    match args.command {
        Command::Migrate { url, to } => {
            let m = database::migrate(&url, to)?;
            let shown = database::shown(&url);
            if m.created_postgis {
                println!("installed PostGIS into the database");
            }
            for (version, what) in &m.applied {
                println!("applied migration {version}: {what}");
            }
            match m.from {
                Some(from) if m.applied.is_empty() => {
                    println!("{shown}: schema already at version {from}")
                }
                Some(from) => println!("{shown}: schema version {from} → {}", m.to),
                None => println!("{shown}: schema created at version {}", m.to),
            }
        }
        Command::Status { url } => {
            let db = database::open(&url)?;
            println!(
                "{}: schema '{}' at version {}, as this spielraum needs",
                db.shown(),
                db.schema(),
                workflow::database::CURRENT_VERSION
            );
        }
    }
    Ok(())
}
