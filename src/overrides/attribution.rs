//! Which override changed which field: recorded while overriders run, shown in the plan.

use std::fmt;

use crate::model::PolicyId;

/// The kinds of overrider, named as Karmada's API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OverriderKind {
    /// `imageOverrider`.
    Image,
    /// `commandOverrider`.
    Command,
    /// `argsOverrider`.
    Args,
    /// `labelsOverrider`.
    Labels,
    /// `annotationsOverrider`.
    Annotations,
    /// `fieldOverrider`.
    Field,
    /// `plaintext`.
    Plaintext,
}

impl OverriderKind {
    /// Every kind, in Karmada's order.
    pub const ALL: [Self; 7] = [
        Self::Image,
        Self::Command,
        Self::Args,
        Self::Labels,
        Self::Annotations,
        Self::Field,
        Self::Plaintext,
    ];

    /// Karmada's field name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "imageOverrider",
            Self::Command => "commandOverrider",
            Self::Args => "argsOverrider",
            Self::Labels => "labelsOverrider",
            Self::Annotations => "annotationsOverrider",
            Self::Field => "fieldOverrider",
            Self::Plaintext => "plaintext",
        }
    }
}

impl fmt::Display for OverriderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field of one instance that an override policy changed. Holds paths only, never values,
/// so a Secret's data cannot leak through it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppliedOverride {
    /// The policy.
    pub policy: PolicyId,
    /// The overrider that made the change.
    pub overrider: OverriderKind,
    /// JSON pointer of the changed field in the manifest.
    pub path: String,
    /// For a field overrider, the `subPath` inside the field's decoded document.
    pub sub_path: Option<String>,
}

impl fmt::Display for AppliedOverride {
    /// `/spec/replicas by OverridePolicy/default/x (plaintext)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(sub_path) = &self.sub_path {
            write!(f, " ({sub_path})")?;
        }
        write!(f, " by {} ({})", self.policy, self.overrider)
    }
}
