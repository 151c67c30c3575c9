//! Evidence packs with the real binary: a store with activity and a
//! checkpoint signed before the period, `garita evidence pack` for the
//! period, `garita evidence verify` and the independent checker
//! (tools/verify_evidence.py: Python, no Garita) both accept it; then each
//! way of tampering — an entry changed, removed, two swapped, a CSV row
//! edited, the checkpoint's size edited — is refused by both, and Garita
//! names the entry.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::*;

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// (exit code, stdout) of the independent checker on `pack`.
fn python_verify(pack: &Path, key: &str) -> (Option<i32>, String) {
    let out = Command::new(system_python())
        .arg(root().join("tools/verify_evidence.py"))
        // No __pycache__ beside the scripts in the repository.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(pack)
        .arg(key)
        .output()
        .expect("python3 runs (CI installs python3-cryptography)");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// (exit code, problems) of `garita evidence verify`.
fn garita_verify(store: &Path, pack: &Path, key: &str) -> (Option<i32>, Value) {
    let out = run(garita(store)
        .args(["--json", "evidence", "verify", "--key", key])
        .arg(pack));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", stdout(&out), stderr(&out));
    });
    (out.status.code(), report)
}

fn add_account(store: &Path, config: &Path, n: u32) {
    ok(garita(store).arg("--config").arg(config).args([
        "accounts",
        "add",
        "--portal",
        "ctpat",
        "--account",
        &format!("user{n}@importadora.example"),
        "--holder-name",
        &format!("Persona {n}"),
        "--holder-email",
        &format!("user{n}@importadora.example"),
        "--company",
        "Importadora Norte S.A.",
        "--tax-id",
        "1790011674001",
    ]));
}

fn copy_pack(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to.to_path_buf()
}

/// A way of changing a copied pack.
type Tampering = Box<dyn Fn(&Path)>;

