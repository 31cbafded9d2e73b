//! Resource templates: identity, namespace defaulting, workloads, `depends_on`, ignored fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::addr::{
    ObjectRef, check_api_version, check_kind, check_name, check_namespace, group_of,
};
use crate::config::TemplateDecl;
use crate::config::hcl::Reference;
use crate::config::source::SpanIndex;
use crate::diag::{Diagnostic, Span};
use crate::model::crd::CustomResourceDefinitions;
use crate::model::template::{self, IgnoreFieldProblem, Template};

use super::Builder;

/// A check of one identity field.
type Check = fn(&str) -> Result<(), String>;

impl Builder<'_> {
    pub(in crate::model) fn templates(&mut self, decls: &[TemplateDecl]) -> Vec<Template> {
        // CRDs declared in the workspace tell the scope of their custom resources.
        let crds =
            CustomResourceDefinitions::from_manifests(decls.iter().map(|decl| &decl.manifest))
                .scopes();
        let mut templates: Vec<(Template, &TemplateDecl)> = Vec::new();
        let mut blocks: BTreeMap<String, Vec<ObjectRef>> = BTreeMap::new();
        for decl in decls {
            let Some(template) = self.template(decl, &crds) else {
                continue;
            };
            if let Some((first, _)) = templates
                .iter()
                .find(|(other, _)| other.object == template.object)
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_template",
                        format!("`{}` is declared twice", template.object),
                    )
                    .with_label(template.spans.root(), "declared again here")
                    .with_label(first.spans.root(), "first declared here")
                    .with_help("an object can be declared once per workspace; remove one")
                    .with_resource(template.object.clone()),
                );
                continue;
            }
            if let Some(block) = &decl.block {
                blocks
                    .entry(block.name.clone())
                    .or_default()
                    .push(template.object.clone());
            }
            templates.push((template, decl));
        }
        templates.sort_by(|a, b| a.0.object.cmp(&b.0.object));
        let known: BTreeSet<ObjectRef> = templates
            .iter()
            .map(|(template, _)| template.object.clone())
            .collect();
        // Resolve `depends_on` now that every template is known.
        for (template, decl) in &mut templates {
            let mut depends_on = Vec::new();
            if let Some(block) = &decl.block {
                for (reference, span) in &block.depends_on {
                    match reference {
                        Reference::Template(name) => match blocks.get(name) {
                            Some(objects) => depends_on.extend(
                                objects.iter().map(|object| (object.clone(), span.clone())),
                            ),
                            None => self.diagnostics.push(
                                Diagnostic::error(
                                    "mcctl::model::depends_on",
                                    format!("`template.{name}` does not exist"),
                                )
                                .with_label(span.clone(), "unknown template")
                                .with_help(format!("declare `template \"{name}\"` or fix the name"))
                                .with_resource(template.object.clone()),
                            ),
                        },
                        Reference::Object(text) => {
                            self.object_dependency(text, span, &known, template, &mut depends_on);
                        }
                    }
                }
            }
            if let Some(annotation) = template
                .manifest
                .pointer("/metadata/annotations/mcctl.io~1depends-on")
                .and_then(Value::as_str)
            {
                let span = template
                    .spans
                    .value("/metadata/annotations/mcctl.io~1depends-on");
                for text in annotation
                    .split(',')
                    .map(str::trim)
                    .filter(|text| !text.is_empty())
                {
                    self.object_dependency(text, &span, &known, template, &mut depends_on);
                }
            }
            depends_on.retain(|(object, _)| object != &template.object);
            template.depends_on = depends_on;
        }
        templates
            .into_iter()
            .map(|(template, _)| template)
            .collect()
    }

    fn object_dependency(
        &mut self,
        text: &str,
        span: &Span,
        known: &BTreeSet<ObjectRef>,
        template: &Template,
        out: &mut Vec<(ObjectRef, Span)>,
    ) {
        match text.parse::<ObjectRef>() {
            Ok(object) if known.contains(&object) => out.push((object, span.clone())),
            Ok(object) => self.diagnostics.push(
                Diagnostic::error("mcctl::model::depends_on", format!("`{object}` is not declared in this workspace"))
                    .with_label(span.clone(), "unknown object")
                    .with_help("depend on a template of this workspace, by its address `<group or core>/<Kind>/<namespace or _>/<name>`")
                    .with_resource(template.object.clone()),
            ),
            Err(error) => self.diagnostics.push(
                Diagnostic::error("mcctl::model::depends_on", error.to_string())
                    .with_label(span.clone(), "here")
                    .with_help("write an address such as `core/ConfigMap/default/web`")
                    .with_resource(template.object.clone()),
            ),
        }
    }

    fn template(
        &mut self,
        decl: &TemplateDecl,
        crds: &BTreeMap<(String, String), bool>,
    ) -> Option<Template> {
        let spans = &decl.spans;
        let manifest = &decl.manifest;
        let Some(object) = manifest.as_object() else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    "a template must be a Kubernetes object",
                )
                .with_label(spans.root(), "this value")
                .with_help("write a mapping with `apiVersion`, `kind` and `metadata.name`"),
            );
            return None;
        };
        let mut missing = Vec::new();
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let name = manifest
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        if api_version.is_none() {
            missing.push("apiVersion");
        }
        if kind.is_none() {
            missing.push("kind");
        }
        if name.is_none() {
            missing.push("metadata.name");
        }
        let (Some(api_version), Some(kind), Some(name)) = (api_version, kind, name) else {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    format!("this object has no `{}`", missing.join("`, `")),
                )
                .with_label(spans.root(), "this object")
                .with_help(
                    "every resource template needs `apiVersion`, `kind` and `metadata.name`",
                ),
            );
            return None;
        };
        if manifest.pointer("/metadata/generateName").is_some() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::template",
                    "`metadata.generateName` cannot be planned",
                )
                .with_label(spans.key("/metadata/generateName"), "here")
                .with_help("give the object a fixed `metadata.name`"),
            );
            return None;
        }
        if !self.identity_is_valid(manifest, spans) {
            return None;
        }
        let group = group_of(api_version);
        let written_namespace = manifest
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty());
        let namespace = match template::is_namespaced(group, kind, crds) {
            Some(true) => Some(written_namespace.unwrap_or("default").to_owned()),
            Some(false) => {
                if written_namespace.is_some() {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::template",
                            format!("`{kind}` is cluster-scoped and cannot have a namespace"),
                        )
                        .with_label(spans.value("/metadata/namespace"), "here")
                        .with_help("remove `metadata.namespace`"),
                    );
                    return None;
                }
                None
            }
            // Unknown offline (a custom resource whose CRD is not in the workspace): most custom
            // resources are namespaced, so assume it, as `kubectl apply` would default the
            // namespace; say so when the manifest does not settle it.
            None => {
                if written_namespace.is_none() {
                    self.diagnostics.push(
                        Diagnostic::warning("mcctl::model::unknown_scope", format!("the scope of `{kind}` in `{api_version}` is unknown: its CRD is not in this workspace"))
                            .with_label(spans.value("/kind"), "here")
                            .with_help("mcctl assumes it is namespaced and puts it in `default`; add its CustomResourceDefinition to the workspace, or set `metadata.namespace`"),
                    );
                }
                Some(written_namespace.unwrap_or("default").to_owned())
            }
        };
        let mut manifest = manifest.clone();
        // `labels:` with nothing after it is null in YAML: treat it as no labels.
        if let Some(metadata) = manifest.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in ["labels", "annotations"] {
                if metadata.get(field).is_some_and(Value::is_null) {
                    metadata.remove(field);
                }
            }
        }
        if let (Some(namespace), Some(metadata)) = (
            &namespace,
            manifest.get_mut("metadata").and_then(Value::as_object_mut),
        ) {
            metadata.insert("namespace".into(), Value::String(namespace.clone()));
        }
        let labels: BTreeMap<String, String> = manifest
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let object = ObjectRef::new(api_version, kind, namespace, name);
        let prune = decl
            .block
            .as_ref()
            .and_then(|block| block.prune)
            .unwrap_or(false)
            || manifest
                .pointer("/metadata/annotations/mcctl.io~1prune")
                .and_then(Value::as_str)
                == Some("true");
        let ignore_fields = self.ignore_fields(decl, &manifest, &object);
        let workload = template::workload_of(group, kind, &manifest);
        if workload.is_some() && !self.replicas_are_valid(&object, &manifest, spans) {
            return None;
        }
        Some(Template {
            api_version: api_version.to_owned(),
            uid: manifest
                .pointer("/metadata/uid")
                .and_then(Value::as_str)
                .map(str::to_owned),
            workload,
            labels,
            manifest,
            depends_on: Vec::new(),
            prune,
            ignore_fields,
            block: decl.block.as_ref().map(|block| block.name.clone()),
            spans: spans.clone(),
            object,
        })
    }

    /// Checks `apiVersion`, `kind`, `metadata.name` and `metadata.namespace` (they name files and
    /// state keys), and that labels, annotations and Secret data are maps of strings.
    fn identity_is_valid(&mut self, manifest: &Value, spans: &SpanIndex) -> bool {
        let errors = self.diagnostics.error_count();
        let text = |pointer: &str| manifest.pointer(pointer).and_then(Value::as_str);
        let checks: [(&str, Check); 4] = [
            ("/apiVersion", check_api_version),
            ("/kind", check_kind),
            ("/metadata/name", check_name),
            ("/metadata/namespace", check_namespace),
        ];
        for (pointer, check) in checks {
            if let Some(Err(message)) = text(pointer).filter(|value| !value.is_empty()).map(check) {
                self.diagnostics.push(
                    Diagnostic::error("mcctl::model::identity", message)
                        .with_label(spans.value(pointer), "here")
                        .with_help(
                            "fix the value; it names the object on the clusters and in the state",
                        ),
                );
            }
        }
        for pointer in ["/metadata/namespace", "/metadata/name"] {
            if manifest
                .pointer(pointer)
                .is_some_and(|value| !value.is_string() && !value.is_null())
            {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::identity",
                        format!("`{}` must be a string", &pointer[1..].replace('/', ".")),
                    )
                    .with_label(spans.value(pointer), "not a string")
                    .with_help("quote the value"),
                );
            }
        }
        let mut string_maps = vec!["/metadata/labels", "/metadata/annotations"];
        if text("/kind") == Some("Secret") && text("/apiVersion") == Some("v1") {
            string_maps.extend(["/data", "/stringData"]);
        }
        for pointer in string_maps {
            match manifest.pointer(pointer) {
                None | Some(Value::Null) => {}
                Some(Value::Object(map)) => {
                    for (key, value) in map {
                        if pointer == "/data"
                            && let Some(text) = value.as_str()
                            && !is_base64(text)
                        {
                            let child = format!(
                                "{pointer}/{}",
                                crate::config::source::pointer_segment(key)
                            );
                            // The value is not repeated: it is meant to be a secret.
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "mcctl::model::secret_data",
                                    format!("`data.{key}` of a Secret is not valid base64"),
                                )
                                .with_label(spans.value(&child), "not base64")
                                .with_help("encode it (`printf %s VALUE | base64`), or move it to `stringData`, which takes plain text"),
                            );
                        }
                        if !value.is_string() {
                            let child = format!(
                                "{pointer}/{}",
                                crate::config::source::pointer_segment(key)
                            );
                            self.diagnostics.push(
                                Diagnostic::error(
                                    "mcctl::model::string_map",
                                    format!("`{key}` must have a string value"),
                                )
                                .with_label(spans.value(&child), "not a string")
                                .with_help("quote the value: Kubernetes keeps these as strings"),
                            );
                        }
                    }
                }
                Some(_) => self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::string_map",
                        format!(
                            "`{}` must be a map of strings",
                            &pointer[1..].replace('/', ".")
                        ),
                    )
                    .with_label(spans.value(pointer), "not a map")
                    .with_help("write `key: value` pairs"),
                ),
            }
        }
        self.diagnostics.error_count() == errors
    }

    /// The pointers of the HCL `ignore_fields` attribute and the `mcctl.io/ignore-fields`
    /// annotation, in that order and once each; a malformed pointer, or one that names the
    /// object's identity, is an error. A pointer that matches nothing in the template is fine:
    /// an override may add the field on some clusters.
    fn ignore_fields(
        &mut self,
        decl: &TemplateDecl,
        manifest: &Value,
        object: &ObjectRef,
    ) -> Vec<(String, &'static str)> {
        const POINTER: &str = "/metadata/annotations/mcctl.io~1ignore-fields";
        let mut written: Vec<(String, Span, &'static str)> = Vec::new();
        if let Some(block) = &decl.block {
            written.extend(
                block
                    .ignore_fields
                    .iter()
                    .map(|(pointer, span)| (pointer.clone(), span.clone(), "ignore_fields")),
            );
        }
        if let Some(annotation) = manifest.pointer(POINTER).and_then(Value::as_str) {
            let span = decl.spans.value(POINTER);
            written.extend(
                annotation
                    .split(',')
                    .map(str::trim)
                    .filter(|pointer| !pointer.is_empty())
                    .map(|pointer| {
                        (
                            pointer.to_owned(),
                            span.clone(),
                            template::IGNORE_FIELDS_ANNOTATION,
                        )
                    }),
            );
        }
        let mut fields: Vec<(String, &'static str)> = Vec::new();
        for (pointer, span, source) in written {
            match template::check_ignore_field(&pointer) {
                Ok(()) => {
                    if !fields.iter().any(|(known, _)| *known == pointer) {
                        fields.push((pointer, source));
                    }
                }
                Err(IgnoreFieldProblem::NotAPointer) => self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::ignore_fields",
                        format!("`{pointer}` in `{source}` is not a JSON pointer"),
                    )
                    .with_label(span, "here")
                    .with_help("a JSON pointer starts with `/`, e.g. `/spec/replicas`; write `~1` for `/` and `~0` for `~` inside a segment")
                    .with_resource(object.clone()),
                ),
                Err(IgnoreFieldProblem::Identity(identity)) => {
                    let what = if identity == pointer {
                        format!("`{pointer}`")
                    } else {
                        format!("`{pointer}` (it holds `{identity}`)")
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            "mcctl::model::ignore_fields",
                            format!("{what} cannot be ignored: mcctl always applies it"),
                        )
                        .with_label(span, "here")
                        .with_help("`apiVersion`, `kind`, `metadata.name`, `metadata.namespace` and mcctl's ownership labels name the object; remove this pointer, or name a field inside the part you mean")
                        .with_resource(object.clone()),
                    );
                }
            }
        }
        fields
    }

    /// Replica counts must be whole numbers from 0 to 2147483647, as Kubernetes stores them.
    fn replicas_are_valid(
        &mut self,
        object: &ObjectRef,
        manifest: &Value,
        spans: &SpanIndex,
    ) -> bool {
        let mut valid = true;
        for field in ["replicas", "parallelism", "completions"] {
            let pointer = format!("/spec/{field}");
            let Some(value) = manifest.pointer(&pointer) else {
                continue;
            };
            let ok = value
                .as_u64()
                .is_some_and(|count| count <= u64::from(i32::MAX.unsigned_abs()));
            if !ok && !value.is_null() {
                valid = false;
                self.diagnostics.push(
                    Diagnostic::error("mcctl::model::replicas", format!("`spec.{field}` must be a whole number from 0 to 2147483647, not `{value}`"))
                        .with_label(spans.value(&pointer), "here")
                        .with_help("write a count such as `3`")
                        .with_resource(object.clone()),
                );
            }
        }
        valid
    }
}

