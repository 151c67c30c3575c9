//! The plain-language `description` of an audit entry: what an auditor
//! reads in a spreadsheet instead of the canonical JSON of its summary, in
//! Spanish or English.
//!
//! A description is written from the entry alone (its kind, subject, actor
//! and summary), never from other entries, so each row of an export or an
//! evidence pack can be recomputed and checked on its own: `garita evidence
//! verify` rewrites every description from `entries.jsonl` and names a row
//! whose text was edited. It explains; the hashed fields remain the evidence.

use garita_engine::account::Locale;
use serde_json::Value;

use super::audit::ExportedEntry;

/// The description of `entry` in `lang`.
pub fn describe(entry: &ExportedEntry, lang: Locale) -> String {
    let t = Texts(lang);
    let what = match entry.kind.as_str() {
        "account.created" => account_created(entry, t),
        "account.changed" => account_changed(entry, t),
        "event.emitted" => t.pick(
            format!("Evento «{}» puesto en cola para el servicio", entry.subject),
            format!("Event `{}` queued for the daemon", entry.subject),
        ),
        "run.event" => run_event(entry, t),
        "config.reload" => t.pick(
            format!("El servicio recargó los flujos de {}", entry.subject),
            format!("The daemon reloaded the workflows from {}", entry.subject),
        ),
        "audit.checkpoint" => {
            let size = entry
                .summary
                .get("size")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            t.pick(
                format!("Punto de control firmado del registro de auditoría: entradas 1 a {size}"),
                format!("Signed checkpoint of the audit log: entries 1 to {size}"),
            )
        }
        kind if kind.starts_with("task.") => task(entry, t),
        kind if kind.starts_with("email.") => email(entry, t),
        kind if kind.starts_with("user.") => console_user(entry, t),
        other => t.pick(
            format!("{other} sobre {}", entry.subject),
            format!("{other} on {}", entry.subject),
        ),
    };
    match entry.actor.as_deref().filter(|a| !a.is_empty()) {
        Some(actor) => format!(
            "{what} — {} {actor}",
            t.pick("registrado por", "recorded by")
        ),
        None => what,
    }
}

#[derive(Clone, Copy)]
struct Texts(Locale);

impl Texts {
    fn pick<S: Into<String>>(self, es: S, en: S) -> String {
        match self.0 {
            Locale::Es => es.into(),
            Locale::En => en.into(),
        }
    }
}

/// `ctpat:ana@x` as (CTPAT, ana@x).
fn portal_and_id(subject: &str) -> (String, &str) {
    match subject.split_once(':') {
        Some((portal, id)) => (portal_name(portal), id),
        None => (String::new(), subject),
    }
}

/// How people write a portal's name.
pub fn portal_name(portal: &str) -> String {
    match portal {
        "ctpat" => "CTPAT".into(),
        "ecuapass" => "Ecuapass".into(),
        "anam" => "ANAM".into(),
        other => other.to_owned(),
    }
}

/// `ctpat:ana@x` as `CTPAT ana@x`.
fn label(subject: &str) -> String {
    match portal_and_id(subject) {
        (portal, id) if !portal.is_empty() => format!("{portal} {id}"),
        (_, id) => id.to_owned(),
    }
}

fn text(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| !s.is_empty())
}

