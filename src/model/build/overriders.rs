//! The overriders of one override rule, checked with Karmada's webhook rules and built in
//! Karmada's application order (KARMADA.md §1.2).

use super::Builder;
use super::karmada_rules::is_qualified_name;
use crate::config::karmada;
use crate::config::source::{SpanIndex, one_of};
use crate::diag::Diagnostic;
use crate::model::{
    CommandArgsOverrider, FieldEncoding, FieldOverrider, ImageComponent, ImageOverrider,
    ListOperator, MetadataOverrider, PatchOperator, PlaintextPatch,
};

/// Every overrider of a rule, built; entries with errors are reported and left out.
#[derive(Debug, Default)]
pub(super) struct BuiltOverriders {
    pub(super) images: Vec<ImageOverrider>,
    pub(super) commands: Vec<CommandArgsOverrider>,
    pub(super) args: Vec<CommandArgsOverrider>,
    pub(super) labels: Vec<MetadataOverrider>,
    pub(super) annotations: Vec<MetadataOverrider>,
    pub(super) fields: Vec<FieldOverrider>,
    pub(super) plaintext: Vec<PlaintextPatch>,
}

impl Builder<'_> {
    /// Builds the overriders found under `{rule}/overriders`.
    pub(super) fn overriders(
        &mut self,
        overriders: &karmada::Overriders,
        spans: &SpanIndex,
        rule: &str,
    ) -> BuiltOverriders {
        let base = format!("{rule}/overriders");
        BuiltOverriders {
            images: self.image_overriders(&overriders.image_overrider, spans, &base),
            commands: self.command_args(
                &overriders.command_overrider,
                spans,
                &format!("{base}/commandOverrider"),
            ),
            args: self.command_args(
                &overriders.args_overrider,
                spans,
                &format!("{base}/argsOverrider"),
            ),
            labels: self.metadata_overriders(
                &overriders.labels_overrider,
                spans,
                &format!("{base}/labelsOverrider"),
                "label",
            ),
            annotations: self.metadata_overriders(
                &overriders.annotations_overrider,
                spans,
                &format!("{base}/annotationsOverrider"),
                "annotation",
            ),
            fields: self.field_overriders(&overriders.field_overrider, spans, &base),
            plaintext: self.patches(
                overriders.plaintext.iter().map(|patch| {
                    (
                        patch.path.as_str(),
                        patch.operator.as_str(),
                        patch.value.as_ref(),
                    )
                }),
                spans,
                &format!("{base}/plaintext"),
                "path",
            ),
        }
    }

    fn image_overriders(
        &mut self,
        list: &[karmada::ImageOverrider],
        spans: &SpanIndex,
        base: &str,
    ) -> Vec<ImageOverrider> {
        let mut images = Vec::new();
        for (index, image) in list.iter().enumerate() {
            let at = format!("{base}/imageOverrider/{index}");
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
            let operator = self.patch_operator(&image.operator, spans, &format!("{at}/operator"));
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
        images
    }

    fn command_args(
        &mut self,
        list: &[karmada::CommandArgsOverrider],
        spans: &SpanIndex,
        base: &str,
    ) -> Vec<CommandArgsOverrider> {
        let mut built = Vec::new();
        for (index, overrider) in list.iter().enumerate() {
            let at = format!("{base}/{index}");
            if overrider.container_name.is_empty() {
                self.rule_error(
                    spans,
                    &at,
                    "`containerName` is empty",
                    "name the container to change",
                );
            }
            let operator = match overrider.operator.as_str() {
                "add" => Some(ListOperator::Add),
                "remove" => Some(ListOperator::Remove),
                other => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::patch_operator",
                            format!("`{other}` is not a valid `operator` for commands and args"),
                        )
                        .with_label(spans.value(&format!("{at}/operator")), "here")
                        .with_help(one_of(other, &["add", "remove"])),
                    );
                    None
                }
            };
            if let Some(operator) = operator {
                built.push(CommandArgsOverrider {
                    container_name: overrider.container_name.clone(),
                    operator,
                    value: overrider.value.clone(),
                });
            }
        }
        built
    }

    fn metadata_overriders(
        &mut self,
        list: &[karmada::LabelAnnotationOverrider],
        spans: &SpanIndex,
        base: &str,
        noun: &str,
    ) -> Vec<MetadataOverrider> {
        let mut built = Vec::new();
        for (index, overrider) in list.iter().enumerate() {
            let at = format!("{base}/{index}");
            let operator =
                self.patch_operator(&overrider.operator, spans, &format!("{at}/operator"));
            let mut keys_ok = true;
            for key in overrider.value.keys() {
                if !is_qualified_name(key) {
                    keys_ok = false;
                    self.rule_error(
                        spans,
                        &format!("{at}/value"),
                        format!("`{key}` is not a valid {noun} key"),
                        "use a key such as `app.kubernetes.io/name`",
                    );
                }
            }
            if let (Some(operator), true) = (operator, keys_ok) {
                built.push(MetadataOverrider {
                    operator,
                    value: overrider.value.clone(),
                });
            }
        }
        built
    }

    fn field_overriders(
        &mut self,
        list: &[karmada::FieldOverrider],
        spans: &SpanIndex,
        base: &str,
    ) -> Vec<FieldOverrider> {
        let mut built = Vec::new();
        for (index, overrider) in list.iter().enumerate() {
            let at = format!("{base}/fieldOverrider/{index}");
            let field_ok =
                self.check_pointer(&overrider.field_path, spans, &format!("{at}/fieldPath"));
            // Karmada's webhook counts an empty list as absent: exactly one must have operations.
            let json = overrider.json.as_deref().filter(|list| !list.is_empty());
            let yaml = overrider.yaml.as_deref().filter(|list| !list.is_empty());
            let (encoding, operations) = match (json, yaml) {
                (Some(json), None) => (FieldEncoding::Json, json),
                (None, Some(yaml)) => (FieldEncoding::Yaml, yaml),
                _ => {
                    self.rule_error(
                        spans,
                        &at,
                        "a field overrider needs operations in exactly one of `json` and `yaml`",
                        "say how the field's text is encoded, and list the changes under that one",
                    );
                    continue;
                }
            };
            let pointer = format!("{at}/{}", encoding.as_str());
            let errors = self.diagnostics.error_count();
            let operations = self.patches(
                operations.iter().map(|operation| {
                    (
                        operation.sub_path.as_str(),
                        operation.operator.as_str(),
                        operation.value.as_ref(),
                    )
                }),
                spans,
                &pointer,
                "subPath",
            );
            if field_ok && self.diagnostics.error_count() == errors {
                built.push(FieldOverrider {
                    field_path: overrider.field_path.clone(),
                    encoding,
                    operations,
                });
            }
        }
        built
    }

    /// JSON-patch operations (plaintext entries or field-overrider operations) as
    /// `(path, operator, value)`, each checked at `{base}/{index}`.
    fn patches<'a>(
        &mut self,
        entries: impl Iterator<Item = (&'a str, &'a str, Option<&'a serde_json::Value>)>,
        spans: &SpanIndex,
        base: &str,
        path_field: &str,
    ) -> Vec<PlaintextPatch> {
        let mut built = Vec::new();
        for (index, (path, operator, value)) in entries.enumerate() {
            let at = format!("{base}/{index}");
            let operator = self.patch_operator(operator, spans, &format!("{at}/operator"));
            let path_ok = self.check_pointer(path, spans, &format!("{at}/{path_field}"));
            if let Some(operator) = operator
                && operator != PatchOperator::Remove
                && value.is_none()
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::plaintext",
                        format!("`{}` needs a value", operator.as_str()),
                    )
                    .with_label(spans.value(&at), "here")
                    .with_help("add `value`"),
                );
                continue;
            }
            if let (Some(operator), true) = (operator, path_ok) {
                built.push(PlaintextPatch {
                    path: path.to_owned(),
                    operator,
                    value: value.cloned(),
                });
            }
        }
        built
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

    /// Reports a path that is not a JSON pointer; `true` when it is one.
    fn check_pointer(&mut self, path: &str, spans: &SpanIndex, pointer: &str) -> bool {
        let valid = crate::model::template::is_json_pointer(path);
        if !valid {
            self.diagnostics.push(
                Diagnostic::error("mcctl::model::json_pointer", format!("`{path}` is not a JSON pointer"))
                    .with_label(spans.value(pointer), "here")
                    .with_help("a JSON pointer starts with `/`, e.g. `/spec/replicas`; write `~1` for `/` and `~0` for `~` inside a segment"),
            );
        }
        valid
    }
}

