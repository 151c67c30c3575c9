//! The plugin host (to be written).
