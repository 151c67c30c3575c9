//! The connectors as workflows see them, with the account inventory:
//!
//! - `accounts.*` and `event.emit`, answered by the engine's
//!   [`InventoryConnectors`] over the store;
//! - `ctpat.inactivity_status` and `ctpat.reactivation_request` accept an
//!   inventory `account` instead of the data it holds (the last sign-in; the
//!   user, company and CTPAT account number): connectors never see the store,
//!   so this decorator, in front of them, reads the account and hands the
//!   connector a complete input. Every other call passes straight through.
//!   `reactivation_request` also takes `other_accounts`, more accounts of
//!   the same CTPAT account number, each filled into `other_users`: one
//!   request for several users of one company.
//!
//! The manifests say so too ([`with_lookup_inputs`]), so `garita validate`
//! accepts `account:` on those actions.

use std::sync::Arc;

use async_trait::async_trait;
use garita_engine::account::{Account, AccountKey, AccountStore};
use garita_engine::inventory::InventoryConnectors;
use garita_engine::Connectors;
use garita_sdk::{ActionError, FieldError, InvokeContext, Manifest};
use serde_json::{json, Map, Value};

/// The connector whose actions get lookups.
const CTPAT: &str = "ctpat";
/// Takes `account` in place of `last_sign_in` (the plugin declares it).
const INACTIVITY_STATUS: &str = "inactivity_status";
/// Takes `account` in place of the user and company fields (declared here).
const REACTIVATION_REQUEST: &str = "reactivation_request";
/// The fields `reactivation_request` can read from the inventory.
const REQUEST_FIELDS: [&str; 5] = [
    "company_legal_name",
    "ctpat_account_number",
    "user_full_name",
    "user_email",
    "last_sign_in",
];

/// Connectors with the inventory actions and inventory lookups.
pub struct AccountLookup {
    inner: Arc<dyn Connectors>,
    /// None: declared only (validation, `plugins list`); calls naming an
    /// account then say the inventory is not open.
    accounts: Option<Arc<dyn AccountStore>>,
}

impl AccountLookup {
    /// `inner` with the inventory actions and lookups, over `accounts`.
    pub fn new(inner: Arc<dyn Connectors>, accounts: Arc<dyn AccountStore>) -> Self {
        let inner: Arc<dyn Connectors> =
            Arc::new(InventoryConnectors::new(inner, accounts.clone()));
        Self {
            inner,
            accounts: Some(accounts),
        }
    }

    /// `inner` with the inventory actions and lookups declared (so workflows
    /// using them validate) but no store behind them.
    pub fn declared_only(inner: Arc<dyn Connectors>) -> Self {
        Self {
            inner: Arc::new(InventoryConnectors::declared_only(inner)),
            accounts: None,
        }
    }

    /// The account named by `input.account`, if the input names one; `None`
    /// when it does not (the connector then gets the input as it is).
    async fn named_account(&self, input: &Value) -> Result<Option<Account>, ActionError> {
        let Some(given) = input.get("account").and_then(Value::as_str) else {
            return Ok(None);
        };
        self.account_called(given, "/account").await.map(Some)
    }

    /// The account `given` names; `pointer` is the field that named it.
    async fn account_called(&self, given: &str, pointer: &str) -> Result<Account, ActionError> {
        let Some(accounts) = &self.accounts else {
            return Err(ActionError::permanent(format!(
                "`account: {given}` needs the account inventory, which this command does not open; run it from a workflow, or give the fields instead"
            )));
        };
        // `portal:identifier`, or a bare CTPAT sign-in email.
        let key = AccountKey::parse(given).unwrap_or_else(|| AccountKey::new(CTPAT, given));
        let account = accounts
            .account(&key)
            .await
            .map_err(|e| ActionError::retryable(format!("cannot read the account inventory: {e}")))?
            .ok_or_else(|| {
                ActionError::invalid(
                    format!("no account `{given}` in the inventory"),
                    vec![FieldError::new(
                        pointer,
                        "unknown account; `garita accounts list --portal ctpat` shows them",
                    )],
                )
            })?;
        Ok(account)
    }

