//! The JSON Schema (draft 2020-12) of workflow files, for editors.
//!
//! It mirrors what the parser accepts, built from the same constants, but
//! cannot express everything the parser checks (references between steps,
//! connector inputs, cron syntax); `garita validate` remains the authority.

use serde_json::{json, Value};

use super::for_each::{DEFAULT_CONCURRENCY, DEFAULT_ITEM_VAR};
use super::inputs::TYPE_NAMES;
use super::limits::{MAX_CONCURRENCY, MAX_DUE_BUSINESS_DAYS, MAX_RETRY_ATTEMPTS, MAX_TRIGGERS};
use super::workflow_file::{DEFAULT_LOCALE, DEFAULT_TIME_ZONE, LOCALES};

/// `[A-Za-z_][A-Za-z0-9_]*`, as checked by `scalars::is_identifier`.
const IDENTIFIER: &str = "^[A-Za-z_][A-Za-z0-9_]*$";

/// Numbers with units, as humantime reads them (`30s`, `1h 30m`).
const DURATION: &str = "^\\s*([0-9]+\\s*[A-Za-zµ]+\\s*)+$";

/// Dotted lowercase names (events, signals).
const DOTTED_NAME: &str = "^[a-z0-9_-]+(\\.[a-z0-9_-]+)*$";

/// The schema of a whole workflow file.
pub(crate) fn workflow_file_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:garita:schema:workflow:v1",
        "title": "Garita workflow",
        "description": "A Garita workflow file (language v1). See docs/workflows.md.",
        "type": "object",
        "required": ["name", "steps"],
        "additionalProperties": false,
        "properties": {
            "name": {
                "description": "Unique name of the workflow: lowercase letters, digits and `-`.",
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9-]*$",
                "maxLength": 64
            },
            "description": {"description": "What the workflow is for.", "type": "string"},
            "locale": {
                "description": "Language of texts meant for people.",
                "enum": LOCALES,
                "default": DEFAULT_LOCALE
            },
            "time_zone": {
                "description": "IANA time zone for dates in templates and schedules without their own.",
                "type": "string",
                "default": DEFAULT_TIME_ZONE
            },
            "inputs": {
                "description": "Inputs a run takes, by name.",
                "type": ["object", "null"],
                "propertyNames": {"$ref": "#/$defs/identifier"},
                "additionalProperties": {"$ref": "#/$defs/input"}
            },
            "on": {"$ref": "#/$defs/on"},
            "steps": {"$ref": "#/$defs/steps"},
            "outputs": {"$ref": "#/$defs/outputs"}
        },
        "$defs": definitions()
    })
}

fn definitions() -> Value {
    json!({
        "identifier": {"type": "string", "pattern": IDENTIFIER, "maxLength": 64},
        "duration": {
            "description": "A duration with units: `30s`, `5m`, `2h`, `7d`, `1h 30m`.",
            "type": "string",
            "pattern": DURATION
        },
        "template": {
            "description": "Text in which `${{ expression }}` blocks are replaced at run time.",
            "type": "string"
        },
        "input": input(),
        "on": on(),
        "schedule": schedule(),
        "event": {
            "oneOf": [
                {"type": "string", "pattern": DOTTED_NAME},
                {
                    "type": "object",
                    "required": ["name"],
                    "additionalProperties": false,
                    "properties": {"name": {"type": "string", "pattern": DOTTED_NAME}}
                }
            ]
        },
        "steps": {
            "description": "Steps, run in order.",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/step"}
        },
        "step": step(),
        "retry": retry(),
        "task": task(),
        "wait": wait(),
        "on_timeout": {
            "description": "What happens when the deadline passes (default `fail`).",
            "oneOf": [
                {"enum": ["fail", "continue"]},
                {
                    "type": "object",
                    "required": ["goto"],
                    "additionalProperties": false,
                    "properties": {"goto": {"$ref": "#/$defs/identifier"}}
                }
            ]
        },
        "outputs": {
            "description": "Named outputs: strings may be templates.",
            "type": ["object", "null"],
            "propertyNames": {"$ref": "#/$defs/identifier"}
        }
    })
}

fn input() -> Value {
    json!({
        "oneOf": [
            {"description": "Short form: the type alone.", "enum": TYPE_NAMES},
            {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "type": {"enum": TYPE_NAMES, "default": "string"},
                    "values": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true},
                    "default": {},
                    "required": {"type": "boolean", "default": false},
                    "secret": {"type": "boolean", "default": false},
                    "description": {"type": "string"}
                },
                "if": {"required": ["type"], "properties": {"type": {"const": "enum"}}},
                "then": {"required": ["values"]},
                "else": {"not": {"required": ["values"]}}
            }
        ]
    })
}

fn on() -> Value {
    let kinds = json!({
        "type": "object",
        "additionalProperties": false,
        "minProperties": 1,
        "properties": {
            "manual": {"type": ["object", "null"], "maxProperties": 0},
            "schedule": {
                "oneOf": [
                    {"$ref": "#/$defs/schedule"},
                    {"type": "array", "items": {"$ref": "#/$defs/schedule"}, "maxItems": MAX_TRIGGERS}
                ]
            },
            "event": {
                "oneOf": [
                    {"$ref": "#/$defs/event"},
                    {"type": "array", "items": {"$ref": "#/$defs/event"}, "maxItems": MAX_TRIGGERS}
                ]
            }
        }
    });
    let mut single = kinds.clone();
    single["maxProperties"] = json!(1);
    json!({
        "description": "What starts a run. Without `on`, runs are started by hand.",
        "oneOf": [
            {"type": "null"},
            {"const": "manual"},
            kinds,
            {
                "type": "array",
                "items": {"oneOf": [{"const": "manual"}, single]},
                "maxItems": MAX_TRIGGERS
            }
        ]
    })
}

