//! Time: when a facility is open (OSM `opening_hours`) and the moment or recurring window an
//! analysis asks about (`analyze --at` / `--window`, the API's `?at=` / `?window=`).
//!
//! A question about time is resolved to concrete local times ([`TimeQuery::spans`]): a weekday
//! means the first such day on or after a reference date (default today), so seasonal opening
//! hours and the start and end dates of a scenario's measures have a definite answer. A facility
//! counts when it is open for the whole of every span (`docs/methods.md`, "Time").

use chrono::{Datelike, Duration, NaiveTime, Timelike, Weekday};
pub use chrono::{NaiveDate, NaiveDateTime};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};

/// An error in a time, a window or an opening-hours string: one line naming the text.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum TimeError {
    /// A moment that is not `[DAY ]HH:MM`.
    #[error(
        "invalid time '{0}' (expected a weekday or a date and a time, e.g. \"Sa 15:00\" or \"2027-07-10 15:00\")"
    )]
    BadMoment(String),
    /// A window that is not `[DAYS ]HH:MM-HH:MM`.
    #[error(
        "invalid window '{text}': {why} (expected days and a time range, e.g. \"Mo-Fr 14:00-18:00\")"
    )]
    BadWindow {
        /// The window as given.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// A window whose end is not after its start.
    #[error("invalid window '{0}': it ends before it starts (a window lies within one day)")]
    EndsBeforeStart(String),
    /// A date that is not `YYYY-MM-DD`.
    #[error("invalid date '{0}' (expected YYYY-MM-DD)")]
    BadDate(String),
    /// Opening hours the parser rejects.
    #[error("cannot read opening hours '{text}': {why}")]
    BadHours {
        /// The string as given.
        text: String,
        /// The parser's message (first line).
        why: String,
    },
    /// A measure whose last day is before its first.
    #[error("the measure ends ({to}) before it starts ({from})")]
    DatesReversed {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

/// One stretch of local time an analysis asks about: `start == end` is a single moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start (local time).
    pub start: NaiveDateTime,
    /// End (local time), not included; equal to `start` for a moment.
    pub end: NaiveDateTime,
}

/// The moment or recurring window an analysis asks about, resolved to concrete local times.
///
/// # Examples
/// ```
/// use chrono::NaiveDate;
/// use spielraum_model::time::{Hours, TimeQuery};
///
/// let monday = NaiveDate::from_ymd_opt(2027, 7, 5).unwrap();
/// let saturday = TimeQuery::at("Sa 15:00", monday)?;
/// assert_eq!(saturday.spans[0].start.to_string(), "2027-07-10 15:00:00");
/// let afternoons = TimeQuery::window("Mo-Fr 14:00-18:00", monday)?;
/// assert_eq!(afternoons.spans.len(), 5);
///
/// let yard = Hours::parse("Mo-Fr 14:00-19:00")?;
/// assert!(yard.open_during(&afternoons)); // open for the whole of every afternoon
/// assert!(!yard.open_during(&saturday));
/// assert!(!Hours::parse("Mo-Fr 15:00-19:00")?.open_during(&afternoons)); // opens too late
/// assert!(TimeQuery::window("Mo 18:00-14:00", monday).is_err()); // ends before it starts
/// # Ok::<(), spielraum_model::time::TimeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TimeQuery {
    /// `at` or `window`.
    pub mode: &'static str,
    /// The question as given (`Sa 15:00`, `Mo-Fr 14:00-18:00`).
    pub text: String,
    /// The local times it stands for, in order.
    pub spans: Vec<Span>,
}

const DAYS: [(&str, Weekday); 7] = [
    ("Mo", Weekday::Mon),
    ("Tu", Weekday::Tue),
    ("We", Weekday::Wed),
    ("Th", Weekday::Thu),
    ("Fr", Weekday::Fri),
    ("Sa", Weekday::Sat),
    ("Su", Weekday::Sun),
];

fn weekday(token: &str) -> Option<Weekday> {
    DAYS.iter().find(|(n, _)| *n == token).map(|(_, d)| *d)
}

