//! `ctpat.reactivation_request`: the email asking the company's CBP supply
//! chain security specialist to reactivate a deactivated portal user.
//!
//! The draft is always in English, whatever the run's locale: it is written
//! to a US authority. Only the error messages follow the locale.
//!
//! One request may name several users of the same CTPAT account
//! (`other_users`): when CBP deactivates several people of one company at
//! once, the specialist gets one message listing them all instead of one
//! per person. The request asks the specialist to reply once the users are
//! reactivated, since each must sign in that same day; the workflow sends it
//! with the officer as Reply-To, so the answer reaches a person.

use chrono::NaiveDate;
use garita_sdk::serde_json::{json, Value};
use garita_sdk::{ActionError, ActionSpec, InvokeContext};
use serde::Serialize;

use crate::address;
use crate::config::CtpatConfig;
use crate::dates::required_date;
use garita_portal_kit::FieldReader;

/// The action's name after the dot.
pub const NAME: &str = "reactivation_request";

/// What the specialist needs to identify the account and the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactivationFacts {
    /// The member company's legal name.
    pub company_legal_name: String,
    /// The certified CTPAT account number.
    pub ctpat_account_number: String,
    /// The deactivated user's full name.
    pub user_full_name: String,
    /// The email the user signs in with.
    pub user_email: String,
    /// The user's last sign-in date.
    pub last_sign_in: NaiveDate,
    /// Who signs the request; the company when absent.
    pub requested_by: Option<String>,
    /// Other deactivated users of the same account, in the same request.
    pub other_users: Vec<DeactivatedUser>,
}

/// One more user of the same account to reactivate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeactivatedUser {
    /// The user's full name.
    pub full_name: String,
    /// The email the user signs in with.
    pub email: String,
    /// The user's last sign-in date.
    pub last_sign_in: NaiveDate,
}

/// An email ready to be handed to `email.send`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailDraft {
    /// The specialist's address.
    pub to: String,
    /// One line.
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Always empty in a returned draft: a draft with missing data is refused
    /// instead. Kept so a workflow can check drafts from any source alike.
    pub missing: Vec<String>,
}

/// Writes the request to `to` for a user inactive for more than `limit_days`.
pub fn draft(facts: &ReactivationFacts, to: &str, limit_days: i64) -> EmailDraft {
    let ReactivationFacts {
        company_legal_name,
        ctpat_account_number,
        user_full_name,
        user_email,
        last_sign_in,
        requested_by,
        other_users,
    } = facts;
    let signature = requested_by.as_deref().map_or_else(
        || company_legal_name.clone(),
        |name| format!("{name}\n{company_legal_name}"),
    );
    if !other_users.is_empty() {
        let first = DeactivatedUser {
            full_name: user_full_name.clone(),
            email: user_email.clone(),
            last_sign_in: *last_sign_in,
        };
        let users: Vec<&DeactivatedUser> =
            std::iter::once(&first).chain(other_users.iter()).collect();
        return draft_for_several(
            company_legal_name,
            ctpat_account_number,
            &users,
            &signature,
            to,
            limit_days,
        );
    }
    let subject = format!("CTPAT Portal user reactivation request - {company_legal_name} (account {ctpat_account_number})");
    let body = format!(
        "Dear CBP Supply Chain Security Specialist,\n\
         \n\
         We respectfully request the reactivation of a CTPAT Portal user of our certified account. \
         The user was deactivated automatically after more than {limit_days} days without signing in.\n\
         \n\
         Company legal name: {company_legal_name}\n\
         CTPAT account number: {ctpat_account_number}\n\
         User name: {user_full_name}\n\
         User sign-in email: {user_email}\n\
         Last sign-in: {last_sign_in}\n\
         \n\
         Please reply to this email once the user has been reactivated: as soon as we have your \
         confirmation, {user_full_name} will sign in to the CTPAT Portal that same day, before \
         midnight, so that the account is not deactivated again.\n\
         \n\
         Thank you for your help.\n\
         \n\
         Sincerely,\n\
         {signature}\n"
    );
    EmailDraft {
        to: to.to_owned(),
        subject,
        body,
        missing: Vec::new(),
    }
}

