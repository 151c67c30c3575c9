//! The countries Garita has a business calendar for, by ISO 3166-1 code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::CalendarError;

/// A country with a business calendar, written in workflows as its ISO
/// 3166-1 alpha-2 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Country {
    /// Mexico (ANAM's portal).
    #[serde(rename = "MX")]
    Mexico,
    /// Ecuador (SENAE's Ecuapass).
    #[serde(rename = "EC")]
    Ecuador,
    /// The United States (CBP's CTPAT portal).
    #[serde(rename = "US")]
    UnitedStates,
}

impl Country {
    /// Every country with a calendar, in the order messages list them.
    pub const ALL: [Country; 3] = [Country::Mexico, Country::Ecuador, Country::UnitedStates];

    /// The ISO 3166-1 alpha-2 code workflows use.
    pub fn code(self) -> &'static str {
        match self {
            Country::Mexico => "MX",
            Country::Ecuador => "EC",
            Country::UnitedStates => "US",
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Country {
    type Err = CalendarError;

    /// Only the upper-case code: workflows spell it one way, so a search
    /// for `business_days: US` finds every use.
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Country::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| CalendarError::UnknownCountry(code.to_owned()))
    }
}
