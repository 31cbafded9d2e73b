//! References: the objects a template's manifest names, each with its relation and the JSON
//! pointer where it was found.
//!
//! Pure, over one manifest. The graph turns references to templates of the workspace into
//! apply-order edges; [`Reference::karmada_dependency`] marks exactly the objects Karmada's
//! propagateDeps sends along with a workload (KARMADA.md §4.5).

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::addr::ObjectRef;
use crate::model::crd::CustomResourceDefinitions;

/// How a manifest names another object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// A `configMap` volume.
    ConfigMapVolume,
    /// A `configMap` source of a `projected` volume.
    ProjectedConfigMap,
    /// `envFrom[].configMapRef`.
    EnvFromConfigMap,
    /// `env[].valueFrom.configMapKeyRef`.
    EnvConfigMapKey,
    /// `imagePullSecrets[]`.
    ImagePullSecret,
    /// A `secret` volume.
    SecretVolume,
    /// A `secret` source of a `projected` volume.
    ProjectedSecret,
    /// The secret of a volume plugin (`csi.nodePublishSecretRef`, `cephfs.secretRef`, …); the
    /// field is named in [`Relation::field`].
    VolumeSecret(VolumePlugin),
    /// `envFrom[].secretRef`.
    EnvFromSecret,
    /// `env[].valueFrom.secretKeyRef`.
    EnvSecretKey,
    /// `serviceAccountName` of a pod spec.
    ServiceAccount,
    /// A `persistentVolumeClaim` volume.
    PersistentVolumeClaim,
    /// `spec.tls[].secretName` of an Ingress.
    IngressTls,
    /// The `derived-<name>` Service of a `ServiceImport`, which Karmada sends along with it.
    DerivedService,
    /// `roleRef` of a `RoleBinding` or `ClusterRoleBinding`.
    RoleRef,
    /// The Namespace a namespaced object lives in.
    Namespace,
    /// The `CustomResourceDefinition` that serves a custom resource.
    CustomResourceDefinition,
}

/// Volume plugins whose secret Kubernetes (and Karmada) count as a pod's Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VolumePlugin {
    /// `azureFile.secretName`.
    AzureFile,
    /// `cephfs.secretRef`.
    CephFs,
    /// `cinder.secretRef`.
    Cinder,
    /// `flexVolume.secretRef`.
    FlexVolume,
    /// `rbd.secretRef`.
    Rbd,
    /// `scaleIO.secretRef`.
    ScaleIo,
    /// `iscsi.secretRef`.
    Iscsi,
    /// `storageos.secretRef`.
    StorageOs,
    /// `csi.nodePublishSecretRef`.
    Csi,
}

/// Each volume plugin with its field in a volume and the pointer to the secret's name in it.
const VOLUME_PLUGINS: &[(VolumePlugin, &str, &str)] = &[
    (VolumePlugin::AzureFile, "azureFile", "/secretName"),
    (VolumePlugin::CephFs, "cephfs", "/secretRef/name"),
    (VolumePlugin::Cinder, "cinder", "/secretRef/name"),
    (VolumePlugin::FlexVolume, "flexVolume", "/secretRef/name"),
    (VolumePlugin::Rbd, "rbd", "/secretRef/name"),
    (VolumePlugin::ScaleIo, "scaleIO", "/secretRef/name"),
    (VolumePlugin::Iscsi, "iscsi", "/secretRef/name"),
    (VolumePlugin::StorageOs, "storageos", "/secretRef/name"),
    (VolumePlugin::Csi, "csi", "/nodePublishSecretRef/name"),
];

