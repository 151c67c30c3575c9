use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Identifies one attempt of one step of one run.
///
/// The executor hands the same key again when it re-runs a step that was in
/// flight during a crash; a connector with side effects uses it to do them at
/// most once (or, for email, to give the duplicate the same `Message-ID`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey {
    /// The run's id.
    pub run_id: String,
    /// The step's id inside the workflow.
    pub step_id: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.run_id, self.step_id, self.attempt)
    }
}

/// Everything a connector may know about the call besides its input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvokeContext {
    /// Run, step and attempt of this call.
    pub idempotency_key: IdempotencyKey,
    /// `es` or `en`: the language of any text meant for people.
    pub locale: String,
    /// IANA time zone of the run (for example `America/Guayaquil`).
    pub time_zone: String,
    /// The current instant as the engine's clock sees it (it may be pinned or
    /// simulated); connectors read time from here, never from the system.
    pub now: DateTime<Utc>,
    /// When the call must be over; past it the engine treats the attempt as timed out.
    pub deadline: Option<DateTime<Utc>>,
    /// The connector's own section of `garita.toml` (`[connectors.NAME]`), or `null`.
    #[serde(default)]
    pub config: serde_json::Value,
}

impl InvokeContext {
    /// A builder for contexts in tests and direct calls, starting from
    /// [`InvokeContext::for_test`]'s values; set at least
    /// [`now`](InvokeContextBuilder::now) when the action reads the date.
    ///
    /// ```
    /// use garita_sdk::chrono::{TimeZone, Utc};
    /// use garita_sdk::InvokeContext;
    ///
    /// let ctx = InvokeContext::builder()
    ///     .now(Utc.with_ymd_and_hms(2026, 1, 31, 23, 30, 0).unwrap())
    ///     .time_zone("America/Guayaquil")
    ///     .locale("en")
    ///     .build();
    /// assert_eq!(ctx.today().unwrap().to_string(), "2026-01-31");
    /// ```
    pub fn builder() -> InvokeContextBuilder {
        InvokeContextBuilder {
            ctx: Self::for_test(),
        }
    }

    /// The run's time zone ([`InvokeContext::time_zone`], an IANA name);
    /// an error naming it when it is not a zone chrono-tz knows.
    pub fn time_zone_of_run(&self) -> Result<chrono_tz::Tz, crate::ActionError> {
        self.time_zone.parse::<chrono_tz::Tz>().map_err(|_| {
            crate::ActionError::permanent(format!(
                "the run's time zone `{}` is not an IANA time zone (for example America/Guayaquil)",
                self.time_zone
            ))
        })
    }

    /// Today's date in the run's time zone: the calendar day of
    /// [`InvokeContext::now`] where the run's people are, which is what
    /// deadlines in days count in (UTC would be a day ahead every evening
    /// in the Americas).
    pub fn today(&self) -> Result<NaiveDate, crate::ActionError> {
        Ok(self
            .now
            .with_timezone(&self.time_zone_of_run()?)
            .date_naive())
    }

    /// A context for unit tests and direct calls: run `test`, step `test`,
    /// attempt 1, locale `es`, zone `UTC`, the Unix epoch as `now` (use
    /// [`InvokeContext::builder`] to set another instant).
    pub fn for_test() -> Self {
        Self {
            idempotency_key: IdempotencyKey {
                run_id: "test".into(),
                step_id: "test".into(),
                attempt: 1,
            },
            locale: "es".into(),
            time_zone: "UTC".into(),
            now: DateTime::<Utc>::UNIX_EPOCH,
            deadline: None,
            config: serde_json::Value::Null,
        }
    }

    /// True when the caller asked for English text.
    pub fn is_english(&self) -> bool {
        self.locale.eq_ignore_ascii_case("en")
            || self.locale.to_ascii_lowercase().starts_with("en-")
    }
}

/// Builds an [`InvokeContext`] (see [`InvokeContext::builder`]).
#[derive(Debug, Clone)]
pub struct InvokeContextBuilder {
    ctx: InvokeContext,
}

impl InvokeContextBuilder {
    /// The current instant as the engine's clock would give it.
    pub fn now(mut self, now: DateTime<Utc>) -> Self {
        self.ctx.now = now;
        self
    }

    /// `es` or `en`.
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.ctx.locale = locale.into();
        self
    }

    /// The run's IANA time zone.
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.ctx.time_zone = zone.into();
        self
    }

    /// The connector's configuration section.
    pub fn config(mut self, config: serde_json::Value) -> Self {
        self.ctx.config = config;
        self
    }

    /// Run, step and attempt of the call.
    pub fn attempt(mut self, run_id: &str, step_id: &str, attempt: u32) -> Self {
        self.ctx.idempotency_key = IdempotencyKey {
            run_id: run_id.to_owned(),
            step_id: step_id.to_owned(),
            attempt,
        };
        self
    }

    /// When the call must be over.
    pub fn deadline(mut self, deadline: DateTime<Utc>) -> Self {
        self.ctx.deadline = Some(deadline);
        self
    }

    /// The context.
    pub fn build(self) -> InvokeContext {
        self.ctx
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_counted_in_the_run_s_time_zone() {
        // 02:30 UTC on 1 February is still 31 January in Guayaquil (UTC-5).
        let now = Utc.with_ymd_and_hms(2026, 2, 1, 2, 30, 0).unwrap();
        let ctx = InvokeContext::builder()
            .now(now)
            .time_zone("America/Guayaquil")
            .build();
        assert_eq!(
            ctx.today().unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 31).unwrap()
        );
        let utc = InvokeContext::builder().now(now).build();
        assert_eq!(
            utc.today().unwrap(),
            NaiveDate::from_ymd_opt(2026, 2, 1).unwrap()
        );
    }

    #[test]
    fn an_unknown_zone_is_an_error_that_names_it() {
        let ctx = InvokeContext::builder().time_zone("Mars/Olympus").build();
        let err = ctx.today().unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
    }

    #[test]
    fn the_builder_sets_what_it_is_given() {
        let ctx = InvokeContext::builder()
            .locale("en")
            .attempt("r1", "s1", 2)
            .config(serde_json::json!({"a": 1}))
            .build();
        assert_eq!(ctx.idempotency_key.to_string(), "r1/s1/2");
        assert!(ctx.is_english());
        assert_eq!(ctx.config["a"], 1);
    }
}
