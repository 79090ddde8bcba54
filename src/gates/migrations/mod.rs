//! The migrations gate (see its issue); its config section is `gates.migrations`.

use crate::gates::Gate;

crate::gate_config! {
    /// `gates.migrations` in .shipgate.yml.
    pub struct MigrationsConfig {}
}

/// This gate's implementation, when this build has one.
pub fn gate() -> Option<&'static dyn Gate> {
    None
}