    /// `other_accounts` as the `other_users` the connector takes; each must
    /// belong to CTPAT account `number`, since one request goes to the
    /// specialist of one account.
    async fn other_users(&self, given: &Value, number: &str) -> Result<Vec<Value>, ActionError> {
        let keys: Vec<&Value> = match given {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        let mut users = Vec::with_capacity(keys.len());
        for (index, key) in keys.into_iter().enumerate() {
            let pointer = format!("/other_accounts/{index}");
            let Some(key) = key.as_str() else {
                return Err(ActionError::invalid(
                    "other_accounts lists account keys",
                    vec![FieldError::new(
                        pointer,
                        "must be an account key (ctpat:EMAIL)",
                    )],
                ));
            };
            let account = self.account_called(key, &pointer).await?;
            let theirs = account.company.ctpat_account_number.as_deref();
            if theirs != Some(number) {
                return Err(ActionError::invalid(
                    format!(
                        "account `{key}` is not of CTPAT account {number} (it has {})",
                        theirs.unwrap_or("none")
                    ),
                    vec![FieldError::new(
                        pointer,
                        "one request covers the users of one CTPAT account; send another request for this one",
                    )],
                ));
            }
            users.push(json!({
                "user_full_name": account.holder.name,
                "user_email": account.identifier,
                "last_sign_in": last_sign_in(&account)?,
            }));
        }
        Ok(users)
    }

    async fn fill_last_sign_in(&self, input: &mut Value) -> Result<(), ActionError> {
        if input.get("last_sign_in").is_some() {
            return Ok(());
        }
        let Some(account) = self.named_account(input).await? else {
            return Ok(());
        };
        let date = last_sign_in(&account)?;
        if let Some(map) = input.as_object_mut() {
            map.insert("last_sign_in".into(), json!(date));
        }
        Ok(())
    }

    /// Fills the request's user and company fields the input leaves out from
    /// the account, and drops `account` (the connector does not know it).
    async fn fill_request(&self, input: &mut Value) -> Result<(), ActionError> {
        let Some(account) = self.named_account(input).await? else {
            return Ok(());
        };
        let Some(map) = input.as_object_mut() else {
            return Ok(());
        };
        map.remove("account");
        let others = map.remove("other_accounts");
        let missing: Vec<&str> = REQUEST_FIELDS
            .into_iter()
            .filter(|f| map.get(*f).is_none_or(Value::is_null))
            .collect();
        for field in missing {
            let value = match field {
                "company_legal_name" => account.company.legal_name.clone(),
                "ctpat_account_number" => account
                    .company
                    .ctpat_account_number
                    .clone()
                    .ok_or_else(|| no_field(&account, "company.ctpat_account_number", field))?,
                "user_full_name" => account.holder.name.clone(),
                "user_email" => account.identifier.clone(),
                _ => last_sign_in(&account)?,
            };
            map.insert(field.into(), Value::String(value));
        }
        if let Some(others) = others {
            let number = map
                .get("ctpat_account_number")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let mut users = self.other_users(&others, &number).await?;
            if let Some(Value::Array(given)) = map.get("other_users") {
                users.splice(0..0, given.iter().cloned());
            }
            if !users.is_empty() {
                map.insert("other_users".into(), Value::Array(users));
            }
        }
        Ok(())
    }
}

fn last_sign_in(account: &Account) -> Result<String, ActionError> {
    account
        .last_sign_in
        .map(|d| d.format("%Y-%m-%d").to_string())
        .ok_or_else(|| {
            ActionError::invalid(
                format!("account `{}` has no recorded sign-in", account.key()),
                vec![FieldError::new(
                    "/account",
                    "record one with `garita accounts touch ACCOUNT --at DATE`, or give last_sign_in",
                )],
            )
        })
}

fn no_field(account: &Account, stored: &str, field: &str) -> ActionError {
    ActionError::invalid(
        format!(
            "account `{}` has no {stored} in the inventory",
            account.key()
        ),
        vec![FieldError::new(
            "/account",
            format!("add it to the inventory (`garita accounts add`), or give `{field}`"),
        )],
    )
}

/// `manifests` with the lookup inputs declared: `ctpat.reactivation_request`
/// accepts `account` in place of its user and company fields. Applying it
/// twice changes nothing.
pub fn with_lookup_inputs(mut manifests: Vec<Manifest>) -> Vec<Manifest> {
    let request = manifests
        .iter_mut()
        .filter(|m| m.name == CTPAT)
        .flat_map(|m| m.actions.iter_mut())
        .find(|a| a.name == REACTIVATION_REQUEST);
    let Some(schema) = request.and_then(|a| a.input_schema.as_object_mut()) else {
        return manifests;
    };
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return manifests;
    };
    if properties.contains_key("account") {
        return manifests;
    }
    properties.insert(
        "account".into(),
        json!({"type": "string", "minLength": 1, "description": "Instead of the user and company fields: an inventory account (`ctpat:email` or the sign-in email); garita fills the fields it leaves out from the account."}),
    );
    properties.insert(
        "other_accounts".into(),
        json!({"type": "array", "items": {"type": "string", "minLength": 1}, "description": "With `account`: more inventory accounts of the same CTPAT account number, listed in the same request (filled into other_users)."}),
    );
    // Every field is still required, but `account` may stand in for them.
    if let Some(required) = schema.remove("required") {
        let mut all = Map::new();
        all.insert("required".into(), required);
        schema.insert(
            "anyOf".into(),
            json!([Value::Object(all), {"required": ["account"]}]),
        );
    }
    manifests
}

