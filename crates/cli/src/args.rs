//! Arguments shared by several commands: the planning standard, the walking profile, how far to
//! walk and the time asked about. Each is declared once here and flattened into the commands
//! that take it.

use std::path::PathBuf;

use analysis::Standards;
use anyhow::{Result, bail};
use map::DEFAULT_REACH_MINUTES;
use network::{DEFAULT_WALKING_SPEED_KMH, Profile};

/// `--at` / `--window` / `--date`: the moment or recurring window an answer is about
/// (docs/methods.md, "Time"); none of them is "always", today's answer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TimeArg {
    /// Ask about one moment: "Sa 15:00" (the first Saturday on or after --date), "2027-07-10
    /// 15:00" or "now" (this computer's local time). Facilities closed then do not count
    #[arg(long, value_name = "TIME", conflicts_with = "window")]
    pub at: Option<String>,
    /// Ask about a recurring window, e.g. "Mo-Fr 14:00-18:00" or "Sa,Su 10:00-18:00": a
    /// facility counts when it is open for the whole window on each of its days
    #[arg(long, value_name = "DAYS HH:MM-HH:MM")]
    pub window: Option<String>,
    /// The day the weekdays of --at and --window count from (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

impl TimeArg {
    /// The time asked about, or `None` for "always".
    pub fn resolve(&self) -> Result<Option<model::time::TimeQuery>> {
        if self.date.is_some() && self.at.is_none() && self.window.is_none() {
            bail!("--date needs --at or --window");
        }
        model::time::TimeQuery::from_params(
            self.at.as_deref(),
            self.window.as_deref(),
            self.date.as_deref(),
        )
        .map_err(|e| anyhow::anyhow!("--{e}"))
    }
}

/// Prints a warning for each facility whose opening hours cannot be read (at most 20, then a
/// count): they count as always open.
pub fn warn_unread_hours(facilities: &[model::Facility]) {
    let unread = analysis::time::unread_hours(facilities);
    for u in unread.iter().take(20) {
        eprintln!("spielraum: warning: {u}");
    }
    if unread.len() > 20 {
        eprintln!(
            "spielraum: warning: {} more facilities with opening hours that cannot be read",
            unread.len() - 20
        );
    }
}

/// `--standards FILE.toml`: the planning standard coverage is measured against.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct StandardsArg {
    /// Planning standard (TOML, see docs/standards.md); default: the shipped DIN 18034.
    #[arg(long = "standards", value_name = "FILE.toml")]
    pub standards: Option<PathBuf>,
}

impl StandardsArg {
    /// The standard read from the file, or the shipped DIN 18034 without one.
    pub fn resolve(&self) -> Result<Standards> {
        Ok(match &self.standards {
            Some(path) => Standards::from_file(path)?,
            None => Standards::default_din18034(),
        })
    }
}

/// Walking profile chosen on the command line.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkProfile {
    /// Every walkable way (docs/domain.md).
    Default,
    /// Main roads and railways crossed only at mapped crossings, bridges and tunnels.
    ChildSafe,
}

impl From<WalkProfile> for Profile {
    fn from(p: WalkProfile) -> Profile {
        match p {
            WalkProfile::Default => Profile::Default,
            WalkProfile::ChildSafe => Profile::ChildSafe,
        }
    }
}

/// `--profile default|child-safe`: which ways a walk may use.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ProfileArg {
    /// Walking profile.
    #[arg(long = "profile", value_enum, default_value = "default")]
    pub profile: WalkProfile,
}

impl ProfileArg {
    /// The network's profile.
    pub fn profile(self) -> Profile {
        self.profile.into()
    }
}

/// `--minutes`/`--metres` and `--speed-kmh`: how far to walk.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ReachArg {
    /// Walking time in minutes [default: 15, `map::DEFAULT_REACH_MINUTES`].
    #[arg(long, conflicts_with = "metres")]
    pub minutes: Option<f64>,
    /// Walking distance in metres (instead of --minutes).
    #[arg(long)]
    pub metres: Option<f64>,
    /// Walking speed in km/h (children walk slower than the adult default).
    #[arg(long, default_value_t = DEFAULT_WALKING_SPEED_KMH)]
    pub speed_kmh: f64,
}

impl ReachArg {
    /// The walking distance in metres: `--metres`, else `--minutes` (default 15) at `--speed-kmh`.
    /// Fails on a speed that is not positive or a distance that is not a non-negative number.
    pub fn metres(&self) -> Result<f64> {
        if !(self.speed_kmh.is_finite() && self.speed_kmh > 0.0) {
            bail!("--speed-kmh {} must be a positive number", self.speed_kmh);
        }
        let metres = match self.metres {
            Some(d) => d,
            None => network::minutes_to_metres(
                self.minutes.unwrap_or(DEFAULT_REACH_MINUTES),
                self.speed_kmh,
            ),
        };
        if !(metres.is_finite() && metres >= 0.0) {
            bail!("--minutes/--metres must be a non-negative number");
        }
        Ok(metres)
    }

    /// The walk: [`ReachArg::metres`] at `--speed-kmh`, converted once.
    pub fn walk(&self) -> Result<map::Walk> {
        Ok(map::Walk {
            metres: self.metres()?,
            speed_kmh: self.speed_kmh,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        standards: StandardsArg,
        #[command(flatten)]
        profile: ProfileArg,
        #[command(flatten)]
        reach: ReachArg,
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
    }

    #[test]
    fn minutes_become_metres_at_the_walking_speed() {
        // 10 min at 3 km/h = 500 m; 15 min (the default) at 4 km/h = 1000 m.
        let cli = parse(&["--minutes", "10", "--speed-kmh", "3"]).unwrap();
        assert!((cli.reach.metres().unwrap() - 500.0).abs() < 1e-9);
        let cli = parse(&["--speed-kmh", "4"]).unwrap();
        assert!((cli.reach.metres().unwrap() - 1000.0).abs() < 1e-9);
        let cli = parse(&["--metres", "250"]).unwrap();
        assert_eq!(cli.reach.metres().unwrap(), 250.0);
    }

    #[test]
    fn bad_reach_is_refused() {
        assert!(parse(&["--minutes", "5", "--metres", "5"]).is_err());
        let cli = parse(&["--speed-kmh", "0"]).unwrap();
        assert!(
            cli.reach
                .metres()
                .unwrap_err()
                .to_string()
                .contains("--speed-kmh 0")
        );
        let cli = parse(&["--metres=-1"]).unwrap();
        assert!(cli.reach.metres().is_err());
    }

    #[test]
    fn profile_and_standards_defaults() {
        let cli = parse(&[]).unwrap();
        assert_eq!(cli.profile.profile(), Profile::Default);
        assert_eq!(
            cli.standards.resolve().unwrap().name,
            Standards::default_din18034().name
        );
        let cli = parse(&["--profile", "child-safe"]).unwrap();
        assert_eq!(cli.profile.profile(), Profile::ChildSafe);
        let cli = parse(&["--standards", "/nonexistent/s.toml"]).unwrap();
        assert!(cli.standards.resolve().is_err());
    }
}
