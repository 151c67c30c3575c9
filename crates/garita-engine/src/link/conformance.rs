//! What every [`LinkStore`] must do, as a suite each implementation runs
//! from its own tests (sled in `garita-store`, PostgreSQL in
//! `garita-store-postgres`).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::model::{FeedToken, HolderLink, LinkClaim, LinkPurpose, LinkSecret, LinkUse};
use super::store::LinkStore;
use super::token::id_from_bytes;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_772_000_000 + seconds, 0).unwrap_or_default()
}

fn link(n: u8, purpose: LinkPurpose) -> HolderLink {
    HolderLink {
        id: id_from_bytes([n; 16]),
        purpose,
        subject: format!("ctpat:ACME-{n}"),
        recipient: "ana@example.com".into(),
        created_at: at(0),
        expires_at: at(0) + Duration::days(7),
        used: None,
    }
}

fn use_from(ip: &str) -> LinkUse {
    LinkUse {
        at: at(60),
        ip: ip.into(),
        user_agent: "Mozilla/5.0 (conformance)".into(),
    }
}

/// Every check, on `store` (which must start empty). `Arc` so the
/// concurrent claims can share it.
pub async fn link_checks(store: Arc<dyn LinkStore>) {
    the_secret_is_made_once(store.as_ref()).await;
    links_come_back_and_are_kept_once(store.as_ref()).await;
    a_link_is_claimed_once(store.as_ref()).await;
    concurrent_claims_have_one_winner(store.clone()).await;
    feed_tokens_are_found_by_hash_and_revoked_by_person(store.as_ref()).await;
}

async fn the_secret_is_made_once(store: &dyn LinkStore) {
    let first = LinkSecret {
        key: "Zmlyc3Q=".into(),
        created_at: at(0),
    };
    let second = LinkSecret {
        key: "c2Vjb25k".into(),
        created_at: at(10),
    };
    assert_eq!(store.stored_link_secret().await.expect("read"), None);
    assert_eq!(store.link_secret(&first).await.expect("secret"), first);
    assert_eq!(
        store.stored_link_secret().await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store.link_secret(&second).await.expect("secret"),
        first,
        "a second candidate must not replace the stored secret"
    );
}

async fn links_come_back_and_are_kept_once(store: &dyn LinkStore) {
    let one = link(1, LinkPurpose::SignedIn);
    assert_eq!(store.link(&one.id).await.expect("read"), None);
    store.put_link(&one).await.expect("put");
    assert_eq!(store.link(&one.id).await.expect("read"), Some(one.clone()));
    let task = link(2, LinkPurpose::AnswerTask);
    store.put_link(&task).await.expect("put");
    assert_eq!(store.link(&task.id).await.expect("read"), Some(task));
    // Stored again (a retried message): the stored one stays.
    let changed = HolderLink {
        subject: "ctpat:OTHER".into(),
        ..one.clone()
    };
    store.put_link(&changed).await.expect("put again");
    assert_eq!(
        store.link(&one.id).await.expect("read"),
        Some(one),
        "put_link must not replace a stored link"
    );
}

async fn a_link_is_claimed_once(store: &dyn LinkStore) {
    let one = link(3, LinkPurpose::SignedIn);
    store.put_link(&one).await.expect("put");
    let first = store
        .claim_link(&one.id, &use_from("192.0.2.1"))
        .await
        .expect("claim");
    let used = HolderLink {
        used: Some(use_from("192.0.2.1")),
        ..one.clone()
    };
    assert_eq!(first, LinkClaim::Claimed(used.clone()));
    let second = store
        .claim_link(&one.id, &use_from("198.51.100.9"))
        .await
        .expect("claim again");
    assert_eq!(
        second,
        LinkClaim::AlreadyUsed(used.clone()),
        "a used link stays used by its first use"
    );
    assert_eq!(store.link(&one.id).await.expect("read"), Some(used));
    // A used link put again (the message retried) stays used.
    store.put_link(&one).await.expect("put again");
    assert!(store
        .link(&one.id)
        .await
        .expect("read")
        .and_then(|l| l.used)
        .is_some());
    assert_eq!(
        store
            .claim_link(&id_from_bytes([99; 16]), &use_from("192.0.2.1"))
            .await
            .expect("claim unknown"),
        LinkClaim::Unknown
    );
}

async fn concurrent_claims_have_one_winner(store: Arc<dyn LinkStore>) {
    let one = link(4, LinkPurpose::AnswerTask);
    store.put_link(&one).await.expect("put");
    let mut claims = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let id = one.id.clone();
        claims.push(tokio::spawn(async move {
            store
                .claim_link(&id, &use_from(&format!("192.0.2.{i}")))
                .await
                .expect("claim")
        }));
    }
    let mut won = 0;
    for claim in claims {
        match claim.await.expect("join") {
            LinkClaim::Claimed(_) => won += 1,
            LinkClaim::AlreadyUsed(_) => {}
            LinkClaim::Unknown => panic!("the link was stored"),
        }
    }
    assert_eq!(won, 1, "exactly one of concurrent claims may act");
}

async fn feed_tokens_are_found_by_hash_and_revoked_by_person(store: &dyn LinkStore) {
    let token = |n: u8, email: &str| FeedToken {
        token_hash: format!("{n:02x}").repeat(32),
        email: email.into(),
        created_at: at(0),
    };
    let (a1, a2, b) = (
        token(1, "ana@example.com"),
        token(2, "ana@example.com"),
        token(3, "bea@example.com"),
    );
    for t in [&a1, &a2, &b] {
        store.put_feed_token(t).await.expect("put feed");
    }
    assert_eq!(
        store.feed_token(&a1.token_hash).await.expect("read"),
        Some(a1.clone())
    );
    assert_eq!(
        store.feed_token(&"ff".repeat(32)).await.expect("read"),
        None
    );
    assert_eq!(
        store
            .revoke_feed_tokens("ana@example.com")
            .await
            .expect("revoke"),
        2
    );
    assert_eq!(store.feed_token(&a1.token_hash).await.expect("read"), None);
    assert_eq!(store.feed_token(&a2.token_hash).await.expect("read"), None);
    assert_eq!(
        store.feed_token(&b.token_hash).await.expect("read"),
        Some(b),
        "another person's feed stays"
    );
    assert_eq!(
        store
            .revoke_feed_tokens("ana@example.com")
            .await
            .expect("revoke again"),
        0
    );
}
