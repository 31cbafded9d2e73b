//! Health of applied objects read from their live status, and a cluster's resource summary read
//! from its nodes and pods, for backends that can read them.
//!
//! Pure; never talks to a cluster. Apply waits for every object of a wave to be
//! [`Health::Ready`] before the next wave, so a custom resource reaches the API server only once
//! its CRD serves it ([`crd_health`]); the directory backend cannot observe health at all.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Health;
use crate::model::quantity::{Notation, format_milli, parse_milli};
use crate::model::template::pod_requests;

/// Whether a kind has no health to wait for: it has no status, or none that says whether it
/// works (a `ConfigMap` is ready once stored). Backends skip reading such objects back.
#[must_use]
pub fn has_no_health(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "" | "core",
            "ConfigMap"
                | "Secret"
                | "ServiceAccount"
                | "LimitRange"
                | "ResourceQuota"
                | "Endpoints"
        ) | (
            "rbac.authorization.k8s.io",
            "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding"
        ) | ("networking.k8s.io", "NetworkPolicy" | "IngressClass")
            | ("policy", "PodDisruptionBudget")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("storage.k8s.io", "StorageClass")
    )
}

/// A CRD is ready once the API server reports it `Established` (its API is
/// served); `NamesAccepted: False` means its names clash with another CRD's and it never will be.
#[must_use]
pub fn crd_health(live: &Value) -> Health {
    let condition = |kind: &str| {
        live.pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|condition| condition.get("type").and_then(Value::as_str) == Some(kind))
    };
    let text = |condition: &Value, field: &str| {
        condition
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(names) = condition("NamesAccepted")
        && names.get("status").and_then(Value::as_str) == Some("False")
    {
        return Health::Failed(format!("names not accepted: {}", text(names, "message")));
    }
    match condition("Established") {
        Some(established) if established.get("status").and_then(Value::as_str) == Some("True") => {
            Health::Ready
        }
        Some(established) => Health::Progressing(format!(
            "not established yet: {}",
            text(established, "message")
        )),
        None => Health::Progressing("not established yet".to_owned()),
    }
}

/// The health of an applied object judged from its live JSON, as `kubectl rollout status`,
/// kstatus and Argo CD judge it. `group` is empty (or `core`) for the core group.
#[must_use]
pub fn object_health(group: &str, kind: &str, live: &Value) -> Health {
    match (group, kind) {
        ("apps", "Deployment") => deployment_health(live),
        ("apps", "StatefulSet") => stateful_set_health(live),
        ("apps", "DaemonSet") => daemon_set_health(live),
        ("batch", "Job") => job_health(live),
        ("" | "core", "PersistentVolumeClaim") => claim_health(live),
        ("" | "core", "Service") => service_health(live),
        ("" | "core", "Pod") => pod_health(live),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd_health(live),
        _ => generic_health(live),
    }
}

/// `kubectl rollout status` for a Deployment (`DeploymentStatusViewer`).
fn deployment_health(live: &Value) -> Health {
    if let Some(waiting) = unobserved(live) {
        return waiting;
    }
    if let Some(progressing) = condition(live, "Progressing")
        && text(progressing, "reason") == "ProgressDeadlineExceeded"
    {
        return Health::Failed(with_detail(
            "progress deadline exceeded",
            text(progressing, "message"),
        ));
    }
    // A paused Deployment rolls nothing out until someone resumes it; kubectl reports the
    // observed state rather than waiting, and so do we (Argo CD calls it Suspended, not
    // Progressing). Waiting here would only end in the apply timeout.
    if live.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Health::Ready;
    }
    let desired = number(live, "/spec/replicas").unwrap_or(1);
    let updated = number(live, "/status/updatedReplicas").unwrap_or(0);
    let total = number(live, "/status/replicas").unwrap_or(0);
    let available = number(live, "/status/availableReplicas").unwrap_or(0);
    if updated < desired {
        return Health::Progressing(format!("{updated} of {desired} replicas updated"));
    }
    if total > updated {
        return Health::Progressing(format!(
            "{} old replicas pending termination",
            total - updated
        ));
    }
    if available < updated {
        return Health::Progressing(format!(
            "{available} of {updated} updated replicas available"
        ));
    }
    Health::Ready
}

/// `kubectl rollout status` for a `StatefulSet`, with Argo CD's reading of `OnDelete`.
fn stateful_set_health(live: &Value) -> Health {
    if let Some(waiting) = unobserved(live) {
        return waiting;
    }
    let desired = number(live, "/spec/replicas").unwrap_or(1);
    let ready = number(live, "/status/readyReplicas").unwrap_or(0);
    if ready < desired {
        return Health::Progressing(format!("{ready} of {desired} replicas ready"));
    }
    // With `OnDelete` the controller replaces a pod only when someone deletes it, so there is no
    // rollout to wait for; the replicas being ready is all there is (Argo CD does the same).
    if text(live, "/spec/updateStrategy/type") == "OnDelete" {
        return Health::Ready;
    }
    let updated = number(live, "/status/updatedReplicas").unwrap_or(0);
    // The API server defaults the partition to 0, which partitions nothing: treat it as none.
    let partition = number(live, "/spec/updateStrategy/rollingUpdate/partition").unwrap_or(0);
    if partition > 0 {
        // Only the ordinals at or above the partition move to the new revision; the rest stay,
        // so the revisions never converge and kubectl stops waiting once those are updated.
        let target = (desired - partition).max(0);
        if updated < target {
            return Health::Progressing(format!(
                "{updated} of {target} replicas updated (partition {partition})"
            ));
        }
        return Health::Ready;
    }
    if updated < desired {
        return Health::Progressing(format!("{updated} of {desired} replicas updated"));
    }
    let current = text(live, "/status/currentRevision");
    let update = text(live, "/status/updateRevision");
    if current != update {
        return Health::Progressing(format!("rolling update to revision {update} in progress"));
    }
    Health::Ready
}

