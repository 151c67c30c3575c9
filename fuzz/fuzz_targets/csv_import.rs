//! Any bytes as an inventory file, through exactly what `garita accounts
//! import` does before it touches the store: UTF-8 check, CSV reading, header
//! check, each row to cells, key and account. No panic; a row that builds
//! must build the account its key names.
#![no_main]

use chrono::NaiveDate;
use garita_inventory::{csv_file, row, CtpatRule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = csv_file::decode_utf8(data.to_vec()) else {
        return;
    };
    let Ok(csv) = csv_file::read_csv(&text) else {
        return;
    };
    let rule = CtpatRule::from_section(serde_json::Value::Null).expect("default CTPAT rule");
    let portals: Vec<String> = ["anam", "ctpat", "ecuapass", "acme"]
        .map(String::from)
        .to_vec();
    let ctx = row::RowContext {
        portals: &portals,
        today: NaiveDate::from_ymd_opt(2026, 3, 10).expect("a date"),
        ctpat: &rule,
        may_reinstate: false,
    };
    for record in &csv.records {
        let Ok(cells) = csv_file::cells_of(record, &csv.header) else {
            continue;
        };
        let key = row::key_of(&cells, &ctx);
        if let Ok(account) = row::build(&cells, None, &ctx) {
            let key = key.expect("a row that builds has a key");
            assert_eq!(
                account.key(),
                key,
                "the account is not the one its row names"
            );
        }
    }
});
