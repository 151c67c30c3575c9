//! [`EcuapassConnector`]: the `garita_sdk::Connector` implementation.

use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};
use serde_json::Value;

use crate::actions;

/// The `ecuapass` connector. It has no state and no side effects: every action
/// is a pure function of its input and the context's locale and clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct EcuapassConnector;

impl Connector for EcuapassConnector {
    fn manifest(&self) -> Manifest {
        actions::specs().into_iter().fold(
            Manifest::new(
                "ecuapass",
                env!("CARGO_PKG_VERSION"),
                "Ecuador's Ecuapass (SENAE): cédula and RUC validation, January update and password-reset guidance.",
            ),
            Manifest::action,
        )
    }

    fn invoke(
        &self,
        ctx: &InvokeContext,
        action: &str,
        input: Value,
    ) -> Result<Value, ActionError> {
        actions::invoke(ctx, action, &input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(locale: &str) -> InvokeContext {
        let mut ctx = InvokeContext::for_test();
        ctx.locale = locale.into();
        ctx.now = chrono::DateTime::parse_from_rfc3339("2026-01-15T10:00:00-05:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        ctx
    }

    fn invalid_paths(error: ActionError) -> Vec<String> {
        match error {
            ActionError::InvalidInput { fields, .. } => {
                fields.into_iter().map(|f| f.path).collect()
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn manifest_lists_pure_actions_with_schemas() {
        let manifest = EcuapassConnector.manifest();
        assert_eq!(manifest.name, "ecuapass");
        let names: Vec<&str> = manifest.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "validate_cedula",
                "validate_ruc",
                "annual_update_guide",
                "annual_update_user_type",
                "password_reset_guide"
            ]
        );
        for action in &manifest.actions {
            assert!(!action.side_effects, "{}", action.name);
            assert_eq!(action.input_schema["type"], "object", "{}", action.name);
            assert_eq!(
                action.input_schema["additionalProperties"], false,
                "{}",
                action.name
            );
            assert_eq!(action.output_schema["type"], "object", "{}", action.name);
            let required = action.output_schema["required"].as_array().unwrap();
            for field in required {
                let field = field.as_str().unwrap();
                assert!(
                    action.output_schema["properties"].get(field).is_some(),
                    "{}: {field}",
                    action.name
                );
            }
        }
    }

    #[test]
    fn outputs_carry_every_declared_property_and_nothing_else() {
        let calls = [
            ("validate_cedula", json!({"cedula": "1710034065"})),
            ("validate_ruc", json!({"ruc": "1790011675001"})),
            (
                "annual_update_guide",
                json!({"user_type": "representante", "year": 2026}),
            ),
            (
                "annual_update_user_type",
                json!({"role": "Representante legal"}),
            ),
            ("annual_update_user_type", json!({"role": "Gerente"})),
            (
                "password_reset_guide",
                json!({"classification": "auditor", "identification": "1710034065", "personal_email": "a@b.ec"}),
            ),
        ];
        let manifest = EcuapassConnector.manifest();
        for (action, input) in calls {
            let out = EcuapassConnector.invoke(&ctx("es"), action, input).unwrap();
            let spec = manifest.find(action).unwrap();
            let declared = spec.output_schema["properties"].as_object().unwrap();
            let produced = out.as_object().unwrap();
            for key in produced.keys() {
                assert!(declared.contains_key(key), "{action}: undeclared {key}");
            }
            for key in spec.output_schema["required"].as_array().unwrap() {
                assert!(
                    produced.contains_key(key.as_str().unwrap()),
                    "{action}: missing {key}"
                );
            }
        }
    }

    #[test]
    fn validation_messages_follow_the_locale() {
        let es = EcuapassConnector
            .invoke(&ctx("es"), "validate_ruc", json!({"ruc": "1710034066001"}))
            .unwrap();
        assert_eq!(es["valid"], false);
        assert_eq!(es["kind"], "natural_person");
        assert_eq!(es["errors"][0]["code"], "ruc_check_digit_mismatch");
        assert_eq!(es["errors"][0]["message"], es["errors"][0]["message_es"]);
        let en = EcuapassConnector
            .invoke(&ctx("en"), "validate_ruc", json!({"ruc": "1710034066001"}))
            .unwrap();
        assert_eq!(en["errors"][0]["message"], en["errors"][0]["message_en"]);
    }

    #[test]
    fn company_check_digit_mismatch_stays_valid_with_warning() {
        let out = EcuapassConnector
            .invoke(&ctx("es"), "validate_ruc", json!({"ruc": "1790011675001"}))
            .unwrap();
        assert_eq!(out["valid"], true);
        assert_eq!(out["warnings"][0]["code"], "ruc_check_digit_mismatch");
    }

    #[test]
    fn annual_update_guide_gives_deadline_and_canonical_type() {
        let out = EcuapassConnector
            .invoke(
                &ctx("en"),
                "annual_update_guide",
                json!({"user_type": "ENTIDAD U ORGANISMO INTERNACIONAL", "year": 2027}),
            )
            .unwrap();
        assert_eq!(out["user_type"], "Entidad u Organismo Internacional");
        assert_eq!(out["deadline"], "2027-01-31T23:59:59-05:00");
        assert_eq!(out["window_status"], "not_yet_open");
        assert_eq!(out["legal_basis"]["resolution"], "SENAE-DGN-2016-0364-RE");
        assert_eq!(out["locale"], "en");
        assert!(out["markdown"]
            .as_str()
            .unwrap()
            .contains("1. **Sign in to Ecuapass**"));
    }

    #[test]
    fn annual_update_guide_reads_a_corresponding_reset_classification() {
        let out = EcuapassConnector
            .invoke(
                &ctx("es"),
                "annual_update_guide",
                json!({"user_type": "Representante legal", "year": 2026}),
            )
            .unwrap();
        assert_eq!(out["user_type"], "Representante");
        let err = EcuapassConnector
            .invoke(
                &ctx("es"),
                "annual_update_guide",
                json!({"user_type": "Perito", "year": 2026}),
            )
            .unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected invalid input, got {err:?}");
        };
        assert_eq!(fields[0].path, "/user_type");
        assert!(
            fields[0].message.contains("«Perito»") && fields[0].message.contains("3.2.3"),
            "{}",
            fields[0].message
        );
    }

    #[test]
    fn annual_update_year_defaults_to_now_in_ecuador() {
        let out = EcuapassConnector
            .invoke(
                &ctx("es"),
                "annual_update_guide",
                json!({"user_type": "General"}),
            )
            .unwrap();
        assert_eq!(out["year"], 2026);
        assert_eq!(out["window_status"], "open");
    }

    #[test]
    fn annual_update_rejects_bad_input_with_paths() {
        let err = EcuapassConnector
            .invoke(
                &ctx("es"),
                "annual_update_guide",
                json!({"user_type": "jefe", "year": 1999, "x": 1}),
            )
            .unwrap_err();
        assert_eq!(invalid_paths(err), ["/x", "/user_type", "/year"]);
    }

    #[test]
    fn password_reset_rejects_missing_and_wrong_fields() {
        let err = EcuapassConnector
            .invoke(&ctx("en"), "password_reset_guide", json!({"classification": "Empleado", "identification": "1710034065", "personal_email": "a@b.ec"}))
            .unwrap_err();
        assert_eq!(invalid_paths(err), ["/ruc"]);
        let err = EcuapassConnector
            .invoke(&ctx("en"), "password_reset_guide", json!({}))
            .unwrap_err();
        assert_eq!(invalid_paths(err), ["/classification", "/identification"]);
    }

    #[test]
    fn password_reset_returns_two_parts() {
        let out = EcuapassConnector
            .invoke(&ctx("es"), "password_reset_guide", json!({"classification": "RACE", "identification": "1710034065", "ruc": "1790011674001"}))
            .unwrap();
        assert_eq!(out["search_key"], "company_ruc");
        assert_eq!(out["parts"].as_array().unwrap().len(), 2);
        assert_eq!(out["personal_email"], Value::Null);
    }

    #[test]
    fn unknown_action_is_permanent() {
        let err = EcuapassConnector
            .invoke(&ctx("es"), "nope", json!({}))
            .unwrap_err();
        assert!(matches!(err, ActionError::Permanent { .. }));
    }

    #[test]
    fn missing_field_is_invalid_input() {
        let err = EcuapassConnector
            .invoke(&ctx("es"), "validate_cedula", json!({"cedula": 17}))
            .unwrap_err();
        assert_eq!(invalid_paths(err), ["/cedula"]);
    }
}
