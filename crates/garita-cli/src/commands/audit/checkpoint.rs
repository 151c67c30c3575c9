//! `garita audit checkpoint`: prints the signed note as it is handed out
//! (stdout holds only the note, so `> checkpoint.txt` keeps it exactly),
//! and what it covers on stderr.

use std::process::ExitCode;

use garita_app::Operations;

pub async fn checkpoint(ops: &dyn Operations, json: bool) -> anyhow::Result<ExitCode> {
    let made = ops.audit_checkpoint().await?;
    if json {
        crate::output::json(&serde_json::to_value(&made)?)?;
    } else {
        print!("{}", made.note);
        eprintln!(
            "checkpoint of entries 1..={} (root {}), recorded as entry {}; verifier key: {}",
            made.size, made.root, made.recorded_as, made.verifier_key
        );
    }
    Ok(ExitCode::SUCCESS)
}
