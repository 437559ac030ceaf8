//! Planning standards: the TOML format, its validation and the resolved rules.
//!
//! Owns thresholds, facility kinds per age band, area weights and need weights; nothing is hard-coded.

use std::collections::BTreeMap;
use std::path::Path;

use model::{AgeBand, Facility, FacilityKind};
use serde::Deserialize;
use toml::Spanned;

/// The shipped default standard (DIN 18034), the same text as `geodata/standards/din18034.toml`.
pub const DIN18034_TOML: &str = include_str!("../../../geodata/standards/din18034.toml");

/// An error in a standards file: names the file, the line (where known) and the key.
#[derive(Debug, thiserror::Error)]
pub enum StandardsError {
    /// The file could not be read.
    #[error("cannot read standards file {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid standard (syntax, unknown key, bad value).
    #[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        /// The file (or source name).
        file: String,
        /// 1-based line, where known.
        line: Option<usize>,
        /// What is wrong, naming the key.
        message: String,
    },
}

/// Which walking network rules the standard asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkProfile {
    /// Every walkable way.
    Default,
    /// Main roads and railways are barriers except at mapped crossings, bridges, tunnels.
    ChildSafe,
}

/// One way of being served: a facility at most `threshold_m` away with at least `min_area_m2`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistanceRule {
    /// Largest walking distance in metres.
    pub threshold_m: f64,
    /// Smallest effective (weighted) facility area in m²; 0 = any.
    pub min_area_m2: f64,
}

/// What serves one age band.
#[derive(Debug, Clone, PartialEq)]
pub struct BandRule {
    /// Facility kinds that serve the band.
    pub kinds: Vec<FacilityKind>,
    /// Walking speed in km/h (to show thresholds in minutes).
    pub speed_kmh: f64,
    /// Served when any rule holds for some facility; the first is the band's main threshold.
    pub rules: Vec<DistanceRule>,
}

impl BandRule {
    /// The main threshold (first rule) in metres.
    pub fn threshold_m(&self) -> f64 {
        self.rules.first().map_or(0.0, |r| r.threshold_m)
    }

    /// The catchment: the largest distance at which any rule can serve, in metres.
    pub fn catchment_m(&self) -> f64 {
        self.rules.iter().map(|r| r.threshold_m).fold(0.0, f64::max)
    }

    /// The main threshold in walking minutes at the band's speed.
    pub fn threshold_minutes(&self) -> f64 {
        self.threshold_m() / (self.speed_kmh * 1000.0 / 60.0)
    }

    /// Whether a facility of `kind` with effective area `area_m2` at `distance_m` serves the band.
    pub fn serves(&self, kind: FacilityKind, area_m2: f64, distance_m: f64) -> bool {
        self.kinds.contains(&kind)
            && self
                .rules
                .iter()
                .any(|r| distance_m <= r.threshold_m && area_m2 >= r.min_area_m2)
    }
}

/// Which facilities count as net play area inside a neighbourhood.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayAreaRule {
    /// Kinds whose (weighted) area counts.
    pub kinds: Vec<FacilityKind>,
    /// Target m² per resident, if the standard sets one (used by the need score).
    pub target_m2_per_resident: Option<f64>,
}

/// Weights of the need score's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedWeights {
    /// Weight of each band's gap share, indexed by [`AgeBand::index`].
    pub bands: [f64; 3],
    /// Weight of the play-area deficit.
    pub play_area: f64,
    /// Weight of each social indicator (`[need.social]`, by key in ascending order); empty:
    /// the score has no social terms.
    pub social: Vec<(String, f64)>,
}

