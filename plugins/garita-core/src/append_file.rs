//! `core.append_file`: appends one line to a file, at most once per run and
//! step.
//!
//! Each line is written with a tag naming the run and step that wrote it. The
//! executor re-runs a step that was in flight when the process died, with the
//! same run and step ids; before writing, the action looks for its tag in the
//! file and, when found, reports `appended: false` instead of writing again.
//! The attempt number is deliberately not part of the tag: a retry after a
//! failure that happened *after* the write must not write a second line.
//!
//! Concurrent calls inside one process are serialised; separate processes
//! appending to the same file with the same run and step are not protected
//! (the engine never does that).

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::path::Path;
use std::sync::Mutex;

use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};

use crate::input;

pub const NAME: &str = "append_file";

/// Serialises check-then-append inside this process.
static APPEND_LOCK: Mutex<()> = Mutex::new(());

pub fn spec() -> ActionSpec {
    ActionSpec::new(
        NAME,
        "Appends `line` to the file at `path` once per run and step; a re-run of the same step does not duplicate it.",
    )
    .input_schema(json!({
        "type": "object",
        "properties": {
            "path": {"type": "string", "minLength": 1, "x-file-path": true, "description": "File to append to; created when missing. Garita allows only files in `[files] allowed_dirs` (by default the store's files/ folder)."},
            "line": {"type": "string", "description": "One line of text, without line breaks."}
        },
        "required": ["path", "line"],
        "additionalProperties": false
    }))
    .output_schema(json!({
        "type": "object",
        "properties": {"appended": {"type": "boolean"}},
        "required": ["appended"]
    }))
    .with_side_effects()
}

/// The marker that ends every line this action writes.
pub fn tag(ctx: &InvokeContext) -> String {
    format!(
        "\t# garita {}/{}",
        ctx.idempotency_key.run_id, ctx.idempotency_key.step_id
    )
}

pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let fields = input::object(NAME, input)?;
    input::only_known(NAME, fields, &["path", "line"])?;
    let path = input::required_str(NAME, fields, "path")?;
    let line = input::required_str(NAME, fields, "line")?;
    if path.is_empty() {
        return Err(input::invalid(NAME, "/path", "must not be empty"));
    }
    if line.contains(['\n', '\r']) {
        return Err(input::invalid(
            NAME,
            "/line",
            "must be a single line (no line breaks)",
        ));
    }
    let path = Path::new(path);
    let tag = tag(ctx);
    // A poisoned lock only means another append panicked; the file is still consistent.
    let _guard = APPEND_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if already_written(path, &tag)? {
        return Ok(json!({"appended": false}));
    }
    append(path, &format!("{line}{tag}\n"))?;
    Ok(json!({"appended": true}))
}

fn already_written(path: &Path, tag: &str) -> Result<bool, ActionError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(false),
        Err(err) => return Err(io_error(path, "read", &err)),
    };
    for line in BufReader::new(file).lines() {
        if line
            .map_err(|err| io_error(path, "read", &err))?
            .ends_with(tag)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn append(path: &Path, text: &str) -> Result<(), ActionError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|err| io_error(path, "open", &err))?;
    // One write of the whole line: with O_APPEND it lands in one piece.
    file.write_all(text.as_bytes())
        .map_err(|err| io_error(path, "write", &err))?;
    // Durable before the step is reported done, so a crash cannot lose a line
    // that the run already counts as written.
    file.sync_data().map_err(|err| io_error(path, "sync", &err))
}

/// Missing directories and permissions will not fix themselves; anything else
/// (disk full, I/O hiccup) may.
fn io_error(path: &Path, what: &str, err: &std::io::Error) -> ActionError {
    let message = format!("cannot {what} {}: {err}", path.display());
    match err.kind() {
        ErrorKind::NotFound | ErrorKind::PermissionDenied | ErrorKind::InvalidInput => {
            ActionError::permanent(message)
        }
        _ => ActionError::retryable(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::IdempotencyKey;

    fn ctx(run: &str, step: &str, attempt: u32) -> InvokeContext {
        InvokeContext {
            idempotency_key: IdempotencyKey {
                run_id: run.into(),
                step_id: step.into(),
                attempt,
            },
            ..InvokeContext::for_test()
        }
    }

    /// A file in a fresh directory, removed with the returned guard (the
    /// directories named by process id stayed in /tmp after every run).
    fn temp_file() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.txt");
        (dir, path)
    }

    #[test]
    fn appends_once_per_run_and_step_across_attempts() {
        let (_dir, path) = temp_file();
        let input = json!({"path": path.to_str().unwrap(), "line": "hello"});
        assert_eq!(
            run(&ctx("r1", "s1", 1), &input).unwrap(),
            json!({"appended": true})
        );
        assert_eq!(
            run(&ctx("r1", "s1", 1), &input).unwrap(),
            json!({"appended": false})
        );
        assert_eq!(
            run(&ctx("r1", "s1", 2), &input).unwrap(),
            json!({"appended": false})
        );
        assert_eq!(
            run(&ctx("r1", "s2", 1), &input).unwrap(),
            json!({"appended": true})
        );
        assert_eq!(
            run(&ctx("r2", "s1", 1), &input).unwrap(),
            json!({"appended": true})
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.starts_with("hello\t# garita r1/s1\n"), "{text}");
    }

    #[test]
    fn refuses_multi_line_text() {
        let (_dir, path) = temp_file();
        let input = json!({"path": path.to_str().unwrap(), "line": "a\nb"});
        assert!(matches!(
            run(&ctx("r", "s", 1), &input),
            Err(ActionError::InvalidInput { .. })
        ));
    }

    #[test]
    fn missing_directory_is_permanent() {
        let input = json!({"path": "/nonexistent-garita-dir/x.txt", "line": "a"});
        assert!(matches!(
            run(&ctx("r", "s", 1), &input),
            Err(ActionError::Permanent { .. })
        ));
    }
}
