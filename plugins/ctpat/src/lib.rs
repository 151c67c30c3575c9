//! The `ctpat` connector (to be written).
