//! One module per command; `dispatch` routes to them. Commands that read or
//! change the store call the application layer's operations
//! (`garita_app::Operations`): the daemon's, through its typed endpoints,
//! when a daemon holds the store (`crate::control::daemon_operations`), else
//! a session on the store opened here; either way they render the same
//! answer the same way.

pub mod accounts;
mod audit;
mod backup;
mod calendar;
mod calendar_holidays;
mod call;
pub mod daemon;
mod evidence;
mod keys;
mod links;
mod outbox;
mod plugins;
mod run;
mod run_inputs;
mod runs;
mod schedules;
mod simulate;
mod store;
mod tasks;
mod users;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::App;
use crate::cli::{BackupCommand, Cli, Command, EvidenceCommand, PluginsCommand, SchemaCommand};

pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = cli.global.clone();
    // Commands on typed operations: through the daemon's typed endpoints
    // when it holds the store, else on the store here; rendered here either way.
    match cli.command {
        Command::Run {
            file,
            inputs,
            input_files,
            no_wait,
        } => {
            return run::run(&global, &file, &inputs, &input_files, no_wait).await;
        }
        Command::Resume { run, force, by } => {
            let ops = operations(&global, true)?;
            return match run {
                Some(run) if force => run::force_resume(ops.as_ref(), global.json, &run, by).await,
                _ => run::resume(ops.as_ref(), global.json).await,
            };
        }
        Command::Cancel { run, reason } => {
            let ops = operations(&global, false)?;
            return run::cancel(ops.as_ref(), global.json, &run, reason).await;
        }
        Command::Signal { run, name, data } => {
            let ops = operations(&global, true)?;
            return run::signal(ops.as_ref(), global.json, &run, &name, data.as_deref()).await;
        }
        Command::Runs { command } => {
            let ops = operations(&global, false)?;
            return runs::runs(ops.as_ref(), global.json, command).await;
        }
        Command::Tasks { command } => {
            let ops = operations(&global, true)?;
            return tasks::tasks(ops.as_ref(), global.json, command).await;
        }
        Command::Outbox { command } => {
            let ops = operations(&global, false)?;
            return outbox::outbox(ops.as_ref(), global.json, command).await;
        }
        Command::Schedules { command, workflows } => {
            return schedules::schedules(&global, command, workflows.as_deref()).await;
        }
        Command::Accounts { command } => {
            let (ops, store_dir) = operations_in(&global, false)?;
            return accounts::accounts(ops.as_ref(), global.json, &store_dir, command).await;
        }
        Command::Calendar {
            command: crate::cli::CalendarCommand::Holidays { country, year },
        } => {
            // The configuration alone answers: no store is opened.
            return calendar_holidays::holidays(&global, &country, year);
        }
        Command::Calendar { command } => {
            let (ops, store_dir) = operations_in(&global, false)?;
            return calendar::calendar(ops.as_ref(), global.json, &store_dir, command).await;
        }
        Command::Links { command } => {
            let ops = operations(&global, false)?;
            return links::links(ops.as_ref(), global.json, command).await;
        }
        Command::Users { command } => {
            let ops = operations(&global, false)?;
            return users::users(ops.as_ref(), global.json, command).await;
        }
        Command::Audit { command } => {
            let (ops, store_dir) = operations_in(&global, false)?;
            return audit::audit(ops.as_ref(), global.json, &store_dir, command).await;
        }
        Command::Evidence {
            command:
                EvidenceCommand::Pack {
                    from,
                    to,
                    output,
                    lang,
                },
        } => {
            let ops = operations(&global, false)?;
            return evidence::pack(
                ops.as_ref(),
                global.json,
                (&from, &to, lang.into()),
                &output,
            )
            .await;
        }
        Command::Backup {
            command: None,
            file: Some(file),
        } => {
            let ops = operations(&global, false)?;
            return backup::backup(ops.as_ref(), global.json, &file).await;
        }
        _ => {}
    }
    if checks_schemas(&cli.command) {
        garita_engine::schema::prewarm();
    }
    match cli.command {
        Command::Schema {
            what: SchemaCommand::Workflow,
        } => {
            crate::output::json(&garita_engine::schema::workflow_json_schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema {
            what: SchemaCommand::Api,
        } => {
            crate::output::json(&crate::control::openapi::document())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { files } => validate::validate(&App::new(global)?, &files),
        Command::Keys { command } => keys::keys(global.json, command),
        Command::Evidence {
            command: EvidenceCommand::Verify { dir, key },
        } => evidence::verify(global.json, &dir, key.as_deref()),
        Command::Call { target, input } => {
            call::call(&App::new(global)?, &target, input.as_deref()).await
        }
        // The checking child: nothing of the configuration (no plugin
        // directory is loaded), only the one library.
        Command::Plugins {
            command: PluginsCommand::ProbeChild { lib },
        } => Ok(plugins::probe_child(&lib)),
        Command::Plugins { command } => plugins::plugins(&App::new(global)?, command),
        Command::Daemon { once, workflows } => {
            daemon::daemon(&App::new(global)?, once, workflows.as_deref()).await
        }
        Command::Backup {
            command: Some(BackupCommand::Verify { file }),
            ..
        } => backup::verify(&App::new(global)?, &file),
        Command::Backup {
            command: None,
            file: None,
        } => Err(crate::usage::UsageError(
            "give the backup file: `garita backup FILE`, or `garita backup verify FILE`".into(),
        )
        .into()),
        Command::Restore { file } => backup::restore(&App::new(global)?, &file).await,
        Command::Store { command } => store::store(&App::new(global)?, command).await,
        Command::Simulate {
            from,
            to,
            time_zone,
            workflows,
            assume,
            summary,
            keep_store,
        } => {
            let args = simulate::SimulateArgs {
                from: &from,
                to: &to,
                time_zone: &time_zone,
                workflows: workflows.as_deref(),
                assume: &assume,
                summary,
                keep_store: keep_store.as_deref(),
            };
            simulate::simulate(&App::new(global)?, args).await
        }
        other => Err(crate::usage::UsageError(format!(
            "`{}` is not a command this garita knows how to run",
            command_name(&other)
        ))
        .into()),
    }
}

/// The operations a command calls: the daemon's, over its control API,
/// when a daemon holds the store; else a session on the store opened here
/// (`checks_schemas`: the command may check values against JSON Schemas
/// here, so their validator starts building at once).
fn operations(
    global: &crate::cli::GlobalArgs,
    checks_schemas: bool,
) -> anyhow::Result<Box<dyn garita_app::Operations>> {
    Ok(operations_in(global, checks_schemas)?.0)
}

/// [`operations`], with the store directory they work on (where no output
/// may go). The configuration is read once for both.
fn operations_in(
    global: &crate::cli::GlobalArgs,
    checks_schemas: bool,
) -> anyhow::Result<(Box<dyn garita_app::Operations>, PathBuf)> {
    let settings = garita_app::config::load(global.config.as_deref())?;
    let store_dir = garita_app::wiring::store_dir(global.store.as_deref(), &settings);
    if let Some(daemon) =
        crate::control::daemon_operations::DaemonOperations::find(global, &settings)
    {
        return Ok((Box::new(daemon), store_dir));
    }
    if checks_schemas {
        garita_engine::schema::prewarm();
    }
    let session = App::with_settings(global.clone(), settings)?.session()?;
    Ok((Box::new(session), store_dir))
}

/// Whether `command` parses workflows or calls actions, and so checks values
/// against JSON Schemas in this process (the commands on operations, handled
/// before, start the build themselves when they run here).
fn checks_schemas(command: &Command) -> bool {
    matches!(
        command,
        Command::Validate { .. }
            | Command::Call { .. }
            | Command::Daemon { .. }
            | Command::Simulate { .. }
    )
}

/// The command's name, for messages.
fn command_name(command: &Command) -> String {
    format!("{command:?}")
        .split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_lowercase()
}
