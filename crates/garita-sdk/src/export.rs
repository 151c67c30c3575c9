//! The `export_connector!` macro: turns a [`Connector`](crate::Connector) value
//! into a loadable plugin without a line of `unsafe` in the author's crate.

/// Exports a connector from a `cdylib` so the Garita host can load it.
///
/// Give it an expression that builds the connector: a unit struct
/// (`export_connector!(Hello)`) or a constructor call
/// (`export_connector!(Hello::new())`). The expression runs once, the first
/// time the host asks for the manifest or calls an action; a panic there is
/// reported to the host like any other panic.
///
/// Use it once per library, at the crate root. It generates the
/// `garita_connector_entry` symbol and the version-1 table of
/// [`abi`](crate::abi); every generated function catches panics.
///
/// The symbol has one fixed name, so a binary that links several connector
/// crates statically would define it several times and fail to link. A crate
/// that is both a plugin and linked into a binary gates the export behind a
/// Cargo feature, as Garita's own connectors do:
///
/// ```toml
/// [features]
/// cdylib = []   # cargo build -p my-connector --features cdylib
/// ```
///
/// ```ignore
/// #[cfg(feature = "cdylib")]
/// garita_sdk::export_connector!(MyConnector);
/// ```
///
/// ```
/// use garita_sdk::{export_connector, ActionError, Connector, InvokeContext, Manifest};
/// use garita_sdk::serde_json::Value;
///
/// struct Hello;
///
/// impl Connector for Hello {
///     fn manifest(&self) -> Manifest {
///         Manifest::new("hello", "0.1.0", "Greets people.")
///     }
///     fn invoke(&self, _ctx: &InvokeContext, action: &str, _input: Value) -> Result<Value, ActionError> {
///         Err(ActionError::unknown_action(action))
///     }
/// }
///
/// export_connector!(Hello);
/// ```
#[macro_export]
macro_rules! export_connector {
    ($init:expr $(,)?) => {
        const _: () = {
            struct GaritaExportedConnector;

            impl $crate::abi::ConnectorExport for GaritaExportedConnector {
                fn connector() -> &'static dyn $crate::Connector {
                    static INSTANCE: ::std::sync::OnceLock<
                        ::std::boxed::Box<dyn $crate::Connector>,
                    > = ::std::sync::OnceLock::new();
                    INSTANCE
                        .get_or_init(|| ::std::boxed::Box::new($init))
                        .as_ref()
                }
            }

            static GARITA_CONNECTOR_V1: $crate::abi::GaritaConnectorV1 =
                $crate::abi::connector_v1::<GaritaExportedConnector>();

            /// The plugin's entry point: the address of its static table.
            // `no_mangle` counts as unsafe code: the host looks the function up
            // by this exact name, and the name is unique per library.
            #[allow(unsafe_code)]
            #[no_mangle]
            pub extern "C" fn garita_connector_entry() -> *const $crate::abi::GaritaConnectorV1 {
                &GARITA_CONNECTOR_V1
            }
        };
    };
}
