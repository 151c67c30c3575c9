//! `garita links new`: a holder's signed link, made by the links
//! operation, printed as its address.

use std::process::ExitCode;

use garita_app::ops::links::NewLink;
use garita_app::Operations;
use garita_engine::link::LinkPurpose;

use crate::cli::LinksCommand;
use crate::output::{say, say_stderr};

/// Runs a `garita links` command.
pub async fn links(
    ops: &dyn Operations,
    json: bool,
    command: LinksCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        LinksCommand::New { signed_in, task } => {
            let new = match (signed_in, task) {
                (Some(account), _) => NewLink {
                    purpose: LinkPurpose::SignedIn,
                    subject: account,
                },
                (None, Some(task)) => NewLink {
                    purpose: LinkPurpose::AnswerTask,
                    subject: task,
                },
                // clap requires one of them.
                (None, None) => return Ok(ExitCode::from(2)),
            };
            let link = ops.new_link(new).await?;
            if json {
                crate::output::json(&link)?;
            } else {
                say!("{}", link.url.as_deref().unwrap_or_default());
                say_stderr!(
                    "for {}, until {} (UTC); it works once",
                    link.recipient,
                    link.expires_at.format("%Y-%m-%d %H:%M")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
