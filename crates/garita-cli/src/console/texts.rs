//! The console's words in Spanish (the default) and English, by key. The
//! templates read them as `t.KEY`; a key missing in one language is a test
//! failure, not a blank on a page.

use garita_engine::user::Language;

/// `(key, Spanish, English)`.
const TEXTS: &[(&str, &str, &str)] = &[
    ("sign_in_title", "Iniciar sesión", "Sign in"),
    ("sign_in_lead", "Consola de oficiales de cumplimiento", "Compliance officers' console"),
    ("email", "Correo electrónico", "Email"),
    ("password", "Contraseña", "Password"),
    ("sign_in", "Entrar", "Sign in"),
    ("sign_out", "Salir", "Sign out"),
    ("wrong_credentials", "El correo o la contraseña no son correctos.", "The email or the password is not right."),
    ("too_many_attempts", "Demasiados intentos fallidos. Espere 15 minutos e inténtelo de nuevo, o pida a un administrador que revise su cuenta.", "Too many failed attempts. Wait 15 minutes and try again, or ask an administrator to check your account."),
    ("form_expired", "El formulario caducó. Vuelva a intentarlo.", "The form expired. Please try again."),
    ("nav_home", "Inicio", "Home"),
    ("nav_tasks", "Tareas", "Tasks"),
    ("nav_accounts", "Cuentas", "Accounts"),
    ("nav_runs", "Ejecuciones", "Runs"),
    ("nav_mail", "Correo", "Mail"),
    ("nav_audit", "Auditoría", "Audit"),
    ("soon", "Disponible próximamente", "Coming soon"),
    ("role_officer", "oficial", "officer"),
    ("role_auditor", "auditor", "auditor"),
    ("role_admin", "administrador", "admin"),
    ("home_title", "Inicio", "Home"),
    ("tasks_waiting", "Tareas en espera", "Tasks waiting"),
    ("tasks_overdue", "vencidas", "overdue"),
    ("emails_failed", "Correos fallidos", "Failed emails"),
    ("accounts_by_portal", "Cuentas por portal", "Accounts by portal"),
    ("portal", "Portal", "Portal"),
    ("accounts", "Cuentas", "Accounts"),
    ("at_risk", "En riesgo", "At risk"),
    ("deactivated", "Desactivadas", "Deactivated"),
    ("no_accounts", "El inventario está vacío.", "The inventory is empty."),
    ("next_deadlines", "Próximos vencimientos", "Next deadlines"),
    ("no_deadlines", "No hay vencimientos próximos.", "No deadlines ahead."),
    ("date", "Fecha", "Date"),
    ("what", "Qué", "What"),
    ("kind", "Tipo", "Kind"),
    ("who", "Quién", "Who"),
    ("kind_task_due", "Tarea vence", "Task due"),
    ("kind_ctpat_deactivation", "CTPAT desactiva", "CTPAT deactivates"),
    ("record_sign_in", "Ingresó hoy", "Signed in today"),
    ("record_sign_in_hint", "Registrar que el titular ingresó hoy al portal", "Record that the holder signed in to the portal today"),
    ("chart_title", "Vencimientos por semana (12 semanas)", "Deadlines per week (12 weeks)"),
    ("chart_week_of", "Semana del", "Week of"),
    ("as_of", "Datos al", "As of"),
    ("error_title", "No se pudo completar", "Could not be done"),
    ("forbidden", "Su rol no permite esta acción.", "Your role does not allow this."),
    ("failed", "Garita no pudo leer o escribir su almacén. El registro del daemon dice por qué.", "Garita could not read or write its store. The daemon's log says why."),
    ("back_home", "Volver al inicio", "Back to Home"),
];

/// Every text in `language`, as `key → text`.
pub fn texts(language: Language) -> std::collections::BTreeMap<&'static str, &'static str> {
    all_texts()
        .map(|(key, es, en)| (*key, if language == Language::En { *en } else { *es }))
        .collect()
}

/// One text in `language` (the key itself when unknown).
pub fn text(language: Language, key: &str) -> &'static str {
    all_texts()
        .find(|(k, _, _)| *k == key)
        .map_or(
            "?",
            |(_, es, en)| if language == Language::En { en } else { es },
        )
}

/// This table's texts, then the work pages' ([`super::page_texts`]).
fn all_texts() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    TEXTS.iter().chain(super::page_texts::PAGE_TEXTS)
}

/// Month abbreviations, January first.
pub fn months(language: Language) -> [&'static str; 12] {
    match language {
        Language::Es => [
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
        ],
        Language::En => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ],
    }
}

/// A day as people read it: `7 dic 2026`, `Dec 7, 2026`.
pub fn day(language: Language, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let month = months(language)[date.month0() as usize];
    match language {
        Language::Es => format!("{} {month} {}", date.day(), date.year()),
        Language::En => format!("{month} {}, {}", date.day(), date.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_and_keys_are_unique() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, es, en) in all_texts() {
            assert!(keys.insert(key), "{key} twice");
            assert!(!es.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(text(Language::En, "sign_out"), "Sign out");
        assert_eq!(text(Language::Es, "sign_out"), "Salir");
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(day(Language::Es, date), "7 dic 2026");
        assert_eq!(day(Language::En, date), "Dec 7, 2026");
    }
}