/// The request for several users of one account: one numbered entry each.
fn draft_for_several(
    company_legal_name: &str,
    ctpat_account_number: &str,
    users: &[&DeactivatedUser],
    signature: &str,
    to: &str,
    limit_days: i64,
) -> EmailDraft {
    let count = users.len();
    let subject = format!("CTPAT Portal user reactivation request ({count} users) - {company_legal_name} (account {ctpat_account_number})");
    let mut listed = String::new();
    for (index, user) in users.iter().enumerate() {
        listed.push_str(&format!(
            "{number}. User name: {name}\n   User sign-in email: {email}\n   Last sign-in: {last}\n",
            number = index + 1,
            name = user.full_name,
            email = user.email,
            last = user.last_sign_in,
        ));
    }
    let body = format!(
        "Dear CBP Supply Chain Security Specialist,\n\
         \n\
         We respectfully request the reactivation of {count} CTPAT Portal users of our certified account. \
         Each was deactivated automatically after more than {limit_days} days without signing in.\n\
         \n\
         Company legal name: {company_legal_name}\n\
         CTPAT account number: {ctpat_account_number}\n\
         \n\
         {listed}\
         \n\
         Please reply to this email once the users have been reactivated: as soon as we have your \
         confirmation, each of them will sign in to the CTPAT Portal that same day, before midnight, \
         so that the account is not deactivated again.\n\
         \n\
         Thank you for your help.\n\
         \n\
         Sincerely,\n\
         {signature}\n"
    );
    EmailDraft {
        to: to.to_owned(),
        subject,
        body,
        missing: Vec::new(),
    }
}

/// The action's manifest entry.
pub fn spec() -> ActionSpec {
    let line = |description: &str| json!({"type": "string", "minLength": 1, "pattern": "^[^\\r\\n]*$", "description": description});
    ActionSpec::new(
        NAME,
        "Drafts the English email asking the CBP supply chain security specialist to reactivate a deactivated CTPAT portal user.",
    )
    .input_schema(json!({
        "type": "object",
        "required": ["company_legal_name", "ctpat_account_number", "user_full_name", "user_email", "last_sign_in"],
        "additionalProperties": false,
        "properties": {
            "company_legal_name": line("The member company's legal name."),
            "ctpat_account_number": line("The certified CTPAT account number."),
            "user_full_name": line("The deactivated user's full name."),
            "user_email": {"type": "string", "format": "email", "description": "The email the user signs in with."},
            "last_sign_in": {"type": "string", "format": "date", "description": "The user's last sign-in (YYYY-MM-DD)."},
            "specialist_email": {"type": "string", "format": "email", "description": "The CBP specialist's address; default: cbp_specialist_email from the configuration."},
            "requested_by": line("Who signs the request; default: the company."),
            "other_users": {
                "type": "array",
                "description": "Other deactivated users of the same CTPAT account, listed in the same request.",
                "items": {
                    "type": "object",
                    "required": ["user_full_name", "user_email", "last_sign_in"],
                    "additionalProperties": false,
                    "properties": {
                        "user_full_name": line("The user's full name."),
                        "user_email": {"type": "string", "format": "email", "description": "The email the user signs in with."},
                        "last_sign_in": {"type": "string", "format": "date", "description": "The user's last sign-in (YYYY-MM-DD)."}
                    }
                }
            }
        }
    }))
    .output_schema(json!({
        "type": "object",
        "required": ["to", "subject", "body", "missing"],
        "additionalProperties": false,
        "properties": {
            "to": {"type": "string", "format": "email"},
            "subject": {"type": "string"},
            "body": {"type": "string"},
            "missing": {"type": "array", "items": {"type": "string"}, "maxItems": 0}
        }
    }))
}