/// `kubectl rollout status` for a `DaemonSet`, with Argo CD's reading of `OnDelete`.
fn daemon_set_health(live: &Value) -> Health {
    if let Some(waiting) = unobserved(live) {
        return waiting;
    }
    // With `OnDelete` nothing rolls out until someone deletes the pods: nothing to wait for.
    if text(live, "/spec/updateStrategy/type") == "OnDelete" {
        return Health::Ready;
    }
    let desired = number(live, "/status/desiredNumberScheduled").unwrap_or(0);
    let updated = number(live, "/status/updatedNumberScheduled").unwrap_or(0);
    let available = number(live, "/status/numberAvailable").unwrap_or(0);
    if updated < desired {
        return Health::Progressing(format!("{updated} of {desired} pods updated"));
    }
    if available < desired {
        return Health::Progressing(format!("{available} of {desired} pods available"));
    }
    Health::Ready
}

/// A Job is healthy once it completes and failed once the Job controller says so.
fn job_health(live: &Value) -> Health {
    // `FailureTarget` (Kubernetes 1.31+) is set before the pods are cleaned up and `Failed`
    // follows; either way the Job will not succeed.
    for failure in ["Failed", "FailureTarget"] {
        if let Some(failed) = condition(live, failure)
            && text(failed, "status") == "True"
        {
            let reason = text(failed, "reason");
            let reason = if reason.is_empty() { "failed" } else { reason };
            return Health::Failed(with_detail(
                &format!("job {reason}"),
                text(failed, "message"),
            ));
        }
    }
    for success in ["Complete", "SuccessCriteriaMet"] {
        if condition(live, success).is_some_and(|done| text(done, "status") == "True") {
            return Health::Ready;
        }
    }
    // A suspended Job starts no pods until something else (a queue such as Kueue, or a person)
    // resumes it; waiting for it would only end in the apply timeout.
    if live.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return Health::Ready;
    }
    let succeeded = number(live, "/status/succeeded").unwrap_or(0);
    match number(live, "/spec/completions") {
        Some(completions) => {
            Health::Progressing(format!("{succeeded} of {completions} completions"))
        }
        // A work-queue Job (no `completions`) is done when any pod succeeds and none run.
        None => Health::Progressing(format!(
            "{succeeded} succeeded, {} active",
            number(live, "/status/active").unwrap_or(0)
        )),
    }
}

/// A claim is ready once bound. A claim of a `WaitForFirstConsumer` storage class stays
/// `Pending` until a pod uses it: put that pod in the claim's wave, not a later one.
fn claim_health(live: &Value) -> Health {
    match text(live, "/status/phase") {
        "Bound" => Health::Ready,
        "Lost" => Health::Failed("claim lost its volume".to_owned()),
        "" => Health::Progressing("phase Pending".to_owned()),
        phase => Health::Progressing(format!("phase {phase}")),
    }
}

/// A `LoadBalancer` Service is ready once the cloud assigned an address; other types at once.
fn service_health(live: &Value) -> Health {
    if text(live, "/spec/type") != "LoadBalancer" {
        return Health::Ready;
    }
    let assigned = live
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|ingress| !ingress.is_empty());
    if assigned {
        Health::Ready
    } else {
        Health::Progressing("waiting for a load balancer address".to_owned())
    }
}

/// A Pod is ready when running with its `Ready` condition true, or when it ran to completion.
fn pod_health(live: &Value) -> Health {
    match text(live, "/status/phase") {
        "Succeeded" => Health::Ready,
        "Failed" => Health::Failed(with_detail("pod failed", text(live, "/status/message"))),
        "Running" => match condition(live, "Ready") {
            Some(ready) if text(ready, "status") == "True" => Health::Ready,
            Some(ready) => Health::Progressing(with_detail("not ready", text(ready, "message"))),
            None => Health::Progressing("not ready".to_owned()),
        },
        "" => Health::Progressing("phase Pending".to_owned()),
        phase => Health::Progressing(format!("phase {phase}")),
    }
}

/// kstatus's generic rules, plus the `Ready` condition most controllers publish.
fn generic_health(live: &Value) -> Health {
    // Unlike the built-in workloads, many custom resources never publish `observedGeneration`;
    // only judge the generation when the status carries one.
    if let (Some(generation), Some(observed)) = (
        number(live, "/metadata/generation"),
        number(live, "/status/observedGeneration"),
    ) && observed < generation
    {
        return Health::Progressing(format!(
            "waiting for the controller to observe generation {generation}"
        ));
    }
    let is_true =
        |kind: &str| condition(live, kind).filter(|found| text(found, "status") == "True");
    if let Some(stalled) = is_true("Stalled") {
        return Health::Failed(with_detail("stalled", detail(stalled)));
    }
    if let Some(reconciling) = is_true("Reconciling") {
        return Health::Progressing(with_detail("reconciling", detail(reconciling)));
    }
    if let Some(ready) = condition(live, "Ready")
        && text(ready, "status") != "True"
    {
        return Health::Progressing(with_detail("not ready", detail(ready)));
    }
    Health::Ready
}

