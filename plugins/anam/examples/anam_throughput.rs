//! Rough throughput of the validators: `cargo run --release -p anam --example anam_throughput`.
//!
//! Not a test (timings vary by machine); it prints validations per second.

use std::hint::black_box;
use std::time::Instant;

fn measure(name: &str, inputs: &[&str], validate: fn(&str) -> anam::Validation) {
    const ROUNDS: usize = 200_000;
    let start = Instant::now();
    let mut valid = 0usize;
    for i in 0..ROUNDS {
        if validate(black_box(inputs[i % inputs.len()])).valid {
            valid += 1;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{name}: {:.0} validations/s ({valid} valid of {ROUNDS})",
        ROUNDS as f64 / seconds
    );
}

fn main() {
    measure(
        "rfc",
        &[
            "GODE561231GR8",
            "SAT970701NN3",
            "XAXX010101000",
            "gode-561231-gr9",
        ],
        anam::validate_rfc,
    );
    measure(
        "curp",
        &[
            "AAOD850103HGRBCN02",
            "AAMR780430MGRBRN00",
            "AAOD850103HGRBCN03",
        ],
        anam::validate_curp,
    );
    measure(
        "postal_code",
        &["06600", "00999", "39000"],
        anam::validate_postal_code,
    );
    measure(
        "email",
        &["ana@empresa.com.mx", "ana..p@x.mx", "daniel@agencia.mx"],
        anam::validate_email,
    );
}
