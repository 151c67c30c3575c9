//! The engine's [`LinkStore`] on PostgreSQL (table `links`, migration 7):
//! one row per record, keyed as the backup's `links` kind, the value in
//! `record_codec` bytes as on sled; a feed token's email copied into
//! `email` so a person's feeds are revoked with one statement.
//!
//! The secret and a new link are inserted with `ON CONFLICT DO NOTHING`
//! and read back, so concurrent writers agree on the first; a link's use
//! is claimed under the row's lock (`SELECT ... FOR UPDATE`), so of
//! concurrent claims from any number of daemons one wins. Link records
//! are backed up; they are not in the audit chain (what a link does is:
//! the sign-in or the answer it records).

use async_trait::async_trait;
use garita_engine::link::{
    feed_key, link_key, FeedToken, HolderLink, LinkClaim, LinkSecret, LinkStore, LinkUse,
    SECRET_KEY,
};
use garita_engine::record_codec::{decode, encode};
use garita_engine::StoreError;

use crate::store::PostgresStore;

impl PostgresStore {
    async fn link_record(&self, key: &[u8], doing: &str) -> Result<Option<Vec<u8>>, StoreError> {
        sqlx::query_scalar("SELECT record FROM links WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.error(doing))
    }

    /// Inserts `value` under `key` unless a row is there; the row's value
    /// afterwards.
    async fn insert_link_record(
        &self,
        key: &[u8],
        email: Option<&str>,
        value: &[u8],
        doing: &str,
    ) -> Result<Vec<u8>, StoreError> {
        sqlx::query(
            "INSERT INTO links (key, email, record) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(email)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(self.error(doing))?;
        self.link_record(key, doing)
            .await?
            .ok_or_else(|| StoreError::Corrupt {
                what: doing.to_owned(),
                detail: "the row was written and then was not there".into(),
            })
    }

    async fn claim_now(&self, id: &str, used: &LinkUse) -> Result<LinkClaim, StoreError> {
        let doing = "recording a link's use";
        let what = format!("link {id}");
        let key = link_key(id);
        let mut tx = self.pool.begin().await.map_err(self.error(doing))?;
        let old: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT record FROM links WHERE key = $1 FOR UPDATE")
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(self.error(doing))?;
        let Some(old) = old else {
            tx.rollback().await.map_err(self.error(doing))?;
            return Ok(LinkClaim::Unknown);
        };
        let link: HolderLink = decode(&old, || what.clone())?;
        if link.used.is_some() {
            tx.rollback().await.map_err(self.error(doing))?;
            return Ok(LinkClaim::AlreadyUsed(link));
        }
        let claimed = HolderLink {
            used: Some(used.clone()),
            ..link
        };
        sqlx::query("UPDATE links SET record = $2 WHERE key = $1")
            .bind(&key)
            .bind(encode(&claimed, &what)?)
            .execute(&mut *tx)
            .await
            .map_err(self.error(doing))?;
        tx.commit().await.map_err(self.error(doing))?;
        Ok(LinkClaim::Claimed(claimed))
    }
}

#[async_trait]
impl LinkStore for PostgresStore {
    async fn link_secret(&self, candidate: &LinkSecret) -> Result<LinkSecret, StoreError> {
        let doing = "storing the link secret";
        let value = encode(candidate, "the link secret")?;
        let stored = self
            .insert_link_record(SECRET_KEY, None, &value, doing)
            .await?;
        decode(&stored, || "the link secret".to_owned())
    }

    async fn stored_link_secret(&self) -> Result<Option<LinkSecret>, StoreError> {
        self.link_record(SECRET_KEY, "reading the link secret")
            .await?
            .map(|bytes| decode(&bytes, || "the link secret".to_owned()))
            .transpose()
    }

    async fn put_link(&self, link: &HolderLink) -> Result<(), StoreError> {
        let value = encode(link, &format!("link {}", link.id))?;
        self.insert_link_record(&link_key(&link.id), None, &value, "storing a link")
            .await
            .map(drop)
    }

    async fn link(&self, id: &str) -> Result<Option<HolderLink>, StoreError> {
        self.link_record(&link_key(id), "reading a link")
            .await?
            .map(|bytes| decode(&bytes, || format!("link {id}")))
            .transpose()
    }

    async fn claim_link(&self, id: &str, used: &LinkUse) -> Result<LinkClaim, StoreError> {
        self.claim_now(id, used).await
    }

    async fn put_feed_token(&self, token: &FeedToken) -> Result<(), StoreError> {
        let doing = "storing a calendar feed token";
        sqlx::query(
            "INSERT INTO links (key, email, record) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET email = EXCLUDED.email, record = EXCLUDED.record",
        )
        .bind(feed_key(&token.token_hash))
        .bind(&token.email)
        .bind(encode(token, "a calendar feed token")?)
        .execute(&self.pool)
        .await
        .map_err(self.error(doing))
        .map(drop)
    }

    async fn feed_token(&self, token_hash: &str) -> Result<Option<FeedToken>, StoreError> {
        self.link_record(&feed_key(token_hash), "reading a calendar feed token")
            .await?
            .map(|bytes| decode(&bytes, || "a calendar feed token".to_owned()))
            .transpose()
    }

    async fn revoke_feed_tokens(&self, email: &str) -> Result<u64, StoreError> {
        let removed = sqlx::query("DELETE FROM links WHERE email = $1")
            .bind(email)
            .execute(&self.pool)
            .await
            .map_err(self.error("revoking calendar feed tokens"))?;
        Ok(removed.rows_affected())
    }
}
