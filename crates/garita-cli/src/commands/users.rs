//! `garita users add|list|disable|passwd`: the people who may sign in to
//! the officers' console (docs/console.md). The operations do the work;
//! this reads the password from standard input (one line; not echoed on a
//! terminal) and renders the answers.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

use garita_app::ops::users::{NewUser, UserChanged, UserView};
use garita_app::Operations;

use crate::cli::UsersCommand;
use crate::output::{say, Table};
use crate::usage::UsageError;

/// Longest password line read (the operation refuses past 1024 bytes and
/// says so; this only bounds the read).
const MAX_LINE: u64 = 4096;

pub async fn users(
    ops: &dyn Operations,
    json: bool,
    command: UsersCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        UsersCommand::Add {
            email,
            role,
            language,
            by,
        } => {
            let password = read_password(&format!("Password for {email}: "))?;
            let new = NewUser {
                email,
                role,
                language,
                password,
                by,
            };
            let added = ops.add_user(new).await?;
            if json {
                crate::output::json(&added)?;
            } else {
                say!(
                    "added {} ({}, {}); they sign in to the console with this password",
                    added.email,
                    added.role,
                    added.language.as_str()
                );
            }
        }
        UsersCommand::List => list(json, &ops.list_users().await?)?,
        UsersCommand::Disable { email, by } => {
            let changed = ops.disable_user(&email, by).await?;
            show_changed(json, "disabled", &changed)?;
        }
        UsersCommand::Passwd { email, by } => {
            let password = read_password(&format!("New password for {email}: "))?;
            let changed = ops.set_user_password(&email, password, by).await?;
            show_changed(json, "changed the password of", &changed)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list(json: bool, users: &[UserView]) -> anyhow::Result<()> {
    if json {
        return crate::output::json(&users);
    }
    if users.is_empty() {
        say!("no console users yet; add one with `garita users add EMAIL --role officer`");
        return Ok(());
    }
    let mut table = Table::new(&["EMAIL", "ROLE", "LANGUAGE", "STATE", "ADDED"]);
    for user in users {
        table.row(vec![
            user.email.clone(),
            user.role.to_string(),
            user.language.as_str().to_owned(),
            if user.disabled { "disabled" } else { "enabled" }.to_owned(),
            user.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ]);
    }
    table.print();
    Ok(())
}

fn show_changed(json: bool, what: &str, changed: &UserChanged) -> anyhow::Result<()> {
    if json {
        return crate::output::json(changed);
    }
    say!(
        "{what} {}; {} console session{} ended",
        changed.user.email,
        changed.sessions_ended,
        if changed.sessions_ended == 1 { "" } else { "s" }
    );
    Ok(())
}

/// One line from standard input, without its line end. On a terminal it
/// asks with `prompt` on stderr and turns echo off while it is typed.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
        let line = without_echo(&stdin, || read_line(&stdin))?;
        eprintln!();
        line
    } else {
        read_line(&stdin)?
    };
    let Some(line) = line else {
        return Err(UsageError(
            "no password on standard input: type it, or pipe one line (`printf '%s\\n' \"$PASSWORD\" | garita users ...`)".into(),
        )
        .into());
    };
    Ok(line)
}

fn read_line(stdin: &std::io::Stdin) -> anyhow::Result<Option<String>> {
    let mut line = String::new();
    let read = stdin.lock().take(MAX_LINE).read_line(&mut line)?;
    if read == 0 {
        return Ok(None);
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// Runs `read` with the terminal's echo off, restoring it afterwards.
fn without_echo<T>(
    stdin: &std::io::Stdin,
    read: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    let before = tcgetattr(stdin)?;
    let mut quiet = before.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(stdin, OptionalActions::Now, &quiet)?;
    let result = read();
    tcsetattr(stdin, OptionalActions::Now, &before)?;
    result
}
