//! `annual_update_user_type`: an inventory role read as an annual-update
//! user type, or the problem that keeps the account out of the campaign.
//!
//! A role nobody can read is an answer here, not an invalid input: a
//! campaign asks this for every account and must go on with the others,
//! telling the officer about each one it leaves out.

use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde_json::{json, Value};

use super::input::InputReader;
use crate::guides::annual_update::AnnualUpdateUserType;
use crate::guides::annual_update_role::read_role;
use crate::guides::password_reset::UserClassification;

pub(super) const ACTION: &str = "annual_update_user_type";

pub(super) fn spec() -> ActionSpec {
    let user_types: Vec<&str> = AnnualUpdateUserType::ALL
        .iter()
        .map(|t| t.label())
        .collect();
    let classifications: Vec<&str> = UserClassification::ALL.iter().map(|c| c.label()).collect();
    ActionSpec::new(
        ACTION,
        "Reads an account's role as the user type to choose in the January update: a user type itself or a password-reset classification that corresponds to one; otherwise says what is wrong and what to do, without failing.",
    )
    .input_schema(json!({
        "type": "object",
        "properties": {
            "role": {
                "type": ["string", "null"],
                "description": "The account's role as the inventory has it; absent, null or blank is reported as a missing role."
            }
        },
        "additionalProperties": false
    }))
    .output_schema(json!({
        "type": "object",
        "required": ["role", "user_type", "classification", "problem"],
        "properties": {
            "role": {"type": ["string", "null"], "description": "The role as given, trimmed; null when there was none."},
            "user_type": {
                "enum": user_types.iter().map(|t| json!(t)).chain([Value::Null]).collect::<Vec<_>>(),
                "description": "The annual-update user type; null when the role gives none (see problem)."
            },
            "classification": {
                "enum": classifications.iter().map(|c| json!(c)).chain([Value::Null]).collect::<Vec<_>>(),
                "description": "The password-reset classification the role was read as, when it was one."
            },
            "problem": {
                "type": ["object", "null"],
                "required": ["code", "message", "advice"],
                "properties": {
                    "code": {"enum": ["role_missing", "role_without_counterpart", "role_unknown"]},
                    "message": {"type": "string", "description": "What is wrong, in the context's locale."},
                    "advice": {"type": "string", "description": "What the officer should do, in the context's locale."}
                },
                "additionalProperties": false
            }
        },
        "additionalProperties": false
    }))
}

pub(super) fn invoke(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let english = ctx.is_english();
    let mut reader = InputReader::new(input, &["role"], english)?;
    let role = reader.optional_str("role").map(str::trim);
    reader.finish()?;
    let answer = match read_role(role) {
        Ok(reading) => json!({
            "role": role,
            "user_type": reading.user_type().label(),
            "classification": reading.classification().map(UserClassification::label),
            "problem": null,
        }),
        Err(problem) => json!({
            "role": role,
            "user_type": null,
            "classification": null,
            "problem": {
                "code": problem.code(),
                "message": problem.message(english),
                "advice": problem.advice(english),
            },
        }),
    };
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(locale: &str, input: Value) -> Value {
        let mut ctx = InvokeContext::for_test();
        ctx.locale = locale.into();
        invoke(&ctx, &input).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_reset_classification_answers_with_its_user_type() {
        let out = call("es", json!({"role": " Representante legal "}));
        assert_eq!(
            out,
            json!({
                "role": "Representante legal",
                "user_type": "Representante",
                "classification": "Representante legal",
                "problem": null
            })
        );
    }

    #[test]
    fn an_unreadable_role_is_an_answer_not_an_error() {
        let out = call("es", json!({"role": "Perito"}));
        assert_eq!(out["user_type"], Value::Null);
        assert_eq!(out["problem"]["code"], "role_without_counterpart");
        assert!(out["problem"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("«Perito»")));
        let out = call("en", json!({"role": null}));
        assert_eq!(out["role"], Value::Null);
        assert_eq!(out["problem"]["code"], "role_missing");
        assert!(out["problem"]["advice"]
            .as_str()
            .is_some_and(|a| a.starts_with("Check with the holder")));
        assert_eq!(call("es", json!({}))["problem"]["code"], "role_missing");
    }

    #[test]
    fn a_role_of_the_wrong_type_is_still_invalid_input() {
        let mut ctx = InvokeContext::for_test();
        ctx.locale = "es".into();
        assert!(matches!(
            invoke(&ctx, &json!({"role": 7})),
            Err(ActionError::InvalidInput { .. })
        ));
    }
}
