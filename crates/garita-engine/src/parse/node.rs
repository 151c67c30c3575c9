//! The YAML document as a tree of spanned nodes: what the validator reads, so
//! every problem it finds can point at a line and column.

use serde_json::{Map, Number, Value};

use crate::model::Span;

/// One YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Where the node starts (for a block mapping: its first key).
    pub span: Span,
    /// What it holds.
    pub value: NodeValue,
}

/// The three kinds of YAML node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeValue {
    /// A scalar, typed by the YAML 1.2 core schema.
    Scalar(Scalar),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in file order, without duplicate keys.
    Mapping(Vec<Entry>),
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key starts.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

/// A scalar after core-schema resolution (`true` is a bool, `"true"` a string).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A finite floating-point number.
    Float(f64),
    /// Text.
    Str(String),
}

impl Scalar {
    /// Resolves a plain (unquoted) scalar by the YAML 1.2 core schema.
    pub fn resolve_plain(text: &str) -> Self {
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Self::Null,
            "true" | "True" | "TRUE" => return Self::Bool(true),
            "false" | "False" | "FALSE" => return Self::Bool(false),
            _ => {}
        }
        if let Some(int) = parse_int(text) {
            return Self::Int(int);
        }
        if looks_like_float(text) {
            if let Ok(float) = text.parse::<f64>() {
                if float.is_finite() {
                    return Self::Float(float);
                }
            }
        }
        Self::Str(text.to_owned())
    }

    /// The scalar's text as written, for fields where any scalar reads as text
    /// (`description: 2024` is the string `"2024"`).
    pub fn text(&self) -> Option<String> {
        match self {
            Self::Null => None,
            Self::Bool(b) => Some(b.to_string()),
            Self::Int(i) => Some(i.to_string()),
            Self::Float(f) => Some(f.to_string()),
            Self::Str(s) => Some(s.clone()),
        }
    }
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, checked by hand so
/// that words Rust would parse as floats (`inf`, `NaN`) stay strings.
fn looks_like_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = match mantissa.find('.') {
        Some(at) => (&mantissa[..at], Some(&mantissa[at + 1..])),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match fraction {
        Some(fraction) => {
            all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
        None => !whole.is_empty() && all_digits(whole),
    };
    let exponent_ok = match exponent {
        Some(exp) => {
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            !digits.is_empty() && all_digits(digits)
        }
        None => true,
    };
    mantissa_ok && exponent_ok
}

impl Node {
    /// What kind of value this is, for messages ("expected a list, got a string").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Scalar(Scalar::Null) => "nothing (null)",
            NodeValue::Scalar(Scalar::Bool(_)) => "true/false",
            NodeValue::Scalar(Scalar::Int(_) | Scalar::Float(_)) => "a number",
            NodeValue::Scalar(Scalar::Str(_)) => "a string",
            NodeValue::Sequence(_) => "a list",
            NodeValue::Mapping(_) => "a mapping",
        }
    }

    /// The string held by a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(Scalar::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// The text of any non-null scalar.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::Scalar(s) => s.text(),
            _ => None,
        }
    }

    /// The entries of a mapping.
    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.value {
            NodeValue::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is `null` / nothing.
    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Scalar(Scalar::Null))
    }

    /// The node as JSON. Mapping keys are always strings.
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Scalar(Scalar::Null) => Value::Null,
            NodeValue::Scalar(Scalar::Bool(b)) => Value::Bool(*b),
            NodeValue::Scalar(Scalar::Int(i)) => Value::Number((*i).into()),
            NodeValue::Scalar(Scalar::Float(f)) => {
                Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeValue::Scalar(Scalar::Str(s)) => Value::String(s.clone()),
            NodeValue::Sequence(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// The node a JSON pointer (as produced by [`Node::for_each_string`] or a
    /// schema check) leads to, or the deepest node on the way when the rest
    /// does not exist (a missing property points at its parent).
    pub fn at_pointer(&self, pointer: &str) -> &Node {
        let mut node = self;
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let next = match &node.value {
                NodeValue::Mapping(entries) => {
                    entries.iter().find(|e| e.key == segment).map(|e| &e.value)
                }
                NodeValue::Sequence(items) => {
                    segment.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                NodeValue::Scalar(_) => None,
            };
            match next {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    /// Visits every string scalar below (and including) this node with its
    /// JSON pointer relative to this node.
    pub fn for_each_string<'n>(&'n self, visit: &mut dyn FnMut(&str, &'n Node, &'n str)) {
        fn walk<'n>(
            node: &'n Node,
            pointer: &mut String,
            visit: &mut dyn FnMut(&str, &'n Node, &'n str),
        ) {
            match &node.value {
                NodeValue::Scalar(Scalar::Str(s)) => visit(pointer, node, s),
                NodeValue::Scalar(_) => {}
                NodeValue::Sequence(items) => {
                    for (index, item) in items.iter().enumerate() {
                        let len = pointer.len();
                        pointer.push('/');
                        pointer.push_str(&index.to_string());
                        walk(item, pointer, visit);
                        pointer.truncate(len);
                    }
                }
                NodeValue::Mapping(entries) => {
                    for entry in entries {
                        let len = pointer.len();
                        pointer.push('/');
                        pointer.push_str(&entry.key.replace('~', "~0").replace('/', "~1"));
                        walk(&entry.value, pointer, visit);
                        pointer.truncate(len);
                    }
                }
            }
        }
        walk(self, &mut String::new(), visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_resolution() {
        assert_eq!(Scalar::resolve_plain(""), Scalar::Null);
        assert_eq!(Scalar::resolve_plain("~"), Scalar::Null);
        assert_eq!(Scalar::resolve_plain("True"), Scalar::Bool(true));
        assert_eq!(Scalar::resolve_plain("-12"), Scalar::Int(-12));
        assert_eq!(Scalar::resolve_plain("0x1F"), Scalar::Int(31));
        assert_eq!(Scalar::resolve_plain("2.5"), Scalar::Float(2.5));
        assert_eq!(Scalar::resolve_plain(".5e3"), Scalar::Float(500.0));
        // YAML 1.1 booleans and Rust-only float words stay strings.
        for word in [
            "yes",
            "on",
            "no",
            "off",
            "inf",
            "NaN",
            "1.2.3",
            "30s",
            "0 8 * * 1-5",
            ".",
        ] {
            assert_eq!(
                Scalar::resolve_plain(word),
                Scalar::Str(word.to_owned()),
                "{word}"
            );
        }
    }

    #[test]
    fn string_visitor_builds_pointers() {
        let node = Node {
            span: Span { line: 1, col: 1 },
            value: NodeValue::Mapping(vec![Entry {
                key: "a/b".into(),
                key_span: Span { line: 1, col: 1 },
                value: Node {
                    span: Span { line: 1, col: 5 },
                    value: NodeValue::Sequence(vec![Node {
                        span: Span { line: 1, col: 6 },
                        value: NodeValue::Scalar(Scalar::Str("x".into())),
                    }]),
                },
            }]),
        };
        let mut seen = Vec::new();
        node.for_each_string(&mut |pointer, _, text| {
            seen.push((pointer.to_owned(), text.to_owned()))
        });
        assert_eq!(seen, vec![("/a~1b/0".to_owned(), "x".to_owned())]);
        assert_eq!(node.to_json(), serde_json::json!({"a/b": ["x"]}));
        assert_eq!(node.at_pointer("/a~1b/0").span, Span { line: 1, col: 6 });
        assert_eq!(node.at_pointer("/a~1b/7").span, Span { line: 1, col: 5 });
        assert_eq!(node.at_pointer("").span, Span { line: 1, col: 1 });
    }
}
