//! Server-side defaults for a few common fields, filled in after every apply as the API server's
//! defaulting does, so the live object carries fields nobody applied.

use serde_json::{Value, json};

use super::kinds::Kind;

/// Fills in the defaults of `kind` that `object` leaves unset.
pub(crate) fn apply(kind: &Kind, object: &mut Value) {
    match (kind.group.as_str(), kind.kind.as_str()) {
        ("apps", "Deployment") => {
            let spec = &mut object["spec"];
            set_missing(spec, "replicas", json!(1));
            set_missing(spec, "revisionHistoryLimit", json!(10));
            set_missing(spec, "progressDeadlineSeconds", json!(600));
            set_missing(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
            );
            pod_spec(&mut spec["template"]["spec"]);
        }
        ("apps", "StatefulSet" | "DaemonSet" | "ReplicaSet") | ("batch", "Job") => {
            pod_spec(&mut object["spec"]["template"]["spec"]);
        }
        ("batch", "CronJob") => {
            pod_spec(&mut object["spec"]["jobTemplate"]["spec"]["template"]["spec"]);
        }
        ("", "Pod") => pod_spec(&mut object["spec"]),
        ("", "Service") => {
            set_missing(&mut object["spec"], "type", json!("ClusterIP"));
            set_missing(&mut object["spec"], "sessionAffinity", json!("None"));
        }
        _ => {}
    }
}

fn pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    set_missing(spec, "restartPolicy", json!("Always"));
    set_missing(spec, "dnsPolicy", json!("ClusterFirst"));
    set_missing(spec, "schedulerName", json!("default-scheduler"));
    set_missing(spec, "terminationGracePeriodSeconds", json!(30));
    for list in ["containers", "initContainers"] {
        for container in spec[list].as_array_mut().into_iter().flatten() {
            set_missing(
                container,
                "terminationMessagePath",
                json!("/dev/termination-log"),
            );
            set_missing(container, "terminationMessagePolicy", json!("File"));
            let policy = pull_policy(container["image"].as_str().unwrap_or_default());
            set_missing(container, "imagePullPolicy", json!(policy));
        }
    }
}

/// `Always` for `:latest` or untagged images, `IfNotPresent` otherwise, as Kubernetes defaults it.
fn pull_policy(image: &str) -> &'static str {
    let without_digest = image.split('@').next().unwrap_or_default();
    let last_segment = without_digest.rsplit('/').next().unwrap_or_default();
    match last_segment.split_once(':') {
        Some((_, "latest")) | None if !image.contains('@') => "Always",
        _ => "IfNotPresent",
    }
}

fn set_missing(object: &mut Value, field: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.entry(field.to_owned()).or_insert(value);
    }
}