#[async_trait]
impl Connectors for AccountLookup {
    fn manifests(&self) -> Vec<Manifest> {
        with_lookup_inputs(self.inner.manifests())
    }

    async fn invoke(
        &self,
        connector: &str,
        action: &str,
        ctx: InvokeContext,
        mut input: Value,
    ) -> Result<Value, ActionError> {
        match (connector, action) {
            (CTPAT, INACTIVITY_STATUS) => self.fill_last_sign_in(&mut input).await?,
            (CTPAT, REACTIVATION_REQUEST) => self.fill_request(&mut input).await?,
            _ => {}
        }
        self.inner.invoke(connector, action, ctx, input).await
    }
}

#[cfg(test)]
mod tests {
    use garita_engine::account::{AccountUpdate, ChangeMeta, Company, Holder};
    use garita_engine::MemoryAccounts;
    use garita_sdk::ActionSpec;

    use super::*;

    /// Answers every call with the input it got.
    struct Echo;

    #[async_trait]
    impl Connectors for Echo {
        fn manifests(&self) -> Vec<Manifest> {
            vec![Manifest::new("ctpat", "1", "ctpat").action(
                ActionSpec::new(REACTIVATION_REQUEST, "drafts").input_schema(json!({
                    "type": "object",
                    "required": REQUEST_FIELDS,
                    "additionalProperties": false,
                    "properties": {"user_email": {"type": "string"}}
                })),
            )]
        }
        async fn invoke(
            &self,
            _: &str,
            _: &str,
            _: InvokeContext,
            input: Value,
        ) -> Result<Value, ActionError> {
            Ok(input)
        }
    }

    async fn lookup(number: Option<&str>) -> AccountLookup {
        let store = Arc::new(MemoryAccounts::new());
        let mut account = Account::new(
            "ctpat",
            "tom@gulf.example",
            Holder {
                name: "Tom Okafor".into(),
                email: "tom@gulf.example".into(),
                ..Holder::default()
            },
            Company {
                legal_name: "Gulf Coast Produce Inc.".into(),
                tax_id: "12-3456789".into(),
                ctpat_account_number: number.map(str::to_owned),
            },
        );
        account.last_sign_in = chrono::NaiveDate::from_ymd_opt(2026, 1, 26);
        let meta = ChangeMeta {
            by: "test".into(),
            at: chrono::DateTime::UNIX_EPOCH,
        };
        let update = AccountUpdate {
            account,
            reason: "created".into(),
            expected_revision: None,
        };
        store.upsert_accounts(&[update], &meta, None).await.unwrap();
        AccountLookup::new(Arc::new(Echo), store)
    }