/// Today on this computer's clock (local time): the day weekdays count from by default.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Now on this computer's clock (local time), to the minute.
pub fn now() -> NaiveDateTime {
    let t = chrono::Local::now().naive_local();
    t.date()
        .and_time(NaiveTime::from_hms_opt(t.hour(), t.minute(), 0).unwrap_or(NaiveTime::MIN))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| TimeError::BadDate(text.to_string()))
}

fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if h == 24 && m == 0 {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// The end of a window: `24:00` is the end of the day.
fn window_end(date: NaiveDate, text: &str) -> Option<NaiveDateTime> {
    if text == "24:00" {
        return Some(date.and_time(NaiveTime::MIN) + Duration::days(1));
    }
    parse_clock(text).map(|t| date.and_time(t))
}

/// The first day on or after `reference` that falls on `day`.
fn next_on_or_after(reference: NaiveDate, day: Weekday) -> NaiveDate {
    let ahead = (7 + day.num_days_from_monday() - reference.weekday().num_days_from_monday()) % 7;
    reference + Duration::days(ahead as i64)
}

/// The days a selector names: a date, weekdays and ranges (`Mo-Fr`, `Sa,Su`), or none (the
/// reference day).
fn days_of(selector: Option<&str>, reference: NaiveDate) -> Option<Vec<NaiveDate>> {
    let Some(selector) = selector else {
        return Some(vec![reference]);
    };
    if let Ok(date) = NaiveDate::parse_from_str(selector, "%Y-%m-%d") {
        return Some(vec![date]);
    }
    let mut days = Vec::new();
    for part in selector.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (weekday(a)?, weekday(b)?);
                let mut d = a;
                loop {
                    days.push(d);
                    if d == b {
                        break;
                    }
                    d = d.succ();
                }
            }
            None => days.push(weekday(part)?),
        }
    }
    let mut dates: Vec<NaiveDate> = days
        .into_iter()
        .map(|d| next_on_or_after(reference, d))
        .collect();
    dates.sort();
    dates.dedup();
    Some(dates)
}

/// Splits `[DAYS ]TIME`, also `DATE TIME` and `DATETHH:MM`.
fn split_days(text: &str) -> (Option<&str>, &str) {
    let text = text.trim();
    if let Some((d, t)) = text.split_once('T')
        && d.len() == 10
    {
        return (Some(d), t);
    }
    match text.rsplit_once(char::is_whitespace) {
        Some((d, t)) => (Some(d.trim()), t),
        None => (None, text),
    }
}

impl TimeQuery {
    /// A moment or a window from the parameters `at` / `window` (not both) and `date` (the day
    /// weekdays count from, default [`today`]); `at = "now"` is [`now`]. `Ok(None)` without
    /// either: "always". Errors name the parameter.
    pub fn from_params(
        at: Option<&str>,
        window: Option<&str>,
        date: Option<&str>,
    ) -> Result<Option<TimeQuery>, String> {
        let reference = match date {
            Some(d) => parse_date(d).map_err(|e| format!("date: {e}"))?,
            None => today(),
        };
        match (at, window) {
            (Some(_), Some(_)) => Err("give 'at' or 'window', not both".into()),
            (Some(at), None) if at.trim() == "now" => Ok(Some(TimeQuery::moment(now()))),
            (Some(at), None) => TimeQuery::at(at, reference)
                .map(Some)
                .map_err(|e| format!("at: {e}")),
            (None, Some(w)) => TimeQuery::window(w, reference)
                .map(Some)
                .map_err(|e| format!("window: {e}")),
            (None, None) if date.is_some() => Err("'date' needs 'at' or 'window'".into()),
            (None, None) => Ok(None),
        }
    }

    /// A moment: `[DAY ]HH:MM` with DAY a weekday (`Mo` … `Su`, the first such day on or after
    /// `reference`) or a date (`2027-07-10`); without DAY, `reference` itself.
    pub fn at(text: &str, reference: NaiveDate) -> Result<TimeQuery, TimeError> {
        let bad = || TimeError::BadMoment(text.to_string());
        let (days, clock) = split_days(text);
        let time = parse_clock(clock).ok_or_else(bad)?;
        let dates = days_of(days, reference).ok_or_else(bad)?;
        if dates.len() != 1 {
            return Err(bad());
        }
        let moment = dates[0].and_time(time);
        Ok(TimeQuery {
            mode: "at",
            text: text.trim().to_string(),
            spans: vec![Span {
                start: moment,
                end: moment,
            }],
        })
    }