/// A resolved, validated planning standard.
#[derive(Debug, Clone, PartialEq)]
pub struct Standards {
    /// Short name (`din18034`), shown as `standard` in the JSON.
    pub name: String,
    /// One-line title.
    pub title: String,
    /// Where the values come from.
    pub source: String,
    /// Walking network profile.
    pub profile: WalkProfile,
    /// Area assumed for facilities mapped as points, in m².
    pub point_area_m2: f64,
    /// Area weight per kind (restricted sites below 1); kinds not listed weigh 1.
    pub area_weights: BTreeMap<FacilityKind, f64>,
    /// Net play area rule.
    pub play_area: PlayAreaRule,
    /// Need score weights.
    pub need: NeedWeights,
    /// Rules per band, indexed by [`AgeBand::index`].
    pub bands: [BandRule; 3],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStandards {
    name: String,
    title: Option<String>,
    source: Option<String>,
    profile: Option<WalkProfile>,
    point_area_m2: Option<Spanned<f64>>,
    #[serde(default)]
    area_weights: BTreeMap<FacilityKind, Spanned<f64>>,
    play_area: RawPlayArea,
    need: Option<RawNeed>,
    bands: RawBands,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlayArea {
    kinds: Vec<FacilityKind>,
    target_m2_per_resident: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNeed {
    age_0_5: Spanned<f64>,
    age_6_11: Spanned<f64>,
    age_12_17: Spanned<f64>,
    play_area: Spanned<f64>,
    #[serde(default)]
    social: BTreeMap<String, Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    age_0_5: RawBand,
    age_6_11: RawBand,
    age_12_17: RawBand,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    threshold_m: Spanned<f64>,
    speed_kmh: Spanned<f64>,
    kinds: Spanned<Vec<FacilityKind>>,
    min_area_m2: Option<Spanned<f64>>,
    #[serde(default)]
    also: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    threshold_m: Spanned<f64>,
    min_area_m2: Option<Spanned<f64>>,
}

impl Standards {
    /// Parses and validates a standard from TOML text; `source_name` names it in errors.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Standards, StandardsError> {
        let raw: RawStandards = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            StandardsError::Invalid {
                file: source_name.to_string(),
                line: e.span().map(|s| line_of(text, s.start)),
                message: match e.span().and_then(|s| key_at(text, s.start)) {
                    Some(key) => format!("{key}: {message}"),
                    None => message,
                },
            }
        })?;
        let check = Checker { text, source_name };
        let bands_raw = [
            ("age_0_5", &raw.bands.age_0_5),
            ("age_6_11", &raw.bands.age_6_11),
            ("age_12_17", &raw.bands.age_12_17),
        ];
        let named = named_kinds(&raw);
        let mut bands = Vec::with_capacity(3);
        for (name, b) in bands_raw {
            let key = |k: &str| format!("bands.{name}.{k}");
            let mut rules = vec![DistanceRule {
                threshold_m: check.positive(&b.threshold_m, &key("threshold_m"))?,
                min_area_m2: check.optional_non_negative(&b.min_area_m2, &key("min_area_m2"))?,
            }];
            for r in &b.also {
                rules.push(DistanceRule {
                    threshold_m: check.positive(&r.threshold_m, &key("also.threshold_m"))?,
                    min_area_m2: check
                        .optional_non_negative(&r.min_area_m2, &key("also.min_area_m2"))?,
                });
            }
            if b.kinds.get_ref().is_empty() {
                return Err(check.error(
                    b.kinds.span(),
                    &key("kinds"),
                    "must name at least one kind",
                ));
            }
            bands.push(BandRule {
                kinds: expand_open_space(b.kinds.get_ref(), &named),
                speed_kmh: check.positive(&b.speed_kmh, &key("speed_kmh"))?,
                rules,
            });
        }
        let mut area_weights = BTreeMap::new();
        for (kind, w) in &raw.area_weights {
            let v = check.non_negative(w, &format!("area_weights.{kind}"))?;
            area_weights.insert(*kind, v);
        }
        // open_space's weight applies to the kinds it covers, unless they have their own.
        if let Some(&w) = area_weights.get(&FacilityKind::OpenSpace) {
            for kind in FacilityKind::PART_OF_OPEN_SPACE {
                area_weights.entry(kind).or_insert(w);
            }
        }
        let need = match &raw.need {
            Some(n) => NeedWeights {
                bands: [
                    check.non_negative(&n.age_0_5, "need.age_0_5")?,
                    check.non_negative(&n.age_6_11, "need.age_6_11")?,
                    check.non_negative(&n.age_12_17, "need.age_12_17")?,
                ],
                play_area: check.non_negative(&n.play_area, "need.play_area")?,
                social: n
                    .social
                    .iter()
                    .map(|(k, w)| {
                        Ok((
                            k.clone(),
                            check.non_negative(w, &format!("need.social.{k}"))?,
                        ))
                    })
                    .collect::<Result<_, StandardsError>>()?,
            },
            None => NeedWeights {
                bands: [1.0; 3],
                play_area: 1.0,
                social: Vec::new(),
            },
        };
        let target = match &raw.play_area.target_m2_per_resident {
            Some(t) => Some(check.positive(t, "play_area.target_m2_per_resident")?),
            None => None,
        };
        let [b0, b1, b2]: [BandRule; 3] =
            bands.try_into().map_err(|_| StandardsError::Invalid {
                file: source_name.to_string(),
                line: None,
                message: "bands: expected age_0_5, age_6_11 and age_12_17".into(),
            })?;
        Ok(Standards {
            title: raw.title.unwrap_or_else(|| raw.name.clone()),
            name: raw.name,
            source: raw.source.unwrap_or_default(),
            profile: raw.profile.unwrap_or(WalkProfile::Default),
            point_area_m2: check.optional_non_negative(&raw.point_area_m2, "point_area_m2")?,
            area_weights,
            play_area: PlayAreaRule {
                kinds: expand_open_space(&raw.play_area.kinds, &named),
                target_m2_per_resident: target,
            },
            need,
            bands: [b0, b1, b2],
        })
    }

