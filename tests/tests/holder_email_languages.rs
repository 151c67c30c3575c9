//! The shipped workflows' emails to holders, in both languages, with the
//! real binary and `[web] public_url` set: a holder whose inventory
//! `locale` is `en` gets an English email with the signed link sentence in
//! English, one with `es` (or none) a Spanish one, and neither carries a
//! command line, field syntax or a leftover link marker.

mod support;

use std::path::Path;

use support::workflows::*;
use support::*;

const WATCH: &str = "workflows/ctpat-inactivity-watch.yaml";
const REACTIVATION: &str = "workflows/ctpat-reactivation.yaml";
const OFFICER: &str = "oficial@gulfcoast-produce.example";
const ANA: &str = "ana.ruiz@gulfcoast-produce.example";
const ROSA: &str = "rosa.lugo@gulfcoast-produce.example";
const PUBLIC: &str = "https://garita.example.com";

const HEADER: &str = "portal,account,holder_name,holder_email,company,tax_id,ctpat_account_number,role,status,last_sign_in,time_zone,locale\n";

fn row(holder: &str, status: &str, zone: &str, locale: &str) -> String {
    format!("ctpat,{holder},Holder Name,{holder},Gulf Coast Produce Distributors Inc.,27-5501846,80456123,User,{status},2026-03-02,{zone},{locale}\n")
}

fn config(dir: &Path) -> std::path::PathBuf {
    write(
        dir,
        "garita.toml",
        &format!(
            "[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"{PUBLIC}\"\n\n[connectors.ctpat]\ncbp_specialist_email = \"scss.specialist@cbp.dhs.example\"\n"
        ),
    )
}

/// What no email to a holder may hold: a command line, `--field`-style
/// syntax, a template or a link marker left unexpanded.
fn assert_readable(mail: &Mail) {
    for text in [Some(&mail.body), mail.html.as_ref()].into_iter().flatten() {
        for bad in ["garita ", "--field", "approved=", "${{", "{%", "⟦"] {
            assert!(!text.contains(bad), "{bad:?} in\n{text}");
        }
    }
}

/// The link under the public address, in text and in HTML.
fn assert_link(mail: &Mail) {
    assert!(
        mail.body.contains(&format!(": {PUBLIC}/enlace/")),
        "a link in\n{}",
        mail.body
    );
    let html = mail.html.as_deref().expect("an HTML part");
    assert!(html.contains(&format!("href=\"{PUBLIC}/enlace/")), "{html}");
}

#[test]
fn the_inactivity_reminder_carries_the_signed_link_in_each_holders_language() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = config(dir.path());
    let csv = format!(
        "{HEADER}{}{}",
        row(ANA, "active", "America/New_York", "en"),
        row(ROSA, "active", "America/Tijuana", "es")
    );
    import(&store, dir.path(), &csv, "2026-03-25T12:00:00Z");
    // 1 April 2026 is day 30 without a sign-in for both.
    ok(atc(&store, &config, "2026-04-01T11:00:00Z")
        .arg("run")
        .arg(root().join(WATCH))
        .args(["--input", &format!("officer={OFFICER}")]));
    let mails = outbox(&store);
    assert_eq!(mails.len(), 2, "{mails:#?}");
    let english = mails.iter().find(|m| m.to == ANA).unwrap();
    let spanish = mails.iter().find(|m| m.to == ROSA).unwrap();

    assert!(
        english.body.contains("Hello Holder Name,"),
        "{}",
        english.body
    );
    assert!(
        english.body.contains(
            "Once you have signed in, confirm it here (open the link and click \"Confirm\""
        ),
        "{}",
        english.body
    );
    assert!(
        !english.body.contains("Cuando haya entrado"),
        "{}",
        english.body
    );
    assert_link(english);
    assert_readable(english);

    assert!(
        spanish.body.contains("Hola, Holder Name:"),
        "{}",
        spanish.body
    );
    assert!(
        spanish.body.contains(
            "Cuando haya entrado, confírmelo aquí (abra el enlace y haga clic en «Confirmar»"
        ),
        "{}",
        spanish.body
    );
    assert!(!spanish.body.contains("Once you have"), "{}", spanish.body);
    assert_link(spanish);
    assert_readable(spanish);
}

#[test]
fn the_reactivation_notice_carries_the_signed_link_in_each_holders_language() {
    for (holder, zone, locale, sentence) in [
        (
            ANA,
            "America/New_York",
            "en",
            "Once you have signed in, confirm it here",
        ),
        (
            ROSA,
            "America/Tijuana",
            "es",
            "Cuando haya entrado, confírmelo aquí",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        let config = config(dir.path());
        import(
            &store,
            dir.path(),
            &format!("{HEADER}{}", row(holder, "deactivated", zone, locale)),
            "2026-04-20T12:00:00Z",
        );
        let account = format!("ctpat:{holder}");
        let started = json_out(
            atc(&store, &config, "2026-04-20T13:00:00Z")
                .arg("run")
                .arg(root().join(REACTIVATION))
                .args(["--input", &format!("account={account}")])
                .args(["--input", &format!("officer={OFFICER}")]),
        );
        let run = run_id(&started);
        ok(atc(&store, &config, "2026-04-20T14:00:00Z").args([
            "tasks",
            "complete",
            &task_of(&store, OFFICER),
            "--field",
            "approved=true",
        ]));
        ok(atc(&store, &config, "2026-04-20T15:30:00Z").args(["signal", &run, "reactivated"]));
        let notice = outbox(&store)
            .into_iter()
            .find(|m| m.to == holder)
            .unwrap_or_else(|| panic!("a notice to {holder}"));
        assert!(
            notice.body.contains(sentence),
            "{sentence:?} in\n{}",
            notice.body
        );
        assert_link(&notice);
        assert_readable(&notice);
    }
}
