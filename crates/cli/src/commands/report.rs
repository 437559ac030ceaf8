//! `spielraum report`: argument parsing and output only.
//!
//! Analyses the city (without writing result layers) and writes a council report as PDF or HTML.

use std::path::PathBuf;

use anyhow::{Result, bail};
use workflow::Analyzed;

use crate::args::StandardsArg;
use crate::output::write_atomically;
use crate::shared::analyze;

/// Output formats of `spielraum report`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// A4 PDF with a text layer (no browser needed).
    Pdf,
    /// One self-contained HTML file (inline SVG and CSS, printable).
    Html,
}

/// Report languages.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// German.
    De,
    /// English.
    En,
}

/// Arguments of `spielraum report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The city GeoPackage written by `spielraum import`.
    pub city: PathBuf,
    /// One neighbourhood (id or name) gets a page; default: every neighbourhood (--all).
    #[arg(long, value_name = "NAME_OR_ID", conflicts_with = "all")]
    pub neighbourhood: Option<String>,
    /// A page for every neighbourhood, most need first (the default).
    #[arg(long)]
    pub all: bool,
    /// Output format [default: from the --out extension: .html/.htm → html, else pdf].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Language of the report.
    #[arg(long, value_enum, default_value = "de")]
    pub lang: LangArg,
    #[command(flatten)]
    pub standards: StandardsArg,
    /// The report file (written completely or not at all; an existing file is replaced).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub time: crate::args::TimeArg,
}

/// Runs `spielraum report`.
pub fn run(args: Args) -> Result<()> {
    let folder = match args.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        bail!(
            "--out {}: the folder {} does not exist",
            args.out.display(),
            folder.display()
        );
    }
    if args.out.is_dir() {
        bail!("--out {} is a folder; give a file name", args.out.display());
    }
    let format = args.format.unwrap_or_else(|| {
        let ext = args.out.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") {
            FormatArg::Html
        } else {
            FormatArg::Pdf
        }
    });
    let standards = args.standards.resolve()?;
    let when = args.time.resolve()?;
    let Analyzed {
        city,
        graph,
        analysis,
        ..
    } = analyze(&args.city, &standards, false)?;
    // At a time: the figures of the facilities open then (the graph is the city's own).
    let (analysis, time) = match &when {
        None => (analysis, None),
        Some(when) => {
            crate::args::warn_unread_hours(&city.facilities);
            let at = analysis::time::analyze_at(&city, &graph, &standards, &[], Some(when))
                .map_err(|e| anyhow::Error::new(super::Internal(e.to_string())))?;
            let note = analysis::time::time_json(when, &city.facilities);
            let spans: Vec<String> = when.span_texts().iter().map(|s| s.join("–")).collect();
            let time = format!(
                "{} ({}); {} {}",
                when.text,
                spans.join(", "),
                note["closed_facilities"],
                match args.lang {
                    LangArg::De => "Einrichtungen dann geschlossen",
                    LangArg::En => "facilities closed then",
                }
            );
            (at, Some(time))
        }
    };
    let options = report::ReportOptions {
        format: match format {
            FormatArg::Pdf => report::Format::Pdf,
            FormatArg::Html => report::Format::Html,
        },
        lang: match args.lang {
            LangArg::De => report::Lang::De,
            LangArg::En => report::Lang::En,
        },
        scope: match args.neighbourhood {
            Some(key) => report::Scope::One(key),
            None => report::Scope::All,
        },
        generated: report::today_utc(),
        time,
    };
    let bytes =
        report::render(&city, &graph, &standards, &analysis, &options).map_err(|e| match e {
            report::ReportError::Render(_) => anyhow::Error::new(super::Internal(e.to_string())),
            e => anyhow::Error::new(e),
        })?;
    write_atomically(&args.out, |w| Ok(w.write_all(&bytes)?))
}
