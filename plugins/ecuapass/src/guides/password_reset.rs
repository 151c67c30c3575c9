//! Ecuapass "Solicitud de reinicio de clave automática": find the user ID, then
//! have a temporary password emailed.

use garita_sdk::FieldError;
use serde::Serialize;

use garita_portal_kit::pick;

use super::{Guide, Part, StepList};
use crate::cedula::validate_cedula;
use crate::email_shape::looks_like_email;
use crate::ruc::validate_ruc;
use crate::validation::{strip_separators, Issue};
use garita_portal_kit::fold_label;

/// The "Clasificación de usuario" options of the reset form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum UserClassification {
    /// Usuario general.
    UsuarioGeneral,
    /// Representante legal.
    RepresentanteLegal,
    /// Empleado.
    Empleado,
    /// Auxiliar.
    Auxiliar,
    /// Representante de entidad pública.
    RepresentanteEntidadPublica,
    /// Funcionario público.
    FuncionarioPublico,
    /// Auditor.
    Auditor,
    /// Perito.
    Perito,
    /// Organismo internacional.
    OrganismoInternacional,
    /// RACE.
    Race,
}

/// Which extra field the user-ID search needs for a classification; the portal
/// locks the other one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKey {
    /// The RUC of the company the user acts for.
    CompanyRuc,
    /// The personal email given in the usage request.
    PersonalEmail,
}

impl UserClassification {
    /// Every classification, in the portal's order.
    pub const ALL: [Self; 10] = [
        Self::UsuarioGeneral,
        Self::RepresentanteLegal,
        Self::Empleado,
        Self::Auxiliar,
        Self::RepresentanteEntidadPublica,
        Self::FuncionarioPublico,
        Self::Auditor,
        Self::Perito,
        Self::OrganismoInternacional,
        Self::Race,
    ];

    /// The canonical name as the portal lists it.
    pub fn label(self) -> &'static str {
        match self {
            Self::UsuarioGeneral => "Usuario general",
            Self::RepresentanteLegal => "Representante legal",
            Self::Empleado => "Empleado",
            Self::Auxiliar => "Auxiliar",
            Self::RepresentanteEntidadPublica => "Representante de entidad pública",
            Self::FuncionarioPublico => "Funcionario público",
            Self::Auditor => "Auditor",
            Self::Perito => "Perito",
            Self::OrganismoInternacional => "Organismo internacional",
            Self::Race => "RACE",
        }
    }

    /// Reads a classification regardless of case, accents and spacing; a bare
    /// "usuario" means the general user, as the portal's help text calls it.
    pub fn parse(input: &str) -> Option<Self> {
        let folded = fold_label(input);
        if folded == "usuario" {
            return Some(Self::UsuarioGeneral);
        }
        Self::ALL
            .into_iter()
            .find(|c| fold_label(c.label()) == folded)
    }

    /// The field the user-ID search asks for with this classification.
    pub fn search_key(self) -> SearchKey {
        match self {
            Self::UsuarioGeneral | Self::Auditor | Self::Perito => SearchKey::PersonalEmail,
            _ => SearchKey::CompanyRuc,
        }
    }
}

/// How the person is identified in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentificationKind {
    /// An Ecuadorian cédula (ten digits, checked).
    Cedula,
    /// A passport number (5–20 letters and digits).
    Passport,
}

/// What the caller knows about the account whose password is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordResetRequest<'a> {
    /// The user classification, free-typed.
    pub classification: &'a str,
    /// Cédula or passport number as given in the usage request.
    pub identification: &'a str,
    /// What `identification` is, when the caller says so: a passport number
    /// may be ten digits too. `None` reads ten digits as a cédula.
    pub identification_kind: Option<IdentificationKind>,
    /// Company RUC, for the classifications that need it.
    pub ruc: Option<&'a str>,
    /// Personal email, for the classifications that need it.
    pub personal_email: Option<&'a str>,
}

