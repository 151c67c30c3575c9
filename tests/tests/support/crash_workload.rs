//! The crash loop's workload: one workflow with waits, `uses` steps, a task,
//! emails and child runs, and the side-effect recorder its steps write.
//!
//! The recorder steps call `core.append_file` with a path that holds the run,
//! the step and the `now` of the execution. `core.append_file` skips a line
//! already written for the same run and step *in the same file*; a fresh file
//! per execution defeats that on purpose, so every execution of a recorder
//! step leaves one file that nothing can take back: the count of files of a
//! (run, step) is the number of times its action really ran.

use std::collections::BTreeMap;
use std::path::Path;

/// Recorder steps of each top-level run, in order.
pub const RUN_RECORDERS: [&str; 5] = ["a", "b", "c", "d", "e"];
/// Recorder steps of each child run, in order.
pub const CHILD_RECORDERS: [&str; 2] = ["x", "y"];
/// Child runs per top-level run (`fan` over this many items).
pub const CHILDREN: usize = 3;
/// Emails per top-level run: `notice`, one per child, `receipt`.
pub const EMAILS_PER_RUN: usize = 2 + CHILDREN;
/// The workflow's name.
pub const WORKFLOW_NAME: &str = "crash-loop";

/// A recorder step: appends to its own file per execution.
fn recorder(id: &str) -> String {
    format!(
        r#"  - id: {id}
    uses: core.append_file
    with: {{path: "${{{{ inputs.dir }}}}/${{{{ run.id }}}}~{id}~${{{{ now }}}}", line: "{id}"}}
"#
    )
}

/// The same, indented for the steps of a `for_each`.
fn nested_recorder(id: &str) -> String {
    recorder(id).lines().map(|l| format!("    {l}\n")).collect()
}

/// The workflow text. A run starts on a short wait, so `garita run --no-wait`
/// only creates it and the daemon does the rest; after the task another
/// short wait, so `garita tasks complete` only records the answer.
pub fn workflow_yaml() -> String {
    let mut y = format!(
        r#"name: {WORKFLOW_NAME}
description: Waits, recorded steps, a task, emails and child runs, for the crash loop test.
inputs:
  dir: {{type: string, required: true}}
  to: {{type: string, required: true}}
steps:
  - id: start
    wait: {{for: 1s}}
"#
    );
    y += &recorder("a");
    y += r#"  - id: nap
    uses: core.sleep
    with: {ms: 150}
"#;
    y += &recorder("b");
    y += r#"  - id: pause
    wait: {for: 1s}
  - id: notice
    uses: email.send
    retry: {attempts: 5, backoff: 200ms}
    with:
      from: "Garita <robot@garita.test>"
      to: "${{ inputs.to }}"
      subject: "Aprobación pendiente ${{ run.id }}"
      body: "Se necesita su aprobación."
  - id: approve
    task:
      title: "Aprobar ${{ run.id }}"
      assignee: oficial@garita.test
  - id: settle
    wait: {for: 1s}
"#;
    y += &recorder("c");
    y += &format!(
        r#"  - id: fan
    for_each: "${{{{ range({CHILDREN}) | list }}}}"
    concurrency: 2
    steps:
"#
    );
    y += &nested_recorder("x");
    y += r#"      - id: child_nap
        uses: core.sleep
        with: {ms: 100}
      - id: child_mail
        uses: email.send
        retry: {attempts: 5, backoff: 200ms}
        with:
          from: "Garita <robot@garita.test>"
          to: "${{ inputs.to }}"
          subject: "Parte ${{ index }} de ${{ parent.run }}"
          body: "Detalle ${{ index }}."
"#;
    y += &nested_recorder("y");
    y += &recorder("d");
    y += r#"  - id: receipt
    uses: email.send
    retry: {attempts: 5, backoff: 200ms}
    with:
      from: "Garita <robot@garita.test>"
      to: "${{ inputs.to }}"
      subject: "Listo ${{ run.id }}"
      body: "Terminado."
"#;
    y += &recorder("e");
    y
}

/// The ids of the child runs of top-level run `run`.
pub fn child_ids(run: &str) -> Vec<String> {
    (0..CHILDREN).map(|i| format!("{run}.fan.{i}")).collect()
}

pub use crate::step_fold::StepKey;

/// Executions of each recorder step so far: the recorder directory read.
pub fn executions(dir: &Path) -> BTreeMap<StepKey, usize> {
    let mut counts = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("read the recorder directory") {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        let mut parts = name.split('~');
        let (Some(run), Some(step), Some(_at)) = (parts.next(), parts.next(), parts.next()) else {
            panic!("a file the recorder did not write: {name}");
        };
        *counts.entry((run.to_owned(), step.to_owned())).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workflow_names_each_recorder_once() {
        let yaml = workflow_yaml();
        for id in RUN_RECORDERS.iter().chain(&CHILD_RECORDERS) {
            assert_eq!(yaml.matches(&format!("- id: {id}\n")).count(), 1, "{yaml}");
            assert!(yaml.contains(&format!("~{id}~${{{{ now }}}}")), "{yaml}");
        }
    }
}
