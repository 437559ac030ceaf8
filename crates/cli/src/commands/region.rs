//! `spielraum region plan|run|merge`: argument parsing and output only.
//!
//! [`workflow::region`] makes the plan, runs one job and merges the results; `merge` then hands
//! the merged region to the `export` crate for the static site (docs/region.md).

use std::path::PathBuf;

use anyhow::{Result, bail};
use workflow::ImportOptions;
use workflow::region::{DirResults, PlanOptions};

use crate::progress::{self, Terminal};

/// Arguments of `spielraum region`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: RegionCommand,
}

#[derive(clap::Subcommand, Debug)]
enum RegionCommand {
    /// Import the whole region once and cut it into one job per municipality (plan folder).
    Plan(Box<PlanArgs>),
    /// Run one job of a plan (index from --job, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).
    Run(RunArgs),
    /// Check that every job's result is there, compute the region's indicators from them and
    /// write the region's GeoPackage and static site.
    Merge(MergeArgs),
}

/// Arguments of `spielraum region plan`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// The region's OpenStreetMap extract (.osm.pbf).
    pub input: PathBuf,
    /// The municipalities: one job each (a vector file or URL as `import --boundaries`).
    #[arg(long, value_name = "FILE|URL")]
    pub boundaries: PathBuf,
    /// The plan folder to write (created; must be missing or empty).
    #[arg(long, value_name = "PLAN")]
    pub out: PathBuf,
    /// The boundaries' attribute holding each municipality's id (as `import --boundary-id`).
    #[arg(long, value_name = "ATTR")]
    pub boundary_id: Option<String>,
    /// The boundaries' attribute holding each municipality's name (as `import --boundary-name`).
    #[arg(long, value_name = "ATTR")]
    pub boundary_name: Option<String>,
    /// The GeoPackage table holding the boundaries (as `import --boundary-layer`).
    #[arg(long, value_name = "TABLE")]
    pub boundary_layer: Option<String>,
    /// Residents from population files (as `import --population`); may be given more than once.
    #[arg(long, value_name = "FILE")]
    pub population: Vec<PathBuf>,
    /// Known residents per municipality (CSV `name_or_id,population`), as `import`.
    #[arg(long, value_name = "FILE.csv")]
    pub population_totals: Option<PathBuf>,
    /// Social indicators per municipality (as `import --social`). Needs --social-mapping.
    #[arg(long, value_name = "FILE.csv", requires = "social_mapping")]
    pub social: Option<PathBuf>,
    /// How to read --social (as `import --social-mapping`).
    #[arg(long, value_name = "FILE.toml", requires = "social")]
    pub social_mapping: Option<PathBuf>,
    /// Planning standard (TOML, see docs/standards.md); default: the shipped DIN 18034. The
    /// plan keeps it: jobs and merge use the same.
    #[arg(long = "standards", value_name = "FILE.toml")]
    pub standards: Option<PathBuf>,
}

/// Arguments of `spielraum region run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The plan folder (`region plan --out`).
    pub plan: PathBuf,
    /// The job index (0 … jobs − 1); wins over SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "N")]
    pub job: Option<usize>,
    /// Keep the result in this PostgreSQL schema (`postgresql://…`, migrated with
    /// `spielraum db migrate`) instead of PLAN/results/.
    #[arg(long, value_name = "URL")]
    pub results: Option<String>,
}

/// Arguments of `spielraum region merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The plan folder (`region plan --out`).
    pub plan: PathBuf,
    /// The folder to write the region's static site into (must be missing or empty unless
    /// --force).
    #[arg(long, value_name = "SITE")]
    pub out: PathBuf,
    /// Replace a non-empty --out folder (only once the new site is complete).
    #[arg(long)]
    pub force: bool,
    /// The region's GeoPackage with the result layers [default: PLAN/region-merged.gpkg].
    #[arg(long, value_name = "FILE.gpkg")]
    pub gpkg: Option<PathBuf>,
    /// The indicators as `analyze --format json` writes them [default: PLAN/analysis.json].
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
    /// Read the job results from this PostgreSQL schema (as `region run --results`) instead of
    /// PLAN/results/.
    #[arg(long, value_name = "URL")]
    pub results: Option<String>,
    /// Highest zoom of the tiles [default: 16].
    #[arg(long, value_name = "Z", value_parser = clap::value_parser!(u8).range(0..=22))]
    pub max_zoom: Option<u8>,
}