/// A rule's `targetCluster` in a few words, for messages.
pub(super) fn describe_target(target: Option<&karmada::ClusterAffinity>) -> String {
    let Some(target) = target else {
        return "every cluster".to_owned();
    };
    let mut parts = Vec::new();
    if !target.cluster_names.is_empty() {
        parts.push(format!(
            "clusterNames [{}]",
            target.cluster_names.join(", ")
        ));
    }
    if let Some(selector) = &target.label_selector {
        let mut terms: Vec<String> = selector
            .match_labels
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        terms.extend(selector.match_expressions.iter().map(requirement));
        parts.push(format!("labelSelector {}", terms.join(",")));
    }
    if let Some(selector) = &target.field_selector {
        let terms: Vec<String> = selector.match_expressions.iter().map(requirement).collect();
        parts.push(format!("fieldSelector {}", terms.join(",")));
    }
    if !target.exclude.is_empty() {
        parts.push(format!("exclude [{}]", target.exclude.join(", ")));
    }
    if parts.is_empty() {
        "every cluster".to_owned()
    } else {
        parts.join(", ")
    }
}

fn requirement(requirement: &karmada::SelectorRequirement) -> String {
    if requirement.values.is_empty() {
        format!("{} {}", requirement.key, requirement.operator)
    } else {
        format!(
            "{} {} ({})",
            requirement.key,
            requirement.operator,
            requirement.values.join(",")
        )
    }
}
