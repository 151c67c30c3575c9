//! `annual_update_guide`.

use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde_json::{json, Value};

use super::input::InputReader;
use super::{guide_fields, schemas};
use crate::guides::annual_update::{
    annual_update_guide, current_year_in_ecuador, AnnualUpdateUserType, LEGAL_BASIS_RESOLUTION,
};
use crate::guides::annual_update_role::read_role;

pub(super) const ACTION: &str = "annual_update_guide";

/// The resolution dates from 2016; earlier Januaries had no such duty.
const FIRST_YEAR: i64 = 2016;
const LAST_YEAR: i64 = 9999;

pub(super) fn spec() -> ActionSpec {
    let user_types: Vec<&str> = AnnualUpdateUserType::ALL
        .iter()
        .map(|t| t.label())
        .collect();
    ActionSpec::new(
        ACTION,
        "Step-by-step guide for the mandatory January update of an operator's Ecuapass registration data, with its deadline.",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["user_type"],
        "properties": {
            "user_type": {
                "type": "string",
                "description": format!("One of: {} (case and accents do not matter), or a password-reset classification that corresponds to one (Representante legal is Representante, Usuario general is General, ...).", user_types.join(", "))
            },
            "year": {
                "type": "integer",
                "minimum": FIRST_YEAR,
                "maximum": LAST_YEAR,
                "description": "The January to plan for; defaults to the current year in Ecuador."
            }
        },
        "additionalProperties": false
    }))
    .output_schema(schemas::guide_output(
        json!({
            "user_type": {"enum": user_types},
            "year": {"type": "integer"},
            "time_zone": {"const": "America/Guayaquil"},
            "window_opens": {"type": "string", "format": "date-time"},
            "deadline": {"type": "string", "format": "date-time", "description": "31 January, 23:59:59 at -05:00."},
            "window_status": {"enum": ["not_yet_open", "open", "closed"]},
            "legal_basis": {
                "type": "object",
                "required": ["resolution", "summary"],
                "properties": {
                    "resolution": {"const": LEGAL_BASIS_RESOLUTION},
                    "summary": {"type": "string"}
                },
                "additionalProperties": false
            }
        }),
        &["user_type", "year", "time_zone", "window_opens", "deadline", "window_status", "legal_basis"],
    ))
}

pub(super) fn invoke(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let english = ctx.is_english();
    let mut reader = InputReader::new(input, &["user_type", "year"], english)?;
    // A reset classification that names the same user ("Representante
    // legal") gets that user type's guide; anything else is refused with
    // what is wrong and what to do.
    let user_type = reader
        .required_str("user_type")
        .and_then(|raw| match read_role(Some(raw)) {
            Ok(reading) => Some(reading.user_type()),
            Err(problem) => {
                reader.problem(
                    "user_type",
                    format!("{} {}", problem.message(english), problem.advice(english)),
                );
                None
            }
        });
    let year = match reader.optional_i64("year") {
        Some(year) if (FIRST_YEAR..=LAST_YEAR).contains(&year) => i32::try_from(year).ok(),
        Some(_) => {
            reader.problem(
                "year",
                if english {
                    format!("the year must be between {FIRST_YEAR} (when the resolution took effect) and {LAST_YEAR}")
                } else {
                    format!("el año debe estar entre {FIRST_YEAR} (cuando rige la resolución) y {LAST_YEAR}")
                },
            );
            None
        }
        None => Some(current_year_in_ecuador(ctx.now)),
    };
    reader.finish()?;
    let (Some(user_type), Some(year)) = (user_type, year) else {
        return Err(ActionError::permanent("input accepted but incomplete"));
    };
    let Some(result) = annual_update_guide(user_type, year, ctx.now, english) else {
        return Err(ActionError::permanent(format!(
            "cannot compute the January window of {year}"
        )));
    };
    let mut output = guide_fields(&result.guide, english);
    output.insert("user_type".into(), json!(user_type.label()));
    output.insert("year".into(), json!(year));
    output.insert("time_zone".into(), json!("America/Guayaquil"));
    output.insert("window_opens".into(), json!(result.window_opens));
    output.insert("deadline".into(), json!(result.deadline));
    output.insert("window_status".into(), json!(result.window_status));
    output.insert(
        "legal_basis".into(),
        json!({"resolution": LEGAL_BASIS_RESOLUTION, "summary": result.legal_basis}),
    );
    Ok(Value::Object(output))
}
