//! `ctpat.email_list_review`: compares the emails enabled under "Company
//! Details" in the CTPAT portal with Garita's account inventory.
//!
//! Every user of a member company must be able to sign in and watch the
//! portal's notifications, and people who left must lose access. So: an active
//! holder whose email is not enabled is to be added; an enabled email that
//! belongs to someone offboarded, or to nobody in the inventory, is to be
//! removed; everything else stays. Emails compare case-insensitively.

use std::collections::{HashMap, HashSet};

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde::Serialize;

use crate::address::{self, comparable};
use garita_portal_kit::FieldReader;

/// The action's name after the dot.
pub const NAME: &str = "email_list_review";

/// An inventory status meaning the holder needs portal access.
pub const ACTIVE: &str = "active";
/// An inventory status meaning the holder left the company.
pub const OFFBOARDED: &str = "offboarded";

/// One holder of a CTPAT portal user, from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryAccount {
    /// The email the holder signs in with.
    pub email: String,
    /// The holder's name.
    pub holder_name: String,
    /// `active`, `offboarded`, or another inventory status (such as
    /// `deactivated`), which still counts as a member of the company.
    pub status: String,
}

/// Why an enabled email should be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// Its holder left the company.
    Offboarded,
    /// No account in the inventory has it.
    Unknown,
}

/// An enabled email to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// The email as enabled in the portal.
    pub email: String,
    /// Why.
    pub reason: RemovalReason,
    /// The former holder, when the inventory knows one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder_name: Option<String>,
}

/// An enabled email to keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kept {
    /// The email as enabled in the portal.
    pub email: String,
    /// Its holder in the inventory.
    pub holder_name: String,
}

/// The outcome of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// Active accounts whose email is not enabled, in inventory order.
    pub add: Vec<InventoryAccount>,
    /// Enabled emails to take off the list, in list order.
    pub remove: Vec<Removal>,
    /// Enabled emails that stay, in list order.
    pub keep: Vec<Kept>,
}

/// Reviews the `enabled` emails against the `accounts` of the inventory.
///
/// When several accounts share an email the one that still needs access
/// decides: any non-offboarded holder keeps the email enabled. Repeated
/// entries of the list are reported once.
pub fn review(enabled: &[String], accounts: &[InventoryAccount]) -> Review {
    let mut holders: HashMap<String, &InventoryAccount> = HashMap::new();
    for account in accounts {
        let key = comparable(&account.email);
        let replace = match holders.get(&key) {
            None => true,
            Some(current) => current.status == OFFBOARDED && account.status != OFFBOARDED,
        };
        if replace {
            holders.insert(key, account);
        }
    }
    let mut seen = HashSet::new();
    let (mut remove, mut keep) = (Vec::new(), Vec::new());
    for email in enabled {
        let key = comparable(email);
        if !seen.insert(key.clone()) {
            continue;
        }
        match holders.get(&key) {
            None => remove.push(Removal {
                email: email.trim().to_owned(),
                reason: RemovalReason::Unknown,
                holder_name: None,
            }),
            Some(holder) if holder.status == OFFBOARDED => remove.push(Removal {
                email: email.trim().to_owned(),
                reason: RemovalReason::Offboarded,
                holder_name: Some(holder.holder_name.clone()),
            }),
            Some(holder) => keep.push(Kept {
                email: email.trim().to_owned(),
                holder_name: holder.holder_name.clone(),
            }),
        }
    }
    let mut added = HashSet::new();
    let add = accounts
        .iter()
        .filter(|account| account.status == ACTIVE)
        .filter(|account| !seen.contains(&comparable(&account.email)))
        .filter(|account| added.insert(comparable(&account.email)))
        .cloned()
        .collect();
    Review { add, remove, keep }
}

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    let account = json!({
        "type": "object",
        "required": ["email", "holder_name", "status"],
        "additionalProperties": false,
        "properties": {
            "email": {"type": "string", "format": "email"},
            "holder_name": {"type": "string"},
            "status": {"type": "string", "description": "active, offboarded, or another inventory status (kept as a member)."}
        }
    });
    ActionSpec::new(
        NAME,
        "Compares the emails enabled in the CTPAT portal's Company Details with the account inventory: who to add, who to remove, who stays.",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["enabled_emails", "accounts"],
        "additionalProperties": false,
        "properties": {
            "enabled_emails": {"type": "array", "items": {"type": "string"}, "description": "The emails enabled in the portal now."},
            "accounts": {"type": "array", "items": account}
        }
    }))
    .output_schema(json!({
        "type": "object",
        "required": ["add", "remove", "keep"],
        "additionalProperties": false,
        "properties": {
            "add": {"type": "array", "items": account},
            "remove": {"type": "array", "items": {
                "type": "object",
                "required": ["email", "reason"],
                "additionalProperties": false,
                "properties": {
                    "email": {"type": "string"},
                    "reason": {"enum": ["offboarded", "unknown"]},
                    "holder_name": {"type": "string"}
                }
            }},
            "keep": {"type": "array", "items": {
                "type": "object",
                "required": ["email", "holder_name"],
                "additionalProperties": false,
                "properties": {"email": {"type": "string"}, "holder_name": {"type": "string"}}
            }}
        }
    }))
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let mut reader = FieldReader::new(ctx, input);
    reader.refuse_unknown(&["enabled_emails", "accounts"]);
    let enabled = reader
        .required_array("enabled_emails")
        .map(|items| read_enabled(&mut reader, items));
    let accounts = reader
        .required_array("accounts")
        .map(|items| read_accounts(&mut reader, items));
    let (enabled, accounts) = reader.finish(enabled.zip(accounts))?;
    let review = review(&enabled, &accounts);
    garita_sdk::serde_json::to_value(review).map_err(|err| ActionError::permanent(err.to_string()))
}

