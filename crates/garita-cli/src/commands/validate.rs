//! `garita validate FILE...`

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::{read_workflow_source, App};
use crate::output::say;

pub fn validate(app: &App, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let manifests = app.wiring().manifests();
    let mut report = Vec::new();
    let mut problems = 0usize;
    for file in files {
        let shown = file.display().to_string();
        let outcome = match read_workflow_source(file) {
            Ok(source) => garita_engine::parse::parse_workflow(&shown, &source, &manifests)
                .map(|w| w.name)
                .map_err(|d| d.0.iter().map(ToString::to_string).collect::<Vec<_>>()),
            Err(e) => Err(vec![format!("{shown}:1:1: {e:#}")]),
        };
        match &outcome {
            Ok(name) => {
                if !app.global.json {
                    say!("{shown}: ok ({name})");
                }
            }
            Err(list) => {
                problems += list.len();
                if !app.global.json {
                    for d in list {
                        say!("{d}");
                    }
                }
            }
        }
        report.push(serde_json::json!({
            "file": shown,
            "ok": outcome.is_ok(),
            "workflow": outcome.as_ref().ok(),
            "problems": outcome.as_ref().err().cloned().unwrap_or_default(),
        }));
    }
    if app.global.json {
        crate::output::json(&report)?;
    } else if problems > 0 {
        eprintln!("{problems} problem(s) found");
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
