//! `garita tasks list|show|complete|reject`

use std::process::ExitCode;

use garita_engine::{RunStatus, Store, Task, TaskFilter, TaskStatus};
use serde_json::Value;

use crate::app::App;
use crate::cli::TasksCommand;
use crate::output::{say, Table};
use crate::usage::UsageError;
use garita_app::backend::Backend;

pub async fn tasks(app: &App, command: TasksCommand) -> anyhow::Result<ExitCode> {
    let store = app.open_store()?;
    match command {
        TasksCommand::List { mine, all, run } => {
            let filter = TaskFilter {
                statuses: if all {
                    Vec::new()
                } else {
                    vec![TaskStatus::Open]
                },
                assignee: mine,
                run_id: run,
            };
            let list = store.list_tasks(&filter).await?;
            if app.global.json {
                crate::output::json(&list)?;
            } else if list.is_empty() {
                say!("no tasks");
            } else {
                let mut table = Table::new(&["TASK", "STATUS", "ASSIGNEE", "DUE", "TITLE"]);
                for t in &list {
                    table.row(vec![
                        t.id.clone(),
                        t.status.to_string(),
                        t.assignee.clone().unwrap_or_default(),
                        t.due
                            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_default(),
                        t.title.clone(),
                    ]);
                }
                table.print();
            }
            Ok(ExitCode::SUCCESS)
        }
        TasksCommand::Show { task } => {
            let task = resolve_task(store.as_ref(), &task).await?;
            if app.global.json {
                crate::output::json(&task)?;
            } else {
                say!("task      {}", task.id);
                say!("status    {}", task.status);
                say!("workflow  {} (run {})", task.workflow, task.run_id);
                if let Some(a) = &task.assignee {
                    say!("assignee  {a}");
                }
                if let Some(d) = task.due {
                    say!("due       {}", d.to_rfc3339());
                }
                say!("\n{}\n", task.title);
                if !task.body.is_empty() {
                    say!("{}", task.body.trim_end());
                }
                if let Some(answer) = &task.answer {
                    say!(
                        "\n{} by {} at {}",
                        answer.outcome,
                        answer.by.as_deref().unwrap_or("(not recorded)"),
                        answer.at.to_rfc3339()
                    );
                    if let Some(note) = &answer.note {
                        say!("note      {note}");
                    }
                } else if let Some(schema) = &task.fields {
                    say!(
                        "\nfields to fill in (--field KEY=VALUE): {}",
                        field_names(schema).join(", ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        TasksCommand::Complete {
            task,
            fields,
            note,
            by,
        } => {
            // Usage mistakes first: they need no store lookup.
            let fields = parse_fields(&fields)?;
            let task = resolve_task(store.as_ref(), &task).await?;
            let engine = app.engine(&Backend::sled(&store));
            let by = garita_app::identity::author(by, &app.settings);
            let status = engine
                .answer_task(&task.id, TaskStatus::Completed, fields, note, Some(by))
                .await?;
            report(app, &task, "completed", status)
        }
        TasksCommand::Reject { task, note, by } => {
            if note.trim().is_empty() {
                return Err(UsageError("--note must say why the task is rejected".into()).into());
            }
            let task = resolve_task(store.as_ref(), &task).await?;
            let engine = app.engine(&Backend::sled(&store));
            // Who refused is part of the record, as for a completion.
            let by = garita_app::identity::author(by, &app.settings);
            let status = engine
                .answer_task(
                    &task.id,
                    TaskStatus::Rejected,
                    Value::Object(Default::default()),
                    Some(note),
                    Some(by),
                )
                .await?;
            report(app, &task, "rejected", status)
        }
    }
}

fn report(app: &App, task: &Task, outcome: &str, status: RunStatus) -> anyhow::Result<ExitCode> {
    if app.global.json {
        crate::output::json(
            &serde_json::json!({"task": task.id, "outcome": outcome, "run": task.run_id, "run_status": status}),
        )?;
    } else {
        say!(
            "task {} {outcome}; run {} is {status}",
            task.id,
            task.run_id
        );
    }
    Ok(if status == RunStatus::Failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn field_names(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Longest `--field` value: answers are kept in every copy of the run's
/// history, so long evidence belongs in a file the answer names.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// `KEY=VALUE` pairs; a VALUE that parses as JSON (number, bool, object) is
/// taken as such, anything else as a string.
fn parse_fields(pairs: &[String]) -> Result<Value, UsageError> {
    let mut out = serde_json::Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(UsageError(format!(
                "--field `{pair}` must look like KEY=VALUE"
            )));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(UsageError(format!("--field `{pair}` has an empty name")));
        }
        if value.len() > MAX_FIELD_BYTES {
            return Err(UsageError(format!(
                "--field `{key}` is {} bytes; a field value is limited to {MAX_FIELD_BYTES} bytes \
                 (attach long evidence as a file and give its path or link instead)",
                value.len()
            )));
        }
        let parsed = match serde_json::from_str::<Value>(value) {
            Ok(
                v @ (Value::Number(_)
                | Value::Bool(_)
                | Value::Object(_)
                | Value::Array(_)
                | Value::Null),
            ) => v,
            _ => Value::String(value.to_owned()),
        };
        if out.insert(key.to_owned(), parsed).is_some() {
            return Err(UsageError(format!("--field `{key}` is given twice")));
        }
    }
    Ok(Value::Object(out))
}

async fn resolve_task(store: &dyn Store, given: &str) -> anyhow::Result<Task> {
    if let Some(task) = store.task(given).await? {
        return Ok(task);
    }
    let all = store.list_tasks(&TaskFilter::default()).await?;
    let matches: Vec<&Task> = all.iter().filter(|t| t.id.starts_with(given)).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(garita_engine::executor::EngineError::NoSuchTask(given.to_owned()).into()),
        many => Err(UsageError(format!(
            "`{given}` matches {} tasks; give more of the id",
            many.len()
        ))
        .into()),
    }
}
