//! `garita audit verify|export`: the store's tamper-evident audit log
//! (docs/audit.md).

mod export;
mod period;
mod verify;

use std::process::ExitCode;

use crate::app::App;
use crate::cli::AuditCommand;

pub async fn audit(app: &App, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { expect_head } => verify::verify(app, expect_head.as_deref()),
        AuditCommand::Export {
            from,
            to,
            format,
            output,
        } => export::export(app, &from, &to, format, output.as_deref()),
    }
}
