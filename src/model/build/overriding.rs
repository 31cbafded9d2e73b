//! Override policies: rules, image overriders and plaintext patches.

use std::collections::BTreeSet;

use super::Builder;
use crate::config::Declared;
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::diag::Diagnostic;
use crate::model::{
    ImageComponent, ImageOverrider, OverridePolicy, OverrideRule, PatchOperator, PlaintextPatch,
};

impl Builder<'_> {
    pub(in crate::model) fn override_policies(
        &mut self,
        decls: &[Declared<karmada::OverridePolicy>],
        clusters: &BTreeSet<&str>,
    ) -> Vec<OverridePolicy> {
        let built: Vec<OverridePolicy> = decls
            .iter()
            .filter_map(|decl| self.override_policy(decl, clusters))
            .collect();
        self.unique_policies(built, |policy| (&policy.id, &policy.spans))
    }

    fn override_policy(
        &mut self,
        decl: &Declared<karmada::OverridePolicy>,
        clusters: &BTreeSet<&str>,
    ) -> Option<OverridePolicy> {
        let spans = &decl.spans;
        let policy = &decl.value;
        let spec = &policy.spec;
        let errors = self.diagnostics.error_count();
        let id = self.policy_id(&policy.kind, &policy.metadata, spans)?;
        let selectors = self.resource_selectors(&spec.resource_selectors, &id, spans);
        let legacy = spec.target_cluster.is_some() || spec.overriders.is_some();
        if legacy && !spec.override_rules.is_empty() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::override_rules",
                    "`overrideRules` cannot be combined with `targetCluster`/`overriders`",
                )
                .with_label(spans.key("/spec/overrideRules"), "here")
                .with_help(
                    "move the `targetCluster` and `overriders` into an entry of `overrideRules`",
                ),
            );
        }
        let rules: Vec<(
            String,
            Option<&karmada::ClusterAffinity>,
            karmada::Overriders,
        )> = if spec.override_rules.is_empty() {
            if legacy {
                self.diagnostics.push(
                    Diagnostic::warning(
                        "mcctl::model::deprecated_override",
                        "`targetCluster` and `overriders` at the top of the spec are deprecated",
                    )
                    .with_label(
                        spans.key(if spec.overriders.is_some() {
                            "/spec/overriders"
                        } else {
                            "/spec/targetCluster"
                        }),
                        "here",
                    )
                    .with_help("write them as one entry of `overrideRules`"),
                );
            }
            vec![(
                "/spec".to_owned(),
                spec.target_cluster.as_ref(),
                spec.overriders.clone().unwrap_or_default(),
            )]
        } else {
            spec.override_rules
                .iter()
                .enumerate()
                .map(|(index, rule)| {
                    (
                        format!("/spec/overrideRules/{index}"),
                        rule.target_cluster.as_ref(),
                        rule.overriders.clone(),
                    )
                })
                .collect()
        };
        let mut built = Vec::new();
        for (pointer, target, overriders) in rules {
            let target = match target {
                Some(raw) => {
                    self.affinity(raw, spans, &format!("{pointer}/targetCluster"), clusters)
                }
                None => None,
            };
            self.overrider_extras(&overriders, spans, &pointer);
            let mut images = Vec::new();
            for (index, image) in overriders.image_overrider.iter().enumerate() {
                let at = format!("{pointer}/overriders/imageOverrider/{index}");
                let component = match image.component.as_str() {
                    "Registry" => Some(ImageComponent::Registry),
                    "Repository" => Some(ImageComponent::Repository),
                    "Tag" => Some(ImageComponent::Tag),
                    other => {
                        self.diagnostics.push(
                            Diagnostic::error(
                                "mcctl::model::image_overrider",
                                format!("unknown image component `{other}`"),
                            )
                            .with_label(spans.value(&format!("{at}/component")), "here")
                            .with_help(one_of(other, &["Registry", "Repository", "Tag"])),
                        );
                        None
                    }
                };
                let operator =
                    self.patch_operator(&image.operator, spans, &format!("{at}/operator"));
                if let Some(predicate) = &image.predicate {
                    self.check_pointer(&predicate.path, spans, &format!("{at}/predicate/path"));
                }
                if operator.is_some_and(|operator| operator != PatchOperator::Remove)
                    && image.value.as_deref().is_none_or(str::is_empty)
                {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::image_overrider",
                            format!("`{}` of an image component needs a value", image.operator),
                        )
                        .with_label(spans.value(&at), "here")
                        .with_help("add `value`"),
                    );
                }
                if let (Some(component), Some(operator)) = (component, operator) {
                    images.push(ImageOverrider {
                        predicate: image
                            .predicate
                            .as_ref()
                            .map(|predicate| predicate.path.clone()),
                        component,
                        operator,
                        value: image.value.clone().unwrap_or_default(),
                    });
                }
            }
            let mut plaintext = Vec::new();
            for (index, patch) in overriders.plaintext.iter().enumerate() {
                let at = format!("{pointer}/overriders/plaintext/{index}");
                let operator =
                    self.patch_operator(&patch.operator, spans, &format!("{at}/operator"));
                self.check_pointer(&patch.path, spans, &format!("{at}/path"));
                if operator.is_some_and(|operator| operator != PatchOperator::Remove)
                    && patch.value.is_none()
                {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::plaintext",
                            format!("`{}` needs a value", patch.operator),
                        )
                        .with_label(spans.value(&at), "here")
                        .with_help("add `value`"),
                    );
                }
                if let Some(operator) = operator {
                    plaintext.push(PlaintextPatch {
                        path: patch.path.clone(),
                        operator,
                        value: patch.value.clone(),
                    });
                }
            }
            built.push(OverrideRule {
                target,
                images,
                plaintext,
                pointer,
            });
        }
        if self.diagnostics.error_count() != errors {
            return None;
        }
        Some(OverridePolicy {
            id,
            selectors: selectors?,
            rules: built,
            spans: spans.clone(),
        })
    }

    fn patch_operator(
        &mut self,
        text: &str,
        spans: &SpanIndex,
        pointer: &str,
    ) -> Option<PatchOperator> {
        let operator = PatchOperator::parse(text);
        if operator.is_none() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::patch_operator",
                    format!("unknown operator `{text}`"),
                )
                .with_label(spans.value(pointer), "here")
                .with_help(one_of(text, &["add", "remove", "replace"])),
            );
        }
        operator
    }

    fn check_pointer(&mut self, path: &str, spans: &SpanIndex, pointer: &str) {
        let valid = path.starts_with('/')
            && !path.split('/').skip(1).any(|segment| {
                let mut chars = segment.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                        return true;
                    }
                }
                false
            });
        if !valid {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::json_pointer", format!("`{path}` is not a JSON pointer"))
                    .with_label(spans.value(pointer), "here")
                    .with_help("a JSON pointer starts with `/`, e.g. `/spec/replicas`; write `~1` for `/` and `~0` for `~` inside a segment"),
            );
        }
    }
}