fn edit_lines(file: &Path, edit: impl FnOnce(&mut Vec<String>)) {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    edit(&mut lines);
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

#[test]
fn a_pack_verifies_without_garita_and_each_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let key_file = dir.path().join("audit.key");
    let made: Value = serde_json::from_str(&ok(garita(&store).args([
        "--json",
        "keys",
        "init",
        "--name",
        "aduanas.example/garita",
        "--output",
        key_file.to_str().unwrap(),
    ])))
    .unwrap();
    let key = made["verifier_key"].as_str().unwrap().to_owned();
    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[audit]\nsigning_key = {:?}\n", key_file.to_str().unwrap()),
    );
    for n in 0..5 {
        add_account(&store, &config, n);
    }
    ok(garita(&store)
        .arg("--config")
        .arg(&config)
        .args(["audit", "checkpoint"]));
    for n in 5..12 {
        add_account(&store, &config, n);
    }
    let pack = dir.path().join("pack");
    let today = chrono::Utc::now().date_naive().to_string();
    let packed: Value = serde_json::from_str(&ok(garita(&store)
        .arg("--config")
        .arg(&config)
        .args([
            "--json", "evidence", "pack", "--from", &today, "--to", &today, "--output",
        ])
        .arg(&pack)))
    .unwrap();
    assert_eq!(packed["first_seq"], 1);
    assert_eq!(packed["entries"], 13, "twelve accounts and the checkpoint");
    assert_eq!(
        packed["start_checkpoint"], false,
        "the period starts before it"
    );
    let (code, report) = garita_verify(&store, &pack, &key);
    assert_eq!(code, Some(0), "{report}");
    let (code, said) = python_verify(&pack, &key);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.starts_with("ok 13 entries from 1 in a signed log of 13"),
        "{said}"
    );

    // A pack that starts after the first checkpoint is anchored to it.
    let later = dir.path().join("later");
    let first_checkpoint_seq = 6;
    let from = {
        let jsonl = std::fs::read_to_string(pack.join("entries.jsonl")).unwrap();
        let entry: Value =
            serde_json::from_str(jsonl.lines().nth(first_checkpoint_seq).unwrap()).unwrap();
        entry["recorded_at"].as_str().unwrap().to_owned()
    };
    let anchored: Value = serde_json::from_str(&ok(garita(&store)
        .arg("--config")
        .arg(&config)
        .args([
            "--json", "evidence", "pack", "--from", &from, "--to", &today, "--output",
        ])
        .arg(&later)))
    .unwrap();
    assert_eq!(anchored["start_checkpoint"], true, "{anchored}");
    let (code, report) = garita_verify(&store, &later, &key);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["consistency_checked"], true);
    let (code, said) = python_verify(&later, &key);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("consistent with the checkpoint of 5 entries"),
        "{said}"
    );
    // The five accounts added before that period did nothing in it: they
    // are still the company's, known from the entries that added them
    // (context.jsonl, proven in the same tree), and counted.
    assert!(said.contains(", 5 context entries"), "{said}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(later.join("report.json")).unwrap()).unwrap();
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "no unnamed company: {report}");
    assert_eq!(groups[0]["company"], "Importadora Norte S.A.");
    assert_eq!(groups[0]["accounts"], 12, "{report}");
    assert_eq!(groups[0]["added"], 7, "{report}");
    // Each way of tampering with the context is named by both checkers.
    let context_cases: [(&str, Tampering, &str); 3] = [
        (
            "company",
            Box::new(|p: &Path| {
                edit_lines(&p.join("context.jsonl"), |l| {
                    l[1] = l[1].replace("Importadora Norte", "Importadora Sur");
                })
            }),
            "context.jsonl: its entries do not give the root",
        ),
        (
            "removed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("context.jsonl"), |l| {
                    l.remove(1);
                })
            }),
            "context.jsonl: 4 entries, but the proof is for 5",
        ),
        (
            "reordered",
            Box::new(|p: &Path| edit_lines(&p.join("context.jsonl"), |l| l.swap(0, 1))),
            "context.jsonl: its entries do not give the root",
        ),
    ];
    for (name, tamper, named) in context_cases {
        let copy = copy_pack(&later, &dir.path().join(format!("context-{name}")));
        tamper(&copy);
        let (code, report) = garita_verify(&store, &copy, &key);
        assert_eq!(code, Some(1), "{name}: {report}");
        let (code, said) = python_verify(&copy, &key);
        assert_eq!(code, Some(1), "{name}: {said}");
        let problems = report["problems"].to_string();
        assert!(
            problems.contains(named) && said.contains(named),
            "{name}: both should name `{named}`:\n garita: {problems}\n script: {said}"
        );
    }

    // Each tampering, on a copy of the pack: what garita says, and what
    // both it and the independent script name.
    let cases: Vec<(&str, Tampering, &str, &str)> = vec![
        (
            "changed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l[2] = l[2].replace("Persona 2", "Persona X");
                })
            }),
            "entry 3 was changed",
            "entries.jsonl",
        ),
        (
            "removed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l.remove(4);
                })
            }),
            "entry 6 where entry 5 belongs",
            "entries.jsonl line 5: entry 6 where entry 5 belongs",
        ),
        (
            "swapped",
            Box::new(|p: &Path| edit_lines(&p.join("entries.jsonl"), |l| l.swap(1, 2))),
            "entry 3 where entry 2 belongs",
            "entries.jsonl line 2: entry 3 where entry 2 belongs",
        ),
        (
            "csv",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.csv"), |l| {
                    l[3] = l[3].replacen("Persona 2", "Persona X", 1);
                })
            }),
            "entries.csv line 4: differs from entry 3",
            "entries.csv line 4: differs from entry 3 in entries.jsonl in column `summary`",
        ),
        (
            "size",
            Box::new(|p: &Path| edit_lines(&p.join("checkpoint.txt"), |l| l[1] = "14".into())),
            "checkpoint.txt: the signature",
            "signature",
        ),
    ];
    for (name, tamper, named, both_name) in cases {
        let copy = copy_pack(&pack, &dir.path().join(format!("tampered-{name}")));
        tamper(&copy);
        let (code, report) = garita_verify(&store, &copy, &key);
        assert_eq!(code, Some(1), "{name}: {report}");
        let problems = report["problems"].to_string();
        assert!(
            problems.contains(named),
            "{name}: expected `{named}` in {problems}"
        );
        let (code, said) = python_verify(&copy, &key);
        assert_eq!(code, Some(1), "{name}: {said}");
        assert!(said.starts_with("FAIL"), "{name}: {said}");
        assert!(
            problems.contains(both_name) && said.contains(both_name),
            "{name}: both should name `{both_name}`:\n garita: {problems}\n script: {said}"
        );
    }
}

/// `garita` on `store` with `config`, its clock pinned at `now`.
fn at(store: &Path, config: &Path, now: &str) -> Command {
    let mut cmd = garita(store);
    cmd.arg("--config").arg(config).args(["--now", now]);
    cmd
}

