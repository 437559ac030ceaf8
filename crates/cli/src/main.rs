//! The `spielraum` command: parses arguments, calls the libraries, prints results.
//!
//! Exit status: 0 on success, 1 on a user error, 2 on an internal error.

mod args;
mod commands;
mod output;
mod progress;
mod shared;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc (v2) instead of the system allocator: the analysis, the import and the scenario
/// engine allocate many small vectors from several threads; faster and a lower peak at city
/// size (docs/decisions/0002-allocator.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where can a city's children reach a place to play?
///
/// Spielraum imports OpenStreetMap data into one GeoPackage, computes walking
/// distances to playgrounds, schools, kindergartens and open spaces, checks
/// coverage per neighbourhood against planning standards and serves a map.
#[derive(Parser, Debug)]
#[command(name = "spielraum", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads for the parallel work (walking distances, import, tiles); default: one per
    /// CPU core.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import an OpenStreetMap extract (and optional boundaries / population) into a GeoPackage.
    Import(Box<commands::import::Args>),
    /// Walking distance from every origin to the nearest facility of a kind.
    Nearest(commands::nearest::Args),
    /// Walking isochrone around a point and the facilities inside it (GeoJSON on stdout).
    Reach(commands::reach::Args),
    /// Coverage per neighbourhood against a planning standard.
    Analyze(commands::analyze::Args),
    /// Serve the web map, the JSON API and the vector tiles.
    Serve(commands::serve::Args),
    /// Import the bundled demo city if needed and serve it.
    Demo(commands::demo::Args),
    /// Write a council report (maps, indicators, charts, ranking, methods) as PDF or HTML.
    Report(commands::report::Args),
    /// Write a static website (PMTiles map, style, embed page, indicators) for any web host.
    Export(commands::export::Args),
    /// Suggest sites for new facilities that serve the most children unserved today.
    Suggest(commands::suggest::Args),
    /// Planning scenarios: add, remove, open or enlarge facilities and compare before/after.
    Scenario(commands::scenario::Args),
    /// Region-wide runs on a batch scheduler: plan one job per municipality, run a job, merge.
    Region(commands::region::Args),
    /// Accounts of the workspace: users, roles, API tokens and the audit log.
    User(commands::user::Args),
    /// The PostgreSQL/PostGIS schema of a city: migrate it, check its version.
    Db(commands::db::Args),
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        // One line, as every error: the panic message and where it happened.
        eprintln!(
            "spielraum: internal error: {}",
            info.to_string().replace('\n', " ")
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    if let Some(n) = cli.threads
        && let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
    {
        eprintln!("spielraum: --threads {n}: {e}");
        return ExitCode::FAILURE;
    }
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Import(args) => commands::import::run(*args),
        Command::Nearest(args) => commands::nearest::run(args),
        Command::Reach(args) => commands::reach::run(args),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Report(args) => commands::report::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Suggest(args) => commands::suggest::run(args),
        Command::Scenario(args) => commands::scenario::run(args),
        Command::User(args) => commands::user::run(args),
        Command::Db(args) => commands::db::run(args),
        Command::Region(args) => commands::region::run(args),
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            if is_broken_pipe(&err) {
                // A reader that stopped early (`| head`) is not an error.
                return ExitCode::SUCCESS;
            }
            let internal = err.chain().any(|c| c.is::<commands::Internal>());
            eprintln!("spielraum: error: {}", one_line(&err));
            ExitCode::from(if internal { 2 } else { 1 })
        }
        Err(_) => ExitCode::from(2),
    }
}

/// `--help` and `--version` print and succeed; a bad flag or value is a user error: one line, exit 1.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Help goes to stdout as usual.
            let _ = err.print();
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => {
            let rendered = err.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("spielraum: error: {first} (see 'spielraum --help')");
            ExitCode::from(1)
        }
    }
}

/// The chain of causes as one line; a cause already quoted by the message before it is not repeated.
fn one_line(err: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in err.chain() {
        let text = cause.to_string().replace('\n', " ");
        if msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg
}

/// Whether the error is a closed stdout.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(|e| e.kind()) == pipe
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == pipe
            || matches!(
                c.downcast_ref::<csv::Error>().map(|e| e.kind()),
                Some(csv::ErrorKind::Io(e)) if Some(e.kind()) == pipe
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_quoted_by_their_message_are_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(io)
            .context("x.gpkg: no such file")
            .context("cannot read x.gpkg");
        assert_eq!(one_line(&err), "cannot read x.gpkg: x.gpkg: no such file");
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let io = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe");
        assert!(is_broken_pipe(&anyhow::Error::new(io).context("writing")));
        let in_csv = csv::Error::from(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe"));
        assert!(is_broken_pipe(&anyhow::Error::new(in_csv)));
        let other = std::io::Error::other("disk full");
        assert!(!is_broken_pipe(&anyhow::Error::new(other)));
    }
}
