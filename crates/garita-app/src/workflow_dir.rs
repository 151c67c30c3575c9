//! The workflows directory: its top-level `*.yaml` / `*.yml` files, each
//! parsed and validated against the loaded connectors, and a fingerprint to
//! notice when they change.
//!
//! One bad file does not stop the others: a file that does not parse or
//! validate, or that conflicts with another (two files claiming one workflow
//! name), is *refused* with its problems, and the rest load. A daemon that
//! refused to start over one typo would leave every schedule, timer and mail
//! stopped (and loop under systemd's `Restart=on-failure`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use garita_engine::schedule::{problems_by_workflow, LoadedWorkflow};
use serde::{Deserialize, Serialize};

use crate::wiring::read_workflow_source;
use crate::{App, AppError};

/// The workflows directory cannot be read at all: nothing can be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct WorkflowDirError {
    pub problems: Vec<String>,
}

/// A workflow file that is not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RefusedFile {
    /// The file, as the workflows directory was given.
    pub file: String,
    /// Each problem as `file:line:col: message` (what `garita validate` prints).
    pub problems: Vec<String>,
    /// True when the daemon keeps the version of the file it loaded before
    /// (a reload found the file broken): its schedules go on meanwhile.
    #[serde(default)]
    pub previous_version_in_force: bool,
}

/// What a workflows directory gave: the workflows to load and the files refused.
#[derive(Debug, Default)]
pub struct WorkflowDir {
    /// The workflows that may be loaded together.
    pub loaded: Vec<LoadedWorkflow>,
    /// The files refused, by file name.
    pub refused: Vec<RefusedFile>,
}

/// What the daemon has in force, for `/v1/health`: shared between the
/// daemon's loop (which writes it after each load) and the control server.
#[derive(Debug, Clone, Default)]
pub struct WorkflowDirStatus {
    /// Workflows loaded.
    pub workflows: usize,
    /// Files refused.
    pub refused: Vec<RefusedFile>,
}

/// [`WorkflowDirStatus`] as the daemon shares it.
pub type SharedDirStatus = Arc<RwLock<WorkflowDirStatus>>;

