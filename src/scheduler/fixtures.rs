//! Upstream Karmada scheduler cases restated as data in `testdata/scheduler/*.yaml` (format in
//! that folder's README). Each case becomes a Karmada YAML workspace, goes through [`schedule`]
//! and is compared with its expectation; a case marked `known_difference` must still differ.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Binding, Diagnostics, Inputs, Outcome, PreviousBinding, schedule};
use crate::addr::{ClusterName, ObjectRef};
use crate::diag::Severity;
use crate::model::{ClusterStatus, PolicyId, PolicyKind};
use crate::testing::{Verdict, judge, try_model_from};

/// The fixture folder.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/scheduler")
}

/// One fixture file: where its cases come from, inputs they share, and the cases.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    /// What the file covers, in a sentence or two.
    #[serde(rename = "about")]
    _about: String,
    /// Source fields every case inherits.
    #[serde(default)]
    source: Source,
    /// Inputs every case inherits unless it sets them.
    #[serde(default)]
    defaults: CaseInputs,
    /// YAML anchors the cases refer to; not read otherwise.
    #[serde(default, rename = "shared")]
    _shared: Option<Value>,
    cases: Vec<Case>,
}

/// Where a case comes from upstream. A case's fields override the file's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    /// Defaults to `karmada-io/karmada`.
    repository: Option<String>,
    path: Option<String>,
    test: Option<String>,
    /// The upstream sub-case name; defaults to the case's `name`.
    case: Option<String>,
    commit: Option<String>,
}

impl Source {
    fn merged(&self, case: &Source) -> Source {
        Source {
            repository: case.repository.clone().or_else(|| self.repository.clone()),
            path: case.path.clone().or_else(|| self.path.clone()),
            test: case.test.clone().or_else(|| self.test.clone()),
            case: case.case.clone().or_else(|| self.case.clone()),
            // A commit belongs to its path: a case naming another path does not inherit it.
            commit: if case.path.is_some() {
                case.commit.clone()
            } else {
                case.commit.clone().or_else(|| self.commit.clone())
            },
        }
    }

    fn describe(&self, name: &str) -> String {
        let mut text = format!(
            "{}: {}",
            self.repository.as_deref().unwrap_or("karmada-io/karmada"),
            self.path.as_deref().unwrap_or("?"),
        );
        if let Some(commit) = &self.commit {
            let _ = write!(text, "@{commit}");
        }
        let _ = write!(
            text,
            " {} \"{}\"",
            self.test.as_deref().unwrap_or("?"),
            self.case.as_deref().unwrap_or(name)
        );
        text
    }
}

/// The inputs of a case; in `defaults`, the inputs shared by a file's cases.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseInputs {
    clusters: Option<Vec<ClusterSpec>>,
    template: Option<TemplateSpec>,
    /// A Karmada `placement`, for the one policy the runner writes when `policies` is absent.
    placement: Option<Value>,
    policies: Option<Vec<PolicySpec>>,
    /// The previous placement: cluster → replicas (`null` for non-workloads).
    previous: Option<BTreeMap<String, Option<u32>>>,
    /// The policy (by name, among `policies`) that claimed the template before.
    previous_policy: Option<String>,
    /// The affinity term observed at the previous schedule.
    previous_term: Option<String>,
    /// Schedule afresh (Karmada's `WorkloadRebalancer`).
    rebalance: Option<bool>,
}

impl CaseInputs {
    fn or(self, defaults: &CaseInputs) -> CaseInputs {
        CaseInputs {
            clusters: self.clusters.or_else(|| defaults.clusters.clone()),
            template: self.template.or_else(|| defaults.template.clone()),
            placement: self.placement.or_else(|| defaults.placement.clone()),
            policies: self.policies.or_else(|| defaults.policies.clone()),
            previous: self.previous.or_else(|| defaults.previous.clone()),
            previous_policy: self
                .previous_policy
                .or_else(|| defaults.previous_policy.clone()),
            previous_term: self
                .previous_term
                .or_else(|| defaults.previous_term.clone()),
            rebalance: self.rebalance.or(defaults.rebalance),
        }
    }
}

