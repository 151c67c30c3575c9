//! The `core` connector (to be written).
