//! Bad input everywhere, on the real binary: bytes that are not UTF-8, files
//! and fields past their limits, templates that loop or explode, YAML that
//! nests without end, repeats keys or multiplies itself through aliases. Each
//! case must end with the documented exit code and a message that says what
//! was wrong; none may panic (a panic exits with 101) or run out of memory.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use support::*;

/// The header every inventory file needs.
const CSV_HEADER: &str = "portal,account,holder_name,holder_email,company,tax_id";

/// Runs `cmd`, and checks the exit code and that the message names the problem.
fn expect(out: &Output, code: i32, needle: &str) -> String {
    let (so, se) = (stdout(out), stderr(out));
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\nstdout: {}\nstderr: {}",
        cut(&so),
        cut(&se)
    );
    let all = format!("{so}{se}");
    assert!(
        all.contains(needle),
        "expected `{needle}` in the output\nstdout: {}\nstderr: {}",
        cut(&so),
        cut(&se)
    );
    assert!(!all.contains("panicked"), "a panic: {}", cut(&se));
    all
}

/// At most 2,000 characters of a message, for assertion output.
fn cut(text: &str) -> String {
    text.chars().take(2_000).collect()
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// A file of `len` bytes that takes no disk space (its size is what is checked first).
fn sparse_file(dir: &Path, name: &str, len: u64) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
    path
}

fn validate(dir: &Path, file: &Path) -> Output {
    run(garita(&dir.join("store")).arg("validate").arg(file))
}

/// `garita call TARGET -` with `input` on stdin.
fn call_batch(dir: &Path, target: &str, input: &[u8]) -> Output {
    let mut child: std::process::Child = garita(&dir.join("store"))
        .args(["call", target, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("garita starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Written from another thread: the child answers while it reads.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("garita ends");
    writer.join().expect("writer").expect("stdin written");
    out
}

/// A workflow with one `core.set` step whose `value` is `template`.
fn template_workflow(dir: &Path, template: &str) -> std::path::PathBuf {
    let quoted = serde_json::to_string(template).expect("JSON string");
    write(
        dir,
        "template.yaml",
        &format!("name: template-bomb\nsteps:\n  - id: render\n    uses: core.set\n    with:\n      value: {quoted}\n"),
    )
}

fn run_workflow(dir: &Path, file: &Path) -> Output {
    run(garita(&dir.join("store")).arg("run").arg(file))
}

// --- invalid UTF-8 --------------------------------------------------------

#[test]
fn a_workflow_that_is_not_utf8_is_refused_with_the_byte() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_bytes(dir.path(), "latin1.yaml", b"name: caf\xe9\nsteps: []\n");
    let out = validate(dir.path(), &file);
    expect(&out, 1, "not valid UTF-8 at byte 9; save the file as UTF-8");
    let out = run_workflow(dir.path(), &file);
    expect(&out, 1, "not valid UTF-8 at byte 9");
}

#[test]
fn an_inventory_that_is_not_utf8_is_refused_with_line_and_byte() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{CSV_HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"anam,alopez,Ana L\xf3pez,ana@example.com,Acme,GODE561231GR8\n");
    let file = write_bytes(dir.path(), "latin1.csv", &bytes);
    let out = run(garita(&dir.path().join("store"))
        .args(["accounts", "import"])
        .arg(&file));
    expect(
        &out,
        1,
        "latin1.csv:2: not valid UTF-8 (byte 72); save the file as CSV UTF-8",
    );
}

#[test]
fn call_batch_answers_a_line_that_is_not_utf8_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = call_batch(
        dir.path(),
        "ecuapass.validate_ruc",
        b"{\"ruc\":\"17900\xff11674001\"}\n{\"ruc\":\"1790011674001\"}\n",
    );
    let all = expect(&out, 1, "line 1 is not valid UTF-8 (byte 13 of the line)");
    let printed = stdout(&out);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{all}");
    assert!(lines[1].contains("\"valid\":true"), "{all}");
}

#[test]
fn arguments_that_are_not_utf8_are_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let out = run(garita(&dir.path().join("store"))
        .args(["signal", "01ABC", "go", "--data"])
        .arg(std::ffi::OsStr::from_bytes(b"{\"a\":\"\xff\"}")));
    expect(&out, 2, "invalid UTF-8");
}

