//! The `email` connector (to be written).
