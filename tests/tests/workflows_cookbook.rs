//! The Cookbook of `docs/workflows.md` quotes the shipped workflows: every
//! YAML snippet there names its file on its first line and must still be a
//! verbatim excerpt of it, and must read as Garita YAML on its own.

mod support;

use support::*;

/// (line of the opening fence, lines) of every ```yaml block after the
/// "## Cookbook" heading.
fn cookbook_blocks() -> Vec<(usize, Vec<String>)> {
    let doc = std::fs::read_to_string(root().join("docs/workflows.md")).unwrap();
    let start = doc
        .lines()
        .position(|l| l == "## Cookbook")
        .expect("docs/workflows.md has a Cookbook section");
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (number, line) in doc.lines().enumerate().skip(start) {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some((number + 1, Vec::new())),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some((_, lines)), _) => lines.push(line.to_owned()),
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_cookbook_snippet_is_an_excerpt_of_the_workflow_it_names() {
    let blocks = cookbook_blocks();
    assert!(blocks.len() >= 15, "found only {} snippets", blocks.len());
    for (line, lines) in blocks {
        let source = lines[0]
            .strip_prefix("# from ")
            .unwrap_or_else(|| panic!("snippet at line {line} does not name its file"));
        assert!(
            source.starts_with("workflows/") && source.ends_with(".yaml"),
            "line {line}: {source}"
        );
        let file = std::fs::read_to_string(root().join(source))
            .unwrap_or_else(|e| panic!("line {line}: {source}: {e}"));
        let file_lines: Vec<&str> = file.lines().collect();
        let excerpt: Vec<&str> = lines[1..].iter().map(String::as_str).collect();
        assert!(!excerpt.is_empty(), "snippet at line {line} is empty");
        assert!(
            file_lines
                .windows(excerpt.len())
                .any(|w| w == excerpt.as_slice()),
            "the snippet at docs/workflows.md:{line} is no longer in {source}:\n{}",
            excerpt.join("\n")
        );
        let text = lines.join("\n") + "\n";
        if let Err(problems) = garita_engine::parse::yaml_to_json("docs/workflows.md", &text) {
            panic!("snippet at line {line} does not read:\n{problems}");
        }
    }
}