/// One case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    source: Source,
    clusters: Option<Vec<ClusterSpec>>,
    template: Option<TemplateSpec>,
    placement: Option<Value>,
    policies: Option<Vec<PolicySpec>>,
    previous: Option<BTreeMap<String, Option<u32>>>,
    previous_policy: Option<String>,
    previous_term: Option<String>,
    rebalance: Option<bool>,
    expect: Expect,
    /// Why mcctl's result differs from Karmada's expectation; the case must keep differing.
    known_difference: Option<String>,
    /// With `known_difference`: a fragment of what mcctl finds instead.
    mcctl: Option<String>,
}

impl Case {
    fn inputs(&self, defaults: &CaseInputs) -> CaseInputs {
        CaseInputs {
            clusters: self.clusters.clone(),
            template: self.template.clone(),
            placement: self.placement.clone(),
            policies: self.policies.clone(),
            previous: self.previous.clone(),
            previous_policy: self.previous_policy.clone(),
            previous_term: self.previous_term.clone(),
            rebalance: self.rebalance,
        }
        .or(defaults)
    }
}

/// A member cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterSpec {
    name: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    provider: Option<String>,
    region: Option<String>,
    #[serde(default)]
    zones: Vec<String>,
    /// Karmada taints (`{key, value, effect}`).
    #[serde(default)]
    taints: Vec<Value>,
    /// Shorthand for `allocatable: {pods: N}`: room for N replicas of a pod without requests.
    replicas: Option<u64>,
    /// `status.resourceSummary.allocatable`.
    allocatable: Option<Map<String, Value>>,
    /// `status.resourceSummary.allocated`.
    allocated: Option<Map<String, Value>>,
    /// `status.resourceSummary.allocating`.
    allocating: Option<Map<String, Value>>,
    /// Served kinds by group/version: `{apps/v1: [Deployment]}`; absent means every API.
    #[serde(rename = "apiEnablements")]
    api_enablements: Option<BTreeMap<String, Vec<String>>>,
    /// The `Ready` condition: `True`, `False` or `Unknown`; absent means no condition.
    ready: Option<String>,
}

impl ClusterSpec {
    fn document(&self) -> Value {
        let mut spec = json!({"syncMode": "Pull"});
        if let Some(provider) = &self.provider {
            spec["provider"] = json!(provider);
        }
        if let Some(region) = &self.region {
            spec["region"] = json!(region);
        }
        if !self.zones.is_empty() {
            spec["zones"] = json!(self.zones);
        }
        if !self.taints.is_empty() {
            spec["taints"] = json!(self.taints);
        }
        let mut status = Map::new();
        let mut allocatable = self.allocatable.clone();
        if let Some(replicas) = self.replicas {
            allocatable
                .get_or_insert_with(Map::new)
                .insert("pods".into(), json!(replicas.to_string()));
        }
        if let Some(allocatable) = allocatable {
            let mut summary = json!({"allocatable": allocatable});
            if let Some(allocated) = &self.allocated {
                summary["allocated"] = json!(allocated);
            }
            if let Some(allocating) = &self.allocating {
                summary["allocating"] = json!(allocating);
            }
            status.insert("resourceSummary".into(), summary);
        }
        if let Some(enablements) = &self.api_enablements {
            let list: Vec<Value> = enablements
                .iter()
                .map(|(group_version, kinds)| {
                    let resources: Vec<Value> = kinds
                        .iter()
                        .map(|kind| json!({"name": format!("{}s", kind.to_lowercase()), "kind": kind}))
                        .collect();
                    json!({"groupVersion": group_version, "resources": resources})
                })
                .collect();
            status.insert("apiEnablements".into(), json!(list));
        }
        if let Some(ready) = &self.ready {
            status.insert(
                "conditions".into(),
                json!([{"type": "Ready", "status": ready}]),
            );
        }
        let mut document = json!({
            "apiVersion": "cluster.karmada.io/v1alpha1",
            "kind": "Cluster",
            "metadata": {"name": self.name},
            "spec": spec,
        });
        if !self.labels.is_empty() {
            document["metadata"]["labels"] = json!(self.labels);
        }
        if !status.is_empty() {
            document["status"] = Value::Object(status);
        }
        document
    }
}

