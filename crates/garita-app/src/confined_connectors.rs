//! Connectors whose file paths are confined to `[files] allowed_dirs`: the
//! decorator every call goes through, whatever started it (a run under the
//! daemon, `garita run`, `garita call`). An action marks the inputs that
//! name a file with `"x-file-path": true` in its input schema
//! (`core.append_file`'s `path`, `email.send`'s attachments); a path outside
//! the allowed directories fails the call before the connector sees it, as
//! invalid input (permanent: a retry would not change it).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use garita_engine::Connectors;
use garita_sdk::{ActionError, FieldError, InvokeContext, Manifest};
use serde_json::Value;

use crate::allowed_dirs::AllowedDirs;

/// The schema keyword that marks a string input naming a file.
pub const FILE_PATH_KEYWORD: &str = "x-file-path";

/// The decorator.
pub struct ConfinedConnectors {
    inner: Arc<dyn Connectors>,
    allowed: AllowedDirs,
    /// Input schemas by `connector.action`, read once.
    schemas: OnceLock<HashMap<String, Value>>,
}

impl ConfinedConnectors {
    pub fn new(inner: Arc<dyn Connectors>, allowed: AllowedDirs) -> Self {
        Self {
            inner,
            allowed,
            schemas: OnceLock::new(),
        }
    }

    fn schema(&self, connector: &str, action: &str) -> Option<&Value> {
        self.schemas
            .get_or_init(|| {
                let mut schemas = HashMap::new();
                for manifest in self.inner.manifests() {
                    for spec in &manifest.actions {
                        schemas.insert(
                            format!("{}.{}", manifest.name, spec.name),
                            spec.input_schema.clone(),
                        );
                    }
                }
                schemas
            })
            .get(&format!("{connector}.{action}"))
    }
}

#[async_trait]
impl Connectors for ConfinedConnectors {
    fn manifests(&self) -> Vec<Manifest> {
        self.inner.manifests()
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        input: Value,
    ) -> Result<Value, ActionError> {
        if let Some(schema) = self.schema(connector, action) {
            let mut paths = Vec::new();
            file_paths(schema, &input, &mut String::new(), &mut paths);
            let refused: Vec<FieldError> = paths
                .iter()
                .filter_map(|(pointer, text)| {
                    self.allowed
                        .judge(Path::new(text))
                        .err()
                        .map(|e| FieldError::new(pointer.clone(), e.to_string()))
                })
                .collect();
            if let Some(first) = refused.first() {
                return Err(ActionError::invalid(
                    format!(
                        "`{connector}.{action}` may use only files in `[files] allowed_dirs` ({})",
                        first.path
                    ),
                    refused,
                ));
            }
        }
        self.inner.invoke(connector, action, ctx, input).await
    }
}

/// Every string in `value` whose schema (the part of `schema` that
/// describes it) carries [`FILE_PATH_KEYWORD`], with its JSON pointer.
fn file_paths(
    schema: &Value,
    value: &Value,
    pointer: &mut String,
    out: &mut Vec<(String, String)>,
) {
    if schema.get(FILE_PATH_KEYWORD).and_then(Value::as_bool) == Some(true) {
        if let Value::String(text) = value {
            out.push((pointer.clone(), text.clone()));
        }
        return;
    }
    match value {
        Value::Object(fields) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (key, field) in fields {
                if let Some(field_schema) = properties.get(key) {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    file_paths(field_schema, field, pointer, out);
                    pointer.truncate(len);
                }
            }
        }
        Value::Array(items) => {
            let Some(item_schema) = schema.get("items") else {
                return;
            };
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                file_paths(item_schema, item, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marked_strings_are_found_in_objects_and_lists() {
        let schema = json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "x-file-path": true},
                "line": {"type": "string"},
                "attachments": {"type": "array", "items": {"type": "object", "properties": {
                    "path": {"type": "string", "x-file-path": true},
                    "filename": {"type": "string"}
                }}}
            }
        });
        let input = json!({
            "path": "/a", "line": "/not-a-path",
            "attachments": [{"path": "/b", "filename": "/c"}, {"path": "/d"}]
        });
        let mut found = Vec::new();
        file_paths(&schema, &input, &mut String::new(), &mut found);
        assert_eq!(
            found,
            [
                ("/attachments/0/path".to_owned(), "/b".to_owned()),
                ("/attachments/1/path".to_owned(), "/d".to_owned()),
                ("/path".to_owned(), "/a".to_owned()),
            ]
        );
    }
}
