//! `garita calendar export`: the deadlines operation's answer rendered as
//! an iCalendar file (docs/calendar.md), on stdout or into a file the
//! caller names.

use std::path::Path;
use std::process::ExitCode;

use garita_app::ops::calendar::CalendarQuery;
use garita_app::Operations;
use garita_engine::account::Locale;

use crate::calendar_ics::{self, IcsOptions};
use crate::cli::CalendarCommand;
use crate::output::say;
use crate::usage::UsageError;

/// `store_dir`: where the store is (an export is never written into it).
pub async fn calendar(
    ops: &dyn Operations,
    json: bool,
    store_dir: &Path,
    command: CalendarCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Url { user, revoke } => {
            let made = ops.calendar_url(&user, revoke, None).await?;
            if json {
                crate::output::json(&made)?;
            } else if let Some(url) = &made.url {
                say!("{url}");
                crate::output::say_stderr!(
                    "Subscribe to it in Outlook or Google Calendar (\"from URL\"). It is shown only now; \
                     `garita calendar url --user {} --revoke` stops every feed of this person.",
                    made.email
                );
            } else {
                say!(
                    "revoked {} calendar feed(s) of {}",
                    made.revoked,
                    made.email
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        // `dispatch` answers it from the configuration, before any store.
        CalendarCommand::Holidays { .. } => Err(anyhow::anyhow!(
            "`garita calendar holidays` needs no store; it is answered from the configuration"
        )),
        CalendarCommand::Export {
            portal,
            company,
            holder,
            output,
            alarm_days,
            locale,
        } => {
            let locale = Locale::parse(&locale)
                .ok_or_else(|| UsageError(format!("--locale `{locale}` is not one of es, en")))?;
            let feed = ops
                .calendar_deadlines(CalendarQuery {
                    portal,
                    company,
                    holder,
                })
                .await?;
            // --json: the deadlines themselves, wherever the file would go.
            let text = if json {
                let mut text = serde_json::to_string_pretty(&feed)?;
                text.push('\n');
                text
            } else {
                calendar_ics::render(&feed, &IcsOptions { alarm_days, locale })
            };
            match output {
                None => crate::output::write_raw(text.as_bytes()),
                Some(path) => {
                    // Whole or not at all, by the caller (also through a daemon).
                    garita_app::wiring::write_file_whole(store_dir, &path, text.as_bytes())?;
                    say!(
                        "exported {} deadline(s) to {}",
                        feed.deadlines.len(),
                        path.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
