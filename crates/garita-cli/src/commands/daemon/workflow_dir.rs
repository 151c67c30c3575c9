//! The workflows directory: its top-level `*.yaml` / `*.yml` files, each
//! parsed and validated against the loaded connectors, and a fingerprint to
//! notice when they change.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use garita_engine::schedule::{check_workflows, LoadedWorkflow};

use crate::app::{read_workflow_source, App};

/// Every problem found in a workflows directory, one per line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.join("\n"))]
pub struct WorkflowDirError {
    pub problems: Vec<String>,
}

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

/// Parses every workflow file of `dir`; on any problem, reports them all
/// and loads nothing (a half-loaded set would silently drop schedules).
pub fn load_workflow_dir(app: &App, dir: &Path) -> Result<Vec<LoadedWorkflow>, WorkflowDirError> {
    let manifests = app.manifests();
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for path in workflow_files(dir)? {
        let shown = path.display().to_string();
        let source = match read_workflow_source(&path) {
            Ok(source) => source,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        match garita_engine::parse::parse_workflow(&shown, &source, &manifests) {
            Ok(workflow) => loaded.push(LoadedWorkflow {
                workflow: Arc::new(workflow),
                source: Arc::from(source),
                path: shown,
            }),
            Err(diagnostics) => problems.extend(diagnostics.0.iter().map(|d| d.to_string())),
        }
    }
    if let Err(e) = check_workflows(&loaded) {
        problems.push(e.to_string());
    }
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(WorkflowDirError { problems })
    }
}

/// [`load_workflow_dir`] with a closing line that says what to do, for
/// commands that cannot go on without the workflows.
pub fn load_or_explain(app: &App, dir: &Path) -> anyhow::Result<Vec<LoadedWorkflow>> {
    load_workflow_dir(app, dir).map_err(|e| {
        anyhow::anyhow!(
            "{e}\n{} problem(s) in the workflows of {}; fix them (`garita validate FILE`) and run again",
            e.problems.len(),
            dir.display()
        )
    })
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

    #[test]
    fn the_fingerprint_changes_with_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let before = DirFingerprint::read(dir.path());
        std::fs::write(dir.path().join("a.yaml"), "x").unwrap();
        assert_ne!(DirFingerprint::read(dir.path()), before);
    }
}