struct Person {
    portal: &'static str,
    account: &'static str,
    name: &'static str,
    email: &'static str,
    company: &'static str,
    tax_id: &'static str,
}

const PEOPLE: [Person; 5] = [
    Person {
        portal: "ctpat",
        account: "carla@norte.example",
        name: "Carla Ruiz",
        email: "carla@norte.example",
        company: "Importadora Norte S.A.",
        tax_id: "1790011674001",
    },
    Person {
        portal: "ctpat",
        account: "diego@norte.example",
        name: "Diego Mora",
        email: "diego@norte.example",
        company: "Importadora Norte S.A.",
        tax_id: "1790011674001",
    },
    Person {
        portal: "ecuapass",
        account: "LPEREZ",
        name: "Lucía Pérez",
        email: "lucia@norte.example",
        company: "Importadora Norte S.A.",
        tax_id: "1790011674001",
    },
    Person {
        portal: "anam",
        account: "TSUR01",
        name: "Tomás Sur",
        email: "tomas@sur.example",
        company: "Transportes del Sur S.A. de C.V.",
        tax_id: "TSU010101AB1",
    },
    Person {
        portal: "anam",
        account: "TSUR02",
        name: "Ana Sur",
        email: "ana@sur.example",
        company: "Transportes del Sur S.A. de C.V.",
        tax_id: "TSU010101AB1",
    },
];

/// A year of an officer's work through the real binary, each command at
/// its own business day (`--now`): five accounts of two companies signed in
/// every month (Diego misses March and April, so CTPAT's rule deactivates
/// him, and he is reactivated in May), passwords changed every quarter, a
/// certificate renewed, Carla leaving in June (staff-offboarding run, its
/// task answered with the removal two days later) and Ana leaving in
/// November with no removal recorded yet.
fn a_year_of_activity(store: &Path, config: &Path) {
    for p in &PEOPLE {
        let mut cmd = at(store, config, "2026-01-02T14:00:00Z");
        cmd.args([
            "accounts",
            "add",
            "--portal",
            p.portal,
            "--account",
            p.account,
            "--holder-name",
            p.name,
            "--holder-email",
            p.email,
            "--company",
            p.company,
            "--tax-id",
            p.tax_id,
            "--last-sign-in",
            "2026-01-02",
            "--by",
            "oficial@norte.example",
        ]);
        if p.portal == "ecuapass" {
            cmd.args(["--certificate-expires-on", "2026-07-31"]);
        }
        ok(&mut cmd);
    }
    for month in 1..=12u32 {
        let day = format!("2026-{month:02}-05");
        let now = format!("{day}T15:00:00Z");
        for p in &PEOPLE {
            let gone = (p.account == "carla@norte.example" && month > 6)
                || (p.account == "TSUR02" && month > 11);
            let away = p.account == "diego@norte.example" && (month == 3 || month == 4);
            if gone || away {
                continue;
            }
            if p.account == "diego@norte.example" && month == 5 {
                // CBP reactivated him; he signs in the same day.
                ok(at(store, config, &now).args([
                    "accounts",
                    "add",
                    "--portal",
                    "ctpat",
                    "--account",
                    p.account,
                    "--status",
                    "active",
                    "--by",
                    "oficial@norte.example",
                ]));
            }
            ok(at(store, config, &now).args([
                "accounts",
                "touch",
                &format!("{}:{}", p.portal, p.account),
                "--at",
                &day,
                "--by",
                "oficial@norte.example",
            ]));
            if month % 3 == 0 {
                ok(at(store, config, &now).args([
                    "accounts",
                    "password-changed",
                    &format!("{}:{}", p.portal, p.account),
                    "--on",
                    &day,
                    "--by",
                    "oficial@norte.example",
                ]));
            }
        }
        if month == 7 {
            ok(at(store, config, &now).args([
                "accounts",
                "add",
                "--portal",
                "ecuapass",
                "--account",
                "LPEREZ",
                "--certificate-expires-on",
                "2028-07-31",
                "--by",
                "oficial@norte.example",
            ]));
        }
        if month == 6 {
            ok(at(store, config, "2026-06-10T15:00:00Z").args([
                "accounts",
                "offboard",
                "carla@norte.example",
                "--note",
                "RRHH-7",
                "--by",
                "rrhh@norte.example",
            ]));
            let started: Value = serde_json::from_str(&ok(at(store, config, "2026-06-10T15:05:00Z")
                .arg("--json")
                .arg("run")
                .arg(root().join("workflows/staff-offboarding.yaml"))
                .args([
                    "--input", "person=carla@norte.example",
                    "--input", "holder_name=Carla Ruiz",
                    "--input",
                    r#"accounts=[{"key":"ctpat:carla@norte.example","portal":"ctpat","identifier":"carla@norte.example","company":"Importadora Norte S.A."}]"#,
                ])))
            .unwrap();
            let task = format!("{}.per_account.0.remove.1", started["id"].as_str().unwrap());
            ok(at(store, config, "2026-06-12T16:00:00Z").args([
                "tasks",
                "complete",
                &task,
                "--field",
                "removed_on=2026-06-12",
                "--field",
                "evidence=Captura de Company Details, carpeta OEA/2026",
                "--by",
                "oficial@norte.example",
            ]));
            ok(at(store, config, "2026-06-12T16:01:00Z").arg("resume"));
        }
        if month == 11 {
            ok(at(store, config, "2026-11-20T15:00:00Z").args([
                "accounts",
                "offboard",
                "ana@sur.example",
                "--by",
                "rrhh@sur.example",
            ]));
        }
    }
}

