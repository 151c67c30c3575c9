//! `ctpat.inactivity_status` can name an inventory account instead of a date.

mod support;

use support::*;

#[test]
fn inactivity_status_reads_the_last_sign_in_from_the_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = root().join("workflows/examples/accounts.csv");
    let import = run(garita(&store).args(["accounts", "import"]).arg(&csv));
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    let touch = run(garita(&store).args([
        "accounts",
        "touch",
        "ctpat:jordan.blake@andes-sierra.example",
        "--at",
        "2026-10-01",
    ]));
    assert_eq!(touch.status.code(), Some(0), "{}", stderr(&touch));

    let by_account = run(garita(&store).args([
        "--now",
        "2026-11-15T12:00:00Z",
        "call",
        "ctpat.inactivity_status",
        r#"{"account":"ctpat:jordan.blake@andes-sierra.example"}"#,
        "--json",
    ]));
    assert_eq!(by_account.status.code(), Some(0), "{}", stderr(&by_account));
    let by_date = run(garita(&store).args([
        "--now",
        "2026-11-15T12:00:00Z",
        "call",
        "ctpat.inactivity_status",
        r#"{"last_sign_in":"2026-10-01"}"#,
        "--json",
    ]));
    let a: serde_json::Value = serde_json::from_slice(&by_account.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&by_date.stdout).unwrap();
    assert_eq!(a, b);
    assert_eq!(a["deactivates_on"], "2026-11-16");
    assert_eq!(a["days_inactive"], 45);

    let unknown = run(garita(&store).args([
        "call",
        "ctpat.inactivity_status",
        r#"{"account":"ctpat:nobody@example.com"}"#,
    ]));
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("no account"),
        "{}",
        stderr(&unknown)
    );
}