/// Runs `spielraum region …`.
pub fn run(args: Args) -> Result<()> {
    match args.command {
        RegionCommand::Plan(a) => plan(*a),
        RegionCommand::Run(a) => run_job(a),
        RegionCommand::Merge(a) => merge(a),
    }
}

fn plan(a: PlanArgs) -> Result<()> {
    let options = PlanOptions {
        import: ImportOptions {
            input: a.input,
            boundaries: Some(a.boundaries),
            boundary_id: a.boundary_id,
            boundary_name: a.boundary_name,
            boundary_layer: a.boundary_layer,
            population: a.population,
            population_totals: a.population_totals,
            social: a.social,
            social_mapping: a.social_mapping,
            ..ImportOptions::default()
        },
        standards: a.standards,
        out: a.out.clone(),
    };
    let plan = workflow::region::plan(&options, &Terminal::new())?;
    let own: usize = plan.jobs.iter().map(|j| j.units).sum();
    println!(
        "Wrote plan {} ({} jobs, {} homes, {} facilities, buffer {:.0} m); run jobs 0–{} with: spielraum region run {} --job N",
        a.out.display(),
        plan.jobs.len(),
        own,
        plan.facilities,
        plan.buffer_m,
        plan.jobs.len().saturating_sub(1),
        a.out.display()
    );
    Ok(())
}

fn run_job(a: RunArgs) -> Result<()> {
    let index = workflow::region::job_index(a.job, &|v| std::env::var(v).ok())?;
    let results = results_of(&a.plan, a.results.as_deref())?;
    let outcome = workflow::region::run_job(&a.plan, index, results.as_ref(), &Terminal::new())?;
    println!(
        "Job {} ({}): {} homes, {} facilities; wrote {}",
        outcome.index, outcome.name, outcome.units, outcome.facilities, outcome.result
    );
    Ok(())
}

fn merge(a: MergeArgs) -> Result<()> {
    export::check_out(&a.out, a.force)?;
    let web = webapp::WebApp::from_env();
    if web.get(webapp::STATIC_PAGE).is_none() {
        bail!(
            "the static page is missing from {web}: build the web page first: cd web && npm ci && npm run build, then build spielraum again"
        );
    }
    let gpkg = a
        .gpkg
        .clone()
        .unwrap_or_else(|| a.plan.join("region-merged.gpkg"));
    let json = a
        .json
        .clone()
        .unwrap_or_else(|| a.plan.join("analysis.json"));
    let results = results_of(&a.plan, a.results.as_deref())?;
    let merged = workflow::region::merge(&a.plan, results.as_ref(), &gpkg, &Terminal::new())?;
    let document = merged.analysis.document();
    let text = serde_json::to_string_pretty(&merged.analysis.to_json())? + "\n";
    let tmp = json.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, &json))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", json.display()))?;

    let site = export::Site::begin(&a.out, a.force)?;
    let spinner = progress::spinner("reading the region");
    let city = store::read_city(&gpkg)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", gpkg.display()))?;
    spinner.finish_and_clear();
    let options = export::SiteOptions {
        min_zoom: None,
        max_zoom: a.max_zoom,
        name: "region".into(),
    };
    let bar = progress::bar(0, "writing tiles");
    let summary = site.finish(&city, Some(&document), &web, &options, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    println!(
        "Merged {} jobs ({} homes): wrote {}, {} and {} ({} tiles, zooms {}–{})",
        merged.plan.jobs.len(),
        merged.city.population.len(),
        gpkg.display(),
        json.display(),
        a.out.display(),
        summary.tiles,
        summary.min_zoom,
        summary.max_zoom
    );
    Ok(())
}

/// Where the plan's job results are kept: PLAN/results/, or a PostgreSQL schema.
fn results_of(
    plan: &std::path::Path,
    url: Option<&str>,
) -> Result<Box<dyn workflow::region::ResultStore>> {
    Ok(match url {
        Some(url) => Box::new(workflow::database::PgResults::of(url, plan)?),
        None => Box::new(DirResults::of(plan)),
    })
}
