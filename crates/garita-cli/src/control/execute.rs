//! Running one `garita` command inside the daemon for a client: parsed like
//! the command line it is, on the daemon's own store and engine, with the
//! files the client sent, and everything it prints captured for the client
//! to replay.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use garita_app::{AppError, ErrorClass};
use garita_engine::executor::EngineError;
use garita_engine::StoreError;
use tokio::sync::Notify;

use super::protocol::{ForwardRequest, ForwardResponse, Health, WrittenFile};
use crate::app::{App, ClientFiles, Lent};
use crate::cli::{AccountsCommand, Cli, Command, TasksCommand};
use crate::usage::UsageError;
use garita_app::workflow_dir::SharedDirStatus;

/// What the control server needs from the daemon.
pub struct ControlState {
    /// The daemon's app: settings, connectors, clock.
    pub app: App,
    /// The daemon's store, engine and scheduler, for the typed operations.
    pub session: garita_app::Session,
    /// The daemon's store and engine.
    pub lent: Lent,
    /// The workflows directory the daemon loaded (the default of `schedules`).
    pub workflows_dir: PathBuf,
    /// What `/v1/health` answers (its workflow counts come from `workflow_dir`).
    pub health: Health,
    /// The workflows the daemon has in force and the files it refused.
    pub workflow_dir: SharedDirStatus,
    /// Wakes the daemon's loop after a command changed something, so a new
    /// timer or a queued event is seen at once, not at the next idle look.
    pub nudge: Arc<Notify>,
}

/// Why a command did not do its work, for the HTTP status of typed endpoints.
#[derive(Debug, Clone)]
pub struct Failure {
    /// 400 usage, 404 unknown id, 409 conflict, 422 refused, 500 store trouble.
    pub status: u16,
    /// The error's text, without the leading `error: `.
    pub message: String,
}

/// A command run for a client: what to replay, and why it failed if it did.
#[derive(Debug, Clone)]
pub struct Executed {
    /// What the client replays.
    pub response: ForwardResponse,
    /// Set when the command ended with an error (not merely exit code 1).
    pub failure: Option<Failure>,
}

/// Runs `request` as the command line it carries; `peer_uid` is the
/// client's uid when the connection says it (the Unix socket).
pub async fn execute(
    state: &ControlState,
    request: ForwardRequest,
    peer_uid: Option<u32>,
) -> Executed {
    let cli = match Cli::try_parse_from(&request.args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let code = u8::try_from(e.exit_code()).unwrap_or(2);
            let (stdout, stderr) = if e.use_stderr() {
                (String::new(), text.clone())
            } else {
                (text.clone(), String::new())
            };
            return Executed {
                failure: (code != 0).then(|| Failure {
                    status: 400,
                    message: text.trim_end().to_owned(),
                }),
                response: ForwardResponse {
                    exit_code: code,
                    stdout,
                    stderr,
                    files: Vec::new(),
                },
            };
        }
    };
    if !super::is_routable(&cli.command) {
        return refused(UsageError(
            "this command does not go through the daemon; run it directly (only commands that read or change the store do)".into(),
        ).into());
    }
    if let Err(e) = check_clock(state, request.now.as_deref()) {
        return refused(e.into());
    }
    let mut global = cli.global;
    global.now = request.now.clone();
    let author = garita_app::identity::client_author(
        peer_uid.map(garita_app::identity::user_of_uid).as_deref(),
        request.user.as_deref(),
    );
    if !is_trusted_peer(peer_uid) {
        if let Err(e) = confine_paths(&state.app, &cli.command, request.cwd.as_deref()) {
            return refused(e);
        }
    }
    let command = for_client(cli.command, &request, &author, &state.workflows_dir);
    let files = ClientFiles {
        read: request.files,
        ..ClientFiles::default()
    };
    let app = state.app.for_client(global, state.lent.clone(), files);
    let (result, captured) =
        crate::output::capture(crate::commands::run_routable(&app, command)).await;
    state.nudge.notify_one();
    let mut response = ForwardResponse {
        exit_code: 0,
        stdout: String::from_utf8_lossy(&captured.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&captured.stderr).into_owned(),
        files: app
            .take_written_files()
            .into_iter()
            .map(|(path, contents)| WrittenFile { path, contents })
            .collect(),
    };
    let failure = match result {
        Ok(code) => {
            response.exit_code = exit_code_number(code);
            None
        }
        Err(err) => {
            response.stderr.push_str(&crate::output::error_text(&err));
            response.exit_code = crate::exit_code_for(&err);
            Some(Failure {
                status: http_status_of(&err),
                message: format!("{err:#}"),
            })
        }
    };
    Executed { response, failure }
}