    #[tokio::test]
    async fn a_reactivation_request_reads_the_user_and_company_from_the_account() {
        let lookup = lookup(Some("80456123")).await;
        let input = json!({"account": "ctpat:tom@gulf.example", "requested_by": "Compliance"});
        let out = lookup
            .invoke(
                "ctpat",
                REACTIVATION_REQUEST,
                InvokeContext::for_test(),
                input,
            )
            .await
            .unwrap();
        assert_eq!(
            out,
            json!({
                "company_legal_name": "Gulf Coast Produce Inc.",
                "ctpat_account_number": "80456123",
                "user_full_name": "Tom Okafor",
                "user_email": "tom@gulf.example",
                "last_sign_in": "2026-01-26",
                "requested_by": "Compliance",
            })
        );
        // A field given wins over the inventory.
        let given = json!({"account": "tom@gulf.example", "user_full_name": "Thomas Okafor"});
        let out = lookup
            .invoke(
                "ctpat",
                REACTIVATION_REQUEST,
                InvokeContext::for_test(),
                given,
            )
            .await
            .unwrap();
        assert_eq!(out["user_full_name"], json!("Thomas Okafor"));
    }

    #[tokio::test]
    async fn other_accounts_of_the_same_number_become_other_users() {
        let lookup = lookup(Some("80456123")).await;
        let Some(store) = lookup.accounts.clone() else {
            panic!("a store")
        };
        for (email, number) in [
            ("ana@gulf.example", "80456123"),
            ("eve@other.example", "1111"),
        ] {
            let mut account = Account::new(
                "ctpat",
                email,
                Holder {
                    name: format!("Holder of {email}"),
                    email: email.into(),
                    ..Holder::default()
                },
                Company {
                    legal_name: "Company".into(),
                    tax_id: "12-3456789".into(),
                    ctpat_account_number: Some(number.into()),
                },
            );
            account.last_sign_in = chrono::NaiveDate::from_ymd_opt(2026, 1, 27);
            let meta = ChangeMeta {
                by: "test".into(),
                at: chrono::DateTime::UNIX_EPOCH,
            };
            let update = AccountUpdate {
                account,
                reason: "created".into(),
                expected_revision: None,
            };
            store.upsert_accounts(&[update], &meta, None).await.unwrap();
        }
        let input = json!({"account": "ctpat:tom@gulf.example", "other_accounts": ["ctpat:ana@gulf.example"]});
        let out = lookup
            .invoke(
                "ctpat",
                REACTIVATION_REQUEST,
                InvokeContext::for_test(),
                input,
            )
            .await
            .unwrap();
        assert_eq!(
            out["other_users"],
            json!([{"user_full_name": "Holder of ana@gulf.example", "user_email": "ana@gulf.example", "last_sign_in": "2026-01-27"}])
        );
        assert!(out.get("other_accounts").is_none());
        let mixed = json!({"account": "ctpat:tom@gulf.example", "other_accounts": ["ctpat:eve@other.example"]});
        let err = lookup
            .invoke(
                "ctpat",
                REACTIVATION_REQUEST,
                InvokeContext::for_test(),
                mixed,
            )
            .await
            .unwrap_err();
        assert!(
            err.message().contains("not of CTPAT account 80456123"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_missing_account_number_is_named() {
        let lookup = lookup(None).await;
        let err = lookup
            .invoke(
                "ctpat",
                REACTIVATION_REQUEST,
                InvokeContext::for_test(),
                json!({"account": "ctpat:tom@gulf.example"}),
            )
            .await
            .unwrap_err();
        assert!(
            err.message().contains("no company.ctpat_account_number"),
            "{err}"
        );
    }

    #[test]
    fn the_manifest_accepts_account_in_place_of_the_fields() {
        let once = with_lookup_inputs(Echo.manifests());
        let twice = with_lookup_inputs(once.clone());
        assert_eq!(once, twice);
        let schema = &once[0].actions[0].input_schema;
        assert!(schema["properties"]["account"].is_object());
        assert!(schema.get("required").is_none());
        garita_engine::schema::check_value(schema, &json!({"account": "ctpat:x@y.example"}))
            .unwrap();
        assert!(garita_engine::schema::check_value(schema, &json!({"user_email": "x"})).is_err());
    }
}
