//! `garita accounts add`: records one account from flags, or changes the
//! given fields of an existing one (the others keep their values). The
//! flags go through the same checks as an imported row.

use std::process::ExitCode;

use garita_engine::account::{
    facts, revision_of, AccountStore, AccountUpdate, ChangeMeta, UpsertOutcome,
};

use super::columns::{self, Cells};
use super::row::{self, Problem, RowContext};
use super::{account_json, author, known_portals, WRITE_ATTEMPTS};
use crate::app::App;
use crate::cli::AccountArgs;
use crate::output::say;
use garita_app::ctpat_rule;

pub async fn add(app: &App, args: AccountArgs) -> anyhow::Result<ExitCode> {
    let by = args.by.clone();
    let cells = cells_of(args)?;
    let store = app.open_store()?;
    let rule = ctpat_rule::from_app(app)?;
    let portals = known_portals(app);
    let now = app.clock.now();
    let ctx = RowContext {
        portals: &portals,
        today: rule.today(now),
        ctpat: &rule,
        may_reinstate: true,
    };
    let key = row::key_of(&cells, &ctx).map_err(flag_problems)?;
    let meta = ChangeMeta {
        by: author(app, by),
        at: now,
    };
    // Another command may change the account between this read and the
    // write: the store then refuses the write and the row is applied again
    // over what is stored now, so neither change is lost.
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        let existing = store.account(&key).await?;
        let mut account = row::build(&cells, existing.as_ref(), &ctx).map_err(flag_problems)?;
        if let Some(before) = &existing {
            // Deactivated -> active on CTPAT is CBP's reactivation: the rules
            // then expect a sign-in that same day.
            facts::note_reactivation(before.status, &mut account, ctx.today);
        }
        let reason = if existing.is_some() {
            "changed with `garita accounts add`"
        } else {
            "added with `garita accounts add`"
        };
        let update = AccountUpdate {
            account,
            reason: reason.into(),
            expected_revision: Some(revision_of(existing.as_ref())),
        };
        match store
            .upsert_accounts(std::slice::from_ref(&update), &meta, None)
            .await
        {
            Ok(outcomes) => {
                break outcomes
                    .first()
                    .copied()
                    .unwrap_or(UpsertOutcome::Unchanged)
            }
            Err(e) if e.is_conflict() && attempt < WRITE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    };
    let rules = garita_app::reconcile::reconcile_now(app, store.clone()).await?;
    let stored = store.account(&key).await?;
    if app.global.json {
        crate::output::json(&serde_json::json!({
            "key": key.to_string(),
            "outcome": outcome,
            "account": stored.as_ref().map(account_json),
            "rules": rules.applied,
        }))?;
    } else {
        let verb = match outcome {
            UpsertOutcome::Created => "added",
            UpsertOutcome::Updated => "updated",
            UpsertOutcome::Unchanged => "unchanged",
        };
        say!("{verb} {key}");
        for line in garita_app::reconcile::describe(&rules) {
            say!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The flags as cells of the import's columns (only the flags given).
fn cells_of(args: AccountArgs) -> anyhow::Result<Cells> {
    let mut cells = Cells::default();
    let mut put = |column: &'static str, value: Option<String>| {
        if let Some(value) = value {
            cells.fixed.insert(column, value.trim().to_owned());
        }
    };
    put(columns::PORTAL, Some(args.portal));
    put(columns::ACCOUNT, Some(args.account));
    put(columns::HOLDER_NAME, args.holder_name);
    put(columns::HOLDER_EMAIL, args.holder_email);
    put(columns::EMPLOYEE_ID, args.employee_id);
    put(columns::HOLDER_NATIONAL_ID, args.holder_national_id);
    put(columns::COMPANY, args.company);
    put(columns::TAX_ID, args.tax_id);
    put(columns::CTPAT_ACCOUNT_NUMBER, args.ctpat_account_number);
    put(columns::ROLE, args.role);
    put(columns::STATUS, args.status);
    put(columns::LAST_SIGN_IN, args.last_sign_in);
    for pair in args.attributes {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(crate::usage::UsageError(format!(
                "--attr `{pair}` must look like KEY=VALUE (an empty VALUE removes the attribute)"
            ))
            .into());
        };
        let name = name.trim();
        if !columns::is_attribute_name(name) || columns::classify(&format!("attr.{name}")).is_err()
        {
            return Err(crate::usage::UsageError(format!(
                "--attr `{pair}`: the name uses letters, digits, `_`, `-` and `.`, and cannot name a password"
            ))
            .into());
        }
        cells
            .attributes
            .insert(name.to_owned(), value.trim().to_owned());
    }
    Ok(cells)
}

/// The problems, named by flag rather than by column.
fn flag_problems(problems: Vec<Problem>) -> anyhow::Error {
    let lines: Vec<String> = problems
        .iter()
        .map(|p| {
            let flag = match p.column.strip_prefix(columns::ATTRIBUTE_PREFIX) {
                Some(name) => format!("--attr {name}"),
                None => format!("--{}", p.column.replace('_', "-")),
            };
            format!("{flag}: {}", p.message)
        })
        .collect();
    anyhow::anyhow!("{}\nnothing was changed", lines.join("\n"))
}