    /// A moment given as a local date and time (the map's "now").
    pub fn moment(at: NaiveDateTime) -> TimeQuery {
        TimeQuery {
            mode: "at",
            text: at.format("%Y-%m-%d %H:%M").to_string(),
            spans: vec![Span { start: at, end: at }],
        }
    }

    /// A recurring window: `[DAYS ]HH:MM-HH:MM` with DAYS weekdays and ranges (`Mo-Fr`,
    /// `Sa,Su`; each the first such day on or after `reference`) or a date; the end after the
    /// start, at most `24:00`.
    pub fn window(text: &str, reference: NaiveDate) -> Result<TimeQuery, TimeError> {
        let bad = |why: &str| TimeError::BadWindow {
            text: text.to_string(),
            why: why.to_string(),
        };
        let (days, range) = split_days(text);
        let (from, to) = range
            .split_once('-')
            .ok_or_else(|| bad("no time range HH:MM-HH:MM"))?;
        let dates = days_of(days, reference).ok_or_else(|| bad("unknown days"))?;
        let mut spans = Vec::new();
        for date in dates {
            let start = parse_clock(from)
                .filter(|_| from != "24:00")
                .map(|t| date.and_time(t))
                .ok_or_else(|| bad("the start is not a time HH:MM"))?;
            let end = window_end(date, to).ok_or_else(|| bad("the end is not a time HH:MM"))?;
            if end <= start {
                return Err(TimeError::EndsBeforeStart(text.to_string()));
            }
            spans.push(Span { start, end });
        }
        Ok(TimeQuery {
            mode: "window",
            text: text.trim().to_string(),
            spans,
        })
    }

    /// The first and last day the question covers.
    pub fn first_and_last_day(&self) -> (NaiveDate, NaiveDate) {
        let first = self.spans.first().map(|s| s.start.date());
        let last = self.spans.last().map(|s| s.end.date());
        let day = first.unwrap_or_default();
        (day, last.unwrap_or(day))
    }

    /// The local times as `YYYY-MM-DDTHH:MM` pairs, for the JSON's `time.spans`.
    pub fn span_texts(&self) -> Vec<[String; 2]> {
        let f = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M").to_string();
        self.spans.iter().map(|s| [f(s.start), f(s.end)]).collect()
    }
}

/// Parsed opening hours, evaluated with Germany's public holidays (`PH`).
#[derive(Debug, Clone)]
pub struct Hours(OpeningHours);

impl Hours {
    /// Parses an OSM `opening_hours` value.
    pub fn parse(text: &str) -> Result<Hours, TimeError> {
        let parsed = std::panic::catch_unwind(|| text.parse::<OpeningHours>()).map_err(|_| {
            TimeError::BadHours {
                text: text.to_string(),
                why: "the parser failed".into(),
            }
        })?;
        let oh = parsed.map_err(|e| TimeError::BadHours {
            text: text.to_string(),
            why: e
                .to_string()
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string(),
        })?;
        Ok(Hours(oh.with_context(
            Context::default().with_holidays(Country::DE.holidays()),
        )))
    }

    /// Whether the place is open for the whole of every span of `query` (a moment: open at it).
    /// "Unknown" (e.g. `Mo-Fr 08:00-12:00 unknown`) is not open.
    pub fn open_during(&self, query: &TimeQuery) -> bool {
        query.spans.iter().all(|s| self.open_for(s))
    }

    fn open_for(&self, span: &Span) -> bool {
        let oh = &self.0;
        let check = || {
            if span.start == span.end {
                return oh.state(span.start).0 == RuleKind::Open;
            }
            oh.iter_range(span.start, span.end)
                .all(|r| r.kind == RuleKind::Open)
        };
        // The evaluator is not ours: a panic in it must not take the analysis down.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or(false)
    }
}

/// Whether `facility` is open for the whole of `when` by its own opening hours: always without
/// any, and always when they cannot be read (the importer and the analysis warn about those).
pub fn is_open(facility: &crate::Facility, when: &TimeQuery) -> bool {
    match facility.opening_hours.as_deref().map(Hours::parse) {
        Some(Ok(hours)) => hours.open_during(when),
        Some(Err(_)) | None => true,
    }
}