impl Relation {
    /// The field that holds the reference, as users write it (`envFrom.configMapRef`).
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::ConfigMapVolume => "volumes.configMap",
            Self::ProjectedConfigMap => "volumes.projected.sources.configMap",
            Self::EnvFromConfigMap => "envFrom.configMapRef",
            Self::EnvConfigMapKey => "env.valueFrom.configMapKeyRef",
            Self::ImagePullSecret => "imagePullSecrets",
            Self::SecretVolume => "volumes.secret",
            Self::ProjectedSecret => "volumes.projected.sources.secret",
            Self::VolumeSecret(plugin) => match plugin {
                VolumePlugin::AzureFile => "volumes.azureFile.secretName",
                VolumePlugin::CephFs => "volumes.cephfs.secretRef",
                VolumePlugin::Cinder => "volumes.cinder.secretRef",
                VolumePlugin::FlexVolume => "volumes.flexVolume.secretRef",
                VolumePlugin::Rbd => "volumes.rbd.secretRef",
                VolumePlugin::ScaleIo => "volumes.scaleIO.secretRef",
                VolumePlugin::Iscsi => "volumes.iscsi.secretRef",
                VolumePlugin::StorageOs => "volumes.storageos.secretRef",
                VolumePlugin::Csi => "volumes.csi.nodePublishSecretRef",
            },
            Self::EnvFromSecret => "envFrom.secretRef",
            Self::EnvSecretKey => "env.valueFrom.secretKeyRef",
            Self::ServiceAccount => "serviceAccountName",
            Self::PersistentVolumeClaim => "volumes.persistentVolumeClaim",
            Self::IngressTls => "tls.secretName",
            Self::DerivedService => "derived service",
            Self::RoleRef => "roleRef",
            Self::Namespace => "metadata.namespace",
            Self::CustomResourceDefinition => "custom resource definition",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.field())
    }
}

/// One object a manifest names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The object named.
    pub target: ObjectRef,
    /// How it is named.
    pub relation: Relation,
    /// Where: a JSON pointer into the manifest, to the entry that holds the name
    /// (`/spec/template/spec/containers/0/envFrom/0`).
    pub pointer: String,
    /// Whether Karmada's propagateDeps counts it: the pod references of the kinds Karmada
    /// interprets, an Ingress's TLS secrets and a `ServiceImport`'s derived Service.
    pub karmada_dependency: bool,
}

/// Every object `manifest` (the template `object`) names, in the order found. A name that
/// appears twice is reported twice, with both pointers. `crds` are the workspace's CRDs: a
/// custom resource names its CRD only when the workspace declares it.
#[must_use]
pub fn references(
    object: &ObjectRef,
    manifest: &Value,
    crds: &CustomResourceDefinitions,
) -> Vec<Reference> {
    let mut found = Finder {
        namespace: object.namespace.as_deref(),
        karmada: false,
        out: Vec::new(),
    };
    if let Some(namespace) = &object.namespace {
        found.push(
            ObjectRef {
                group: String::new(),
                kind: "Namespace".to_owned(),
                namespace: None,
                name: namespace.clone(),
            },
            Relation::Namespace,
            "/metadata/namespace".to_owned(),
        );
    }
    if let Some(crd) = crds.get(&object.group, &object.kind) {
        found.push(
            crd.object.clone(),
            Relation::CustomResourceDefinition,
            "/kind".to_owned(),
        );
    }
    match (object.group.as_str(), object.kind.as_str()) {
        ("networking.k8s.io" | "extensions", "Ingress") => {
            // Karmada interprets `networking.k8s.io` Ingresses only.
            found.karmada = object.group == "networking.k8s.io";
            found.ingress(manifest);
        }
        ("multicluster.x-k8s.io", "ServiceImport") => {
            // Karmada also sends the EndpointSlices labelled with the derived Service's name;
            // they are chosen by label, not name, so they are no reference here.
            found.karmada = true;
            found.push_local(
                "",
                "Service",
                &format!("derived-{}", object.name),
                Relation::DerivedService,
                "/metadata/name".to_owned(),
            );
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            found.role_ref(manifest);
        }
        (group, kind) => {
            if let Some((pod_spec, karmada)) = pod_spec_pointer(group, kind) {
                found.karmada = karmada;
                let claim_templates = if kind == "StatefulSet" {
                    claim_template_names(manifest)
                } else {
                    BTreeSet::new()
                };
                if let Some(pod) = manifest.pointer(pod_spec) {
                    found.pod(pod, pod_spec, &claim_templates);
                }
            }
        }
    }
    found.out
}

