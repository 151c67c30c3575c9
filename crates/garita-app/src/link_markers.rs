//! A workflow message's link markers (`signed_in_link`, `answer_link`)
//! turned into links when the message is queued: each marker becomes a
//! sentence with the holder's link, or, without `[web] public_url`, one
//! saying whom to answer.
//!
//! A link's id is derived from the run, the step, the purpose and the
//! subject, so a step that sends again (a retry, a resumed run) carries the
//! same link, with its first expiry and its use.
//!
//! - "I signed in" (`signed_in_link`): the subject is the account's key;
//!   the link is the account holder's (from the inventory). An account
//!   that is not in the inventory gets the sentence without a link.
//! - "Answer this task" (`answer_link('STEP')`): the subject is
//!   `RUN.STEP`, the task that step of this run asks (it may not exist
//!   yet: the message usually comes first); the link is for the message's
//!   first recipient, and the task must be assigned to that address when
//!   it is answered (`ops::links`).

use std::sync::Arc;

use garita_engine::account::AccountKey;
use garita_engine::link::marker::{expand_markers, has_marker};
use garita_engine::link::{token, LinkPurpose};
use garita_engine::AccountStore;
use garita_sdk::InvokeContext;
use serde_json::Value;

use crate::link_issuer::{link_sentence, LinkIssuer};
use crate::AppError;

/// The message fields links may be written in.
const FIELDS: [&str; 2] = ["body", "html"];

/// What turning markers into links needs.
#[derive(Clone)]
pub struct LinkMarkers {
    issuer: LinkIssuer,
    accounts: Arc<dyn AccountStore>,
}

impl LinkMarkers {
    /// Markers turned into `issuer`'s links, for accounts in `accounts`.
    pub fn new(issuer: LinkIssuer, accounts: Arc<dyn AccountStore>) -> Self {
        Self { issuer, accounts }
    }

    /// `input` with every marker of its body replaced; unchanged when it
    /// has none.
    pub async fn expand(&self, ctx: &InvokeContext, mut input: Value) -> Result<Value, AppError> {
        let texts: Vec<(&str, String)> = FIELDS
            .iter()
            .filter_map(|f| Some((*f, input.get(*f)?.as_str()?.to_owned())))
            .filter(|(_, text)| has_marker(text))
            .collect();
        if texts.is_empty() {
            return Ok(input);
        }
        let english = ctx.locale.to_ascii_lowercase().starts_with("en");
        let contact = contact_of(ctx, &input);
        let to = first_address(input.get("to"));
        let run = ctx.idempotency_key.run_id.clone();
        let step = ctx.idempotency_key.step_id.clone();
        for (field, text) in texts {
            // What the text asks for, then each made once, then written in.
            let mut wanted = Vec::new();
            expand_markers(&text, |marker| {
                wanted.push(marker.clone());
                String::new()
            });
            let mut sentences = Vec::new();
            for marker in wanted {
                let url = self
                    .url_for(marker.purpose, &marker.subject, &run, &step, to.as_deref())
                    .await?;
                // The marker's own language (the holder's) over the message's.
                let english = marker.language.as_deref().map_or(english, |l| l == "en");
                sentences.push(link_sentence(
                    marker.purpose,
                    url.as_deref(),
                    english,
                    &contact,
                ));
            }
            let mut made = sentences.into_iter();
            let written = expand_markers(&text, |_| made.next().unwrap_or_default());
            if let Some(object) = input.as_object_mut() {
                object.insert(field.to_owned(), Value::String(written));
            }
        }
        Ok(input)
    }

    async fn url_for(
        &self,
        purpose: LinkPurpose,
        subject: &str,
        run: &str,
        step: &str,
        to: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        if self.issuer.public_url().is_none() {
            return Ok(None);
        }
        let (subject, recipient) = match purpose {
            LinkPurpose::SignedIn => {
                let Some(key) = AccountKey::parse(subject) else {
                    return Ok(None);
                };
                match self.accounts.account(&key).await? {
                    Some(account) if !account.holder.email.trim().is_empty() => {
                        (key.to_string(), account.holder.email)
                    }
                    _ => return Ok(None),
                }
            }
            LinkPurpose::AnswerTask => match to {
                Some(to) => (format!("{run}.{subject}"), to.to_owned()),
                None => return Ok(None),
            },
        };
        let secret = self.issuer.secret().await?;
        let id = token::derived_id(&secret, &[run, step, purpose.as_str(), &subject]);
        match self.issuer.issue(id, purpose, &subject, &recipient).await {
            Ok(link) => Ok(link.url),
            // An address that is not an email gets the sentence without a link.
            Err(AppError::Usage(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Whom a holder writes to: the message's Reply-To, else the configured
/// one, else its sender, else "compliance".
fn contact_of(ctx: &InvokeContext, input: &Value) -> String {
    [
        first_address(input.get("reply_to")),
        first_address(ctx.config.get("reply_to")),
        first_address(input.get("from")),
        first_address(ctx.config.get("from")),
    ]
    .into_iter()
    .flatten()
    .next()
    .unwrap_or_else(|| "cumplimiento".to_owned())
}

/// The address of the first mailbox in a field (`Name <a@b>` or `a@b`, or
/// a list of them).
fn first_address(field: Option<&Value>) -> Option<String> {
    let text = match field? {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.first()?.as_str()?.to_owned(),
        _ => return None,
    };
    let text = text.split(',').next()?.trim();
    let address = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    let address = address.trim();
    (!address.is_empty()).then(|| address.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_first_address_of_a_field_is_found_in_its_usual_spellings() {
        assert_eq!(
            first_address(Some(&json!("Ana Pérez <ana@x.com>"))),
            Some("ana@x.com".into())
        );
        assert_eq!(
            first_address(Some(&json!(["b@x.com", "c@x.com"]))),
            Some("b@x.com".into())
        );
        assert_eq!(
            first_address(Some(&json!("d@x.com, e@x.com"))),
            Some("d@x.com".into())
        );
        assert_eq!(first_address(Some(&json!(""))), None);
        assert_eq!(first_address(None), None);
    }
}