fn read_enabled(reader: &mut FieldReader<'_>, items: &[Value]) -> Vec<String> {
    let mut emails = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(email) if address::is_valid(email) => emails.push(email.trim().to_owned()),
            _ => reader.fail(
                format!("/enabled_emails/{index}"),
                "debe ser una dirección de correo válida",
                "must be a valid email address",
            ),
        }
    }
    emails
}

fn read_accounts<'a>(reader: &mut FieldReader<'a>, items: &'a [Value]) -> Vec<InventoryAccount> {
    let mut accounts = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let mut nested = reader.nested(item, format!("/accounts/{index}"));
        nested.refuse_unknown(&["email", "holder_name", "status"]);
        let email = nested.required_str("email");
        if email
            .as_deref()
            .is_some_and(|email| !address::is_valid(email))
        {
            let path = nested.path("email");
            nested.fail(
                path,
                "debe ser una dirección de correo válida",
                "must be a valid email address",
            );
        }
        let holder_name = nested.required_str("holder_name");
        let status = nested
            .required_str("status")
            .map(|status| status.to_lowercase());
        if nested.is_clean() {
            if let (Some(email), Some(holder_name), Some(status)) = (email, holder_name, status) {
                accounts.push(InventoryAccount {
                    email,
                    holder_name,
                    status,
                });
            }
        }
        reader.absorb(nested);
    }
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(email: &str, holder_name: &str, status: &str) -> InventoryAccount {
        InventoryAccount {
            email: email.into(),
            holder_name: holder_name.into(),
            status: status.into(),
        }
    }

    #[test]
    fn sorts_the_list_into_add_remove_and_keep() {
        let enabled = vec![
            "Ana@Empresa.com".to_owned(),
            "luis@empresa.com".to_owned(),
            "old@empresa.com".to_owned(),
        ];
        let accounts = vec![
            account("ana@empresa.com", "Ana Pérez", "active"),
            account("luis@empresa.com", "Luis Ortega", "offboarded"),
            account("nuria@empresa.com", "Nuria Ibáñez", "active"),
            account("pedro@empresa.com", "Pedro Ruiz", "offboarded"),
        ];
        let review = review(&enabled, &accounts);
        assert_eq!(
            review.add,
            [account("nuria@empresa.com", "Nuria Ibáñez", "active")]
        );
        assert_eq!(
            review.remove,
            [
                Removal {
                    email: "luis@empresa.com".into(),
                    reason: RemovalReason::Offboarded,
                    holder_name: Some("Luis Ortega".into())
                },
                Removal {
                    email: "old@empresa.com".into(),
                    reason: RemovalReason::Unknown,
                    holder_name: None
                },
            ]
        );
        assert_eq!(
            review.keep,
            [Kept {
                email: "Ana@Empresa.com".into(),
                holder_name: "Ana Pérez".into()
            }]
        );
    }

    #[test]
    fn a_deactivated_holder_still_belongs_to_the_company() {
        let review = review(
            &["ana@x.com".to_owned()],
            &[account("ANA@x.com", "Ana", "deactivated")],
        );
        assert_eq!(review.keep.len(), 1);
        assert!(review.remove.is_empty() && review.add.is_empty());
    }

    #[test]
    fn a_shared_email_stays_while_anyone_active_holds_it() {
        let accounts = [
            account("turno@x.com", "Ana", "offboarded"),
            account("Turno@X.com", "Bea", "active"),
        ];
        let review = review(&["turno@x.com".to_owned()], &accounts);
        assert_eq!(
            review.keep,
            [Kept {
                email: "turno@x.com".into(),
                holder_name: "Bea".into()
            }]
        );
    }

    #[test]
    fn duplicates_are_reported_once() {
        let accounts = [
            account("a@x.com", "A", "active"),
            account("A@x.com", "A", "active"),
        ];
        let review = review(&["b@x.com".to_owned(), "B@X.COM".to_owned()], &accounts);
        assert_eq!(review.add.len(), 1);
        assert_eq!(review.remove.len(), 1);
    }

    #[test]
    fn runs_from_json_and_points_at_bad_items() {
        let ctx = InvokeContext::for_test();
        let input = json!({
            "enabled_emails": ["ana@x.com"],
            "accounts": [{"email": "ana@x.com", "holder_name": "Ana", "status": "Active"}],
        });
        let out = run(&ctx, &input).unwrap();
        assert_eq!(
            out,
            json!({"add": [], "remove": [], "keep": [{"email": "ana@x.com", "holder_name": "Ana"}]})
        );
        let bad = json!({"enabled_emails": ["nope"], "accounts": [{"email": "ana@x.com", "status": "active"}]});
        let err = run(&ctx, &bad).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("/enabled_emails/0") && text.contains("/accounts/0/holder_name"),
            "{text}"
        );
    }
}
