//! Whose calendar a holder's own deadlines are counted in: the account's
//! `time_zone` when the inventory gives one, else the portal's country
//! (Ecuapass: Guayaquil; ANAM: Mexico City; CTPAT: New York), else UTC.
//! And a day written for people in the holder's language ("15 de marzo de
//! 2027", "March 15, 2027"), not as an ISO date.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use garita_engine::account::{Account, AccountFilter, AccountStatus, Locale};

/// The zone a holder's days are counted in.
pub fn holder_zone(account: &Account) -> Tz {
    if let Some(zone) = account.time_zone.as_deref().and_then(|z| z.parse().ok()) {
        return zone;
    }
    match account.portal.as_str() {
        "ecuapass" => chrono_tz::America::Guayaquil,
        "anam" => chrono_tz::America::Mexico_City,
        "ctpat" => chrono_tz::America::New_York,
        _ => chrono_tz::UTC,
    }
}

/// The accounts a holder's own deadline (certificate, password, profile
/// update) is looked at for: every status but offboarded, since a holder
/// who left has their accesses removed, not kept up.
pub fn holders_in_place() -> AccountFilter {
    AccountFilter {
        statuses: vec![
            AccountStatus::Active,
            AccountStatus::AtRisk,
            AccountStatus::Deactivated,
            AccountStatus::Disabled,
        ],
        ..AccountFilter::default()
    }
}

/// Today on the holder's calendar.
pub fn holder_today(account: &Account, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&holder_zone(account)).date_naive()
}

/// The holder's language: the account's `locale`, Spanish when unset (the
/// shipped workflows' own language).
pub fn holder_locale(account: &Account) -> Locale {
    account.locale.unwrap_or(Locale::Es)
}

/// `day` as a person writes it in `locale`: "15 de marzo de 2027",
/// "March 15, 2027".
pub fn prose_date(day: NaiveDate, locale: Locale) -> String {
    garita_engine::expr::date_in_words(day, locale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_engine::account::{Company, Holder};

    fn account(portal: &str, zone: Option<&str>) -> Account {
        let mut a = Account::new(portal, "x", Holder::default(), Company::default());
        a.time_zone = zone.map(str::to_owned);
        a
    }

    #[test]
    fn the_holders_zone_wins_over_the_portals_country() {
        // 03:00 UTC on 16 March: still the 15th in Mexico and Ecuador.
        let now = DateTime::parse_from_rfc3339("2027-03-16T03:00:00Z")
            .unwrap()
            .to_utc();
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).unwrap();
        assert_eq!(holder_today(&account("anam", None), now), day(15));
        assert_eq!(holder_today(&account("ecuapass", None), now), day(15));
        assert_eq!(holder_today(&account("other", None), now), day(16));
        assert_eq!(
            holder_today(&account("anam", Some("Europe/Madrid")), now),
            day(16)
        );
    }

    #[test]
    fn dates_read_as_people_write_them() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 5).unwrap();
        assert_eq!(prose_date(day, Locale::Es), "5 de marzo de 2027");
        assert_eq!(prose_date(day, Locale::En), "March 5, 2027");
    }
}