/// The objects Karmada's propagateDeps would send along with this template, without repeats.
#[must_use]
pub fn karmada_dependencies(
    object: &ObjectRef,
    manifest: &Value,
    crds: &CustomResourceDefinitions,
) -> BTreeSet<ObjectRef> {
    references(object, manifest, crds)
        .into_iter()
        .filter(|reference| reference.karmada_dependency)
        .map(|reference| reference.target)
        .collect()
}

/// Where the pod spec of a pod-bearing kind is, and whether Karmada interprets that kind's
/// dependencies (`getAllDefaultDependenciesInterpreter` has no interpreter for `ReplicaSet` or
/// `ReplicationController`: their references order apply but do not follow them).
fn pod_spec_pointer(group: &str, kind: &str) -> Option<(&'static str, bool)> {
    match (group, kind) {
        ("", "Pod") => Some(("/spec", true)),
        ("", "ReplicationController") | ("apps", "ReplicaSet") => {
            Some(("/spec/template/spec", false))
        }
        ("apps", "Deployment" | "DaemonSet" | "StatefulSet") | ("batch", "Job") => {
            Some(("/spec/template/spec", true))
        }
        ("batch", "CronJob") => Some(("/spec/jobTemplate/spec/template/spec", true)),
        _ => None,
    }
}

/// The names of a `StatefulSet`'s `volumeClaimTemplates`: the `StatefulSet` makes those claims
/// itself on each cluster, so a volume naming one is no dependency (Karmada skips them too).
fn claim_template_names(manifest: &Value) -> BTreeSet<String> {
    array(manifest, "/spec/volumeClaimTemplates")
        .iter()
        .filter_map(|claim| claim.pointer("/metadata/name").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// The array at `pointer`, or nothing.
fn array<'a>(value: &'a Value, pointer: &str) -> &'a [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A non-empty string at `pointer`.
fn name_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
}

/// Collects the references of one manifest.
struct Finder<'a> {
    /// The namespace local references resolve in.
    namespace: Option<&'a str>,
    /// Whether the references found now are Karmada dependencies.
    karmada: bool,
    out: Vec<Reference>,
}

