//! `garita plugins list|check`

use std::process::ExitCode;

use crate::app::App;
use crate::cli::PluginsCommand;
use crate::output::say;
use crate::output::Table;

pub fn plugins(app: &App, command: PluginsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PluginsCommand::List => {
            let list = app.host.list();
            if app.global.json {
                crate::output::json(&list)?;
            } else {
                let mut table = Table::new(&["CONNECTOR", "VERSION", "ORIGIN", "ACTIONS"]);
                for p in &list {
                    table.row(vec![
                        p.name.clone(),
                        p.version.clone(),
                        p.origin.to_string(),
                        p.actions.join(", "),
                    ]);
                }
                table.print();
            }
            Ok(ExitCode::SUCCESS)
        }
        PluginsCommand::Check { lib } => match garita_host::check_library(&lib) {
            Ok(report) => {
                let allowed = app.host.config().allows_sha256(&report.sha256);
                if app.global.json {
                    let mut value = serde_json::to_value(&report)?;
                    value["valid"] = serde_json::json!(true);
                    value["allowed_by_config"] = serde_json::json!(allowed);
                    crate::output::json(&value)?;
                } else {
                    say!("{}: valid Garita plugin", report.path.display());
                    say!(
                        "  connector    {} {}",
                        report.manifest.name,
                        report.manifest.version
                    );
                    say!("  abi version  {}", report.abi_version);
                    say!("  sdk version  {}", report.sdk_version);
                    say!("  sha256       {}", report.sha256);
                    say!(
                        "  actions      {}",
                        report
                            .manifest
                            .actions
                            .iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if !allowed {
                        say!("  note: its SHA-256 is not in plugins.allow_sha256, so it would be refused here");
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(problem) => {
                if app.global.json {
                    crate::output::json(
                        &serde_json::json!({"path": lib, "valid": false, "problem": problem.to_string()}),
                    )?;
                }
                Err(anyhow::anyhow!(
                    "{}: not a usable plugin: {problem}",
                    lib.display()
                ))
            }
        },
    }
}