/// The first pod (in the order given) that will not start without a change: a container or
/// init container waiting on a bad image, a crash loop or a bad configuration. Pass only the
/// pods of the current revision (the old ones of a rollout may be the broken ones it replaces);
/// pods already terminating are skipped.
#[must_use]
pub fn pod_failure(pods: &[Value]) -> Option<String> {
    // Not `ErrImagePull`: one failed pull (a registry blip) is retried by the kubelet, and
    // turns into `ImagePullBackOff` within seconds if it keeps failing.
    const STUCK: [&str; 5] = [
        "ImagePullBackOff",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "InvalidImageName",
        "CreateContainerError",
    ];
    pods.iter()
        .filter(|pod| pod.pointer("/metadata/deletionTimestamp").is_none())
        .find_map(|pod| {
            ["/status/initContainerStatuses", "/status/containerStatuses"]
                .into_iter()
                .filter_map(|list| pod.pointer(list).and_then(Value::as_array))
                .flatten()
                .find_map(|container| {
                    let waiting = container.pointer("/state/waiting")?;
                    let reason = text(waiting, "reason");
                    STUCK.contains(&reason).then(|| {
                        format!(
                            "pod {}: container {}: {}",
                            text(pod, "/metadata/name"),
                            text(container, "name"),
                            with_parenthesis(reason, text(waiting, "message"))
                        )
                    })
                })
        })
}

/// What a cluster can hold and what its pods ask for, as Karmada's cluster status controller
/// summarises it; each map is a resource name → Kubernetes quantity, as
/// [`crate::model::ClusterStatus`] keeps it for the scheduler's estimator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceSummary {
    /// The sum of `status.allocatable` over the nodes that are Ready and schedulable.
    pub allocatable: BTreeMap<String, String>,
    /// The requests of pods bound to a node and not finished, with their count as `pods`.
    pub allocated: BTreeMap<String, String>,
    /// The requests of pods not yet bound to a node, with their count as `pods`.
    pub allocating: BTreeMap<String, String>,
}

/// Summarises a cluster's resources from its nodes and pods (`kubectl get nodes,pods -A -o json`
/// items). Resources no pod requests are left out of `allocated` and `allocating`, as Karmada
/// leaves them out.
#[must_use]
pub fn resource_summary(nodes: &[Value], pods: &[Value]) -> ResourceSummary {
    let mut allocatable: BTreeMap<String, i128> = BTreeMap::new();
    // A NotReady or cordoned node takes no new pods, so its room is not room for placement.
    let usable = nodes.iter().filter(|node| {
        condition(node, "Ready").is_some_and(|ready| text(ready, "status") == "True")
            && node.pointer("/spec/unschedulable").and_then(Value::as_bool) != Some(true)
    });
    for node in usable {
        for (name, quantity) in node
            .pointer("/status/allocatable")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(milli) = quantity.as_str().and_then(parse_milli) {
                *allocatable.entry(name.clone()).or_default() += milli;
            }
        }
    }
    let mut allocated: BTreeMap<String, i128> = BTreeMap::new();
    let mut allocating: BTreeMap<String, i128> = BTreeMap::new();
    for pod in pods {
        // kube-scheduler stops counting a pod's requests once it has finished.
        if matches!(text(pod, "/status/phase"), "Succeeded" | "Failed") {
            continue;
        }
        let bound = !text(pod, "/spec/nodeName").is_empty();
        let totals = if bound {
            &mut allocated
        } else {
            &mut allocating
        };
        if let Some(spec) = pod.get("spec") {
            for (name, milli) in pod_requests(spec) {
                *totals.entry(name).or_default() += milli;
            }
        }
        *totals.entry("pods".to_owned()).or_default() += 1000;
    }
    let quantities = |totals: BTreeMap<String, i128>| {
        totals
            .into_iter()
            .map(|(name, milli)| {
                let quantity = format_milli(milli, Notation::of_resource(&name));
                (name, quantity)
            })
            .collect()
    };
    ResourceSummary {
        allocatable: quantities(allocatable),
        allocated: quantities(allocated),
        allocating: quantities(allocating),
    }
}

/// Progressing while the controller has not yet seen the latest spec: the rest of the status
/// describes an older generation. A workload without `status.observedGeneration` has not been
/// seen at all.
fn unobserved(live: &Value) -> Option<Health> {
    let generation = number(live, "/metadata/generation")?;
    let observed = number(live, "/status/observedGeneration").unwrap_or(0);
    (observed < generation).then(|| {
        Health::Progressing(format!(
            "waiting for the controller to observe generation {generation}"
        ))
    })
}

/// The condition of `kind` in `status.conditions`.
fn condition<'live>(live: &'live Value, kind: &str) -> Option<&'live Value> {
    live.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|condition| text(condition, "type") == kind)
}

/// A condition's message, or its reason when it has no message.
fn detail(condition: &Value) -> &str {
    match text(condition, "message") {
        "" => text(condition, "reason"),
        message => message,
    }
}

