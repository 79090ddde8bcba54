//! The secrets gate (see its issue); its config section is `gates.secrets`.

use crate::gates::Gate;

crate::gate_config! {
    /// `gates.secrets` in .shipgate.yml.
    pub struct SecretsConfig {}
}

/// This gate's implementation, when this build has one.
pub fn gate() -> Option<&'static dyn Gate> {
    None
}
