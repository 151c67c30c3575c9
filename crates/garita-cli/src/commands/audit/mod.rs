//! `garita audit verify|checkpoint|export`: the store's tamper-evident audit log
//! (docs/audit.md).

mod checkpoint;
mod export;
mod verify;

use std::path::Path;
use std::process::ExitCode;

use garita_app::Operations;

use crate::cli::AuditCommand;

/// `store_dir`: where the store is (an export is never written into it).
pub async fn audit(
    ops: &dyn Operations,
    json: bool,
    store_dir: &Path,
    command: AuditCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { expect_head } => verify::verify(ops, json, expect_head).await,
        AuditCommand::Checkpoint => checkpoint::checkpoint(ops, json).await,
        AuditCommand::Export {
            from,
            to,
            format,
            output,
            lang,
        } => {
            export::export(
                ops,
                store_dir,
                (&from, &to, format, output.as_deref(), lang.into()),
            )
            .await
        }
    }
}
