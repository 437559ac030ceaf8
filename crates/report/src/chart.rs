//! Small SVG bar charts: served share per age band and play area per child, each against its target.
//!
//! Owns the chart geometry; values come in already taken from the analysis JSON, labels already formatted.

use std::fmt::Write as _;

use crate::svg::{attr, num};

/// One bar: its label, its value (`None` = no data, no bar) and the value's text.
pub(crate) struct Bar {
    /// Label left of the bar.
    pub label: String,
    /// The value on the chart's scale.
    pub value: Option<f64>,
    /// The value as printed right of the bar.
    pub text: String,
}

const BAR_COLOUR: &str = "#1c7ed6";
const LOW_COLOUR: &str = "#e03131";
const TARGET_COLOUR: &str = "#212529";

/// A horizontal bar chart `w` × `h` with a dashed target line at `target` (labelled `target_text`).
///
/// The scale runs from 0 to the larger of the target and the largest value (at least `min_max`).
/// Bars below the target are drawn red, the others blue.
pub(crate) fn bars(
    title: &str,
    items: &[Bar],
    target: Option<(f64, &str)>,
    min_max: f64,
    w: f64,
    h: f64,
) -> String {
    let label_w = items
        .iter()
        .map(|b| crate::fonts::text_width(&b.label, 8.0, false))
        .fold(0.0, f64::max)
        + 8.0;
    let value_w = 48.0;
    let (x0, x1) = (label_w, w - value_w);
    let top = 18.0;
    let bottom = h - 14.0;
    let max = items
        .iter()
        .filter_map(|b| b.value)
        .chain(target.map(|t| t.0))
        .fold(min_max, f64::max);
    let sx = |v: f64| x0 + (x1 - x0) * (v / max).clamp(0.0, 1.0);
    let slot = (bottom - top) / items.len().max(1) as f64;
    let bar_h = (slot * 0.6).min(16.0);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Liberation Sans, Arial, Helvetica, sans-serif" font-size="8" fill="#212529"><text x="0" y="10" font-size="9" font-weight="bold">{}</text><line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="#868e96" stroke-width="0.8"/>"##,
        attr(title)
    );
    for (i, b) in items.iter().enumerate() {
        let y = top + slot * i as f64 + (slot - bar_h) / 2.0;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(x0 - 4.0),
            num(y + bar_h / 2.0 + 3.0),
            attr(&b.label)
        );
        let end = match b.value {
            Some(v) => {
                let below = target.is_some_and(|(t, _)| v < t);
                let colour = if below { LOW_COLOUR } else { BAR_COLOUR };
                let _ = write!(
                    out,
                    r#"<rect x="{x0}" y="{}" width="{}" height="{}" fill="{colour}" fill-opacity="0.85"/>"#,
                    num(y),
                    num(sx(v) - x0),
                    num(bar_h)
                );
                sx(v)
            }
            None => x0,
        };
        // The value right of the bar, or inside its end (white) where it would reach the target line.
        let text_w = crate::fonts::text_width(&b.text, 8.0, false);
        let clash =
            target.is_some_and(|(t, _)| end + 3.0 + text_w > sx(t) - 2.0 && end < sx(t) + 2.0);
        if clash && end - x0 > text_w + 6.0 {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="end" fill="#ffffff">{}</text>"##,
                num(end - 3.0),
                num(y + bar_h / 2.0 + 3.0),
                attr(&b.text)
            );
        } else {
            // Past the target line when the bar ends just before it.
            let x = match target {
                Some((t, _)) if clash => end.max(sx(t)) + 3.0,
                _ => end + 3.0,
            };
            let _ = write!(
                out,
                r#"<text x="{}" y="{}">{}</text>"#,
                num(x),
                num(y + bar_h / 2.0 + 3.0),
                attr(&b.text)
            );
        }
    }
    if let Some((t, text)) = target {
        let x = sx(t);
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{bottom}" stroke="{TARGET_COLOUR}" stroke-width="1.2" stroke-dasharray="3 2"/><text x="{x}" y="{}" text-anchor="middle" font-size="7.5">{}</text>"#,
            num(top - 3.0),
            num(h - 3.0),
            attr(text),
            x = num(x)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_larger_of_target_and_values() {
        let items = [
            Bar {
                label: "a".into(),
                value: Some(0.5),
                text: "50%".into(),
            },
            Bar {
                label: "b".into(),
                value: None,
                text: "–".into(),
            },
        ];
        let svg = bars("t", &items, Some((1.0, "100%")), 1.0, 300.0, 100.0);
        // One bar only (b has no value), drawn red as it is below the target.
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(svg.contains(LOW_COLOUR));
        assert!(svg.contains("stroke-dasharray"));
    }
}
