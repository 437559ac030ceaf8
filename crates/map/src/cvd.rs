//! Colour science the palette is checked with: colour-vision-deficiency simulation (Machado,
//! Oliveira & Fernandes 2009), CIELAB, the CIEDE2000 colour difference and WCAG 2.1 contrast.
//!
//! Machado, G. M., Oliveira, M. M., Fernandes, L. A. F. (2009): *A Physiologically-based Model
//! for Simulation of Color Vision Deficiency*. IEEE Transactions on Visualization and Computer
//! Graphics 15(6), 1291–1298 — the matrices for severity 1.0, applied to linear sRGB.
//! CIEDE2000: Sharma, Wu, Dalal (2005), *The CIEDE2000 color-difference formula:
//! implementation notes, supplementary test data, and mathematical observations*, Color
//! Research & Application 30(1), 21–30 (the tests use its test pairs).

/// A colour-vision deficiency, simulated at full severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deficiency {
    /// No L cones (red-blind).
    Protanopia,
    /// No M cones (green-blind), the most common.
    Deuteranopia,
    /// No S cones (blue-blind).
    Tritanopia,
}

impl Deficiency {
    /// Every deficiency.
    pub const ALL: [Deficiency; 3] = [
        Deficiency::Protanopia,
        Deficiency::Deuteranopia,
        Deficiency::Tritanopia,
    ];

    /// Machado et al. (2009), table of severity 1.0: linear RGB to simulated linear RGB.
    fn matrix(self) -> [[f64; 3]; 3] {
        match self {
            Deficiency::Protanopia => [
                [0.152286, 1.052583, -0.204868],
                [0.114503, 0.786281, 0.099216],
                [-0.003882, -0.048116, 1.051998],
            ],
            Deficiency::Deuteranopia => [
                [0.367322, 0.860646, -0.227968],
                [0.280085, 0.672501, 0.047413],
                [-0.011820, 0.042940, 0.968881],
            ],
            Deficiency::Tritanopia => [
                [1.255528, -0.076749, -0.178779],
                [-0.078411, 0.930809, 0.147602],
                [0.004733, 0.691367, 0.303900],
            ],
        }
    }
}

/// `#rrggbb` as linear RGB in 0..=1 (`None` if it is not six hex digits after `#`).
pub fn linear_rgb(hex: &str) -> Option<[f64; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&h[i..i + 2], 16).ok()?) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// Linear RGB as a person with `deficiency` sees it (clamped to the gamut).
pub fn simulate(rgb: [f64; 3], deficiency: Deficiency) -> [f64; 3] {
    let m = deficiency.matrix();
    let row = |r: [f64; 3]| (r[0] * rgb[0] + r[1] * rgb[1] + r[2] * rgb[2]).clamp(0.0, 1.0);
    [row(m[0]), row(m[1]), row(m[2])]
}

/// Linear sRGB to CIELAB (D65 white).
pub fn lab(rgb: [f64; 3]) -> [f64; 3] {
    let [r, g, b] = rgb;
    let x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / 0.95047), f(y), f(z / 1.08883));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The CIEDE2000 colour difference ΔE00 of two CIELAB colours (kL = kC = kH = 1).