    /// Reads and validates a standards file.
    pub fn from_file(path: &Path) -> Result<Standards, StandardsError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| StandardsError::Read {
            file: name.clone(),
            source,
        })?;
        Standards::from_toml_str(&text, &name)
    }

    /// The shipped default: DIN 18034 (see [`DIN18034_TOML`]).
    ///
    /// # Examples
    /// DIN 18034 asks for play space within 200 m (under 6), 400 m (6–11) and 1000 m (12–17):
    /// ```
    /// use model::{AgeBand, FacilityKind};
    /// use spielraum_analysis::{Standards, WalkProfile};
    ///
    /// let din = Standards::default_din18034();
    /// assert_eq!(din.name, "din18034");
    /// assert_eq!(din.profile, WalkProfile::Default);
    /// let thresholds: Vec<f64> = AgeBand::ALL.iter().map(|b| din.band(*b).threshold_m()).collect();
    /// assert_eq!(thresholds, [200.0, 400.0, 1000.0]);
    /// assert_eq!(din.max_catchment_m(), 1000.0);
    /// // 200 m at the under-sixes' 3.5 km/h (58.3 m a minute): 3.43 minutes.
    /// assert!((din.band(AgeBand::Age0To5).threshold_minutes() - 200.0 / (3500.0 / 60.0)).abs() < 1e-9);
    ///
    /// // Only playgrounds serve the under-sixes; open spaces serve the older bands.
    /// let young = din.band(AgeBand::Age0To5);
    /// assert!(young.serves(FacilityKind::Playground, 0.0, 200.0));
    /// assert!(!young.serves(FacilityKind::Playground, 0.0, 200.1));
    /// assert!(!young.serves(FacilityKind::OpenSpace, 5000.0, 50.0));
    /// assert!(din.band(AgeBand::Age6To11).serves(FacilityKind::OpenSpace, 0.0, 400.0));
    /// assert!(!din.counts_for_any_band(FacilityKind::School));
    /// ```
    pub fn default_din18034() -> Standards {
        // The embedded file is tested to parse (see the tests), so this cannot fail at run time.
        Standards::from_toml_str(DIN18034_TOML, "din18034.toml")
            .unwrap_or_else(|e| unreachable!("the shipped din18034.toml is invalid: {e}"))
    }

    /// The rule of `band`.
    pub fn band(&self, band: AgeBand) -> &BandRule {
        &self.bands[band.index()]
    }

    /// The area weight of `kind` (1 when not listed).
    pub fn weight(&self, kind: FacilityKind) -> f64 {
        self.area_weights.get(&kind).copied().unwrap_or(1.0)
    }

    /// Effective area of a facility: its area (or `point_area_m2` for points) × its kind's weight.
    pub fn effective_area_m2(&self, facility: &Facility) -> f64 {
        facility.area_m2.unwrap_or(self.point_area_m2) * self.weight(facility.kind)
    }

    /// The largest catchment of any band, in metres.
    pub fn max_catchment_m(&self) -> f64 {
        self.bands
            .iter()
            .map(BandRule::catchment_m)
            .fold(0.0, f64::max)
    }

    /// Whether a facility of `kind` can matter for any band.
    pub fn counts_for_any_band(&self, kind: FacilityKind) -> bool {
        self.bands.iter().any(|b| b.kinds.contains(&kind))
    }
}