/// The resource template being scheduled.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateSpec {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    /// Defaults to `Deployment`.
    kind: Option<String>,
    /// Defaults to `nginx`.
    name: Option<String>,
    /// Defaults to `default`.
    namespace: Option<String>,
    uid: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    /// `spec.replicas` (`spec.parallelism` for a Job).
    replicas: Option<u32>,
    /// Resource requests of the pod's one container.
    #[serde(default)]
    requests: Map<String, Value>,
}

impl TemplateSpec {
    fn kind(&self) -> &str {
        self.kind.as_deref().unwrap_or("Deployment")
    }

    fn api_version(&self) -> String {
        self.api_version.clone().unwrap_or_else(|| {
            match self.kind() {
                "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet" => "apps/v1",
                "Job" => "batch/v1",
                _ => "v1",
            }
            .to_owned()
        })
    }

    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("nginx")
    }

    fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }

    fn object(&self) -> ObjectRef {
        ObjectRef::new(
            &self.api_version(),
            self.kind(),
            Some(self.namespace().to_owned()),
            self.name(),
        )
    }

    fn document(&self) -> Value {
        let mut metadata = json!({"name": self.name(), "namespace": self.namespace()});
        if let Some(uid) = &self.uid {
            metadata["uid"] = json!(uid);
        }
        if !self.labels.is_empty() {
            metadata["labels"] = json!(self.labels);
        }
        let mut document = json!({
            "apiVersion": self.api_version(),
            "kind": self.kind(),
            "metadata": metadata,
        });
        let count_field = if self.kind() == "Job" {
            "parallelism"
        } else {
            "replicas"
        };
        if let Some(replicas) = self.replicas {
            document["spec"][count_field] = json!(replicas);
        }
        if !self.requests.is_empty() {
            document["spec"]["template"] = json!({"spec": {"containers": [
                {"name": "main", "image": "nginx", "resources": {"requests": self.requests}}
            ]}});
        }
        document
    }
}

/// A propagation policy; without `resourceSelectors` it selects the template by name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicySpec {
    /// `PropagationPolicy` (the default) or `ClusterPropagationPolicy`.
    kind: Option<String>,
    name: String,
    /// A `PropagationPolicy`'s namespace; defaults to the template's.
    namespace: Option<String>,
    priority: Option<i32>,
    preemption: Option<String>,
    #[serde(rename = "resourceSelectors")]
    resource_selectors: Option<Vec<Value>>,
    placement: Option<Value>,
}

impl PolicySpec {
    fn is_cluster_wide(&self) -> bool {
        self.kind.as_deref() == Some("ClusterPropagationPolicy")
    }

    fn namespace(&self, template: &TemplateSpec) -> Option<String> {
        (!self.is_cluster_wide()).then(|| {
            self.namespace
                .clone()
                .unwrap_or_else(|| template.namespace().to_owned())
        })
    }

    fn id(&self, template: &TemplateSpec) -> PolicyId {
        PolicyId {
            kind: if self.is_cluster_wide() {
                PolicyKind::ClusterPropagationPolicy
            } else {
                PolicyKind::PropagationPolicy
            },
            namespace: self.namespace(template),
            name: self.name.clone(),
        }
    }

