//! [`LinkStore`]: what a backend keeps for holders' links and calendar feeds.

use async_trait::async_trait;

use super::model::{FeedToken, HolderLink, LinkClaim, LinkSecret, LinkUse};
use crate::store::StoreError;

/// The link secret, the links and their use, and the feed tokens. What
/// every implementation must do is checked by
/// [`super::conformance::link_checks`].
#[async_trait]
pub trait LinkStore: Send + Sync {
    /// The stored secret; when there is none yet, stores `candidate` and
    /// answers it. Two callers at once get the same secret. Durable when
    /// it returns.
    async fn link_secret(&self, candidate: &LinkSecret) -> Result<LinkSecret, StoreError>;

    /// The stored secret, if one was made (reading never makes one: a
    /// link opened before any was sent changes nothing).
    async fn stored_link_secret(&self) -> Result<Option<LinkSecret>, StoreError>;

    /// Stores `link` unless a link with its id is stored (a retried
    /// message keeps the link, and its use, it had). Durable when it returns.
    async fn put_link(&self, link: &HolderLink) -> Result<(), StoreError>;

    /// The link with this id.
    async fn link(&self, id: &str) -> Result<Option<HolderLink>, StoreError>;

    /// Marks the link used by `used` if nobody used it yet, atomically:
    /// of concurrent claims exactly one is [`LinkClaim::Claimed`]. Durable
    /// when it returns.
    async fn claim_link(&self, id: &str, used: &LinkUse) -> Result<LinkClaim, StoreError>;

    /// Stores a feed token (durable when it returns).
    async fn put_feed_token(&self, token: &FeedToken) -> Result<(), StoreError>;

    /// The feed token whose SHA-256 is `token_hash`.
    async fn feed_token(&self, token_hash: &str) -> Result<Option<FeedToken>, StoreError>;

    /// Removes every feed token of `email`; how many there were.
    async fn revoke_feed_tokens(&self, email: &str) -> Result<u64, StoreError>;
}
