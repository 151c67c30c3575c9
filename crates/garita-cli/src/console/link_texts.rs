//! The words of the holders' link pages, in Spanish (the default) and
//! English (a browser asking for English first). Kept apart from the
//! officers' texts: holders see only these pages. The template reads them
//! as `l.KEY`.

use garita_engine::user::Language;

/// `(key, Spanish, English)`.
const TEXTS: &[(&str, &str, &str)] = &[
    ("title_signed_in", "Confirmar que entró al portal", "Confirm you signed in to the portal"),
    ("title_answer", "Responder la tarea", "Answer the task"),
    ("lead_signed_in", "Confirme que hoy entró al portal con este usuario. Garita lo registra a su nombre, con la hora, su dirección IP y su navegador como constancia.", "Confirm that you signed in to the portal today with this user. Garita records it in your name, with the time, your IP address and your browser as evidence."),
    ("lead_answer", "Lea la indicación y envíe su respuesta. Garita la registra a su nombre.", "Read the guidance and send your answer. Garita records it in your name."),
    ("portal", "Portal", "Portal"),
    ("user", "Usuario", "User"),
    ("holder", "Titular", "Holder"),
    ("company", "Empresa", "Company"),
    ("last_sign_in", "Último ingreso registrado", "Last sign-in recorded"),
    ("none", "ninguno", "none"),
    ("due", "Vence", "Due"),
    ("confirm", "Confirmar que entré hoy", "Confirm I signed in today"),
    ("send", "Enviar respuesta", "Send answer"),
    ("yes", "Sí", "Yes"),
    ("no", "No", "No"),
    ("choose", "Elija…", "Choose…"),
    ("note", "Nota (opcional)", "Note (optional)"),
    ("expires", "Este enlace vale hasta", "This link works until"),
    ("once", "y sirve una sola vez.", "and works only once."),
    ("done_signed_in", "Listo: quedó registrado que entró al portal.", "Done: your sign-in to the portal is recorded."),
    ("done_answer", "Listo: su respuesta quedó registrada.", "Done: your answer is recorded."),
    ("used", "Este enlace ya se usó", "This link was already used"),
    ("used_on", "Se usó el", "It was used on"),
    ("expired", "Este enlace venció", "This link has expired"),
    ("closed", "Esta tarea ya no espera respuesta (se respondió, venció o se canceló).", "This task no longer waits for an answer (it was answered, expired or cancelled)."),
    ("ask_new", "Si necesita volver a confirmar, pida un enlace nuevo: le llega por correo.", "If you need to confirm again, ask for a new link: it comes by email."),
    ("ask_new_button", "Enviarme un enlace nuevo", "Send me a new link"),
    ("sent_new", "Le enviamos un enlace nuevo por correo. Puede cerrar esta página.", "We emailed you a new link. You can close this page."),
    ("not_sent", "No se pudo enviar un enlace nuevo. Responda al correo que recibió para que cumplimiento lo registre.", "A new link could not be sent. Reply to the email you received so that compliance records it."),
    ("invalid", "Este enlace no es válido. Copie la dirección completa del correo, o responda a ese correo.", "This link is not valid. Copy the whole address from the email, or reply to that email."),
    ("not_valid_title", "Enlace no válido", "Link not valid"),
    ("form_old", "El formulario no vino de la página de este enlace. Ábralo de nuevo desde el correo.", "The form did not come from this link's page. Open it again from the email."),
    ("failed", "No se pudo registrar. Inténtelo más tarde o responda al correo que recibió.", "It could not be recorded. Try again later or reply to the email you received."),
];

/// Every text in `language`, as `key → text`.
pub fn texts(language: Language) -> std::collections::BTreeMap<&'static str, &'static str> {
    TEXTS
        .iter()
        .map(|(key, es, en)| (*key, if language == Language::En { *en } else { *es }))
        .collect()
}

/// Spanish unless the browser asks for English before Spanish.
pub fn language_of(accept_language: Option<&str>) -> Language {
    let Some(header) = accept_language else {
        return Language::Es;
    };
    for range in header.split(',') {
        let tag = range
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("en") {
            return Language::En;
        }
        if tag.starts_with("es") {
            return Language::Es;
        }
    }
    Language::Es
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages_and_the_browser_picks_one() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, es, en) in TEXTS {
            assert!(keys.insert(key), "{key} twice");
            assert!(!es.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(language_of(Some("en-US,en;q=0.9,es;q=0.8")), Language::En);
        assert_eq!(language_of(Some("es-MX,es;q=0.9,en;q=0.8")), Language::Es);
        assert_eq!(language_of(Some("fr")), Language::Es);
        assert_eq!(language_of(None), Language::Es);
    }
}
