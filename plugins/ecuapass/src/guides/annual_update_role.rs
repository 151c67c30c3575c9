//! Which annual-update user type an inventory role stands for.
//!
//! An account's role in the inventory is free text, usually copied from the
//! form the officer last dealt with: the annual update's user types
//! ("Representante", "Empleado", ...) or the password-reset form's user
//! classifications ("Representante legal", "Usuario general", ...). The
//! annual update needs one of its five user types, so a reset
//! classification is read as the type that names the same user, and only
//! where the two forms plainly do; for the rest nothing is guessed, because
//! a guess sends the holder a guide for a type the portal will not offer
//! them. Those accounts are reported as a [`RoleProblem`] with what to do.

use serde::Serialize;

use garita_portal_kit::pick;

use super::annual_update::AnnualUpdateUserType;
use super::password_reset::UserClassification;

/// How a role was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoleReading {
    /// The role is an annual-update user type itself.
    UserType(AnnualUpdateUserType),
    /// The role is a reset classification that names the same user as an
    /// annual-update user type.
    Classification {
        /// The classification the role was read as.
        classification: UserClassification,
        /// The annual-update user type it corresponds to.
        user_type: AnnualUpdateUserType,
    },
}

impl RoleReading {
    /// The user type to choose in the annual update.
    pub fn user_type(self) -> AnnualUpdateUserType {
        match self {
            Self::UserType(user_type) | Self::Classification { user_type, .. } => user_type,
        }
    }

    /// The reset classification the role was read as, if it was one.
    pub fn classification(self) -> Option<UserClassification> {
        match self {
            Self::UserType(_) => None,
            Self::Classification { classification, .. } => Some(classification),
        }
    }
}

/// Why a role gives no annual-update user type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RoleProblem {
    /// The account has no role at all.
    Missing,
    /// A reset classification with no annual-update counterpart.
    WithoutCounterpart(UserClassification),
    /// Neither a user type nor a reset classification.
    Unknown(String),
}

impl RoleProblem {
    /// A stable snake_case code to match on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "role_missing",
            Self::WithoutCounterpart(_) => "role_without_counterpart",
            Self::Unknown(_) => "role_unknown",
        }
    }

    /// What is wrong, in Spanish or English.
    pub fn message(&self, english: bool) -> String {
        match (self, english) {
            (Self::Missing, false) => "La cuenta no tiene rol en el inventario, así que no se sabe qué tipo de usuario elegir en la actualización anual.".to_owned(),
            (Self::Missing, true) => "The account has no role in the inventory, so there is no knowing which user type to choose in the annual update.".to_owned(),
            (Self::WithoutCounterpart(c), false) => format!(
                "«{}» es una clasificación del formulario de reinicio de clave, y la actualización anual no tiene un tipo de usuario que le corresponda con seguridad.",
                c.label()
            ),
            (Self::WithoutCounterpart(c), true) => format!(
                "\"{}\" is a classification of the password-reset form, and the annual update has no user type that surely corresponds to it.",
                c.label()
            ),
            (Self::Unknown(role), false) => format!(
                "«{role}» no es un tipo de usuario de la actualización anual de Ecuapass ni una clasificación del formulario de reinicio de clave."
            ),
            (Self::Unknown(role), true) => format!(
                "\"{role}\" is neither a user type of the Ecuapass annual update nor a classification of the password-reset form."
            ),
        }
    }

    /// What the officer should do about it, in Spanish or English.
    pub fn advice(&self, english: bool) -> String {
        let types = user_type_list(english);
        match (self, english) {
            (Self::WithoutCounterpart(_), false) => format!(
                "Garita no lo adivina para no enviar una guía equivocada. Pida al titular que entre a Ecuapass, abra «Soporte al cliente» > 3.2.3 «Modificar información de registro de usuario» y le diga qué tipo de usuario le muestra el portal ({types}); registre ese tipo como rol de la cuenta en el inventario."
            ),
            (Self::WithoutCounterpart(_), true) => format!(
                "Garita does not guess it, so as not to send the wrong guide. Ask the holder to sign in to Ecuapass, open \"Soporte al cliente\" > 3.2.3 \"Modificar información de registro de usuario\" and tell you which user type the portal shows ({types}); record that type as the account's role in the inventory."
            ),
            (_, false) => format!(
                "Confirme con el titular con qué tipo de usuario está registrada la cuenta en Ecuapass ({types}) y registre ese tipo como rol de la cuenta en el inventario."
            ),
            (_, true) => format!(
                "Check with the holder which user type the account is registered with in Ecuapass ({types}) and record that type as the account's role in the inventory."
            ),
        }
    }
}

/// Reads an inventory role as an annual-update user type: first as a user
/// type (case, accents and spacing do not matter), then as a reset
/// classification that corresponds to one. A blank role counts as missing.
pub fn read_role(role: Option<&str>) -> Result<RoleReading, RoleProblem> {
    let Some(role) = role.map(str::trim).filter(|r| !r.is_empty()) else {
        return Err(RoleProblem::Missing);
    };
    if let Some(user_type) = AnnualUpdateUserType::parse(role) {
        return Ok(RoleReading::UserType(user_type));
    }
    match UserClassification::parse(role) {
        Some(classification) => match user_type_for_classification(classification) {
            Some(user_type) => Ok(RoleReading::Classification {
                classification,
                user_type,
            }),
            None => Err(RoleProblem::WithoutCounterpart(classification)),
        },
        None => Err(RoleProblem::Unknown(role.to_owned())),
    }
}

