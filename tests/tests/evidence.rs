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

    // Each tampering, on a copy of the pack.
    let cases: Vec<(&str, Tampering, &str)> = vec![
        (
            "changed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l[2] = l[2].replace("Persona 2", "Persona X");
                })
            }),
            "entry 3 was changed",
        ),
        (
            "removed",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.jsonl"), |l| {
                    l.remove(4);
                })
            }),
            "entry 6 where entry 5 belongs",
        ),
        (
            "swapped",
            Box::new(|p: &Path| edit_lines(&p.join("entries.jsonl"), |l| l.swap(1, 2))),
            "entry 3 where entry 2 belongs",
        ),
        (
            "csv",
            Box::new(|p: &Path| {
                edit_lines(&p.join("entries.csv"), |l| {
                    l[3] = l[3].replacen("Persona 2", "Persona X", 1);
                })
            }),
            "entries.csv line 4: differs from entry 3",
        ),
        (
            "size",
            Box::new(|p: &Path| edit_lines(&p.join("checkpoint.txt"), |l| l[1] = "14".into())),
            "checkpoint.txt: the signature",
        ),
    ];
    for (name, tamper, named) in cases {
        let copy = copy_pack(&pack, &dir.path().join(format!("tampered-{name}")));
        tamper(&copy);
        let (code, report) = garita_verify(&store, &copy, &key);
        assert_eq!(code, Some(1), "{name}: {report}");
        let problems = report["problems"].to_string();
        assert!(
            problems.contains(named),
            "{name}: expected `{named}` in {problems}"
        );
        if name != "csv" {
            // The independent checker reads the entries and the proofs, not the CSV.
            let (code, said) = python_verify(&copy, &key);
            assert_eq!(code, Some(1), "{name}: {said}");
            assert!(said.starts_with("FAIL"), "{name}: {said}");
        }
    }
}
