//! Holders' links (docs/console.md, "Holders' links"): making one for an
//! account's holder or a task's assignee (`garita links new`), what its
//! confirmation page shows ([`open`], which changes nothing: mail scanners
//! fetch links), what posting that page does ([`act`]: the link is
//! claimed once, then the sign-in or the answer is recorded as the
//! holder, with the evidence) and asking for a fresh one ([`renew`]: a
//! new link mailed through the outbox).
//!
//! The actor of everything a link does is the holder's email; the audit
//! log also gets a `link.used` entry saying it came through a link, from
//! which address and browser.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use garita_engine::account::{Account, AccountKey};
use garita_engine::audit::AuditRecord;
use garita_engine::link::{token, HolderLink, LinkClaim, LinkPurpose, LinkUse};
use garita_engine::{Task, TaskFilter, TaskStatus};
use garita_sdk::{IdempotencyKey, InvokeContext};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::task_form::{answer_from_form, form_fields, FormField};
use super::Session;
use crate::link_issuer::{IssuedLink, LinkIssuer};
use crate::AppError;

/// Longest User-Agent kept as evidence.
const MAX_USER_AGENT: usize = 512;

/// A link an officer asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewLink {
    /// What it does.
    pub purpose: LinkPurpose,
    /// `signed_in`: the account (`PORTAL:IDENTIFIER`); `answer_task`: the
    /// task (its id or a unique prefix).
    pub subject: String,
}

/// Makes a link for an account's holder or a task's assignee.
pub async fn issue(session: &Session, new: NewLink) -> Result<IssuedLink, AppError> {
    let (subject, recipient) = match new.purpose {
        LinkPurpose::SignedIn => {
            let account =
                super::accounts::resolve(session.backend.accounts.as_ref(), &new.subject).await?;
            let email = account.holder.email.trim().to_owned();
            if email.is_empty() {
                return Err(AppError::Refused(format!(
                    "account {} has no holder email to send a link to; add one with `garita accounts add`",
                    account.key()
                )));
            }
            (account.key().to_string(), email)
        }
        LinkPurpose::AnswerTask => {
            let task = super::tasks::show(session, &new.subject).await?;
            if task.status != TaskStatus::Open {
                return Err(AppError::Refused(format!(
                    "task {} is {}; only an open task can be answered",
                    task.id, task.status
                )));
            }
            let Some(email) = task.assignee.clone().filter(|a| a.contains('@')) else {
                return Err(AppError::Refused(format!(
                    "task {} is not assigned to an email address; answer it in the console or with `garita tasks complete`",
                    task.id
                )));
            };
            (task.id, email)
        }
    };
    let issuer = session.app.link_issuer(&session.backend);
    let link = issuer
        .issue(LinkIssuer::random_id()?, new.purpose, &subject, &recipient)
        .await?;
    if link.url.is_none() {
        return Err(AppError::Config(
            "[web] public_url is not set, so a link would have no address; set it to the console's address (docs/console.md)".into(),
        ));
    }
    Ok(link)
}

/// Where a link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// It can be used: the page shows the confirmation form.
    Ready,
    /// It was used (the page says when).
    Used,
    /// It expired.
    Expired,
    /// Its task is no longer open (answered, expired or cancelled).
    Closed,
}

/// The account a link is about, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkAccount {
    /// The portal.
    pub portal: String,
    /// The user on the portal.
    pub identifier: String,
    /// The holder's name.
    pub holder_name: String,
    /// The company.
    pub company: String,
    /// The last sign-in recorded.
    pub last_sign_in: Option<NaiveDate>,
}

/// The task a link answers, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkTask {
    /// Its title.
    pub title: String,
    /// Its guidance (Markdown, shown as text).
    pub body: String,
    /// When it is due.
    pub due: Option<DateTime<Utc>>,
    /// The answer form's fields: the same inputs the console's task page
    /// shows, read back by the same [`answer_from_form`].
    pub fields: Vec<FormField>,
}

