//! The template filters that put a holder's link in a message:
//!
//! ```text
//! ${{ account | signed_in_link }}        "I signed in to the portal today"
//! ${{ 'email_arrived' | answer_link }}   answer the task of step email_arrived
//! ${{ account | signed_in_link(account.locale) }}   the sentence in the holder's
//!                                        language (`es`, `en`; empty: the message's)
//! ```
//!
//! They write a marker (`crate::link::marker`), which the application
//! turns into the link, in the message's language, when the message is
//! queued: a sentence with the address under `[web] public_url`, or,
//! without one, a sentence saying whom to answer. Rendering itself stays
//! pure. `signed_in_link` takes an account as `accounts.list` gives it
//! (its `key`) or its `PORTAL:IDENTIFIER`.

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind};

use crate::link::marker::{marker, marker_in};
use crate::link::LinkPurpose;

/// Installs the filters in `env`.
pub fn install(env: &mut Environment<'static>) {
    env.add_filter("signed_in_link", signed_in_link);
    env.add_filter("answer_link", answer_link);
}

fn signed_in_link(account: Value, language: Option<Value>) -> Result<String, Error> {
    let key = match account.get_attr("key") {
        Ok(key) if !key.is_undefined() && !key.is_none() => key,
        _ => account,
    };
    let key = key.as_str().map(str::trim).unwrap_or_default();
    if !key.contains(':') {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "signed_in_link takes an account (from accounts.list) or its key PORTAL:IDENTIFIER",
        ));
    }
    with_language(LinkPurpose::SignedIn, key, language)
}

fn answer_link(step: Value, language: Option<Value>) -> Result<String, Error> {
    let step = step.as_str().map(str::trim).unwrap_or_default();
    if step.is_empty() || step.contains(char::is_whitespace) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "answer_link takes the id of the task: step whose task the link answers",
        ));
    }
    with_language(LinkPurpose::AnswerTask, step, language)
}

/// The marker, in `language` when one is given: `es…`/`en…` (an account's
/// `locale`); none, undefined or empty keeps the message's language, so
/// `signed_in_link(account.locale)` works for accounts without one.
fn with_language(
    purpose: LinkPurpose,
    subject: &str,
    language: Option<Value>,
) -> Result<String, Error> {
    let text = language
        .filter(|l| !l.is_undefined() && !l.is_none())
        .map(|l| l.as_str().map(|s| s.trim().to_ascii_lowercase()))
        .map(|l| l.ok_or(()))
        .transpose();
    match text {
        Ok(None) => Ok(marker(purpose, subject)),
        Ok(Some(l)) if l.is_empty() => Ok(marker(purpose, subject)),
        Ok(Some(l)) if l.starts_with("en") => Ok(marker_in(purpose, subject, "en")),
        Ok(Some(l)) if l.starts_with("es") => Ok(marker_in(purpose, subject, "es")),
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            "a link's language is `es` or `en` (an account's `locale`), or empty for the message's",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::expr::Evaluator;
    use crate::link::marker::expand;

    #[test]
    fn the_filters_leave_markers_for_accounts_keys_and_steps() {
        let ev = Evaluator::new();
        let ctx = json!({"account": {"key": "ctpat:ana@x.com"}});
        for template in [
            "${{ account | signed_in_link }}",
            "${{ 'ctpat:ana@x.com' | signed_in_link }}",
        ] {
            let out = ev.render(template, &ctx).unwrap();
            assert_eq!(
                expand(&out, |p, s| format!("{}={s}", p.as_str())),
                "signed_in=ctpat:ana@x.com"
            );
        }
        let out = ev.render("${{ 'confirm' | answer_link }}", &ctx).unwrap();
        assert_eq!(
            expand(&out, |p, s| format!("{}={s}", p.as_str())),
            "answer_task=confirm"
        );
        assert!(ev.render("${{ 'nokey' | signed_in_link }}", &ctx).is_err());
        assert!(ev.render("${{ '' | answer_link }}", &ctx).is_err());
    }

    #[test]
    fn a_language_argument_is_carried_in_the_marker() {
        use crate::link::marker::expand_markers;
        let ev = Evaluator::new();
        let show = |template: &str, ctx: &serde_json::Value| {
            let out = ev.render(template, ctx).unwrap();
            expand_markers(&out, |m| {
                format!("{}|{}", m.subject, m.language.as_deref().unwrap_or("-"))
            })
        };
        let en = json!({"account": {"key": "ctpat:ana@x.com", "locale": "en"}});
        let none = json!({"account": {"key": "ctpat:ana@x.com", "locale": null}});
        let absent = json!({"account": {"key": "ctpat:ana@x.com"}});
        let template = "${{ account | signed_in_link(account.locale) }}";
        assert_eq!(show(template, &en), "ctpat:ana@x.com|en");
        assert_eq!(show(template, &none), "ctpat:ana@x.com|-");
        assert_eq!(show(template, &absent), "ctpat:ana@x.com|-");
        assert_eq!(
            show("${{ 'confirm' | answer_link('es') }}", &en),
            "confirm|es"
        );
        assert!(ev
            .render("${{ 'confirm' | answer_link('fr') }}", &en)
            .is_err());
    }
}