/// The account changes of an entry: (field, old, new).
fn changes(entry: &ExportedEntry) -> Vec<(&str, &Value, &Value)> {
    entry
        .summary
        .get("changes")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some((
                        c.get("field")?.as_str()?,
                        c.get("old").unwrap_or(&Value::Null),
                        c.get("new").unwrap_or(&Value::Null),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn account_created(entry: &ExportedEntry, t: Texts) -> String {
    let (acct, id) = (label(&entry.subject), portal_and_id(&entry.subject).1);
    let field = |name: &str| {
        changes(entry)
            .into_iter()
            .find(|(f, _, _)| *f == name)
            .and_then(|(_, _, new)| text(new).map(str::to_owned))
    };
    let holder = field("holder.name").unwrap_or_else(|| id.to_owned());
    let company = field("company.legal_name");
    match company {
        Some(c) => t.pick(
            format!("Alta en el inventario de la cuenta {acct} de {holder}, para {c}"),
            format!("Account {acct} of {holder}, for {c}, added to the inventory"),
        ),
        None => t.pick(
            format!("Alta en el inventario de la cuenta {acct} de {holder}"),
            format!("Account {acct} of {holder} added to the inventory"),
        ),
    }
}

fn account_changed(entry: &ExportedEntry, t: Texts) -> String {
    let (portal, acct) = (portal_and_id(&entry.subject).0, label(&entry.subject));
    let mut said = Vec::new();
    let mut other = Vec::new();
    for (field, old, new) in changes(entry) {
        let (old_t, new_t) = (text(old).unwrap_or("—"), text(new).unwrap_or("—"));
        let line = match field {
            "last_sign_in" => Some(t.pick(
                format!("inicio de sesión en {portal} el {new_t}"),
                format!("signed in to {portal} on {new_t}"),
            )),
            "password_changed_on" => Some(t.pick(
                format!("cambio de contraseña registrado el {new_t}"),
                format!("password change recorded on {new_t}"),
            )),
            "certificate_expires_on" if !old.is_null() => Some(t.pick(
                format!("certificado de firma renovado: vence el {new_t} (antes {old_t})"),
                format!("signing certificate renewed: expires on {new_t} (was {old_t})"),
            )),
            "certificate_expires_on" => Some(t.pick(
                format!("certificado de firma registrado: vence el {new_t}"),
                format!("signing certificate recorded: expires on {new_t}"),
            )),
            "status" => Some(status_change(&portal, old_t, new_t, t)),
            "attributes.evidence_on" => Some(t.pick(
                format!("evidencia registrada con fecha {new_t}"),
                format!("evidence recorded, dated {new_t}"),
            )),
            "holder.name" | "holder.email" => Some(t.pick(
                format!("titular cambiado: {new_t} (antes {old_t})"),
                format!("holder changed: {new_t} (was {old_t})"),
            )),
            // Consequences of the above, said by them already.
            "deactivates_on"
            | "attributes.evidence"
            | "attributes.evidence_reference"
            | "attributes.reactivated_on"
            | "attributes.reactivation_requested_on" => None,
            f => {
                other.push(f.to_owned());
                None
            }
        };
        said.extend(line);
    }
    if !other.is_empty() {
        said.push(t.pick(
            format!("cambiaron: {}", other.join(", ")),
            format!("changed: {}", other.join(", ")),
        ));
    }
    if said.is_empty() {
        said.push(t.pick("datos actualizados", "details updated"));
    }
    let mut out = t.pick(
        format!("Cuenta {acct}: {}", said.join("; ")),
        format!("Account {acct}: {}", said.join("; ")),
    );
    // The reason of an evidence record is its note: worth reading.
    if let Some(reason) = entry.summary.get("reason").and_then(text) {
        if reason.starts_with("evidence of") || reason.starts_with("offboarded") {
            out.push_str(&t.pick(format!(" ({reason})"), format!(" ({reason})")));
        }
    }
    out
}

fn status_change(portal: &str, old: &str, new: &str, t: Texts) -> String {
    match (old, new) {
        ("deactivated", "active" | "at_risk") => t.pick(
            format!("reactivada por {portal}"),
            format!("reactivated by {portal}"),
        ),
        (_, "deactivated") => t.pick(
            format!("desactivada por {portal} por inactividad"),
            format!("deactivated by {portal} for inactivity"),
        ),
        (_, "offboarded") => t.pick(
            "baja de la persona titular: el acceso debe retirarse",
            "the holder left: the access must be removed",
        ),
        (_, "disabled") => t.pick(
            format!("inhabilitada por {portal}"),
            format!("disabled by {portal}"),
        ),
        (_, "at_risk") => t.pick("en riesgo de desactivación", "at risk of deactivation"),
        (_, "active") => t.pick("activa", "active"),
        (_, other) => t.pick(
            format!("estado cambiado a {other}"),
            format!("status changed to {other}"),
        ),
    }
}

fn run_event(entry: &ExportedEntry, t: Texts) -> String {
    let s = &entry.summary;
    let workflow = s.get("workflow").and_then(text).unwrap_or("?");
    let step = s.get("step").and_then(text).unwrap_or("?");
    let event = s.get("event").and_then(text).unwrap_or("?");
    let what = match event {
        "run_created" => t.pick("iniciada", "started"),
        "run_succeeded" => t.pick("terminada con éxito", "succeeded"),
        "run_failed" => t.pick("fallida", "failed"),
        "run_cancelled" => t.pick("cancelada", "cancelled"),
        "run_quarantined" => t.pick(
            "apartada tras fallos repetidos",
            "quarantined after repeated failures",
        ),
        "quarantine_lifted" => t.pick("retomada", "taken up again"),
        "step_started" => t.pick(
            format!("paso {step} iniciado"),
            format!("step {step} started"),
        ),
        "step_resumed" => t.pick(
            format!("paso {step} retomado"),
            format!("step {step} resumed"),
        ),
        "step_succeeded" => t.pick(
            format!("paso {step} terminado"),
            format!("step {step} done"),
        ),
        "step_failed" => t.pick(format!("paso {step} falló"), format!("step {step} failed")),
        "step_skipped" => t.pick(
            format!("paso {step} omitido"),
            format!("step {step} skipped"),
        ),
        "step_waiting" => t.pick(
            format!("paso {step} en espera"),
            format!("step {step} waiting"),
        ),
        "step_timed_out" => t.pick(
            format!("paso {step} venció su plazo"),
            format!("step {step} timed out"),
        ),
        "signal_received" => t.pick("señal recibida", "signal received"),
        other => other.to_owned(),
    };
    t.pick(
        format!("Ejecución {} del flujo {workflow}: {what}", entry.subject),
        format!("Run {} of workflow {workflow}: {what}", entry.subject),
    )
}

fn task(entry: &ExportedEntry, t: Texts) -> String {
    let s = &entry.summary;
    let title = s.get("title").and_then(text).unwrap_or("?");
    match entry.kind.as_str() {
        "task.opened" => {
            let due = s
                .get("due")
                .and_then(text)
                .map(|d| t.pick(format!(", vence {d}"), format!(", due {d}")))
                .unwrap_or_default();
            t.pick(
                format!("Tarea abierta: «{title}»{due}"),
                format!("Task opened: “{title}”{due}"),
            )
        }
        "task.answered" => {
            let outcome = s
                .get("answer")
                .and_then(|a| a.get("outcome"))
                .and_then(text)
                .unwrap_or("?");
            let outcome = match outcome {
                "completed" => t.pick("completada", "completed"),
                "rejected" => t.pick("rechazada", "rejected"),
                o => o.to_owned(),
            };
            t.pick(
                format!("Tarea respondida ({outcome}): «{title}»"),
                format!("Task answered ({outcome}): “{title}”"),
            )
        }
        "task.expired" => t.pick(
            format!("Tarea vencida sin respuesta: «{title}»"),
            format!("Task expired unanswered: “{title}”"),
        ),
        "task.cancelled" => t.pick(
            format!("Tarea cancelada: «{title}»"),
            format!("Task cancelled: “{title}”"),
        ),
        other => format!("{other}: {title}"),
    }
}

fn email(entry: &ExportedEntry, t: Texts) -> String {
    let s = &entry.summary;
    let subject = s.get("subject").and_then(text).unwrap_or("?");
    let to = match s.get("to") {
        Some(Value::Array(list)) => list.iter().filter_map(text).collect::<Vec<_>>().join(", "),
        Some(v) => text(v).unwrap_or("?").to_owned(),
        None => "?".into(),
    };
    let state = match entry.kind.as_str() {
        "email.queued" => t.pick("en cola", "queued"),
        "email.sending" => t.pick("enviándose", "sending"),
        "email.sent" => t.pick("enviado", "sent"),
        "email.written" => t.pick(
            "escrito en un archivo (sin SMTP: nadie lo recibió aún)",
            "written to a file (no SMTP: nobody received it yet)",
        ),
        "email.failed" => t.pick("no se pudo enviar", "failed"),
        k => k.to_owned(),
    };
    t.pick(
        format!("Correo «{subject}» a {to}: {state}"),
        format!("Email “{subject}” to {to}: {state}"),
    )
}

fn console_user(entry: &ExportedEntry, t: Texts) -> String {
    let role = entry.summary.get("role").and_then(text).unwrap_or("?");
    let who = &entry.subject;
    match entry.kind.as_str() {
        "user.added" => t.pick(
            format!("Usuario de la consola {who} añadido o cambiado (rol {role})"),
            format!("Console user {who} added or changed (role {role})"),
        ),
        "user.disabled" => t.pick(
            format!("Usuario de la consola {who} deshabilitado"),
            format!("Console user {who} disabled"),
        ),
        "user.password_changed" => t.pick(
            format!("Usuario de la consola {who} cambió su contraseña"),
            format!("Console user {who} changed their password"),
        ),
        other => format!("{other}: {who}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(kind: &str, subject: &str, actor: Option<&str>, summary: Value) -> ExportedEntry {
        ExportedEntry {
            seq: 1,
            at: "2026-02-01T15:00:00Z".into(),
            kind: kind.into(),
            subject: subject.into(),
            actor: actor.map(str::to_owned),
            summary,
            recorded_at: None,
            pinned_at: None,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn account_entries_read_as_sentences_in_both_languages() {
        let created = entry(
            "account.created",
            "ctpat:maria@imp.example",
            Some("oficial@imp.example"),
            json!({"changes": [
                {"field": "holder.name", "old": null, "new": "María Pérez"},
                {"field": "company.legal_name", "old": null, "new": "Importadora Norte S.A."}
            ]}),
        );
        assert_eq!(
            describe(&created, Locale::Es),
            "Alta en el inventario de la cuenta CTPAT maria@imp.example de María Pérez, para Importadora Norte S.A. — registrado por oficial@imp.example"
        );
        let signed_in = entry(
            "account.changed",
            "ctpat:maria@imp.example",
            Some("oficial@imp.example"),
            json!({"changes": [
                {"field": "deactivates_on", "old": "2026-02-20", "new": "2026-03-19"},
                {"field": "last_sign_in", "old": "2026-01-05", "new": "2026-02-01"}
            ], "reason": "sign-in recorded"}),
        );
        assert_eq!(
            describe(&signed_in, Locale::Es),
            "Cuenta CTPAT maria@imp.example: inicio de sesión en CTPAT el 2026-02-01 — registrado por oficial@imp.example"
        );
        assert_eq!(
            describe(&signed_in, Locale::En),
            "Account CTPAT maria@imp.example: signed in to CTPAT on 2026-02-01 — recorded by oficial@imp.example"
        );
        let reactivated = entry(
            "account.changed",
            "ctpat:maria@imp.example",
            None,
            json!({"changes": [{"field": "status", "old": "deactivated", "new": "active"}]}),
        );
        assert_eq!(
            describe(&reactivated, Locale::En),
            "Account CTPAT maria@imp.example: reactivated by CTPAT"
        );
    }

    #[test]
    fn unknown_kinds_and_odd_summaries_still_read() {
        let odd = entry("account.changed", "nokey", None, json!({"changes": "x"}));
        assert_eq!(
            describe(&odd, Locale::Es),
            "Cuenta nokey: datos actualizados"
        );
        let other = entry("plugin.thing", "s", None, json!(null));
        assert_eq!(describe(&other, Locale::En), "plugin.thing on s");
    }
}