/// Whether the client is the daemon's own user or root, as the kernel says
/// (the Unix socket): such a client can already read and write every file
/// the daemon can, so the paths it names are its own business. A client
/// over TCP (the token is all that vouches for it) or of another uid names
/// only files in `[files] allowed_dirs`.
pub fn is_trusted_peer(peer_uid: Option<u32>) -> bool {
    peer_uid.is_some_and(|uid| uid == 0 || uid == rustix::process::geteuid().as_raw())
}

/// Refuses a command of an untrusted client that names a file or directory
/// the daemon would write or read outside `[files] allowed_dirs`: the
/// backup it writes, the workflows directory `schedules` reads. (Exports are
/// written by the client itself, as its own user; workflow and inventory
/// files are read and sent by the client.)
fn confine_paths(
    app: &crate::app::App,
    command: &Command,
    cwd: Option<&Path>,
) -> anyhow::Result<()> {
    let named = match command {
        Command::Backup {
            command: None,
            file: Some(file),
        } => Some(file),
        Command::Schedules {
            workflows: Some(dir),
            ..
        } => Some(dir),
        _ => None,
    };
    if let Some(path) = named {
        // Where the daemon will look: the client's directory for a
        // relative path, as `for_client` resolves it.
        let path = match cwd {
            Some(cwd) => cwd.join(path),
            None => path.clone(),
        };
        app.allowed_dirs()
            .judge(&path)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    Ok(())
}

/// A request refused before running anything: printed as the CLI prints errors.
fn refused(err: anyhow::Error) -> Executed {
    Executed {
        response: ForwardResponse {
            exit_code: crate::exit_code_for(&err),
            stdout: String::new(),
            stderr: crate::output::error_text(&err),
            files: Vec::new(),
        },
        failure: Some(Failure {
            status: http_status_of(&err),
            message: format!("{err:#}"),
        }),
    }
}

/// The daemon's clock decides for every command it runs: a client's
/// `--now` is accepted only when it is the daemon's own pinned instant.
pub fn check_clock(state: &ControlState, now: Option<&str>) -> Result<(), AppError> {
    let Some(text) = now else {
        return Ok(());
    };
    let asked = garita_app::wiring::parse_now(text)?;
    let daemon_now = state.lent.engine.clock().now();
    if state.app.pinned_clock && daemon_now == asked {
        return Ok(());
    }
    Err(AppError::Usage(format!(
        "--now / GARITA_NOW ({text}) cannot be used while `garita daemon` (pid {}) holds the store: the daemon's clock decides. Drop --now, or stop the daemon to rehearse on a pinned clock",
        state.health.pid
    )))
}

/// What the client's command means in the daemon: relative directories are
/// the client's, `schedules` defaults to the daemon's workflows, and the
/// history and task answers record `author` (the client, see
/// `identity::client_author`), not the daemon's user, when `--by` is not given.
fn for_client(
    command: Command,
    request: &ForwardRequest,
    author: &str,
    workflows_dir: &Path,
) -> Command {
    let user = || Some(author.to_owned());
    match command {
        Command::Schedules { command, workflows } => Command::Schedules {
            command,
            workflows: Some(match (workflows, &request.cwd) {
                (Some(dir), Some(cwd)) => cwd.join(dir),
                (Some(dir), None) => dir,
                (None, _) => workflows_dir.to_path_buf(),
            }),
        },
        // The daemon writes the backup itself (the store's consistent copy
        // needs the open store): at the path the client meant.
        Command::Backup {
            command: None,
            file: Some(file),
        } => Command::Backup {
            command: None,
            file: Some(match &request.cwd {
                Some(cwd) => cwd.join(file),
                None => file,
            }),
        },
        Command::Accounts { command } => Command::Accounts {
            command: match command {
                AccountsCommand::Import {
                    file,
                    skip_invalid,
                    by: None,
                } => AccountsCommand::Import {
                    file,
                    skip_invalid,
                    by: user(),
                },
                AccountsCommand::Add(mut args) if args.by.is_none() => {
                    args.by = user();
                    AccountsCommand::Add(args)
                }
                AccountsCommand::Touch {
                    account,
                    at,
                    by: None,
                } => AccountsCommand::Touch {
                    account,
                    at,
                    by: user(),
                },
                AccountsCommand::Offboard {
                    person,
                    note,
                    by: None,
                } => AccountsCommand::Offboard {
                    person,
                    note,
                    by: user(),
                },
                other => other,
            },
        },
        Command::Resume {
            run,
            force,
            by: None,
        } => Command::Resume {
            run,
            force,
            by: user(),
        },
        Command::Tasks { command } => Command::Tasks {
            command: match command {
                TasksCommand::Complete {
                    task,
                    fields,
                    note,
                    by: None,
                } => TasksCommand::Complete {
                    task,
                    fields,
                    note,
                    by: user(),
                },
                TasksCommand::Reject {
                    task,
                    note,
                    by: None,
                } => TasksCommand::Reject {
                    task,
                    note,
                    by: user(),
                },
                other => other,
            },
        },
        other => other,
    }
}

/// The number behind an [`ExitCode`] the commands return (std keeps it private).
fn exit_code_number(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|n| ExitCode::from(*n) == code)
        .unwrap_or(1)
}