/// The kinds a standards file names itself in any `kinds` list or `area_weights`.
fn named_kinds(raw: &RawStandards) -> Vec<FacilityKind> {
    let bands = [
        &raw.bands.age_0_5,
        &raw.bands.age_6_11,
        &raw.bands.age_12_17,
    ];
    bands
        .iter()
        .flat_map(|b| b.kinds.get_ref().iter().copied())
        .chain(raw.play_area.kinds.iter().copied())
        .chain(raw.area_weights.keys().copied())
        .collect()
}

/// `kinds` with the kinds `open_space` covers ([`FacilityKind::PART_OF_OPEN_SPACE`]: pitches
/// and community gardens, which were open space before they had kinds of their own) added
/// after it, when it names `open_space` and the file (`named`) does not name them itself.
/// So a standard written before those kinds existed keeps its meaning.
fn expand_open_space(kinds: &[FacilityKind], named: &[FacilityKind]) -> Vec<FacilityKind> {
    let mut out = kinds.to_vec();
    if kinds.contains(&FacilityKind::OpenSpace) {
        for kind in FacilityKind::PART_OF_OPEN_SPACE {
            if !named.contains(&kind) {
                out.push(kind);
            }
        }
    }
    out
}

struct Checker<'a> {
    text: &'a str,
    source_name: &'a str,
}

impl Checker<'_> {
    fn error(&self, span: std::ops::Range<usize>, key: &str, what: &str) -> StandardsError {
        StandardsError::Invalid {
            file: self.source_name.to_string(),
            line: Some(line_of(self.text, span.start)),
            message: format!("{key} {what}"),
        }
    }

    fn value(
        &self,
        v: &Spanned<f64>,
        key: &str,
        ok: bool,
        what: &str,
    ) -> Result<f64, StandardsError> {
        let x = *v.get_ref();
        if x.is_finite() && ok {
            Ok(x)
        } else {
            Err(self.error(v.span(), key, &format!("{what} (got {x})")))
        }
    }

    fn positive(&self, v: &Spanned<f64>, key: &str) -> Result<f64, StandardsError> {
        self.value(v, key, *v.get_ref() > 0.0, "must be a positive number")
    }

    fn non_negative(&self, v: &Spanned<f64>, key: &str) -> Result<f64, StandardsError> {
        self.value(v, key, *v.get_ref() >= 0.0, "must not be negative")
    }

    fn optional_non_negative(
        &self,
        v: &Option<Spanned<f64>>,
        key: &str,
    ) -> Result<f64, StandardsError> {
        v.as_ref().map_or(Ok(0.0), |v| self.non_negative(v, key))
    }
}

/// The dotted key whose line holds byte offset `at` (`bands.age_6_11.kinds`), read from the
/// nearest `[table]` header above and the `key =` of that line.
fn key_at(text: &str, at: usize) -> Option<String> {
    let line_no = line_of(text, at);
    let mut table = String::new();
    for line in text.lines().take(line_no - 1) {
        let t = line.trim();
        if t.starts_with('[') && !t.starts_with("[[") {
            table = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        }
    }
    let line = text.lines().nth(line_no - 1)?;
    let key = line.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('#') || key.contains(['"', '{', '[']) {
        return None;
    }
    Some(if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    })
}

