//! What a value read by a template looks like, where Garita knows it: from
//! an action's output schema, a step's declared `outputs:`, or the items of a
//! list of such values. A read of a field the shape does not have is a typo
//! that `garita validate` reports; where the shape is open (no schema,
//! `additionalProperties` allowed, an object without `properties`, `$ref`,
//! `allOf`) nothing is claimed, because a false alarm on a working workflow
//! costs more than a missed typo.

use garita_sdk::Manifest;
use serde_json::Value;

use super::step_index::{StepEntry, StepTarget};
use super::template_reads::{expression_path, Segment};
use crate::expr;

/// The shape of a value a template may read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape<'a> {
    /// Nothing is known: every field may exist.
    Unknown,
    /// A value described by this JSON Schema.
    Schema(&'a Value),
    /// The outputs of a step that declares `outputs:`: exactly those names.
    Declared(&'a StepEntry),
    /// The raw output of a `for_each` step: `items` (one per child) and `count`.
    ForEachResult,
}

/// The fields of a `for_each` step's raw output.
const FOR_EACH_FIELDS: &[&str] = &["items", "count"];

/// What a field read finds.
#[derive(Debug)]
pub(crate) enum Lookup<'a> {
    /// The field may exist; its shape.
    Found(Shape<'a>),
    /// The shape is closed and has no such field; the fields it has.
    Missing(Vec<&'a str>),
}

/// Where a path stops matching its shape.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Mismatch<'a> {
    /// How many segments of the path exist (the missing field is the next).
    pub depth: usize,
    /// The fields the value at that depth has.
    pub known: Vec<&'a str>,
    /// Whether that value is a step's declared `outputs:`.
    pub declared: bool,
}

impl<'a> Shape<'a> {
    /// The shape of field `name` of a value of this shape.
    pub fn field(self, name: &str, manifests: &'a [Manifest]) -> Lookup<'a> {
        match self {
            Self::Unknown => Lookup::Found(Self::Unknown),
            Self::Schema(schema) => schema_field(schema, name),
            Self::Declared(entry) => match entry.outputs.as_ref() {
                Some(names) => match names.iter().find(|n| *n == name) {
                    Some(found) => Lookup::Found(declared_output_shape(entry, found, manifests)),
                    None => Lookup::Missing(names.iter().map(String::as_str).collect()),
                },
                None => Lookup::Found(Self::Unknown),
            },
            Self::ForEachResult if FOR_EACH_FIELDS.contains(&name) => Lookup::Found(Self::Unknown),
            Self::ForEachResult => Lookup::Missing(FOR_EACH_FIELDS.to_vec()),
        }
    }

    /// The shape of the items of a list of this shape.
    pub fn item(self) -> Self {
        match self {
            Self::Schema(schema) => schema_items(schema),
            _ => Self::Unknown,
        }
    }

    /// Follows `segments` from a value of this shape; where a field is
    /// missing, says where.
    pub fn follow(
        self,
        segments: &[Segment],
        manifests: &'a [Manifest],
    ) -> Result<Self, Mismatch<'a>> {
        let mut shape = self;
        for (depth, segment) in segments.iter().enumerate() {
            shape = match segment {
                Segment::Item => shape.item(),
                Segment::Field(name) => match shape.field(name, manifests) {
                    Lookup::Found(found) => found,
                    Lookup::Missing(known) => {
                        return Err(Mismatch {
                            depth,
                            known,
                            declared: matches!(shape, Self::Declared(_)),
                        })
                    }
                },
            };
            if matches!(shape, Self::Unknown) {
                break;
            }
        }
        Ok(shape)
    }
}

/// What a step gives before its `outputs:` are applied (`result` inside
/// them): its action's output schema, or a `for_each`'s items and count.
pub(crate) fn result_shape<'a>(entry: &'a StepEntry, manifests: &'a [Manifest]) -> Shape<'a> {
    match &entry.target {
        StepTarget::Uses { connector, action } => manifests
            .iter()
            .find(|m| &m.name == connector)
            .and_then(|m| m.find(action))
            .map_or(Shape::Unknown, |spec| Shape::Schema(&spec.output_schema)),
        StepTarget::ForEach => Shape::ForEachResult,
        StepTarget::Other => Shape::Unknown,
    }
}

/// What later steps read as `steps.ID.outputs`: the declared `outputs:` when
/// there are any, otherwise the raw result.
pub(crate) fn outputs_shape<'a>(entry: &'a StepEntry, manifests: &'a [Manifest]) -> Shape<'a> {
    if entry.outputs.is_some() {
        Shape::Declared(entry)
    } else {
        result_shape(entry, manifests)
    }
}

/// The shape of one declared output: known when it is written as one
/// expression that is a path into `result` (`"${{ result.accounts }}"`).
fn declared_output_shape<'a>(
    entry: &'a StepEntry,
    name: &str,
    manifests: &'a [Manifest],
) -> Shape<'a> {
    let Some(path) = entry
        .output_texts
        .get(name)
        .and_then(|text| expr::single_expression(text))
        .and_then(expression_path)
    else {
        return Shape::Unknown;
    };
    if path.root != "result" {
        return Shape::Unknown;
    }
    // A mismatch here is reported where the output is declared; what it
    // gives later is then unknown.
    result_shape(entry, manifests)
        .follow(&path.segments, manifests)
        .unwrap_or(Shape::Unknown)
}

