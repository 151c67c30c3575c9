//! The calendar feed as iCalendar (RFC 5545) text: a pure function from the
//! deadlines operation's answer to the file's text ([`render`]), so the
//! command line prints it and the daemon can serve the very same body at a
//! subscriber's URL. The `icalendar` crate writes it (TEXT escaping, CRLF
//! line ends); the lines are folded here ([`fold_lines`]), at 75 octets on
//! character boundaries, because the crate's own folding (0.17.17) leaves
//! the last piece of a long line one octet over.
//!
//! One VEVENT per deadline:
//! - UID `<deadline id>@garita` (stable: docs/calendar.md), SEQUENCE the
//!   deadline's sequence (read from the state), DTSTAMP the instant the
//!   deadlines were computed at;
//! - a day's deadline is an all-day event on its last day (DTSTART and
//!   DTEND as `VALUE=DATE`, DTEND the day after, as RFC 5545 counts), a
//!   window an all-day event over its days, an instant a UTC DTSTART;
//! - a display VALARM [`IcsOptions::alarm_days`] before: at 09:00 (the
//!   reader's own time) that many days before a day's or window's last day,
//!   and for an instant that many days before plus a last call 2 hours
//!   before (a same-day sign-in is only known on its day);
//! - TRANSP:TRANSPARENT: a deadline does not make anyone busy.
//!
//! The words are in [`texts`], in Spanish by default or English.

mod texts;

use chrono::{DateTime, Days, TimeDelta, Utc};
use garita_app::ops::calendar::{CalendarDeadlines, Deadline, DeadlineWhen};
use garita_engine::account::Locale;
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Property, Trigger};

/// Days before a deadline its reminder goes off, unless `--alarm-days` says.
pub const DEFAULT_ALARM_DAYS: u32 = 7;
/// The most `--alarm-days` accepts: a year.
pub const MAX_ALARM_DAYS: u32 = 365;
/// A day's reminder goes off at this hour of the reader's day.
const MORNING_HOUR: i64 = 9;
/// An instant's last call, this many hours before it.
const LAST_CALL_HOURS: i64 = 2;
/// The largest SEQUENCE iCalendar readers take (a signed 32-bit integer).
const MAX_SEQUENCE: u64 = i32::MAX as u64;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct IcsOptions {
    /// Days before each deadline its reminder goes off.
    pub alarm_days: u32,
    /// The language of titles and descriptions.
    pub locale: Locale,
}

impl Default for IcsOptions {
    fn default() -> Self {
        Self {
            alarm_days: DEFAULT_ALARM_DAYS,
            locale: Locale::Es,
        }
    }
}

/// The deadlines as an iCalendar file.
pub fn render(feed: &CalendarDeadlines, options: &IcsOptions) -> String {
    let mut calendar = Calendar::empty();
    calendar.append_property(Property::new("VERSION", "2.0"));
    calendar.append_property(Property::new("PRODID", "-//Garita//Calendar feed//EN"));
    calendar.append_property(Property::new("CALSCALE", "GREGORIAN"));
    calendar.append_property(Property::new("METHOD", "PUBLISH"));
    calendar.append_property(Property::new(
        "X-WR-CALNAME",
        texts::calendar_name(options.locale),
    ));
    for deadline in &feed.deadlines {
        calendar.push(event(deadline, feed.as_of, options));
    }
    fold_lines(&calendar.to_string())
}

/// The longest content line RFC 5545 allows, in octets, line break excluded.
const MAX_LINE_OCTETS: usize = 75;

