//! Builders for unit tests: models from inline YAML or HCL, or assembled in code.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config;
use crate::diag::{Diagnostics, Sources};
use crate::model::{self, Model};

/// Builds a model from inline files, panicking on any error (tests only).
pub(crate) fn model_from(files: &[(&str, &str)]) -> Model {
    let (model, diagnostics) = try_model_from(files);
    assert!(!diagnostics.has_errors(), "{diagnostics:#?}");
    model
}

/// Builds a model from inline files, returning the diagnostics.
pub(crate) fn try_model_from(files: &[(&str, &str)]) -> (Model, Diagnostics) {
    let (model, _, diagnostics) = model_with_sources(files);
    (model, diagnostics)
}

/// Builds a model from inline files, returning the files read (to locate spans) and the
/// diagnostics.
pub(crate) fn model_with_sources(files: &[(&str, &str)]) -> (Model, Sources, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let texts = files
        .iter()
        .map(|(path, text)| (PathBuf::from(path), (*text).to_owned()))
        .collect();
    let config = config::load_texts(
        Path::new("/nonexistent-test-workspace"),
        texts,
        &config::variables::VariableInputs::default(),
        &mut diagnostics,
    );
    let model = model::build(&config, &mut diagnostics);
    (model, config.sources, diagnostics)
}

/// Builds a model from one YAML file.
pub(crate) fn model_from_yaml(yaml: &str) -> Model {
    model_from(&[("test.yaml", yaml)])
}

/// Every pure stage run on one workspace: the inputs of the later stages' tests.
pub(crate) struct Staged {
    pub(crate) model: Model,
    pub(crate) placement: crate::scheduler::Placement,
    pub(crate) instances: crate::overrides::Instances,
    pub(crate) desired: crate::desired::DesiredState,
    pub(crate) diagnostics: Diagnostics,
}

/// Runs load … render on one YAML file, with no statuses and the given previous placements.
pub(crate) fn stages_with(
    yaml: &str,
    previous: &std::collections::BTreeMap<
        crate::addr::ObjectRef,
        crate::scheduler::PreviousBinding,
    >,
) -> Staged {
    let model = model_from_yaml(yaml);
    let mut diagnostics = Diagnostics::new();
    let graph = crate::graph::build(&model, &Sources::default(), &mut diagnostics);
    let statuses = std::collections::BTreeMap::new();
    let placement = crate::scheduler::schedule(
        &model,
        crate::scheduler::Inputs::new(&statuses, previous),
        &mut diagnostics,
    );
    let instances = crate::overrides::apply(&model, &placement, &mut diagnostics);
    let key = crate::desired::secret::SecretKey::derived(&model.workspace);
    let desired = crate::desired::render(&model, instances.clone(), &graph, &key);
    Staged {
        model,
        placement,
        instances,
        desired,
        diagnostics,
    }
}

/// Runs load … render on one YAML file, with no statuses and no previous placements.
pub(crate) fn stages(yaml: &str) -> Staged {
    stages_with(yaml, &std::collections::BTreeMap::new())
}

/// Assembles a model in code: `ModelBuilder::new().cluster("eu-1", |_| {}).template(…)`.
pub(crate) struct ModelBuilder {
    documents: Vec<Value>,
}

/// Edits one template document.
pub(crate) struct TemplateEditor<'a> {
    manifest: &'a mut Value,
}

impl TemplateEditor<'_> {
    /// Sets a field of the manifest (`/spec/template/spec`, a JSON value).
    pub(crate) fn set(&mut self, pointer: &str, value: Value) -> &mut Self {
        let mut target = &mut *self.manifest;
        for segment in pointer.split('/').skip(1) {
            target = &mut target[segment];
        }
        *target = value;
        self
    }

    /// Adds a `mcctl.io/depends-on` entry.
    pub(crate) fn depends_on(&mut self, object: &str) -> &mut Self {
        let annotations = &mut self.manifest["metadata"]["annotations"];
        let entry = annotations["mcctl.io/depends-on"].as_str().map_or_else(
            || object.to_owned(),
            |existing| format!("{existing},{object}"),
        );
        annotations["mcctl.io/depends-on"] = Value::String(entry);
        self
    }
}

impl ModelBuilder {
    pub(crate) fn new() -> Self {
        Self {
            documents: Vec::new(),
        }
    }

    /// Adds a template in namespace `default` (or cluster-scoped, by kind).
    pub(crate) fn template(
        mut self,
        api_version: &str,
        kind: &str,
        name: &str,
        edit: impl FnOnce(&mut TemplateEditor<'_>),
    ) -> Self {
        let mut manifest =
            json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
        edit(&mut TemplateEditor {
            manifest: &mut manifest,
        });
        self.documents.push(manifest);
        self
    }

    /// The model and the one file it was read from.
    pub(crate) fn build_with_sources(self) -> (Model, Sources) {
        let yaml: Vec<String> = self
            .documents
            .iter()
            .map(|document| serde_json::to_string(document).expect("JSON"))
            .collect();
        let (model, sources, diagnostics) =
            model_with_sources(&[("test.yaml", &yaml.join("\n---\n"))]);
        assert!(!diagnostics.has_errors(), "{diagnostics:#?}");
        (model, sources)
    }
}

/// What a fixture case found: the expected result, or another one. A case that cannot run at
/// all (its workspace does not load, its template is not placed) is an `Err`, never a
/// difference.
pub(crate) enum Verdict {
    /// The result is the one the case expects.
    Matches,
    /// Another result, described.
    Differs(String),
}

/// Judges one fixture case, shared by the scheduler and override fixture runners: a case
/// expects Karmada's result, or marks a `known_difference` and names with `mcctl` a fragment of
/// what mcctl finds instead, so that a case that differs for another reason still fails.
/// Returns the failure to report, if any.
pub(crate) fn judge(
    case: &str,
    source: &str,
    known_difference: Option<&str>,
    mcctl: Option<&str>,
    result: Result<Verdict, String>,
) -> Option<String> {
    match (known_difference, result) {
        (None, Ok(Verdict::Matches)) => None,
        (None, Ok(Verdict::Differs(problem))) => {
            Some(format!("case `{case}` ({source}): {problem}"))
        }
        (None, Err(problem)) => Some(format!("case `{case}` ({source}) cannot run: {problem}")),
        (Some(difference), Ok(Verdict::Matches)) => Some(format!(
            "case `{case}` ({source}) now matches Karmada; remove its `known_difference` ({difference})"
        )),
        (Some(_), Ok(Verdict::Differs(found)) | Err(found)) => match mcctl {
            Some(fragment) if found.contains(fragment) => None,
            Some(fragment) => Some(format!(
                "case `{case}` ({source}) differs from Karmada, but not with `{fragment}`: {found}"
            )),
            None => Some(format!(
                "case `{case}` ({source}) has a `known_difference` without `mcctl`, the fragment of what mcctl finds instead: {found}"
            )),
        },
    }
}
