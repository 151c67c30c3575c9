//! Checking an Acceso Único registration form before it is sent, reporting
//! every problem at once.

use std::collections::BTreeMap;

use crate::guides::registration::{registration_guide, required_documents, RequiredDocument};
use crate::guides::Guide;
use crate::problem::Problem;
use crate::user_type::AnamUserType;
use crate::validation::{IdentifierKind, Issue, Validation};
use crate::{validate_curp, validate_email, validate_postal_code, validate_rfc};

/// The registration form's fields as typed (absent or blank fields are `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistrationForm<'a> {
    /// "Tipo de usuario".
    pub user_type: Option<&'a str>,
    /// "¿Es extranjero?": a foreigner gives TAX ID and passport instead of CURP and RFC.
    pub foreigner: bool,
    /// CURP (required unless foreigner).
    pub curp: Option<&'a str>,
    /// RFC (required unless foreigner).
    pub rfc: Option<&'a str>,
    /// Foreign tax identifier (required for foreigners).
    pub tax_id: Option<&'a str>,
    /// Passport number (required for foreigners).
    pub passport: Option<&'a str>,
    /// Given name(s).
    pub name: Option<&'a str>,
    /// First surname.
    pub first_surname: Option<&'a str>,
    /// Second surname (optional: not everyone has one).
    pub second_surname: Option<&'a str>,
    /// Email address.
    pub email: Option<&'a str>,
    /// State.
    pub state: Option<&'a str>,
    /// Locality.
    pub locality: Option<&'a str>,
    /// Neighbourhood (colonia).
    pub colonia: Option<&'a str>,
    /// Postal code.
    pub postal_code: Option<&'a str>,
    /// Exterior (street) number.
    pub exterior_number: Option<&'a str>,
    /// Street.
    pub street: Option<&'a str>,
}

/// The verdict on a registration form, with what to prepare next.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationCheck {
    /// True when there are no problems.
    pub ok: bool,
    /// Everything that must be fixed before registering, in form order.
    pub problems: Vec<Problem>,
    /// Remarks worth a look that do not block the registration.
    pub warnings: Vec<Problem>,
    /// The canonical user type, when recognised.
    pub user_type: Option<AnamUserType>,
    /// Normalised forms of the identifiers that passed validation, by field name.
    pub normalized: BTreeMap<&'static str, String>,
    /// Documents to prepare.
    pub documents: Vec<RequiredDocument>,
    /// The remaining procedure.
    pub guide: Guide,
}

/// Checks `form` and returns every problem found, plus documents and next steps.
pub fn check_registration(form: &RegistrationForm<'_>, english: bool) -> RegistrationCheck {
    let mut check = Checker {
        problems: Vec::new(),
        warnings: Vec::new(),
        normalized: BTreeMap::new(),
    };

    let user_type = check.user_type(form.user_type);
    if user_type == Some(AnamUserType::AgenteAduanal) && form.foreigner {
        // The Ley Aduanera asks a customs agent to be Mexican by birth, so
        // the two answers contradict each other: one of them is a slip.
        check.problems.push(Problem::new(
            "/foreigner".to_owned(),
            Issue::new(
                "agente_aduanal_foreigner",
                "Un agente aduanal es de nacionalidad mexicana por ley, así que no se registra como extranjero: revise el tipo de usuario o la respuesta «¿Es extranjero?».",
                "A customs agent (Agente Aduanal) is Mexican by law, so the registration cannot be a foreigner's: check the user type or the answer to \"¿Es extranjero?\".",
            ),
        ));
    }
    let curp = check.identifier("curp", form.curp, !form.foreigner, validate_curp);
    let rfc = check.identifier("rfc", form.rfc, !form.foreigner, validate_rfc);
    if let (Some(curp), Some(rfc)) = (&curp, &rfc) {
        check.cross_check_rfc_and_curp(curp, rfc);
    }
    check.foreign_document("tax_id", form.tax_id, form.foreigner);
    check.foreign_document("passport", form.passport, form.foreigner);
    check.required_text("name", form.name);
    check.required_text("first_surname", form.first_surname);
    let email = check.identifier("email", form.email, true, validate_email);
    check.required_text("state", form.state);
    check.required_text("locality", form.locality);
    check.required_text("colonia", form.colonia);
    check.identifier("postal_code", form.postal_code, true, validate_postal_code);
    check.required_text("exterior_number", form.exterior_number);
    check.required_text("street", form.street);

    let email = email.map(|v| v.normalized);
    RegistrationCheck {
        ok: check.problems.is_empty(),
        problems: check.problems,
        warnings: check.warnings,
        user_type,
        normalized: check.normalized,
        documents: required_documents(form.foreigner, english),
        guide: registration_guide(form.foreigner, email.as_deref(), english),
    }
}

/// Accumulates problems and warnings while the fields are checked.
struct Checker {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    normalized: BTreeMap<&'static str, String>,
}

