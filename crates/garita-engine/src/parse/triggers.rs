//! The `on:` section: what starts a run (by hand, on a schedule, on an event).

use super::calendar;
use super::fields::Fields;
use super::limits::MAX_TRIGGERS;
use super::node::{Node, NodeValue};
use super::problems::Problems;
use super::scalars;
use super::suggest::did_you_mean;
use crate::model::{CatchUp, Trigger};

/// The trigger kinds accepted under `on:`.
const KINDS: &[&str] = &["manual", "schedule", "event"];

/// Reads `on:`. Accepted forms: the string `manual`; a mapping with `manual`,
/// `schedule` and/or `event`; or a list whose items are `manual` or one-key
/// mappings of that same shape. `default_zone` is the workflow's time zone.
pub(crate) fn read_triggers(
    node: &Node,
    default_zone: &str,
    problems: &mut Problems<'_>,
) -> Vec<Trigger> {
    let triggers = read_all(node, default_zone, problems);
    if triggers.len() > MAX_TRIGGERS {
        problems.error_hint(
            node.span,
            format!(
                "`on` declares {} triggers; the limit is {MAX_TRIGGERS}",
                triggers.len()
            ),
            "combine schedules into fewer cron expressions (`0 8 * * 1-5` covers a whole week)",
        );
    }
    triggers
}

fn read_all(node: &Node, default_zone: &str, problems: &mut Problems<'_>) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    match &node.value {
        NodeValue::Scalar(_) if node.is_null() => {}
        NodeValue::Scalar(_) => read_kind_name(node, &mut triggers, problems),
        NodeValue::Mapping(_) => {
            if let Some(mut fields) = Fields::of(node, "`on`", problems) {
                read_kinds(&mut fields, default_zone, &mut triggers, problems);
                fields.finish("`on`", problems);
            }
        }
        NodeValue::Sequence(items) => {
            for item in items {
                match &item.value {
                    NodeValue::Mapping(entries) if entries.len() == 1 => {
                        if let Some(mut fields) = Fields::of(item, "a trigger", problems) {
                            read_kinds(&mut fields, default_zone, &mut triggers, problems);
                            fields.finish("a trigger", problems);
                        }
                    }
                    NodeValue::Mapping(_) => problems.error_hint(
                        item.span,
                        "each item of the `on` list must be a single trigger",
                        "write one of `- manual`, `- schedule: …` or `- event: …` per item",
                    ),
                    _ => read_kind_name(item, &mut triggers, problems),
                }
            }
        }
    }
    triggers
}

/// A trigger written as a bare word: only `manual` makes sense alone.
fn read_kind_name(node: &Node, triggers: &mut Vec<Trigger>, problems: &mut Problems<'_>) {
    match node.scalar_text().as_deref() {
        Some("manual") => triggers.push(Trigger::Manual),
        Some(kind @ ("schedule" | "event")) => problems.error_hint(
            node.span,
            format!("trigger `{kind}` needs details"),
            if kind == "schedule" {
                "write `schedule: {cron: \"0 8 * * 1-5\"}`"
            } else {
                "write `event: account.offboarded`"
            },
        ),
        Some(other) => {
            let hint = did_you_mean(other, KINDS.iter().copied());
            problems.error_maybe_hint(node.span, format!("unknown trigger `{other}`"), hint);
        }
        None => problems.error(
            node.span,
            format!(
                "a trigger must be `manual`, `schedule` or `event`, not {}",
                node.kind_name()
            ),
        ),
    }
}

fn read_kinds(
    fields: &mut Fields<'_>,
    default_zone: &str,
    triggers: &mut Vec<Trigger>,
    problems: &mut Problems<'_>,
) {
    if let Some(manual) = fields.get("manual") {
        let empty = manual.is_null() || manual.as_mapping().is_some_and(<[_]>::is_empty);
        if !empty {
            problems.error_hint(
                manual.span,
                "`manual` takes no settings",
                "write `manual: {}` or just `manual:`",
            );
        }
        triggers.push(Trigger::Manual);
    }
    if let Some(schedule) = fields.get("schedule") {
        for entry in one_or_many(schedule) {
            if let Some(trigger) = read_schedule(entry, default_zone, problems) {
                triggers.push(trigger);
            }
        }
    }
    if let Some(event) = fields.get("event") {
        for entry in one_or_many(event) {
            if let Some(trigger) = read_event(entry, problems) {
                triggers.push(trigger);
            }
        }
    }
}

/// The items of a list, or the node itself when it is not a list.
fn one_or_many(node: &Node) -> Vec<&Node> {
    match node.as_sequence() {
        Some(items) => items.iter().collect(),
        None => vec![node],
    }
}

/// `"0 8 * * 1-5"` or `{cron, time_zone, catch_up, business_days}`.
fn read_schedule(node: &Node, default_zone: &str, problems: &mut Problems<'_>) -> Option<Trigger> {
    if node.as_mapping().is_none() {
        if node.is_null() {
            problems.error_hint(
                node.span,
                "`schedule` is empty",
                "write `schedule: {cron: \"0 8 * * 1-5\"}`",
            );
            return None;
        }
        let cron = calendar::cron(node, "`schedule`", problems)?;
        return Some(Trigger::Schedule {
            cron,
            time_zone: default_zone.to_owned(),
            catch_up: CatchUp::default(),
            business_days: None,
        });
    }
    let mut fields = Fields::of(node, "a schedule", problems)?;
    let cron = fields
        .require("cron", "a schedule", problems)
        .and_then(|n| calendar::cron(n, "`cron`", problems));
    let time_zone = match fields.get("time_zone") {
        Some(zone) => calendar::time_zone(zone, "`time_zone`", problems),
        None => Some(default_zone.to_owned()),
    };
    let catch_up = match fields.get("catch_up") {
        Some(n) => read_catch_up(n, problems),
        None => Some(CatchUp::default()),
    };
    let business_days = match fields.get("business_days") {
        Some(n) => calendar::business_days(n, problems).map(Some),
        None => Some(None),
    };
    fields.finish("a schedule", problems);
    Some(Trigger::Schedule {
        cron: cron?,
        time_zone: time_zone?,
        catch_up: catch_up?,
        business_days: business_days?,
    })
}

fn read_catch_up(node: &Node, problems: &mut Problems<'_>) -> Option<CatchUp> {
    match node.scalar_text().as_deref() {
        Some("all") => Some(CatchUp::All),
        Some("last") => Some(CatchUp::Last),
        // `none` is a plain string in YAML 1.2; a bare `null`/`~` is not.
        Some("none") => Some(CatchUp::None),
        other => {
            let shown = other.map_or_else(|| node.kind_name().to_owned(), |o| format!("`{o}`"));
            problems.error_hint(
                node.span,
                format!("`catch_up` must be `all`, `last` or `none`, not {shown}"),
                "the default is `last`",
            );
            None
        }
    }
}

/// `account.offboarded` or `{name: account.offboarded}`.
fn read_event(node: &Node, problems: &mut Problems<'_>) -> Option<Trigger> {
    if node.as_mapping().is_none() {
        let name = scalars::dotted_name(node, "event name", problems)?;
        return Some(Trigger::Event { name });
    }
    let mut fields = Fields::of(node, "an event trigger", problems)?;
    let name = fields
        .require("name", "an event trigger", problems)
        .and_then(|n| scalars::dotted_name(n, "event name", problems));
    fields.finish("an event trigger", problems);
    Some(Trigger::Event { name: name? })
}