fn schedule() -> Value {
    json!({
        "oneOf": [
            {"description": "A five-field cron expression.", "type": "string"},
            {
                "type": "object",
                "required": ["cron"],
                "additionalProperties": false,
                "properties": {
                    "cron": {
                        "description": "minute hour day-of-month month day-of-week, e.g. `0 8 * * 1-5`.",
                        "type": "string"
                    },
                    "time_zone": {"description": "IANA time zone (default: the workflow's).", "type": "string"},
                    "catch_up": {
                        "description": "Missed fires: run all, the last one (default) or none.",
                        "enum": ["all", "last", "none"],
                        "default": "last"
                    },
                    "business_days": {
                        "description": "Country (ISO code) whose weekends and public holidays move a fire to its next business day, same local time.",
                        "enum": ["MX", "EC", "US"]
                    }
                }
            }
        ]
    })
}

fn step() -> Value {
    json!({
        "type": "object",
        "required": ["id"],
        "additionalProperties": false,
        "properties": {
            "id": {"$ref": "#/$defs/identifier", "description": "Unique id in the file; templates read `steps.ID.outputs`."},
            "name": {"type": "string", "description": "For people."},
            "if": {
                "description": "Condition; the step is skipped when false. Bare or inside `${{ }}`.",
                "type": ["string", "boolean"]
            },
            "uses": {
                "description": "The connector action to call: CONNECTOR.ACTION.",
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$"
            },
            "with": {
                "description": "The action's input; strings may be templates.",
                "type": ["object", "string", "null"]
            },
            "timeout": {"$ref": "#/$defs/duration", "description": "Bound on one attempt of the action."},
            "retry": {"$ref": "#/$defs/retry"},
            "task": {"$ref": "#/$defs/task"},
            "wait": {"$ref": "#/$defs/wait"},
            "for_each": {"description": "Expression giving the list to iterate.", "type": "string"},
            "as": {"$ref": "#/$defs/identifier", "description": "Name of the current item.", "default": DEFAULT_ITEM_VAR},
            "concurrency": {
                "description": "Items processed at once.",
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_CONCURRENCY,
                "default": DEFAULT_CONCURRENCY
            },
            "steps": {"$ref": "#/$defs/steps"},
            "outputs": {"$ref": "#/$defs/outputs"}
        },
        "oneOf": [
            {"required": ["uses"]},
            {"required": ["task"]},
            {"required": ["wait"]},
            {"required": ["for_each"]}
        ],
        "dependentRequired": {
            "with": ["uses"],
            "timeout": ["uses"],
            "retry": ["uses"],
            "as": ["for_each"],
            "concurrency": ["for_each"],
            "steps": ["for_each"],
            "for_each": ["steps"]
        }
    })
}

fn retry() -> Value {
    json!({
        "description": "Attempts of the action, counting the first: `3`, or a policy.",
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_RETRY_ATTEMPTS},
            {
                "type": "object",
                "required": ["attempts"],
                "additionalProperties": false,
                "properties": {
                    "attempts": {"type": "integer", "minimum": 1, "maximum": MAX_RETRY_ATTEMPTS},
                    "backoff": {"$ref": "#/$defs/duration", "default": "1s"},
                    "factor": {"type": "number", "minimum": 1, "maximum": 10, "default": 2},
                    "max_backoff": {"$ref": "#/$defs/duration", "default": "5m"}
                }
            }
        ]
    })
}

fn task() -> Value {
    json!({
        "description": "A question for a person.",
        "type": "object",
        "required": ["title"],
        "additionalProperties": false,
        "properties": {
            "title": {"$ref": "#/$defs/template"},
            "body": {"$ref": "#/$defs/template", "description": "Markdown."},
            "assignee": {"$ref": "#/$defs/template", "description": "Email of the person."},
            "due": due("How long the person has: a duration (`3d`, elapsed time) or business days of a country's calendar."),
            "fields": {"description": "JSON Schema of the answer (an object).", "type": "object"},
            "on_timeout": {"$ref": "#/$defs/on_timeout"}
        },
        "dependentRequired": {"on_timeout": ["due"]}
    })
}

/// A duration, or business days of a country's calendar: a task's `due:`,
/// a wait's `for:` and its `timeout:`.
fn due(description: &str) -> Value {
    json!({
        "description": description,
        "oneOf": [
            {"$ref": "#/$defs/duration"},
            {
                "type": "object",
                "required": ["days", "business_days"],
                "additionalProperties": false,
                "properties": {
                    "days": {"type": "integer", "minimum": 1, "maximum": MAX_DUE_BUSINESS_DAYS, "description": "Business days, counted from the day the step starts; it ends at the same local time (the workflow's time zone)."},
                    "business_days": {"description": "Country (ISO code) whose weekends and public holidays (with the operator's `[calendar]` days) do not count.", "enum": ["MX", "EC", "US"]}
                }
            }
        ]
    })
}

fn wait() -> Value {
    json!({
        "description": "Pause for a duration, until a date, or for a signal.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "for": due("How long to pause: a duration, or business days of a country's calendar."),
            "until": {"description": "A date, an RFC 3339 instant, or a template giving one.", "type": "string"},
            "signal": {"description": "Name given to `garita signal RUN NAME`.", "type": "string", "pattern": DOTTED_NAME},
            "timeout": due("When to give up: a duration (elapsed time), or business days of a country's calendar."),
            "on_timeout": {"$ref": "#/$defs/on_timeout"}
        },
        "oneOf": [
            {"required": ["for"], "not": {"required": ["timeout"]}},
            {"required": ["until"]},
            {"required": ["signal", "timeout"]}
        ],
        "dependentRequired": {"on_timeout": ["timeout"]}
    })
}
