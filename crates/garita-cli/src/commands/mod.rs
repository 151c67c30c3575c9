//! One module per command; `dispatch` routes to them.

mod accounts;
mod call;
pub mod daemon;
mod outbox;
mod plugins;
mod run;
mod runs;
mod schedules;
mod simulate;
mod tasks;
mod validate;

use std::process::ExitCode;

use crate::app::App;
use crate::cli::{Cli, Command, SchemaCommand};

pub async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = cli.global.clone();
    match cli.command {
        Command::Schema {
            what: SchemaCommand::Workflow,
        } => {
            crate::output::json(&garita_engine::schema::workflow_json_schema())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { files } => validate::validate(&App::new(global)?, &files),
        Command::Run {
            file,
            inputs,
            no_wait,
        } => run::run(&App::new(global)?, &file, &inputs, no_wait).await,
        Command::Runs { command } => runs::runs(&App::new(global)?, command).await,
        Command::Resume => run::resume(&App::new(global)?).await,
        Command::Cancel { run, reason } => run::cancel(&App::new(global)?, &run, reason).await,
        Command::Signal { run, name, data } => {
            run::signal(&App::new(global)?, &run, &name, data.as_deref()).await
        }
        Command::Tasks { command } => tasks::tasks(&App::new(global)?, command).await,
        Command::Outbox { command } => outbox::outbox(&App::new(global)?, command).await,
        Command::Accounts { command } => accounts::accounts(&App::new(global)?, command).await,
        Command::Call { target, input } => {
            call::call(&App::new(global)?, &target, input.as_deref()).await
        }
        Command::Plugins { command } => plugins::plugins(&App::new(global)?, command),
        Command::Daemon { once, workflows } => {
            daemon::daemon(&App::new(global)?, once, workflows.as_deref()).await
        }
        Command::Schedules { command, workflows } => {
            schedules::schedules(&App::new(global)?, command, workflows.as_deref()).await
        }
        Command::Simulate {
            from,
            to,
            time_zone,
            workflows,
            assume,
        } => {
            let args = simulate::SimulateArgs {
                from: &from,
                to: &to,
                time_zone: &time_zone,
                workflows: workflows.as_deref(),
                assume: &assume,
            };
            simulate::simulate(&App::new(global)?, args).await
        }
    }
}
