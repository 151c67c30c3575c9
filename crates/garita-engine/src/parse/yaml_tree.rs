//! YAML text → spanned [`Node`] tree, from yaml-rust2's event stream.
//!
//! Reading events (not yaml-rust2's own `Yaml` tree) is what gives every node a
//! line and column, lets us see duplicate keys (a `Yaml` hash silently keeps
//! the last one), and lets us stop as soon as a limit is passed. Anchors and
//! aliases are refused outright, so no input can expand beyond its own size
//! ("billion laughs").

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::limits::{MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES};
use super::node::{Entry, Node, NodeValue, Scalar};
use super::problems::Problems;
use crate::model::Span;

/// The YAML core-schema tag prefix that `!!` expands to.
const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Parses `source` into a tree. Returns `None` when the text cannot be read as
/// a single YAML document within the limits; the reasons are in `problems`.
/// Problems that leave the tree usable (duplicate keys, anchors) are recorded
/// and the tree is still returned.
pub(crate) fn read_tree(source: &str, problems: &mut Problems<'_>) -> Option<Node> {
    if source.len() > MAX_FILE_BYTES {
        problems.error_hint(
            Span { line: 1, col: 1 },
            format!(
                "the file is {} bytes; workflow files are limited to {MAX_FILE_BYTES} bytes",
                source.len()
            ),
            "split the workflow into smaller ones",
        );
        return None;
    }
    let mut builder = TreeBuilder::default();
    // Editors on Windows may save a byte-order mark; it is not part of the
    // YAML and editors do not count it as a column.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut parser = Parser::new_from_str(source);
    loop {
        let (event, marker) = match parser.next_token() {
            Ok(next) => next,
            Err(err) => {
                problems.error_hint(
                    span_of(err.marker()),
                    format!("this is not valid YAML: {}", err.info()),
                    "check the indentation and quoting around here",
                );
                return None;
            }
        };
        match builder.accept(event, marker, problems) {
            Flow::Continue => {}
            Flow::Done => return builder.root,
            Flow::Abort => return None,
        }
    }
}

/// 1-based line and column of a yaml-rust2 marker (whose column is 0-based).
fn span_of(marker: &Marker) -> Span {
    Span {
        line: clamp_u32(marker.line()),
        col: clamp_u32(marker.col().saturating_add(1)),
    }
}

fn min_span(a: Span, b: Span) -> Span {
    if (a.line, a.col) <= (b.line, b.col) {
        a
    } else {
        b
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the event loop does next.
enum Flow {
    Continue,
    Done,
    Abort,
}

/// A collection being filled.
enum Frame {
    Sequence { span: Span, items: Vec<Node> },
    Mapping(MappingFrame),
}

struct MappingFrame {
    span: Span,
    entries: Vec<Entry>,
    /// Where each key was first seen, to report duplicates.
    seen: HashMap<String, Span>,
    /// The key waiting for its value. `Some(None)` is a key we refused (not a
    /// scalar, or a duplicate): its value is read and dropped.
    pending_key: Option<Option<(String, Span)>>,
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    root: Option<Node>,
    nodes: usize,
    documents: usize,
}

impl TreeBuilder {
    fn accept(&mut self, event: Event, marker: Marker, problems: &mut Problems<'_>) -> Flow {
        let span = span_of(&marker);
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => Flow::Continue,
            Event::StreamEnd => Flow::Done,
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    problems.error_hint(
                        span,
                        "a workflow file holds exactly one YAML document, and this is a second one",
                        "remove the `---` line and what follows, or move it to its own file",
                    );
                    return Flow::Abort;
                }
                Flow::Continue
            }
            Event::Alias(_) => {
                problems.error_hint(
                    span,
                    "aliases (`*name`) are not supported in workflow files",
                    "write the value out in full where it is needed",
                );
                self.complete(
                    Node {
                        span,
                        value: NodeValue::Scalar(Scalar::Null),
                    },
                    problems,
                )
            }
            Event::Scalar(text, style, anchor, tag) => {
                if !self.count_node(span, problems) {
                    return Flow::Abort;
                }
                refuse_anchor(anchor, span, problems);
                let scalar = resolve_scalar(text, style, tag.as_ref(), span, problems);
                self.complete(
                    Node {
                        span,
                        value: NodeValue::Scalar(scalar),
                    },
                    problems,
                )
            }
            Event::SequenceStart(anchor, tag) => {
                if !self.count_node(span, problems) || !self.check_depth(span, problems) {
                    return Flow::Abort;
                }
                refuse_anchor(anchor, span, problems);
                check_collection_tag(tag.as_ref(), "seq", span, problems);
                self.stack.push(Frame::Sequence {
                    span,
                    items: Vec::new(),
                });
                Flow::Continue
            }
            Event::MappingStart(anchor, tag) => {
                if !self.count_node(span, problems) || !self.check_depth(span, problems) {
                    return Flow::Abort;
                }
                refuse_anchor(anchor, span, problems);
                check_collection_tag(tag.as_ref(), "map", span, problems);
                self.stack.push(Frame::Mapping(MappingFrame {
                    span,
                    entries: Vec::new(),
                    seen: HashMap::new(),
                    pending_key: None,
                }));
                Flow::Continue
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Sequence { span, items }) => self.complete(
                    Node {
                        span,
                        value: NodeValue::Sequence(items),
                    },
                    problems,
                ),
                Some(Frame::Mapping(frame)) => {
                    // A block mapping's start event is marked at its first `:`;
                    // people think of the mapping as starting at its first key.
                    let span = match frame.entries.first() {
                        Some(first) => min_span(frame.span, first.key_span),
                        None => frame.span,
                    };
                    self.complete(
                        Node {
                            span,
                            value: NodeValue::Mapping(frame.entries),
                        },
                        problems,
                    )
                }
                None => {
                    // The parser never emits an unbalanced end; if it did, the
                    // tree would be wrong, so stop rather than guess.
                    problems.error(
                        span,
                        "this is not valid YAML: unbalanced end of a collection",
                    );
                    Flow::Abort
                }
            },
        }
    }

    fn count_node(&mut self, span: Span, problems: &mut Problems<'_>) -> bool {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            problems.error_hint(
                span,
                format!("the file has more than {MAX_NODES} YAML values; that is far beyond any real workflow"),
                "split the workflow into smaller ones",
            );
            return false;
        }
        true
    }

    fn check_depth(&self, span: Span, problems: &mut Problems<'_>) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            problems.error_hint(
                span,
                format!("values are nested more than {MAX_DEPTH} levels deep here"),
                "flatten the structure; deeply nested for_each steps are better written as separate workflows",
            );
            return false;
        }
        true
    }

    /// Hands a finished node to the collection being filled, or makes it the root.
    fn complete(&mut self, node: Node, problems: &mut Problems<'_>) -> Flow {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Flow::Continue
            }
            Some(Frame::Sequence { items, .. }) => {
                items.push(node);
                Flow::Continue
            }
            Some(Frame::Mapping(frame)) => {
                match frame.pending_key.take() {
                    None => frame.pending_key = Some(accept_key(frame, node, problems)),
                    Some(Some((key, key_span))) => frame.entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    }),
                    Some(None) => {}
                }
                Flow::Continue
            }
        }
    }
}

