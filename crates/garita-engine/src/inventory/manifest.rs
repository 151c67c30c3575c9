//! What the `accounts` and `event` connectors declare: their actions with
//! input and output JSON Schemas, side effects flagged, so `garita validate`
//! checks a workflow's `with:` against them like any plugin's, and the
//! fields its templates read from their outputs (the output schemas are
//! closed: a field they do not list is a typo).

use garita_sdk::{ActionSpec, Manifest};
use serde_json::{json, Value};

use crate::account::{facts, AccountStatus};

/// Connector name of the account inventory actions (`accounts.list`, ...).
pub const ACCOUNTS: &str = "accounts";

/// Connector name of the event queue actions (`event.emit`).
pub const EVENT: &str = "event";

/// The manifests of both built-in inventory connectors.
pub fn manifests() -> Vec<Manifest> {
    vec![accounts_manifest(), event_manifest()]
}

fn accounts_manifest() -> Manifest {
    Manifest::new(
        ACCOUNTS,
        env!("CARGO_PKG_VERSION"),
        "The account inventory: list and read accounts, set their status, record evidence (history keeps who and why).",
    )
    .action(
        ActionSpec::new("list", "Accounts matching every filter given, by key (by deactivation date with deactivates_within).")
            .input_schema(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "portal": {"type": "string", "minLength": 1, "description": "Only this portal (ctpat, ecuapass, anam, ...)."},
                    "status": {
                        "description": "Only these statuses: one name or a list.",
                        "anyOf": [status_schema(), {"type": "array", "items": status_schema()}]
                    },
                    "company": {"type": "string", "minLength": 1, "description": "Legal name contains this text, or the tax id is this one."},
                    "ctpat_account_number": {"type": "string", "minLength": 1, "description": "Only users of this CTPAT account (the company's account number; separators and case ignored)."},
                    "holder": {"type": "string", "minLength": 1, "description": "The holder's email or employee id."},
                    "deactivates_within": {"type": "integer", "minimum": 0, "maximum": 3660, "description": "Only CTPAT accounts deactivating on one of the N days after today (the run's time zone)."}
                }
            }))
            .output_schema(json!({
                "type": "object",
                "required": ["accounts", "count"],
                "additionalProperties": false,
                "properties": {
                    "accounts": {"type": "array", "items": account_schema()},
                    "count": {"type": "integer", "minimum": 0}
                }
            })),
    )
    .action(
        ActionSpec::new("companies", "The distinct companies of the accounts matching every filter given, by tax id, each with how many of those accounts it has; read a page at a time, so a run keeps the companies, never the inventory.")
            .input_schema(json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "portal": {"type": "string", "minLength": 1, "description": "Only accounts of this portal (ctpat, ecuapass, anam, ...)."},
                    "status": {
                        "description": "Only accounts in these statuses: one name or a list.",
                        "anyOf": [status_schema(), {"type": "array", "items": status_schema()}]
                    }
                }
            }))
            .output_schema(json!({
                "type": "object",
                "required": ["companies", "count"],
                "additionalProperties": false,
                "properties": {
                    "companies": {"type": "array", "items": {
                        "type": "object",
                        "required": ["tax_id", "legal_name", "ctpat_account_number", "accounts"],
                        "additionalProperties": false,
                        "properties": {
                            "tax_id": {"type": "string"},
                            "legal_name": {"type": "string"},
                            "ctpat_account_number": {"type": ["string", "null"]},
                            "accounts": {"type": "integer", "minimum": 1, "description": "Accounts matching the filters with exactly this company record."}
                        }
                    }},
                    "count": {"type": "integer", "minimum": 0}
                }
            })),
    )
    .action(
        ActionSpec::new("get", "One account by key; found is false when the inventory has none.")
            .input_schema(json!({
                "type": "object",
                "required": ["account"],
                "additionalProperties": false,
                "properties": {"account": account_key_schema()}
            }))
            .output_schema(json!({
                "type": "object",
                "required": ["found", "account"],
                "additionalProperties": false,
                "properties": {
                    "found": {"type": "boolean"},
                    "account": {"anyOf": [account_schema(), {"type": "null"}]}
                }
            })),
    )
    .action(
        ActionSpec::new(
            "set_status",
            "Sets an account's status; the history records the run and step as who and `reason` as why. With `emit`, queues that event in the same commit, only when the status changes.",
        )
        .input_schema(json!({
            "type": "object",
            "required": ["account", "status", "reason"],
            "additionalProperties": false,
            "properties": {
                "account": account_key_schema(),
                "status": status_schema(),
                "reason": {"type": "string", "minLength": 1, "description": "Why, as the history shows it."},
                "effective_on": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "The day the change took effect (default: today in the run's time zone). A CTPAT account set active from deactivated records it as its `reactivated_on` fact: the portal rules then expect a sign-in that same day."},
                "emit": emit_schema()
            }
        }))
        .output_schema(json!({
            "type": "object",
            "required": ["account", "changed", "previous_status", "replayed", "emitted"],
            "additionalProperties": false,
            "properties": {
                "account": account_schema(),
                "changed": {"type": "boolean"},
                "previous_status": {"anyOf": [status_schema(), {"type": "null"}]},
                "replayed": {"type": "boolean"},
                "emitted": {"anyOf": [{"type": "string"}, {"type": "null"}]}
            }
        }))
        .with_side_effects(),
    )
    .action(
        ActionSpec::new(
            "record_evidence",
            "Records evidence of something done on an account (date, note, reference) in its history and its evidence attributes.",
        )
        .input_schema(json!({
            "type": "object",
            "required": ["account", "date", "note"],
            "additionalProperties": false,
            "properties": {
                "account": account_key_schema(),
                "date": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "When it was done (YYYY-MM-DD)."},
                "note": {"type": "string", "minLength": 1, "description": "What was done, and how it is known."},
                "reference": {"type": "string", "minLength": 1, "description": "Where the proof is: a file, a link, a portal receipt number."},
                "fact": {"type": "string", "enum": facts::ALL, "description": "Also record `date` as this fact, which the portal rules read (annual_update_on: the Ecuapass annual update was confirmed that day)."}
            }
        }))
        .output_schema(json!({
            "type": "object",
            "required": ["account", "recorded", "replayed"],
            "additionalProperties": false,
            "properties": {
                "account": account_schema(),
                "recorded": {"type": "boolean"},
                "replayed": {"type": "boolean"}
            }
        }))
        .with_side_effects(),
    )
}

