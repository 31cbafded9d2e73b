//! The kinds a test server knows: a built-in set, plus kinds registered when a CRD is applied.
//! Discovery, routing and the store all read this one table, so a CRD's kind is servable as soon
//! as the CRD object is stored.

use serde_json::Value;

/// One servable resource: a kind at a group/version, with its URL plural and scope.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::struct_field_names,
    reason = "`kind` is the Kubernetes name of the field"
)]
pub(crate) struct Kind {
    /// API group; empty for the core group.
    pub(crate) group: String,
    /// API version inside the group.
    pub(crate) version: String,
    /// `Kind` as in the object's `kind` field.
    pub(crate) kind: String,
    /// The plural used in URLs.
    pub(crate) plural: String,
    /// Whether objects live inside a namespace.
    pub(crate) namespaced: bool,
}

impl Kind {
    fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        Self {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            plural: plural.to_owned(),
            namespaced,
        }
    }

    /// `v1` for the core group, `group/version` otherwise.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `plural` for the core group, `group/plural` otherwise: the key of the store and counters.
    pub(crate) fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}/{}", self.group, self.plural)
        }
    }
}

/// The kinds every instance serves from the start.
pub(crate) fn builtin() -> Vec<Kind> {
    let core =
        |kind: &str, plural: &str, namespaced: bool| Kind::new("", "v1", kind, plural, namespaced);
    let apps = |kind: &str, plural: &str| Kind::new("apps", "v1", kind, plural, true);
    let rbac = |kind: &str, plural: &str, namespaced: bool| {
        Kind::new("rbac.authorization.k8s.io", "v1", kind, plural, namespaced)
    };
    vec![
        core("Namespace", "namespaces", false),
        core("ConfigMap", "configmaps", true),
        core("Secret", "secrets", true),
        core("Service", "services", true),
        core("ServiceAccount", "serviceaccounts", true),
        core("PersistentVolumeClaim", "persistentvolumeclaims", true),
        core("Pod", "pods", true),
        core("Node", "nodes", false),
        apps("Deployment", "deployments"),
        apps("StatefulSet", "statefulsets"),
        apps("DaemonSet", "daemonsets"),
        apps("ReplicaSet", "replicasets"),
        Kind::new("batch", "v1", "Job", "jobs", true),
        Kind::new("batch", "v1", "CronJob", "cronjobs", true),
        Kind::new(
            "autoscaling",
            "v2",
            "HorizontalPodAutoscaler",
            "horizontalpodautoscalers",
            true,
        ),
        rbac("Role", "roles", true),
        rbac("RoleBinding", "rolebindings", true),
        rbac("ClusterRole", "clusterroles", false),
        rbac("ClusterRoleBinding", "clusterrolebindings", false),
        Kind::new("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        Kind::new(
            "apiextensions.k8s.io",
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            false,
        ),
    ]
}

/// The kinds a CRD object declares: one per served version. Empty when the spec is incomplete, so
/// a malformed CRD is stored but serves nothing, as on a real server before it is established.
pub(crate) fn from_crd(crd: &Value) -> Vec<Kind> {
    let spec = &crd["spec"];
    let (Some(group), Some(kind), Some(plural)) = (
        spec["group"].as_str(),
        spec["names"]["kind"].as_str(),
        spec["names"]["plural"].as_str(),
    ) else {
        return Vec::new();
    };
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|version| version["served"].as_bool().unwrap_or(true))
        .filter_map(|version| version["name"].as_str())
        .map(|version| Kind::new(group, version, kind, plural, namespaced))
        .collect()
}
