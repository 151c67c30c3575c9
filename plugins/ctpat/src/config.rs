//! The `[connectors.ctpat]` section of `garita.toml`, with its defaults.

use chrono_tz::Tz;
use garita_sdk::serde_json::Value;
use garita_sdk::{ActionError, InvokeContext};

use crate::dates::parse_zone;
use garita_portal_kit::pick_for;

/// CBP deactivates a user who has not signed in for more than this many days.
pub const DEFAULT_INACTIVITY_LIMIT_DAYS: i64 = 45;
/// Days of inactivity on which a reminder is due by default.
pub const DEFAULT_REMINDER_DAYS: [i64; 3] = [30, 38, 43];
/// The zone whose calendar decides what "today" is: CBP's headquarters.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::America::New_York;

/// The connector's settings, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CtpatConfig {
    /// A user inactive for more than this many days is deactivated.
    pub inactivity_limit_days: i64,
    /// Days of inactivity on which a reminder is due, ascending and unique,
    /// each between 1 and the limit.
    pub reminder_days: Vec<i64>,
    /// The zone whose calendar dates are used.
    pub time_zone: Tz,
    /// The CBP supply chain security specialist's address, if configured.
    pub cbp_specialist_email: Option<String>,
}

impl Default for CtpatConfig {
    fn default() -> Self {
        Self {
            inactivity_limit_days: DEFAULT_INACTIVITY_LIMIT_DAYS,
            reminder_days: DEFAULT_REMINDER_DAYS.to_vec(),
            time_zone: DEFAULT_TIME_ZONE,
            cbp_specialist_email: None,
        }
    }
}

impl CtpatConfig {
    /// Reads the section handed in `ctx.config` (`null` means all defaults).
    ///
    /// A wrong setting is a [`ActionError::Permanent`] naming the setting:
    /// retrying cannot fix it, only editing `garita.toml` can.
    pub fn from_context(ctx: &InvokeContext) -> Result<Self, ActionError> {
        let mut config = Self::default();
        let section = match &ctx.config {
            Value::Null => return Ok(config),
            Value::Object(section) => section,
            _ => {
                return Err(bad_setting(
                    ctx,
                    "",
                    "debe ser una tabla",
                    "must be a table",
                ))
            }
        };
        if let Some(value) = section.get("inactivity_limit_days") {
            config.inactivity_limit_days = value
                .as_i64()
                .filter(|days| (1..=3650).contains(days))
                .ok_or_else(|| {
                    bad_setting(
                        ctx,
                        "inactivity_limit_days",
                        "debe ser un número entero de días entre 1 y 3650",
                        "must be a whole number of days between 1 and 3650",
                    )
                })?;
        }
        if let Some(value) = section.get("reminder_days") {
            config.reminder_days = read_reminder_days(ctx, value, config.inactivity_limit_days)?;
        } else if config
            .reminder_days
            .iter()
            .any(|day| *day > config.inactivity_limit_days)
        {
            // A smaller limit without explicit reminders keeps the defaults that still fit.
            config
                .reminder_days
                .retain(|day| *day <= config.inactivity_limit_days);
        }
        if let Some(value) = section.get("time_zone") {
            config.time_zone = value.as_str().and_then(parse_zone).ok_or_else(|| {
                bad_setting(
                    ctx,
                    "time_zone",
                    "debe ser una zona horaria IANA (por ejemplo America/New_York)",
                    "must be an IANA time zone (for example America/New_York)",
                )
            })?;
        }
        match section.get("cbp_specialist_email") {
            None | Some(Value::Null) => {}
            Some(Value::String(address)) if crate::address::is_valid(address) => {
                config.cbp_specialist_email = Some(address.trim().to_owned());
            }
            Some(_) => {
                return Err(bad_setting(
                    ctx,
                    "cbp_specialist_email",
                    "debe ser una dirección de correo válida",
                    "must be a valid email address",
                ))
            }
        }
        Ok(config)
    }
}

fn read_reminder_days(
    ctx: &InvokeContext,
    value: &Value,
    limit: i64,
) -> Result<Vec<i64>, ActionError> {
    let invalid = || {
        bad_setting(
            ctx,
            "reminder_days",
            format!(
                "debe ser una lista de días enteros entre 1 y {limit} (el límite de inactividad)"
            ),
            format!("must be a list of whole days between 1 and {limit} (the inactivity limit)"),
        )
    };
    let items = value.as_array().ok_or_else(invalid)?;
    let mut days = items
        .iter()
        .map(|item| item.as_i64().filter(|day| (1..=limit).contains(day)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(invalid)?;
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

fn bad_setting(
    ctx: &InvokeContext,
    key: &str,
    spanish: impl Into<String>,
    english: impl Into<String>,
) -> ActionError {
    let setting = if key.is_empty() {
        "[connectors.ctpat]".to_owned()
    } else {
        format!("[connectors.ctpat] {key}")
    };
    let problem = pick_for(ctx, spanish, english);
    ActionError::permanent(pick_for(
        ctx,
        format!("configuración inválida: {setting} {problem}"),
        format!("invalid configuration: {setting} {problem}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::serde_json::json;

    fn with_config(config: Value) -> InvokeContext {
        InvokeContext {
            config,
            ..InvokeContext::for_test()
        }
    }

    #[test]
    fn null_config_means_defaults() {
        let config = CtpatConfig::from_context(&InvokeContext::for_test()).unwrap();
        assert_eq!(config, CtpatConfig::default());
        assert_eq!(config.reminder_days, [30, 38, 43]);
    }

    #[test]
    fn reads_every_setting() {
        let ctx = with_config(json!({
            "inactivity_limit_days": 60,
            "reminder_days": [50, 40, 40],
            "time_zone": "America/Guayaquil",
            "cbp_specialist_email": "specialist@cbp.dhs.gov",
        }));
        let config = CtpatConfig::from_context(&ctx).unwrap();
        assert_eq!(config.inactivity_limit_days, 60);
        assert_eq!(config.reminder_days, [40, 50]);
        assert_eq!(config.time_zone, chrono_tz::America::Guayaquil);
        assert_eq!(
            config.cbp_specialist_email.as_deref(),
            Some("specialist@cbp.dhs.gov")
        );
    }

    #[test]
    fn refuses_reminders_past_the_limit() {
        let ctx = with_config(json!({"inactivity_limit_days": 20, "reminder_days": [10, 25]}));
        let err = CtpatConfig::from_context(&ctx).unwrap_err();
        assert!(err.message().contains("reminder_days"), "{err}");
    }

    #[test]
    fn a_smaller_limit_keeps_the_default_reminders_that_fit() {
        let ctx = with_config(json!({"inactivity_limit_days": 40}));
        assert_eq!(
            CtpatConfig::from_context(&ctx).unwrap().reminder_days,
            [30, 38]
        );
    }

    #[test]
    fn refuses_an_unknown_zone_and_a_bad_address() {
        assert!(
            CtpatConfig::from_context(&with_config(json!({"time_zone": "Mars/Base"}))).is_err()
        );
        assert!(
            CtpatConfig::from_context(&with_config(json!({"cbp_specialist_email": "nobody"})))
                .is_err()
        );
    }
}