/// The checked request and its guide.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PasswordResetGuide {
    /// Canonical classification.
    pub classification: UserClassification,
    /// Which field the user-ID search uses.
    pub search_key: SearchKey,
    /// Cédula or passport.
    pub identification_kind: IdentificationKind,
    /// The identification without separators (passports uppercased).
    pub identification: String,
    /// The normalised company RUC, when the classification uses one.
    pub ruc: Option<String>,
    /// The personal email (trimmed), when the classification uses one.
    pub personal_email: Option<String>,
    /// Remarks that did not stop the request (such as an advisory RUC check digit).
    pub warnings: Vec<Issue>,
    /// The two-part checklist.
    pub guide: Guide,
}

/// Checks the request and builds the guide, or returns every problem found,
/// each with its field path and a message in the requested language.
pub fn password_reset_guide(
    request: &PasswordResetRequest<'_>,
    english: bool,
) -> Result<PasswordResetGuide, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();

    let classification = UserClassification::parse(request.classification);
    if classification.is_none() {
        let accepted: Vec<&str> = UserClassification::ALL.iter().map(|c| c.label()).collect();
        problems.push(FieldError::new(
            "/classification",
            if english {
                format!("\"{}\" is not a user classification of the reset form; use one of: {}.", request.classification, accepted.join(", "))
            } else {
                format!("«{}» no es una clasificación de usuario del formulario de reinicio; use una de: {}.", request.classification, accepted.join(", "))
            },
        ));
    }

    let identification = check_identification(
        request.identification,
        request.identification_kind,
        english,
        &mut problems,
    );

    let mut ruc = None;
    let mut personal_email = None;
    if let Some(classification) = classification {
        let label = classification.label();
        match classification.search_key() {
            SearchKey::CompanyRuc => {
                // The search locks the email field for these classifications,
                // but part 2 asks every user for the personal email the
                // temporary password goes to: accepted, not required.
                if let Some(email) = request.personal_email.map(str::trim) {
                    personal_email = checked_email(email, english, &mut problems);
                }
                match request.ruc {
                    None => problems.push(FieldError::new("/ruc", if english {
                        format!("\"{label}\" needs the RUC of the company the user acts for.")
                    } else {
                        format!("«{label}» necesita el RUC de la empresa a la que pertenece el usuario.")
                    })),
                    Some(raw) => {
                        let verdict = validate_ruc(raw);
                        if verdict.valid {
                            warnings.extend(verdict.warnings);
                            ruc = Some(verdict.normalized);
                        } else {
                            let reasons: Vec<&str> = verdict.errors.iter().map(|i| i.message(english)).collect();
                            let lead = pick(english, "El RUC no es válido:", "The RUC is not valid:");
                            problems.push(FieldError::new("/ruc", format!("{lead} {}", reasons.join(" "))));
                        }
                    }
                }
            }
            SearchKey::PersonalEmail => {
                if request.ruc.is_some() {
                    problems.push(FieldError::new("/ruc", if english {
                        format!("\"{label}\" finds the user ID with the personal email; the portal locks the company-RUC field for it, so leave ruc out.")
                    } else {
                        format!("«{label}» busca el ID de usuario con el correo personal; el portal bloquea el RUC de la empresa para esa clasificación, así que no envíe ruc.")
                    }));
                }
                match request.personal_email.map(str::trim) {
                    None => problems.push(FieldError::new("/personal_email", if english {
                        format!("\"{label}\" needs the personal email registered in the usage request.")
                    } else {
                        format!("«{label}» necesita el correo personal registrado en la solicitud de uso.")
                    })),
                    Some(email) => personal_email = checked_email(email, english, &mut problems),
                }
            }
        }
    }

    match (classification, identification) {
        (Some(classification), Some((identification_kind, identification)))
            if problems.is_empty() =>
        {
            let guide = build_guide(
                classification,
                identification_kind,
                &identification,
                ruc.as_deref(),
                personal_email.as_deref(),
                english,
            );
            Ok(PasswordResetGuide {
                classification,
                search_key: classification.search_key(),
                identification_kind,
                identification,
                ruc,
                personal_email,
                warnings,
                guide,
            })
        }
        _ => Err(problems),
    }
}

