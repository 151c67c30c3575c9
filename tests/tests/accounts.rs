//! The account inventory end to end: `garita accounts import|list|add|touch|
//! offboard|export|history` on the real binary and a real store.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Days, NaiveDate};
use garita_engine::account::AccountStore;
use serde_json::Value;
use support::*;

/// A pinned instant: 10:00 in New York on 2026-03-10, so CTPAT's "today" is 2026-03-10.
const NOW: &str = "2026-03-10T15:00:00Z";

const HEADER: &str = "portal,account,holder_name,holder_email,employee_id,holder_national_id,company,tax_id,ctpat_account_number,role,status,last_sign_in,attr.site";

/// Company tax ids that the connectors' validators accept (RUCs with their
/// check digits, RFCs with theirs, EINs), varied across the generated rows.
const RUCS: [&str; 3] = ["0992147350001", "1793058124001", "0590274615001"];
const RFCS: [&str; 3] = ["TFN190522K3A", "ABA110815PL2", "LOG030214Q70"];
const EINS: [&str; 3] = ["84-3190275", "27-5501846", "61-2093384"];

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// One valid row; `i` varies the portal, the identifiers and the sign-in date.
fn row(i: usize) -> String {
    let sign_in = day("2025-12-01") + Days::new((i % 90) as u64);
    match i % 3 {
        0 => format!(
            "ctpat,user{i}@importer{}.example,Holder {i},user{i}@importer{}.example,E-{i},,Importer {} LLC,{},{},User,active,{sign_in},Miami",
            i % 50, i % 50, i % 3, EINS[i % 3], 81_000_000 + i % 50,
        ),
        1 => format!(
            "ecuapass,OPER{i},Operador {i},oper{i}@exportadora{}.example,E-{i},,Exportadora {} S.A.,{},,Empleado,active,{sign_in},Guayaquil",
            i % 40, i % 3, RUCS[i % 3],
        ),
        _ => format!(
            "anam,usuario{i}.mx,Usuario {i},usuario{i}@agencia{}.example,E-{i},,Agencia {} S.C.,{},,Dependiente,,{sign_in},Celaya",
            i % 30, i % 3, RFCS[i % 3],
        ),
    }
}

fn import(store: &Path, file: &Path, extra: &[&str]) -> std::process::Output {
    run(garita(store)
        .args(["--now", NOW, "accounts", "import"])
        .arg(file)
        .args(extra))
}