/// The workflow files directly in `dir` (not in subdirectories), by name.
/// Hidden files (editor locks such as `.#x.yaml`) are left out.
pub fn workflow_files(dir: &Path) -> Result<Vec<PathBuf>, WorkflowDirError> {
    let entries = std::fs::read_dir(dir).map_err(|e| WorkflowDirError {
        problems: vec![format!(
            "cannot read the workflows directory {}: {e}; create it, or point to it with --workflows DIR or [daemon] workflows_dir",
            dir.display()
        )],
    })?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if is_yaml && !name.starts_with('.') && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Parses every workflow file of `dir` and sorts them into the ones that
/// load together and the ones refused. `previous` is the set in force (a
/// reload): a file that was loaded and is now broken keeps its previous
/// version, unless that conflicts with the rest. Fails only when the
/// directory cannot be read.
pub fn load_workflow_dir(
    app: &App,
    dir: &Path,
    previous: &[LoadedWorkflow],
) -> Result<WorkflowDir, WorkflowDirError> {
    let manifests = app.manifests();
    let mut parsed = Vec::new();
    let mut broken = Vec::new();
    for path in workflow_files(dir)? {
        let shown = path.display().to_string();
        let source = match read_workflow_source(&path) {
            Ok(source) => source,
            Err(e) => {
                broken.push(RefusedFile {
                    problems: vec![format!("{shown}:1:1: {e:#}")],
                    file: shown,
                    previous_version_in_force: false,
                });
                continue;
            }
        };
        match garita_engine::parse::parse_workflow(&shown, &source, &manifests) {
            Ok(workflow) => parsed.push(LoadedWorkflow {
                workflow: Arc::new(workflow),
                source: Arc::from(source),
                path: shown,
            }),
            Err(diagnostics) => broken.push(RefusedFile {
                file: shown,
                problems: diagnostics.0.iter().map(|d| d.to_string()).collect(),
                previous_version_in_force: false,
            }),
        }
    }
    Ok(settle(parsed, broken, previous))
}

/// The set-level checks over the parsed files (plus the previous versions
/// of broken ones): the files at fault are refused, the others load.
fn settle(
    parsed: Vec<LoadedWorkflow>,
    mut broken: Vec<RefusedFile>,
    previous: &[LoadedWorkflow],
) -> WorkflowDir {
    let mut candidates = parsed;
    for refused in &mut broken {
        if let Some(kept) = previous.iter().find(|p| p.path == refused.file) {
            candidates.push(kept.clone());
            refused.previous_version_in_force = true;
        }
    }
    let problems = problems_by_workflow(&candidates);
    let mut out = WorkflowDir::default();
    for (loaded, problems) in candidates.into_iter().zip(problems) {
        if problems.is_empty() {
            out.loaded.push(loaded);
            continue;
        }
        match broken.iter_mut().find(|r| r.file == loaded.path) {
            // A previous version that conflicts with the new set goes too.
            Some(refused) => {
                refused.previous_version_in_force = false;
                refused.problems.extend(problems);
            }
            None => broken.push(RefusedFile {
                file: loaded.path.clone(),
                problems,
                previous_version_in_force: false,
            }),
        }
    }
    broken.sort_by(|a, b| a.file.cmp(&b.file));
    out.loaded.sort_by(|a, b| a.path.cmp(&b.path));
    out.refused = broken;
    out
}

/// [`load_workflow_dir`] for commands that need every file: any refused
/// file is an error that lists the problems and says what to do.
pub fn load_or_explain(app: &App, dir: &Path) -> Result<Vec<LoadedWorkflow>, AppError> {
    let set = load_workflow_dir(app, dir, &[]).map_err(|e| AppError::Refused(e.to_string()))?;
    if set.refused.is_empty() {
        return Ok(set.loaded);
    }
    let problems: Vec<&str> = set
        .refused
        .iter()
        .flat_map(|r| r.problems.iter().map(String::as_str))
        .collect();
    Err(AppError::Refused(format!(
        "{}\n{} problem(s) in {} file(s) of the workflows of {}; fix them (`garita validate FILE`) and run again",
        problems.join("\n"),
        problems.len(),
        set.refused.len(),
        dir.display()
    )))
}

/// Logs each refused file: one error line per problem, then what becomes
/// of the file.
pub fn log_refused(refused: &[RefusedFile]) {
    for file in refused {
        for problem in &file.problems {
            tracing::error!(file = %file.file, problem = %problem, "invalid workflow file");
        }
        if file.previous_version_in_force {
            tracing::error!(file = %file.file, problems = file.problems.len(), "workflow file refused; its previous version stays in force until the file is fixed");
        } else {
            tracing::error!(file = %file.file, problems = file.problems.len(), "workflow file refused; it is not loaded until it is fixed");
        }
    }
}

/// Says loudly that nothing is scheduled: the daemon still resumes runs,
/// wakes timers and sends mail, but no schedule or event trigger fires.
pub fn warn_if_empty(workflows: usize, dir: &Path) {
    if workflows == 0 {
        tracing::warn!(
            workflows_dir = %dir.display(),
            "no workflow is loaded: no schedule or event trigger fires until a valid workflow file is in the directory (unfinished runs, timers and mail still go on); `garita schedules` lists the refused files"
        );
    }
}

/// What the workflow files of a directory look like now: names, sizes and
/// modification times. Comparing two says whether a reload is due.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirFingerprint(Vec<(PathBuf, u64, Option<SystemTime>)>);

impl DirFingerprint {
    /// Reads the fingerprint of `dir` (empty when it cannot be read).
    pub fn read(dir: &Path) -> Self {
        let files = workflow_files(dir).unwrap_or_default();
        Self(
            files
                .into_iter()
                .map(|path| {
                    let meta = std::fs::metadata(&path).ok();
                    let len = meta.as_ref().map_or(0, |m| m.len());
                    let modified = meta.and_then(|m| m.modified().ok());
                    (path, len, modified)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_top_level_yaml_files_count() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.yml", "a.yaml", "notes.txt", ".#lock.yaml", "C.YAML"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub.yaml")).unwrap();
        std::fs::create_dir(dir.path().join("nested")).unwrap();
        std::fs::write(dir.path().join("nested/deep.yaml"), "x").unwrap();
        let names: Vec<String> = workflow_files(dir.path())
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["C.YAML", "a.yaml", "b.yml"]);
    }

    fn parsed(path: &str, name: &str) -> LoadedWorkflow {
        let source = format!("name: {name}\nsteps:\n  - id: s\n    wait: {{for: 1m}}\n");
        let workflow = garita_engine::parse::parse_workflow(path, &source, &[]).unwrap();
        LoadedWorkflow {
            workflow: Arc::new(workflow),
            source: Arc::from(source),
            path: path.to_owned(),
        }
    }

    fn broken(file: &str) -> RefusedFile {
        RefusedFile {
            file: file.to_owned(),
            problems: vec![format!("{file}:1:1: bad")],
            previous_version_in_force: false,
        }
    }

    fn paths(set: &WorkflowDir) -> Vec<&str> {
        set.loaded.iter().map(|l| l.path.as_str()).collect()
    }

    #[test]
    fn a_name_two_files_claim_refuses_both_and_loads_the_rest() {
        let set = settle(
            vec![
                parsed("a.yaml", "same"),
                parsed("b.yaml", "same"),
                parsed("c.yaml", "other"),
            ],
            vec![broken("d.yaml")],
            &[],
        );
        assert_eq!(paths(&set), ["c.yaml"]);
        let refused: Vec<&str> = set.refused.iter().map(|r| r.file.as_str()).collect();
        assert_eq!(refused, ["a.yaml", "b.yaml", "d.yaml"]);
        assert!(
            set.refused[0].problems[0]
                .starts_with("a.yaml:1:1: workflow name `same` is used by both a.yaml and b.yaml"),
            "{:?}",
            set.refused[0]
        );
    }

    #[test]
    fn a_broken_file_that_was_loaded_keeps_its_previous_version() {
        let previous = [parsed("a.yaml", "a"), parsed("b.yaml", "b")];
        let set = settle(
            vec![parsed("b.yaml", "b")],
            vec![broken("a.yaml")],
            &previous,
        );
        assert_eq!(paths(&set), ["a.yaml", "b.yaml"]);
        assert_eq!(set.refused.len(), 1);
        assert!(set.refused[0].previous_version_in_force);
        // Unless its old name is now another file's: then it goes too.
        let set = settle(
            vec![parsed("b.yaml", "b"), parsed("c.yaml", "a")],
            vec![broken("a.yaml")],
            &previous,
        );
        assert_eq!(paths(&set), ["b.yaml"]);
        assert!(!set.refused[0].previous_version_in_force);
        assert_eq!(set.refused[0].problems.len(), 2, "{:?}", set.refused[0]);
        assert_eq!(set.refused[1].file, "c.yaml");
    }

    #[test]
    fn the_fingerprint_changes_with_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let before = DirFingerprint::read(dir.path());
        std::fs::write(dir.path().join("a.yaml"), "x").unwrap();
        assert_ne!(DirFingerprint::read(dir.path()), before);
    }
}