/// `email` when it looks like an address; otherwise a problem at
/// `/personal_email`.
fn checked_email(email: &str, english: bool, problems: &mut Vec<FieldError>) -> Option<String> {
    if looks_like_email(email) {
        return Some(email.to_owned());
    }
    problems.push(FieldError::new(
        "/personal_email",
        if english {
            format!("\"{email}\" does not look like an email address (name@domain.tld).")
        } else {
            format!("«{email}» no parece una dirección de correo (nombre@dominio.ec).")
        },
    ));
    None
}

/// A cédula when the caller says so or, unsaid, when the input is ten
/// digits; otherwise a passport number.
fn check_identification(
    raw: &str,
    kind: Option<IdentificationKind>,
    english: bool,
    problems: &mut Vec<FieldError>,
) -> Option<(IdentificationKind, String)> {
    let normalized = strip_separators(raw);
    let ten_digits = normalized.len() == 10 && normalized.bytes().all(|b| b.is_ascii_digit());
    if kind == Some(IdentificationKind::Cedula) || (kind.is_none() && ten_digits) {
        let verdict = validate_cedula(&normalized);
        if verdict.valid {
            return Some((IdentificationKind::Cedula, verdict.normalized));
        }
        let reasons: Vec<&str> = verdict.errors.iter().map(|i| i.message(english)).collect();
        let message = match (kind, english) {
            (Some(_), true) => format!("The cédula is not valid: {}", reasons.join(" ")),
            (Some(_), false) => format!("La cédula no es válida: {}", reasons.join(" ")),
            (None, true) => format!(
                "Ten digits are read as a cédula, and this one is not valid: {} If it is a passport number, give identification_kind: passport.",
                reasons.join(" ")
            ),
            (None, false) => format!(
                "Diez dígitos se leen como cédula, y esta no es válida: {} Si es un número de pasaporte, indique identification_kind: passport.",
                reasons.join(" ")
            ),
        };
        problems.push(FieldError::new("/identification", message));
        return None;
    }
    let passport = normalized.to_uppercase();
    let length = passport.chars().count();
    if (5..=20).contains(&length) && passport.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some((IdentificationKind::Passport, passport));
    }
    problems.push(FieldError::new(
        "/identification",
        pick(
            english,
            "Escriba una cédula de 10 dígitos o un número de pasaporte de 5 a 20 letras y números, tal como consta en la solicitud de uso.",
            "Write a 10-digit cédula or a passport number of 5 to 20 letters and digits, as given in the usage request.",
        ),
    ));
    None
}