/// What a link's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPage {
    /// Where it stands.
    pub state: LinkState,
    /// What it does.
    pub purpose: LinkPurpose,
    /// The token the page's forms send back.
    pub form_token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// When it was used.
    pub used_at: Option<DateTime<Utc>>,
    /// The account (`signed_in`).
    pub account: Option<LinkAccount>,
    /// The task (`answer_task`).
    pub task: Option<LinkTask>,
}

/// A link's record after its token's MAC checked; `NotFound` for anything
/// malformed, altered or unknown (all look the same to the visitor).
async fn checked(session: &Session, text: &str) -> Result<(Vec<u8>, HolderLink), AppError> {
    let not_found = || AppError::NotFound("this link is not valid".into());
    let Some(stored) = session.backend.links.stored_link_secret().await? else {
        return Err(not_found());
    };
    let secret = crate::link_issuer::decode_secret(&stored)?;
    let verified = token::verify(&secret, text).map_err(|_| not_found())?;
    let link = session
        .backend
        .links
        .link(&verified.id)
        .await?
        .ok_or_else(not_found)?;
    Ok((secret, link))
}

/// What the page of link `text` shows. Reads only.
pub async fn open(session: &Session, text: &str) -> Result<LinkPage, AppError> {
    let (secret, link) = checked(session, text).await?;
    let now = session.app.clock.now();
    let mut page = LinkPage {
        state: LinkState::Ready,
        purpose: link.purpose,
        form_token: token::form_token(&secret, &link.id),
        expires_at: link.expires_at,
        used_at: link.used.as_ref().map(|u| u.at),
        account: None,
        task: None,
    };
    match link.purpose {
        LinkPurpose::SignedIn => {
            page.account = account_of(session, &link)
                .await?
                .as_ref()
                .map(shown_account);
        }
        LinkPurpose::AnswerTask => {
            let task = task_of(session, &link).await?;
            if task.as_ref().is_none_or(|t| t.status != TaskStatus::Open) {
                page.state = LinkState::Closed;
            }
            page.task = task.as_ref().map(shown_task);
        }
    }
    if link.used.is_some() {
        page.state = LinkState::Used;
    } else if now >= link.expires_at {
        page.state = LinkState::Expired;
    }
    Ok(page)
}

/// What the confirmation form sent, and who sent it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkPost {
    /// The page's form token.
    pub form_token: String,
    /// The answer's fields as typed (`answer_task`).
    pub fields: BTreeMap<String, String>,
    /// A note (`answer_task`).
    pub note: Option<String>,
    /// The client's address.
    pub ip: String,
    /// The browser's User-Agent.
    pub user_agent: String,
}

/// What posting the form did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkActed {
    /// `done`, or why nothing was done (`used`, `expired`, `closed`).
    pub state: LinkActedState,
    /// What the link does.
    pub purpose: LinkPurpose,
    /// The sign-in day recorded (`signed_in`, done).
    pub signed_in_on: Option<NaiveDate>,
}

/// The outcome of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkActedState {
    /// Recorded.
    Done,
    /// The link was used before: nothing recorded.
    Used,
    /// The link expired: nothing recorded.
    Expired,
    /// The task is no longer open: nothing recorded.
    Closed,
}