impl Checker {
    fn required(&mut self, field: &str) {
        self.problems.push(Problem::new(
            format!("/{field}"),
            Issue::new(
                "required",
                "Este campo es obligatorio.",
                "This field is required.",
            ),
        ));
    }

    fn required_text(&mut self, field: &str, value: Option<&str>) {
        match value {
            Some(text) if !text.trim().is_empty() => {}
            _ => self.required(field),
        }
    }

    fn user_type(&mut self, value: Option<&str>) -> Option<AnamUserType> {
        let Some(raw) = value else {
            self.required("user_type");
            return None;
        };
        let parsed = AnamUserType::parse(raw);
        if parsed.is_none() {
            let accepted: Vec<&str> = AnamUserType::ALL.iter().map(|t| t.label()).collect();
            self.problems.push(Problem::new(
                "/user_type",
                Issue::new(
                    "unknown_user_type",
                    format!(
                        "«{raw}» no es un tipo de usuario del registro; elija uno de: {}.",
                        accepted.join(", ")
                    ),
                    format!(
                        "\"{raw}\" is not a registration user type; choose one of: {}.",
                        accepted.join(", ")
                    ),
                ),
            ));
        }
        parsed
    }

    /// Validates an identifier field; a missing one is a problem only when `required`.
    fn identifier(
        &mut self,
        field: &'static str,
        value: Option<&str>,
        required: bool,
        validate: fn(&str) -> Validation,
    ) -> Option<Validation> {
        let Some(raw) = value else {
            if required {
                self.required(field);
            }
            return None;
        };
        let verdict = validate(raw);
        let path = format!("/{field}");
        self.problems.extend(
            verdict
                .errors
                .iter()
                .cloned()
                .map(|issue| Problem::new(path.clone(), issue)),
        );
        self.warnings.extend(
            verdict
                .warnings
                .iter()
                .cloned()
                .map(|issue| Problem::new(path.clone(), issue)),
        );
        if verdict.valid {
            self.normalized.insert(field, verdict.normalized.clone());
            Some(verdict)
        } else {
            None
        }
    }

    /// A person's RFC and CURP are both built from the name and birth date, so
    /// their first ten characters normally agree; when they do not, one of the
    /// two was probably mistyped. The authorities' different substitutions for
    /// inconvenient words can make them differ legitimately, hence a warning.
    fn cross_check_rfc_and_curp(&mut self, curp: &Validation, rfc: &Validation) {
        if rfc.kind != Some(IdentifierKind::Person) {
            self.warnings.push(Problem::new(
                "/rfc",
                Issue::new(
                    "rfc_not_personal",
                    "El registro es personal: se espera el RFC de 13 caracteres de la persona, no uno de empresa ni genérico.",
                    "The registration is personal: a person's 13-character RFC is expected, not a company's or a generic one.",
                ),
            ));
            return;
        }
        let curp_head: String = curp.normalized.chars().take(10).collect();
        let rfc_head: String = rfc.normalized.chars().take(10).collect();
        if curp_head != rfc_head {
            self.warnings.push(Problem::new(
                "/rfc",
                Issue::new(
                    "rfc_curp_mismatch",
                    format!("El RFC empieza con {rfc_head} y la CURP con {curp_head}; de una misma persona suelen coincidir. Revise ambos."),
                    format!("The RFC starts with {rfc_head} and the CURP with {curp_head}; for the same person they normally agree. Check both."),
                ),
            ));
        }
    }

