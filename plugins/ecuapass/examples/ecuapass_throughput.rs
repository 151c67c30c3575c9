//! Rough throughput of the validators: `cargo run --release -p ecuapass --example ecuapass_throughput`.
//!
//! Not a test (timings vary by machine); it prints validations per second.

use std::hint::black_box;
use std::time::Instant;

fn measure(name: &str, inputs: &[&str], validate: fn(&str) -> ecuapass::Validation) {
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
        "cedula",
        &["1710034065", "0926687856", "1710034066", "17-1003-4065"],
        ecuapass::validate_cedula,
    );
    measure(
        "ruc",
        &[
            "1790011674001",
            "1710034065001",
            "1760013210001",
            "1790011675001",
        ],
        ecuapass::validate_ruc,
    );
}
