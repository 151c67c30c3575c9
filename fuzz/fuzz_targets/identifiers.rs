//! Any text through every identifier validator (Ecuador: cédula, RUC; Mexico:
//! RFC, CURP, postal code, email). None may panic, `valid` must mean "no
//! errors", and a valid identifier's normalised form must validate again to
//! itself (the inventory stores the normalised form and re-checks it).
#![no_main]

use libfuzzer_sys::fuzz_target;

/// `valid`, `normalized` and `errors.is_empty()` of one verdict.
type Verdict = (bool, String, bool);

fn check(name: &str, validate: impl Fn(&str) -> Verdict, input: &str) {
    let (valid, normalized, no_errors) = validate(input);
    assert_eq!(
        valid, no_errors,
        "{name}({input:?}): valid disagrees with errors"
    );
    if valid {
        let (again_valid, again, _) = validate(&normalized);
        assert!(
            again_valid,
            "{name}({input:?}) normalised to {normalized:?}, which is invalid"
        );
        assert_eq!(
            again, normalized,
            "{name}({input:?}): normalising is not idempotent"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    check(
        "validate_cedula",
        |s| {
            let v = ecuapass::validate_cedula(s);
            let _ = v.to_json(true);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
    check(
        "validate_ruc",
        |s| {
            let v = ecuapass::validate_ruc(s);
            let _ = v.to_json(false);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
    check(
        "validate_rfc",
        |s| {
            let v = anam::validate_rfc(s);
            let _ = v.to_json(true);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
    check(
        "validate_curp",
        |s| {
            let v = anam::validate_curp(s);
            let _ = v.to_json(false);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
    check(
        "validate_postal_code",
        |s| {
            let v = anam::validate_postal_code(s);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
    check(
        "validate_email",
        |s| {
            let v = anam::validate_email(s);
            (v.valid, v.normalized, v.errors.is_empty())
        },
        input,
    );
});
