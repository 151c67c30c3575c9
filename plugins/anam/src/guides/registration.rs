//! What comes after filling in the Acceso Único registration form: the
//! documents to prepare and the remaining steps.

use serde::Serialize;

use garita_portal_kit::pick;

use super::{Guide, StepList};

/// The URL of the Acceso Único sign-in and registration page.
pub const ACCESO_UNICO_URL: &str = "https://accesounico.anam.gob.mx";

/// A document the applicant uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredDocument {
    /// Stable code: `official_id` or `responsiva`.
    pub code: &'static str,
    /// What it is.
    pub title: String,
    /// How to prepare it.
    pub detail: String,
    /// The alternatives accepted, when one of several will do.
    pub options: Vec<String>,
}

/// The documents to prepare; a foreigner's identification is the migratory document.
pub fn required_documents(foreigner: bool, english: bool) -> Vec<RequiredDocument> {
    let options: Vec<String> = if foreigner {
        vec![pick(
            english,
            "El documento migratorio vigente expedido por la autoridad competente (con su prórroga o refrendo, si aplica).",
            "The valid migratory document issued by the competent authority (with its extension or renewal, where applicable).",
        )
        .to_owned()]
    } else {
        [
            ("Credencial para votar del Instituto Nacional Electoral (INE).", "Voter card issued by the Instituto Nacional Electoral (INE)."),
            ("Pasaporte vigente.", "Valid passport."),
            (
                "Cédula profesional vigente con fotografía (las cédulas profesionales electrónicas no sirven).",
                "Valid professional licence with photograph (electronic professional licences are not accepted).",
            ),
            ("Licencia de conducir.", "Driver's licence."),
        ]
        .into_iter()
        .map(|(es, en)| pick(english, es, en).to_owned())
        .collect()
    };
    vec![
        RequiredDocument {
            code: "official_id",
            title: pick(english, "Identificación oficial vigente", "Valid official identification").to_owned(),
            detail: if foreigner {
                pick(english, "Escanee este documento, legible y vigente.", "Scan this document, legible and unexpired.")
            } else {
                pick(
                    english,
                    "Escanee una sola de las opciones siguientes, legible y vigente.",
                    "Scan one of the following, legible and unexpired.",
                )
            }
            .to_owned(),
            options,
        },
        RequiredDocument {
            code: "responsiva",
            title: pick(english, "Responsiva firmada", "Signed \"responsiva\" (statement of responsibility)").to_owned(),
            detail: pick(
                english,
                "Descárguela del correo de confirmación, imprímala, fírmela a mano (firma autógrafa, no digital) y escanéela.",
                "Download it from the confirmation email, print it, sign it by hand (a handwritten signature, not a digital one) and scan it.",
            )
            .to_owned(),
            options: Vec::new(),
        },
    ]
}

