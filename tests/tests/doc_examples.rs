//! The documentation's workflows run: every complete example in docs/*.md (a
//! ```yaml block with top-level `name:` and `steps:`) passes the real
//! `garita validate`, with the shipped connectors' manifests and, for the
//! plugin guide, the example plugin it teaches to build. Every `event:`
//! trigger in those examples names an event Garita really emits. A failure
//! names the doc file and the line in it.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use garita_engine::parse::yaml_to_json;
use serde_json::Value;
use support::*;

/// One ```yaml block of a doc: where it is and what it says.
struct Block {
    /// `docs/NAME.md`.
    doc: String,
    /// Line of the opening fence; the block's line N is the doc's line `fence + N`.
    fence: usize,
    text: String,
}

impl Block {
    fn place(&self) -> String {
        format!("{}:{}", self.doc, self.fence)
    }
}

fn yaml_blocks(doc: &str, text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (number, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => {
                current = Some(Block {
                    doc: doc.to_owned(),
                    fence: number + 1,
                    text: String::new(),
                })
            }
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// A whole workflow, not an excerpt: `name:` and `steps:` at the top level.
fn is_complete(text: &str) -> bool {
    let top = |key: &str| text.lines().any(|l| l.starts_with(key));
    top("name:") && top("steps:")
}

fn complete_examples() -> Vec<Block> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    docs.iter()
        .flat_map(|path| {
            let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            yaml_blocks(&name, &std::fs::read_to_string(path).unwrap())
        })
        .filter(|b| is_complete(&b.text))
        .collect()
}

/// Builds examples/hello-plugin (its own workspace) into a private target
/// dir, as tests/tests/plugins.rs does, and returns a config loading it.
fn hello_plugin_config(dir: &Path) -> PathBuf {
    let target = root().join("target").join("e2e-hello-plugin");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(root().join("examples/hello-plugin/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building examples/hello-plugin failed");
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        target.join("debug").join("libhello_plugin.so"),
        plugins.join("libhello_plugin.so"),
    )
    .unwrap();
    write(
        dir,
        "garita.toml",
        &format!("[plugins]\ndirs = [\"{}\"]\n", plugins.display()),
    )
}

/// `FILE:LINE:COL: message` of a problem in a block's file, as a place in the doc.
fn in_doc(problem: &str, file: &str, block: &Block) -> String {
    let Some(rest) = problem.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
        return format!("{}: {problem}", block.place());
    };
    let mut parts = rest.splitn(2, ':');
    match (
        parts.next().and_then(|l| l.parse::<usize>().ok()),
        parts.next(),
    ) {
        (Some(line), Some(tail)) => format!("{}:{}:{tail}", block.doc, block.fence + line),
        _ => format!("{}: {problem}", block.place()),
    }
}

#[test]
fn every_complete_workflow_example_in_the_docs_validates_with_the_real_connectors() {
    let blocks = complete_examples();
    // docs/workflows.md has four (the opening one and the three under
    // "Complete examples"), docs/plugin-authors.md one: a silent zero would
    // prove nothing.
    assert!(
        blocks.len() >= 5,
        "found only {} complete examples: {:?}",
        blocks.len(),
        blocks.iter().map(Block::place).collect::<Vec<_>>()
    );
    let dir = tempfile::tempdir().unwrap();
    let config = hello_plugin_config(dir.path());
    let files: Vec<PathBuf> = blocks
        .iter()
        .map(|b| {
            let name = format!("{}-{}.yaml", b.doc.replace('/', "-"), b.fence);
            write(dir.path(), &name, &b.text)
        })
        .collect();
    let out = run(garita(&dir.path().join("store"))
        .arg("--config")
        .arg(&config)
        .args(["validate", "--json"])
        .args(&files));
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    let mut wrong = Vec::new();
    for ((block, file), entry) in blocks.iter().zip(&files).zip(report.as_array().unwrap()) {
        let shown = file.display().to_string();
        assert_eq!(entry["file"], shown.as_str());
        for problem in entry["problems"].as_array().unwrap() {
            wrong.push(in_doc(problem.as_str().unwrap(), &shown, block));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Names under `on: event:` (mapping or list form; a name or `{name: …}`).
fn triggered_events(workflow: &Value) -> Vec<String> {
    let on = &workflow["on"];
    let entries: Vec<&Value> = match on {
        Value::Array(items) => items.iter().map(|i| &i["event"]).collect(),
        _ => vec![&on["event"]],
    };
    let mut names = Vec::new();
    for entry in entries {
        let list = match entry {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            one => vec![one],
        };
        for item in list {
            match item {
                Value::String(name) => names.push(name.clone()),
                other => names.extend(other["name"].as_str().map(str::to_owned)),
            }
        }
    }
    names
}

/// Events the shipped workflows queue: `event.emit` and `accounts.set_status` with `emit`.
fn emitted_by(steps: &Value, into: &mut BTreeSet<String>) {
    for step in steps.as_array().into_iter().flatten() {
        let name = match step["uses"].as_str() {
            Some("event.emit") => step["with"]["name"].as_str(),
            Some("accounts.set_status") => step["with"]["emit"]["name"].as_str(),
            _ => None,
        };
        into.extend(name.map(str::to_owned));
        emitted_by(&step["steps"], into);
    }
}

/// What Garita emits: the events docs/accounts.md documents under "Emitted
/// events" (one `### \`name\`` heading each), and those the shipped workflows queue.
fn emitted_events() -> BTreeSet<String> {
    let accounts = std::fs::read_to_string(root().join("docs/accounts.md")).unwrap();
    let section = accounts
        .split("\n## ")
        .find(|s| s.starts_with("Emitted events"))
        .expect("docs/accounts.md has an `Emitted events` section");
    let mut events: BTreeSet<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("### `")?.strip_suffix('`'))
        .map(str::to_owned)
        .collect();
    for entry in std::fs::read_dir(root().join("workflows")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let workflow = yaml_to_json(&path.display().to_string(), &text).unwrap();
            emitted_by(&workflow["steps"], &mut events);
        }
    }
    events
}

#[test]
fn event_triggers_in_the_docs_name_events_garita_emits() {
    let emitted = emitted_events();
    assert!(
        emitted.contains("account.offboarded") && emitted.contains("ctpat.deactivated"),
        "{emitted:?}"
    );
    let mut wrong = Vec::new();
    let mut triggers = 0;
    for block in complete_examples() {
        let workflow = yaml_to_json(&block.place(), &block.text).unwrap();
        for name in triggered_events(&workflow) {
            triggers += 1;
            if !emitted.contains(&name) {
                wrong.push(format!(
                    "{}: `event: {name}` waits for an event nothing emits (Garita emits: {})",
                    block.place(),
                    emitted.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    assert!(triggers >= 1, "no complete example has an event trigger");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
