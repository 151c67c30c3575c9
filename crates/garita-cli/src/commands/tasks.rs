//! `garita tasks list|show|complete|reject`

use std::process::ExitCode;

use garita_app::ops::tasks::{check_field_len, field_value, TaskAnswered, TaskQuery, TaskReply};
use garita_app::Operations;
use garita_engine::RunStatus;
use serde_json::{Map, Value};

use crate::cli::TasksCommand;
use crate::output::{say, Table};
use crate::usage::UsageError;

pub async fn tasks(
    ops: &dyn Operations,
    json: bool,
    command: TasksCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        TasksCommand::List { mine, all, run } => {
            let list = ops.list_tasks(TaskQuery { mine, all, run }).await?;
            if json {
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
            let task = ops.show_task(&task).await?;
            if json {
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
            let reply = TaskReply { fields, note, by };
            report(json, &ops.complete_task(&task, reply).await?)
        }
        TasksCommand::Reject { task, note, by } => {
            let reply = TaskReply {
                fields: Map::new(),
                note: Some(note),
                by,
            };
            report(json, &ops.reject_task(&task, reply).await?)
        }
    }
}

fn report(json: bool, answered: &TaskAnswered) -> anyhow::Result<ExitCode> {
    if json {
        crate::output::json(answered)?;
    } else {
        say!(
            "task {} {}; run {} is {}",
            answered.task,
            answered.outcome,
            answered.run,
            answered.run_status
        );
    }
    Ok(if answered.run_status == RunStatus::Failed {
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

/// `KEY=VALUE` pairs; a VALUE that parses as JSON (number, bool, object) is
/// taken as such, anything else as a string.
fn parse_fields(pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut out = serde_json::Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(UsageError(format!("--field `{pair}` must look like KEY=VALUE")).into());
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(UsageError(format!("--field `{pair}` has an empty name")).into());
        }
        check_field_len(key, value.len())?;
        let parsed = field_value(value);
        if out.insert(key.to_owned(), parsed).is_some() {
            return Err(UsageError(format!("--field `{key}` is given twice")).into());
        }
    }
    Ok(out)
}
