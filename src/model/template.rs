//! Resource templates: Kubernetes objects as declared, with what mcctl derives from them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::addr::ObjectRef;
use crate::config::source::SpanIndex;
use crate::diag::Span;
use crate::model::quantity::parse_milli;

/// A resource template.
#[derive(Debug, Clone)]
pub struct Template {
    /// Identity.
    pub object: ObjectRef,
    /// `apiVersion` as written.
    pub api_version: String,
    /// The manifest, with `metadata.namespace` defaulted.
    pub manifest: Value,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.uid`, used to break ties when dividing replicas.
    pub uid: Option<String>,
    /// Replica information, for kinds that have replicas.
    pub workload: Option<Workload>,
    /// Templates that must be applied first.
    pub depends_on: Vec<(ObjectRef, Span)>,
    /// Delete protected kinds when they leave config.
    pub prune: bool,
    /// JSON pointers left out of what mcctl applies and diffs (the `mcctl.io/ignore-fields`
    /// annotation and the HCL `ignore_fields` attribute), valid and not naming identity; each
    /// with where it was written (`mcctl.io/ignore-fields` or `ignore_fields`).
    pub ignore_fields: Vec<(String, &'static str)>,
    /// The HCL `template` block it came from.
    pub block: Option<String>,
    /// Where its parts are.
    pub spans: SpanIndex,
}

/// Replica information of a workload template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Desired replicas (Job: parallelism).
    pub replicas: u32,
    /// What one replica requests, in thousandths of each resource's unit: the sum over the
    /// containers, or an init container's request when larger (Kubernetes' effective request,
    /// as Karmada's `replicaRequirements`).
    pub requests: BTreeMap<String, i128>,
    /// Whether the pod template requests resources; with 0 replicas this decides whether
    /// Karmada treats the object as a workload at all (KARMADA.md §2.7).
    pub has_requirements: bool,
    /// Which fields hold the replicas.
    pub field: ReplicaField,
}

/// Where a workload keeps its replica count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaField {
    /// `spec.replicas` (Deployment, `StatefulSet`, `ReplicaSet`).
    Replicas,
    /// `spec.parallelism`, and `spec.completions` when divided (Job).
    JobParallelism,
}

/// The annotation listing JSON pointers (comma-separated) that mcctl leaves out of what it
/// applies and diffs.
pub const IGNORE_FIELDS_ANNOTATION: &str = "mcctl.io/ignore-fields";

/// The fields that name an object or mark it as mcctl's: they are always applied.
pub const IDENTITY_POINTERS: [&str; 6] = [
    "/apiVersion",
    "/kind",
    "/metadata/name",
    "/metadata/namespace",
    "/metadata/labels/app.kubernetes.io~1managed-by",
    "/metadata/labels/mcctl.io~1workspace",
];

/// Why a pointer cannot be left out of what mcctl applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreFieldProblem {
    /// Not an RFC 6901 JSON pointer (no leading `/`, or a `~` not followed by `0` or `1`).
    NotAPointer,
    /// It is, or holds, one of the [`IDENTITY_POINTERS`].
    Identity(&'static str),
}

/// Checks a pointer of `mcctl.io/ignore-fields` or `ignore_fields`.
///
/// # Errors
/// When the pointer is malformed or would leave out the object's identity.
pub fn check_ignore_field(pointer: &str) -> Result<(), IgnoreFieldProblem> {
    if !is_json_pointer(pointer) {
        return Err(IgnoreFieldProblem::NotAPointer);
    }
    match IDENTITY_POINTERS.into_iter().find(|identity| {
        *identity == pointer
            || identity
                .strip_prefix(pointer)
                .is_some_and(|rest| rest.starts_with('/'))
    }) {
        Some(identity) => Err(IgnoreFieldProblem::Identity(identity)),
        None => Ok(()),
    }
}

/// Whether `path` is an RFC 6901 JSON pointer to a field: a leading `/`, and `~` only in the
/// escapes `~0` and `~1`.
#[must_use]
pub fn is_json_pointer(path: &str) -> bool {
    path.starts_with('/')
        && !path.split('/').skip(1).any(|segment| {
            let mut chars = segment.chars();
            while let Some(c) = chars.next() {
                if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
                    return true;
                }
            }
            false
        })
}

/// Protected kinds are orphaned, not deleted, unless pruning is asked for (DESIGN.md §4).
#[must_use]
pub fn is_protected(object: &ObjectRef) -> bool {
    matches!(
        (object.group.as_str(), object.kind.as_str()),
        ("", "Namespace" | "PersistentVolumeClaim")
            | ("apiextensions.k8s.io", "CustomResourceDefinition")
    )
}

/// Cluster-scoped kinds of Kubernetes' built-in API groups, as (group, kind).
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("policy", "PodSecurityPolicy"),
];

/// Namespaced kinds of Kubernetes' built-in API groups, as (group, kind).
const NAMESPACED: &[(&str, &str)] = &[
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("", "Pod"),
    ("", "PersistentVolumeClaim"),
    ("", "ReplicationController"),
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("", "Endpoints"),
    ("", "Event"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("apps", "ControllerRevision"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("coordination.k8s.io", "Lease"),
    ("multicluster.x-k8s.io", "ServiceExport"),
    ("multicluster.x-k8s.io", "ServiceImport"),
];

/// Whether a kind is namespaced, from the built-in table and the workspace's CRDs
/// (`crds` maps (group, kind) to namespaced). `None` when unknown offline.
#[must_use]
pub fn is_namespaced(
    group: &str,
    kind: &str,
    crds: &BTreeMap<(String, String), bool>,
) -> Option<bool> {
    if CLUSTER_SCOPED.contains(&(group, kind)) {
        return Some(false);
    }
    if NAMESPACED.contains(&(group, kind)) {
        return Some(true);
    }
    crds.get(&(group.to_owned(), kind.to_owned())).copied()
}

/// Reads replica information for the kinds that have replicas (DESIGN.md §4).
#[must_use]
pub fn workload_of(group: &str, kind: &str, manifest: &Value) -> Option<Workload> {
    let spec = manifest.get("spec");
    let number = |name: &str| {
        spec.and_then(|spec| spec.get(name))
            .and_then(Value::as_u64)
            .map(|value| u32::try_from(value).unwrap_or(u32::MAX))
    };
    let (replicas, field) = match (group, kind) {
        ("apps", "Deployment" | "StatefulSet" | "ReplicaSet") => {
            (number("replicas").unwrap_or(1), ReplicaField::Replicas)
        }
        ("batch", "Job") => (
            number("parallelism").unwrap_or(1),
            ReplicaField::JobParallelism,
        ),
        _ => return None,
    };
    let pod = spec.and_then(|spec| spec.pointer("/template/spec"));
    let requests = pod.map(pod_requests).unwrap_or_default();
    // Karmada's replicaRequirements: resource requests, or a node claim (nodeSelector,
    // tolerations, required node affinity).
    let node_claim = pod.is_some_and(|pod| {
        pod.get("nodeSelector")
            .and_then(Value::as_object)
            .is_some_and(|map| !map.is_empty())
            || pod
                .get("tolerations")
                .and_then(Value::as_array)
                .is_some_and(|list| !list.is_empty())
            || pod
                .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution")
                .is_some()
    });
    let has_requirements = !requests.is_empty() || node_claim;
    Some(Workload {
        replicas,
        requests,
        has_requirements,
        field,
    })
}

/// The effective request of one pod: per resource, the larger of the containers' sum and each
/// init container's request, plus the pod overhead. Quantities that do not parse are left out
/// (the loader reports them).
pub(crate) fn pod_requests(pod: &Value) -> BTreeMap<String, i128> {
    let requests_of = |container: &Value| -> Vec<(String, i128)> {
        container
            .pointer("/resources/requests")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, quantity)| {
                let text = match quantity {
                    Value::String(text) => text.clone(),
                    Value::Number(number) => number.to_string(),
                    _ => return None,
                };
                parse_milli(&text).map(|milli| (name.clone(), milli))
            })
            .collect()
    };
    let containers = |list: &str| {
        pod.get(list)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let mut total: BTreeMap<String, i128> = BTreeMap::new();
    for container in containers("containers") {
        for (name, milli) in requests_of(container) {
            *total.entry(name).or_default() += milli;
        }
    }
    for container in containers("initContainers") {
        for (name, milli) in requests_of(container) {
            let entry = total.entry(name).or_default();
            *entry = (*entry).max(milli);
        }
    }
    if let Some(overhead) = pod.get("overhead").and_then(Value::as_object) {
        for (name, quantity) in overhead {
            if let Some(milli) = quantity.as_str().and_then(parse_milli) {
                *total.entry(name.clone()).or_default() += milli;
            }
        }
    }
    total.retain(|_, milli| *milli > 0);
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replicas_default_to_one() {
        let workload = workload_of("apps", "Deployment", &json!({"spec": {}})).unwrap();
        assert_eq!(workload.replicas, 1);
        assert!(!workload.has_requirements);
        assert!(workload_of("", "ConfigMap", &json!({})).is_none());
    }

    #[test]
    fn node_claims_count_as_requirements() {
        let manifest = json!({"spec": {"replicas": 0, "template": {"spec": {"nodeSelector": {"gpu": "true"}}}}});
        assert!(
            workload_of("apps", "Deployment", &manifest)
                .unwrap()
                .has_requirements
        );
    }

    #[test]
    fn jobs_count_parallelism() {
        let workload = workload_of("batch", "Job", &json!({"spec": {"parallelism": 3}})).unwrap();
        assert_eq!(
            (workload.replicas, workload.field),
            (3, ReplicaField::JobParallelism)
        );
    }

    #[test]
    fn requests_add_containers_and_take_the_larger_init_container() {
        let manifest = json!({"spec": {"template": {"spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "250m"}}}
            ],
            "initContainers": [
                {"name": "init", "resources": {"requests": {"cpu": "2", "memory": "1Mi"}}}
            ]
        }}}});
        let workload = workload_of("apps", "Deployment", &manifest).unwrap();
        assert_eq!(workload.requests["cpu"], 2000);
        assert_eq!(workload.requests["memory"], 64 * 1024 * 1024 * 1000);
    }

    #[test]
    fn resource_requests_are_noticed() {
        let manifest = json!({"spec": {"replicas": 0, "template": {"spec": {"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "1"}}}
        ]}}}});
        assert!(
            workload_of("apps", "Deployment", &manifest)
                .unwrap()
                .has_requirements
        );
    }

    #[test]
    fn scope_comes_from_the_table_then_the_crds() {
        let mut crds = BTreeMap::new();
        crds.insert(("example.com".to_owned(), "Widget".to_owned()), false);
        assert_eq!(is_namespaced("", "Namespace", &crds), Some(false));
        assert_eq!(is_namespaced("apps", "Deployment", &crds), Some(true));
        assert_eq!(is_namespaced("example.com", "Widget", &crds), Some(false));
        assert_eq!(is_namespaced("example.com", "Gadget", &crds), None);
    }
}
