//! The inputs a run gets from the trigger that started it.
//!
//! A run's inputs are checked against the workflow's declarations, so the
//! scheduler fills only inputs the workflow declares:
//!
//! | input name | schedule trigger | event trigger |
//! |---|---|---|
//! | `scheduled_for` | the instant the cron expression named | — |
//! | `fired_at` | when the run was started (later than `scheduled_for` for a catch-up) | when the run was started |
//! | `trigger` (object) | `{kind, cron, time_zone, scheduled_for, fired_at, catch_up}` | `{kind, name, event_id, fired_at}` |
//! | `event` (object) | — | `{id, name, data, at}` |
//! | any other name | — | the event data's value under that name |
//!
//! Instants are RFC 3339 in UTC; an input declared `type: date` gets the
//! local date in the trigger's time zone instead.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use crate::account::EmittedEvent;
use crate::model::{InputType, Workflow};

/// Input names a schedule trigger can fill.
pub const SCHEDULE_INPUTS: &[&str] = &["scheduled_for", "fired_at", "trigger"];

/// One fire of a schedule trigger, as the run sees it.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleFire<'a> {
    /// The cron expression.
    pub cron: &'a str,
    /// Its zone.
    pub zone: Tz,
    /// The instant the expression named.
    pub scheduled_for: DateTime<Utc>,
    /// When the run is started.
    pub fired_at: DateTime<Utc>,
    /// True for a missed fire run late.
    pub catch_up: bool,
}

/// RFC 3339 in UTC with a `Z`, to the second: how instants reach runs and reports.
pub fn instant_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The inputs of a run started by `fire`.
pub fn schedule_inputs(workflow: &Workflow, fire: &ScheduleFire<'_>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for def in &workflow.inputs {
        let value = match def.name.as_str() {
            "scheduled_for" => instant_value(&def.kind, fire.scheduled_for, fire.zone),
            "fired_at" => instant_value(&def.kind, fire.fired_at, fire.zone),
            "trigger" => json!({
                "kind": "schedule",
                "cron": fire.cron,
                "time_zone": fire.zone.name(),
                "scheduled_for": instant_text(fire.scheduled_for),
                "fired_at": instant_text(fire.fired_at),
                "catch_up": fire.catch_up,
            }),
            _ => continue,
        };
        out.insert(def.name.clone(), value);
    }
    out
}

/// The inputs of a run started by `event` at `fired_at`.
pub fn event_inputs(
    workflow: &Workflow,
    event: &EmittedEvent,
    fired_at: DateTime<Utc>,
) -> BTreeMap<String, Value> {
    let zone: Tz = workflow.time_zone.parse().unwrap_or(Tz::UTC);
    let mut out = BTreeMap::new();
    for def in &workflow.inputs {
        let value = match def.name.as_str() {
            "event" => json!({
                "id": event.id,
                "name": event.name,
                "data": event.data,
                "at": instant_text(event.at),
            }),
            "trigger" => json!({
                "kind": "event",
                "name": event.name,
                "event_id": event.id,
                "fired_at": instant_text(fired_at),
            }),
            "fired_at" => instant_value(&def.kind, fired_at, zone),
            name => match event.data.get(name) {
                Some(v) if !v.is_null() => v.clone(),
                _ => continue,
            },
        };
        out.insert(def.name.clone(), value);
    }
    out
}

/// Required inputs without a default that a schedule trigger cannot fill:
/// every scheduled run of the workflow would be refused.
pub fn unfillable_by_schedule(workflow: &Workflow) -> Vec<String> {
    workflow
        .inputs
        .iter()
        .filter(|d| d.required && d.default.is_none())
        .filter(|d| !SCHEDULE_INPUTS.contains(&d.name.as_str()))
        .map(|d| d.name.clone())
        .collect()
}

fn instant_value(kind: &InputType, at: DateTime<Utc>, zone: Tz) -> Value {
    match kind {
        InputType::Date => json!(at.with_timezone(&zone).format("%Y-%m-%d").to_string()),
        _ => json!(instant_text(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputDef;

    fn workflow(inputs: &[(&str, InputType, bool)]) -> Workflow {
        Workflow {
            name: "w".into(),
            description: None,
            locale: "es".into(),
            time_zone: "America/Guayaquil".into(),
            inputs: inputs
                .iter()
                .map(|(name, kind, required)| InputDef {
                    name: (*name).into(),
                    kind: kind.clone(),
                    required: *required,
                    default: None,
                    secret: false,
                    description: None,
                })
                .collect(),
            triggers: vec![],
            steps: vec![],
            outputs: BTreeMap::new(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn schedule_fills_only_declared_inputs() {
        let wf = workflow(&[
            ("fired_at", InputType::String, false),
            ("scheduled_for", InputType::Date, false),
            ("note", InputType::String, false),
        ]);
        let fire = ScheduleFire {
            cron: "0 8 * * *",
            zone: "America/Tijuana".parse().unwrap(),
            scheduled_for: at("2026-03-08T15:00:00Z"),
            fired_at: at("2026-03-09T02:00:00Z"),
            catch_up: true,
        };
        let inputs = schedule_inputs(&wf, &fire);
        assert_eq!(inputs.len(), 2);
        assert_eq!(inputs["fired_at"], json!("2026-03-09T02:00:00Z"));
        // 15:00 UTC is 08:00 on the 8th in Tijuana.
        assert_eq!(inputs["scheduled_for"], json!("2026-03-08"));
    }

    #[test]
    fn event_payload_feeds_inputs_of_the_same_name() {
        let wf = workflow(&[
            ("person", InputType::String, true),
            ("event", InputType::Object, false),
        ]);
        let event = EmittedEvent {
            id: 1,
            name: "account.offboarded".into(),
            data: json!({"person": "ana@example.com", "extra": 1}),
            at: at("2026-01-05T10:00:00Z"),
        };
        let inputs = event_inputs(&wf, &event, at("2026-01-05T10:00:01Z"));
        assert_eq!(inputs["person"], json!("ana@example.com"));
        assert_eq!(inputs["event"]["name"], json!("account.offboarded"));
        assert!(!inputs.contains_key("extra"));
    }

    #[test]
    fn required_inputs_a_schedule_cannot_fill_are_reported() {
        let wf = workflow(&[
            ("ruc", InputType::String, true),
            ("fired_at", InputType::String, true),
        ]);
        assert_eq!(unfillable_by_schedule(&wf), ["ruc"]);
    }
}
