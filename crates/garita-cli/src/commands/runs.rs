//! `garita runs list|show|prune`: asks the operations and renders their answer.

use std::process::ExitCode;

use garita_app::ops::retention::PruneRuns;
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
                if view.events_pruned > 0 {
                    say!(
                        "pruned    {} step events removed by retention; the summary, outputs and audit entries remain",
                        view.events_pruned
                    );
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
        RunsCommand::Prune { finished_before } => {
            let pruned = ops.prune_runs(PruneRuns { finished_before }).await?;
            if json {
                crate::output::json(&pruned)?;
            } else {
                say!(
                    "pruned {} run(s) that finished before {}: {} step events removed; summaries, outputs and audit entries kept",
                    pruned.runs_pruned,
                    pruned.finished_before.to_rfc3339(),
                    pruned.events_removed
                );
                if pruned.children_kept > 0 {
                    say!(
                        "kept {} finished for_each child run(s) whole: their parent is still going",
                        pruned.children_kept
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
