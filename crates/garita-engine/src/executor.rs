//! The durable executor (written next).
