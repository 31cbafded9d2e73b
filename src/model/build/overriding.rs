//! Override policies: selectors and rules; the overriders of each rule are built in
//! `overriders.rs`.

use std::collections::BTreeSet;

use super::Builder;
use super::overriders::describe_target;
use crate::config::Declared;
use crate::config::karmada;
use crate::diag::Diagnostic;
use crate::model::{OverridePolicy, OverrideRule};

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
        for (index, (pointer, target, overriders)) in rules.into_iter().enumerate() {
            let target_text = describe_target(target);
            let target = match target {
                Some(raw) => {
                    self.affinity(raw, spans, &format!("{pointer}/targetCluster"), clusters)
                }
                None => None,
            };
            let overriders = self.overriders(&overriders, spans, &pointer);
            built.push(OverrideRule {
                target,
                target_text,
                images: overriders.images,
                commands: overriders.commands,
                args: overriders.args,
                labels: overriders.labels,
                annotations: overriders.annotations,
                fields: overriders.fields,
                plaintext: overriders.plaintext,
                index: (!spec.override_rules.is_empty()).then_some(index),
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
}
