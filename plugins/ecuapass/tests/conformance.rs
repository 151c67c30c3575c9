//! The host's conformance suite on the linked connector: manifest rules, valid
//! schemas, invalid inputs refused with field paths, example outputs matching
//! their schemas, determinism and unknown actions.

use ecuapass::EcuapassConnector;
use garita_sdk::serde_json::{json, Value};

fn examples() -> Vec<(&'static str, Value)> {
    vec![
        ("validate_cedula", json!({"cedula": "1710034065"})),
        ("validate_cedula", json!({"cedula": "1710034066"})),
        ("validate_ruc", json!({"ruc": "1790011674001"})),
        ("validate_ruc", json!({"ruc": "1790011675001"})),
        ("validate_ruc", json!({"ruc": "17"})),
        (
            "annual_update_guide",
            json!({"user_type": "Representante", "year": 2026}),
        ),
        (
            "annual_update_guide",
            json!({"user_type": "entidad u organismo internacional"}),
        ),
        (
            "password_reset_guide",
            json!({"classification": "Empleado", "identification": "1710034065", "ruc": "1790011674001"}),
        ),
        (
            "password_reset_guide",
            json!({"classification": "perito", "identification": "AB123456", "personal_email": "perito@correo.ec"}),
        ),
    ]
}

#[test]
fn the_linked_connector_conforms() {
    let failures = garita_host::conformance::run(&EcuapassConnector, &examples());
    assert!(
        failures.is_empty(),
        "{}",
        garita_host::conformance::describe(&failures)
    );
}