/// `text` (CRLF-terminated content lines, perhaps folded) with every
/// logical line folded afresh: at most [`MAX_LINE_OCTETS`] octets per
/// physical line, a continuation starting with one space, never inside a
/// UTF-8 character (RFC 5545 3.1).
fn fold_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 24);
    for line in text.replace("\r\n ", "").split_terminator("\r\n") {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > MAX_LINE_OCTETS {
                out.push_str("\r\n ");
                width = 1;
            }
            out.push(c);
            width += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

/// One deadline's VEVENT.
fn event(deadline: &Deadline, stamp: DateTime<Utc>, options: &IcsOptions) -> Event {
    let words = texts::describe(deadline, options.locale);
    let summary = plain_text(&words.summary);
    let uid = format!("{}@garita", deadline.id);
    let mut event = Event::new();
    event
        .uid(&uid)
        .timestamp(stamp)
        .summary(&summary)
        .description(&plain_text(&words.description))
        .append_property(Property::new(
            "SEQUENCE",
            deadline.sequence.min(MAX_SEQUENCE).to_string(),
        ))
        .append_property(Property::new("TRANSP", "TRANSPARENT"));
    let days = i64::from(options.alarm_days);
    let alarm = |n: usize, offset: TimeDelta, related: &str| {
        let mut alarm = Alarm::display(&summary, Trigger::from(offset));
        alarm
            .append_property(
                Property::new("TRIGGER", ical_duration(offset))
                    .add_parameter("RELATED", related)
                    .done(),
            )
            // RFC 9074's stable alarm id; and this crate writes a DTSTAMP
            // into every component, so it gets the event's, not the clock's.
            .append_property(Property::new(
                "UID",
                format!("{}-alarm-{n}@garita", deadline.id),
            ))
            .timestamp(stamp);
        alarm.done()
    };
    let morning = TimeDelta::hours(MORNING_HOUR);
    match deadline.when {
        DeadlineWhen::Day { last_day } => {
            event.starts(last_day);
            if let Some(after) = last_day.checked_add_days(Days::new(1)) {
                event.ends(after);
            }
            event.alarm(alarm(1, morning - TimeDelta::days(days), "START"));
        }
        DeadlineWhen::Window {
            first_day,
            last_day,
        } => {
            event.starts(first_day);
            if let Some(after) = last_day.checked_add_days(Days::new(1)) {
                event.ends(after);
            }
            // DTEND is the day after the last: one more day back.
            event.alarm(alarm(1, morning - TimeDelta::days(days + 1), "END"));
        }
        DeadlineWhen::Instant { at } => {
            event.starts(at);
            if days > 0 {
                event.alarm(alarm(1, -TimeDelta::days(days), "START"));
            }
            event.alarm(alarm(2, -TimeDelta::hours(LAST_CALL_HOURS), "START"));
        }
    }
    event.done()
}

/// An RFC 5545 duration (`-P6DT15H`, `PT9H`, `-PT2H`, `PT0S`), to the minute.
fn ical_duration(delta: TimeDelta) -> String {
    let sign = if delta < TimeDelta::zero() { "-" } else { "" };
    let minutes = delta.num_minutes().unsigned_abs();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut text = format!("{sign}P");
    if days > 0 {
        text.push_str(&format!("{days}D"));
    }
    if hours > 0 || mins > 0 {
        text.push('T');
        if hours > 0 {
            text.push_str(&format!("{hours}H"));
        }
        if mins > 0 {
            text.push_str(&format!("{mins}M"));
        }
    }
    if minutes == 0 {
        text.push_str("T0S");
    }
    text
}

/// Text a TEXT value may hold: line breaks as `\n` (the crate escapes it),
/// no other control characters (a name pasted from a spreadsheet may carry
/// a carriage return or a tab-like byte RFC 5545 forbids).
fn plain_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| *c == '\n' || !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use garita_app::ops::calendar::{DeadlineAccount, DeadlineKind, DeadlineTask};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn account() -> DeadlineAccount {
        DeadlineAccount {
            key: "ctpat:maria.quintero@andes-sierra.example".into(),
            portal: "ctpat".into(),
            identifier: "maria.quintero@andes-sierra.example".into(),
            holder_name: "María Quintero\r".into(),
            holder_email: "maria.quintero@andes-sierra.example".into(),
            company: "Andes & Sierra Imports, LLC; Miami".into(),
            tax_id: "84-3190275".into(),
        }
    }

    fn feed() -> CalendarDeadlines {
        CalendarDeadlines {
            as_of: at("2026-12-05T12:00:00Z"),
            deadlines: vec![
                Deadline {
                    id: "ctpat-relogin-0011223344556677".into(),
                    kind: DeadlineKind::CtpatRelogin {
                        reactivated_on: day(2026, 12, 5),
                    },
                    when: DeadlineWhen::Instant {
                        at: at("2026-12-06T05:00:00Z"),
                    },
                    sequence: 12,
                    account: Some(account()),
                    task: None,
                },
                Deadline {
                    id: "ctpat-deactivation-8899aabbccddeeff".into(),
                    kind: DeadlineKind::CtpatDeactivation {
                        last_sign_in: day(2026, 11, 20),
                        deactivates_on: day(2027, 1, 5),
                    },
                    when: DeadlineWhen::Day {
                        last_day: day(2027, 1, 4),
                    },
                    sequence: 3,
                    account: Some(account()),
                    task: None,
                },
                Deadline {
                    id: "ecuapass-annual-update-2027-0123456789abcdef".into(),
                    kind: DeadlineKind::EcuapassAnnualUpdate { year: 2027 },
                    when: DeadlineWhen::Window {
                        first_day: day(2027, 1, 1),
                        last_day: day(2027, 1, 31),
                    },
                    sequence: 2,
                    account: Some(account()),
                    task: None,
                },
                Deadline {
                    id: "task-due-fedcba9876543210".into(),
                    kind: DeadlineKind::TaskDue,
                    when: DeadlineWhen::Instant {
                        at: at("2027-01-09T13:00:00Z"),
                    },
                    sequence: 0,
                    account: None,
                    task: Some(DeadlineTask {
                        id: "01J.week1.1".into(),
                        title: "Confirmar la actualización anual de Ecuapass (RZAMBRANO1)".into(),
                        assignee: Some("rosa@example.com".into()),
                        workflow: "ecuapass-annual-update".into(),
                        run: "01J".into(),
                    }),
                },
            ],
        }
    }

    /// The content lines, unfolded (RFC 5545 3.1).
    fn unfolded(text: &str) -> Vec<String> {
        text.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let text = render(&feed(), &IcsOptions::default());
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
        assert!(!text.replace("\r\n", "").contains('\n'), "a bare LF");
        assert!(!text.replace("\r\n", "").contains('\r'), "a bare CR");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Long descriptions were folded, and unfold to what was written.
        assert!(text.contains("\r\n "), "nothing folded");
    }

    #[test]
    fn every_length_of_text_folds_within_75_octets_and_unfolds_to_itself() {
        // Names of every length, in letters of one and two octets, so a
        // fold falls at every offset, inside characters too.
        for n in 0..160 {
            let mut f = feed();
            let name: String = (0..n).map(|i| if i % 3 == 0 { 'ñ' } else { 'a' }).collect();
            f.deadlines[1].account.as_mut().unwrap().holder_name = name.clone();
            let text = render(&f, &IcsOptions::default());
            for line in text.split("\r\n") {
                assert!(
                    line.len() <= MAX_LINE_OCTETS,
                    "{n}: {} octets: {line}",
                    line.len()
                );
            }
            assert!(
                unfolded(&text).iter().any(|l| l.contains(&name)),
                "{n}: the name does not unfold whole"
            );
        }
    }

    #[test]
    fn each_kind_has_its_dates_uid_sequence_and_alarm() {
        let text = render(&feed(), &IcsOptions::default());
        let lines = unfolded(&text);
        let has = |line: &str| lines.iter().any(|l| l == line);
        for expected in [
            "VERSION:2.0",
            "METHOD:PUBLISH",
            "UID:ctpat-relogin-0011223344556677@garita",
            "DTSTART:20261206T050000Z",
            "SEQUENCE:12",
            "TRIGGER;RELATED=START:-P7D",
            "TRIGGER;RELATED=START:-PT2H",
            "UID:ctpat-deactivation-8899aabbccddeeff@garita",
            "DTSTART;VALUE=DATE:20270104",
            "DTEND;VALUE=DATE:20270105",
            "TRIGGER;RELATED=START:-P6DT15H",
            "UID:ecuapass-annual-update-2027-0123456789abcdef@garita",
            "DTSTART;VALUE=DATE:20270101",
            "DTEND;VALUE=DATE:20270201",
            "TRIGGER;RELATED=END:-P7DT15H",
            "UID:task-due-fedcba9876543210@garita",
            "DTSTART:20270109T130000Z",
            "SEQUENCE:0",
            "DTSTAMP:20261205T120000Z",
        ] {
            assert!(has(expected), "no line {expected} in\n{text}");
        }
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 4);
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VALARM").count(), 6);
        // Every DTSTAMP is the feed's instant, never the clock's.
        assert!(lines
            .iter()
            .filter(|l| l.starts_with("DTSTAMP"))
            .all(|l| l == "DTSTAMP:20261205T120000Z"));
        // Rendering is a function of the deadlines: the same text twice.
        assert_eq!(text, render(&feed(), &IcsOptions::default()));
    }

    #[test]
    fn text_is_escaped_and_spanish_by_default() {
        let text = render(&feed(), &IcsOptions::default());
        let lines = unfolded(&text);
        let summary = lines
            .iter()
            .find(|l| l.starts_with("SUMMARY:CTPAT") && l.contains("último día"))
            .unwrap_or_else(|| panic!("no Spanish CTPAT summary in\n{text}"));
        assert!(
            summary.contains(r"Andes & Sierra Imports\, LLC\; Miami"),
            "{summary}"
        );
        assert!(!text.contains("María Quintero\r"), "a CR reached the file");
        assert!(
            !text.contains("garita "),
            "CLI syntax in a description:\n{text}"
        );
        let english = render(
            &feed(),
            &IcsOptions {
                locale: Locale::En,
                ..IcsOptions::default()
            },
        );
        assert!(english.contains("last day"), "{english}");
    }

    #[test]
    fn the_alarm_days_are_configurable() {
        let text = render(
            &feed(),
            &IcsOptions {
                alarm_days: 0,
                locale: Locale::Es,
            },
        );
        let lines = unfolded(&text);
        assert!(lines.iter().any(|l| l == "TRIGGER;RELATED=START:PT9H"));
        assert!(lines.iter().any(|l| l == "TRIGGER;RELATED=END:-PT15H"));
        // An instant keeps only its last call.
        assert!(!lines.iter().any(|l| l.ends_with(":-P0D")));
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VALARM").count(), 4);
    }

    #[test]
    fn durations_read_as_rfc_5545_writes_them() {
        assert_eq!(
            ical_duration(TimeDelta::hours(9) - TimeDelta::days(7)),
            "-P6DT15H"
        );
        assert_eq!(ical_duration(TimeDelta::hours(9)), "PT9H");
        assert_eq!(ical_duration(-TimeDelta::days(3)), "-P3D");
        assert_eq!(ical_duration(-TimeDelta::minutes(90)), "-PT1H30M");
        assert_eq!(ical_duration(TimeDelta::zero()), "PT0S");
    }
}