fn report_group<'a>(report: &'a Value, company: &str, portal: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["company"] == company && g["portal"] == portal)
        .unwrap_or_else(|| panic!("no group {company}/{portal} in {report}"))
}

#[test]
fn a_year_of_activity_reports_per_company_and_every_edit_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let key_file = dir.path().join("audit.key");
    let made: Value = serde_json::from_str(&ok(garita(&store).args([
        "--json",
        "keys",
        "init",
        "--name",
        "norte.example/garita",
        "--output",
        key_file.to_str().unwrap(),
    ])))
    .unwrap();
    let key = made["verifier_key"].as_str().unwrap().to_owned();
    let config = write(
        dir.path(),
        "garita.toml",
        &format!("[audit]\nsigning_key = {:?}\n", key_file.to_str().unwrap()),
    );
    a_year_of_activity(&store, &config);

    let today = chrono::Utc::now().date_naive().to_string();
    let pack = dir.path().join("pack");
    ok(garita(&store)
        .arg("--config")
        .arg(&config)
        .args([
            "evidence", "pack", "--from", &today, "--to", &today, "--output",
        ])
        .arg(&pack));
    let (code, verified) = garita_verify(&store, &pack, &key);
    assert_eq!(code, Some(0), "{verified}");
    let (code, said) = python_verify(&pack, &key);
    assert_eq!(code, Some(0), "{said}");
    // Kept for a look at the page (docs/images are printed from it).
    if let Some(keep) = std::env::var_os("GARITA_KEEP_PACK") {
        copy_pack(&pack, Path::new(&keep));
    }

    // The figures, as the year above made them.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(pack.join("report.json")).unwrap()).unwrap();
    let ctpat = report_group(&report, "Importadora Norte S.A.", "ctpat");
    assert_eq!(ctpat["accounts"], 2);
    assert_eq!(ctpat["holders"], 2);
    // Carla: January to June; Diego: ten months.
    assert_eq!(ctpat["sign_ins"], 16, "{ctpat}");
    assert_eq!(ctpat["sign_ins_on_time"], 16, "{ctpat}");
    assert_eq!(ctpat["deactivations"], 1, "{ctpat}");
    assert_eq!(ctpat["reactivations"], 1, "{ctpat}");
    // Carla in March and June; Diego in June, September and December.
    assert_eq!(ctpat["password_changes"], 5, "{ctpat}");
    assert_eq!(ctpat["leavers"], 1);
    assert_eq!(ctpat["removals"][0]["days"], 2, "{ctpat}");
    assert_eq!(ctpat["open_findings"], serde_json::json!([]));
    let ecuapass = report_group(&report, "Importadora Norte S.A.", "ecuapass");
    assert_eq!(ecuapass["certificate_renewals"], 1);
    assert_eq!(ecuapass["months"].as_array().unwrap().len(), 12);
    let anam = report_group(&report, "Transportes del Sur S.A. de C.V.", "anam");
    assert_eq!(anam["sign_ins"], 23, "{anam}");
    assert_eq!(
        anam["open_findings"][0]["kind"], "removal_unconfirmed",
        "{anam}"
    );

    let html = std::fs::read_to_string(pack.join("index.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"es\">"),
        "{html}"
    );
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(html.contains("OEA 8.2") && html.contains("OEA 9.2"));
    let csv = std::fs::read_to_string(pack.join("entries.csv")).unwrap();
    assert!(
        csv.contains("Cuenta CTPAT diego@norte.example: reactivada por CTPAT — registrado por oficial@norte.example"),
        "{csv}"
    );

    // The same period in English.
    let english = dir.path().join("pack-en");
    ok(garita(&store)
        .arg("--config")
        .arg(&config)
        .args([
            "evidence", "pack", "--lang", "en", "--from", &today, "--to", &today, "--output",
        ])
        .arg(&english));
    assert_eq!(garita_verify(&store, &english, &key).0, Some(0));
    let html = std::fs::read_to_string(english.join("index.html")).unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Sign-ins on time"));

    let first_ctpat_figure = html_figure_line(&pack, "groups.0.sign_ins_on_time");
    // Diego's account as added: the entry the first tampering changes.
    let diego_line = std::fs::read_to_string(pack.join("entries.jsonl"))
        .unwrap()
        .lines()
        .position(|l| l.contains("Diego Mora"))
        .unwrap();
    let diego_changed = format!("entry {} was changed", diego_line + 1);
    // Each tampering, what `garita evidence verify` says of it, and what
    // both it and the independent script name.
    let cases: Vec<(&str, Tampering, &str, Vec<&str>)> = vec![
        (
            "changed",
            Box::new(move |p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l[diego_line] = l[diego_line].replace("Diego Mora", "Diego Moreno");
                })
            }),
            &diego_changed,
            vec!["entries.jsonl"],
        ),
        (
            "removed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l.remove(9);
                })
            }),
            "entry 11 where entry 10 belongs",
            vec!["entries.jsonl line 10: entry 11 where entry 10 belongs"],
        ),
        (
            "reordered",
            Box::new(|p: &Path| edit_lines(&p.join("entries.jsonl"), |l| l.swap(20, 21))),
            "entry 22 where entry 21 belongs",
            vec!["entries.jsonl line 21: entry 22 where entry 21 belongs"],
        ),
        (
            "report number",
            Box::new(|p: &Path| {
                let file = p.join("report.json");
                let text = std::fs::read_to_string(&file).unwrap();
                std::fs::write(&file, text.replacen("\"leavers\": 1", "\"leavers\": 0", 1))
                    .unwrap();
            }),
            "report.json: groups.0.leavers is 0, the entries give 1",
            vec!["report.json: groups.0.leavers is 0, the entries give 1"],
        ),
        (
            "report figure of a month",
            Box::new(|p: &Path| {
                let file = p.join("report.json");
                let mut report: Value =
                    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
                report["groups"][1]["months"][2]["sign_ins"] = 99.into();
                std::fs::write(&file, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
            }),
            "report.json: groups.1.months.2.sign_ins is 99",
            vec!["report.json: groups.1.months.2.sign_ins is 99"],
        ),
        (
            "html number",
            Box::new(move |p: &Path| {
                let file = p.join("index.html");
                let text = std::fs::read_to_string(&file).unwrap();
                std::fs::write(
                    &file,
                    text.replacen(
                        &first_ctpat_figure,
                        &first_ctpat_figure.replace(">16 / 16<", ">17 / 17<"),
                        1,
                    ),
                )
                .unwrap();
            }),
            "(figure `groups.0.sign_ins_on_time`)",
            vec!["index.html line", "groups.0.sign_ins_on_time"],
        ),
        (
            "html words",
            Box::new(|p: &Path| {
                let file = p.join("index.html");
                let text = std::fs::read_to_string(&file).unwrap();
                std::fs::write(&file, text.replacen("OEA 8.2", "OEA 1.1", 1)).unwrap();
            }),
            "index.html line",
            vec!["index.html"],
        ),
        (
            "description",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.csv"), |l| {
                    let row = l
                        .iter()
                        .position(|r| r.contains("reactivada por CTPAT"))
                        .unwrap();
                    l[row] = l[row].replace("reactivada por CTPAT", "activa todo el año");
                })
            }),
            "in column `description` (edited after packing)",
            vec!["entries.csv", "column `description`"],
        ),
    ];
    for (name, tamper, named, both_name) in cases {
        let copy = copy_pack(
            &pack,
            &dir.path().join(format!("year-{}", name.replace(' ', "-"))),
        );
        tamper(&copy);
        let (code, report) = garita_verify(&store, &copy, &key);
        assert_eq!(code, Some(1), "{name}: {report}");
        let problems = report["problems"].to_string();
        assert!(
            problems.contains(named),
            "{name}: expected `{named}` in {problems}"
        );
        // The independent checker fails too, naming the same file and
        // line or figure.
        let (code, said) = python_verify(&copy, &key);
        assert_eq!(code, Some(1), "{name}: {said}");
        assert!(said.starts_with("FAIL"), "{name}: {said}");
        for thing in both_name {
            assert!(
                problems.contains(thing) && said.contains(thing),
                "{name}: both should name `{thing}`:\n garita: {problems}\n script: {said}"
            );
        }
    }
}