/// Checks a mapping key: it must be a non-null scalar and not a repeat.
fn accept_key(
    frame: &mut MappingFrame,
    node: Node,
    problems: &mut Problems<'_>,
) -> Option<(String, Span)> {
    let Some(key) = node.scalar_text() else {
        problems.error_hint(
            node.span,
            format!(
                "a mapping key must be a plain name, not {}",
                node.kind_name()
            ),
            "write keys as `name: value`",
        );
        return None;
    };
    if let Some(first) = frame.seen.get(&key) {
        problems.error_hint(
            node.span,
            format!(
                "duplicate key `{key}`; it was already given at line {}, column {}",
                first.line, first.col
            ),
            "keep only one of them",
        );
        return None;
    }
    frame.seen.insert(key.clone(), node.span);
    Some((key, node.span))
}

fn refuse_anchor(anchor: usize, span: Span, problems: &mut Problems<'_>) {
    if anchor != 0 {
        problems.error_hint(
            span,
            "anchors (`&name`) are not supported in workflow files",
            "remove the anchor and write repeated values out in full",
        );
    }
}

fn check_collection_tag(
    tag: Option<&Tag>,
    expected: &str,
    span: Span,
    problems: &mut Problems<'_>,
) {
    if let Some(tag) = tag {
        if !(tag.handle == CORE_TAG_PREFIX && tag.suffix == expected) {
            problems.error_hint(
                span,
                format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
                "remove the tag; workflow files use plain YAML values",
            );
        }
    }
}

