//! Neighbourhoods from administrative boundaries: which `admin_level` to use and
//! which boundaries at that level are complete and valid.

use geo_types::MultiPolygon;
use model::{Neighbourhood, OsmId};
use rayon::prelude::*;

use super::tags::{Tags, tag};

/// A boundary found in the extract: built, or failed with a reason.
pub struct Candidate {
    id: OsmId,
    level: u8,
    result: Result<(String, MultiPolygon<f64>), Failed>,
}

/// Why a boundary could not be assembled, with its name for the summary.
struct Failed {
    name: String,
    why: String,
}

impl Candidate {
    /// A boundary whose polygon was assembled.
    pub fn built(id: OsmId, level: u8, tags: &Tags, mp: MultiPolygon<f64>) -> Candidate {
        let name = tag(tags, "name").unwrap_or_default().to_string();
        Candidate {
            id,
            level,
            result: Ok((name, mp)),
        }
    }

    /// A boundary that could not be assembled, and why.
    pub fn failed(id: OsmId, level: u8, tags: &Tags, why: String) -> Candidate {
        let name = tag(tags, "name").unwrap_or_default().to_string();
        Candidate {
            id,
            level,
            result: Err(Failed { name, why }),
        }
    }
}

/// Chooses the level (`wanted`, or the most detailed level with at least two complete
/// boundaries covering at least half the area of the best-covered level) and returns its
/// neighbourhoods sorted by name, the level, and warnings for the boundaries skipped at it.
pub fn choose(
    candidates: Vec<Candidate>,
    wanted: Option<u8>,
) -> (Vec<Neighbourhood>, Option<u8>, Vec<String>) {
    let mut warnings = Vec::new();
    let level = wanted.or_else(|| default_level(&candidates));
    let Some(level) = level else {
        warnings.push(
            "no complete administrative boundaries in the extract: no neighbourhoods (use --boundaries or --admin-level)"
                .to_string(),
        );
        return (Vec::new(), None, warnings);
    };
    let mut out = Vec::new();
    let mut incomplete: Vec<(String, String)> = Vec::new();
    // The validity checks (quadratic in a boundary's vertices at worst) run in parallel.
    let checked: Vec<(Candidate, bool)> = candidates
        .into_par_iter()
        .filter(|c| c.level == level)
        .map(|c| {
            let valid = c.result.as_ref().is_ok_and(|(_, g)| {
                // geo's verdict, in near-linear time (boundaries have many vertices).
                model::validity::multi_polygon_problem(g).is_none()
            });
            (c, valid)
        })
        .collect();
    for (c, valid) in checked {
        match c.result {
            Ok((name, geometry)) => {
                if !valid {
                    warnings.push(format!(
                        "{}: boundary '{name}' (admin_level {level}) is not a valid polygon, skipped",
                        c.id
                    ));
                    continue;
                }
                out.push(Neighbourhood {
                    id: c.id.to_string(),
                    name,
                    admin_level: Some(level),
                    geometry,
                    population: None,
                });
            }
            Err(Failed { name, why }) => {
                tracing::debug!("{}: boundary '{name}' is incomplete ({why}), skipped", c.id);
                let name = if name.is_empty() {
                    c.id.to_string()
                } else {
                    name
                };
                incomplete.push((name, c.id.to_string()));
            }
        }
    }
    // Boundaries cut by the extract's edge are the neighbours around the area the extract was
    // cut for: one line naming them, not one warning each.
    if !incomplete.is_empty() {
        incomplete.sort();
        let names: Vec<&str> = incomplete.iter().map(|(n, _)| n.as_str()).collect();
        let (n, loaded) = (incomplete.len(), out.len());
        warnings.push(format!(
            "{n} {} at admin_level {level} {} not wholly in the extract (cut at its edge), skipped: {}; {loaded} complete {} loaded",
            if n == 1 { "boundary" } else { "boundaries" },
            if n == 1 { "is" } else { "are" },
            names.join(", "),
            if loaded == 1 { "boundary" } else { "boundaries" },
        ));
    }
    if out.is_empty() {
        warnings.push(format!(
            "no complete boundaries at admin_level {level}: no neighbourhoods"
        ));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    warnings.sort();
    (out, Some(level), warnings)
}

fn default_level(candidates: &[Candidate]) -> Option<u8> {
    let mut stats = [(0usize, 0.0f64); 256];
    for c in candidates {
        if let Ok((_, mp)) = &c.result {
            let s = &mut stats[usize::from(c.level)];
            s.0 += 1;
            s.1 += model::geodesy::area_m2(&geo_types::Geometry::MultiPolygon(mp.clone()));
        }
    }
    let best = stats.iter().map(|s| s.1).fold(0.0, f64::max);
    (2..=255u8)
        .rev()
        .find(|&l| {
            let (n, a) = stats[usize::from(l)];
            n >= 2 && a >= 0.5 * best
        })
        .or_else(|| {
            (1..=255u8).find(|&l| stats[usize::from(l)].0 >= 1 && stats[usize::from(l)].1 >= best)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn square(x: f64, d: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: 0.0), (x: x + d, y: 0.0), (x: x + d, y: d), (x: x, y: d)],
        ])
    }

    fn named(id: i64, level: u8, name: &str, mp: MultiPolygon<f64>) -> Candidate {
        let tags = vec![("name".to_string(), name.to_string())];
        Candidate::built(OsmId::Relation(id), level, &tags, mp)
    }

    #[test]
    fn the_most_detailed_level_that_covers_the_extract_wins() {
        // Level 2: one country of 2x1; level 8: two municipalities tiling it;
        // level 10: two tiny districts (too little area); level 4: cut (failed).
        let c = vec![
            named(
                1,
                2,
                "Land",
                MultiPolygon(vec![
                    square(0.0, 1.0).0[0].clone(),
                    square(1.0, 1.0).0[0].clone(),
                ]),
            ),
            named(2, 8, "B", square(1.0, 1.0)),
            named(3, 8, "A", square(0.0, 1.0)),
            named(4, 10, "x", square(0.0, 0.01)),
            named(5, 10, "y", square(0.5, 0.01)),
            Candidate::failed(
                OsmId::Relation(6),
                4,
                &Vec::new(),
                "member way w1 is missing".into(),
            ),
            Candidate::failed(OsmId::Relation(7), 8, &tags("Zeta"), "w2 is missing".into()),
            Candidate::failed(OsmId::Relation(8), 8, &tags("Eta"), "w3 is missing".into()),
            Candidate::failed(OsmId::Relation(9), 8, &Vec::new(), "w4 is missing".into()),
        ];
        let (n, level, warnings) = choose(c, None);
        assert_eq!(level, Some(8));
        let names: Vec<&str> = n.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, vec!["A", "B"]);
        // The three incomplete ones at level 8 in one line, by name (the id when unnamed); the
        // one at level 4 is not at the chosen level and is not mentioned.
        assert_eq!(
            warnings,
            vec![
                "3 boundaries at admin_level 8 are not wholly in the extract (cut at its edge), \
                 skipped: Eta, Zeta, r9; 2 complete boundaries loaded"
            ]
        );
    }

    fn tags(name: &str) -> Vec<(String, String)> {
        vec![("name".to_string(), name.to_string())]
    }

    #[test]
    fn an_explicit_level_is_used_and_no_boundaries_is_a_warning() {
        let c = vec![named(4, 10, "x", square(0.0, 0.01))];
        let (n, level, _) = choose(c, Some(10));
        assert_eq!((n.len(), level), (1, Some(10)));
        let (n, level, w) = choose(Vec::new(), None);
        assert_eq!((n.len(), level, w.len()), (0, None, 1));
    }
}
