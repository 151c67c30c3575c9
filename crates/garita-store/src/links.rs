//! The engine's [`LinkStore`] on [`SledStore`] (schema version 3): tree
//! `links`, keyed as the backup's `links` kind (`garita_engine::link`):
//! `secret`, `link\0ID`, `feed\0HASH`, values in the store's encoding.
//!
//! The secret, a new link and a link's use are each one compare-and-swap
//! on one key, so of two writers exactly one wins, and each is made
//! durable before the call returns. The tree is a backup record kind (its
//! name is the kind's).

use async_trait::async_trait;
use garita_engine::link::{
    feed_key, link_key, FeedToken, HolderLink, LinkClaim, LinkSecret, LinkStore, LinkUse,
    SECRET_KEY,
};
use garita_engine::StoreError;

use crate::accounts::blocking::run_blocking;
use crate::codec::{decode, encode};
use crate::errors::sled_error;
use crate::store::SledStore;

/// The tree's name (a backup record kind).
const LINKS: &str = "links";

impl SledStore {
    fn links_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db
            .open_tree(LINKS)
            .map_err(|e| sled_error(&self.path, "opening tree `links`", e))
    }

    fn read_link_record<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, StoreError> {
        self.links_tree()?
            .get(key)
            .map_err(|e| sled_error(&self.path, &format!("reading {what}"), e))?
            .map(|bytes| decode(&bytes, || what.to_owned()))
            .transpose()
    }

    /// Runs `work` on the tree off the async threads, then makes it durable.
    async fn links_write<T, F>(&self, doing: &'static str, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&sled::Tree, &std::path::Path) -> Result<T, StoreError> + Send + 'static,
    {
        self.flush.check_healthy()?;
        let tree = self.links_tree()?;
        let (path, flush) = (self.path.clone(), self.flush.clone());
        run_blocking(&self.path, doing, "open the link again", move || {
            let answer = work(&tree, &path)?;
            flush.run()?;
            Ok(answer)
        })
        .await
    }
}

/// Inserts `value` under `key` unless something is there; what is there
/// afterwards.
fn insert_if_absent(
    tree: &sled::Tree,
    path: &std::path::Path,
    key: &[u8],
    value: Vec<u8>,
    doing: &str,
) -> Result<sled::IVec, StoreError> {
    match tree
        .compare_and_swap(key, None as Option<&[u8]>, Some(value.clone()))
        .map_err(|e| sled_error(path, doing, e))?
    {
        Ok(()) => Ok(value.into()),
        Err(found) => found.current.ok_or_else(|| StoreError::Corrupt {
            what: doing.to_owned(),
            detail: "a record was there and then was not".into(),
        }),
    }
}

#[async_trait]
impl LinkStore for SledStore {
    async fn link_secret(&self, candidate: &LinkSecret) -> Result<LinkSecret, StoreError> {
        if let Some(stored) = self.read_link_record(SECRET_KEY, "the link secret")? {
            return Ok(stored);
        }
        let value = encode(candidate, "the link secret")?;
        let stored = self
            .links_write("storing the link secret", move |tree, path| {
                insert_if_absent(tree, path, SECRET_KEY, value, "storing the link secret")
            })
            .await?;
        decode(&stored, || "the link secret".to_owned())
    }

    async fn stored_link_secret(&self) -> Result<Option<LinkSecret>, StoreError> {
        self.read_link_record(SECRET_KEY, "the link secret")
    }

    async fn put_link(&self, link: &HolderLink) -> Result<(), StoreError> {
        let what = format!("link {}", link.id);
        let value = encode(link, &what)?;
        let key = link_key(&link.id);
        self.links_write("storing a link", move |tree, path| {
            insert_if_absent(tree, path, &key, value, "storing a link").map(drop)
        })
        .await
    }

    async fn link(&self, id: &str) -> Result<Option<HolderLink>, StoreError> {
        self.read_link_record(&link_key(id), &format!("link {id}"))
    }

    async fn claim_link(&self, id: &str, used: &LinkUse) -> Result<LinkClaim, StoreError> {
        let key = link_key(id);
        let what = format!("link {id}");
        let used = used.clone();
        self.links_write("recording a link's use", move |tree, path| loop {
            let doing = "recording a link's use";
            let Some(old) = tree.get(&key).map_err(|e| sled_error(path, doing, e))? else {
                return Ok(LinkClaim::Unknown);
            };
            let link: HolderLink = decode(&old, || what.clone())?;
            if link.used.is_some() {
                return Ok(LinkClaim::AlreadyUsed(link));
            }
            let claimed = HolderLink {
                used: Some(used.clone()),
                ..link
            };
            let new = encode(&claimed, &what)?;
            match tree
                .compare_and_swap(&key, Some(old), Some(new))
                .map_err(|e| sled_error(path, doing, e))?
            {
                Ok(()) => return Ok(LinkClaim::Claimed(claimed)),
                // Somebody else changed it in between: look again.
                Err(_) => continue,
            }
        })
        .await
    }

    async fn put_feed_token(&self, token: &FeedToken) -> Result<(), StoreError> {
        let value = encode(token, "a calendar feed token")?;
        let key = feed_key(&token.token_hash);
        self.links_write("storing a calendar feed token", move |tree, path| {
            tree.insert(key, value)
                .map_err(|e| sled_error(path, "storing a calendar feed token", e))
                .map(drop)
        })
        .await
    }

    async fn feed_token(&self, token_hash: &str) -> Result<Option<FeedToken>, StoreError> {
        self.read_link_record(&feed_key(token_hash), "a calendar feed token")
    }

    async fn revoke_feed_tokens(&self, email: &str) -> Result<u64, StoreError> {
        let email = email.to_owned();
        self.links_write("revoking calendar feed tokens", move |tree, path| {
            let doing = "revoking calendar feed tokens";
            let mut removed = 0;
            for item in tree.scan_prefix(feed_key("")) {
                let (key, value) = item.map_err(|e| sled_error(path, doing, e))?;
                let token: FeedToken = decode(&value, || "a calendar feed token".to_owned())?;
                if token.email == email
                    && tree
                        .remove(&key)
                        .map_err(|e| sled_error(path, doing, e))?
                        .is_some()
                {
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use garita_engine::backup::{BackupRecords, RecordKind};
    use garita_engine::link::conformance::link_checks;

    use super::*;
    use crate::StoreOptions;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_sled_link_store_keeps_the_link_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SledStore::open(dir.path(), StoreOptions::default()).unwrap());
        link_checks(store.clone()).await;
        // Everything it holds is in a backup, under the documented keys.
        let set = store.export_records().await.unwrap();
        let keys: Vec<&[u8]> = set
            .section(RecordKind::Links)
            .iter()
            .map(|(k, _)| k.as_slice())
            .collect();
        assert!(keys.contains(&SECRET_KEY), "{keys:?}");
        assert!(keys.iter().any(|k| k.starts_with(b"link\0")));
        assert!(keys.iter().any(|k| k.starts_with(b"feed\0")));
        for (key, value) in set.section(RecordKind::Links) {
            garita_engine::link::check_record(key, value).unwrap();
        }
    }
}
