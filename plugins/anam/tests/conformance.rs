//! The host's conformance suite on the linked connector: manifest rules, valid
//! schemas, invalid inputs refused with field paths, example outputs matching
//! their schemas, determinism and unknown actions.

use anam::AnamConnector;
use garita_sdk::serde_json::{json, Value};

fn registration_form() -> Value {
    json!({
        "user_type": "Agente Aduanal",
        "foreigner": false,
        "curp": "AAOD850103HGRBCN02",
        "rfc": "AAOD850103ABA",
        "name": "Daniel",
        "first_surname": "Abarca",
        "second_surname": "Ocampo",
        "email": "daniel@agencia.mx",
        "state": "Guerrero",
        "locality": "Chilpancingo",
        "colonia": "Centro",
        "postal_code": "39000",
        "exterior_number": "12",
        "street": "Juárez"
    })
}

fn examples() -> Vec<(&'static str, Value)> {
    vec![
        ("validate_rfc", json!({"rfc": "GODE561231GR8"})),
        ("validate_rfc", json!({"rfc": "GODE561231GR9"})),
        ("validate_rfc", json!({"rfc": "XAXX010101000"})),
        ("validate_curp", json!({"curp": "AAOD850103HGRBCN02"})),
        ("validate_curp", json!({"curp": "AAOD850103HGRBCN03"})),
        ("validate_postal_code", json!({"postal_code": "06600"})),
        ("validate_email", json!({"email": "ana@empresa.com.mx"})),
        ("validate_email", json!({"email": "ana@"})),
        ("registration_check", registration_form()),
        (
            "registration_check",
            json!({"user_type": "Aduanero", "foreigner": true, "email": "x@", "postal_code": "1"}),
        ),
        ("password_recovery_guide", json!({"username": "dabarca"})),
        ("password_recovery_guide", json!({})),
    ]
}

#[test]
fn the_linked_connector_conforms() {
    let failures = garita_host::conformance::run(&AnamConnector, &examples());
    assert!(
        failures.is_empty(),
        "{}",
        garita_host::conformance::describe(&failures)
    );
}
