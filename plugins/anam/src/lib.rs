//! The `anam` connector (to be written).