/// Acts on link `text`: claims it (once), then records what it does as
/// its recipient, with the evidence.
pub async fn act(session: &Session, text: &str, post: LinkPost) -> Result<LinkActed, AppError> {
    let (secret, link) = checked(session, text).await?;
    if !token::form_token_matches(&secret, &link.id, &post.form_token) {
        return Err(AppError::Refused(
            "the form did not come from this link's page; open the link from the email again"
                .into(),
        ));
    }
    let now = session.app.clock.now();
    let answer = |state| LinkActed {
        state,
        purpose: link.purpose,
        signed_in_on: None,
    };
    if link.used.is_some() {
        return Ok(answer(LinkActedState::Used));
    }
    if now >= link.expires_at {
        return Ok(answer(LinkActedState::Expired));
    }
    // A task's answer is checked before the link is used up by it.
    let task_answer = match link.purpose {
        LinkPurpose::SignedIn => None,
        LinkPurpose::AnswerTask => {
            let Some(task) = task_of(session, &link)
                .await?
                .filter(|t| t.status == TaskStatus::Open)
            else {
                return Ok(answer(LinkActedState::Closed));
            };
            let sent: Vec<(String, String)> = post
                .fields
                .iter()
                .map(|(name, text)| (name.clone(), text.clone()))
                .collect();
            let fields = answer_from_form(&form_fields(task.fields.as_ref()), &sent)?;
            if let Some(schema) = &task.fields {
                if let Err(problems) =
                    garita_engine::schema::check_value(schema, &Value::Object(fields.clone()))
                {
                    let said: Vec<String> = problems
                        .into_iter()
                        .map(|(path, why)| format!("{}: {why}", path.trim_start_matches('/')))
                        .collect();
                    return Err(AppError::Usage(format!(
                        "the answer is not complete: {}",
                        said.join("; ")
                    )));
                }
            }
            Some((task, fields))
        }
    };
    let evidence = LinkUse {
        at: now,
        ip: post.ip.clone(),
        user_agent: cut(&post.user_agent, MAX_USER_AGENT),
    };
    let link = match session
        .backend
        .links
        .claim_link(&link.id, &evidence)
        .await?
    {
        LinkClaim::Claimed(link) => link,
        LinkClaim::AlreadyUsed(_) => return Ok(answer(LinkActedState::Used)),
        LinkClaim::Unknown => return Err(AppError::NotFound("this link is not valid".into())),
    };
    let by = link.recipient.clone();
    let mut acted = answer(LinkActedState::Done);
    match task_answer {
        None => {
            let reason = format!(
                "sign-in attested by the holder through a link (from {}, {})",
                evidence.ip, evidence.user_agent
            );
            let recorded = super::accounts::touch::touch_with(
                session,
                &link.subject,
                None,
                by.clone(),
                reason,
            )
            .await?;
            acted.signed_in_on = Some(recorded.signed_in_on);
        }
        Some((task, fields)) => {
            session
                .engine
                .answer_task(
                    &task.id,
                    TaskStatus::Completed,
                    Value::Object(fields),
                    post.note.clone().filter(|n| !n.trim().is_empty()),
                    Some(by.clone()),
                )
                .await?;
        }
    }
    audit(
        session,
        "link.used",
        &link.subject,
        &by,
        json!({
            "via": "link",
            "purpose": link.purpose.as_str(),
            "link": link.id,
            "ip": evidence.ip,
            "user_agent": evidence.user_agent,
        }),
    )
    .await?;
    Ok(acted)
}

/// What asking for a fresh link did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRenewed {
    /// Whether a message with a new link was queued (none for a task no
    /// longer open, nor without a public address).
    pub sent: bool,
}

