//! The avro gate (see its issue); its config section is `gates.avro`.

pub mod compat;
pub mod json;
pub mod mode;
pub mod schema;

use crate::gates::Gate;

crate::gate_config! {
    /// `gates.avro` in .shipgate.yml.
    pub struct AvroConfig {}
}

/// This gate's implementation, when this build has one.
pub fn gate() -> Option<&'static dyn Gate> {
    None
}