/// The line of the pack's page that shows `figure`.
fn html_figure_line(pack: &Path, figure: &str) -> String {
    let html = std::fs::read_to_string(pack.join("index.html")).unwrap();
    html.lines()
        .find(|l| l.contains(&format!("data-figure=\"{figure}\"")))
        .unwrap_or_else(|| panic!("no figure {figure} in the page"))
        .to_owned()
}

/// The audit entries of `kind` in the store, oldest first.
fn entries_of(store: &Path, kind: &str) -> Vec<Value> {
    let out = ok(garita(store).args([
        "audit",
        "export",
        "--format",
        "json",
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
    ]));
    let export: Value = serde_json::from_str(&out).unwrap();
    export["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

/// Starts the daemon at `now`, waits until the store has `checkpoints`
/// checkpoints and a few seconds more (time for a second one it must not
/// make), and stops it.
fn daemon_day(store: &Path, config: &Path, workflows: &Path, now: &str, checkpoints: usize) {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = at(store, config, now)
        .arg("daemon")
        .arg("--workflows")
        .arg(workflows)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let outbox_written = |n: usize| {
        std::fs::read_dir(store.join("outbox"))
            .map(|d| d.count() >= n)
            .unwrap_or(false)
    };
    // The daemon holds the store: count what it did through its health
    // answer's absence of errors is not enough, so wait on its files.
    while !outbox_written(checkpoints) && started.elapsed() < Duration::from_secs(60) {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("garita daemon ended ({status})");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(3));
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "daemon exit {status}");
}

#[test]
fn the_daemon_signs_one_checkpoint_a_day_and_mails_it_even_after_being_down() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let workflows = dir.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let key_file = dir.path().join("audit.key");
    ok(garita(&store).args([
        "keys",
        "init",
        "--name",
        "norte.example/garita",
        "--output",
        key_file.to_str().unwrap(),
    ]));
    let config = write(
        dir.path(),
        "garita.toml",
        &format!(
            "[audit]\nsigning_key = {:?}\ncheckpoint_email = \"auditoria@externo.example\"\n",
            key_file.to_str().unwrap()
        ),
    );
    add_account(&store, &config, 1);
    // Monday; then restarted the same day; then down until Thursday.
    daemon_day(&store, &config, &workflows, "2026-03-02T09:00:00Z", 1);
    daemon_day(&store, &config, &workflows, "2026-03-02T18:00:00Z", 1);
    daemon_day(&store, &config, &workflows, "2026-03-05T07:00:00Z", 2);
    let checkpoints = entries_of(&store, "audit.checkpoint");
    let days: Vec<&str> = checkpoints
        .iter()
        .map(|e| &e["at"].as_str().unwrap()[..10])
        .collect();
    assert_eq!(days, ["2026-03-02", "2026-03-05"], "{checkpoints:?}");
    let mailed = entries_of(&store, "email.written");
    assert_eq!(mailed.len(), 2, "{mailed:?}");
    for (mail, day) in mailed.iter().zip(["2026-03-02", "2026-03-05"]) {
        assert_eq!(mail["summary"]["to"], "auditoria@externo.example");
        assert!(
            mail["summary"]["subject"].as_str().unwrap().contains(day),
            "{mail}"
        );
    }
    // The mailed note is the checkpoint itself, and it verifies.
    let note = checkpoints[1]["summary"]["note"].as_str().unwrap();
    let file = std::fs::read_dir(store.join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|text| text.contains("2026-03-05"))
        .unwrap();
    let first_line = note.lines().next().unwrap();
    assert!(file.contains(first_line), "{file}");
}
