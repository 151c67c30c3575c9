//! `garita runs list|show`: asks the operations and renders their answer.

use std::process::ExitCode;

use garita_app::ops::runs::RunQuery;
use garita_app::Operations;

use crate::cli::RunsCommand;
use crate::output::say;
use crate::output::Table;

pub async fn runs(
    ops: &dyn Operations,
    json: bool,
    command: RunsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        RunsCommand::List {
            status,
            workflow,
            limit,
        } => {
            let query = RunQuery {
                status,
                workflow,
                limit: Some(limit),
            };
            let list = ops.list_runs(query).await?;
            if json {
                crate::output::json(&list)?;
            } else {
                let mut table = Table::new(&["RUN", "WORKFLOW", "STATUS", "CREATED", "NOTE"]);
                for r in &list {
                    let note = match (&r.error, &r.wake_at) {
                        (Some(e), _) => e.chars().take(60).collect(),
                        (None, Some(w)) => format!("wakes {}", w.to_rfc3339()),
                        _ => String::new(),
                    };
                    table.row(vec![
                        r.id.clone(),
                        r.workflow.clone(),
                        r.status.to_string(),
                        r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        note,
                    ]);
                }
                table.print();
            }
        }
        RunsCommand::Show { run } => {
            let view = ops.show_run(&run).await?;
            if json {
                crate::output::json(&view)?;
            } else {
                say!("run       {}", view.id);
                say!("workflow  {}", view.workflow);
                say!("status    {}", view.status);
                say!("created   {}", view.created_at.to_rfc3339());
                if let Some(w) = view.wake_at {
                    say!("wakes     {}", w.to_rfc3339());
                }
                if let Some(e) = &view.error {
                    say!("error     {e}");
                }
                say!();
                let mut table =
                    Table::new(&["STEP", "STATUS", "ATTEMPTS", "STARTED", "ENDED", "DETAIL"]);
                for s in &view.steps {
                    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
                        d.map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string())
                            .unwrap_or_default()
                    };
                    let detail = s
                        .waiting_for
                        .clone()
                        .or_else(|| s.error.clone())
                        .or_else(|| {
                            s.outputs
                                .as_ref()
                                .map(|o| o.to_string().chars().take(60).collect())
                        })
                        .unwrap_or_default();
                    table.row(vec![
                        s.id.clone(),
                        s.status.clone(),
                        s.attempts.to_string(),
                        t(s.started_at),
                        t(s.ended_at),
                        detail,
                    ]);
                }
                table.print();
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
