//! Upstream Karmada override cases restated as data in `testdata/overrides/*.yaml` (format in
//! that folder's README). Each case becomes a Karmada YAML workspace (clusters, one template, a
//! `ClusterPropagationPolicy` sending it everywhere, override policies), goes through the
//! scheduler and [`apply`], and the instance on the case's cluster is compared with the
//! expectation; a case marked `known_difference` must still differ.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use super::apply;
use crate::diag::{Diagnostics, Severity};
use crate::testing::{Verdict, judge, try_model_from};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/overrides")
}

/// One fixture file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(rename = "about")]
    _about: String,
    #[serde(default)]
    source: Source,
    #[serde(default)]
    defaults: Inputs,
    /// YAML anchors the cases refer to; not read otherwise.
    #[serde(default, rename = "shared")]
    _shared: Option<Value>,
    cases: Vec<Case>,
}

/// Where a case comes from upstream; a case's fields override the file's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    path: Option<String>,
    test: Option<String>,
    /// The upstream sub-case name, when it differs from the case's `name`.
    case: Option<String>,
    commit: Option<String>,
}

impl Source {
    fn describe(&self, file: &Source, name: &str) -> String {
        let path = self.path.as_ref().or(file.path.as_ref());
        let commit = if self.path.is_some() {
            self.commit.as_ref()
        } else {
            self.commit.as_ref().or(file.commit.as_ref())
        };
        format!(
            "karmada-io/karmada: {}{} {} \"{}\"",
            path.map_or("?", String::as_str),
            commit
                .map(|commit| format!("@{commit}"))
                .unwrap_or_default(),
            self.test
                .as_ref()
                .or(file.test.as_ref())
                .map_or("?", String::as_str),
            self.case.as_deref().unwrap_or(name),
        )
    }
}

/// The inputs of a case; in `defaults`, those its file's cases share.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Inputs {
    clusters: Option<Vec<ClusterSpec>>,
    /// The template, written out.
    manifest: Option<Value>,
    /// The template as a workload of `kind` whose containers (all named `nginx`) run `images`.
    workload: Option<Workload>,
    /// Shorthand: one `ClusterOverridePolicy` `policy` with no selectors and one rule for every
    /// cluster holding these overriders.
    overriders: Option<Value>,
    /// The override policies, written out.
    policies: Option<Vec<PolicySpec>>,
    /// The cluster whose instance is checked; defaults to the first.
    cluster: Option<String>,
}