/// Mails the recipient of link `text` a fresh link for the same purpose.
/// Asking again for the same old link sends nothing more: the new link
/// and its message are derived from the old one, and the outbox sends a
/// message once.
pub async fn renew(
    session: &Session,
    text: &str,
    form_token: &str,
) -> Result<LinkRenewed, AppError> {
    let (secret, link) = checked(session, text).await?;
    if !token::form_token_matches(&secret, &link.id, form_token) {
        return Err(AppError::Refused(
            "the form did not come from this link's page; open the link from the email again"
                .into(),
        ));
    }
    if link.purpose == LinkPurpose::AnswerTask
        && task_of(session, &link)
            .await?
            .is_none_or(|t| t.status != TaskStatus::Open)
    {
        return Ok(LinkRenewed { sent: false });
    }
    let issuer = session.app.link_issuer(&session.backend);
    let id = token::derived_id(&secret, &["renewal", &link.id]);
    let fresh = issuer
        .issue(id, link.purpose, &link.subject, &link.recipient)
        .await?;
    let Some(url) = fresh.url else {
        return Ok(LinkRenewed { sent: false });
    };
    let sentence = crate::link_issuer::link_sentence(link.purpose, Some(&url), false, "");
    let body = format!(
        "Hola:\n\nPidió un enlace nuevo de Garita porque el anterior ya venció o ya se usó.\n\n{sentence}\n\nSi no lo pidió, ignore este mensaje: el enlace no hace nada mientras nadie lo confirme.\n"
    );
    let input = json!({
        "to": link.recipient,
        "subject": "Garita: su enlace nuevo",
        "body": body,
    });
    let app = &session.app;
    let ctx = InvokeContext {
        idempotency_key: IdempotencyKey {
            run_id: format!("link-{}", link.id),
            step_id: "renewal".into(),
            attempt: 1,
        },
        locale: "es".into(),
        time_zone: "UTC".into(),
        now: app.clock.now(),
        deadline: None,
        config: app
            .connector_config()
            .remove(email::CONNECTOR_NAME)
            .unwrap_or_else(|| json!({})),
    };
    app.outbox_connectors(&session.backend)
        .send_email(ctx, input)
        .await
        .map_err(|e| AppError::Refused(format!("the new link could not be sent: {e}")))?;
    audit(
        session,
        "link.renewal_requested",
        &link.subject,
        &link.recipient,
        json!({"via": "link", "purpose": link.purpose.as_str(), "link": link.id}),
    )
    .await?;
    Ok(LinkRenewed { sent: true })
}

async fn audit(
    session: &Session,
    kind: &str,
    subject: &str,
    actor: &str,
    summary: Value,
) -> Result<(), AppError> {
    session
        .backend
        .audit
        .record_audit(AuditRecord {
            at: session.app.clock.now(),
            kind: kind.into(),
            subject: subject.into(),
            actor: Some(actor.to_owned()),
            summary,
        })
        .await?;
    Ok(())
}

async fn account_of(session: &Session, link: &HolderLink) -> Result<Option<Account>, AppError> {
    let Some(key) = AccountKey::parse(&link.subject) else {
        return Ok(None);
    };
    Ok(session.backend.accounts.account(&key).await?)
}

/// The task a link answers: its id, or `RUN.STEP` (the task that step of
/// the run asked, the latest if it asked again). Only a task assigned to
/// the link's recipient, or to nobody, is answered through it.
async fn task_of(session: &Session, link: &HolderLink) -> Result<Option<Task>, AppError> {
    let store = session.backend.runs.as_ref();
    let task = match store.task(&link.subject).await? {
        Some(task) => Some(task),
        None => match link.subject.split_once('.') {
            Some((run, step)) => {
                let filter = TaskFilter {
                    run_id: Some(run.to_owned()),
                    ..TaskFilter::default()
                };
                store
                    .list_tasks(&filter)
                    .await?
                    .into_iter()
                    .filter(|t| t.step_id == step)
                    .max_by_key(|t| t.created_at)
            }
            None => None,
        },
    };
    Ok(task.filter(|t| {
        t.assignee
            .as_deref()
            .is_none_or(|a| a.trim().eq_ignore_ascii_case(&link.recipient))
    }))
}

fn shown_account(account: &Account) -> LinkAccount {
    LinkAccount {
        portal: account.portal.clone(),
        identifier: account.identifier.clone(),
        holder_name: account.holder.name.clone(),
        company: account.company.legal_name.clone(),
        last_sign_in: account.last_sign_in,
    }
}

fn shown_task(task: &Task) -> LinkTask {
    LinkTask {
        title: task.title.clone(),
        body: task.body.clone(),
        due: task.due,
        fields: form_fields(task.fields.as_ref()),
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_cut_on_a_character_boundary() {
        assert_eq!(cut("añb", 2), "a");
        assert_eq!(cut("abc", 10), "abc");
    }
}
