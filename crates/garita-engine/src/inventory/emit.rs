//! `event.emit`: queues an event for the `event:` triggers of the loaded
//! workflows, the way `garita accounts offboard` queues `account.offboarded`.
//!
//! Idempotency: the event's data carries `emitted_by` (run and step); a step
//! that runs again while its event is still queued finds it and does not
//! queue a second one. Once the daemon has consumed the event the queue no
//! longer shows it, so a replay after that (a crash in the instant between
//! the queueing and the step's recorded success, with the daemon consuming
//! the event in between) can queue it twice; a change of account status
//! that must start a workflow exactly once uses `accounts.set_status` with
//! `emit`, which commits both together.

use garita_sdk::{ActionError, InvokeContext};
use serde_json::{json, Value};

use super::input::{self, store_failed};
use crate::account::{AccountStore, NewEvent};

/// The data key naming the run and step that emitted an event.
pub const EMITTED_BY: &str = "emitted_by";

/// How many queued events a replay looks through for its own.
const QUEUE_LOOKBACK: usize = 10_000;

/// `event.emit`.
pub async fn emit(
    store: &dyn AccountStore,
    ctx: &InvokeContext,
    input: &Value,
) -> Result<Value, ActionError> {
    let name = input::text(input, "name")?;
    let source = source(ctx);
    let queued = store
        .pending_events(QUEUE_LOOKBACK)
        .await
        .map_err(|e| store_failed("read the event queue of", &e))?;
    if let Some(earlier) = queued
        .iter()
        .find(|e| e.name == name && e.data.get(EMITTED_BY) == Some(&source))
    {
        return Ok(json!({"name": name, "event_id": earlier.id, "replayed": true}));
    }
    let event = NewEvent {
        name: name.to_owned(),
        at: ctx.now,
        data: stamped(input.get("data"), ctx),
    };
    let emitted = store
        .emit_event(&event)
        .await
        .map_err(|e| store_failed("queue an event in", &e))?;
    Ok(json!({"name": name, "event_id": emitted.id, "replayed": false}))
}

/// `data` (an object, else empty) with [`EMITTED_BY`] set to this run and step.
pub fn stamped(data: Option<&Value>, ctx: &InvokeContext) -> Value {
    let mut map = match data {
        Some(Value::Object(map)) => map.clone(),
        _ => serde_json::Map::new(),
    };
    map.insert(EMITTED_BY.into(), source(ctx));
    Value::Object(map)
}

fn source(ctx: &InvokeContext) -> Value {
    json!({
        "run": ctx.idempotency_key.run_id,
        "step": ctx.idempotency_key.step_id,
    })
}