// --- gigantic files and fields -------------------------------------------

#[test]
fn a_workflow_over_one_mebibyte_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = sparse_file(dir.path(), "huge.yaml", 5 << 30);
    let out = validate(dir.path(), &file);
    expect(
        &out,
        1,
        "is 5368709120 bytes; workflow files are limited to 1048576 bytes",
    );
}

#[test]
fn an_inventory_over_the_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = sparse_file(dir.path(), "huge.csv", (256 << 20) + 1);
    let out = run(garita(&dir.path().join("store"))
        .args(["accounts", "import"])
        .arg(&file));
    expect(
        &out,
        1,
        "is 268435457 bytes; an inventory file is limited to 268435456 bytes (split it)",
    );
}

#[test]
fn a_gigantic_inventory_cell_is_a_problem_of_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let name = "N".repeat(8 << 20);
    let text = format!("{CSV_HEADER}\nanam,alopez,{name},ana@example.com,Acme,GODE561231GR8\n");
    let file = write(dir.path(), "wide.csv", &text);
    let out = run(garita(&dir.path().join("store"))
        .args(["accounts", "import"])
        .arg(&file));
    expect(
        &out,
        1,
        "wide.csv:2: column `holder_name`: is longer than 300 characters",
    );
}

#[test]
fn call_batch_refuses_a_gigantic_line_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = b"{\"ruc\":\"".to_vec();
    input.extend(std::iter::repeat_n(b'1', 3 << 20));
    input.extend_from_slice(b"\"}\n{\"ruc\":\"1790011674001\"}\n");
    let out = call_batch(dir.path(), "ecuapass.validate_ruc", &input);
    let all = expect(&out, 1, "line 1 is longer than 1048576 bytes");
    assert_eq!(stdout(&out).lines().count(), 2, "{}", cut(&all));
}

#[test]
fn call_batch_refuses_json_nested_too_deep() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("{}\n", "[".repeat(100_000));
    let out = call_batch(dir.path(), "ecuapass.validate_ruc", deep.as_bytes());
    expect(&out, 1, "line 1 is not JSON: recursion limit exceeded");
}

#[test]
fn signal_data_over_the_limit_or_too_deep_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{{\"note\":\"{}\"}}", "x".repeat(100_000));
    let out =
        run(garita(&dir.path().join("store")).args(["signal", "01ABC", "go", "--data", &big]));
    expect(
        &out,
        2,
        "--data is 100011 bytes; signal data is limited to 65536 bytes",
    );
    let deep = "[".repeat(50_000);
    let out =
        run(garita(&dir.path().join("store")).args(["signal", "01ABC", "go", "--data", &deep]));
    expect(&out, 2, "--data must be JSON");
    expect(&out, 2, "recursion limit exceeded");
}

#[test]
fn a_task_field_over_the_limit_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let field = format!("evidence={}", "x".repeat(100_000));
    let out =
        run(garita(&dir.path().join("store"))
            .args(["tasks", "complete", "01ABC", "--field", &field]));
    expect(
        &out,
        2,
        "--field `evidence` is 100000 bytes; a field value is limited to 65536 bytes",
    );
}

// --- templates that loop or explode ---------------------------------------

#[test]
fn templates_that_loop_or_explode_fail_the_step_with_the_engines_reason() {
    let cases = [
        (
            "${{ range(10**9) | length }}",
            "range has too many elements",
        ),
        ("${{ 'x' * 10**9 }}", "repeated string is too large"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "engine ran out of fuel",
        ),
        (
            "{% for i in range(100000) %}${{ 'x' * 100 }}{% endfor %}",
            "rendered more than 1048576 bytes, the limit",
        ),
        (
            "{% set ns = namespace(a='xxxxxxxxxx') %}{% for i in range(40) %}{% set ns.a = ns.a ~ ns.a %}{% endfor %}${{ ns.a | length }}",
            "namespace is unknown",
        ),
        (
            "{% set a = 'x' * 100000 %}${{ a | replace('', a) | length }}",
            "one operation may build at most 1048576",
        ),
    ];
    for (template, reason) in cases {
        let dir = tempfile::tempdir().unwrap();
        let file = template_workflow(dir.path(), template);
        let out = run_workflow(dir.path(), &file);
        let all = expect(&out, 1, reason);
        assert!(all.contains("failed"), "{template}: {}", cut(&all));
    }
}