    /// TAX ID and passport: required for foreigners, not used otherwise.
    fn foreign_document(&mut self, field: &'static str, value: Option<&str>, foreigner: bool) {
        match (value, foreigner) {
            (None, true) => {
                let (code, es, en) = match field {
                    "tax_id" => (
                        "foreigner_tax_id_required",
                        "Una persona extranjera debe indicar su TAX ID (identificación fiscal de su país).",
                        "A foreigner must give their TAX ID (their country's tax identifier).",
                    ),
                    _ => (
                        "foreigner_passport_required",
                        "Una persona extranjera debe indicar su número de pasaporte.",
                        "A foreigner must give their passport number.",
                    ),
                };
                self.problems
                    .push(Problem::new(format!("/{field}"), Issue::new(code, es, en)));
            }
            (Some(raw), true) => {
                let cleaned: String = raw
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
                    .collect::<String>()
                    .to_uppercase();
                let length = cleaned.chars().count();
                let fits = cleaned.chars().all(|c| c.is_ascii_alphanumeric())
                    && if field == "passport" {
                        (5..=20).contains(&length)
                    } else {
                        (3..=30).contains(&length)
                    };
                if fits {
                    self.normalized.insert(field, cleaned);
                } else {
                    let (code, es, en) = match field {
                        "tax_id" => (
                            "tax_id_bad_format",
                            "El TAX ID lleva de 3 a 30 letras y dígitos (se ignoran espacios, guiones y puntos).",
                            "The TAX ID has 3 to 30 letters and digits (spaces, dashes and dots are ignored).",
                        ),
                        _ => (
                            "passport_bad_format",
                            "El número de pasaporte lleva de 5 a 20 letras y dígitos.",
                            "A passport number has 5 to 20 letters and digits.",
                        ),
                    };
                    self.problems
                        .push(Problem::new(format!("/{field}"), Issue::new(code, es, en)));
                }
            }
            (Some(_), false) => self.warnings.push(Problem::new(
                format!("/{field}"),
                Issue::new(
                    "field_not_used",
                    "Este dato solo se pide a personas extranjeras; con CURP y RFC no hace falta.",
                    "This is only asked of foreigners; with CURP and RFC it is not needed.",
                ),
            )),
            (None, false) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete_form() -> RegistrationForm<'static> {
        RegistrationForm {
            user_type: Some("Agente Aduanal"),
            foreigner: false,
            curp: Some("AAOD850103HGRBCN02"),
            rfc: Some("AAOD850103ABA"),
            tax_id: None,
            passport: None,
            name: Some("Daniel"),
            first_surname: Some("Abarca"),
            second_surname: Some("Ocampo"),
            email: Some("daniel@agencia.mx"),
            state: Some("Guerrero"),
            locality: Some("Chilpancingo"),
            colonia: Some("Centro"),
            postal_code: Some("39000"),
            exterior_number: Some("12"),
            street: Some("Juárez"),
        }
    }

    fn codes(problems: &[Problem]) -> Vec<(&str, &str)> {
        problems
            .iter()
            .map(|p| (p.path.as_str(), p.issue.code))
            .collect()
    }

    #[test]
    fn complete_form_is_ok() {
        let check = check_registration(&complete_form(), false);
        assert!(check.ok, "{:?}", check.problems);
        assert_eq!(check.user_type, Some(AnamUserType::AgenteAduanal));
        assert_eq!(
            check.normalized.get("curp").map(String::as_str),
            Some("AAOD850103HGRBCN02")
        );
        assert_eq!(check.documents.len(), 2);
    }

    #[test]
    fn four_problems_are_all_reported() {
        let form = RegistrationForm {
            user_type: Some("Aduanero"),
            curp: Some("AAOD850103HGRBCN03"),
            email: None,
            postal_code: Some("123"),
            ..complete_form()
        };
        let check = check_registration(&form, false);
        assert!(!check.ok);
        assert_eq!(
            codes(&check.problems),
            [
                ("/user_type", "unknown_user_type"),
                ("/curp", "curp_check_digit_mismatch"),
                ("/email", "required"),
                ("/postal_code", "postal_code_bad_length"),
            ]
        );
    }

    #[test]
    fn foreigner_needs_tax_id_and_passport_not_curp_or_rfc() {
        let form = RegistrationForm {
            user_type: Some("Mandatario"),
            foreigner: true,
            curp: None,
            rfc: None,
            ..complete_form()
        };
        let check = check_registration(&form, true);
        assert_eq!(
            codes(&check.problems),
            [
                ("/tax_id", "foreigner_tax_id_required"),
                ("/passport", "foreigner_passport_required")
            ]
        );
        assert!(check.problems[0].issue.message(true).contains("TAX ID"));
        assert_eq!(check.documents[0].options.len(), 1);

        let form = RegistrationForm {
            tax_id: Some("123-45-6789"),
            passport: Some("X1234567"),
            ..form
        };
        let check = check_registration(&form, true);
        assert!(check.ok, "{:?}", check.problems);
        assert_eq!(
            check.normalized.get("tax_id").map(String::as_str),
            Some("123456789")
        );
    }

    #[test]
    fn national_missing_everything_lists_every_required_field() {
        let check = check_registration(&RegistrationForm::default(), false);
        let paths: Vec<&str> = check.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/user_type",
                "/curp",
                "/rfc",
                "/name",
                "/first_surname",
                "/email",
                "/state",
                "/locality",
                "/colonia",
                "/postal_code",
                "/exterior_number",
                "/street"
            ]
        );
        assert!(check.problems.iter().all(|p| p.issue.code == "required"));
    }

    #[test]
    fn warnings_do_not_block() {
        let form = RegistrationForm {
            rfc: Some("GODE561231GR8"),
            passport: Some("X1234567"),
            ..complete_form()
        };
        let check = check_registration(&form, false);
        assert!(check.ok);
        assert_eq!(
            codes(&check.warnings),
            [
                ("/rfc", "rfc_curp_mismatch"),
                ("/passport", "field_not_used")
            ]
        );
    }

    #[test]
    fn an_agente_aduanal_cannot_be_registered_as_a_foreigner() {
        let form = RegistrationForm {
            foreigner: true,
            curp: None,
            rfc: None,
            tax_id: Some("123-45-6789"),
            passport: Some("X1234567"),
            ..complete_form()
        };
        let check = check_registration(&form, false);
        assert!(!check.ok);
        assert_eq!(
            codes(&check.problems),
            [("/foreigner", "agente_aduanal_foreigner")]
        );
        assert!(check.problems[0]
            .issue
            .message(false)
            .contains("agente aduanal"));
    }
}
