//! Whole-file tests of the field checks: a template reading a field that a
//! known shape does not have is reported, with a suggestion; open shapes and
//! guarded reads are not.

use garita_sdk::{ActionSpec, Manifest};
use proptest::prelude::*;
use serde_json::json;

use super::parse_workflow;

/// The real `accounts` and `event` connectors, plus a status action with a
/// closed output and one without an output schema.
fn manifests() -> Vec<Manifest> {
    let mut all = crate::inventory::manifests();
    all.push(
        Manifest::new("ctpat", "1.0.0", "CTPAT")
            .action(
                ActionSpec::new("inactivity_status", "Status").output_schema(json!({
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "stage": {"enum": ["ok", "urgent"]},
                        "days_inactive": {"type": "integer"},
                        "deactivates_on": {"type": "string"}
                    }
                })),
            )
            .action(ActionSpec::new("anything", "No output schema")),
    );
    all
}

/// `line:col: message (hint)` of every problem.
fn problems(source: &str) -> Vec<String> {
    match parse_workflow("wf.yaml", source, &manifests()) {
        Ok(_) => Vec::new(),
        Err(d) => {
            d.0.iter()
                .map(|d| {
                    format!(
                        "{}:{}: {} ({})",
                        d.line,
                        d.col,
                        d.message,
                        d.hint.clone().unwrap_or_default()
                    )
                })
                .collect()
        }
    }
}

/// A workflow over the inventory's CTPAT accounts; `BODY` is replaced by the
/// email body template, `OUT` by the run output template.
const WATCH: &str = r#"name: watch
inputs:
  officer: {type: string}
steps:
  - id: inventory
    uses: accounts.list
    with: {portal: ctpat}
    outputs:
      accounts: "${{ result.accounts }}"
      total: "${{ result.count }}"
  - id: per_account
    for_each: steps.inventory.outputs.accounts
    as: account
    steps:
      - id: status
        uses: ctpat.inactivity_status
        with: {account: "${{ account.key }}"}
      - id: free
        uses: ctpat.anything
      - id: remind
        uses: core.note
        with:
          body: "BODY"
outputs:
  out: "OUT"
"#;

fn watch(body: &str, out: &str) -> Vec<String> {
    let source = WATCH.replace("BODY", body).replace("OUT", out);
    // core.note is not loaded: drop that complaint, it is not under test.
    problems(&source)
        .into_iter()
        .filter(|p| !p.contains("unknown connector `core`"))
        .collect()
}

#[test]
fn fields_of_known_shapes_are_accepted() {
    let body = "${{ account.holder.name }} ${{ account.company.ctpat_account_number }} ${{ account.attributes.site }} ${{ steps.status.outputs.days_inactive }} ${{ steps.free.outputs.whatever.deep }}";
    assert_eq!(
        watch(body, "${{ steps.per_account.outputs.count }}"),
        Vec::<String>::new()
    );
}

#[test]
fn a_for_each_item_has_the_shape_of_the_list_items() {
    assert_eq!(
        watch("Hola ${{ account.holder.nmae }}", "x"),
        ["23:17: `with` of step `remind` reads `account.holder.nmae`, but `account.holder` has no field `nmae` (did you mean `name`?)"]
    );
}

#[test]
fn action_outputs_and_declared_outputs_are_checked() {
    assert_eq!(
        watch("${{ steps.status.outputs.stgae }}", "${{ steps.inventory.outputs.totl }}"),
        [
            "23:17: `with` of step `remind` reads `steps.status.outputs.stgae`, but `steps.status.outputs` has no field `stgae` (did you mean `stage`?)",
            "25:8: output `out` reads `steps.inventory.outputs.totl`, but step `inventory` declares no output `totl` (did you mean `total`?)",
        ]
    );
    assert_eq!(
        watch("x", "${{ steps.per_account.outputs.cuont }}"),
        ["25:8: output `out` reads `steps.per_account.outputs.cuont`, but `steps.per_account.outputs` has no field `cuont` (did you mean `count`?)"]
    );
}

#[test]
fn result_inside_outputs_has_the_action_output_shape() {
    let source = WATCH.replace("result.count", "result.cuont");
    let found = problems(&source);
    assert!(
        found.iter().any(|p| p.starts_with("10:14: output `total` reads `result.cuont`, but `result` has no field `cuont` (did you mean `count`?)")),
        "{found:?}"
    );
}

#[test]
fn template_loops_read_items_of_known_lists() {
    let body = "{% for a in steps.inventory.outputs.accounts %}${{ a.holdr.email }}{% endfor %}";
    let found = watch(body, "x");
    assert_eq!(
        found,
        ["23:17: `with` of step `remind` reads `a.holdr.email`, but `a` has no field `holdr` (did you mean `holder`?)"]
    );
}

#[test]
fn guarded_reads_and_open_shapes_are_not_reported() {
    let body = "${{ account.holder.nmae | default('') }} {% if account.nope is defined %}${{ account.nope.x }}{% endif %} ${{ account.attributes.anything }} ${{ steps.free.outputs.nope }} ${{ account.attributes.items() | list }}";
    assert_eq!(
        watch(body, "${{ steps.inventory.outputs.totl | default(0) }}"),
        Vec::<String>::new()
    );
}

#[test]
fn nullable_accounts_from_get_are_checked() {
    let source = r#"name: one
steps:
  - id: get
    uses: accounts.get
    with: {account: "ctpat:ana@example.com"}
  - id: tell
    uses: event.emit
    with:
      name: account.checked
      data: {who: "${{ steps.get.outputs.account.holder.emial }}"}
"#;
    assert_eq!(
        problems(source),
        ["10:19: `with` of step `tell` reads `steps.get.outputs.account.holder.emial`, but `steps.get.outputs.account.holder` has no field `emial` (did you mean `email`?)"]
    );
}

proptest! {
    /// A field of a closed output is reported exactly when the schema does
    /// not have it, and never when the template guards it.
    #[test]
    fn closed_outputs_report_exactly_the_unknown_fields(field in "[a-z][a-z_]{0,12}") {
        let known = ["stage", "days_inactive", "deactivates_on"];
        let plain = watch(&format!("${{{{ steps.status.outputs.{field} }}}}"), "x");
        prop_assert_eq!(plain.len(), usize::from(!known.contains(&field.as_str())), "{:?}", plain);
        let guarded = watch(&format!("${{{{ steps.status.outputs.{field} | default('') }}}}"), "x");
        prop_assert!(guarded.is_empty(), "{:?}", guarded);
        let tested = watch(&format!("{{% if steps.status.outputs.{field} is defined %}}x{{% endif %}}"), "x");
        prop_assert!(tested.is_empty(), "{:?}", tested);
    }
}