fn list_json(store: &Path, filters: &[&str]) -> Vec<Value> {
    let out = run(garita(store)
        .args(["--now", NOW, "--json", "accounts", "list"])
        .args(filters));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn keys(accounts: &[Value]) -> BTreeSet<String> {
    accounts
        .iter()
        .map(|a| a["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn ten_thousand_rows_with_three_bad_ones_import_nothing_then_skip_them_then_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Data row i is on line i + 2 (line 1 is the header).
    let bad = [
        (1_234usize, "tax_id"),
        (5_678, "holder_email"),
        (9_999, "last_sign_in"),
    ];
    let mut text = format!("{HEADER}\n");
    for i in 0..10_000 {
        let line = match i {
            // An Ecuapass row (i % 3 == 1) whose RUC has establishment 000.
            1_234 => with_cell(&row(i), 7, "0992147350000"),
            5_678 => with_cell(&row(i), 3, "not-an-email"),
            9_999 => with_cell(&row(i), 11, "2026-02-30"),
            _ => row(i),
        };
        text.push_str(&line);
        text.push('\n');
    }
    let file = write(dir.path(), "inventory.csv", &text);
    let shown = file.display().to_string();

    let out = import(&store, &file, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let reported: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with(&shown))
        .map(str::to_owned)
        .collect();
    assert_eq!(reported.len(), 3, "{reported:#?}");
    for ((index, column), line) in bad.iter().zip(&reported) {
        let prefix = format!("{shown}:{}: column `{column}`:", index + 2);
        assert!(line.starts_with(&prefix), "expected {prefix}, got {line}");
    }
    assert!(
        stderr(&out).contains("nothing was imported"),
        "{}",
        stderr(&out)
    );
    assert!(list_json(&store, &[]).is_empty(), "nothing may be imported");

    let out = import(&store, &file, &["--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 9997, unchanged 0, skipped 3"),
        "{}",
        stdout(&out)
    );

    let out = import(&store, &file, &["--skip-invalid"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 0, unchanged 9997, skipped 3"),
        "{}",
        stdout(&out)
    );
    assert_eq!(list_json(&store, &[]).len(), 9_997);
    // Re-importing wrote no history: each account still has its one import
    // entry (and, for a CTPAT sign-in long past, the rule's deactivation,
    // which the re-import neither undid nor repeated).
    let out = run(garita(&store).args([
        "--json",
        "accounts",
        "history",
        "ctpat:user0@importer0.example",
    ]));
    let history: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries: Vec<(&str, &str)> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["by"].as_str().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(entries.len(), 2, "{history}");
    assert!(entries[0].1.starts_with("imported from "), "{history}");
    assert_eq!(entries[1].0, "garita (rule ctpat.inactivity)", "{history}");
    let account = list_json(&store, &["--portal", "ctpat"])
        .into_iter()
        .find(|a| a["key"] == "ctpat:user0@importer0.example")
        .unwrap();
    assert_eq!(account["status"], "deactivated");
}

#[test]
fn deactivates_within_seven_days_lists_exactly_the_ctpat_accounts_due() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let first = day("2026-01-10");
    let mut text = format!("{HEADER}\n");
    let mut expected = BTreeSet::new();
    for offset in 0..50u64 {
        let sign_in = first + Days::new(offset);
        // CTPAT deactivates on sign-in + 45 + 1 days; "within 7 days of
        // 2026-03-10" means on 2026-03-11 ..= 2026-03-17.
        let deactivates = sign_in + Days::new(46);
        let due = day("2026-03-11") <= deactivates && deactivates <= day("2026-03-17");
        let status = match offset % 10 {
            3 => "deactivated",
            6 => "offboarded",
            8 => "at_risk",
            _ => "active",
        };
        let email = format!("p{offset}@andes-sierra.example");
        text.push_str(&format!(
            "ctpat,{email},Persona {offset},{email},AS-{offset},,Andes & Sierra Imports LLC,84-3190275,81234567,User,{status},{sign_in},\n"
        ));
        if due && matches!(status, "active" | "at_risk") {
            expected.insert(format!("ctpat:{email}"));
        }
        // The same dates on other portals never count.
        text.push_str(&format!(
            "anam,p{offset}.mx,Persona {offset},{email},AS-{offset},,Agencia Aduanal Bajío S.C.,ABA110815PL2,,Dependiente,active,{sign_in},\n"
        ));
    }
    assert!(
        expected.len() >= 4,
        "the data must exercise the rule: {expected:?}"
    );
    let file = write(dir.path(), "due.csv", &text);
    let out = import(&store, &file, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    let due = list_json(&store, &["--deactivates-within", "7"]);
    assert_eq!(keys(&due), expected);
    for account in &due {
        let date = day(account["deactivates_on"].as_str().unwrap());
        assert!(
            date > day("2026-03-10") && date <= day("2026-03-17"),
            "{account}"
        );
    }
    // Filters combine with the index.
    let at_risk = list_json(
        &store,
        &["--deactivates-within", "7", "--status", "at_risk"],
    );
    assert!(at_risk.iter().all(|a| a["status"] == "at_risk"));
    assert!(list_json(&store, &["--deactivates-within", "0"]).is_empty());

    // A sign-in moves the account out of the window.
    let moved = expected.iter().next().unwrap().clone();
    let out = run(garita(&store).args(["--now", NOW, "accounts", "touch", &moved]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("2026-04-25"), "{}", stdout(&out));
    let due = list_json(&store, &["--deactivates-within", "7"]);
    assert!(!keys(&due).contains(&moved));
    assert_eq!(due.len(), expected.len() - 1);
}

#[test]
fn the_limit_comes_from_the_ctpat_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = write(
        dir.path(),
        "garita.toml",
        "[connectors.ctpat]\ninactivity_limit_days = 30\n",
    );
    // With a 30-day limit, a sign-in on 2026-02-10 deactivates on 2026-03-13.
    let file = write(
        dir.path(),
        "one.csv",
        &format!("{HEADER}\nctpat,ana@andes-sierra.example,Ana,ana@andes-sierra.example,,,Andes & Sierra Imports LLC,84-3190275,,,,2026-02-10,\n"),
    );
    let out = run(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["--now", NOW, "accounts", "import"])
        .arg(&file));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let due = list_json(&store, &["--deactivates-within", "3"]);
    assert_eq!(due.len(), 1);
    assert_eq!(due[0]["deactivates_on"], "2026-03-13");
}

#[test]
fn offboarding_marks_every_account_of_the_person_and_the_history_shows_who_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let example = root().join("workflows/examples/accounts.csv");
    let out = import(&store, &example, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("imported 20, unchanged 0, skipped 0"),
        "{}",
        stdout(&out)
    );
    let due = list_json(&store, &["--deactivates-within", "7"]);
    assert_eq!(
        keys(&due),
        BTreeSet::from([
            "ctpat:luisa.mendez@gulfcoast-produce.example".to_owned(),
            "ctpat:maria.quintero@andes-sierra.example".to_owned(),
        ])
    );

    let out = run(garita(&store).args([
        "--now",
        "2026-03-11T09:30:00-06:00",
        "accounts",
        "offboard",
        "TFN-022",
        "--by",
        "cumplimiento@tfnorte.example",
        "--note",
        "RRHH ticket 4411",
    ]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("offboarded 2 account(s)"),
        "{}",
        stdout(&out)
    );

    let carlos = list_json(&store, &["--company", "TFN190522K3A"]);
    let statuses: Vec<(String, String)> = carlos
        .iter()
        .map(|a| {
            (
                a["key"].as_str().unwrap().into(),
                a["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("anam:cibarra.tfn".to_owned(), "offboarded".to_owned()),
            ("anam:fmorales.tfn".to_owned(), "active".to_owned()),
            (
                "ctpat:carlos.ibarra@tfnorte.example".to_owned(),
                "offboarded".to_owned()
            ),
        ]
    );

    let out = run(garita(&store).args([
        "--json",
        "accounts",
        "history",
        "ctpat:carlos.ibarra@tfnorte.example",
    ]));
    let history: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let last = history["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["by"], "cumplimiento@tfnorte.example");
    assert_eq!(last["at"], "2026-03-11T15:30:00Z");
    assert_eq!(last["reason"], "offboarded TFN-022: RRHH ticket 4411");
    assert_eq!(
        last["changes"],
        serde_json::json!([{"field": "status", "old": "active", "new": "offboarded"}])
    );
    let out = run(garita(&store).args(["accounts", "history", "carlos.ibarra@tfnorte.example"]));
    assert!(
        stdout(&out).contains("status: active -> offboarded"),
        "{}",
        stdout(&out)
    );

    // Offboarding again changes nothing and emits nothing more.
    let out = run(garita(&store).args([
        "--now",
        NOW,
        "accounts",
        "offboard",
        "carlos.ibarra@tfnorte.example",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("already offboarded"),
        "{}",
        stdout(&out)
    );
    let out = run(garita(&store).args(["accounts", "offboard", "nobody@nowhere.example"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no account is held by"),
        "{}",
        stderr(&out)
    );

    // The daemon finds exactly one queued event with the person and accounts.
    let opened =
        garita_store::SledStore::open(&store, garita_store::StoreOptions::default()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pending = runtime.block_on(opened.pending_events(10)).unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].name, "account.offboarded");
    assert_eq!(pending[0].data["person"], "TFN-022");
    assert_eq!(
        pending[0].data["holder_email"],
        "carlos.ibarra@tfnorte.example"
    );
    let event_keys: BTreeSet<&str> = pending[0].data["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        event_keys,
        BTreeSet::from(["anam:cibarra.tfn", "ctpat:carlos.ibarra@tfnorte.example"])
    );
    drop(opened);

    // An old file imported again does not bring the access back: the rows
    // that say `active` for an offboarded account are refused.
    let out = import(&store, &example, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let refused = stdout(&out)
        .lines()
        .filter(|l| l.contains("was offboarded"))
        .count();
    assert_eq!(refused, 2, "{}", stdout(&out));
    let out = import(&store, &example, &["--skip-invalid"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("imported 0, unchanged 18, skipped 2"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn export_escapes_formula_cells_and_imports_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let out = run(garita(&store).args([
        "--now",
        NOW,
        "accounts",
        "add",
        "--portal",
        "anam",
        "--account",
        "mallory.mx",
        "--holder-name",
        "=HYPERLINK(\"http://attacker.example\",\"click\")",
        "--holder-email",
        "mallory@agencia.example",
        "--company",
        "@Agencia S.C.",
        "--tax-id",
        "ABA110815PL2",
        "--role=-Dependiente",
        "--attr",
        "note=+1 555 0100",
    ]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("added anam:mallory.mx"),
        "{}",
        stdout(&out)
    );

    let exported = dir.path().join("export.csv");
    let out = run(garita(&store)
        .args(["accounts", "export", "--output"])
        .arg(&exported));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&exported).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{},time_zone,locale,certificate_expires_on,password_changed_on,attr.note",
            HEADER.trim_end_matches(",attr.site")
        )
    );
    let row = lines.next().unwrap();
    let mut cells = csv_cells(row);
    assert!(
        cells
            .iter()
            .all(|cell| !cell.starts_with(['=', '+', '-', '@', '\t', '\r'])),
        "{row}"
    );
    assert_eq!(
        cells[2],
        "'=HYPERLINK(\"http://attacker.example\",\"click\")"
    );
    assert_eq!(cells[6], "'@Agencia S.C.");
    assert_eq!(cells[9], "'-Dependiente");
    assert_eq!(cells.pop().unwrap(), "'+1 555 0100");

    // The export imports back as the very same account.
    let out = import(&store, &exported, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("imported 0, unchanged 1, skipped 0"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_password_column_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = write(
        dir.path(),
        "with-password.csv",
        "portal,account,holder_name,holder_email,company,tax_id,password\nanam,a.mx,A,a@x.example,Agencia S.C.,ABA110815PL2,hunter2\n",
    );
    let out = import(&store, &file, &["--skip-invalid"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:1:", file.display())), "{err}");
    assert!(
        err.contains("column `password`") && err.contains("never stores portal passwords"),
        "{err}"
    );
    assert!(list_json(&store, &[]).is_empty());
}

/// `line` with its cell `index` replaced (the generated rows quote nothing).
fn with_cell(line: &str, index: usize, value: &str) -> String {
    let mut cells: Vec<&str> = line.split(',').collect();
    cells[index] = value;
    cells.join(",")
}

/// Splits one CSV line (quotes doubled inside quoted cells) into its cells.
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[test]
fn a_change_without_by_records_the_os_user_in_the_history_and_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // A recent sign-in, so no portal rule writes to the account meanwhile.
    let recent = with_cell(&row(0), 11, "2026-03-01");
    let csv = write(dir.path(), "one.csv", &format!("{HEADER}\n{recent}\n"));
    let out = import(&store, &csv, &["--by", "importer@example.com"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let key = keys(&list_json(&store, &[])).into_iter().next().unwrap();

    // No --by and no USER/LOGNAME: only the effective uid can name who did it.
    let out = run(garita(&store)
        .env_remove("USER")
        .env_remove("LOGNAME")
        .args(["--now", NOW, "accounts", "touch", &key]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let me = os_user();
    assert_ne!(me, "unknown");
    let out = run(garita(&store).args(["--json", "accounts", "history", &key]));
    let history: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["by"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["importer@example.com", me.as_str()]);

    let out = run(garita(&store).args([
        "audit",
        "export",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let export: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let actors: Vec<&str> = export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == key.as_str())
        .map(|e| e["actor"].as_str().unwrap_or("(none)"))
        .collect();
    assert_eq!(actors, ["importer@example.com", me.as_str()]);

    // A configured default wins over the OS user; --by over both.
    let toml = write(
        dir.path(),
        "garita.toml",
        "[identity]\ndefault_by = \"oficina@example.com\"\n",
    );
    for (now, extra) in [
        ("2026-03-11T15:00:00Z", &[][..]),
        ("2026-03-12T15:00:00Z", &["--by", "luis@example.com"][..]),
    ] {
        let out = run(garita(&store)
            .arg("--config")
            .arg(&toml)
            .args(["--now", now, "accounts", "touch", &key])
            .args(extra));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = run(garita(&store).args(["--json", "accounts", "history", &key]));
    let history: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by: Vec<&str> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .skip(2)
        .map(|entry| entry["by"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["oficina@example.com", "luis@example.com"]);
}

/// Two CTPAT holders of the same company: one in Miami (English), one in
/// Tijuana (Spanish, Pacific time); a third without either column's value.
const ZONES_CSV: &str = "portal,account,holder_name,holder_email,company,tax_id,time_zone,locale
ctpat,ana.ruiz@gulfcoast-produce.example,Ana Ruiz,ana.ruiz@gulfcoast-produce.example,Gulf Coast Produce Distributors Inc.,27-5501846,America/New_York,en
ctpat,rosa.lugo@gulfcoast-produce.example,Rosa Lugo,rosa.lugo@gulfcoast-produce.example,Gulf Coast Produce Distributors Inc.,27-5501846,America/Tijuana,es
ctpat,sam.hill@gulfcoast-produce.example,Sam Hill,sam.hill@gulfcoast-produce.example,Gulf Coast Produce Distributors Inc.,27-5501846,,
";

#[test]
fn time_zone_and_locale_columns_are_imported_listed_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = write(dir.path(), "zones.csv", ZONES_CSV);
    let out = import(&store, &file, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let listed = list_json(&store, &[]);
    let by_key = |key: &str| {
        listed
            .iter()
            .find(|a| a["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {listed:#?}"))
            .clone()
    };
    let ana = by_key("ctpat:ana.ruiz@gulfcoast-produce.example");
    assert_eq!(
        (&ana["time_zone"], &ana["locale"]),
        (&"America/New_York".into(), &"en".into())
    );
    let rosa = by_key("ctpat:rosa.lugo@gulfcoast-produce.example");
    assert_eq!(
        (&rosa["time_zone"], &rosa["locale"]),
        (&"America/Tijuana".into(), &"es".into())
    );
    // Unset stays unset: the workflows' own defaults apply to Sam.
    let sam = by_key("ctpat:sam.hill@gulfcoast-produce.example");
    assert!(
        sam.get("time_zone").is_none() && sam.get("locale").is_none(),
        "{sam:#}"
    );

    let exported = dir.path().join("export.csv");
    let out = run(garita(&store)
        .args(["accounts", "export", "--output"])
        .arg(&exported));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&exported).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .ends_with(",last_sign_in,time_zone,locale,certificate_expires_on,password_changed_on"),
        "{text}"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows[0].ends_with(",America/New_York,en,,"), "{text}");
    assert!(rows[1].ends_with(",America/Tijuana,es,,"), "{text}");
    assert!(rows[2].ends_with(",,,,"), "{text}");
    let out = import(&store, &exported, &[]);
    assert!(
        stdout(&out).contains("imported 0, unchanged 3, skipped 0"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // `accounts add` takes the same fields as flags.
    let out = run(garita(&store).args([
        "--now",
        NOW,
        "--json",
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        "sam.hill@gulfcoast-produce.example",
        "--time-zone",
        "America/Chicago",
        "--locale",
        "en",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let added: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(added["account"]["time_zone"], "America/Chicago");
    assert_eq!(added["account"]["locale"], "en");
}

#[test]
fn a_bad_time_zone_or_locale_is_refused_on_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let bad = ZONES_CSV
        .replace("America/Tijuana,es", "America/Tijuna,es")
        .replace("America/New_York,en", "America/New_York,fr");
    let file = write(dir.path(), "bad-zones.csv", &bad);
    let out = import(&store, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // Row problems are the answer (stdout); the summary goes to stderr.
    let err = stdout(&out);
    let name = file.display();
    assert!(
        err.contains(&format!("{name}:2: column `locale`: `fr`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{name}:3: column `time_zone`: `America/Tijuna`"))
            && err.contains("America/Tijuana"),
        "the nearest valid name is suggested: {err}"
    );
    assert!(list_json(&store, &[]).is_empty(), "nothing was imported");
}

/// What a keyboard or a spreadsheet may write as an N followed by a
/// combining tilde is stored as the one letter "Ñ" (Unicode NFC), so the
/// same name typed the other way changes nothing, and `accounts add` with
/// the precomposed letter names the same account as the import.
#[test]
fn names_and_identifiers_are_stored_in_unicode_nfc() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let decomposed = format!(
        "{HEADER}\necuapass,PEN\u{303}A1,Jose\u{301} Pen\u{303}a,pena@exportadora.example,E-1,,Exportadora Pen\u{303}a S.A.,{},,Empleado,active,2026-03-01,Quito\n",
        RUCS[0]
    );
    let file = write(tmp.path(), "decomposed.csv", &decomposed);
    let out = import(&store, &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = list_json(&store, &[]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["holder"]["name"], "José Peña");
    assert_eq!(listed[0]["company"]["legal_name"], "Exportadora Peña S.A.");
    assert_eq!(listed[0]["identifier"], "PEÑA1");

    let precomposed = decomposed
        .replace("Jose\u{301} Pen\u{303}a", "José Peña")
        .replace("Pen\u{303}a S.A.", "Peña S.A.")
        .replace("PEN\u{303}A1", "PEÑA1");
    let file = write(tmp.path(), "precomposed.csv", &precomposed);
    let out = import(&store, &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 0, unchanged 1"),
        "{}",
        stdout(&out)
    );
    let out = run(garita(&store).args([
        "--now",
        NOW,
        "accounts",
        "touch",
        "ecuapass:PEN\u{303}A1",
        "--at",
        "2026-03-09",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(list_json(&store, &[]).len(), 1, "the same account");
}

/// A spreadsheet that read the RUC and cédula columns as numbers drops
/// their leading zero: the import says so and how to import them, and with
/// `--fix-leading-zeros` puts the zero back with a warning per cell; a
/// value wrong for another reason is still refused.
#[test]
fn a_dropped_leading_zero_is_explained_and_restored_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let spreadsheet = format!(
        "{HEADER}\necuapass,OPER1,Operador 1,oper1@exportadora.example,E-1,926687856,Exportadora S.A.,990017514001,,Empleado,active,2026-03-01,Guayaquil\n"
    );
    let file = write(tmp.path(), "zeros.csv", &spreadsheet);
    let out = import(&store, &file, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(said.contains(":2: column `tax_id`"), "{said}");
    assert!(said.contains("--fix-leading-zeros"), "{said}");

    let out = import(&store, &file, &["--fix-leading-zeros"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    assert!(
        said.contains(
            "zeros.csv:2: warning: column `tax_id`: `990017514001` had lost its leading zero"
        ) && said.contains("imported as `0990017514001`"),
        "{said}"
    );
    assert!(
        said.contains("column `holder_national_id`") && said.contains("`0926687856`"),
        "{said}"
    );
    let listed = list_json(&store, &[]);
    assert_eq!(listed[0]["company"]["tax_id"], "0990017514001");
    assert_eq!(listed[0]["holder"]["national_id"], "0926687856");

    // Not a dropped zero: refused even with the option.
    let wrong = spreadsheet.replace("990017514001", "000000000000");
    let file = write(tmp.path(), "wrong.csv", &wrong);
    let out = import(&store, &file, &["--fix-leading-zeros"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn certificate_and_password_dates_are_imported_listed_exported_and_kept_as_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = write(
        dir.path(),
        "dates.csv",
        "portal,account,holder_name,holder_email,holder_national_id,company,tax_id,certificate_expires_on,password_changed_on\n\
anam,slozano.aab,Sofía Lozano Ramírez,sofia.lozano@aduanal-bajio.example,LORS850317MGTZRF06,Agencia Aduanal Bajío S.C.,ABA110815PL2,2029-06-30,2026-02-01\n\
anam,smendez.aab,Sergio Méndez Peña,sergio.mendez@aduanal-bajio.example,MEPS920725HDFNXR09,Agencia Aduanal Bajío S.C.,ABA110815PL2,,\n",
    );
    let out = import(&store, &csv, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let listed = list_json(&store, &[]);
    assert_eq!(listed[0]["certificate_expires_on"], "2029-06-30");
    assert_eq!(listed[0]["password_changed_on"], "2026-02-01");
    // Unset is absent, as before the fields existed.
    assert!(
        listed[1].get("certificate_expires_on").is_none(),
        "{:#}",
        listed[1]
    );
    assert!(
        listed[1].get("password_changed_on").is_none(),
        "{:#}",
        listed[1]
    );

    // A change dated after today, and an impossible expiry, are refused on
    // their row and column; nothing is imported.
    let bad = write(
        dir.path(),
        "bad.csv",
        "portal,account,holder_name,holder_email,company,tax_id,certificate_expires_on,password_changed_on\n\
anam,smendez.aab,Sergio Méndez Peña,sergio.mendez@aduanal-bajio.example,Agencia Aduanal Bajío S.C.,ABA110815PL2,2029-02-30,2026-03-11\n",
    );
    let out = import(&store, &bad, &[]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out) + &stdout(&out);
    assert!(
        said.contains(":2: column `certificate_expires_on`: `2029-02-30` is not a date"),
        "{said}"
    );
    assert!(
        said.contains(":2: column `password_changed_on`: 2026-03-11 is after today (2026-03-10)"),
        "{said}"
    );

    // The renewal, by flag, is evidence in the history.
    let out = run(garita(&store).args([
        "--now",
        NOW,
        "accounts",
        "add",
        "--portal",
        "anam",
        "--account",
        "slozano.aab",
        "--certificate-expires-on",
        "2033-06-29",
        "--by",
        "oficial@aduanal-bajio.example",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let history = run(garita(&store).args(["--json", "accounts", "history", "anam:slozano.aab"]));
    let history: Value = serde_json::from_str(&stdout(&history)).unwrap();
    let last = history["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["by"], "oficial@aduanal-bajio.example");
    assert_eq!(
        last["changes"],
        serde_json::json!([{"field": "certificate_expires_on", "old": "2029-06-30", "new": "2033-06-29"}])
    );

    // The export has both columns and imports back unchanged.
    let exported = dir.path().join("export.csv");
    let out = run(garita(&store)
        .args(["accounts", "export", "--output"])
        .arg(&exported));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(",certificate_expires_on,password_changed_on"),
        "{text}"
    );
    assert!(text.contains(",2033-06-29,2026-02-01"), "{text}");
    let out = import(&store, &exported, &[]);
    assert!(
        stdout(&out).contains("imported 0, unchanged 2, skipped 0"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}
