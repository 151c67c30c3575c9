//! Tasks waiting for people: listing, showing, answering.

use garita_engine::{RunStatus, Store, Task, TaskFilter, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Session;
use crate::AppError;

/// Which tasks to list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskQuery {
    /// Only tasks assigned to this email.
    pub mine: Option<String>,
    /// Include answered, expired and cancelled tasks (else open ones only).
    pub all: bool,
    /// Only tasks of this run.
    pub run: Option<String>,
}

/// An answer to a task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskReply {
    /// The answer's fields (checked against the task's schema by the engine).
    pub fields: Map<String, Value>,
    /// A note for the record (required to reject).
    pub note: Option<String>,
    /// Who answers, for the record (default: the caller).
    pub by: Option<String>,
}

/// What answering a task did. Fields in name order, as printed before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TaskAnswered {
    /// `completed` or `rejected`.
    pub outcome: String,
    /// The run that waited on the task.
    pub run: String,
    /// Where that run is now.
    pub run_status: RunStatus,
    /// The task.
    pub task: String,
}

/// Longest field value of an answer: answers are kept in every copy of the
/// run's history, so long evidence belongs in a file the answer names.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A field value given as text (`--field KEY=VALUE`, or a string in an
/// API request): JSON when it reads as a number, boolean, object, array or
/// null, else the text itself.
pub fn field_value(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(
            v @ (Value::Number(_)
            | Value::Bool(_)
            | Value::Object(_)
            | Value::Array(_)
            | Value::Null),
        ) => v,
        _ => Value::String(text.to_owned()),
    }
}

/// Tasks, open ones unless the query asks for all.
pub async fn list(session: &Session, query: TaskQuery) -> Result<Vec<Task>, AppError> {
    let filter = TaskFilter {
        statuses: if query.all {
            Vec::new()
        } else {
            vec![TaskStatus::Open]
        },
        assignee: query.mine,
        run_id: query.run,
    };
    Ok(session.backend.runs.list_tasks(&filter).await?)
}

/// One task; `given` is its id or a unique prefix of it.
pub async fn show(session: &Session, given: &str) -> Result<Task, AppError> {
    resolve_task(session.backend.runs.as_ref(), given).await
}

/// Completes a task with `reply`, recorded as answered by `by`.
pub async fn complete(
    session: &Session,
    given: &str,
    reply: TaskReply,
    by: String,
) -> Result<TaskAnswered, AppError> {
    // Mistakes in the answer first: they need no store lookup.
    check_fields(&reply.fields)?;
    let task = resolve_task(session.backend.runs.as_ref(), given).await?;
    let status = session
        .engine
        .answer_task(
            &task.id,
            TaskStatus::Completed,
            Value::Object(reply.fields),
            reply.note,
            Some(by),
        )
        .await?;
    Ok(answered(&task, "completed", status))
}

/// Rejects a task; the note says why and is required.
pub async fn reject(
    session: &Session,
    given: &str,
    note: String,
    by: String,
) -> Result<TaskAnswered, AppError> {
    if note.trim().is_empty() {
        return Err(AppError::Usage(
            "--note must say why the task is rejected".into(),
        ));
    }
    let task = resolve_task(session.backend.runs.as_ref(), given).await?;
    let status = session
        .engine
        .answer_task(
            &task.id,
            TaskStatus::Rejected,
            Value::Object(Map::new()),
            Some(note),
            Some(by),
        )
        .await?;
    Ok(answered(&task, "rejected", status))
}

fn answered(task: &Task, outcome: &str, run_status: RunStatus) -> TaskAnswered {
    TaskAnswered {
        outcome: outcome.to_owned(),
        run: task.run_id.clone(),
        run_status,
        task: task.id.clone(),
    }
}

/// Refuses an answer field with an empty name or a value over
/// [`MAX_FIELD_BYTES`].
fn check_fields(fields: &Map<String, Value>) -> Result<(), AppError> {
    for (key, value) in fields {
        if key.trim().is_empty() {
            return Err(AppError::Usage("an answer field has an empty name".into()));
        }
        let len = match value {
            Value::String(s) => s.len(),
            other => other.to_string().len(),
        };
        check_field_len(key, len)?;
    }
    Ok(())
}

/// Refuses the field `key` when its value is `len` bytes, over
/// [`MAX_FIELD_BYTES`] (a front end checks the text it was given too,
/// before it reads it as JSON).
pub fn check_field_len(key: &str, len: usize) -> Result<(), AppError> {
    if len > MAX_FIELD_BYTES {
        return Err(AppError::Usage(format!(
            "--field `{key}` is {len} bytes; a field value is limited to {MAX_FIELD_BYTES} bytes \
             (attach long evidence as a file and give its path or link instead)"
        )));
    }
    Ok(())
}

async fn resolve_task(store: &dyn Store, given: &str) -> Result<Task, AppError> {
    if let Some(task) = store.task(given).await? {
        return Ok(task);
    }
    let all = store.list_tasks(&TaskFilter::default()).await?;
    let matches: Vec<&Task> = all.iter().filter(|t| t.id.starts_with(given)).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(garita_engine::executor::EngineError::NoSuchTask(given.to_owned()).into()),
        many => Err(AppError::Usage(format!(
            "`{given}` matches {} tasks; give more of the id",
            many.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_field_must_have_a_name_and_a_bounded_value() {
        let mut fields = Map::new();
        fields.insert(" ".into(), Value::Bool(true));
        assert!(matches!(check_fields(&fields), Err(AppError::Usage(_))));
        let mut fields = Map::new();
        fields.insert(
            "evidence".into(),
            Value::String("x".repeat(MAX_FIELD_BYTES + 1)),
        );
        let err = check_fields(&fields).unwrap_err().to_string();
        assert!(err.contains("limited to 65536 bytes"), "{err}");
        let mut fields = Map::new();
        fields.insert("ok".into(), Value::Bool(true));
        assert!(check_fields(&fields).is_ok());
    }
}
