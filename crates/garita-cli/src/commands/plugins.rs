//! `garita plugins list|check`, and the hidden child `check` runs.

use std::path::Path;

use std::process::ExitCode;

use crate::app::App;
use crate::cli::PluginsCommand;
use crate::output::say;
use crate::output::Table;

pub fn plugins(app: &App, command: PluginsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PluginsCommand::List => {
            let list = app.wiring().host().list();
            if app.global.json {
                crate::output::json(&list)?;
            } else {
                let mut table =
                    Table::new(&["CONNECTOR", "VERSION", "ORIGIN", "RUNS IN", "ACTIONS"]);
                for p in &list {
                    table.row(vec![
                        p.name.clone(),
                        p.version.clone(),
                        p.origin.to_string(),
                        p.isolation.to_string(),
                        p.actions.join(", "),
                    ]);
                }
                table.print();
            }
            Ok(ExitCode::SUCCESS)
        }
        PluginsCommand::Check { lib } => check(app, &lib),
        // Dispatched before the configuration is read (commands/mod.rs).
        PluginsCommand::ProbeChild { lib } => Ok(probe_child(&lib)),
        // Dispatched in main before anything is set up; here only for completeness.
        PluginsCommand::Worker { .. } => Err(crate::usage::UsageError(
            "`plugins worker` is started by garita itself, not by people".into(),
        )
        .into()),
    }
}

/// `garita plugins check LIB`: the SHA-256 from the file's bytes first (so
/// an administrator learns it without running anything), then the owner
/// and permission checks, then the load and the manifest in a child
/// process: the library's initialisers run there, never here.
fn check(app: &App, lib: &Path) -> anyhow::Result<ExitCode> {
    let refuse = |problem: &dyn std::fmt::Display| -> anyhow::Result<ExitCode> {
        if app.global.json {
            crate::output::json(
                &serde_json::json!({"path": lib, "valid": false, "problem": problem.to_string()}),
            )?;
        }
        Err(anyhow::anyhow!(
            "{}: not a usable plugin: {problem}",
            lib.display()
        ))
    };
    let sha256 = match garita_host::sha256_of(lib) {
        Ok(hash) => hash,
        Err(problem) => return refuse(&problem),
    };
    if !app.global.json {
        say!("{}", lib.display());
        say!("  sha256       {sha256}");
    }
    let program = std::env::current_exe().map_err(|e| {
        anyhow::anyhow!(
            "cannot find the garita binary to check the library in a child process: {e}"
        )
    })?;
    let report = match garita_host::check_in_child(lib, &program) {
        Ok(report) => report,
        Err(problem) => return refuse(&problem),
    };
    let allowed = app.wiring().host().config().allows_sha256(&report.sha256);
    if app.global.json {
        let mut value = serde_json::to_value(&report)?;
        value["valid"] = serde_json::json!(true);
        value["allowed_by_config"] = serde_json::json!(allowed);
        crate::output::json(&value)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("  valid Garita plugin (checked in a child process)");
    say!(
        "  connector    {} {}",
        report.manifest.name,
        report.manifest.version
    );
    say!("  abi version  {}", report.abi_version);
    say!("  sdk version  {}", report.sdk_version);
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
    Ok(ExitCode::SUCCESS)
}

/// The checking child: loads `lib` here (its initialisers run in this
/// process, which is why it is a child) and prints the report, or the
/// problem, as JSON on stdout.
pub fn probe_child(lib: &Path) -> ExitCode {
    match garita_host::check_library(lib) {
        Ok(report) => match serde_json::to_string(&report) {
            Ok(text) => {
                crate::output::write_raw(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot encode the report: {e}");
                ExitCode::from(3)
            }
        },
        Err(problem) => {
            let text = serde_json::json!({"problem": problem.to_string()}).to_string();
            crate::output::write_raw(text.as_bytes());
            ExitCode::from(1)
        }
    }
}