pub fn delta_e2000(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    let c_bar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let g = 0.5 * (1.0 - (c_bar.powi(7) / (c_bar.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64, c: f64| {
        if c == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p, c1p), hue(b2, a2p, c2p));
    let dl = l2 - l1;
    let dc = c2p - c1p;
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else {
        let d = h2p - h1p;
        if d > 180.0 {
            d - 360.0
        } else if d < -180.0 {
            d + 360.0
        } else {
            d
        }
    };
    let dh_big = 2.0 * (c1p * c2p).sqrt() * (dh / 2.0).to_radians().sin();
    let l_bar = (l1 + l2) / 2.0;
    let cp_bar = (c1p + c2p) / 2.0;
    let h_bar = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let cos = |deg: f64| deg.to_radians().cos();
    let t =
        1.0 - 0.17 * cos(h_bar - 30.0) + 0.24 * cos(2.0 * h_bar) + 0.32 * cos(3.0 * h_bar + 6.0)
            - 0.20 * cos(4.0 * h_bar - 63.0);
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (cp_bar.powi(7) / (cp_bar.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cp_bar;
    let sh = 1.0 + 0.015 * cp_bar * t;
    let rt = -(2.0 * d_theta).to_radians().sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dh_big / sh).powi(2) + rt * (dc / sc) * (dh_big / sh))
        .sqrt()
}

/// ΔE00 between two `#rrggbb` colours as seen with `deficiency` (`None`: normal vision).
pub fn difference(a: &str, b: &str, deficiency: Option<Deficiency>) -> Option<f64> {
    let see = |hex: &str| {
        let rgb = linear_rgb(hex)?;
        Some(lab(match deficiency {
            Some(d) => simulate(rgb, d),
            None => rgb,
        }))
    };
    Some(delta_e2000(see(a)?, see(b)?))
}

/// The WCAG 2.1 contrast ratio of two `#rrggbb` colours (1 to 21).
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    let luminance = |hex: &str| {
        let [r, g, b] = linear_rgb(hex)?;
        Some(0.2126 * r + 0.7152 * g + 0.0722 * b)
    };
    let (la, lb) = (luminance(a)?, luminance(b)?);
    Some((la.max(lb) + 0.05) / (la.min(lb) + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciede2000_matches_sharmas_test_pairs() {
        // Sharma, Wu, Dalal (2005), table 1: pairs 1, 2, 7, 17, 25 with their ΔE00.
        let pairs = [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 3.1571, -77.2803], [50.0, 0.0, -82.7485], 2.8615),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            (
                [60.2574, -34.0099, 36.2677],
                [60.4626, -34.1751, 39.4387],
                1.2644,
            ),
        ];
        for (a, b, want) in pairs {
            let got = delta_e2000(a, b);
            assert!((got - want).abs() < 1e-4, "{a:?} {b:?}: {got} vs {want}");
            assert!((delta_e2000(b, a) - want).abs() < 1e-4);
        }
    }

    #[test]
    fn lab_and_contrast_of_known_colours() {
        // White is L* 100, black 0; sRGB red is (53.24, 80.09, 67.20) (Lindbloom's calculator).
        let white = lab(linear_rgb("#ffffff").unwrap());
        assert!((white[0] - 100.0).abs() < 1e-3 && white[1].abs() < 1e-2 && white[2].abs() < 1e-2);
        let red = lab(linear_rgb("#ff0000").unwrap());
        for (got, want) in red.iter().zip([53.24, 80.09, 67.20]) {
            assert!((got - want).abs() < 0.05, "{red:?}");
        }
        // WCAG: black on white 21:1; #777777 on white 4.48:1 (WebAIM's checker).
        assert!((contrast_ratio("#000000", "#ffffff").unwrap() - 21.0).abs() < 1e-9);
        assert!((contrast_ratio("#777777", "#ffffff").unwrap() - 4.48).abs() < 0.01);
        assert_eq!(linear_rgb("#12345"), None);
    }

    #[test]
    fn simulation_keeps_greys_and_merges_red_and_green_for_deuteranopes() {
        // Each matrix row sums to 1: greys stay grey.
        for d in Deficiency::ALL {
            let g = simulate([0.5, 0.5, 0.5], d);
            assert!(g.iter().all(|c| (c - 0.5).abs() < 1e-3), "{d:?} {g:?}");
        }
        // Pure red and pure green look far more alike to a deuteranope than to others.
        let normal = difference("#ff0000", "#00ff00", None).unwrap();
        let deutan = difference("#ff0000", "#00ff00", Some(Deficiency::Deuteranopia)).unwrap();
        assert!(deutan < normal / 2.0, "{deutan} vs {normal}");
    }
}