/// Types a scalar: quoted and block scalars are strings, plain ones follow
/// the core schema, and the core tags (`!!str`, `!!int`, …) force a type.
fn resolve_scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
    span: Span,
    problems: &mut Problems<'_>,
) -> Scalar {
    if let Some(tag) = tag {
        if tag.handle == CORE_TAG_PREFIX {
            let forced = match tag.suffix.as_str() {
                "str" => Some(Scalar::Str(text.clone())),
                "null" => {
                    matches!(Scalar::resolve_plain(&text), Scalar::Null).then_some(Scalar::Null)
                }
                "bool" => matches!(Scalar::resolve_plain(&text), Scalar::Bool(_))
                    .then(|| Scalar::resolve_plain(&text)),
                "int" => matches!(Scalar::resolve_plain(&text), Scalar::Int(_))
                    .then(|| Scalar::resolve_plain(&text)),
                "float" => match Scalar::resolve_plain(&text) {
                    Scalar::Int(i) => Some(Scalar::Float(i as f64)),
                    float @ Scalar::Float(_) => Some(float),
                    _ => None,
                },
                _ => None,
            };
            if let Some(scalar) = forced {
                return scalar;
            }
            problems.error_hint(
                span,
                format!("`{text}` cannot be read as `!!{}`", tag.suffix),
                "remove the tag or fix the value",
            );
            return Scalar::Str(text);
        }
        problems.error_hint(
            span,
            format!("unsupported YAML tag `{}{}`", tag.handle, tag.suffix),
            "remove the tag; workflow files use plain YAML values",
        );
    }
    match style {
        TScalarStyle::Plain => Scalar::resolve_plain(&text),
        _ => Scalar::Str(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(source: &str) -> (Option<Node>, Vec<String>) {
        let mut problems = Problems::new("f.yaml");
        let node = read_tree(source, &mut problems);
        let messages = match problems.finish(Some(())) {
            Ok(()) => Vec::new(),
            Err(d) => d.0.iter().map(ToString::to_string).collect(),
        };
        (node, messages)
    }

    #[test]
    fn spans_are_one_based() {
        let (node, messages) = read("name: x\nsteps:\n  - id: a\n    uses: 'c.d'\n");
        assert!(messages.is_empty(), "{messages:?}");
        let root = node.unwrap();
        let entries = root.as_mapping().unwrap();
        assert_eq!(entries[0].key_span, Span { line: 1, col: 1 });
        assert_eq!(entries[0].value.span, Span { line: 1, col: 7 });
        let steps = entries[1].value.as_sequence().unwrap();
        let step = steps[0].as_mapping().unwrap();
        assert_eq!(step[0].key_span, Span { line: 3, col: 5 });
        assert_eq!(steps[0].span, Span { line: 3, col: 5 });
        assert_eq!(step[1].value.span, Span { line: 4, col: 11 });
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second() {
        let (node, messages) = read("a: 1\nb: 2\na: 3\n");
        assert_eq!(messages, vec!["f.yaml:3:1: duplicate key `a`; it was already given at line 1, column 1\n  hint: keep only one of them"]);
        assert_eq!(node.unwrap().to_json(), serde_json::json!({"a": 1, "b": 2}));
    }

    #[test]
    fn aliases_are_refused() {
        let (_, messages) = read("a: &x [1, 2]\nb: *x\n");
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].starts_with("f.yaml:1:7: anchors"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("f.yaml:2:4: aliases"),
            "{messages:?}"
        );
    }

    #[test]
    fn billion_laughs_never_expands() {
        let mut source = String::from("a: &a [\"lol\",\"lol\"]\n");
        for level in 1..10 {
            let prev = (b'a' + level - 1) as char;
            let this = (b'a' + level) as char;
            source.push_str(&format!(
                "{this}: &{this} [*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let (node, messages) = read(&source);
        assert!(
            messages.iter().any(|m| m.contains("aliases")),
            "{messages:?}"
        );
        // Aliases became nulls: the tree is no bigger than the text.
        let json = node.map(|n| n.to_json().to_string()).unwrap_or_default();
        assert!(json.len() < source.len() * 2, "{json}");
    }

    #[test]
    fn depth_limit() {
        let source = format!("{}{}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
        let (node, messages) = read(&source);
        assert!(node.is_none());
        assert!(messages[0].contains("nested more than"), "{messages:?}");
    }

    #[test]
    fn node_limit() {
        let source = format!("[{}]", vec!["1"; MAX_NODES + 1].join(","));
        let (node, messages) = read(&source);
        assert!(node.is_none());
        assert!(messages[0].contains("more than"), "{messages:?}");
    }

    #[test]
    fn size_limit() {
        let source = "#".repeat(MAX_FILE_BYTES + 1);
        let (node, messages) = read(&source);
        assert!(node.is_none());
        assert!(
            messages[0].starts_with("f.yaml:1:1: the file is"),
            "{messages:?}"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let (node, messages) = read("a: [1, 2\nb: 3\n");
        assert!(node.is_none());
        assert_eq!(messages.len(), 1);
        assert!(messages[0].starts_with("f.yaml:"), "{messages:?}");
        assert!(messages[0].contains("not valid YAML"), "{messages:?}");
    }

    #[test]
    fn second_document_is_refused() {
        let (_, messages) = read("a: 1\n---\nb: 2\n");
        assert!(
            messages[0].starts_with("f.yaml:2:1: a workflow file holds exactly one"),
            "{messages:?}"
        );
    }

    #[test]
    fn tags_and_quoting() {
        let (node, messages) = read("a: !!str 12\nb: '12'\nc: 12\nd: !!float 1\ne: |\n  text\n");
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            node.unwrap().to_json(),
            serde_json::json!({"a": "12", "b": "12", "c": 12, "d": 1.0, "e": "text\n"})
        );
        let (_, messages) = read("a: !custom x\n");
        assert!(messages[0].contains("unsupported YAML tag"), "{messages:?}");
    }

    #[test]
    fn empty_input_has_no_root() {
        let (node, messages) = read("");
        assert!(node.is_none());
        assert!(messages.is_empty());
        let (node, _) = read("# just a comment\n");
        assert!(node.is_none());
    }

    #[test]
    fn non_scalar_keys_are_refused() {
        let (node, messages) = read("? [a]\n: 1\nb: 2\n");
        assert!(
            messages[0].contains("mapping key must be a plain name"),
            "{messages:?}"
        );
        assert_eq!(node.unwrap().to_json(), serde_json::json!({"b": 2}));
    }
}
