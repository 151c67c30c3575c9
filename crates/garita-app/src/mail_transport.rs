//! Where the daemon's email goes, said once at start-up: with no SMTP
//! configured, `email.send` only writes `.eml` files (recorded `written` in
//! the outbox), and an operator who expected delivered mail must hear it
//! before the first reminder quietly lands in a folder.

use serde_json::Value;

use crate::wiring::App;

/// Logs a warning when email goes only to files (the default transport).
pub fn warn_if_mail_goes_only_to_files(app: &App) {
    let config = app.connector_config();
    if let Some(dir) = config.get(email::CONNECTOR_NAME).and_then(file_outbox_of) {
        tracing::warn!(
            outbox_dir = %dir,
            "email is written to files in {dir}, not delivered: no SMTP server is configured. \
             Messages are recorded `written` (`garita outbox list --status written`); set \
             [connectors.email] transport = \"smtp\" (docs/email.md) to deliver them"
        );
    }
}

/// The directory mail is written to when `section` (`[connectors.email]`)
/// selects the file transport, which is also the default; `None` for SMTP.
fn file_outbox_of(section: &Value) -> Option<String> {
    match section
        .get("transport")
        .and_then(Value::as_str)
        .map(str::trim)
    {
        None | Some("file") => Some(
            section
                .get("outbox_dir")
                .and_then(Value::as_str)
                .unwrap_or(email::DEFAULT_OUTBOX_DIR)
                .to_owned(),
        ),
        // SMTP, or a wrong value the connector refuses at the first send
        // with its own message.
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_default_and_file_transports_are_files_only() {
        assert_eq!(
            file_outbox_of(&json!({"outbox_dir": "/s/outbox"})).as_deref(),
            Some("/s/outbox")
        );
        assert_eq!(
            file_outbox_of(&json!({"transport": "file"})).as_deref(),
            Some(email::DEFAULT_OUTBOX_DIR)
        );
    }

    #[test]
    fn smtp_is_not_files_only() {
        assert_eq!(
            file_outbox_of(&json!({"transport": "smtp", "host": "smtp.example.com"})),
            None
        );
    }
}