/// A string field (a JSON pointer when it starts with `/`), empty when absent.
fn text<'live>(value: &'live Value, field: &str) -> &'live str {
    let found = if field.starts_with('/') {
        value.pointer(field)
    } else {
        value.get(field)
    };
    found.and_then(Value::as_str).unwrap_or_default()
}

/// An integer field by JSON pointer.
fn number(live: &Value, pointer: &str) -> Option<i64> {
    live.pointer(pointer).and_then(Value::as_i64)
}

/// `summary: detail`, or the summary alone when there is no detail.
fn with_detail(summary: &str, detail: &str) -> String {
    if detail.is_empty() {
        summary.to_owned()
    } else {
        format!("{summary}: {detail}")
    }
}

/// `summary (detail)`, or the summary alone when there is no detail.
fn with_parenthesis(summary: &str, detail: &str) -> String {
    if detail.is_empty() {
        summary.to_owned()
    } else {
        format!("{summary} ({detail})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_crd_is_ready_once_established() {
        let established = json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "True"},
            {"type": "Established", "status": "True"}
        ]}});
        assert_eq!(crd_health(&established), Health::Ready);
        let waiting = json!({"status": {"conditions": [
            {"type": "Established", "status": "False", "message": "installing"}
        ]}});
        assert_eq!(
            crd_health(&waiting),
            Health::Progressing("not established yet: installing".to_owned())
        );
        assert!(matches!(crd_health(&json!({})), Health::Progressing(_)));
    }

    #[test]
    fn a_crd_whose_names_clash_fails() {
        let clash = json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "False", "message": "\"widgets\" is already in use"},
            {"type": "Established", "status": "False"}
        ]}});
        assert_eq!(
            crd_health(&clash),
            Health::Failed("names not accepted: \"widgets\" is already in use".to_owned())
        );
    }

    fn progressing(message: &str) -> Health {
        Health::Progressing(message.to_owned())
    }

    fn failed(message: &str) -> Health {
        Health::Failed(message.to_owned())
    }

    /// A Deployment as `kubectl get deployment web -o json` prints it after a finished rollout.
    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "generation": 3,
                         "uid": "0b6c5f1e-8f5a-4c1e-9d63-3f7f0f5a2c11"},
            "spec": {
                "replicas": 4,
                "progressDeadlineSeconds": 600,
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}
            },
            "status": {
                "observedGeneration": 3,
                "replicas": 4, "updatedReplicas": 4, "readyReplicas": 4, "availableReplicas": 4,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                     "message": "Deployment has minimum availability."},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                     "message": "ReplicaSet \"web-7c5ddbdf54\" has successfully progressed."}
                ]
            }
        })
    }

    /// `value` with the field at `pointer` set (replaced, or added to its parent object).
    fn with(mut value: Value, pointer: &str, field: Value) -> Value {
        if let Some(existing) = value.pointer_mut(pointer) {
            *existing = field;
            return value;
        }
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        value.pointer_mut(parent).unwrap()[key] = field;
        value
    }

    #[test]
    fn a_rolled_out_deployment_is_ready() {
        assert_eq!(
            object_health("apps", "Deployment", &deployment()),
            Health::Ready
        );
    }

    #[test]
    fn a_deployment_without_status_waits_for_the_controller() {
        let mut fresh = deployment();
        fresh.as_object_mut().unwrap().remove("status");
        assert_eq!(
            object_health("apps", "Deployment", &fresh),
            progressing("waiting for the controller to observe generation 3")
        );
        let stale = with(deployment(), "/metadata/generation", json!(4));
        assert_eq!(
            object_health("apps", "Deployment", &stale),
            progressing("waiting for the controller to observe generation 4")
        );
    }

    #[test]
    fn a_deployment_past_its_progress_deadline_fails() {
        let stuck = with(
            with(deployment(), "/status/availableReplicas", json!(3)),
            "/status/conditions/1",
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                   "message": "ReplicaSet \"web-5d8f\" has timed out progressing."}),
        );
        assert_eq!(
            object_health("apps", "Deployment", &stuck),
            failed(
                "progress deadline exceeded: ReplicaSet \"web-5d8f\" has timed out progressing."
            )
        );
    }

    #[test]
    fn a_deployment_waits_for_updated_then_old_then_available_replicas() {
        let updating = with(deployment(), "/status/updatedReplicas", json!(3));
        assert_eq!(
            object_health("apps", "Deployment", &updating),
            progressing("3 of 4 replicas updated")
        );
        let terminating = with(deployment(), "/status/replicas", json!(5));
        assert_eq!(
            object_health("apps", "Deployment", &terminating),
            progressing("1 old replicas pending termination")
        );
        let starting = with(deployment(), "/status/availableReplicas", json!(2));
        assert_eq!(
            object_health("apps", "Deployment", &starting),
            progressing("2 of 4 updated replicas available")
        );
    }

    #[test]
    fn a_deployment_without_replicas_defaults_to_one() {
        let mut defaulted = deployment();
        defaulted["spec"]
            .as_object_mut()
            .unwrap()
            .remove("replicas");
        defaulted["status"] = json!({"observedGeneration": 3, "replicas": 0});
        assert_eq!(
            object_health("apps", "Deployment", &defaulted),
            progressing("0 of 1 replicas updated")
        );
    }

    #[test]
    fn a_paused_deployment_is_not_waited_for() {
        let paused = with(
            with(deployment(), "/spec/paused", json!(true)),
            "/status/updatedReplicas",
            json!(1),
        );
        assert_eq!(object_health("apps", "Deployment", &paused), Health::Ready);
        // Pausing does not hide that the controller has not seen the spec yet.
        let unobserved = with(paused, "/metadata/generation", json!(4));
        assert!(matches!(
            object_health("apps", "Deployment", &unobserved),
            Health::Progressing(_)
        ));
    }

    /// A `StatefulSet` as `kubectl get statefulset db -o json` prints it after a finished rollout.
    fn stateful_set() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default", "generation": 2},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}},
                             "spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}
            },
            "status": {
                "observedGeneration": 2,
                "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3,
                "availableReplicas": 3,
                "currentRevision": "db-6b9f7c8d5", "updateRevision": "db-6b9f7c8d5",
                "collisionCount": 0
            }
        })
    }

    #[test]
    fn a_rolled_out_stateful_set_is_ready() {
        assert_eq!(
            object_health("apps", "StatefulSet", &stateful_set()),
            Health::Ready
        );
    }

    #[test]
    fn a_stateful_set_waits_for_observation_readiness_and_revision() {
        let unobserved = with(stateful_set(), "/status/observedGeneration", json!(1));
        assert_eq!(
            object_health("apps", "StatefulSet", &unobserved),
            progressing("waiting for the controller to observe generation 2")
        );
        let starting = with(stateful_set(), "/status/readyReplicas", json!(1));
        assert_eq!(
            object_health("apps", "StatefulSet", &starting),
            progressing("1 of 3 replicas ready")
        );
        let updating = with(stateful_set(), "/status/updatedReplicas", json!(2));
        assert_eq!(
            object_health("apps", "StatefulSet", &updating),
            progressing("2 of 3 replicas updated")
        );
        // All pods updated, but the controller has not yet recorded the new current revision.
        let settling = with(
            stateful_set(),
            "/status/updateRevision",
            json!("db-7d4b9c6f8"),
        );
        assert_eq!(
            object_health("apps", "StatefulSet", &settling),
            progressing("rolling update to revision db-7d4b9c6f8 in progress")
        );
    }

    #[test]
    fn a_partitioned_stateful_set_is_ready_once_the_ordinals_above_the_partition_update() {
        let partitioned = with(
            with(
                with(
                    stateful_set(),
                    "/spec/updateStrategy/rollingUpdate/partition",
                    json!(2),
                ),
                "/status/updateRevision",
                json!("db-7d4b9c6f8"),
            ),
            "/status/updatedReplicas",
            json!(0),
        );
        assert_eq!(
            object_health("apps", "StatefulSet", &partitioned),
            progressing("0 of 1 replicas updated (partition 2)")
        );
        // The revisions never converge under a partition; one updated replica is all of it.
        let done = with(partitioned, "/status/updatedReplicas", json!(1));
        assert_eq!(object_health("apps", "StatefulSet", &done), Health::Ready);
    }

    #[test]
    fn an_on_delete_stateful_set_only_waits_for_ready_replicas() {
        let on_delete = with(
            with(
                stateful_set(),
                "/spec/updateStrategy",
                json!({"type": "OnDelete"}),
            ),
            "/status/updateRevision",
            json!("db-7d4b9c6f8"),
        );
        assert_eq!(
            object_health("apps", "StatefulSet", &on_delete),
            Health::Ready
        );
        let starting = with(on_delete, "/status/readyReplicas", json!(2));
        assert_eq!(
            object_health("apps", "StatefulSet", &starting),
            progressing("2 of 3 replicas ready")
        );
    }

    /// A `DaemonSet` as `kubectl get daemonset agent -o json` prints it after a finished rollout.
    fn daemon_set() -> Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "kube-system", "generation": 5},
            "spec": {
                "updateStrategy": {"type": "RollingUpdate",
                                   "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {"metadata": {"labels": {"app": "agent"}},
                             "spec": {"containers": [{"name": "agent", "image": "agent:2"}]}}
            },
            "status": {
                "observedGeneration": 5,
                "currentNumberScheduled": 3, "desiredNumberScheduled": 3,
                "numberAvailable": 3, "numberMisscheduled": 0, "numberReady": 3,
                "updatedNumberScheduled": 3
            }
        })
    }

    #[test]
    fn a_daemon_set_waits_for_updated_and_available_pods() {
        assert_eq!(
            object_health("apps", "DaemonSet", &daemon_set()),
            Health::Ready
        );
        let unobserved = with(daemon_set(), "/metadata/generation", json!(6));
        assert_eq!(
            object_health("apps", "DaemonSet", &unobserved),
            progressing("waiting for the controller to observe generation 6")
        );
        let updating = with(daemon_set(), "/status/updatedNumberScheduled", json!(1));
        assert_eq!(
            object_health("apps", "DaemonSet", &updating),
            progressing("1 of 3 pods updated")
        );
        let starting = with(daemon_set(), "/status/numberAvailable", json!(2));
        assert_eq!(
            object_health("apps", "DaemonSet", &starting),
            progressing("2 of 3 pods available")
        );
        let on_delete = with(
            updating,
            "/spec/updateStrategy",
            json!({"type": "OnDelete"}),
        );
        assert_eq!(
            object_health("apps", "DaemonSet", &on_delete),
            Health::Ready
        );
    }

    /// A running Job as `kubectl get job migrate -o json` prints it.
    fn job() -> Value {
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "default", "generation": 1},
            "spec": {
                "backoffLimit": 6, "completions": 3, "parallelism": 1, "suspend": false,
                "completionMode": "NonIndexed",
                "template": {"spec": {"restartPolicy": "Never",
                                      "containers": [{"name": "migrate", "image": "migrate:1"}]}}
            },
            "status": {"active": 1, "ready": 1, "succeeded": 1, "terminating": 0,
                       "startTime": "2026-11-26T01:00:00Z", "uncountedTerminatedPods": {}}
        })
    }

    #[test]
    fn a_running_job_counts_its_completions() {
        assert_eq!(
            object_health("batch", "Job", &job()),
            progressing("1 of 3 completions")
        );
        let mut queue = with(job(), "/status/active", json!(2));
        queue["spec"].as_object_mut().unwrap().remove("completions");
        assert_eq!(
            object_health("batch", "Job", &queue),
            progressing("1 succeeded, 2 active")
        );
    }

    #[test]
    fn a_complete_job_is_ready() {
        let complete = with(
            job(),
            "/status",
            json!({"succeeded": 3, "completionTime": "2026-11-26T01:02:00Z", "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached"},
                {"type": "Complete", "status": "True", "reason": "CompletionsReached"}
            ]}),
        );
        assert_eq!(object_health("batch", "Job", &complete), Health::Ready);
        // Kubernetes 1.31+ sets `SuccessCriteriaMet` before `Complete`.
        let criteria_met = with(
            job(),
            "/status/conditions",
            json!([{"type": "SuccessCriteriaMet", "status": "True"}]),
        );
        assert_eq!(object_health("batch", "Job", &criteria_met), Health::Ready);
    }

    #[test]
    fn a_failed_job_fails_with_its_reason() {
        let failed_job = with(
            job(),
            "/status",
            json!({"failed": 7, "conditions": [
                {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}
            ]}),
        );
        assert_eq!(
            object_health("batch", "Job", &failed_job),
            failed("job BackoffLimitExceeded: Job has reached the specified backoff limit")
        );
    }

    #[test]
    fn a_suspended_job_is_not_waited_for() {
        let suspended = with(
            with(job(), "/spec/suspend", json!(true)),
            "/status",
            json!({"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended"}]}),
        );
        assert_eq!(object_health("batch", "Job", &suspended), Health::Ready);
    }

    #[test]
    fn a_claim_is_ready_once_bound() {
        let claim = |phase: Value| {
            json!({
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data", "namespace": "default"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                         "resources": {"requests": {"storage": "10Gi"}}},
                "status": {"phase": phase}
            })
        };
        assert_eq!(
            object_health("", "PersistentVolumeClaim", &claim(json!("Bound"))),
            Health::Ready
        );
        assert_eq!(
            object_health("", "PersistentVolumeClaim", &claim(json!("Pending"))),
            progressing("phase Pending")
        );
        assert_eq!(
            object_health("core", "PersistentVolumeClaim", &claim(json!("Lost"))),
            failed("claim lost its volume")
        );
        assert_eq!(
            object_health("", "PersistentVolumeClaim", &json!({"spec": {}})),
            progressing("phase Pending")
        );
    }

    #[test]
    fn a_load_balancer_waits_for_its_address() {
        let service = |kind: &str, status: Value| {
            json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "web", "namespace": "default"},
                "spec": {"type": kind, "clusterIP": "10.96.12.7", "selector": {"app": "web"},
                         "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}]},
                "status": status
            })
        };
        let pending = service("LoadBalancer", json!({"loadBalancer": {}}));
        assert_eq!(
            object_health("", "Service", &pending),
            progressing("waiting for a load balancer address")
        );
        let assigned = service(
            "LoadBalancer",
            json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}}),
        );
        assert_eq!(object_health("", "Service", &assigned), Health::Ready);
        let cluster_ip = service("ClusterIP", json!({"loadBalancer": {}}));
        assert_eq!(object_health("", "Service", &cluster_ip), Health::Ready);
    }

    #[test]
    fn crds_keep_their_own_rules() {
        let waiting =
            json!({"status": {"conditions": [{"type": "Established", "status": "False"}]}});
        assert!(matches!(
            object_health("apiextensions.k8s.io", "CustomResourceDefinition", &waiting),
            Health::Progressing(_)
        ));
        // The same status on a custom resource is judged by the generic rules.
        assert_eq!(
            object_health("example.com", "Widget", &waiting),
            Health::Ready
        );
    }

    fn pod(name: &str, phase: &str) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            "status": {"phase": phase, "qosClass": "BestEffort"}
        })
    }

    #[test]
    fn a_pod_is_ready_when_running_and_ready_or_succeeded() {
        let running = with(
            pod("web", "Running"),
            "/status/conditions",
            json!([
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
                {"type": "ContainersReady", "status": "True"},
                {"type": "PodScheduled", "status": "True"}
            ]),
        );
        assert_eq!(object_health("", "Pod", &running), Health::Ready);
        let unready = with(
            running,
            "/status/conditions/1",
            json!({"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                   "message": "containers with unready status: [app]"}),
        );
        assert_eq!(
            object_health("", "Pod", &unready),
            progressing("not ready: containers with unready status: [app]")
        );
        assert_eq!(
            object_health("", "Pod", &pod("web", "Succeeded")),
            Health::Ready
        );
        assert_eq!(
            object_health("", "Pod", &pod("web", "Pending")),
            progressing("phase Pending")
        );
        let evicted = with(
            pod("web", "Failed"),
            "/status/message",
            json!("The node was low on resource: memory."),
        );
        assert_eq!(
            object_health("", "Pod", &evicted),
            failed("pod failed: The node was low on resource: memory.")
        );
    }

    #[test]
    fn custom_resources_follow_kstatus() {
        let resource = |status: Value| {
            json!({"apiVersion": "example.com/v1", "kind": "Widget",
                   "metadata": {"name": "w", "generation": 2}, "spec": {}, "status": status})
        };
        let mut no_status = resource(json!({}));
        no_status.as_object_mut().unwrap().remove("status");
        assert_eq!(
            object_health("example.com", "Widget", &no_status),
            Health::Ready
        );
        assert_eq!(
            object_health(
                "example.com",
                "Widget",
                &resource(json!({"observedGeneration": 1,
                                 "conditions": [{"type": "Ready", "status": "True"}]}))
            ),
            progressing("waiting for the controller to observe generation 2")
        );
        assert_eq!(
            object_health(
                "example.com",
                "Widget",
                &resource(json!({"conditions": [
                    {"type": "Ready", "status": "False", "reason": "Stalled"},
                    {"type": "Stalled", "status": "True", "reason": "InvalidSpec",
                     "message": "spec.size must be positive"}
                ]}))
            ),
            failed("stalled: spec.size must be positive")
        );
        assert_eq!(
            object_health(
                "example.com",
                "Widget",
                &resource(json!({"observedGeneration": 2, "conditions": [
                    {"type": "Ready", "status": "False", "reason": "WaitingForDependencies"}
                ]}))
            ),
            progressing("not ready: WaitingForDependencies")
        );
        assert_eq!(
            object_health(
                "example.com",
                "Widget",
                &resource(json!({"conditions": [
                    {"type": "Reconciling", "status": "True", "message": "creating replicas"}
                ]}))
            ),
            progressing("reconciling: creating replicas")
        );
        assert_eq!(
            object_health(
                "example.com",
                "Widget",
                &resource(json!({"conditions": [{"type": "Ready", "status": "True"}]}))
            ),
            Health::Ready
        );
        // A ConfigMap has no status at all.
        assert_eq!(
            object_health("", "ConfigMap", &json!({"data": {"a": "b"}})),
            Health::Ready
        );
    }

    fn waiting(pod: Value, list: &str, container: &str, reason: &str, message: &str) -> Value {
        with(
            pod,
            &format!("/status/{list}"),
            json!([{"name": container, "image": "registry.example/app:bad", "ready": false,
                    "restartCount": 0, "started": false,
                    "state": {"waiting": {"reason": reason, "message": message}}}]),
        )
    }

    #[test]
    fn pod_failure_names_the_first_stuck_container() {
        let healthy = with(
            pod("web-abc", "Running"),
            "/status/containerStatuses",
            json!([{"name": "app", "ready": true, "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-11-26T01:00:00Z"}}}]),
        );
        let creating = waiting(
            pod("web-def", "Pending"),
            "containerStatuses",
            "app",
            "ContainerCreating",
            "",
        );
        let pulling = waiting(
            pod("web-ghi", "Pending"),
            "containerStatuses",
            "app",
            "ImagePullBackOff",
            "Back-off pulling image \"registry.example/app:bad\"",
        );
        let crashing = waiting(
            pod("web-jkl", "Running"),
            "containerStatuses",
            "app",
            "CrashLoopBackOff",
            "",
        );
        assert_eq!(pod_failure(&[healthy.clone(), creating.clone()]), None);
        assert_eq!(
            pod_failure(&[healthy, creating, pulling.clone(), crashing.clone()]).as_deref(),
            Some(
                "pod web-ghi: container app: ImagePullBackOff (Back-off pulling image \"registry.example/app:bad\")"
            )
        );
        assert_eq!(
            pod_failure(&[crashing, pulling]).as_deref(),
            Some("pod web-jkl: container app: CrashLoopBackOff")
        );
        assert_eq!(pod_failure(&[]), None);
    }

    #[test]
    fn pod_failure_reads_init_containers_and_skips_terminating_pods() {
        let init = waiting(
            pod("web-abc", "Pending"),
            "initContainerStatuses",
            "migrate",
            "CreateContainerConfigError",
            "secret \"db\" not found",
        );
        assert_eq!(
            pod_failure(std::slice::from_ref(&init)).as_deref(),
            Some(
                "pod web-abc: container migrate: CreateContainerConfigError (secret \"db\" not found)"
            )
        );
        let terminating = with(
            init,
            "/metadata",
            json!({"name": "web-abc", "deletionTimestamp": "2026-11-26T01:00:00Z"}),
        );
        assert_eq!(pod_failure(&[terminating]), None);
    }

    fn node(name: &str, ready: &str, allocatable: &Value) -> Value {
        json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {"podCIDR": "10.244.0.0/24"},
            "status": {
                "capacity": allocatable,
                "allocatable": allocatable,
                "conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "DiskPressure", "status": "False"},
                    {"type": "PIDPressure", "status": "False"},
                    {"type": "Ready", "status": ready, "reason": "KubeletReady"}
                ]
            }
        })
    }

    fn scheduled(name: &str, node: Option<&str>, phase: &str, spec: &Value) -> Value {
        let mut pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": spec,
            "status": {"phase": phase}
        });
        if let Some(node) = node {
            pod["spec"]["nodeName"] = json!(node);
        }
        pod
    }

    fn requests(cpu: &str, memory: &str) -> Value {
        json!({"requests": {"cpu": cpu, "memory": memory}})
    }

    fn summary(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, quantity)| ((*name).to_owned(), (*quantity).to_owned()))
            .collect()
    }

    #[test]
    fn allocatable_counts_ready_schedulable_nodes_only() {
        let allocatable = json!({"cpu": "3500m", "memory": "8010196Ki", "pods": "110",
                                 "ephemeral-storage": "95551679124", "hugepages-2Mi": "0"});
        let cordoned = with(
            node("node-c", "True", &allocatable),
            "/spec/unschedulable",
            json!(true),
        );
        let nodes = [
            node("node-a", "True", &allocatable),
            node(
                "node-b",
                "True",
                &json!({"cpu": "4", "memory": "16Gi", "pods": "110"}),
            ),
            node("node-d", "False", &allocatable),
            node("node-e", "Unknown", &allocatable),
            cordoned,
        ];
        assert_eq!(
            resource_summary(&nodes, &[]),
            ResourceSummary {
                allocatable: summary(&[
                    ("cpu", "7500m"),
                    ("ephemeral-storage", "95551679124"),
                    ("hugepages-2Mi", "0"),
                    // 8010196Ki + 16Gi = 24787412Ki, not a whole Mi.
                    ("memory", "24787412Ki"),
                    ("pods", "220"),
                ]),
                ..ResourceSummary::default()
            }
        );
    }

    #[test]
    fn pods_split_into_allocated_and_allocating_like_the_scheduler() {
        let web = json!({"containers": [
            {"name": "app", "resources": requests("250m", "256Mi")},
            {"name": "proxy", "resources": requests("250m", "128Mi")}
        ]});
        // Init containers run before the app, one at a time: the pod needs the larger of the
        // two, per resource (1 CPU from the init container, 384Mi from the app), plus overhead.
        let migrating = json!({
            "initContainers": [{"name": "migrate", "resources": requests("1", "64Mi")}],
            "containers": [
                {"name": "app", "resources": requests("250m", "256Mi")},
                {"name": "proxy", "resources": requests("250m", "128Mi")}
            ],
            "overhead": {"cpu": "100m", "memory": "32Mi"}
        });
        let no_requests = json!({"containers": [{"name": "app", "image": "nginx"}]});
        let pods = [
            scheduled("web-1", Some("node-a"), "Running", &web),
            scheduled("migrate-1", Some("node-a"), "Pending", &migrating),
            scheduled("plain-1", Some("node-b"), "Running", &no_requests),
            // Finished pods no longer hold their requests.
            scheduled("job-1", Some("node-b"), "Succeeded", &web),
            scheduled("job-2", Some("node-b"), "Failed", &web),
            // Not yet bound to a node: allocating.
            scheduled("web-2", None, "Pending", &web),
        ];
        let nodes = [node(
            "node-a",
            "True",
            &json!({"cpu": "4", "memory": "16Gi", "pods": "110"}),
        )];
        let result = resource_summary(&nodes, &pods);
        assert_eq!(
            result.allocated,
            summary(&[("cpu", "1600m"), ("memory", "800Mi"), ("pods", "3")])
        );
        assert_eq!(
            result.allocating,
            summary(&[("cpu", "500m"), ("memory", "384Mi"), ("pods", "1")])
        );
    }

    #[test]
    fn the_summary_is_what_the_estimator_reads() {
        use crate::model::ClusterStatus;
        use crate::scheduler::estimate::Capacity;
        let nodes = [node(
            "node-a",
            "True",
            &json!({"cpu": "4", "memory": "16Gi", "pods": "110"}),
        )];
        let web = json!({"containers": [{"name": "app", "resources": requests("1", "1Gi")}]});
        let pods = [
            scheduled("web-1", Some("node-a"), "Running", &web),
            scheduled("web-2", None, "Pending", &web),
        ];
        let result = resource_summary(&nodes, &pods);
        let status = ClusterStatus {
            allocatable: Some(result.allocatable),
            allocated: Some(result.allocated),
            allocating: Some(result.allocating),
            ..ClusterStatus::default()
        };
        let request = BTreeMap::from([
            ("cpu".to_owned(), 1000),
            ("memory".to_owned(), (1_i128 << 30) * 1000),
        ]);
        // 4 CPUs minus 2 requested leave room for 2 more.
        assert_eq!(Capacity::of(&status).replicas_for(&request), 2);
    }

    #[test]
    fn an_empty_cluster_summarises_to_nothing() {
        assert_eq!(resource_summary(&[], &[]), ResourceSummary::default());
    }
}
