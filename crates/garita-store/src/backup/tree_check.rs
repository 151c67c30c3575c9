//! "Every record decodes", for a format-1 file: the check it passes before it may replace
//! a store. Trees whose values this build knows are decoded as their types;
//! trees of versioned JSON values are parsed as JSON; the rest (indexes of
//! raw ids, workflow sources, trees a newer build added) are protected by
//! the file's checksum alone.

use garita_engine::{OutboxEntry, RunEvent, RunRecord, Task};
use serde::de::{DeserializeOwned, IgnoredAny};

use super::format::TreeData;
use crate::codec::decode;
use crate::keys::{tree, SCHEMA_VERSION_KEY};
use crate::schema::SCHEMA_VERSION;

/// Trees whose values are versioned JSON of a type this check does not name.
const JSON_TREES: &[&str] = &["accounts", "account_history", "emitted_events", "schedules"];

/// Decodes every record of `trees`; `Err` names the first one that does not.
pub(crate) fn check_records(trees: &[TreeData]) -> Result<(), String> {
    let meta = trees.iter().find(|t| t.name == tree::META).ok_or(
        "it holds no `meta` tree, so no schema version: it is not a copy of a garita store",
    )?;
    check_schema_version(meta)?;
    for tree in trees {
        match tree.name.as_str() {
            tree::RUNS => decode_all::<RunRecord>(tree)?,
            tree::EVENTS => decode_all::<RunEvent>(tree)?,
            "outbox" => decode_all::<OutboxEntry>(tree)?,
            "tasks" => decode_all::<Task>(tree)?,
            name if JSON_TREES.contains(&name) => decode_all::<IgnoredAny>(tree)?,
            // JSON from a garita of schema 3 or older; compact from later.
            "audit" => audit_entries(tree)?,
            "account_rows" => account_rows(tree)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_schema_version(meta: &TreeData) -> Result<(), String> {
    let value = meta
        .records
        .iter()
        .find(|(k, _)| k.as_slice() == SCHEMA_VERSION_KEY)
        .map(|(_, v)| v)
        .ok_or("its `meta` tree has no schema version")?;
    let version = <[u8; 4]>::try_from(value.as_slice())
        .map(u32::from_be_bytes)
        .map_err(|_| {
            format!(
                "its schema version is {} bytes long instead of 4",
                value.len()
            )
        })?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "it holds a store of schema version {version}, newer than this garita's {SCHEMA_VERSION}; restore it with a newer garita"
        ));
    }
    Ok(())
}

fn audit_entries(tree: &TreeData) -> Result<(), String> {
    for (key, value) in &tree.records {
        crate::audit::compact::decode_entry(value, || {
            format!("record {} of tree `audit`", String::from_utf8_lossy(key))
        })
        .map_err(|e| format!("a record does not decode: {e}"))?;
    }
    Ok(())
}

fn account_rows(tree: &TreeData) -> Result<(), String> {
    for (key, value) in &tree.records {
        crate::accounts::row::decode_row(value, || {
            format!(
                "record {} of tree `account_rows`",
                String::from_utf8_lossy(key).replace('\0', ":")
            )
        })
        .map_err(|e| format!("a record does not decode: {e}"))?;
    }
    Ok(())
}

fn decode_all<T: DeserializeOwned>(tree: &TreeData) -> Result<(), String> {
    for (key, value) in &tree.records {
        decode::<T>(value, || {
            format!(
                "record {} of tree `{}`",
                String::from_utf8_lossy(key).replace('\0', "/"),
                tree.name
            )
        })
        .map_err(|e| format!("a record does not decode: {e}"))?;
    }
    Ok(())
}
