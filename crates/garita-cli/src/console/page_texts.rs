//! The words of the console's work pages (Tareas, Cuentas, Ejecuciones,
//! Correo, Auditoría) in Spanish and English, by key; [`super::texts`]
//! serves them with its own, and its test checks both tables together.

use chrono::{DateTime, Utc};
use garita_engine::user::Language;

use super::texts::day;

/// `(key, Spanish, English)`.
pub const PAGE_TEXTS: &[(&str, &str, &str)] = &[
    // Tareas
    ("tasks_title", "Tareas", "Tasks"),
    ("view_mine", "Mías", "Mine"),
    ("view_group", "De mi grupo", "My group's"),
    ("view_all", "Todas", "All"),
    ("view_overdue", "Vencidas", "Overdue"),
    ("group_hint", "Tareas asignadas a usuarios con su mismo rol, o a nadie en particular", "Tasks assigned to users with your role, or to nobody in particular"),
    ("no_tasks", "No hay tareas abiertas en esta vista.", "No open tasks in this view."),
    ("task", "Tarea", "Task"),
    ("workflow", "Flujo", "Workflow"),
    ("assignee", "Asignada a", "Assigned to"),
    ("nobody", "nadie en particular", "nobody in particular"),
    ("due", "Vence", "Due"),
    ("open", "Abrir", "Open"),
    ("run", "Ejecución", "Run"),
    ("status", "Estado", "Status"),
    ("created", "Creada", "Created"),
    ("guidance", "Indicaciones", "Guidance"),
    ("answer_title", "Responder", "Answer"),
    ("answer_lead", "Su respuesta queda registrada a su nombre en la tarea, la ejecución y el registro de auditoría.", "Your answer is recorded under your name in the task, the run and the audit log."),
    ("yes", "Sí", "Yes"),
    ("no", "No", "No"),
    ("choose", "— elija —", "— choose —"),
    ("required", "obligatorio", "required"),
    ("complete", "Enviar respuesta", "Send answer"),
    ("reject_title", "Rechazar", "Reject"),
    ("reject_lead", "Rechace la tarea si no corresponde; la nota dice por qué.", "Reject the task if it does not apply; the note says why."),
    ("note", "Nota", "Note"),
    ("reject", "Rechazar tarea", "Reject task"),
    ("answered", "Respuesta", "Answer"),
    ("answered_by", "Respondida por", "Answered by"),
    ("answered_at", "el", "on"),
    ("outcome_completed", "completada", "completed"),
    ("outcome_rejected", "rechazada", "rejected"),
    ("task_status_open", "abierta", "open"),
    ("task_status_completed", "completada", "completed"),
    ("task_status_rejected", "rechazada", "rejected"),
    ("task_status_expired", "vencida sin respuesta", "expired unanswered"),
    ("task_status_cancelled", "cancelada", "cancelled"),
    ("answer_recorded", "Respuesta registrada.", "Answer recorded."),
    ("read_only", "Su rol permite ver, no actuar.", "Your role may look, not act."),
    ("back_tasks", "Volver a Tareas", "Back to Tasks"),
    // Cuentas
    ("accounts_title", "Cuentas", "Accounts"),
    ("search", "Buscar", "Search"),
    ("search_hint", "Identificador, titular, correo o número de empleado", "Identifier, holder, email or employee id"),
    ("company", "Empresa", "Company"),
    ("any", "todos", "any"),
    ("deadline_window", "Desactiva en", "Deactivates within"),
    ("days", "días", "days"),
    ("filter", "Filtrar", "Filter"),
    ("account", "Cuenta", "Account"),
    ("holder", "Titular", "Holder"),
    ("last_sign_in", "Último ingreso", "Last sign-in"),
    ("deactivates_on", "Desactiva el", "Deactivates on"),
    ("in_days", "en {n} días", "in {n} days"),
    ("showing", "Cuentas {from}–{to} de {total}", "Accounts {from}–{to} of {total}"),
    ("previous", "Anterior", "Previous"),
    ("next", "Siguiente", "Next"),
    ("page_of", "Página {page} de {pages}", "Page {page} of {pages}"),
    ("no_matches", "Ninguna cuenta coincide.", "No account matches."),
    ("import_csv", "Importar CSV", "Import CSV"),
    ("status_active", "activa", "active"),
    ("status_at_risk", "en riesgo", "at risk"),
    ("status_deactivated", "desactivada", "deactivated"),
    ("status_disabled", "inhabilitada", "disabled"),
    ("status_offboarded", "dada de baja", "offboarded"),
    ("identifier", "Identificador", "Identifier"),
    ("role", "Rol", "Role"),
    ("password_changed_on", "Cambio de contraseña", "Password changed"),
    ("certificate_expires_on", "Certificado vence", "Certificate expires"),
    ("timeline", "Historial", "History"),
    ("evidence", "Evidencia", "Evidence"),
    ("no_evidence", "Sin evidencia registrada.", "No evidence recorded."),
    ("by", "por", "by"),
    ("recorded_at", "registrado", "recorded"),
    ("field", "Campo", "Field"),
    ("value", "Valor", "Value"),
    ("why", "Motivo", "Reason"),
    ("actions", "Acciones", "Actions"),
    ("offboard", "Dar de baja a la persona", "Offboard the person"),
    ("offboard_lead", "Marca como dadas de baja todas las cuentas de {who} e inicia los flujos que retiran sus accesos.", "Marks every account {who} holds as offboarded and starts the workflows that remove the accesses."),
    ("offboard_done", "{n} cuenta(s) dadas de baja.", "{n} account(s) offboarded."),
    ("offboard_nothing", "Todas las cuentas de la persona ya estaban dadas de baja.", "Every account of the person was offboarded already."),
    ("sign_in_done", "Ingreso registrado.", "Sign-in recorded."),
    ("back_accounts", "Volver a Cuentas", "Back to Accounts"),
    ("import_title", "Importar inventario (CSV)", "Import inventory (CSV)"),
    ("import_lead", "Pegue el contenido del archivo CSV (docs/accounts.md describe las columnas). Nada se importa si alguna fila tiene errores, salvo que elija importar las correctas.", "Paste the CSV file's contents (docs/accounts.md lists the columns). Nothing is imported if a row is wrong, unless you choose to import the good ones."),
    ("file_name", "Nombre del archivo", "File name"),
    ("csv_text", "Contenido CSV", "CSV contents"),
    ("skip_invalid", "Importar las filas correctas aunque otras tengan errores", "Import the good rows even if others are wrong"),
    ("import", "Importar", "Import"),
    ("import_report", "Resultado por fila", "Per-row report"),
    ("imported", "importadas", "imported"),
    ("unchanged", "sin cambios", "unchanged"),
    ("skipped", "con errores (no importadas)", "wrong (not imported)"),
    ("line", "Línea", "Line"),
    ("column", "Columna", "Column"),
    ("problem", "Problema", "Problem"),
    ("warnings", "Avisos", "Warnings"),
    // Ejecuciones
    ("runs_title", "Ejecuciones", "Runs"),
    ("no_runs", "No hay ejecuciones.", "No runs."),
    ("updated", "Actualizada", "Updated"),
    ("error", "Error", "Error"),
    ("steps", "Pasos", "Steps"),
    ("attempts", "Intentos", "Attempts"),
    ("started", "Inicio", "Started"),
    ("ended", "Fin", "Ended"),
    ("waiting_for", "Espera", "Waiting for"),
    ("outputs", "Salidas", "Outputs"),
    ("inputs", "Entradas", "Inputs"),
    ("wakes_at", "Despierta", "Wakes"),
    ("back_runs", "Volver a Ejecuciones", "Back to Runs"),
    ("run_status_running", "en curso", "running"),
    ("run_status_waiting", "en espera", "waiting"),
    ("run_status_succeeded", "terminada", "succeeded"),
    ("run_status_failed", "fallida", "failed"),
    ("run_status_cancelled", "cancelada", "cancelled"),
    ("newest_runs", "Las 50 más recientes.", "The 50 newest."),
    // Correo
    ("mail_title", "Correo", "Mail"),
    ("no_mail", "No hay mensajes.", "No messages."),
    ("to", "Para", "To"),
    ("subject", "Asunto", "Subject"),
    ("message", "Mensaje", "Message"),
    ("retry", "Reintentar envío", "Send again"),
    ("retried", "Envío reintentado; estado: {status}.", "Sent again; status: {status}."),
    ("back_mail", "Volver a Correo", "Back to Mail"),
    ("mail_status_queued", "en cola", "queued"),
    ("mail_status_sending", "enviando", "sending"),
    ("mail_status_sent", "enviado", "sent"),
    ("mail_status_failed", "fallido", "failed"),
    ("mail_status_written", "escrito a archivo", "written to file"),
    ("body", "Cuerpo", "Body"),
    // Auditoría
    ("audit_title", "Auditoría", "Audit"),
    ("audit_intact", "La cadena de auditoría está íntegra.", "The audit chain is intact."),
    ("audit_broken", "La cadena de auditoría NO está íntegra.", "The audit chain is NOT intact."),
    ("entries", "Entradas", "Entries"),
    ("head", "Última entrada (hash)", "Head (hash)"),
    ("records_checked", "Registros comparados", "Records checked"),
    ("problems", "Problemas", "Problems"),
    ("export_title", "Exportar (CSV)", "Export (CSV)"),
    ("export_lead", "Descarga las entradas escritas entre dos fechas (incluidas), con sus hashes.", "Downloads the entries written between two dates (inclusive), with their hashes."),
    ("from", "Desde", "From"),
    ("until", "Hasta", "To"),
    ("download", "Descargar", "Download"),
    ("export_role", "Solo auditores y administradores pueden exportar.", "Only auditors and admins may export."),
];

/// An instant as people read it, in UTC: `10 mar 2026 15:00 UTC`.
pub fn moment(language: Language, at: DateTime<Utc>) -> String {
    format!(
        "{} {} UTC",
        day(language, at.date_naive()),
        at.format("%H:%M")
    )
}

/// An optional instant, or a dash.
pub fn maybe_moment(language: Language, at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_owned(), |at| moment(language, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_in_utc() {
        let at = "2026-03-10T15:04:00Z".parse().unwrap();
        assert_eq!(moment(Language::Es, at), "10 mar 2026 15:04 UTC");
        assert_eq!(maybe_moment(Language::En, None), "—");
    }
}
