//! [`AnamConnector`]: the `garita_sdk::Connector` implementation.

use garita_sdk::{ActionError, Connector, InvokeContext, Manifest};
use serde_json::Value;

use crate::actions;

/// The `anam` connector. It has no state and no side effects: every action is
/// a pure function of its input and the context's locale.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnamConnector;

impl Connector for AnamConnector {
    fn manifest(&self) -> Manifest {
        actions::specs().into_iter().fold(
            Manifest::new(
                "anam",
                env!("CARGO_PKG_VERSION"),
                "Mexico's ANAM Acceso Único: RFC, CURP, postal code and email validation, registration check and password-recovery guidance.",
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
        ctx
    }

    fn form() -> Value {
        json!({
            "user_type": "agente aduanal",
            "foreigner": false,
            "curp": "AAOD850103HGRBCN02",
            "rfc": "AAOD850103ABA",
            "name": "Daniel",
            "first_surname": "Abarca",
            "second_surname": "Ocampo",
            "email": "daniel@agencia.mx",
            "state": "Guerrero",
            "locality": "Chilpancingo",
            "colonia": "Centro",
            "postal_code": "39000",
            "exterior_number": "12",
            "street": "Juárez"
        })
    }

    #[test]
    fn manifest_lists_pure_actions_with_schemas() {
        let manifest = AnamConnector.manifest();
        assert_eq!(manifest.name, "anam");
        let names: Vec<&str> = manifest.actions.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "validate_rfc",
                "validate_curp",
                "validate_postal_code",
                "validate_email",
                "registration_check",
                "password_recovery_guide"
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
            let properties = action.output_schema["properties"].as_object().unwrap();
            for field in action.output_schema["required"].as_array().unwrap() {
                assert!(
                    properties.contains_key(field.as_str().unwrap()),
                    "{}: {field}",
                    action.name
                );
            }
        }
        assert_eq!(
            manifest.find("validate_rfc").unwrap().input_schema["required"],
            json!(["rfc"])
        );
    }

    #[test]
    fn outputs_carry_every_declared_property_and_nothing_else() {
        let calls = [
            ("validate_rfc", json!({"rfc": "GODE561231GR9"})),
            ("validate_curp", json!({"curp": "AAOD850103HGRBCN02"})),
            ("validate_postal_code", json!({"postal_code": "06600"})),
            ("validate_email", json!({"email": "a@b.mx"})),
            ("registration_check", form()),
            ("password_recovery_guide", json!({"username": "dabarca"})),
        ];
        let manifest = AnamConnector.manifest();
        for (action, input) in calls {
            let out = AnamConnector.invoke(&ctx("es"), action, input).unwrap();
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
    fn rfc_warning_keeps_it_valid_and_messages_follow_locale() {
        let out = AnamConnector
            .invoke(&ctx("en"), "validate_rfc", json!({"rfc": "gode561231gr9"}))
            .unwrap();
        assert_eq!(out["valid"], true);
        assert_eq!(out["normalized"], "GODE561231GR9");
        assert_eq!(out["kind"], "person");
        assert_eq!(out["warnings"][0]["code"], "rfc_check_digit_mismatch");
        assert_eq!(
            out["warnings"][0]["message"],
            out["warnings"][0]["message_en"]
        );
    }

    #[test]
    fn generic_rfcs_are_recognised() {
        let out = AnamConnector
            .invoke(&ctx("es"), "validate_rfc", json!({"rfc": "XEXX010101000"}))
            .unwrap();
        assert_eq!(out["valid"], true);
        assert_eq!(out["kind"], "generic_foreign");
    }

    #[test]
    fn registration_check_reports_four_problems_as_output() {
        let mut input = form();
        input["user_type"] = json!("Aduanero");
        input["curp"] = json!("AAOD850103HGRBCN03");
        input.as_object_mut().unwrap().remove("email");
        input["postal_code"] = json!("123");
        let out = AnamConnector
            .invoke(&ctx("es"), "registration_check", input)
            .unwrap();
        assert_eq!(out["ok"], false);
        let problems: Vec<(&str, &str)> = out["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["path"].as_str().unwrap(), p["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            problems,
            [
                ("/user_type", "unknown_user_type"),
                ("/curp", "curp_check_digit_mismatch"),
                ("/email", "required"),
                ("/postal_code", "postal_code_bad_length"),
            ]
        );
        assert!(out["markdown"]
            .as_str()
            .unwrap()
            .starts_with("## Corrija antes de registrarse"));
    }

    #[test]
    fn registration_check_ok_form_returns_documents_and_steps() {
        let out = AnamConnector
            .invoke(&ctx("en"), "registration_check", form())
            .unwrap();
        assert_eq!(out["ok"], true, "{}", out["problems"]);
        assert_eq!(out["user_type"], "Agente Aduanal");
        assert_eq!(out["documents"][0]["code"], "official_id");
        assert_eq!(out["documents"][1]["code"], "responsiva");
        assert_eq!(out["normalized"]["curp"], "AAOD850103HGRBCN02");
        assert!(out["steps"].as_array().unwrap().len() >= 4);
        assert!(out["markdown"].as_str().unwrap().contains("## Documents"));
    }

    #[test]
    fn registration_check_refuses_schema_violations() {
        let mut input = form();
        input["foreigner"] = json!("no");
        input["email"] = json!(42);
        input["extra"] = json!(true);
        let err = AnamConnector
            .invoke(&ctx("es"), "registration_check", input)
            .unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected invalid input")
        };
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/extra", "/foreigner", "/email"]);
    }

    #[test]
    fn registration_check_needs_an_object() {
        let err = AnamConnector
            .invoke(&ctx("es"), "registration_check", json!("x"))
            .unwrap_err();
        assert!(matches!(err, ActionError::InvalidInput { .. }));
    }

    #[test]
    fn password_recovery_guide_uses_username() {
        let out = AnamConnector
            .invoke(
                &ctx("es"),
                "password_recovery_guide",
                json!({"username": " dabarca "}),
            )
            .unwrap();
        assert_eq!(out["username"], "dabarca");
        assert!(out["steps"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("dabarca"));
        let out = AnamConnector
            .invoke(&ctx("en"), "password_recovery_guide", json!({}))
            .unwrap();
        assert_eq!(out["username"], Value::Null);
        assert_eq!(out["locale"], "en");
    }

    #[test]
    fn missing_validator_field_is_invalid_input() {
        let err = AnamConnector
            .invoke(&ctx("es"), "validate_curp", json!({"rfc": "x"}))
            .unwrap_err();
        let ActionError::InvalidInput { fields, .. } = err else {
            panic!("expected invalid input")
        };
        let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/rfc", "/curp"]);
    }

    #[test]
    fn unknown_action_is_permanent() {
        let err = AnamConnector
            .invoke(&ctx("es"), "nope", json!({}))
            .unwrap_err();
        assert!(matches!(err, ActionError::Permanent { .. }));
    }
}