impl Inputs {
    fn or(self, defaults: &Inputs) -> Inputs {
        let template_given = self.manifest.is_some() || self.workload.is_some();
        Inputs {
            clusters: self.clusters.or_else(|| defaults.clusters.clone()),
            manifest: if template_given {
                self.manifest
            } else {
                defaults.manifest.clone()
            },
            workload: if template_given {
                self.workload
            } else {
                defaults.workload.clone()
            },
            overriders: self.overriders.or_else(|| defaults.overriders.clone()),
            policies: self.policies.or_else(|| defaults.policies.clone()),
            cluster: self.cluster.or_else(|| defaults.cluster.clone()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    source: Source,
    clusters: Option<Vec<ClusterSpec>>,
    manifest: Option<Value>,
    workload: Option<Workload>,
    overriders: Option<Value>,
    policies: Option<Vec<PolicySpec>>,
    cluster: Option<String>,
    expect: Expect,
    /// Why mcctl differs from Karmada here; the case must keep differing.
    known_difference: Option<String>,
    /// With `known_difference`: a fragment of what mcctl finds instead (its result or error),
    /// so that a case that differs for another reason fails.
    mcctl: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterSpec {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    provider: Option<String>,
    region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Workload {
    kind: String,
    images: Vec<String>,
}

impl Workload {
    fn manifest(&self) -> Value {
        let containers: Vec<Value> = self
            .images
            .iter()
            .map(|image| json!({"name": "nginx", "image": image}))
            .collect();
        let api_version = match self.kind.as_str() {
            "Pod" => "v1",
            "Job" => "batch/v1",
            _ => "apps/v1",
        };
        let mut manifest = json!({
            "apiVersion": api_version,
            "kind": self.kind,
            "metadata": {"name": "nginx", "namespace": "default"},
        });
        manifest["spec"] = match self.kind.as_str() {
            "Pod" => json!({"containers": containers}),
            // The replica count Karmada's revision would write anyway, so it stays unchanged.
            "Job" => json!({"parallelism": 1, "template": {"spec": {"containers": containers}}}),
            "DaemonSet" => json!({"template": {"spec": {"containers": containers}}}),
            _ => json!({"replicas": 1, "template": {"spec": {"containers": containers}}}),
        };
        manifest
    }

    fn containers_pointer(&self) -> &'static str {
        if self.kind == "Pod" {
            "/spec/containers"
        } else {
            "/spec/template/spec/containers"
        }
    }
}

/// An override policy: `kind` (default `OverridePolicy`), `name`, `namespace` (default
/// `default` for an `OverridePolicy`) and the rest of Karmada's `spec` as written (checked when
/// the workspace loads, so no field is lost).
#[derive(Debug, Clone, Deserialize)]
struct PolicySpec {
    kind: Option<String>,
    name: String,
    namespace: Option<String>,
    #[serde(flatten)]
    spec: serde_json::Map<String, Value>,
}

impl PolicySpec {
    fn document(&self) -> Value {
        let kind = self.kind.as_deref().unwrap_or("OverridePolicy");
        let mut metadata = json!({"name": self.name});
        if kind == "OverridePolicy" {
            metadata["namespace"] = json!(self.namespace.as_deref().unwrap_or("default"));
        }
        json!({
            "apiVersion": "policy.karmada.io/v1alpha1",
            "kind": kind,
            "metadata": metadata,
            "spec": self.spec,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The whole manifest after the overrides.
    manifest: Option<Value>,
    /// Only these pointers; `null` means the field is absent.
    paths: Option<BTreeMap<String, Value>>,
    /// With `workload`: the containers' images after the overrides.
    images: Option<Vec<String>>,
    /// The override fails with an error containing this.
    error: Option<String>,
    /// The workspace is refused while loading with an error containing this.
    invalid: Option<String>,
    /// The attribution, each as the plan prints it (`<path> by <policy> (<overrider>)`).
    overrides: Option<Vec<String>>,
}

fn workspace(inputs: &Inputs) -> Result<String, String> {
    let manifest = match (&inputs.manifest, &inputs.workload) {
        (Some(manifest), None) => manifest.clone(),
        (None, Some(workload)) => workload.manifest(),
        _ => return Err("give exactly one of `manifest` and `workload`".into()),
    };
    let clusters = inputs.clusters.clone().unwrap_or_else(|| {
        vec![ClusterSpec {
            name: "member1".into(),
            labels: BTreeMap::new(),
            provider: None,
            region: None,
        }]
    });
    let mut documents: Vec<Value> = clusters
        .iter()
        .map(|cluster| {
            let mut spec = json!({"syncMode": "Pull"});
            if let Some(provider) = &cluster.provider {
                spec["provider"] = json!(provider);
            }
            if let Some(region) = &cluster.region {
                spec["region"] = json!(region);
            }
            json!({
                "apiVersion": "cluster.karmada.io/v1alpha1",
                "kind": "Cluster",
                "metadata": {"name": cluster.name, "labels": cluster.labels},
                "spec": spec,
            })
        })
        .collect();
    documents.push(json!({
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "ClusterPropagationPolicy",
        "metadata": {"name": "everywhere"},
        "spec": {"resourceSelectors": [{
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "name": manifest["metadata"]["name"],
        }]},
    }));
    documents.push(manifest);
    let mut policies = inputs.policies.clone().unwrap_or_default();
    if let Some(overriders) = &inputs.overriders {
        let mut spec = serde_json::Map::new();
        spec.insert("overrideRules".into(), json!([{"overriders": overriders}]));
        policies.push(PolicySpec {
            kind: Some("ClusterOverridePolicy".into()),
            name: "policy".into(),
            namespace: None,
            spec,
        });
    }
    if policies.is_empty() {
        return Err("give `overriders` or `policies`".into());
    }
    documents.extend(policies.iter().map(PolicySpec::document));
    documents
        .iter()
        .map(|document| serde_json::to_string(document).map_err(|error| error.to_string()))
        .collect::<Result<Vec<_>, _>>()
        .map(|documents| documents.join("\n---\n"))
}

fn errors(diagnostics: &Diagnostics) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| diagnostic.message.clone())
        .collect()
}

fn run(case: &Case, defaults: &Inputs) -> Result<Verdict, String> {
    let inputs = Inputs {
        clusters: case.clusters.clone(),
        manifest: case.manifest.clone(),
        workload: case.workload.clone(),
        overriders: case.overriders.clone(),
        policies: case.policies.clone(),
        cluster: case.cluster.clone(),
    }
    .or(defaults);
    let yaml = workspace(&inputs)?;
    let (model, diagnostics) = try_model_from(&[("fixture.yaml", &yaml)]);
    let load_errors = errors(&diagnostics);
    if let Some(fragment) = &case.expect.invalid {
        return if load_errors
            .iter()
            .any(|message| message.contains(fragment.as_str()))
        {
            Ok(Verdict::Matches)
        } else {
            Ok(Verdict::Differs(format!(
                "expected the workspace to be refused with `{fragment}`, got {load_errors:?}"
            )))
        };
    }
    if !load_errors.is_empty() {
        return Err(format!("the workspace is invalid: {load_errors:?}"));
    }
    let statuses = BTreeMap::new();
    let previous = BTreeMap::new();
    let mut diagnostics = Diagnostics::new();
    let placement = crate::scheduler::schedule(
        &model,
        crate::scheduler::Inputs::new(&statuses, &previous),
        &mut diagnostics,
    );
    let instances = apply(&model, &placement, &mut diagnostics);
    let override_errors = errors(&diagnostics);
    if let Some(fragment) = &case.expect.error {
        return if override_errors
            .iter()
            .any(|message| message.contains(fragment.as_str()))
        {
            Ok(Verdict::Matches)
        } else {
            Ok(Verdict::Differs(format!(
                "expected an override error with `{fragment}`, got {override_errors:?}"
            )))
        };
    }
    if !override_errors.is_empty() {
        return Ok(Verdict::Differs(format!(
            "overriding failed: {override_errors:?}"
        )));
    }
    let object = &model.templates.first().ok_or("no template")?.object;
    let cluster = inputs
        .cluster
        .clone()
        .or_else(|| {
            model
                .clusters
                .first()
                .map(|cluster| cluster.name.to_string())
        })
        .ok_or("no cluster")?;
    let instance = instances
        .items
        .iter()
        .find(|instance| &instance.object == object && instance.cluster.as_str() == cluster)
        .ok_or_else(|| format!("`{object}` is not placed on `{cluster}`"))?;
    let problems = compare(&case.expect, &inputs, instance)?;
    Ok(if problems.is_empty() {
        Verdict::Matches
    } else {
        Verdict::Differs(problems.join("; "))
    })
}

/// The differences from what the case expects; `Err` when the case itself is malformed.
fn compare(
    expect: &Expect,
    inputs: &Inputs,
    instance: &super::Instance,
) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let manifest: &serde_json::Value = &instance.manifest;
    if expect.manifest.is_none()
        && expect.paths.is_none()
        && expect.images.is_none()
        && expect.overrides.is_none()
    {
        return Err("`expect` checks nothing".into());
    }
    if let Some(expected) = &expect.manifest
        && expected != manifest
    {
        problems.push(format!("manifest {expected} expected, got {manifest}"));
    }
    for (pointer, expected) in expect.paths.iter().flatten() {
        let got = manifest.pointer(pointer);
        if got.unwrap_or(&Value::Null) != expected || (expected.is_null() && got.is_some()) {
            problems.push(format!("`{pointer}`: {expected} expected, got {got:?}"));
        }
    }
    if let Some(expected) = &expect.images {
        let workload = inputs
            .workload
            .as_ref()
            .ok_or("`images` needs `workload`")?;
        let images: Vec<&str> = manifest
            .pointer(workload.containers_pointer())
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|container| container["image"].as_str())
            .collect();
        if images != expected.iter().map(String::as_str).collect::<Vec<_>>() {
            problems.push(format!("images {expected:?} expected, got {images:?}"));
        }
    }
    if let Some(expected) = &expect.overrides {
        let got: Vec<String> = instance.overrides.iter().map(ToString::to_string).collect();
        if &got != expected {
            problems.push(format!("attribution {expected:?} expected, got {got:?}"));
        }
    }
    Ok(problems)
}

fn run_file(file: &str) {
    let path = fixture_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let fixture: FixtureFile = serde_saphyr::from_str(&text)
        .unwrap_or_else(|error| panic!("{file} is not a valid fixture file: {error}"));
    assert!(!fixture.cases.is_empty(), "{file} has no cases");
    let mut failures = Vec::new();
    for case in &fixture.cases {
        let source = case.source.describe(&fixture.source, &case.name);
        failures.extend(judge(
            &case.name,
            &source,
            case.known_difference.as_deref(),
            case.mcctl.as_deref(),
            run(case, &fixture.defaults),
        ));
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        fixture.cases.len(),
        failures.join("\n")
    );
}

/// The fixture files, each run by the test of the same name.
const FILES: &[&str] = &[
    "command-args.yaml",
    "field.yaml",
    "image.yaml",
    "labels-annotations.yaml",
    "policy-order.yaml",
];

#[test]
fn command_args() {
    run_file("command-args.yaml");
}

#[test]
fn field() {
    run_file("field.yaml");
}

#[test]
fn image() {
    run_file("image.yaml");
}

#[test]
fn labels_annotations() {
    run_file("labels-annotations.yaml");
}

#[test]
fn policy_order() {
    run_file("policy-order.yaml");
}

#[test]
fn every_fixture_file_is_run() {
    let mut found: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("testdata/overrides exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
        .collect();
    found.sort();
    assert_eq!(found, FILES, "add a test for each fixture file");
}
