//! The host's conformance suite on the linked connector.
//!
//! Only `render` gets an example: the suite calls examples with a context
//! whose configuration is empty, so an example for `send` would write into
//! the default outbox under the working directory. Invalid inputs are still
//! sent to `send`, and must be refused before anything is written.

use email::EmailConnector;
use garita_sdk::serde_json::json;

#[test]
fn the_linked_connector_conforms() {
    let examples = [(
        "render",
        json!({
            "from": "Garita <robot@garita.test>",
            "to": ["Ana Núñez <ana@cliente.test>"],
            "subject": "Actualización anual",
            "body": "Hola",
            "html": "<p>Hola</p>",
        }),
    )];
    let failures = garita_host::conformance::run(&EmailConnector, &examples);
    assert!(
        failures.is_empty(),
        "{}",
        garita_host::conformance::describe(&failures)
    );
    assert!(
        !std::path::Path::new(".garita").exists(),
        "invalid input to send must not reach the outbox"
    );
}