impl Finder<'_> {
    fn push(&mut self, target: ObjectRef, relation: Relation, pointer: String) {
        let karmada_dependency = self.karmada
            && !matches!(
                relation,
                Relation::Namespace | Relation::CustomResourceDefinition | Relation::RoleRef
            );
        self.out.push(Reference {
            target,
            relation,
            pointer,
            karmada_dependency,
        });
    }

    /// A reference to an object in the referrer's own namespace (`LocalObjectReference`).
    fn push_local(
        &mut self,
        group: &str,
        kind: &str,
        name: &str,
        relation: Relation,
        pointer: String,
    ) {
        let target = ObjectRef {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: self.namespace.map(str::to_owned),
            name: name.to_owned(),
        };
        self.push(target, relation, pointer);
    }

    fn pod(&mut self, pod: &Value, base: &str, claim_templates: &BTreeSet<String>) {
        for (index, entry) in array(pod, "/imagePullSecrets").iter().enumerate() {
            if let Some(name) = name_at(entry, "/name") {
                let pointer = format!("{base}/imagePullSecrets/{index}");
                self.push_local("", "Secret", name, Relation::ImagePullSecret, pointer);
            }
        }
        // Init, regular and ephemeral containers, as Kubernetes' `VisitContainers` walks them.
        for list in ["initContainers", "containers", "ephemeralContainers"] {
            for (index, container) in array(pod, &format!("/{list}")).iter().enumerate() {
                self.container(container, &format!("{base}/{list}/{index}"));
            }
        }
        for (index, volume) in array(pod, "/volumes").iter().enumerate() {
            self.volume(volume, &format!("{base}/volumes/{index}"), claim_templates);
        }
        // An empty name or `default` is the namespace's own account, which always exists.
        if let Some(name) = name_at(pod, "/serviceAccountName").filter(|name| *name != "default") {
            let pointer = format!("{base}/serviceAccountName");
            self.push_local(
                "",
                "ServiceAccount",
                name,
                Relation::ServiceAccount,
                pointer,
            );
        }
    }

    fn container(&mut self, container: &Value, base: &str) {
        for (index, source) in array(container, "/envFrom").iter().enumerate() {
            let pointer = format!("{base}/envFrom/{index}");
            if let Some(name) = name_at(source, "/configMapRef/name") {
                self.push_local(
                    "",
                    "ConfigMap",
                    name,
                    Relation::EnvFromConfigMap,
                    pointer.clone(),
                );
            }
            if let Some(name) = name_at(source, "/secretRef/name") {
                self.push_local("", "Secret", name, Relation::EnvFromSecret, pointer);
            }
        }
        for (index, variable) in array(container, "/env").iter().enumerate() {
            let pointer = format!("{base}/env/{index}");
            if let Some(name) = name_at(variable, "/valueFrom/configMapKeyRef/name") {
                self.push_local(
                    "",
                    "ConfigMap",
                    name,
                    Relation::EnvConfigMapKey,
                    pointer.clone(),
                );
            }
            if let Some(name) = name_at(variable, "/valueFrom/secretKeyRef/name") {
                self.push_local("", "Secret", name, Relation::EnvSecretKey, pointer);
            }
        }
    }

    fn volume(&mut self, volume: &Value, base: &str, claim_templates: &BTreeSet<String>) {
        if let Some(name) = name_at(volume, "/configMap/name") {
            let pointer = base.to_owned();
            self.push_local("", "ConfigMap", name, Relation::ConfigMapVolume, pointer);
        }
        if let Some(name) = name_at(volume, "/secret/secretName") {
            let pointer = base.to_owned();
            self.push_local("", "Secret", name, Relation::SecretVolume, pointer);
        }
        for (index, source) in array(volume, "/projected/sources").iter().enumerate() {
            let pointer = format!("{base}/projected/sources/{index}");
            if let Some(name) = name_at(source, "/configMap/name") {
                self.push_local(
                    "",
                    "ConfigMap",
                    name,
                    Relation::ProjectedConfigMap,
                    pointer.clone(),
                );
            }
            if let Some(name) = name_at(source, "/secret/name") {
                self.push_local("", "Secret", name, Relation::ProjectedSecret, pointer);
            }
        }
        for (plugin, field, name_pointer) in VOLUME_PLUGINS {
            if let Some(name) = volume
                .get(*field)
                .and_then(|source| name_at(source, name_pointer))
            {
                let pointer = format!("{base}/{field}");
                self.push_local("", "Secret", name, Relation::VolumeSecret(*plugin), pointer);
            }
        }
        if let Some(name) = name_at(volume, "/persistentVolumeClaim/claimName")
            && !claim_templates.contains(name)
        {
            let pointer = base.to_owned();
            self.push_local(
                "",
                "PersistentVolumeClaim",
                name,
                Relation::PersistentVolumeClaim,
                pointer,
            );
        }
    }

    fn ingress(&mut self, manifest: &Value) {
        for (index, tls) in array(manifest, "/spec/tls").iter().enumerate() {
            if let Some(name) = name_at(tls, "/secretName") {
                let pointer = format!("/spec/tls/{index}");
                self.push_local("", "Secret", name, Relation::IngressTls, pointer);
            }
        }
    }

    fn role_ref(&mut self, manifest: &Value) {
        let Some(name) = name_at(manifest, "/roleRef/name") else {
            return;
        };
        let group = name_at(manifest, "/roleRef/apiGroup").unwrap_or("rbac.authorization.k8s.io");
        let target = match name_at(manifest, "/roleRef/kind") {
            // A ClusterRoleBinding can only name a ClusterRole; the API server rejects a Role.
            Some("Role") if self.namespace.is_some() => ObjectRef {
                group: group.to_owned(),
                kind: "Role".to_owned(),
                namespace: self.namespace.map(str::to_owned),
                name: name.to_owned(),
            },
            Some("ClusterRole") => ObjectRef {
                group: group.to_owned(),
                kind: "ClusterRole".to_owned(),
                namespace: None,
                name: name.to_owned(),
            },
            _ => return,
        };
        self.push(target, Relation::RoleRef, "/roleRef".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(text: &str) -> ObjectRef {
        text.parse().unwrap()
    }

    /// The references of a manifest as `relation target @ pointer (karmada)` lines.
    fn found(object_text: &str, manifest: &Value) -> Vec<String> {
        found_with(object_text, manifest, &CustomResourceDefinitions::default())
    }

    fn found_with(
        object_text: &str,
        manifest: &Value,
        crds: &CustomResourceDefinitions,
    ) -> Vec<String> {
        references(&object(object_text), manifest, crds)
            .into_iter()
            .filter(|reference| reference.relation != Relation::Namespace)
            .map(|reference| {
                format!(
                    "{} {} @ {}{}",
                    reference.relation,
                    reference.target,
                    reference.pointer,
                    if reference.karmada_dependency {
                        " (karmada)"
                    } else {
                        ""
                    }
                )
            })
            .collect()
    }

    fn deployment(pod: &Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "shop"},
               "spec": {"template": {"spec": pod}}})
    }

    const WEB: &str = "apps/Deployment/shop/web";

    #[test]
    fn config_maps_from_volumes_projections_and_env_of_every_container_list() {
        let pod = json!({
            "initContainers": [{"name": "init", "envFrom": [{"configMapRef": {"name": "init-env"}}]}],
            "containers": [{"name": "app", "env": [
                {"name": "PLAIN", "value": "x"},
                {"name": "KEY", "valueFrom": {"configMapKeyRef": {"name": "keys", "key": "k", "optional": true}}}
            ]}],
            "ephemeralContainers": [{"name": "debug", "envFrom": [{"configMapRef": {"name": "debug-env"}}]}],
            "volumes": [
                {"name": "config", "configMap": {"name": "files"}},
                {"name": "all", "projected": {"sources": [{"configMap": {"name": "projected"}}]}}
            ]
        });
        assert_eq!(
            found(WEB, &deployment(&pod)),
            [
                "envFrom.configMapRef core/ConfigMap/shop/init-env @ /spec/template/spec/initContainers/0/envFrom/0 (karmada)",
                "env.valueFrom.configMapKeyRef core/ConfigMap/shop/keys @ /spec/template/spec/containers/0/env/1 (karmada)",
                "envFrom.configMapRef core/ConfigMap/shop/debug-env @ /spec/template/spec/ephemeralContainers/0/envFrom/0 (karmada)",
                "volumes.configMap core/ConfigMap/shop/files @ /spec/template/spec/volumes/0 (karmada)",
                "volumes.projected.sources.configMap core/ConfigMap/shop/projected @ /spec/template/spec/volumes/1/projected/sources/0 (karmada)",
            ]
        );
    }

    #[test]
    fn secrets_from_pull_secrets_volumes_plugins_and_env() {
        let pod = json!({
            "imagePullSecrets": [{"name": "registry"}, {"name": ""}],
            "containers": [{"name": "app",
                "envFrom": [{"secretRef": {"name": "env", "optional": true}}],
                "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}],
            "volumes": [
                {"name": "a", "secret": {"secretName": "files"}},
                {"name": "b", "projected": {"sources": [{"secret": {"name": "projected"}}, {"serviceAccountToken": {"path": "t"}}]}},
                {"name": "c", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "csi"}}},
                {"name": "d", "cephfs": {"monitors": [], "secretRef": {"name": "ceph"}}},
                {"name": "e", "cinder": {"volumeID": "v", "secretRef": {"name": "cinder"}}},
                {"name": "f", "flexVolume": {"driver": "d", "secretRef": {"name": "flex"}}},
                {"name": "g", "rbd": {"image": "i", "secretRef": {"name": "rbd"}}},
                {"name": "h", "scaleIO": {"system": "s", "secretRef": {"name": "scaleio"}}},
                {"name": "i", "iscsi": {"iqn": "q", "secretRef": {"name": "iscsi"}}},
                {"name": "j", "storageos": {"volumeName": "v", "secretRef": {"name": "storageos"}}},
                {"name": "k", "azureFile": {"shareName": "s", "secretName": "azure"}}
            ]
        });
        let base = "/spec/template/spec";
        let expected: Vec<String> = [
            ("imagePullSecrets", "registry", "imagePullSecrets/0"),
            ("envFrom.secretRef", "env", "containers/0/envFrom/0"),
            ("env.valueFrom.secretKeyRef", "db", "containers/0/env/0"),
            ("volumes.secret", "files", "volumes/0"),
            (
                "volumes.projected.sources.secret",
                "projected",
                "volumes/1/projected/sources/0",
            ),
            ("volumes.csi.nodePublishSecretRef", "csi", "volumes/2/csi"),
            ("volumes.cephfs.secretRef", "ceph", "volumes/3/cephfs"),
            ("volumes.cinder.secretRef", "cinder", "volumes/4/cinder"),
            (
                "volumes.flexVolume.secretRef",
                "flex",
                "volumes/5/flexVolume",
            ),
            ("volumes.rbd.secretRef", "rbd", "volumes/6/rbd"),
            ("volumes.scaleIO.secretRef", "scaleio", "volumes/7/scaleIO"),
            ("volumes.iscsi.secretRef", "iscsi", "volumes/8/iscsi"),
            (
                "volumes.storageos.secretRef",
                "storageos",
                "volumes/9/storageos",
            ),
            (
                "volumes.azureFile.secretName",
                "azure",
                "volumes/10/azureFile",
            ),
        ]
        .iter()
        .map(|(field, name, pointer)| {
            format!("{field} core/Secret/shop/{name} @ {base}/{pointer} (karmada)")
        })
        .collect();
        assert_eq!(found(WEB, &deployment(&pod)), expected);
    }

    #[test]
    fn service_accounts_other_than_default() {
        let named = json!({"serviceAccountName": "builder"});
        assert_eq!(
            found(WEB, &deployment(&named)),
            [
                "serviceAccountName core/ServiceAccount/shop/builder @ /spec/template/spec/serviceAccountName (karmada)"
            ]
        );
        for own in [
            json!({"serviceAccountName": "default"}),
            json!({"serviceAccountName": ""}),
        ] {
            assert!(found(WEB, &deployment(&own)).is_empty());
        }
    }

    #[test]
    fn claims_except_a_stateful_sets_own_claim_templates() {
        let manifest = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop"},
        "spec": {
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
            "template": {"spec": {"volumes": [
                {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
                {"name": "shared", "persistentVolumeClaim": {"claimName": "shared"}}
            ]}}}});
        assert_eq!(
            found("apps/StatefulSet/shop/db", &manifest),
            [
                "volumes.persistentVolumeClaim core/PersistentVolumeClaim/shop/shared @ /spec/template/spec/volumes/1 (karmada)"
            ]
        );
        // A Deployment has no claim templates: the same claim counts.
        let pod =
            json!({"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]});
        assert_eq!(found(WEB, &deployment(&pod)).len(), 1);
    }

    #[test]
    fn every_pod_bearing_kind_and_where_its_pod_spec_is() {
        let pod = json!({"serviceAccountName": "runner"});
        let cases = [
            ("core/Pod/shop/p", json!({"spec": pod}), "/spec", true),
            (
                "core/ReplicationController/shop/r",
                json!({"spec": {"template": {"spec": pod}}}),
                "/spec/template/spec",
                false,
            ),
            (
                "apps/ReplicaSet/shop/r",
                json!({"spec": {"template": {"spec": pod}}}),
                "/spec/template/spec",
                false,
            ),
            (
                "apps/DaemonSet/shop/d",
                json!({"spec": {"template": {"spec": pod}}}),
                "/spec/template/spec",
                true,
            ),
            (
                "batch/Job/shop/j",
                json!({"spec": {"template": {"spec": pod}}}),
                "/spec/template/spec",
                true,
            ),
            (
                "batch/CronJob/shop/c",
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod}}}}}),
                "/spec/jobTemplate/spec/template/spec",
                true,
            ),
        ];
        for (object_text, manifest, base, karmada) in cases {
            let found = references(
                &object(object_text),
                &manifest,
                &CustomResourceDefinitions::default(),
            );
            let account = found
                .iter()
                .find(|reference| reference.relation == Relation::ServiceAccount)
                .unwrap_or_else(|| panic!("{object_text}: {found:?}"));
            assert_eq!(account.pointer, format!("{base}/serviceAccountName"));
            assert_eq!(
                account.target.to_string(),
                "core/ServiceAccount/shop/runner"
            );
            assert_eq!(account.karmada_dependency, karmada, "{object_text}");
        }
        // Other kinds have no pod spec, whatever their fields say.
        let service = json!({"spec": {"template": {"spec": pod}}});
        assert!(found("core/Service/shop/s", &service).is_empty());
    }

    #[test]
    fn ingress_tls_secrets() {
        let manifest =
            json!({"spec": {"tls": [{"hosts": ["a"], "secretName": "cert"}, {"hosts": ["b"]}]}});
        assert_eq!(
            found("networking.k8s.io/Ingress/shop/web", &manifest),
            ["tls.secretName core/Secret/shop/cert @ /spec/tls/0 (karmada)"]
        );
    }

    #[test]
    fn service_imports_name_their_derived_service() {
        assert_eq!(
            found("multicluster.x-k8s.io/ServiceImport/shop/web", &json!({})),
            ["derived service core/Service/shop/derived-web @ /metadata/name (karmada)"]
        );
    }

    #[test]
    fn role_bindings_name_their_role() {
        let role = json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"}});
        assert_eq!(
            found("rbac.authorization.k8s.io/RoleBinding/shop/read", &role),
            ["roleRef rbac.authorization.k8s.io/Role/shop/reader @ /roleRef"]
        );
        let cluster_role = json!({"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}});
        assert_eq!(
            found(
                "rbac.authorization.k8s.io/RoleBinding/shop/view",
                &cluster_role
            ),
            ["roleRef rbac.authorization.k8s.io/ClusterRole/_/view @ /roleRef"]
        );
        assert_eq!(
            found(
                "rbac.authorization.k8s.io/ClusterRoleBinding/_/view",
                &cluster_role
            ),
            ["roleRef rbac.authorization.k8s.io/ClusterRole/_/view @ /roleRef"]
        );
        // A cluster-wide binding cannot name a namespaced Role.
        assert!(found("rbac.authorization.k8s.io/ClusterRoleBinding/_/x", &role).is_empty());
    }

    #[test]
    fn namespaced_objects_name_their_namespace() {
        let all = references(
            &object("core/ConfigMap/shop/c"),
            &json!({}),
            &CustomResourceDefinitions::default(),
        );
        assert_eq!(
            all,
            [Reference {
                target: object("core/Namespace/_/shop"),
                relation: Relation::Namespace,
                pointer: "/metadata/namespace".to_owned(),
                karmada_dependency: false,
            }]
        );
        let cluster_scoped = references(
            &object("core/Namespace/_/shop"),
            &json!({}),
            &CustomResourceDefinitions::default(),
        );
        assert!(cluster_scoped.is_empty());
    }

    #[test]
    fn custom_resources_name_the_workspace_crd_of_their_kind() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"},
                     "versions": [{"name": "v1", "served": true, "storage": true}]}});
        let crds = CustomResourceDefinitions::from_manifests([&crd]);
        assert_eq!(
            found_with("example.com/Widget/shop/w", &json!({}), &crds),
            [
                "custom resource definition apiextensions.k8s.io/CustomResourceDefinition/_/widgets.example.com @ /kind"
            ]
        );
        // Same kind, other group: not served by that CRD.
        assert!(found_with("other.io/Widget/shop/w", &json!({}), &crds).is_empty());
    }

    #[test]
    fn karmada_dependencies_are_the_pod_references_without_repeats() {
        let pod = json!({
            "containers": [{"name": "a", "envFrom": [{"configMapRef": {"name": "env"}}]},
                           {"name": "b", "envFrom": [{"configMapRef": {"name": "env"}}]}]
        });
        let dependencies: Vec<String> = karmada_dependencies(
            &object(WEB),
            &deployment(&pod),
            &CustomResourceDefinitions::default(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        // The Namespace is a reference but not a dependency.
        assert_eq!(dependencies, ["core/ConfigMap/shop/env"]);
    }
}
