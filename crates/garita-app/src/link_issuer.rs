//! Making holders' links: the secret (made on first use, kept in the
//! store), the link's record, its signed token and its address under
//! `[web] public_url`; and the sentence a message carries for a link
//! (`garita_engine::link::marker`), which says whom to answer when there
//! is no public address, so a message never carries a broken link.
//!
//! Used by `ops::links` (a link an officer asks for, a fresh one a holder
//! asks for) and by the outbox (a workflow's message, when it is queued).

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use garita_engine::link::{token, HolderLink, LinkPurpose, LinkSecret, LinkStore};
use garita_engine::user::normalize_email;
use garita_engine::{Clock, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// Days a link is accepted after it is made.
pub const LINK_DAYS: i64 = 7;

/// The path links are served at, under the public address.
pub const LINK_PATH: &str = "/enlace/";

/// A link made for a holder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IssuedLink {
    /// What it does.
    pub purpose: LinkPurpose,
    /// What it acts on: `PORTAL:IDENTIFIER`, or a task id.
    pub subject: String,
    /// Whom it is for (and who it is recorded as).
    pub recipient: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// Its address under `[web] public_url`; none without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// What making links needs: the store of links, the clock and the
/// console's public address.
#[derive(Clone)]
pub struct LinkIssuer {
    links: Arc<dyn LinkStore>,
    clock: Arc<dyn Clock>,
    public_url: Option<String>,
}

impl LinkIssuer {
    /// An issuer over `links`; `public_url` is `[web] public_url`, checked.
    pub fn new(
        links: Arc<dyn LinkStore>,
        clock: Arc<dyn Clock>,
        public_url: Option<String>,
    ) -> Self {
        Self {
            links,
            clock,
            public_url,
        }
    }

    /// The console's public address, when configured.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The secret, made and stored on first use.
    pub async fn secret(&self) -> Result<Vec<u8>, AppError> {
        let stored = match self.links.stored_link_secret().await? {
            Some(stored) => stored,
            None => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| {
                    AppError::Refused(format!(
                        "the system gave no random bytes for the link secret: {e}"
                    ))
                })?;
                let candidate = LinkSecret {
                    key: STANDARD.encode(bytes),
                    created_at: self.clock.now(),
                };
                self.links.link_secret(&candidate).await?
            }
        };
        decode_secret(&stored)
    }

    /// Makes (or, for an id made before, finds) the link `id` of `purpose`
    /// about `subject` for `recipient`, and answers it with its address.
    pub async fn issue(
        &self,
        id: String,
        purpose: LinkPurpose,
        subject: &str,
        recipient: &str,
    ) -> Result<IssuedLink, AppError> {
        let recipient = normalize_email(recipient)
            .map_err(|e| AppError::Usage(format!("the link's recipient: {e}")))?;
        let secret = self.secret().await?;
        let now = self.clock.now();
        let fresh = HolderLink {
            id: id.clone(),
            purpose,
            subject: subject.to_owned(),
            recipient,
            created_at: now,
            expires_at: now + Duration::days(LINK_DAYS),
            used: None,
        };
        self.links.put_link(&fresh).await?;
        // A link made before under the same id keeps its expiry and use.
        let link = self.links.link(&id).await?.unwrap_or(fresh);
        let text = token::sign(&secret, &link.id, link.expires_at);
        Ok(IssuedLink {
            purpose: link.purpose,
            subject: link.subject,
            recipient: link.recipient,
            expires_at: link.expires_at,
            url: self
                .public_url
                .as_ref()
                .map(|base| format!("{base}{LINK_PATH}{text}")),
        })
    }

    /// A new random link id.
    pub fn random_id() -> Result<String, AppError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| {
            AppError::Refused(format!("the system gave no random bytes for a link: {e}"))
        })?;
        Ok(token::id_from_bytes(bytes))
    }
}

/// The secret's bytes.
pub fn decode_secret(stored: &LinkSecret) -> Result<Vec<u8>, AppError> {
    STANDARD.decode(&stored.key).map_err(|_| {
        AppError::Store(StoreError::Corrupt {
            what: "the link secret".into(),
            detail: "it is not base64; restore the store from a backup".into(),
        })
    })
}

/// The sentence a message carries for a link: with its address, or,
/// without one, whom to answer instead. `english` picks the language;
/// `contact` is whom a holder writes to (the message's Reply-To or sender).
pub fn link_sentence(
    purpose: LinkPurpose,
    url: Option<&str>,
    english: bool,
    contact: &str,
) -> String {
    match (purpose, url, english) {
        (LinkPurpose::SignedIn, Some(url), false) => format!(
            "Cuando haya entrado, confírmelo aquí (abra el enlace y haga clic en «Confirmar»; vale {LINK_DAYS} días y sirve una vez): <{url}>"
        ),
        (LinkPurpose::SignedIn, Some(url), true) => format!(
            "Once you have signed in, confirm it here (open the link and click \"Confirm\"; it works once, for {LINK_DAYS} days): <{url}>"
        ),
        (LinkPurpose::SignedIn, None, false) => format!(
            "Cuando haya entrado, responda a este correo o escriba a {contact} para que cumplimiento lo registre."
        ),
        (LinkPurpose::SignedIn, None, true) => format!(
            "Once you have signed in, reply to this email or write to {contact} so that compliance records it."
        ),
        (LinkPurpose::AnswerTask, Some(url), false) => format!(
            "Responda aquí, sin instalar nada (el enlace vale {LINK_DAYS} días y sirve una vez): <{url}>"
        ),
        (LinkPurpose::AnswerTask, Some(url), true) => format!(
            "Answer here, nothing to install (the link works once, for {LINK_DAYS} days): <{url}>"
        ),
        (LinkPurpose::AnswerTask, None, false) => format!(
            "Para responder, conteste este correo o escriba a {contact} con su respuesta."
        ),
        (LinkPurpose::AnswerTask, None, true) => {
            format!("To answer, reply to this email or write to {contact} with your answer.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_public_address_the_sentence_names_whom_to_write_to() {
        for purpose in [LinkPurpose::SignedIn, LinkPurpose::AnswerTask] {
            for english in [false, true] {
                let without = link_sentence(purpose, None, english, "oficial@example.com");
                assert!(without.contains("oficial@example.com"), "{without}");
                assert!(!without.contains("http"), "{without}");
                let with = link_sentence(purpose, Some("https://g.example/enlace/x"), english, "o");
                assert!(with.contains("<https://g.example/enlace/x>"), "{with}");
            }
        }
    }
}
