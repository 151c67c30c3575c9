//! Personal calendar feeds (`garita calendar url --user EMAIL`): a URL
//! with a secret token that the console serves as an iCalendar feed
//! without a sign-in, for Outlook or Google Calendar to subscribe to. The
//! store keeps only the token's SHA-256 ([`garita_engine::link::FeedToken`]),
//! so the URL is shown once; `--revoke` removes every feed of the person.
//!
//! Whose deadlines: a console user (officer, auditor, admin) oversees the
//! inventory, so their feed has every deadline; anybody else's has the
//! accounts they hold and the tasks assigned to them (the calendar
//! operation's `holder` filter).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use garita_engine::audit::AuditRecord;
use garita_engine::link::FeedToken;
use garita_engine::user::normalize_email;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::calendar::{CalendarDeadlines, CalendarQuery};
use super::Session;
use crate::AppError;

/// The path feeds are served at, under the console's address.
pub const FEED_PATH: &str = "/calendario/";

/// What `garita calendar url` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FeedUrl {
    /// Whose feed.
    pub email: String,
    /// The new feed's address (none when revoking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How many feeds were revoked (when revoking).
    pub revoked: u64,
}

/// Makes a feed URL for `user`, or with `revoke` removes all of theirs.
pub async fn url(
    session: &Session,
    user: &str,
    revoke: bool,
    by: String,
) -> Result<FeedUrl, AppError> {
    let email = normalize_email(user).map_err(|e| AppError::Usage(format!("--user: {e}")))?;
    let links = &session.backend.links;
    if revoke {
        let revoked = links.revoke_feed_tokens(&email).await?;
        audit(
            session,
            "calendar.feed_revoked",
            &email,
            &by,
            json!({"revoked": revoked}),
        )
        .await?;
        return Ok(FeedUrl {
            email,
            url: None,
            revoked,
        });
    }
    let base = base_url(session)?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        AppError::Refused(format!(
            "the system gave no random bytes for the feed's token: {e}"
        ))
    })?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    links
        .put_feed_token(&FeedToken {
            token_hash: token_hash(&token),
            email: email.clone(),
            created_at: session.app.clock.now(),
        })
        .await?;
    audit(session, "calendar.feed_created", &email, &by, json!({})).await?;
    Ok(FeedUrl {
        email,
        url: Some(format!("{base}{FEED_PATH}{token}.ics")),
        revoked: 0,
    })
}

/// The deadlines of the feed whose token is `token`; `NotFound` for an
/// unknown or revoked one.
pub async fn feed(session: &Session, token: &str) -> Result<CalendarDeadlines, AppError> {
    let not_found = || AppError::NotFound("no such calendar feed".into());
    if token.is_empty()
        || token.len() > 64
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(not_found());
    }
    let found = session
        .backend
        .links
        .feed_token(&token_hash(token))
        .await?
        .ok_or_else(not_found)?;
    let oversees = session
        .backend
        .users
        .user(&found.email)
        .await?
        .is_some_and(|u| !u.disabled);
    let query = CalendarQuery {
        holder: (!oversees).then(|| found.email.clone()),
        ..CalendarQuery::default()
    };
    super::calendar::deadlines(session, query).await
}

/// The console's address for feed URLs: `[web] public_url`, else the
/// listen address (reachable from this machine only).
fn base_url(session: &Session) -> Result<String, AppError> {
    let web = session.app.settings.web.resolve()?.ok_or_else(|| {
        AppError::Config(
            "the console is not configured, and it serves the feeds: set [web] listen (and public_url for other machines) in garita.toml (docs/console.md)".into(),
        )
    })?;
    Ok(web
        .public_url
        .unwrap_or_else(|| format!("http://{}", web.listen)))
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn audit(
    session: &Session,
    kind: &str,
    subject: &str,
    actor: &str,
    summary: serde_json::Value,
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
