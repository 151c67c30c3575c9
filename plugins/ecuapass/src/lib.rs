//! The `ecuapass` connector (to be written).