fn build_guide(
    classification: UserClassification,
    identification_kind: IdentificationKind,
    identification: &str,
    ruc: Option<&str>,
    personal_email: Option<&str>,
    english: bool,
) -> Guide {
    let label = classification.label();
    let id_word = match (identification_kind, english) {
        (IdentificationKind::Cedula, false) => "cédula",
        (IdentificationKind::Cedula, true) => "cédula (ID card)",
        (IdentificationKind::Passport, false) => "pasaporte",
        (IdentificationKind::Passport, true) => "passport",
    };
    let mut steps = StepList::default();
    steps.start_part(1);
    steps.push(
        pick(english, "Abrir la solicitud de reinicio", "Open the reset request"),
        pick(
            english,
            "Entre a https://portal.aduana.gob.ec/ (o a la opción ECUAPASS del SENAE Browser) y haga clic en «REINICIAR CLAVE»: se abre la «Solicitud de reinicio de clave automática».",
            "Go to https://portal.aduana.gob.ec/ (or the ECUAPASS option of SENAE Browser) and click \"REINICIAR CLAVE\": the automatic password-reset request (\"Solicitud de reinicio de clave automática\") opens.",
        ),
    );
    steps.push(
        pick(english, "Elegir la clasificación de usuario", "Choose the user classification"),
        if english {
            format!("In the \"Búsqueda de ID de usuario\" (user-ID search) section, pick \"{label}\", the classification of the original usage request.")
        } else {
            format!("En la sección «Búsqueda de ID de usuario», elija «{label}», la misma clasificación de la solicitud de uso.")
        },
    );
    match (ruc, personal_email) {
        (Some(ruc), _) => steps.push(
            pick(english, "Escribir el RUC de la empresa", "Enter the company RUC"),
            if english {
                format!("Type the company RUC {ruc}. The email field stays locked for this classification.")
            } else {
                format!("Escriba el RUC de la empresa {ruc}. El campo de correo queda bloqueado para esta clasificación.")
            },
        ),
        (None, Some(email)) => steps.push(
            pick(english, "Escribir el correo personal", "Enter the personal email"),
            if english {
                format!("Type {email}, the personal email of the usage request. The company-RUC field stays locked for this classification.")
            } else {
                format!("Escriba {email}, el correo personal de la solicitud de uso. El campo de RUC queda bloqueado para esta clasificación.")
            },
        ),
        (None, None) => {}
    }
    steps.push(
        pick(
            english,
            "Escribir la identificación",
            "Enter the identification",
        ),
        if english {
            format!("Type the {id_word} number {identification}, exactly as it was registered.")
        } else {
            format!("Escriba el número de {id_word} {identification}, igual que en el registro.")
        },
    );
    steps.push(
        pick(english, "Buscar el ID de usuario", "Find the user ID"),
        pick(
            english,
            "Haga clic en «Buscar ID». El sistema muestra el ID de usuario (el nombre de acceso elegido en la solicitud de uso); anótelo.",
            "Click \"Buscar ID\". The system shows the user ID (the sign-in name chosen in the usage request); write it down.",
        ),
    );
    steps.start_part(2);
    let email_phrase = match (personal_email, english) {
        (Some(email), false) => {
            format!("el correo personal {email}, al que llegará la clave temporal")
        }
        (Some(email), true) => {
            format!("the personal email {email}, where the temporary password will arrive")
        }
        (None, false) => "el correo personal al que debe llegar la clave temporal".to_owned(),
        (None, true) => "the personal email where the temporary password should arrive".to_owned(),
    };
    steps.push(
        pick(english, "Llenar «Reinicio de clave de acceso»", "Fill in \"Reinicio de clave de acceso\""),
        if english {
            format!("In that section enter the user ID you just found, the {id_word} number {identification} and {email_phrase}.")
        } else {
            format!("En esa sección escriba el ID de usuario que acaba de obtener, el número de {id_word} {identification} y {email_phrase}.")
        },
    );
    steps.push(
        pick(english, "Pedir la clave por correo", "Have the password emailed"),
        pick(
            english,
            "Haga clic en «Recibir la clave por e-mail» y confirme con «Sí». Se envía una clave temporal al correo personal indicado.",
            "Click \"Recibir la clave por e-mail\" and confirm with \"Sí\" (yes). A temporary password is sent to that personal email.",
        ),
    );
    steps.push(
        pick(english, "Ingresar con la clave temporal", "Sign in with the temporary password"),
        pick(
            english,
            "Use la clave temporal para entrar a Ecuapass. Si no llega, revise la carpeta de correo no deseado.",
            "Use the temporary password to sign in to Ecuapass. If it does not arrive, check the junk-mail folder.",
        ),
    );
    Guide {
        title: if english {
            format!("Ecuapass password reset — {label}")
        } else {
            format!("Reinicio de clave en Ecuapass — {label}")
        },
        summary: pick(
            english,
            "Dos partes: primero se recupera el ID de usuario y luego se pide una clave temporal, que llega al correo personal.",
            "Two parts: first recover the user ID, then request a temporary password, which arrives at the personal email.",
        )
        .to_owned(),
        preparations: vec![if english {
            format!("Have at hand the {id_word} number and the data given in the usage request.")
        } else {
            format!("Tenga a mano el número de {id_word} y los datos que se dieron en la solicitud de uso.")
        }],
        parts: vec![
            Part { n: 1, title: pick(english, "Buscar el ID de usuario", "Find the user ID").to_owned() },
            Part { n: 2, title: pick(english, "Pedir la clave temporal", "Request the temporary password").to_owned() },
        ],
        steps: steps.into_steps(),
        notes: [
            (
                "Los campos obligatorios llevan un asterisco rojo a la izquierda del nombre; si falta alguno, la solicitud no avanza.",
                "Mandatory fields carry a red asterisk left of their name; with any of them empty the request does not go on.",
            ),
            (
                "Mantenga activo el correo personal registrado en la solicitud de uso: sirve para reiniciar la clave y para recibir avisos de la aduana sobre sus trámites.",
                "Keep the personal email of the usage request working: it is used for password resets and for customs notices about ongoing procedures.",
            ),
            (
                "Garita no guarda contraseñas: no copie la clave temporal en tareas ni notas.",
                "Garita keeps no passwords: do not paste the temporary password into tasks or notes.",
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

    fn request<'a>(
        classification: &'a str,
        identification: &'a str,
        ruc: Option<&'a str>,
        email: Option<&'a str>,
    ) -> PasswordResetRequest<'a> {
        PasswordResetRequest {
            classification,
            identification,
            identification_kind: None,
            ruc,
            personal_email: email,
        }
    }

    fn paths(problems: &[FieldError]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn classifications_map_to_their_search_key() {
        use UserClassification::*;
        for c in [
            RepresentanteLegal,
            Empleado,
            Auxiliar,
            RepresentanteEntidadPublica,
            FuncionarioPublico,
            OrganismoInternacional,
            Race,
        ] {
            assert_eq!(c.search_key(), SearchKey::CompanyRuc, "{c:?}");
        }
        for c in [UsuarioGeneral, Auditor, Perito] {
            assert_eq!(c.search_key(), SearchKey::PersonalEmail, "{c:?}");
        }
        assert_eq!(
            UserClassification::parse("FUNCIONARIO PUBLICO"),
            Some(FuncionarioPublico)
        );
        assert_eq!(
            UserClassification::parse("representante de entidad publica"),
            Some(RepresentanteEntidadPublica)
        );
        assert_eq!(UserClassification::parse("race"), Some(Race));
        assert_eq!(UserClassification::parse("Usuario"), Some(UsuarioGeneral));
    }

    #[test]
    fn employee_with_ruc_gets_two_part_checklist() {
        let guide = password_reset_guide(
            &request("empleado", "1710034065", Some("1790011674001"), None),
            false,
        )
        .unwrap();
        assert_eq!(guide.classification, UserClassification::Empleado);
        assert_eq!(guide.identification_kind, IdentificationKind::Cedula);
        assert_eq!(guide.ruc.as_deref(), Some("1790011674001"));
        assert_eq!(guide.guide.parts.len(), 2);
        assert!(guide
            .guide
            .steps
            .iter()
            .any(|s| s.part == Some(1) && s.detail.contains("1790011674001")));
        let part_two: Vec<_> = guide
            .guide
            .steps
            .iter()
            .filter(|s| s.part == Some(2))
            .collect();
        assert!(part_two
            .iter()
            .any(|s| s.detail.contains("REINICIAR") || s.detail.contains("Recibir la clave")));
        assert!(guide
            .guide
            .notes
            .iter()
            .any(|n| n.contains("asterisco rojo")));
        assert!(guide
            .guide
            .to_markdown(false)
            .contains("## Parte 2: Pedir la clave temporal"));
    }

    #[test]
    fn auditor_with_email_and_passport() {
        let guide = password_reset_guide(
            &request("Auditor", "ab 12345", None, Some(" ana@correo.ec ")),
            true,
        )
        .unwrap();
        assert_eq!(guide.identification_kind, IdentificationKind::Passport);
        assert_eq!(guide.identification, "AB12345");
        assert_eq!(guide.personal_email.as_deref(), Some("ana@correo.ec"));
        assert!(guide.guide.steps[0].title.starts_with("Open"));
    }

    #[test]
    fn missing_and_wrong_fields_are_all_reported() {
        let problems = password_reset_guide(
            &request("empleado", "1710034065", None, Some("a@b.ec")),
            false,
        )
        .unwrap_err();
        assert_eq!(paths(&problems), ["/ruc"]);
        let problems = password_reset_guide(
            &request("perito", "1710034065", Some("1790011674001"), None),
            true,
        )
        .unwrap_err();
        assert_eq!(paths(&problems), ["/ruc", "/personal_email"]);
        assert!(problems[0].message.contains("locks the company-RUC field"));
    }

    #[test]
    fn identifiers_are_validated() {
        let problems = password_reset_guide(
            &request("gerente", "1710034066", Some("1710034065000"), None),
            false,
        )
        .unwrap_err();
        assert_eq!(paths(&problems), ["/classification", "/identification"]);
        let problems = password_reset_guide(
            &request("empleado", "12", Some("1710034065000"), None),
            false,
        )
        .unwrap_err();
        assert_eq!(paths(&problems), ["/identification", "/ruc"]);
        let problems =
            password_reset_guide(&request("auditor", "1710034065", None, Some("ana@")), false)
                .unwrap_err();
        assert_eq!(paths(&problems), ["/personal_email"]);
    }

    #[test]
    fn advisory_ruc_warning_is_passed_on() {
        let guide = password_reset_guide(
            &request(
                "representante legal",
                "1710034065",
                Some("1790011675001"),
                None,
            ),
            false,
        )
        .unwrap();
        assert!(guide
            .warnings
            .iter()
            .any(|w| w.code == "ruc_check_digit_mismatch"));
    }

    #[test]
    fn identification_messages_are_in_the_reader_s_language() {
        let bad_cedula = request("Auditor", "1710034066", None, Some("ana@example.com"));
        let spanish = password_reset_guide(&bad_cedula, false).unwrap_err();
        assert!(
            spanish[0]
                .message
                .starts_with("Diez dígitos se leen como cédula"),
            "{:?}",
            spanish[0].message
        );
        let english = password_reset_guide(&bad_cedula, true).unwrap_err();
        assert!(
            english[0]
                .message
                .starts_with("Ten digits are read as a cédula"),
            "{:?}",
            english[0].message
        );
        let nonsense = request("Auditor", "a-b", None, Some("ana@example.com"));
        let spanish = password_reset_guide(&nonsense, false).unwrap_err();
        assert!(
            spanish[0].message.starts_with("Escriba una cédula"),
            "{:?}",
            spanish[0].message
        );
        let english = password_reset_guide(&nonsense, true).unwrap_err();
        assert!(
            english[0].message.starts_with("Write a 10-digit"),
            "{:?}",
            english[0].message
        );
    }

    #[test]
    fn a_ten_digit_passport_number_is_a_passport_when_the_caller_says_so() {
        let mut passport = request("Auditor", "1234567890", None, Some("ana@example.com"));
        let unsaid = password_reset_guide(&passport, false).unwrap_err();
        assert!(
            unsaid[0].message.contains("identification_kind: passport"),
            "{:?}",
            unsaid[0].message
        );
        passport.identification_kind = Some(IdentificationKind::Passport);
        let guide = password_reset_guide(&passport, false).unwrap();
        assert_eq!(guide.identification_kind, IdentificationKind::Passport);
        assert_eq!(guide.identification, "1234567890");
        let mut said_cedula = request("Auditor", "AB12345", None, Some("ana@example.com"));
        said_cedula.identification_kind = Some(IdentificationKind::Cedula);
        assert!(password_reset_guide(&said_cedula, true).unwrap_err()[0]
            .message
            .starts_with("The cédula is not valid"));
    }

    #[test]
    fn a_company_ruc_classification_takes_the_personal_email_for_part_two() {
        let guide = password_reset_guide(
            &request(
                "empleado",
                "1710034065",
                Some("1790011674001"),
                Some("ana@correo.ec"),
            ),
            false,
        )
        .unwrap();
        assert_eq!(guide.personal_email.as_deref(), Some("ana@correo.ec"));
        let markdown = guide.guide.to_markdown(false);
        let (part_one, part_two) = markdown
            .split_once("Parte 2")
            .unwrap_or_else(|| panic!("two parts in {markdown}"));
        assert!(
            part_one.contains("El campo de correo queda bloqueado"),
            "{part_one}"
        );
        assert!(part_two.contains("ana@correo.ec"), "{part_two}");
        let problems = password_reset_guide(
            &request(
                "empleado",
                "1710034065",
                Some("1790011674001"),
                Some("ana@"),
            ),
            true,
        )
        .unwrap_err();
        assert_eq!(paths(&problems), ["/personal_email"]);
    }
}
