//! `garita audit verify|export`: the store's tamper-evident audit log
//! (docs/audit.md), and the entry the daemon appends on a reload.

mod export;
mod pause;
mod period;
mod reload;
mod verify;

use std::process::ExitCode;

pub use pause::record_pause;
pub use reload::record_reload;

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