/// The HTTP status a typed endpoint answers for a command's error.
pub fn http_status_of(err: &anyhow::Error) -> u16 {
    for cause in err.chain() {
        if cause.downcast_ref::<UsageError>().is_some() {
            return 400;
        }
        if let Some(e) = cause.downcast_ref::<AppError>() {
            return status_of_class(e.class());
        }
        if let Some(e) = cause.downcast_ref::<EngineError>() {
            return status_of_class(garita_app::error::engine_class(e));
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return status_of_class(garita_app::error::store_class(e));
        }
    }
    422
}

/// An operation's error in the words the command line prints after
/// `error: `: its message, then each cause after a colon.
pub fn error_words(err: &(dyn std::error::Error + 'static)) -> String {
    let mut words = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        words.push_str(": ");
        words.push_str(&e.to_string());
        cause = e.source();
    }
    words
}

/// The HTTP status of each class of failure.
pub fn status_of_class(class: ErrorClass) -> u16 {
    match class {
        ErrorClass::Usage => 400,
        ErrorClass::NotFound => 404,
        ErrorClass::Conflict => 409,
        ErrorClass::Refused => 422,
        ErrorClass::Internal => 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_come_back_as_numbers() {
        assert_eq!(exit_code_number(ExitCode::SUCCESS), 0);
        assert_eq!(exit_code_number(ExitCode::from(1)), 1);
        assert_eq!(exit_code_number(ExitCode::from(2)), 2);
    }

    #[test]
    fn errors_map_to_statuses() {
        let usage: anyhow::Error = UsageError("bad".into()).into();
        assert_eq!(http_status_of(&usage), 400);
        let missing: anyhow::Error = EngineError::NoSuchTask("t".into()).into();
        assert_eq!(http_status_of(&missing.context("answering")), 404);
        let io: anyhow::Error = StoreError::Io {
            path: "s".into(),
            detail: "d".into(),
        }
        .into();
        assert_eq!(http_status_of(&io), 500);
        assert_eq!(http_status_of(&anyhow::anyhow!("refused")), 422);
    }

    #[test]
    fn the_client_context_fills_defaults() {
        let request = ForwardRequest {
            cwd: Some("/home/ana".into()),
            user: Some("ana".into()),
            ..ForwardRequest::default()
        };
        let parsed = Cli::try_parse_from(["garita", "schedules", "--workflows", "wf"]).unwrap();
        match for_client(parsed.command, &request, "ana", Path::new("/srv/workflows")) {
            Command::Schedules { workflows, .. } => {
                assert_eq!(workflows, Some(PathBuf::from("/home/ana/wf")))
            }
            other => panic!("{other:?}"),
        }
        let parsed = Cli::try_parse_from(["garita", "schedules"]).unwrap();
        match for_client(parsed.command, &request, "ana", Path::new("/srv/workflows")) {
            Command::Schedules { workflows, .. } => {
                assert_eq!(workflows, Some(PathBuf::from("/srv/workflows")))
            }
            other => panic!("{other:?}"),
        }
        let parsed = Cli::try_parse_from(["garita", "accounts", "touch", "ctpat:a@x.com"]).unwrap();
        match for_client(parsed.command, &request, "ana", Path::new("w")) {
            Command::Accounts {
                command: AccountsCommand::Touch { by, .. },
            } => assert_eq!(by.as_deref(), Some("ana")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn task_answers_through_the_daemon_record_the_client() {
        let request = ForwardRequest::default();
        let author = "root (client says ana)";
        let parsed =
            Cli::try_parse_from(["garita", "tasks", "reject", "t1", "--note", "no"]).unwrap();
        match for_client(parsed.command, &request, author, Path::new("w")) {
            Command::Tasks {
                command: TasksCommand::Reject { by, .. },
            } => assert_eq!(by.as_deref(), Some(author)),
            other => panic!("{other:?}"),
        }
        let parsed = Cli::try_parse_from(["garita", "tasks", "complete", "t1"]).unwrap();
        match for_client(parsed.command, &request, author, Path::new("w")) {
            Command::Tasks {
                command: TasksCommand::Complete { by, .. },
            } => assert_eq!(by.as_deref(), Some(author)),
            other => panic!("{other:?}"),
        }
        // An explicit --by is the client's word and stays.
        let parsed = Cli::try_parse_from([
            "garita",
            "tasks",
            "complete",
            "t1",
            "--by",
            "luis@example.com",
        ])
        .unwrap();
        match for_client(parsed.command, &request, author, Path::new("w")) {
            Command::Tasks {
                command: TasksCommand::Complete { by, .. },
            } => assert_eq!(by.as_deref(), Some("luis@example.com")),
            other => panic!("{other:?}"),
        }
    }
}