/// The registration procedure from sending the form to receiving the credentials.
pub fn registration_guide(foreigner: bool, email: Option<&str>, english: bool) -> Guide {
    let mut steps = StepList::default();
    steps.push(
        pick(english, "Enviar el formulario", "Send the form"),
        if english {
            format!("At {ACCESO_UNICO_URL} click \"Registrarse\", enter the checked data (fields marked * are mandatory) and click \"Registrar\".")
        } else {
            format!("En {ACCESO_UNICO_URL} haga clic en «Registrarse», capture los datos ya revisados (los marcados con * son obligatorios) y haga clic en «Registrar».")
        },
    );
    let inbox = match (email, english) {
        (Some(address), false) => format!("a {address}"),
        (Some(address), true) => format!("at {address}"),
        (None, false) => "al correo registrado".to_owned(),
        (None, true) => "at the registered email".to_owned(),
    };
    steps.push(
        pick(english, "Confirmar el correo", "Confirm the email"),
        if english {
            format!("A message arrives {inbox} to confirm your identity; open its link. If it does not arrive, click \"Reenviar correo\" (resend) on the portal's screen.")
        } else {
            format!("Llega un mensaje {inbox} para confirmar su identidad; abra su enlace. Si no llega, haga clic en «Reenviar correo» en la pantalla del portal.")
        },
    );
    steps.push(
        pick(english, "Preparar la responsiva", "Prepare the responsiva"),
        pick(
            english,
            "Descargue la responsiva que viene en ese correo, imprímala, fírmela a mano y escanéela.",
            "Download the responsiva attached to that email, print it, sign it by hand and scan it.",
        ),
    );
    steps.push(
        pick(english, "Subir los documentos", "Upload the documents"),
        match (foreigner, english) {
            (false, false) => "Desde el enlace del correo, indique la CURP y suba la identificación oficial vigente y la responsiva firmada.",
            (false, true) => "From the email's link, give the CURP and upload the valid official identification and the signed responsiva.",
            (true, false) => "Desde el enlace del correo, suba el documento migratorio vigente y la responsiva firmada.",
            (true, true) => "From the email's link, upload the valid migratory document and the signed responsiva.",
        },
    );
    steps.push(
        pick(english, "Esperar la validación", "Wait for validation"),
        pick(
            english,
            "La ANAM revisa datos y documentos; si todo está en orden, avisa que el alta terminó y envía el usuario y la contraseña al correo registrado.",
            "ANAM reviews the data and documents; if all is in order it announces that the registration is complete and emails the username and password to the registered address.",
        ),
    );
    Guide {
        title: pick(english, "Registro en Acceso Único (ANAM)", "Acceso Único registration (ANAM)").to_owned(),
        summary: pick(
            english,
            "Tras enviar el formulario se confirma el correo, se suben la identificación y la responsiva, y la ANAM valida el alta.",
            "After the form is sent, the email is confirmed, the identification and responsiva are uploaded, and ANAM validates the registration.",
        )
        .to_owned(),
        // The documents themselves are listed apart (see `required_documents`);
        // here only what to have ready for them.
        preparations: vec![
            if foreigner {
                pick(english, "El documento migratorio vigente, escaneado.", "The valid migratory document, scanned.")
            } else {
                pick(
                    english,
                    "Una identificación oficial vigente escaneada (INE, pasaporte, cédula profesional con foto o licencia de conducir).",
                    "A valid official identification, scanned (INE voter card, passport, professional licence with photo or driver's licence).",
                )
            }
            .to_owned(),
            pick(
                english,
                "Impresora y escáner: la responsiva se imprime, se firma a mano y se escanea.",
                "A printer and a scanner: the responsiva is printed, signed by hand and scanned.",
            )
            .to_owned(),
            pick(
                english,
                "Acceso al correo que se va a registrar: por ahí llegan la confirmación y, al final, las credenciales.",
                "Access to the email address being registered: the confirmation and, in the end, the credentials arrive there.",
            )
            .to_owned(),
        ],
        parts: Vec::new(),
        steps: steps.into_steps(),
        notes: vec![pick(
            english,
            "Garita no guarda contraseñas: cuando llegue la de la ANAM, anote en Garita solo quién tiene la cuenta.",
            "Garita keeps no passwords: when ANAM's arrives, record only who holds the account.",
        )
        .to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nationals_get_four_id_options_and_foreigners_the_migratory_document() {
        let national = required_documents(false, false);
        assert_eq!(national[0].code, "official_id");
        assert_eq!(national[0].options.len(), 4);
        assert!(national[0]
            .options
            .iter()
            .any(|o| o.contains("electrónicas no sirven")));
        assert_eq!(national[1].code, "responsiva");
        let foreign = required_documents(true, true);
        assert_eq!(foreign[0].options.len(), 1);
        assert!(foreign[0].options[0].contains("migratory"));
    }

    #[test]
    fn steps_cover_confirmation_upload_and_validation() {
        let guide = registration_guide(false, Some("ana@empresa.mx"), false);
        let text: Vec<String> = guide
            .steps
            .iter()
            .map(|s| format!("{} {}", s.title, s.detail))
            .collect();
        assert!(text[1].contains("ana@empresa.mx") && text[1].contains("Reenviar correo"));
        assert!(text[3].contains("responsiva"));
        assert!(text[4].contains("usuario y la contraseña"));
    }
}