    fn document(&self, template: &TemplateSpec) -> Value {
        let mut metadata = json!({"name": self.name});
        if let Some(namespace) = self.namespace(template) {
            metadata["namespace"] = json!(namespace);
        }
        let selectors = self.resource_selectors.clone().unwrap_or_else(|| {
            vec![json!({
                "apiVersion": template.api_version(),
                "kind": template.kind(),
                "name": template.name(),
            })]
        });
        let mut spec = json!({"resourceSelectors": selectors});
        if let Some(priority) = self.priority {
            spec["priority"] = json!(priority);
        }
        if let Some(preemption) = &self.preemption {
            spec["preemption"] = json!(preemption);
        }
        if let Some(placement) = &self.placement {
            spec["placement"] = placement.clone();
        }
        json!({
            "apiVersion": "policy.karmada.io/v1alpha1",
            "kind": self.kind.as_deref().unwrap_or("PropagationPolicy"),
            "metadata": metadata,
            "spec": spec,
        })
    }
}

/// What the case expects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The targets: `{cluster: replicas}` exactly, or `[cluster, ...]` by name only.
    clusters: Option<ExpectedClusters>,
    /// Defaults to `scheduled` when `clusters` is given; otherwise not checked.
    outcome: Option<ExpectedOutcome>,
    /// A fragment of the failure's message (`no_fit`, `unschedulable`, `invalid`).
    message: Option<String>,
    /// The name of the policy that places the template.
    policy: Option<String>,
    /// Results upstream accepts, any one of which is right: `[{cluster: replicas}, ...]`.
    any_of: Option<Vec<BTreeMap<String, u32>>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ExpectedClusters {
    Replicas(BTreeMap<String, u32>),
    Names(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExpectedOutcome {
    /// Scheduled by this plan.
    Scheduled,
    /// The previous placement stays without a schedule (Karmada does not reschedule).
    Unchanged,
    /// No cluster passed the filters: Karmada's `FitError`.
    NoFit,
    /// Selection or assignment failed (Karmada's `UnschedulableError` and selection errors):
    /// the previous placement stays.
    Unschedulable,
    /// No policy selects the template.
    NotPropagated,
    /// The workspace is rejected before scheduling (what Karmada's webhook would refuse).
    Invalid,
}

/// What `schedule` gave for the template.
#[derive(Debug)]
struct Observed {
    outcome: ExpectedOutcome,
    targets: Vec<(String, Option<u32>)>,
    message: String,
    policy: Option<String>,
}

impl Observed {
    fn of(binding: &Binding) -> Self {
        let (outcome, message) = match &binding.outcome {
            Outcome::Scheduled => (ExpectedOutcome::Scheduled, String::new()),
            Outcome::Unchanged { .. } => (ExpectedOutcome::Unchanged, String::new()),
            Outcome::NotPropagated => (ExpectedOutcome::NotPropagated, String::new()),
            Outcome::Kept { reason } => (ExpectedOutcome::Unschedulable, reason.clone()),
            Outcome::NoFit { reasons } => (
                ExpectedOutcome::NoFit,
                reasons
                    .iter()
                    .map(|(cluster, reason)| format!("{cluster}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        Self {
            outcome,
            targets: binding
                .targets
                .iter()
                .map(|target| (target.cluster.to_string(), target.replicas))
                .collect(),
            message,
            policy: binding.policy().map(|id| id.name.clone()),
        }
    }
}

/// The workspace of a case as Karmada YAML documents.
fn workspace(inputs: &CaseInputs) -> Result<(String, TemplateSpec, Vec<PolicySpec>), String> {
    let template = inputs.template.clone().unwrap_or_default();
    let policies = match (&inputs.policies, &inputs.placement) {
        (Some(_), Some(_)) => return Err("give `placement` or `policies`, not both".into()),
        (Some(policies), None) => policies.clone(),
        (None, placement) => vec![PolicySpec {
            kind: None,
            name: "policy".into(),
            namespace: None,
            priority: None,
            preemption: None,
            resource_selectors: None,
            placement: placement.clone(),
        }],
    };
    let mut documents: Vec<Value> = inputs
        .clusters
        .iter()
        .flatten()
        .map(ClusterSpec::document)
        .collect();
    documents.push(template.document());
    documents.extend(policies.iter().map(|policy| policy.document(&template)));
    let yaml = documents
        .iter()
        .map(|document| serde_json::to_string(document).map_err(|error| error.to_string()))
        .collect::<Result<Vec<_>, _>>()?
        .join("\n---\n");
    Ok((yaml, template, policies))
}

/// Runs one case; `Err` says how the result differs from the expectation.
fn run(case: &Case, defaults: &CaseInputs) -> Result<Verdict, String> {
    let inputs = case.inputs(defaults);
    let (yaml, template, policies) = workspace(&inputs)?;
    let (model, diagnostics) = try_model_from(&[("fixture.yaml", &yaml)]);
    let errors: Vec<&str> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .map(|diagnostic| diagnostic.message.as_str())
        .collect();
    if case.expect.outcome == Some(ExpectedOutcome::Invalid) {
        let fragment = case.expect.message.as_deref().unwrap_or_default();
        return Ok(if errors.iter().any(|message| message.contains(fragment)) {
            Verdict::Matches
        } else {
            Verdict::Differs(format!(
                "expected the workspace to be rejected with `{fragment}`, got errors {errors:?}"
            ))
        });
    }
    if !errors.is_empty() {
        return Err(format!("the workspace is invalid: {errors:?}"));
    }
    let statuses: BTreeMap<ClusterName, ClusterStatus> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect();
    let object = template.object();
    let previous_policy = match &inputs.previous_policy {
        None => None,
        Some(name) => Some(
            policies
                .iter()
                .find(|policy| &policy.name == name)
                .ok_or_else(|| format!("`previous_policy` `{name}` is not among `policies`"))?
                .id(&template),
        ),
    };
    let mut previous = BTreeMap::new();
    if inputs.previous.is_some() || previous_policy.is_some() || inputs.previous_term.is_some() {
        previous.insert(
            object.clone(),
            PreviousBinding {
                clusters: inputs
                    .previous
                    .iter()
                    .flatten()
                    .map(|(cluster, replicas)| (ClusterName::new(cluster.as_str()), *replicas))
                    .collect(),
                policy: previous_policy,
                affinity_term: inputs.previous_term.clone(),
                // No digest: the placement counts as changed, so the scheduler runs (KARMADA.md
                // §2.1), as upstream unit tests call it directly.
                placement_digest: None,
            },
        );
    }
    let scheduler_inputs = Inputs {
        rebalance: inputs.rebalance.unwrap_or(false),
        ..Inputs::new(&statuses, &previous)
    };
    let mut diagnostics = Diagnostics::new();
    let placement = schedule(&model, scheduler_inputs, &mut diagnostics);
    let binding = placement
        .binding(&object)
        .ok_or_else(|| format!("no binding for `{object}`"))?;
    let problems = compare(&case.expect, &Observed::of(binding))?;
    Ok(if problems.is_empty() {
        Verdict::Matches
    } else {
        Verdict::Differs(problems.join("; "))
    })
}

/// The differences from what the case expects; `Err` when the case checks nothing.
fn compare(expect: &Expect, observed: &Observed) -> Result<Vec<String>, String> {
    if expect.clusters.is_none()
        && expect.outcome.is_none()
        && expect.message.is_none()
        && expect.policy.is_none()
        && expect.any_of.is_none()
    {
        return Err("`expect` checks nothing".to_owned());
    }
    let mut problems = Vec::new();
    let outcome = expect
        .outcome
        .or((expect.clusters.is_some() || expect.any_of.is_some())
            .then_some(ExpectedOutcome::Scheduled));
    if let Some(outcome) = outcome
        && outcome != observed.outcome
    {
        problems.push(format!(
            "outcome {outcome:?} expected, got {:?} {}",
            observed.outcome, observed.message
        ));
    }
    if let Some(fragment) = &expect.message
        && !observed.message.contains(fragment.as_str())
    {
        problems.push(format!(
            "message containing `{fragment}` expected, got `{}`",
            observed.message
        ));
    }
    match &expect.clusters {
        Some(ExpectedClusters::Replicas(expected)) => {
            let expected: Vec<(String, Option<u32>)> = expected
                .iter()
                .map(|(cluster, replicas)| (cluster.clone(), Some(*replicas)))
                .collect();
            if expected != observed.targets {
                problems.push(format!(
                    "targets {expected:?} expected, got {:?}",
                    observed.targets
                ));
            }
        }
        Some(ExpectedClusters::Names(expected)) => {
            let mut expected = expected.clone();
            expected.sort();
            let names: Vec<&String> = observed.targets.iter().map(|(name, _)| name).collect();
            if expected.iter().collect::<Vec<_>>() != names {
                problems.push(format!(
                    "clusters {expected:?} expected, got {:?}",
                    observed.targets
                ));
            }
        }
        None => {}
    }
    if let Some(results) = &expect.any_of {
        let matches = |result: &BTreeMap<String, u32>| {
            result
                .iter()
                .map(|(cluster, replicas)| (cluster.clone(), Some(*replicas)))
                .eq(observed.targets.iter().cloned())
        };
        if !results.iter().any(matches) {
            problems.push(format!(
                "one of {results:?} expected, got {:?}",
                observed.targets
            ));
        }
    }
    if let Some(policy) = &expect.policy
        && observed.policy.as_ref() != Some(policy)
    {
        problems.push(format!(
            "policy `{policy}` expected, got {:?}",
            observed.policy
        ));
    }
    Ok(problems)
}

/// Runs every case of one fixture file and fails with every case that went wrong.
fn run_file(file: &str) {
    let path = fixture_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("cannot read {}: {error}", path.display());
    });
    let fixture: FixtureFile = serde_saphyr::from_str(&text).unwrap_or_else(|error| {
        panic!("{file} is not a valid fixture file: {error}");
    });
    assert!(!fixture.cases.is_empty(), "{file} has no cases");
    let mut failures = Vec::new();
    for case in &fixture.cases {
        let source = fixture.source.merged(&case.source).describe(&case.name);
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
    "affinity-terms.yaml",
    "assign-replicas.yaml",
    "cluster-affinity.yaml",
    "dispenser.yaml",
    "distribution-of-replicas.yaml",
    "dynamic-division.yaml",
    "estimator.yaml",
    "filters.yaml",
    "policy-choice.yaml",
    "spread-constraints.yaml",
    "static-weights.yaml",
];

#[test]
fn affinity_terms() {
    run_file("affinity-terms.yaml");
}

#[test]
fn assign_replicas() {
    run_file("assign-replicas.yaml");
}

#[test]
fn cluster_affinity() {
    run_file("cluster-affinity.yaml");
}

#[test]
fn dispenser() {
    run_file("dispenser.yaml");
}

#[test]
fn distribution_of_replicas() {
    run_file("distribution-of-replicas.yaml");
}

#[test]
fn dynamic_division() {
    run_file("dynamic-division.yaml");
}

#[test]
fn estimator() {
    run_file("estimator.yaml");
}

#[test]
fn filters() {
    run_file("filters.yaml");
}

#[test]
fn policy_choice() {
    run_file("policy-choice.yaml");
}

#[test]
fn spread_constraints() {
    run_file("spread-constraints.yaml");
}

#[test]
fn static_weights() {
    run_file("static-weights.yaml");
}

#[test]
fn every_fixture_file_is_run() {
    let mut found: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("testdata/scheduler exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "yaml")
        })
        .filter_map(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
        .collect();
    found.sort();
    let mut listed: Vec<String> = FILES.iter().map(|file| (*file).to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed, "add a test for each fixture file");
}
