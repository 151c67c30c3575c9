//! `garita call CONNECTOR.ACTION -` as a whole process: lines per second for
//! each identifier validator, JSON lines in and out, with the release binary.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use super::release::garita;

/// Target for every validator, lines per second.
pub const TARGET_LINES_PER_SEC: f64 = 100_000.0;

/// One validator: the action, its input field, and sample values (valid and
/// invalid) cycled through the batch.
pub struct Case {
    /// `connector.action`.
    pub action: &'static str,
    /// The input field the value goes in.
    pub field: &'static str,
    /// Values cycled through the batch.
    pub samples: [&'static str; 4],
}

/// The four identifier validators: cédula, RUC, RFC, CURP.
pub const CASES: [Case; 4] = [
    Case {
        action: "ecuapass.validate_cedula",
        field: "cedula",
        samples: ["1710034065", "0926687856", "1710034066", "17-1003-4065"],
    },
    Case {
        action: "ecuapass.validate_ruc",
        field: "ruc",
        samples: [
            "1790011674001",
            "1710034065001",
            "1760001550001",
            "1790011674000",
        ],
    },
    Case {
        action: "anam.validate_rfc",
        field: "rfc",
        samples: [
            "GODE561231GR8",
            "SAT970701NN3",
            "XAXX010101000",
            "GODE561331GR8",
        ],
    },
    Case {
        action: "anam.validate_curp",
        field: "curp",
        samples: [
            "GODE561231HDFRRN00",
            "BADD110313HCMLNS06",
            "XXXX991301HDFRRN00",
            "GODE561231HDFRRN01",
        ],
    },
];

/// What one batch measured.
pub struct Batch {
    /// Lines per second, the whole process from start to exit.
    pub lines_per_sec: f64,
    /// Lines whose result said invalid (or an error).
    pub invalid: usize,
}

/// Runs `garita call ACTION -` over `lines` JSON lines of the case's samples.
pub fn measure(store: &Path, case: &Case, lines: usize) -> Batch {
    let mut input = String::with_capacity(lines * 40);
    for i in 0..lines {
        let value = case.samples[i % case.samples.len()];
        input.push_str(&format!("{{\"{}\":\"{value}\"}}\n", case.field));
    }
    let start = Instant::now();
    let mut child = garita(store)
        .args(["call", case.action, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("garita starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("garita finishes");
    writer.join().expect("writer thread").expect("write stdin");
    let elapsed = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        text.lines().count(),
        lines,
        "one output line per input line from {}",
        case.action
    );
    let invalid = text
        .lines()
        .filter(|l| l.contains("\"valid\":false") || l.contains("\"error\""))
        .count();
    assert!(
        invalid > 0 && invalid < lines,
        "{}: the samples mix valid and invalid values, so both must show",
        case.action
    );
    Batch {
        lines_per_sec: lines as f64 / elapsed,
        invalid,
    }
}