#[test]
fn a_template_with_a_macro_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = template_workflow(
        dir.path(),
        "{% macro f(s) %}${{ f(s ~ s) }}{% endmacro %}${{ f('x') }}",
    );
    expect(
        &validate(dir.path(), &file),
        1,
        "macros are not available in workflow templates",
    );
    let out = run_workflow(dir.path(), &file);
    expect(&out, 1, "macros are not available in workflow templates");
    assert!(
        !dir.path().join("store").exists(),
        "an invalid workflow must not create a store"
    );
}

// --- YAML that nests, repeats or multiplies --------------------------------

#[test]
fn deeply_nested_yaml_is_refused_at_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let flow = format!(
        "name: deep\nsteps: {}{}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let file = write(dir.path(), "flow.yaml", &flow);
    // The YAML reader's own bound stops flow nesting before the tree is built.
    expect(
        &validate(dir.path(), &file),
        1,
        "flow.yaml:2:263: this is not valid YAML: recursion limit exceeded",
    );
    let mut block = String::from("name: deep\nsteps:\n");
    for depth in 0..500 {
        block.push_str(&" ".repeat(depth));
        block.push_str("- \n");
    }
    let file = write(dir.path(), "block.yaml", &block);
    expect(
        &validate(dir.path(), &file),
        1,
        "values are nested more than 64 levels deep here",
    );
}

#[test]
fn duplicate_keys_are_refused_with_both_places() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "dup.yaml",
        "name: dup\nname: dup2\nsteps:\n  - id: a\n    uses: core.set\n",
    );
    expect(
        &validate(dir.path(), &file),
        1,
        "dup.yaml:2:1: duplicate key `name`; it was already given at line 1, column 1",
    );
}

#[test]
fn a_billion_laughs_file_is_refused_without_expanding_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("name: laughs\nsteps:\n  - id: a\n    uses: core.set\n    with: {x: *a9}\n");
    let file = write(dir.path(), "laughs.yaml", &text);
    let out = validate(dir.path(), &file);
    let all = expect(
        &out,
        1,
        "laughs.yaml:15:15: aliases (`*name`) are not supported in workflow files",
    );
    expect(
        &out,
        1,
        "anchors (`&name`) are not supported in workflow files",
    );
    // One diagnostic per anchor, alias and unknown key as written: 9 ** 10
    // expanded values would be billions of lines.
    let lines = all.lines().count();
    assert!(lines < 400, "{lines} lines: the aliases were expanded");
}

#[test]
fn a_workflow_of_random_bytes_is_diagnosed_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    // A fixed pseudo-random sequence (xorshift), valid UTF-8 by construction.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"-:[]{}&*!|>'\"#%@` \n\tab1?,";
    let text: String = (0..20_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(alphabet[(state % alphabet.len() as u64) as usize])
        })
        .collect();
    let file = write(dir.path(), "noise.yaml", &text);
    let out = validate(dir.path(), &file);
    expect(&out, 1, "noise.yaml:");
}

#[test]
fn fuzz_regression_a_condition_closed_early_is_diagnosed_not_panicked_on() {
    // minijinja 2.24 panics on a bare expression that closes its `}}` with
    // text after it; the workflow_parse fuzzer found it in an `if:`.
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "early.yaml",
        "name: early\nsteps:\n  - id: a\n    if: \"inputs.x }} ${{ inputs.y }}\"\n    uses: core.set\n    with: {x: 1}\n",
    );
    let out = validate(dir.path(), &file);
    let all = expect(&out, 1, "early.yaml:4:");
    assert!(
        all.contains("ends the expression before its end"),
        "{}",
        cut(&all)
    );
    assert!(!all.contains("panicked"), "{}", cut(&all));
}

