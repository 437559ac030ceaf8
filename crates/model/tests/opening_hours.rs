//! Opening hours as mapped in OSM (`fixtures/opening_hours.txt`: 50 values, the demo extract's
//! and common ones, each marked valid / not opening hours / lenient by the OSM specification):
//! every value is read or refused with a message naming it, never a crash, and evaluating a
//! value that was read answers at any moment and for any window.

use spielraum_model::time::{Hours, NaiveDate, TimeQuery};

fn fixture() -> Vec<(String, String)> {
    let text = include_str!("fixtures/opening_hours.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (expect, value) = l.split_once('\t').expect("EXPECT<TAB>VALUE");
            (expect.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn fifty_real_values_are_read_or_refused_with_a_message() {
    let values = fixture();
    assert_eq!(values.len(), 50);
    let monday = NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
    let questions = [
        TimeQuery::at("Mo 10:00", monday).unwrap(),
        TimeQuery::at("Sa 15:00", monday).unwrap(),
        TimeQuery::at("Su 23:30", monday).unwrap(),
        // Ascension Day 2027 is Thursday 6 May: a public holiday (PH).
        TimeQuery::at("Th 12:00", monday).unwrap(),
        TimeQuery::window("Mo-Fr 14:00-18:00", monday).unwrap(),
        TimeQuery::window("Sa,Su 00:00-24:00", monday).unwrap(),
    ];
    let (mut read, mut refused) = (0, 0);
    for (expect, value) in &values {
        match Hours::parse(value) {
            Ok(hours) => {
                assert_ne!(expect, "bad", "'{value}' is not opening hours but was read");
                read += 1;
                for q in &questions {
                    // Must answer (true or false) without panicking.
                    let _ = hours.open_during(q);
                }
            }
            Err(e) => {
                assert_ne!(expect, "ok", "'{value}' is valid but was refused: {e}");
                let message = e.to_string();
                assert!(
                    message.starts_with(&format!("cannot read opening hours '{value}': ")),
                    "{message}"
                );
                assert!(!message.contains('\n'), "one line: {message}");
                refused += 1;
            }
        }
    }
    assert_eq!(read + refused, 50);
    assert!(refused >= values.iter().filter(|(e, _)| e == "bad").count());
}

#[test]
fn read_values_answer_as_written() {
    let monday = NaiveDate::from_ymd_opt(2027, 5, 3).unwrap();
    let at = |t: &str| TimeQuery::at(t, monday).unwrap();
    let weekdays = Hours::parse("Mo-Fr 08:00-12:00, 13:30-18:30; Sa 08:00-13:00").unwrap();
    assert!(weekdays.open_during(&at("Mo 10:00")));
    assert!(!weekdays.open_during(&at("Mo 12:30")));
    assert!(weekdays.open_during(&at("Sa 12:59")));
    assert!(!weekdays.open_during(&at("Su 10:00")));
    // A window across the lunch break is not covered, one inside the afternoon is.
    let lunch = TimeQuery::window("Mo 11:00-14:00", monday).unwrap();
    let afternoon = TimeQuery::window("Mo-Fr 14:00-18:00", monday).unwrap();
    assert!(!weekdays.open_during(&lunch));
    assert!(weekdays.open_during(&afternoon));
    let always = Hours::parse("24/7").unwrap();
    assert!(always.open_during(&TimeQuery::window("Sa,Su 00:00-24:00", monday).unwrap()));
    let closed_on_holidays = Hours::parse("Mo-Fr 07:00-17:00; PH off").unwrap();
    assert!(!closed_on_holidays.open_during(&at("Th 12:00")));
    assert!(closed_on_holidays.open_during(&at("We 12:00")));
}
