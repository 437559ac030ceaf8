//! Two analyses compared indicator by indicator, within 1e-9 (relative for large values).

use spielraum_analysis::Analysis;

/// Whether `a` and `b` agree within 1e-9 (relative above 1).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// [`close`] for optional values: both absent or both close.
pub fn close_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Every indicator of `got` equals `want` within 1e-9 (relative for large values).
pub fn assert_same(got: &Analysis, want: &Analysis) {
    assert_eq!(got.neighbourhoods.len(), want.neighbourhoods.len());
    assert!(close(got.unassigned_residents, want.unassigned_residents));
    for (g, w) in got.neighbourhoods.iter().zip(&want.neighbourhoods) {
        let ctx = format!("neighbourhood {}: {g:?}\nvs {w:?}", w.id);
        assert_eq!(g.id, w.id);
        assert!(close(g.population_total, w.population_total), "{ctx}");
        assert!(close(g.play_area_m2, w.play_area_m2), "{ctx}");
        assert!(close(g.need_score, w.need_score), "{ctx}");
        assert_eq!(g.need_rank, w.need_rank, "{ctx}");
        assert!(
            close_opt(
                g.play_area_m2_per_child_2sfca,
                w.play_area_m2_per_child_2sfca
            ),
            "{ctx}"
        );
        for b in 0..3 {
            assert!(close(g.population[b], w.population[b]), "{ctx}");
            assert!(close(g.served_children[b], w.served_children[b]), "{ctx}");
            assert!(close(g.gap_children[b], w.gap_children[b]), "{ctx}");
            assert!(
                close_opt(
                    g.play_area_m2_per_child_2sfca_by_band[b],
                    w.play_area_m2_per_child_2sfca_by_band[b]
                ),
                "{ctx}"
            );
        }
    }
    assert_eq!(got.gap_areas.len(), want.gap_areas.len());
    for (g, w) in got.gap_areas.iter().zip(&want.gap_areas) {
        assert_eq!(
            (g.rank, g.rank_by_band, g.cells),
            (w.rank, w.rank_by_band, w.cells)
        );
        assert_eq!(g.neighbourhoods, w.neighbourhoods);
        for b in 0..3 {
            assert!(close(g.gap_children[b], w.gap_children[b]));
        }
    }
}