#[test]
fn thousands_of_unknown_references_stop_at_the_problem_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("name: many\nsteps:\n");
    for i in 0..3_000 {
        text.push_str(&format!("  - {{id: s{i:05}, uses: core.set}}\n"));
    }
    let refs: Vec<String> = (0..25_000)
        .map(|i| format!("${{{{ steps.t{i:05}.outputs.x }}}}"))
        .collect();
    text.push_str(&format!(
        "  - id: last\n    uses: core.set\n    with: {{v: \"{}\"}}\n",
        refs.join(" ")
    ));
    let file = write(dir.path(), "many.yaml", &text);
    let out = validate(dir.path(), &file);
    let all = expect(
        &out,
        1,
        "many.yaml:3005:1: stopped after 200 problems; the rest of the file may have more",
    );
    expect(&out, 1, "201 problem(s) found");
    assert!(all.contains("there is no step `t00000`"), "{}", cut(&all));
}

#[test]
fn an_inventory_header_of_a_hundred_thousand_columns_imports() {
    let dir = tempfile::tempdir().unwrap();
    let attributes: Vec<String> = (0..100_000).map(|i| format!("attr.a{i}")).collect();
    let text = format!(
        "{CSV_HEADER},{}\nanam,alopez,Ana,ana@example.com,Acme,GODE561231GR8{}\n",
        attributes.join(","),
        ",".repeat(100_000)
    );
    let file = write(dir.path(), "wide.csv", &text);
    let out = run(garita(&dir.path().join("store"))
        .args(["--now", "2026-03-10T15:00:00Z", "accounts", "import"])
        .arg(&file));
    expect(&out, 0, "imported 1, unchanged 0, skipped 0");
}

// --- Fields that the value cannot have -------------------------------------

/// A watch over the inventory's CTPAT accounts whose email reads a field the
/// inventory's holders do not have, three lines into its body.
const HOLDER_TYPO: &str = r#"name: typo-watch
steps:
  - id: inventory
    uses: accounts.list
    with: {portal: ctpat, status: active}
  - id: per_account
    for_each: steps.inventory.outputs.accounts
    as: account
    steps:
      - id: status
        uses: ctpat.inactivity_status
        with: {account: "${{ account.key }}"}
      - id: remind
        if: steps.status.outputs.reminder_due_today
        uses: email.send
        with:
          to: "${{ account.holder.email }}"
          subject: "CTPAT: ${{ steps.status.outputs.days_inactiv }} days"
          body: |
            Hello,

            ${{ account.holder.nmae }}, please sign in to the CTPAT portal.
outputs:
  checked: "${{ steps.per_account.outputs.count }}"
"#;

#[test]
fn a_field_the_output_schema_lacks_is_caught_at_validation_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "typo.yaml", HOLDER_TYPO);
    let out = validate(dir.path(), &file);
    let all = expect(&out, 1, "2 problem(s) found");
    let shown = file.display();
    assert!(
        all.contains(&format!(
            "{shown}:18:20: `with` of step `remind` reads `steps.status.outputs.days_inactiv`, but `steps.status.outputs` has no field `days_inactiv`\n  hint: did you mean `days_inactive`?\n"
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "{shown}:20:13: `with` of step `remind` reads `account.holder.nmae`, but `account.holder` has no field `nmae`\n  hint: did you mean `name`?\n"
        )),
        "{all}"
    );
    // `garita run` validates first: nothing starts, and no store is created.
    expect(&run_workflow(dir.path(), &file), 1, "has no field `nmae`");
    assert!(!dir.path().join("store").exists());

    // The same reads, guarded, are the author saying the value may be missing.
    let guarded = HOLDER_TYPO
        .replace(
            "steps.status.outputs.days_inactiv }}",
            "steps.status.outputs.days_inactiv | default('?') }}",
        )
        .replace(
            "${{ account.holder.nmae }}",
            "{% if account.holder.nmae is defined %}${{ account.holder.nmae }}{% endif %}",
        );
    let file = write(dir.path(), "guarded.yaml", &guarded);
    expect(&validate(dir.path(), &file), 0, "ok (typo-watch)");
}