fn event_manifest() -> Manifest {
    Manifest::new(
        EVENT,
        env!("CARGO_PKG_VERSION"),
        "The event queue: a workflow emits an event that starts the workflows whose `event:` trigger names it.",
    )
    .action(
        ActionSpec::new(
            "emit",
            "Queues an event durably for `garita daemon` (and `garita simulate`); each workflow with a matching `event:` trigger starts with the data filling its inputs of the same names.",
        )
        .input_schema(json!({
            "type": "object",
            "required": ["name"],
            "additionalProperties": false,
            "properties": {
                "name": event_name_schema(),
                "data": {"type": "object", "description": "What the triggered runs receive; its keys fill the inputs of the same names."}
            }
        }))
        .output_schema(json!({
            "type": "object",
            "required": ["name", "event_id", "replayed"],
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "event_id": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "replayed": {"type": "boolean"}
            }
        }))
        .with_side_effects(),
    )
}

fn status_schema() -> Value {
    let names: Vec<&str> = AccountStatus::ALL.iter().map(|s| s.as_str()).collect();
    json!({"type": "string", "enum": names})
}

fn account_key_schema() -> Value {
    json!({
        "type": "string",
        "pattern": "^[^:]+:.+$",
        "description": "PORTAL:IDENTIFIER, the key `garita accounts list` prints (ctpat:ana@example.com)."
    })
}

fn event_name_schema() -> Value {
    json!({
        "type": "string",
        "pattern": "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$",
        "description": "Dotted lower-case name, such as ctpat.deactivated."
    })
}

fn emit_schema() -> Value {
    json!({
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "description": "An event to queue in the same commit as the status change.",
        "properties": {
            "name": event_name_schema(),
            "data": {"type": "object"}
        }
    })
}

/// An account as the actions return it: the shape `garita accounts list
/// --json` prints (its key first, then every field of [`Account`]). Closed
/// (`additionalProperties: false`) down to the holder and company, so that
/// `garita validate` reports `${{ account.holder.nmae }}` as the typo it is;
/// the inventory tests check real outputs against it.
///
/// [`Account`]: crate::account::Account
fn account_schema() -> Value {
    let optional_text = || json!({"type": ["string", "null"]});
    let optional_date = || json!({"type": ["string", "null"], "format": "date"});
    json!({
        "type": "object",
        "required": ["key", "portal", "identifier", "holder", "company", "status"],
        "additionalProperties": false,
        "properties": {
            "key": {"type": "string", "description": "PORTAL:IDENTIFIER, normalised: what the other actions take as `account`."},
            "portal": {"type": "string"},
            "identifier": {"type": "string"},
            "holder": {
                "type": "object",
                "required": ["name", "email"],
                "additionalProperties": false,
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "employee_id": optional_text(),
                    "national_id": optional_text()
                }
            },
            "company": {
                "type": "object",
                "required": ["legal_name", "tax_id"],
                "additionalProperties": false,
                "properties": {
                    "legal_name": {"type": "string"},
                    "tax_id": {"type": "string"},
                    "ctpat_account_number": optional_text()
                }
            },
            "role": optional_text(),
            "attributes": {
                "type": "object",
                "description": "Free attributes (cost centre, site, evidence_on ...): any name.",
                "additionalProperties": {"type": "string"}
            },
            "last_sign_in": optional_date(),
            "status": status_schema(),
            "deactivates_on": optional_date(),
            "revision": {"type": "integer", "minimum": 0},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"}
        }
    })
}
