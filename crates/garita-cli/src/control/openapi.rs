//! The OpenAPI 3.1 description of the control API, generated from the route
//! table (so it cannot drift from what the router serves). `garita schema
//! api` prints it; docs/openapi.json is a copy a test keeps in step.

use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};

use super::routes::{Answer, In, Method, ROUTES};

/// The whole OpenAPI document.
pub fn document() -> Value {
    // The answers' schemas come from the operations' types; named types go
    // to components/schemas, referenced from each response.
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    let mut paths = Map::new();
    let mut add = |path: &str, method: &str, operation: Value| {
        let entry = paths
            .entry(path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(map) = entry.as_object_mut() {
            map.insert(method.to_owned(), operation);
        }
    };
    add(
        "/v1/health",
        "get",
        json!({
            "operationId": "health",
            "summary": "Who answers: the Garita daemon, its pid, the store it holds, the workflows it loaded and the workflow files it refused.",
            "responses": {
                "200": {"description": "The daemon.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}
            }
        }),
    );
    for route in ROUTES {
        let parameters: Vec<Value> = route
            .params
            .iter()
            .filter(|p| p.location != In::Body)
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": if p.location == In::Path { "path" } else { "query" },
                    "required": p.required || p.location == In::Path,
                    "description": p.doc,
                    "schema": p.kind.schema()
                })
            })
            .collect();
        let body: Vec<_> = route
            .params
            .iter()
            .filter(|p| p.location == In::Body)
            .collect();
        let mut operation = json!({
            "operationId": route.operation,
            "summary": route.summary,
            "description": format!("What `{}` shows (its `--json` is this answer). A caller may send `garita-user` (who it says it is; percent-encoded) and `garita-now` (its pinned instant, refused unless it is the daemon's own). On failure: {}.", route.command, route.hint),
            "responses": {
                "200": success(route.answer, (route.schema)(&mut generator).to_value()),
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Unauthorized"},
                "404": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
                "500": {"$ref": "#/components/responses/Error"}
            }
        });
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if !body.is_empty() {
            let properties: Map<String, Value> = body
                .iter()
                .map(|p| {
                    (p.name.to_owned(), {
                        let mut schema = p.kind.schema();
                        if let Some(map) = schema.as_object_mut() {
                            map.insert("description".into(), json!(p.doc));
                        }
                        schema
                    })
                })
                .collect();
            let required: Vec<&str> = body.iter().filter(|p| p.required).map(|p| p.name).collect();
            let mut schema =
                json!({"type": "object", "additionalProperties": false, "properties": properties});
            if !required.is_empty() {
                schema["required"] = json!(required);
            }
            operation["requestBody"] = json!({
                "required": !required.is_empty(),
                "content": {"application/json": {"schema": schema}}
            });
        }
        let method = match route.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        add(route.path, method, operation);
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Garita daemon control API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The local control API of `garita daemon`: every command that reads or changes the store. Served on the Unix socket control.sock in the store directory and, when configured, on a loopback TCP address with a bearer token. See docs/api.md."
        },
        "servers": [{"url": "http://localhost", "description": "the Unix socket STORE/control.sock, or the configured daemon.control_tcp address"}],
        "security": [{}, {"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "Required on the TCP listener only: GARITA_CONTROL_TOKEN or [daemon] control_token."}},
            "responses": {
                "Error": {"description": "What was wrong and what to do.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "Unauthorized": {"description": "TCP request without the right bearer token; nothing was done.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error", "hint"], "properties": {
                    "error": {"type": "string", "description": "What was wrong (the text the command prints after `error:`)."},
                    "hint": {"type": "string", "description": "What to do about it."}
                }},
                "Health": {"type": "object", "required": ["service", "pid", "store", "version", "workflows", "refused_files"], "properties": {
                    "service": {"const": "garita-daemon"},
                    "pid": {"type": "integer"},
                    "store": {"type": "string", "description": "The store directory the daemon holds (canonical path)."},
                    "version": {"type": "string"},
                    "workflows": {"type": "integer", "description": "Workflows loaded; 0 means no schedule or event trigger fires."},
                    "refused_files": {"type": "array", "description": "Workflow files refused until fixed and reloaded (empty when every file loaded).", "items": {"$ref": "#/components/schemas/RefusedFile"}}
                }},
                "RefusedFile": {"type": "object", "required": ["file", "problems", "previous_version_in_force"], "properties": {
                    "file": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}, "description": "Each as file:line:col: message, as `garita validate` prints it."},
                    "previous_version_in_force": {"type": "boolean", "description": "The daemon keeps the version it loaded before the file broke."}
                }}
            }
        }
    });
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in generator.take_definitions(true) {
            // The hand-written ones (Error, Health) stay; RefusedFile is
            // both and the same.
            schemas.entry(name).or_insert(schema);
        }
    }
    document
}

fn success(answer: Answer, schema: Value) -> Value {
    match answer {
        Answer::Json => json!({
            "description": "The operation's answer; header garita-exit-code carries the exit code the command ends with for it (1 when a run it drove failed, a workflow file was refused or the audit chain is broken).",
            "content": {"application/json": {"schema": schema}}
        }),
        Answer::Csv => json!({
            "description": "CSV with the import's header.",
            "content": {"text/csv": {"schema": {"type": "string"}}}
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described() {
        let doc = document();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.as_str()];
            assert_eq!(op["operationId"], route.operation, "{}", route.path);
        }
        assert_eq!(doc["openapi"], "3.1.0");
    }

    #[test]
    fn the_checked_in_copy_is_in_step_with_the_route_table() {
        let checked_in: Value = serde_json::from_str(include_str!("../../../../docs/openapi.json"))
            .expect("docs/openapi.json is JSON");
        assert!(
            checked_in == document(),
            "docs/openapi.json is out of date: run `garita schema api > docs/openapi.json`"
        );
    }
}
