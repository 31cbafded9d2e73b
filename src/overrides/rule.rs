//! One override rule applied to one manifest: its overriders in Karmada's order (imageOverrider,
//! commandOverrider, argsOverrider, labelsOverrider, annotationsOverrider, fieldOverrider,
//! plaintext; `applyPolicyOverriders` in `overridemanager.go`), recording what each changed.

use serde_json::Value;

use super::attribution::{AppliedOverride, OverriderKind};
use super::command_args::ContainerList;
use super::labels_annotations::MetadataMap;
use super::{Failure, command_args, field, image, labels_annotations, plaintext};
use crate::model::{OverrideRule, PolicyId};

/// What overriders did that the plan mentions besides the changes themselves.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// Images with both a tag and a digest that an image overrider rewrote.
    pub(super) tagged_digests: Vec<String>,
    /// Init container images an image overrider left alone.
    pub(super) skipped_init_images: Vec<String>,
    /// Overriders that did nothing because Karmada does not change containers of this kind,
    /// though the object has some.
    pub(super) unsupported_kind: Vec<OverriderKind>,
}

/// The overrider that failed, which entry of its list, and why.
#[derive(Debug)]
pub(super) struct RuleFailure {
    /// Its kind.
    pub(super) overrider: OverriderKind,
    /// Its index in the rule's list of that kind.
    pub(super) index: usize,
    /// Where and why.
    pub(super) failure: Failure,
}

/// Records changes for one policy and stops at the first failure.
pub(super) struct Run<'a> {
    pub(super) policy: &'a PolicyId,
    pub(super) kind: &'a str,
    pub(super) applied: &'a mut Vec<AppliedOverride>,
    pub(super) notes: &'a mut Notes,
}

impl Run<'_> {
    fn record(&mut self, overrider: OverriderKind, path: String, sub_path: Option<String>) {
        let entry = AppliedOverride {
            policy: self.policy.clone(),
            overrider,
            path,
            sub_path,
        };
        if !self.applied.contains(&entry) {
            self.applied.push(entry);
        }
    }

    /// Applies every overrider of `rule` to `manifest`, in Karmada's order.
    pub(super) fn rule(
        &mut self,
        rule: &OverrideRule,
        manifest: &mut Value,
    ) -> Result<(), RuleFailure> {
        let fail = |overrider, index| {
            move |failure| RuleFailure {
                overrider,
                index,
                failure,
            }
        };
        for (index, overrider) in rule.images.iter().enumerate() {
            let rewrite = image::apply(manifest, self.kind, overrider)
                .map_err(fail(OverriderKind::Image, index))?;
            self.notes.tagged_digests.extend(rewrite.tagged_digests);
            self.notes
                .skipped_init_images
                .extend(rewrite.skipped_init_images);
            if !rewrite.kind_supported && has_containers(manifest) {
                self.notes.unsupported_kind.push(OverriderKind::Image);
            }
            for path in rewrite.changed {
                self.record(OverriderKind::Image, path, None);
            }
        }
        for (list, kind, overriders) in [
            (
                ContainerList::Command,
                OverriderKind::Command,
                &rule.commands,
            ),
            (ContainerList::Args, OverriderKind::Args, &rule.args),
        ] {
            for (index, overrider) in overriders.iter().enumerate() {
                let outcome = command_args::apply(manifest, self.kind, list, overrider)
                    .map_err(fail(kind, index))?;
                if !outcome.kind_supported && has_containers(manifest) {
                    self.notes.unsupported_kind.push(kind);
                }
                for path in outcome.changed {
                    self.record(kind, path, None);
                }
            }
        }
        for (map, kind, overriders) in [
            (MetadataMap::Labels, OverriderKind::Labels, &rule.labels),
            (
                MetadataMap::Annotations,
                OverriderKind::Annotations,
                &rule.annotations,
            ),
        ] {
            for (index, overrider) in overriders.iter().enumerate() {
                for path in labels_annotations::apply(manifest, map, overrider)
                    .map_err(fail(kind, index))?
                {
                    self.record(kind, path, None);
                }
            }
        }
        for (index, overrider) in rule.fields.iter().enumerate() {
            for sub_path in
                field::apply(manifest, overrider).map_err(fail(OverriderKind::Field, index))?
            {
                self.record(
                    OverriderKind::Field,
                    overrider.field_path.clone(),
                    Some(sub_path),
                );
            }
        }
        // Karmada applies a rule's plaintext entries as one patch; applying them one by one
        // gives the same result and names the entry that fails.
        for (index, entry) in rule.plaintext.iter().enumerate() {
            for path in plaintext::apply(manifest, std::slice::from_ref(entry))
                .map_err(fail(OverriderKind::Plaintext, index))?
            {
                self.record(OverriderKind::Plaintext, path, None);
            }
        }
        Ok(())
    }
}

/// Whether an object of a kind Karmada's container overriders skip still has containers where
/// a user would expect them changed (a `CronJob`, a `ReplicationController`, a custom workload).
fn has_containers(manifest: &Value) -> bool {
    [
        "/spec/template/spec/containers",
        "/spec/jobTemplate/spec/template/spec/containers",
        "/spec/containers",
    ]
    .iter()
    .any(|pointer| manifest.pointer(pointer).is_some_and(Value::is_array))
}