/// Runs the action.
pub fn run(ctx: &InvokeContext, input: &Value) -> Result<Value, ActionError> {
    let config = CtpatConfig::from_context(ctx)?;
    let mut reader = FieldReader::new(ctx, input);
    reader.refuse_unknown(&[
        "company_legal_name",
        "ctpat_account_number",
        "user_full_name",
        "user_email",
        "last_sign_in",
        "specialist_email",
        "requested_by",
        "other_users",
    ]);
    let company_legal_name = reader.required_line("company_legal_name");
    let ctpat_account_number = reader.required_line("ctpat_account_number");
    let user_full_name = reader.required_line("user_full_name");
    let user_email = read_address(&mut reader, "user_email", true);
    let last_sign_in = required_date(&mut reader, "last_sign_in");
    let requested_by = if reader.raw("requested_by").is_some() {
        reader.required_line("requested_by")
    } else {
        None
    };
    let specialist = read_address(&mut reader, "specialist_email", false)
        .or_else(|| config.cbp_specialist_email.clone());
    if specialist.is_none() && reader.raw("specialist_email").is_none() {
        let path = reader.path("specialist_email");
        reader.fail(
            path,
            "falta el correo del especialista de CBP: indíquelo aquí o en cbp_specialist_email de [connectors.ctpat]",
            "the CBP specialist's email is missing: give it here or as cbp_specialist_email in [connectors.ctpat]",
        );
    }
    let other_users = read_other_users(&mut reader);
    let facts = (|| {
        Some(ReactivationFacts {
            company_legal_name: company_legal_name?,
            ctpat_account_number: ctpat_account_number?,
            user_full_name: user_full_name?,
            user_email: user_email?,
            last_sign_in: last_sign_in?,
            requested_by,
            other_users,
        })
    })();
    let (facts, to) = reader.finish(facts.zip(specialist))?;
    let draft = draft(&facts, &to, config.inactivity_limit_days);
    garita_sdk::serde_json::to_value(draft).map_err(|err| ActionError::permanent(err.to_string()))
}

/// `other_users`: each item's fields, checked like the first user's.
fn read_other_users(reader: &mut FieldReader<'_>) -> Vec<DeactivatedUser> {
    let Some(items) = reader.optional_array("other_users") else {
        return Vec::new();
    };
    let mut users = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut nested = reader.nested(item, format!("/other_users/{index}"));
        nested.refuse_unknown(&["user_full_name", "user_email", "last_sign_in"]);
        let full_name = nested.required_line("user_full_name");
        let email = read_address(&mut nested, "user_email", true);
        let last_sign_in = required_date(&mut nested, "last_sign_in");
        reader.absorb(nested);
        if let (Some(full_name), Some(email), Some(last_sign_in)) = (full_name, email, last_sign_in)
        {
            users.push(DeactivatedUser {
                full_name,
                email,
                last_sign_in,
            });
        }
    }
    users
}