/// Whether `text` is standard base64 with padding, as the API server decodes a Secret's `data`
/// (Go's `StdEncoding`, which skips line breaks).
fn is_base64(text: &str) -> bool {
    let text: Vec<u8> = text
        .bytes()
        .filter(|byte| !matches!(byte, b'\r' | b'\n'))
        .collect();
    if !text.len().is_multiple_of(4) {
        return false;
    }
    let padding = text.iter().rev().take_while(|byte| **byte == b'=').count();
    padding <= 2
        && text[..text.len() - padding]
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/'))
}

#[cfg(test)]
mod tests {
    use crate::testing::{model_from, try_model_from};

    fn config_map(annotation: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  annotations: {{mcctl.io/ignore-fields: '{annotation}'}}\ndata: {{a: b}}\n"
        )
    }

    #[test]
    fn ignore_fields_come_from_the_attribute_then_the_annotation_once_each() {
        let hcl = r#"template "web" {
  ignore_fields = ["/data/b", "/data/a"]

  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata = {
      name        = "web"
      annotations = { "mcctl.io/ignore-fields" = "/data/a, /data/c," }
    }
    data = { a = "b" }
  }
}
"#;
        let model = model_from(&[("main.hcl", hcl)]);
        let template = model
            .template(&"core/ConfigMap/default/web".parse().unwrap())
            .unwrap();
        assert_eq!(
            template.ignore_fields,
            vec![
                ("/data/b".to_owned(), "ignore_fields"),
                ("/data/a".to_owned(), "ignore_fields"),
                ("/data/c".to_owned(), "mcctl.io/ignore-fields"),
            ]
        );
    }

    #[test]
    fn malformed_or_identity_pointers_are_errors() {
        let cases = [
            (
                "spec/replicas",
                "`spec/replicas` in `mcctl.io/ignore-fields` is not a JSON pointer",
            ),
            (
                "/data/a~2",
                "`/data/a~2` in `mcctl.io/ignore-fields` is not a JSON pointer",
            ),
            (
                "/metadata/name",
                "`/metadata/name` cannot be ignored: mcctl always applies it",
            ),
            (
                "/metadata/labels/mcctl.io~1workspace",
                "`/metadata/labels/mcctl.io~1workspace` cannot be ignored: mcctl always applies it",
            ),
            (
                "/metadata",
                "`/metadata` (it holds `/metadata/name`) cannot be ignored: mcctl always applies it",
            ),
        ];
        for (pointer, message) in cases {
            let (_, diagnostics) = try_model_from(&[("web.yaml", &config_map(pointer))]);
            let errors: Vec<&str> = diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.is_error())
                .map(|diagnostic| diagnostic.message.as_str())
                .collect();
            assert_eq!(errors, vec![message], "{pointer}");
        }
        // Fields that are not identity are fine, even when the template lacks them.
        for pointer in ["/metadata/labels/team", "/spec/replicas", "/data/a"] {
            let (_, diagnostics) = try_model_from(&[("web.yaml", &config_map(pointer))]);
            assert!(!diagnostics.has_errors(), "{pointer}: {diagnostics:#?}");
        }
    }
}
