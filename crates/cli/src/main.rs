//! The `spielraum` command: parses arguments, calls the libraries, prints results.
//!
//! Exit status: 0 on success, 1 on a user error, 2 on an internal error.

mod commands;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import an OpenStreetMap extract (and optional boundaries / population) into a GeoPackage.
    Import(commands::import::Args),
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
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("spielraum: internal error: {info}");
    }));
    let cli = Cli::parse();
    let result = std::panic::catch_unwind(|| match cli.command {
        Command::Import(args) => commands::import::run(args),
        Command::Nearest(args) => commands::nearest::run(args),
        Command::Reach(args) => commands::reach::run(args),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
    });
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(err)) => {
            let internal = err.chain().any(|c| c.is::<commands::Internal>());
            let code = if internal { 2 } else { 1 };
            // One line: the chain of causes joined, no backtrace.
            let msg = err
                .chain()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("spielraum: error: {}", msg.replace('\n', " "));
            ExitCode::from(code)
        }
        Err(_) => ExitCode::from(2),
    }
}
