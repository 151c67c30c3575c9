//! Reading the actions' inputs and turning store failures into action errors,
//! each saying which field was wrong and how to fix it.

use chrono::NaiveDate;
use garita_sdk::{ActionError, FieldError, IdempotencyKey};
use serde_json::Value;

use crate::account::{Account, AccountKey, AccountStatus};
use crate::store::StoreError;

/// Who a write is recorded as in the account history: the run and step, which
/// is also what makes a replayed step recognise its own earlier write.
pub fn actor(key: &IdempotencyKey) -> String {
    format!("run {} step {}", key.run_id, key.step_id)
}

/// A required string field.
pub fn text<'a>(input: &'a Value, field: &str) -> Result<&'a str, ActionError> {
    optional_text(input, field)?.ok_or_else(|| {
        ActionError::invalid(
            format!("`{field}` is required"),
            vec![FieldError::new(
                format!("/{field}"),
                "give a non-empty text",
            )],
        )
    })
}

/// An optional string field (absent or null: None; empty: refused).
pub fn optional_text<'a>(input: &'a Value, field: &str) -> Result<Option<&'a str>, ActionError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim())),
        Some(other) => Err(ActionError::invalid(
            format!("`{field}` must be a non-empty text, got {other}"),
            vec![FieldError::new(
                format!("/{field}"),
                "give a non-empty text",
            )],
        )),
    }
}

/// The `account` field as a key.
pub fn account_key(input: &Value) -> Result<AccountKey, ActionError> {
    let given = text(input, "account")?;
    AccountKey::parse(given).ok_or_else(|| {
        ActionError::invalid(
            format!("`account` must be PORTAL:IDENTIFIER, got `{given}`"),
            vec![FieldError::new(
                "/account",
                "give the key `garita accounts list` prints, such as ctpat:ana@example.com",
            )],
        )
    })
}

/// A status name in `field`.
pub fn status(value: &Value, field: &str) -> Result<AccountStatus, ActionError> {
    value
        .as_str()
        .and_then(AccountStatus::parse)
        .ok_or_else(|| {
            let names: Vec<&str> = AccountStatus::ALL.iter().map(|s| s.as_str()).collect();
            ActionError::invalid(
                format!("`{field}` is not an account status: {value}"),
                vec![FieldError::new(
                    format!("/{field}"),
                    format!("use one of {}", names.join(", ")),
                )],
            )
        })
}

/// A `YYYY-MM-DD` date in `field`.
pub fn date(input: &Value, field: &str) -> Result<NaiveDate, ActionError> {
    let given = text(input, field)?;
    NaiveDate::parse_from_str(given, "%Y-%m-%d").map_err(|e| {
        ActionError::invalid(
            format!("`{field}` is not a date: `{given}` ({e})"),
            vec![FieldError::new(
                format!("/{field}"),
                "write it as YYYY-MM-DD, such as 2026-01-20",
            )],
        )
    })
}

/// The account under `key`, or an error naming it.
pub fn known(key: &AccountKey, found: Option<Account>) -> Result<Account, ActionError> {
    found.ok_or_else(|| {
        ActionError::invalid(
            format!("no account `{key}` in the inventory"),
            vec![FieldError::new(
                "/account",
                format!(
                    "`garita accounts list --portal {}` shows the keys; add it with `garita accounts add`",
                    key.portal()
                ),
            )],
        )
    })
}

/// A store failure as an action error: retryable, since the store is
/// usually only busy or briefly unavailable.
pub fn store_failed(doing: &str, error: &StoreError) -> ActionError {
    ActionError::retryable(format!("cannot {doing} the account inventory: {error}"))
}

/// An account as JSON: its key first, then every field, the shape
/// `garita accounts list --json` prints, so workflows read one shape.
pub fn account_json(account: &Account) -> Value {
    let mut value = serde_json::json!({ "key": account.key().to_string() });
    if let (Some(map), Ok(Value::Object(fields))) =
        (value.as_object_mut(), serde_json::to_value(account))
    {
        map.extend(fields);
    }
    value
}
