//! The host's conformance suite, on the linked connector and, when it has
//! been built, on the loadable library.

use ctpat::CtpatConnector;
use garita_sdk::serde_json::{json, Value};

fn examples() -> Vec<(&'static str, Value)> {
    vec![
        (
            "inactivity_status",
            json!({"last_sign_in": "2026-01-23", "today": "2026-03-09"}),
        ),
        (
            "reactivation_request",
            json!({
                "company_legal_name": "Exportadora Peñasco S.A. de C.V.",
                "ctpat_account_number": "12345678",
                "user_full_name": "María José Núñez",
                "user_email": "mjnunez@penasco.com.mx",
                "last_sign_in": "2026-01-10",
                "specialist_email": "specialist@cbp.dhs.gov",
            }),
        ),
        (
            "reactivation_deadline",
            json!({"reactivated_on": "2026-03-09", "user_time_zone": "America/Tijuana"}),
        ),
        (
            "email_list_review",
            json!({
                "enabled_emails": ["ana@x.com", "old@x.com"],
                "accounts": [
                    {"email": "ana@x.com", "holder_name": "Ana", "status": "active"},
                    {"email": "bea@x.com", "holder_name": "Bea", "status": "active"},
                ],
            }),
        ),
    ]
}

#[test]
fn the_linked_connector_conforms() {
    let failures = garita_host::conformance::run(&CtpatConnector, &examples());
    assert!(
        failures.is_empty(),
        "{}",
        garita_host::conformance::describe(&failures)
    );
}
