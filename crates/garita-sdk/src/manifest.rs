use serde::{Deserialize, Serialize};

/// What a connector says about itself: its name, version and actions.
///
/// The host reads it once when the connector is loaded; the workflow validator
/// uses it to reject unknown `CONNECTOR.ACTION` names and inputs that do not
/// match an action's input schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The connector name workflows use before the dot (`ecuapass` in `ecuapass.validate_ruc`).
    pub name: String,
    /// The connector's own version (semver).
    pub version: String,
    /// One line for `garita plugins list`.
    pub description: String,
    /// Every action the connector offers.
    pub actions: Vec<ActionSpec>,
}

impl Manifest {
    /// A manifest with no actions yet; add them with [`Manifest::action`].
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            actions: Vec::new(),
        }
    }

    /// Adds an action (builder style).
    pub fn action(mut self, action: ActionSpec) -> Self {
        self.actions.push(action);
        self
    }

    /// Looks an action up by name.
    pub fn find(&self, action: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.name == action)
    }
}

/// One action of a connector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionSpec {
    /// The name after the dot.
    pub name: String,
    /// What the action does, for humans.
    pub description: String,
    /// JSON Schema (draft 2020-12) of the input object.
    pub input_schema: serde_json::Value,
    /// JSON Schema (draft 2020-12) of the output value.
    pub output_schema: serde_json::Value,
    /// Whether calling the action changes something outside Garita (sends an
    /// email, writes a file). Side-effect-free actions may be called freely by
    /// `garita simulate` and are expected to be deterministic.
    pub side_effects: bool,
}

impl ActionSpec {
    /// A side-effect-free action accepting and returning any JSON object.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            input_schema: serde_json::json!({"type": "object"}),
            output_schema: serde_json::json!({}),
            side_effects: false,
        }
    }

    /// Sets the input schema.
    pub fn input_schema(mut self, schema: serde_json::Value) -> Self {
        self.input_schema = schema;
        self
    }

    /// Sets the output schema.
    pub fn output_schema(mut self, schema: serde_json::Value) -> Self {
        self.output_schema = schema;
        self
    }

    /// Marks the action as having side effects.
    pub fn with_side_effects(mut self) -> Self {
        self.side_effects = true;
        self
    }
}
