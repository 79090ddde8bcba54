//! The openapi gate (see its issue); its config section is `gates.openapi`.

use crate::gates::Gate;

crate::gate_config! {
    /// `gates.openapi` in .shipgate.yml.
    pub struct OpenapiConfig {}
}

/// This gate's implementation, when this build has one.
pub fn gate() -> Option<&'static dyn Gate> {
    None
}