fn read_address(reader: &mut FieldReader<'_>, field: &str, required: bool) -> Option<String> {
    let text = if required {
        reader.required_str(field)?
    } else {
        reader.optional_str(field)?
    };
    if address::is_valid(&text) {
        return Some(text);
    }
    let path = reader.path(field);
    reader.fail(
        path,
        format!("`{text}` no es una dirección de correo válida (ejemplo: nombre@empresa.com)"),
        format!("`{text}` is not a valid email address (example: name@company.com)"),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use garita_sdk::FieldError;

    fn complete_input() -> Value {
        json!({
            "company_legal_name": "Exportadora Peñasco S.A. de C.V.",
            "ctpat_account_number": "12345678",
            "user_full_name": "María José Núñez",
            "user_email": "mjnunez@penasco.com.mx",
            "last_sign_in": "2026-01-10",
            "specialist_email": "scss.specialist@cbp.dhs.gov",
            "requested_by": "Luis Ortega, Compliance Officer",
        })
    }

    fn invalid_paths(err: ActionError) -> Vec<String> {
        match err {
            ActionError::InvalidInput { fields, .. } => fields
                .into_iter()
                .map(|FieldError { path, .. }| path)
                .collect(),
            other => panic!("expected invalid input, got {other}"),
        }
    }

    #[test]
    fn drafts_an_english_request_with_every_fact() {
        let out = run(&InvokeContext::for_test(), &complete_input()).unwrap();
        assert_eq!(out["to"], "scss.specialist@cbp.dhs.gov");
        assert_eq!(out["missing"], json!([]));
        let subject = out["subject"].as_str().unwrap();
        assert!(
            subject.contains("reactivation") && subject.contains("12345678"),
            "{subject}"
        );
        let body = out["body"].as_str().unwrap();
        for fact in [
            "Exportadora Peñasco S.A. de C.V.",
            "12345678",
            "María José Núñez",
            "mjnunez@penasco.com.mx",
            "2026-01-10",
            "Luis Ortega, Compliance Officer",
            "more than 45 days",
            "same day, before midnight",
            "Supply Chain Security Specialist",
        ] {
            assert!(body.contains(fact), "body lacks {fact:?}:\n{body}");
        }
    }

    #[test]
    fn asks_the_specialist_to_reply_once_the_user_is_reactivated() {
        let out = run(&InvokeContext::for_test(), &complete_input()).unwrap();
        let body = out["body"].as_str().unwrap();
        assert!(
            body.contains("Please reply to this email once the user has been reactivated"),
            "{body}"
        );
    }

    #[test]
    fn lists_several_users_of_one_account_in_one_request() {
        let mut input = complete_input();
        input["other_users"] = json!([
            {"user_full_name": "Tom Okafor", "user_email": "tom@penasco.com.mx", "last_sign_in": "2026-01-11"},
            {"user_full_name": "Ana Peña", "user_email": "ana@penasco.com.mx", "last_sign_in": "2026-01-12"},
        ]);
        let out = run(&InvokeContext::for_test(), &input).unwrap();
        assert_eq!(
            out["subject"],
            "CTPAT Portal user reactivation request (3 users) - Exportadora Peñasco S.A. de C.V. (account 12345678)"
        );
        let body = out["body"].as_str().unwrap();
        for line in [
            "reactivation of 3 CTPAT Portal users",
            "CTPAT account number: 12345678\n",
            "1. User name: María José Núñez\n   User sign-in email: mjnunez@penasco.com.mx\n   Last sign-in: 2026-01-10\n",
            "2. User name: Tom Okafor\n",
            "3. User name: Ana Peña\n   User sign-in email: ana@penasco.com.mx\n   Last sign-in: 2026-01-12\n",
            "Please reply to this email once the users have been reactivated",
        ] {
            assert!(body.contains(line), "{line:?} in\n{body}");
        }
        assert_eq!(body.matches("Company legal name").count(), 1, "{body}");
    }

    #[test]
    fn names_the_wrong_field_of_another_user() {
        let mut input = complete_input();
        input["other_users"] = json!([
            {"user_full_name": "Tom Okafor", "user_email": "tom@penasco.com.mx", "last_sign_in": "2026-01-11"},
            {"user_full_name": "Ana", "user_email": "no-address", "last_sign_in": "11/01/2026", "role": "x"},
        ]);
        let err = run(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(
            invalid_paths(err),
            [
                "/other_users/1/role",
                "/other_users/1/user_email",
                "/other_users/1/last_sign_in"
            ]
        );
    }

    #[test]
    fn the_draft_stays_in_english_for_a_spanish_run() {
        let ctx = InvokeContext {
            locale: "es".into(),
            ..InvokeContext::for_test()
        };
        let body = run(&ctx, &complete_input()).unwrap()["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(body.starts_with("Dear "));
    }

    #[test]
    fn the_specialist_defaults_to_the_configured_one() {
        let mut input = complete_input();
        input.as_object_mut().unwrap().remove("specialist_email");
        let ctx = InvokeContext {
            config: json!({"cbp_specialist_email": "configured@cbp.dhs.gov"}),
            ..InvokeContext::for_test()
        };
        assert_eq!(run(&ctx, &input).unwrap()["to"], "configured@cbp.dhs.gov");
        let err = run(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(invalid_paths(err), ["/specialist_email"]);
    }

    #[test]
    fn names_each_missing_field() {
        let input = json!({"company_legal_name": "ACME", "user_email": "not-an-address", "specialist_email": "x@cbp.dhs.gov"});
        let err = run(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(
            invalid_paths(err),
            [
                "/ctpat_account_number",
                "/user_full_name",
                "/user_email",
                "/last_sign_in"
            ]
        );
    }

    #[test]
    fn refuses_line_breaks_that_would_reach_the_subject() {
        let mut input = complete_input();
        input["company_legal_name"] = json!("ACME\r\nBcc: attacker@example.com");
        let err = run(&InvokeContext::for_test(), &input).unwrap_err();
        assert_eq!(invalid_paths(err), ["/company_legal_name"]);
    }

    #[test]
    fn errors_follow_the_locale() {
        let ctx = InvokeContext {
            locale: "en".into(),
            ..InvokeContext::for_test()
        };
        let err = run(&ctx, &json!({})).unwrap_err();
        assert!(
            err.to_string().contains("required field is missing"),
            "{err}"
        );
        let err = run(&InvokeContext::for_test(), &json!({})).unwrap_err();
        assert!(err.to_string().contains("obligatorio"), "{err}");
    }
}
