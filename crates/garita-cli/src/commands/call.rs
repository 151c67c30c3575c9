//! `garita call CONNECTOR.ACTION [JSON|-]`: one action, once or per stdin line.

use std::io::{BufRead, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

use garita_sdk::{ActionError, FieldError, IdempotencyKey, InvokeContext};
use serde_json::Value;

use crate::app::App;
use crate::output::say;
use crate::usage::UsageError;

/// Longest stdin line accepted in batch mode (1 MiB).
const MAX_LINE: usize = 1 << 20;

pub async fn call(app: &App, target: &str, input: Option<&str>) -> anyhow::Result<ExitCode> {
    let Some((connector, action)) = target.split_once('.') else {
        return Err(UsageError(format!(
            "`{target}` must look like CONNECTOR.ACTION, for example ecuapass.validate_ruc"
        ))
        .into());
    };
    let ctx = InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: "call".into(),
            step_id: target.into(),
            attempt: 1,
        },
        locale: "es".into(),
        time_zone: "UTC".into(),
        now: app.clock.now(),
        deadline: None,
        config: app
            .connector_config()
            .get(connector)
            .cloned()
            .unwrap_or(Value::Null),
    };
    match input {
        Some("-") => {
            let (connector, action) = (connector.to_owned(), action.to_owned());
            let host = app.host.clone();
            let failures =
                tokio::task::spawn_blocking(move || batch(&host, &connector, &action, &ctx))
                    .await??;
            Ok(if failures == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        other => {
            let input: Value = match other {
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    UsageError(format!("the input must be a JSON object such as '{{\"ruc\":\"1790011674001\"}}': {e}"))
                })?,
                None => Value::Object(serde_json::Map::new()),
            };
            // Naming an inventory account needs the store; plain calls never open it.
            let connectors: std::sync::Arc<dyn garita_engine::Connectors> =
                if input.get("account").is_some() {
                    std::sync::Arc::new(app.outbox_connectors(app.open_store()?))
                } else {
                    app.connectors().clone()
                };
            match connectors.invoke(connector, action, ctx, input).await {
                Ok(output) => {
                    if app.global.json {
                        say!("{}", serde_json::to_string(&output)?);
                    } else {
                        say!("{}", serde_json::to_string_pretty(&output)?);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    if app.global.json {
                        say!("{}", serde_json::json!({"error": error}));
                    }
                    Err(anyhow::anyhow!("{target}: {error}"))
                }
            }
        }
    }
}

/// One JSON object per stdin line in, one JSON line out (`{"ok": output}` or
/// `{"error": ...}`), in order. Schemas are compiled once, so the cost per line
/// is the action itself plus JSON.
fn batch(
    host: &garita_host::PluginHost,
    connector: &str,
    action: &str,
    ctx: &InvokeContext,
) -> anyhow::Result<usize> {
    let callee = host.connector(connector).ok_or_else(|| {
        let known: Vec<String> = host.list().into_iter().map(|p| p.name).collect();
        UsageError(format!(
            "unknown connector `{connector}`; available: {}",
            known.join(", ")
        ))
    })?;
    let manifest = host.manifests().into_iter().find(|m| m.name == connector);
    let spec = manifest.as_ref().and_then(|m| m.find(action)).ok_or_else(|| {
        UsageError(format!("connector `{connector}` has no action `{action}`; `garita plugins list` shows its actions"))
    })?;
    let input_check = jsonschema::validator_for(&spec.input_schema)
        .map_err(|e| anyhow::anyhow!("the input schema of {connector}.{action} is invalid: {e}"))?;
    let output_check = jsonschema::validator_for(&spec.output_schema).map_err(|e| {
        anyhow::anyhow!("the output schema of {connector}.{action} is invalid: {e}")
    })?;

    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = String::new();
    let mut failures = 0usize;
    let mut number = 0usize;
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let result: Result<Value, ActionError> = if text.len() > MAX_LINE {
            Err(ActionError::invalid(
                format!("line {number} is longer than {MAX_LINE} bytes"),
                Vec::new(),
            ))
        } else {
            match serde_json::from_str::<Value>(text) {
                Err(e) => Err(ActionError::invalid(
                    format!("line {number} is not JSON: {e}"),
                    Vec::new(),
                )),
                Ok(input) => {
                    let problems: Vec<FieldError> = input_check
                        .iter_errors(&input)
                        .map(|e| FieldError::new(e.instance_path.to_string(), e.to_string()))
                        .collect();
                    if !problems.is_empty() {
                        Err(ActionError::invalid(
                            format!("line {number}: the input does not match the schema"),
                            problems,
                        ))
                    } else {
                        invoke_guarded(callee.as_ref(), connector, action, ctx, input).and_then(|output| {
                            if output_check.is_valid(&output) {
                                Ok(output)
                            } else {
                                Err(ActionError::permanent(format!(
                                    "{connector}.{action} returned output that does not match its declared schema"
                                )))
                            }
                        })
                    }
                }
            }
        };
        match result {
            Ok(output) => {
                serde_json::to_writer(&mut out, &output)?;
            }
            Err(error) => {
                failures += 1;
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"error": error, "line": number}),
                )?;
            }
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(failures)
}

fn invoke_guarded(
    connector: &dyn garita_sdk::Connector,
    name: &str,
    action: &str,
    ctx: &InvokeContext,
    input: Value,
) -> Result<Value, ActionError> {
    catch_unwind(AssertUnwindSafe(|| connector.invoke(ctx, action, input))).unwrap_or_else(|_| {
        Err(ActionError::permanent(format!(
            "connector {name} panicked in action {action}"
        )))
    })
}
