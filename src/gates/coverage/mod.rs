//! The coverage gate (see its issue); its config section is `gates.coverage`.

use crate::gates::Gate;

crate::gate_config! {
    /// `gates.coverage` in .shipgate.yml.
    pub struct CoverageConfig {}
}

/// This gate's implementation, when this build has one.
pub fn gate() -> Option<&'static dyn Gate> {
    None
}
