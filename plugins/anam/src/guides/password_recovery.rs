//! Recovering a forgotten Acceso Único password ("¿Olvidó su contraseña?").

use garita_portal_kit::pick;

use super::{Guide, StepList};

/// The recovery guide; `username`, when known, is written into the steps.
pub fn password_recovery_guide(username: Option<&str>, english: bool) -> Guide {
    let mut steps = StepList::default();
    steps.push(
        pick(english, "Abrir Acceso Único", "Open Acceso Único"),
        pick(
            english,
            "Vaya a la pantalla de inicio de sesión de «Acceso Único» del portal de la ANAM (https://accesounico.anam.gob.mx; el instructivo de la ANAM también indica https://avcsea.egi.systems/).",
            "Go to the sign-in screen of ANAM's \"Acceso Único\" (https://accesounico.anam.gob.mx; ANAM's instructions also give https://avcsea.egi.systems/).",
        ),
    );
    steps.push(
        pick(english, "Hacer clic en «¿Olvidó su contraseña?»", "Click \"¿Olvidó su contraseña?\""),
        pick(
            english,
            "El enlace está debajo de los campos de usuario y contraseña; abre la pantalla «Recuperar contraseña».",
            "The link sits below the user and password fields; it opens the \"Recuperar contraseña\" (recover password) screen.",
        ),
    );
    let who = match (username, english) {
        (Some(name), false) => format!("Escriba el usuario {name}"),
        (Some(name), true) => format!("Type the username {name}"),
        (None, false) => "Escriba su nombre de usuario".to_owned(),
        (None, true) => "Type your username".to_owned(),
    };
    steps.push(
        pick(english, "Usuario y captcha", "Username and captcha"),
        if english {
            format!("{who}, tick the \"No soy un robot\" captcha and click \"Enviar\" (send).")
        } else {
            format!("{who}, marque el captcha «No soy un robot» y haga clic en «Enviar».")
        },
    );
    steps.push(
        pick(english, "Seguir las instrucciones del correo", "Follow the emailed instructions"),
        pick(
            english,
            "El portal envía al correo asociado a la cuenta un mensaje con los pasos para configurar una contraseña nueva; sígalos.",
            "The portal sends the email address tied to the account a message with the steps to set a new password; follow them.",
        ),
    );
    steps.push(
        pick(english, "Si el correo no llega", "If no email arrives"),
        pick(
            english,
            "Compruebe que el usuario esté bien escrito (el mensaje solo sale si existe una cuenta con ese usuario) y revise la carpeta de correo no deseado.",
            "Check the username's spelling (the message only goes out when an account with that username exists) and look in the junk-mail folder.",
        ),
    );
    Guide {
        title: pick(english, "Recuperar la contraseña de Acceso Único (ANAM)", "Recover the Acceso Único password (ANAM)").to_owned(),
        summary: pick(
            english,
            "Se pide desde la pantalla de inicio de sesión con el nombre de usuario y un captcha; las instrucciones llegan por correo.",
            "It is requested from the sign-in screen with the username and a captcha; the instructions arrive by email.",
        )
        .to_owned(),
        preparations: [
            ("Tenga a mano su nombre de usuario de Acceso Único.", "Have your Acceso Único username at hand."),
            (
                "Asegúrese de poder abrir el correo con el que se registró la cuenta.",
                "Make sure you can open the email account the registration was made with.",
            ),
        ]
        .into_iter()
        .map(|(es, en)| pick(english, es, en).to_owned())
        .collect(),
        parts: Vec::new(),
        steps: steps.into_steps(),
        notes: [
            (
                "El portal muestra el mismo aviso exista o no la cuenta, así que ese aviso no confirma que el usuario sea correcto.",
                "The portal shows the same notice whether or not the account exists, so the notice does not confirm the username.",
            ),
            (
                "Garita no guarda contraseñas: no copie la nueva en tareas ni notas.",
                "Garita keeps no passwords: do not paste the new one into tasks or notes.",
            ),
        ]
        .into_iter()
        .map(|(es, en)| pick(english, es, en).to_owned())
        .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_from_link_to_spam_folder() {
        let guide = password_recovery_guide(Some("jperez"), false);
        assert_eq!(guide.steps.len(), 5);
        assert!(guide.steps[1].title.contains("¿Olvidó su contraseña?"));
        assert!(
            guide.steps[2].detail.contains("jperez") && guide.steps[2].detail.contains("captcha")
        );
        assert!(guide.steps[4].detail.contains("no deseado"));
    }

    #[test]
    fn english_without_username() {
        let guide = password_recovery_guide(None, true);
        assert!(guide.steps[2].detail.starts_with("Type your username"));
        assert!(guide.to_markdown(true).contains("## Steps"));
    }
}