fn schema_field<'a>(schema: &'a Value, name: &str) -> Lookup<'a> {
    let Some(object) = schema.as_object() else {
        // `true` (anything) or `false` (nothing): no field is claimed.
        return Lookup::Found(Shape::Unknown);
    };
    if ["$ref", "$dynamicRef", "allOf", "patternProperties", "if"]
        .iter()
        .any(|k| object.contains_key(*k))
    {
        return Lookup::Found(Shape::Unknown);
    }
    let properties = object.get("properties").and_then(Value::as_object);
    if properties.is_none() {
        if let Some(branches) = object
            .get("anyOf")
            .or_else(|| object.get("oneOf"))
            .and_then(Value::as_array)
        {
            return branches_field(branches, name);
        }
    }
    let Some(properties) = properties else {
        return match object.get("additionalProperties") {
            Some(extra @ Value::Object(_)) => Lookup::Found(Shape::Schema(extra)),
            _ => Lookup::Found(Shape::Unknown),
        };
    };
    if let Some(found) = properties.get(name) {
        return Lookup::Found(Shape::Schema(found));
    }
    match object.get("additionalProperties") {
        Some(Value::Bool(false)) => {
            Lookup::Missing(properties.keys().map(String::as_str).collect())
        }
        Some(extra @ Value::Object(_)) => Lookup::Found(Shape::Schema(extra)),
        _ => Lookup::Found(Shape::Unknown),
    }
}

/// A field of `anyOf`/`oneOf`: found in any object branch, missing only
/// when every object branch is closed and lacks it. Branches that cannot be
/// objects (`null`, a string) have no fields to offer.
fn branches_field<'a>(branches: &'a [Value], name: &str) -> Lookup<'a> {
    let mut known: Vec<&'a str> = Vec::new();
    let mut any_object = false;
    for branch in branches {
        if !may_be_object(branch) {
            continue;
        }
        any_object = true;
        match schema_field(branch, name) {
            Lookup::Found(shape) => return Lookup::Found(shape),
            Lookup::Missing(fields) => {
                for field in fields {
                    if !known.contains(&field) {
                        known.push(field);
                    }
                }
            }
        }
    }
    if any_object {
        Lookup::Missing(known)
    } else {
        Lookup::Found(Shape::Unknown)
    }
}

/// Whether a schema admits objects (it names no `type`, or includes `object`).
fn may_be_object(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return true;
    };
    if object.contains_key("const") || object.contains_key("enum") {
        return false;
    }
    match object.get("type") {
        None => true,
        Some(Value::String(kind)) => kind == "object",
        Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "object"),
        Some(_) => true,
    }
}

fn schema_items(schema: &Value) -> Shape<'_> {
    match schema.get("items") {
        Some(items @ Value::Object(_)) => Shape::Schema(items),
        _ => Shape::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn seg(path: &str) -> Vec<Segment> {
        path.split('.')
            .map(|s| match s {
                "[]" => Segment::Item,
                name => Segment::Field(name.to_owned()),
            })
            .collect()
    }

    fn follow<'a>(schema: &'a Value, path: &str) -> Result<Shape<'a>, Mismatch<'a>> {
        Shape::Schema(schema).follow(&seg(path), &[])
    }

    fn closed_person() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "object"},
                "extra": {"type": "object", "additionalProperties": {"type": "object", "properties": {"a": {}}, "additionalProperties": false}}
            }
        })
    }

    #[test]
    fn closed_objects_know_their_fields() {
        let list = json!({"type": "array", "items": closed_person()});
        assert!(follow(&list, "[].name").is_ok());
        let missing = follow(&list, "[].nmae").unwrap_err();
        assert_eq!(missing.depth, 1);
        assert_eq!(missing.known, ["extra", "name", "tags"]);
        // The schema of extra keys applies to any key.
        assert!(follow(&list, "[].extra.anything.a").is_ok());
        assert_eq!(follow(&list, "[].extra.anything.b").unwrap_err().depth, 3);
    }

    #[test]
    fn open_shapes_accept_anything() {
        let open = json!({"type": "object", "properties": {"name": {}}});
        assert!(follow(&open, "nmae.x.y").is_ok());
        assert!(follow(&closed_person(), "tags.whatever.deeper").is_ok());
        assert!(follow(&json!({}), "a.b").is_ok());
        assert!(follow(&json!(true), "a").is_ok());
        let referenced =
            json!({"$ref": "#/$defs/x", "additionalProperties": false, "properties": {}});
        assert!(follow(&referenced, "a").is_ok());
        assert!(follow(&json!({"type": "string"}), "length").is_ok());
    }

    #[test]
    fn any_of_finds_fields_in_any_object_branch() {
        let nullable = json!({"anyOf": [closed_person(), {"type": "null"}]});
        assert!(follow(&nullable, "name").is_ok());
        assert_eq!(follow(&nullable, "nmae").unwrap_err().depth, 0);
        let with_open = json!({"oneOf": [closed_person(), {"type": "object"}]});
        assert!(follow(&with_open, "nmae").is_ok());
        let scalars = json!({"anyOf": [{"type": "string"}, {"type": "null"}]});
        assert!(follow(&scalars, "x").is_ok());
    }

    #[test]
    fn for_each_results_have_items_and_count() {
        let shape = Shape::ForEachResult;
        assert!(shape.follow(&seg("count"), &[]).is_ok());
        assert!(shape.follow(&seg("items.[].anything"), &[]).is_ok());
        assert_eq!(
            shape.follow(&seg("cuont"), &[]).unwrap_err().known,
            FOR_EACH_FIELDS
        );
    }
}