/// A measure's first and last day (both included), either open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dates {
    /// First day, if limited.
    pub from: Option<NaiveDate>,
    /// Last day, if limited.
    pub to: Option<NaiveDate>,
}

impl Dates {
    /// Checks that the measure does not end before it starts.
    pub fn validate(&self) -> Result<(), TimeError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if to < from => Err(TimeError::DatesReversed { from, to }),
            _ => Ok(()),
        }
    }

    /// Whether every day `query` covers lies within the dates.
    pub fn cover(&self, query: &TimeQuery) -> bool {
        let (first, last) = query.first_and_last_day();
        self.from.is_none_or(|f| first >= f) && self.to.is_none_or(|t| last <= t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekdays_are_the_next_such_days() {
        // 2026-12-06 is a Sunday.
        let sunday = day(2026, 12, 6);
        let q = TimeQuery::at("Su 10:00", sunday).unwrap();
        assert_eq!(q.spans[0].start.to_string(), "2026-12-06 10:00:00");
        let q = TimeQuery::at("Mo 10:00", sunday).unwrap();
        assert_eq!(q.spans[0].start.to_string(), "2026-12-07 10:00:00");
        let q = TimeQuery::window("Sa,Su 10:00-24:00", sunday).unwrap();
        let starts: Vec<String> = q.spans.iter().map(|s| s.start.to_string()).collect();
        assert_eq!(starts, ["2026-12-06 10:00:00", "2026-12-12 10:00:00"]);
        assert_eq!(q.spans[0].end.to_string(), "2026-12-07 00:00:00");
        let q = TimeQuery::at("2027-07-10T15:30", sunday).unwrap();
        assert_eq!(q.spans[0].start.to_string(), "2027-07-10 15:30:00");
    }

    #[test]
    fn bad_questions_are_named() {
        let d = day(2026, 12, 6);
        for bad in ["", "Sa", "Xy 15:00", "Sa 25:00", "Mo-Fr 15:00", "Sa 15"] {
            assert!(TimeQuery::at(bad, d).is_err(), "{bad}");
        }
        let e = TimeQuery::window("Mo-Fr 18:00-14:00", d).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid window 'Mo-Fr 18:00-14:00': it ends before it starts (a window lies within one day)"
        );
        assert!(TimeQuery::window("Mo-Fr 14:00", d).is_err());
        assert!(TimeQuery::window("Mo-Xx 14:00-15:00", d).is_err());
        assert!(TimeQuery::window("14:00-14:00", d).is_err());
    }

    #[test]
    fn holidays_and_seasons_count() {
        // 2027-05-06 is Ascension Day (Christi Himmelfahrt), a Thursday.
        let thursday = day(2027, 5, 6);
        let q = TimeQuery::at("Th 10:00", thursday).unwrap();
        assert!(Hours::parse("Mo-Fr 08:00-18:00").unwrap().open_during(&q));
        assert!(
            !Hours::parse("Mo-Fr 08:00-18:00; PH off")
                .unwrap()
                .open_during(&q)
        );
        let winter = TimeQuery::at("Sa 15:00", day(2026, 12, 6)).unwrap();
        let summer = TimeQuery::at("Sa 15:00", day(2027, 7, 1)).unwrap();
        let seasonal = Hours::parse("Apr-Oct: 08:00-20:00").unwrap();
        assert!(!seasonal.open_during(&winter));
        assert!(seasonal.open_during(&summer));
    }

    #[test]
    fn dates_limit_a_measure() {
        let summer = Dates {
            from: Some(day(2027, 7, 1)),
            to: Some(day(2027, 8, 31)),
        };
        assert!(summer.cover(&TimeQuery::at("Sa 15:00", day(2027, 7, 1)).unwrap()));
        assert!(!summer.cover(&TimeQuery::at("Sa 15:00", day(2027, 9, 1)).unwrap()));
        let reversed = Dates {
            from: summer.to,
            to: summer.from,
        };
        assert!(reversed.validate().is_err());
    }
}
