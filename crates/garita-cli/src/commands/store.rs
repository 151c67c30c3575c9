//! `garita store copy --from LOCATION --to LOCATION`: the rendering of
//! `garita_app::ops::store_copy` (progress on stderr, the result on stdout).

use std::process::ExitCode;

use garita_app::wiring::StoreLocation;

use crate::app::App;
use crate::cli::StoreCommand;
use crate::output::say;

pub async fn store(app: &App, command: StoreCommand) -> anyhow::Result<ExitCode> {
    match command {
        StoreCommand::Copy { from, to } => {
            let settings = &app.wiring().settings;
            let from = StoreLocation::of(Some(&from), settings);
            let to = StoreLocation::of(Some(&to), settings);
            let progress = |stage: &str| crate::output::say_stderr!("{stage}…");
            let copied =
                garita_app::ops::store_copy::store_copy(app.wiring(), &from, &to, &progress)
                    .await?;
            if app.global.json {
                crate::output::json(&serde_json::to_value(&copied)?)?;
            } else {
                let kinds: Vec<String> = copied
                    .copied
                    .sections
                    .iter()
                    .filter(|s| s.records > 0)
                    .map(|s| format!("{} {}", s.name, s.records))
                    .collect();
                let head = copied
                    .copied
                    .audit_head
                    .as_ref()
                    .map_or_else(String::new, |h| format!("entry {} ({})", h.seq, h.hash));
                say!(
                    "copied {} records from {} to {}: {}",
                    copied.copied.records,
                    copied.from,
                    copied.to,
                    kinds.join(", ")
                );
                say!(
                    "the copy reads back equal to the source; its audit chain verifies ({} entries), head {head}",
                    copied.audit_entries_verified
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