/// The annual-update user type a reset classification names, when the two
/// forms plainly name the same user.
///
/// The update form offers Representante, Empleado, General, Representante
/// de la Entidad and Entidad u Organismo Internacional; the reset form's
/// classifications for those users carry the same names (the
/// representative is the operator's legal representative, whose SRI data
/// the update shows). Auxiliar, Funcionario público, Auditor, Perito and
/// RACE have no type of their own in the update form, and which of the
/// five the portal gives them is not documented, so they map to nothing.
/// No wildcard arm: a new classification must be decided here.
pub fn user_type_for_classification(
    classification: UserClassification,
) -> Option<AnnualUpdateUserType> {
    use AnnualUpdateUserType as T;
    use UserClassification as C;
    match classification {
        C::UsuarioGeneral => Some(T::General),
        C::RepresentanteLegal => Some(T::Representante),
        C::Empleado => Some(T::Empleado),
        C::RepresentanteEntidadPublica => Some(T::RepresentanteDeLaEntidad),
        C::OrganismoInternacional => Some(T::EntidadUOrganismoInternacional),
        C::Auxiliar | C::FuncionarioPublico | C::Auditor | C::Perito | C::Race => None,
    }
}

/// The five user types as a sentence: "A, B, C, D o E".
fn user_type_list(english: bool) -> String {
    let labels: Vec<&str> = AnnualUpdateUserType::ALL
        .iter()
        .map(|t| t.label())
        .collect();
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => {
            format!("{} {} {last}", rest.join(", "), pick(english, "o", "or"))
        }
        _ => labels.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use AnnualUpdateUserType as T;
    use UserClassification as C;

    #[test]
    fn every_reset_classification_is_mapped_or_refused_explicitly() {
        let expected = [
            (C::UsuarioGeneral, Some(T::General)),
            (C::RepresentanteLegal, Some(T::Representante)),
            (C::Empleado, Some(T::Empleado)),
            (C::Auxiliar, None),
            (
                C::RepresentanteEntidadPublica,
                Some(T::RepresentanteDeLaEntidad),
            ),
            (C::FuncionarioPublico, None),
            (C::Auditor, None),
            (C::Perito, None),
            (
                C::OrganismoInternacional,
                Some(T::EntidadUOrganismoInternacional),
            ),
            (C::Race, None),
        ];
        assert_eq!(
            expected.map(|(c, _)| c),
            C::ALL,
            "the table covers every classification, in the portal's order"
        );
        for (classification, user_type) in expected {
            assert_eq!(
                user_type_for_classification(classification),
                user_type,
                "{classification:?}"
            );
            let read = read_role(Some(classification.label()));
            match user_type {
                Some(user_type) => assert_eq!(read.map(RoleReading::user_type), Ok(user_type)),
                None => assert_eq!(read, Err(RoleProblem::WithoutCounterpart(classification))),
            }
        }
    }

    #[test]
    fn a_user_type_is_read_as_itself_before_any_classification() {
        for user_type in T::ALL {
            assert_eq!(
                read_role(Some(user_type.label())),
                Ok(RoleReading::UserType(user_type))
            );
        }
        // "Empleado" is on both forms: it is the user type, not a mapping.
        assert_eq!(
            read_role(Some(" EMPLEADO ")),
            Ok(RoleReading::UserType(T::Empleado))
        );
    }

    #[test]
    fn a_reset_classification_is_read_loosely_and_remembered() {
        let read = read_role(Some("REPRESENTANTE LEGAL")).unwrap();
        assert_eq!(read.user_type(), T::Representante);
        assert_eq!(read.classification(), Some(C::RepresentanteLegal));
        assert_eq!(
            read_role(Some("representante de entidad publica")).map(RoleReading::user_type),
            Ok(T::RepresentanteDeLaEntidad)
        );
        // The reset form's help calls the general user just "usuario".
        assert_eq!(
            read_role(Some("Usuario")).map(RoleReading::user_type),
            Ok(T::General)
        );
    }

    #[test]
    fn blank_and_unknown_roles_are_problems_with_codes() {
        for blank in [None, Some(""), Some("   ")] {
            assert_eq!(read_role(blank), Err(RoleProblem::Missing));
        }
        let unknown = read_role(Some(" Gerente ")).unwrap_err();
        assert_eq!(unknown, RoleProblem::Unknown("Gerente".to_owned()));
        assert_eq!(unknown.code(), "role_unknown");
        assert_eq!(RoleProblem::Missing.code(), "role_missing");
        assert_eq!(
            RoleProblem::WithoutCounterpart(C::Race).code(),
            "role_without_counterpart"
        );
    }

    #[test]
    fn problems_say_what_is_wrong_and_what_to_do_in_both_languages() {
        let problems = [
            RoleProblem::Missing,
            RoleProblem::WithoutCounterpart(C::Perito),
            RoleProblem::Unknown("Gerente".to_owned()),
        ];
        for problem in &problems {
            let advice_es = problem.advice(false);
            let advice_en = problem.advice(true);
            assert!(
                advice_es.contains("rol de la cuenta en el inventario"),
                "{advice_es}"
            );
            assert!(advice_en.contains("role in the inventory"), "{advice_en}");
            for advice in [&advice_es, &advice_en] {
                assert!(
                    advice.contains("Representante de la Entidad"),
                    "the advice lists the user types: {advice}"
                );
            }
            assert_ne!(problem.message(false), problem.message(true));
        }
        assert!(problems[1].message(false).contains("«Perito»"));
        assert!(problems[1].advice(false).contains("3.2.3"));
        assert!(problems[2].message(true).contains("\"Gerente\""));
        assert!(user_type_list(false).ends_with(" o Entidad u Organismo Internacional"));
        assert!(user_type_list(true).ends_with(" or Entidad u Organismo Internacional"));
    }
}