/// 1-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Standards::from_toml_str(text, "my.toml")
            .expect_err("must be rejected")
            .to_string()
    }

    #[test]
    fn shipped_default_is_the_geodata_file_and_has_the_domain_values() {
        let on_disk = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../geodata/standards/din18034.toml"
        ))
        .unwrap();
        assert_eq!(on_disk, DIN18034_TOML);
        let s = Standards::default_din18034();
        assert_eq!(s.name, "din18034");
        // domain.md: 200 m playground; 400 m / 1000 m playground + open_space.
        assert_eq!(s.bands[0].threshold_m(), 200.0);
        assert_eq!(s.bands[0].kinds, vec![FacilityKind::Playground]);
        assert_eq!(s.bands[1].threshold_m(), 400.0);
        assert_eq!(s.bands[2].threshold_m(), 1000.0);
        // open_space still covers pitches and community gardens (docs/standards.md).
        assert_eq!(
            s.bands[2].kinds,
            vec![
                FacilityKind::Playground,
                FacilityKind::OpenSpace,
                FacilityKind::SportsPitch,
                FacilityKind::CommunityGarden
            ]
        );
        // 200 m at 3.5 km/h: 200 / (3500/60) = 3.43 minutes.
        assert!((s.bands[0].threshold_minutes() - 3.4286).abs() < 1e-3);
    }

    #[test]
    fn every_preset_parses_with_its_rules() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../geodata/standards");
        let essen = Standards::from_file(&Path::new(dir).join("essen.toml")).unwrap();
        // Type A: ≥ 1500 m² within 1000 m; type B: ≥ 400 m² within 500 m.
        let b = &essen.bands[0];
        assert!(b.serves(FacilityKind::Playground, 1500.0, 1000.0));
        assert!(!b.serves(FacilityKind::Playground, 1499.0, 501.0));
        assert!(b.serves(FacilityKind::Playground, 400.0, 500.0));
        assert!(!b.serves(FacilityKind::Playground, 399.0, 10.0));
        assert_eq!(b.catchment_m(), 1000.0);
        let herrenberg = Standards::from_file(&Path::new(dir).join("herrenberg.toml")).unwrap();
        assert_eq!(herrenberg.profile, WalkProfile::ChildSafe);
        assert_eq!(herrenberg.weight(FacilityKind::School), 0.3);
        assert_eq!(herrenberg.weight(FacilityKind::Playground), 1.0);
        let berlin = Standards::from_file(&Path::new(dir).join("berlin.toml")).unwrap();
        assert_eq!(berlin.play_area.target_m2_per_resident, Some(1.0));
        let meeting =
            Standards::from_file(&Path::new(dir).join("learning-and-meeting.toml")).unwrap();
        assert_eq!(meeting.name, "learning-and-meeting");
        // The file names pitches and gardens itself: no open_space expansion anywhere.
        assert!(!meeting.counts_for_any_band(FacilityKind::OpenSpace));
        assert_eq!(
            meeting.band(AgeBand::Age0To5).kinds,
            [FacilityKind::FamilyCentre, FacilityKind::Library]
        );
        assert!(
            meeting
                .band(AgeBand::Age12To17)
                .serves(FacilityKind::YouthCentre, 0.0, 1000.0)
        );
        assert!(
            !meeting
                .band(AgeBand::Age0To5)
                .serves(FacilityKind::Playground, 0.0, 1.0)
        );
        assert_eq!(
            meeting.play_area.kinds,
            [FacilityKind::SportsPitch, FacilityKind::CommunityGarden]
        );
        // Every kind of the model serves some band of some shipped preset.
        let presets = [
            Standards::default_din18034(),
            berlin,
            essen,
            herrenberg,
            meeting,
        ];
        for kind in FacilityKind::ALL {
            if kind != FacilityKind::Kindergarten {
                assert!(
                    presets.iter().any(|p| p.counts_for_any_band(kind)),
                    "{kind}"
                );
            }
        }
    }

    #[test]
    fn open_space_covers_pitches_and_gardens_unless_the_file_names_them() {
        // A file written before the kinds existed: open_space covers both, in every list and
        // in its weight.
        let din = Standards::default_din18034();
        assert!(!din.play_area.kinds.contains(&FacilityKind::SportsPitch));
        let old = Standards::from_toml_str(
            &DIN18034_TOML.replace(
                "[play_area]\nkinds = [\"playground\"]",
                "[area_weights]\nopen_space = 0.5\n\n[play_area]\nkinds = [\"playground\", \"open_space\"]",
            ),
            "old.toml",
        )
        .unwrap();
        let band = old.band(AgeBand::Age12To17);
        assert!(band.serves(FacilityKind::SportsPitch, 0.0, 1000.0));
        assert!(band.serves(FacilityKind::CommunityGarden, 0.0, 1000.0));
        assert!(
            !old.band(AgeBand::Age0To5)
                .serves(FacilityKind::SportsPitch, 0.0, 1.0)
        );
        assert!(old.play_area.kinds.contains(&FacilityKind::SportsPitch));
        assert_eq!(old.weight(FacilityKind::SportsPitch), 0.5);
        assert_eq!(old.weight(FacilityKind::CommunityGarden), 0.5);
        assert_eq!(old.weight(FacilityKind::Library), 1.0);
        // A file naming sports_pitch anywhere decides for it alone; community gardens still
        // follow open_space, and an own weight wins over open_space's.
        let text = DIN18034_TOML
            .replace(
                "[play_area]",
                "[area_weights]\nopen_space = 0.5\nsports_pitch = 0.8\n\n[play_area]",
            )
            .replacen(
                "speed_kmh = 3.5\nkinds = [\"playground\"]",
                "speed_kmh = 3.5\nkinds = [\"playground\", \"sports_pitch\"]",
                1,
            );
        let new = Standards::from_toml_str(&text, "new.toml").unwrap();
        assert!(
            new.band(AgeBand::Age0To5)
                .serves(FacilityKind::SportsPitch, 0.0, 200.0)
        );
        assert!(
            !new.band(AgeBand::Age12To17)
                .serves(FacilityKind::SportsPitch, 0.0, 1.0)
        );
        assert!(
            new.band(AgeBand::Age12To17)
                .serves(FacilityKind::CommunityGarden, 0.0, 1.0)
        );
        assert_eq!(new.weight(FacilityKind::SportsPitch), 0.8);
        assert_eq!(new.weight(FacilityKind::CommunityGarden), 0.5);
    }

    #[test]
    fn typo_key_is_named_with_file_and_line() {
        let text = DIN18034_TOML.replace("threshold_m = 400.0", "treshold_m = 400.0");
        let line = text
            .lines()
            .position(|l| l.starts_with("treshold_m"))
            .unwrap()
            + 1;
        let e = err(&text);
        assert!(e.contains("bands.age_6_11.treshold_m"), "{e}");
        assert!(e.starts_with(&format!("my.toml:{line}:")), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn negative_distance_is_named() {
        let text = DIN18034_TOML.replace("threshold_m = 1000.0", "threshold_m = -1000.0");
        let line = text.lines().position(|l| l.contains("-1000")).unwrap() + 1;
        let e = err(&text);
        assert!(e.contains("bands.age_12_17.threshold_m"), "{e}");
        assert!(e.starts_with(&format!("my.toml:{line}:")), "{e}");
    }

    #[test]
    fn unknown_kind_is_named() {
        let text = DIN18034_TOML.replacen(
            "kinds = [\"playground\", \"open_space\"]",
            "kinds = [\"playground\", \"pool\"]",
            1,
        );
        let line = text.lines().position(|l| l.contains("pool")).unwrap() + 1;
        let e = err(&text);
        assert!(e.contains("pool"), "{e}");
        assert!(
            e.starts_with(&format!("my.toml:{line}: bands.age_6_11.kinds:")),
            "{e}"
        );
    }

    #[test]
    fn other_bad_values_are_named() {
        let e = err(&DIN18034_TOML.replace("speed_kmh = 4.0", "speed_kmh = 0.0"));
        assert!(e.contains("bands.age_6_11.speed_kmh"), "{e}");
        let e = err(&DIN18034_TOML.replace("[need]", "[need]\nextra = 1.0"));
        assert!(e.contains("extra"), "{e}");
        let e = err(&DIN18034_TOML.replace("play_area = 1.0", "play_area = -2.0"));
        assert!(e.contains("need.play_area"), "{e}");
        let e = err("name = \"x\"");
        assert!(e.contains("play_area") || e.contains("bands"), "{e}");
    }

    #[test]
    fn missing_file_is_named() {
        let e = Standards::from_file(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.toml"));
    }
}
