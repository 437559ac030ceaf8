//! Numbers as statistical offices write them: decimal comma or point, thousands separators,
//! values in brackets.
//!
//! Owns the parsing rules shared by the register table and the Zensus files; the rules are
//! documented in docs/population.md ("Numbers").

/// The decimal mark of a table: `,` (German statistical offices) or `.`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    /// `1.234,5`: `,` separates decimals, `.` (or a space, `'`) groups thousands.
    Comma,
    /// `1,234.5`: `.` separates decimals, `,` (or a space, `'`) groups thousands.
    Point,
}

impl DecimalMark {
    fn chars(self) -> (char, char) {
        match self {
            DecimalMark::Comma => (',', '.'),
            DecimalMark::Point => ('.', ','),
        }
    }
}

/// Whether `c` groups thousands in either dialect (besides the dialect's own mark):
/// space, no-break space, narrow no-break space, apostrophe (Swiss).
fn is_space_group(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '\u{2019}')
}

/// Parses `text` in the dialect `mark`: an optional sign, digits grouped in threes by the
/// thousands mark (or a space / apostrophe) or not at all, an optional decimal part.
/// `None` if it is not such a number (e.g. `1.5` with a decimal comma: a group of one digit).
/// The sign is kept: callers decide what a negative value means.
pub fn parse_localized(text: &str, mark: DecimalMark) -> Option<f64> {
    let (decimal, thousands) = mark.chars();
    let text = text.trim();
    if let Some(v) = plain_digits(text) {
        return Some(v);
    }
    let (negative, body) = match text.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = match body.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(f) = frac_part
        && (f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let groups: Vec<&str> = int_part
        .split(|c: char| c == thousands || is_space_group(c))
        .collect();
    let first_ok = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if groups.len() == 1 {
        if !first_ok(groups[0]) {
            return None;
        }
    } else if !(first_ok(groups[0])
        && groups[0].len() <= 3
        && groups[1..]
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())))
    {
        return None;
    }
    let mut plain = groups.concat();
    if let Some(f) = frac_part {
        plain.push('.');
        plain.push_str(f);
    }
    let value: f64 = plain.parse().ok()?;
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

/// The common case without allocation: only ASCII digits (at most 15, exact in an f64).
fn plain_digits(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 15 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')) as f64)
}

/// A Zensus count or coordinate: a value in brackets (`(12)`, published but statistically
/// uncertain) is read and flagged; `,` is the decimal mark; `.` groups thousands where every
/// group after it has three digits (`1.234`), else it is a decimal point (`4337050.5`).
/// Returns the (non-negative) value and whether it was in brackets.
pub fn parse_zensus(text: &str) -> Option<(f64, bool)> {
    let text = text.trim();
    if let Some(v) = plain_digits(text) {
        return Some((v, false));
    }
    let (inner, bracketed) = match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(inner) => (inner.trim(), true),
        None => (text, false),
    };
    let value = if inner.contains(',') {
        parse_localized(inner, DecimalMark::Comma)?
    } else if inner.contains('.') {
        // Thousands only if the grouping is exact; else a decimal point.
        parse_localized(inner, DecimalMark::Comma)
            .or_else(|| parse_localized(inner, DecimalMark::Point))?
    } else {
        parse_localized(inner, DecimalMark::Point)?
    };
    (value >= 0.0).then_some((value, bracketed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_dialects() {
        let de = DecimalMark::Comma;
        let en = DecimalMark::Point;
        assert_eq!(parse_localized("1.234", de), Some(1234.0));
        assert_eq!(parse_localized("1.234,5", de), Some(1234.5));
        assert_eq!(parse_localized("12,5", de), Some(12.5));
        assert_eq!(parse_localized("1 234 567", de), Some(1_234_567.0));
        assert_eq!(parse_localized("1\u{a0}234", de), Some(1234.0));
        assert_eq!(parse_localized("1'234", en), Some(1234.0));
        assert_eq!(parse_localized("-3", de), Some(-3.0));
        assert_eq!(parse_localized("1,234.5", en), Some(1234.5));
        assert_eq!(parse_localized("12.5", en), Some(12.5));
        // Wrong dialect or broken grouping: refused rather than misread.
        assert_eq!(parse_localized("1.5", de), None);
        assert_eq!(parse_localized("12.34", de), None);
        assert_eq!(parse_localized("1.2345", de), None);
        assert_eq!(parse_localized("1234.567,8", de), None);
        assert_eq!(parse_localized("", de), None);
        assert_eq!(parse_localized("12,", de), None);
        assert_eq!(parse_localized("x", de), None);
        assert_eq!(parse_localized("1e3", en), None);
    }

    #[test]
    fn zensus_values() {
        assert_eq!(parse_zensus("12"), Some((12.0, false)));
        assert_eq!(parse_zensus("(12)"), Some((12.0, true)));
        assert_eq!(parse_zensus("1.234"), Some((1234.0, false)));
        assert_eq!(parse_zensus("(1.234)"), Some((1234.0, true)));
        assert_eq!(parse_zensus("4.337.050"), Some((4_337_050.0, false)));
        assert_eq!(parse_zensus("4337050.5"), Some((4_337_050.5, false)));
        assert_eq!(parse_zensus("2,5"), Some((2.5, false)));
        assert_eq!(parse_zensus("-2"), None);
        assert_eq!(parse_zensus("abc"), None);
    }
}
