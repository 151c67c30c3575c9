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
        now: app.wiring().clock.now(),
        deadline: None,
        config: app
            .wiring()
            .connector_config()
            .get(connector)
            .cloned()
            .unwrap_or(Value::Null),
    };
    match input {
        Some("-") => {
            let (connector, action) = (connector.to_owned(), action.to_owned());
            let host = app.wiring().host().clone();
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
                    std::sync::Arc::new(app.wiring().outbox_connectors(&app.open_backend()?))
                } else {
                    app.wiring().connectors().clone()
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
    let mut line = Vec::new();
    let mut failures = 0usize;
    let mut number = 0usize;
    loop {
        let read = read_bounded_line(&mut reader, &mut line, MAX_LINE)?;
        if read == LineRead::End {
            break;
        }
        number += 1;
        let text = match std::str::from_utf8(&line) {
            Ok(text) => Ok(text.trim()),
            Err(e) => Err(e.valid_up_to()),
        };
        if text == Ok("") {
            continue;
        }
        let result: Result<Value, ActionError> = match (read, text) {
            (LineRead::TooLong, _) => Err(ActionError::invalid(
                format!(
                    "line {number} is longer than {MAX_LINE} bytes; send one JSON object per line"
                ),
                Vec::new(),
            )),
            (_, Err(at)) => Err(ActionError::invalid(
                format!(
                    "line {number} is not valid UTF-8 (byte {at} of the line); send UTF-8 JSON"
                ),
                Vec::new(),
            )),
            (_, Ok(text)) => match serde_json::from_str::<Value>(text) {
                Err(e) => Err(ActionError::invalid(
                    format!("line {number} is not JSON: {e}"),
                    Vec::new(),
                )),
                Ok(input) => {
                    let problems: Vec<FieldError> = input_check
                        .iter_errors(&input)
                        .map(|e| FieldError::new(e.instance_path().to_string(), e.to_string()))
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
            },
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

/// How [`read_bounded_line`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineRead {
    /// A whole line (its `\n` removed) is in the buffer.
    Line,
    /// The line was longer than the limit: the buffer holds its start, the
    /// rest was read and dropped, so one huge line costs no more memory.
    TooLong,
    /// No more input.
    End,
}

/// Reads one line of raw bytes into `buf` (cleared first), keeping at most
/// `max` bytes of it: unlike `read_line`, neither a line without an end nor
/// bytes that are not UTF-8 can make it fail or grow without bound.
fn read_bounded_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<LineRead> {
    buf.clear();
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        seen_any = true;
        let (chunk, used, ended) = match available.iter().position(|b| *b == b'\n') {
            Some(at) => (&available[..at], at + 1, true),
            None => (available, available.len(), false),
        };
        let room = max.saturating_sub(buf.len());
        too_long |= chunk.len() > room;
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume(used);
        if ended {
            break;
        }
    }
    Ok(match (seen_any, too_long) {
        (false, _) => LineRead::End,
        (true, true) => LineRead::TooLong,
        (true, false) => LineRead::Line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_whole_bounded_or_not_at_all() {
        let mut input: &[u8] = b"{\"a\":1}\n\xff\xfe\n0123456789\nlast";
        let mut buf = Vec::new();
        let mut next = |buf: &mut Vec<u8>| read_bounded_line(&mut input, buf, 8).unwrap();
        assert_eq!(next(&mut buf), LineRead::Line);
        assert_eq!(buf, b"{\"a\":1}");
        assert_eq!(next(&mut buf), LineRead::Line);
        assert_eq!(buf, b"\xff\xfe");
        assert_eq!(next(&mut buf), LineRead::TooLong);
        assert_eq!(buf, b"01234567");
        assert_eq!(next(&mut buf), LineRead::Line);
        assert_eq!(buf, b"last");
        assert_eq!(next(&mut buf), LineRead::End);
    }

    #[test]
    fn a_huge_line_split_over_many_reads_keeps_only_the_limit() {
        let huge = vec![b'x'; 100_000];
        let mut reader = std::io::BufReader::with_capacity(64, &huge[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 1000).unwrap(),
            LineRead::TooLong
        );
        assert_eq!(buf.len(), 1000);
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 1000).unwrap(),
            LineRead::End
        );
    }
}
