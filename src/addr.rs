//! Addresses: how mcctl names an object, a cluster and an object on a cluster.
//!
//! Each address has exactly one string form, used in output, state keys, errors and on the
//! command line: `apps/Deployment/default/web`, `core/Namespace/_/shop`,
//! `apps/Deployment/default/web@eu-1`. Addresses are immutable values.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The identity of a Kubernetes object: group, kind, namespace and name (not the version).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// API group, empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Object name.
    pub name: String,
}

impl ObjectRef {
    /// An object reference from an `apiVersion`, kind, namespace and name.
    #[must_use]
    pub fn new(
        api_version: &str,
        kind: impl Into<String>,
        namespace: Option<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            group: group_of(api_version).to_owned(),
            kind: kind.into(),
            namespace,
            name: name.into(),
        }
    }

    /// The group as written in the string form (`core` for the core group).
    #[must_use]
    pub fn group_or_core(&self) -> &str {
        if self.group.is_empty() {
            "core"
        } else {
            &self.group
        }
    }

    fn sort_key(&self) -> (&str, &str, &str, &str) {
        (
            self.group_or_core(),
            &self.kind,
            self.namespace.as_deref().unwrap_or("_"),
            &self.name,
        )
    }

    /// This object on a cluster.
    #[must_use]
    pub fn on(&self, cluster: &ClusterName) -> InstanceAddr {
        InstanceAddr {
            object: self.clone(),
            cluster: cluster.clone(),
        }
    }
}

/// The group part of an `apiVersion` (`apps/v1` → `apps`; empty for `v1`).
#[must_use]
pub fn group_of(api_version: &str) -> &str {
    api_version
        .rsplit_once('/')
        .map_or("", |(group, _version)| group)
}

impl Ord for ObjectRef {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for ObjectRef {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.group_or_core(),
            self.kind,
            self.namespace.as_deref().unwrap_or("_"),
            self.name
        )
    }
}

/// Why a string is not an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not {expected}")]
pub struct ParseAddrError {
    input: String,
    expected: &'static str,
}

impl FromStr for ObjectRef {
    type Err = ParseAddrError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || ParseAddrError {
            input: input.to_owned(),
            expected: "an object address `<group or core>/<Kind>/<namespace or _>/<name>`",
        };
        let parts: Vec<&str> = input.trim().split('/').collect();
        let [group, kind, namespace, name] = parts.as_slice() else {
            return Err(error());
        };
        if [group, kind, namespace, name]
            .iter()
            .any(|part| part.is_empty())
        {
            return Err(error());
        }
        Ok(Self {
            group: if *group == "core" {
                String::new()
            } else {
                (*group).to_owned()
            },
            kind: (*kind).to_owned(),
            namespace: (*namespace != "_").then(|| (*namespace).to_owned()),
            name: (*name).to_owned(),
        })
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The name of a member cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClusterName(String);

impl ClusterName {
    /// Wraps a name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClusterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours width and alignment, for tables.
        f.pad(&self.0)
    }
}

impl Borrow<str> for ClusterName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ClusterName {
    fn from(name: &str) -> Self {
        Self(name.to_owned())
    }
}

/// An object on one cluster: `apps/Deployment/default/web@eu-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceAddr {
    /// The object.
    pub object: ObjectRef,
    /// The cluster it is on.
    pub cluster: ClusterName,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.object, self.cluster)
    }
}

impl FromStr for InstanceAddr {
    type Err = ParseAddrError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let (object, cluster) = input.rsplit_once('@').ok_or_else(|| ParseAddrError {
            input: input.to_owned(),
            expected: "an instance address `<object address>@<cluster>`",
        })?;
        Ok(Self {
            object: object.parse()?,
            cluster: ClusterName::new(cluster),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ref_round_trips_through_its_string_form() {
        for text in ["apps/Deployment/default/web", "core/Namespace/_/shop"] {
            let object: ObjectRef = text.parse().unwrap();
            assert_eq!(object.to_string(), text);
        }
        let namespace: ObjectRef = "core/Namespace/_/shop".parse().unwrap();
        assert_eq!(namespace.group, "");
        assert_eq!(namespace.namespace, None);
    }

    #[test]
    fn object_ref_rejects_malformed_strings() {
        for text in ["", "apps/Deployment/web", "apps//default/web", "a/b/c/d/e"] {
            assert!(text.parse::<ObjectRef>().is_err(), "{text}");
        }
    }

    #[test]
    fn ordering_follows_the_string_form() {
        let mut objects: Vec<ObjectRef> = ["core/Service/default/a", "apps/Deployment/default/b"]
            .iter()
            .map(|text| text.parse().unwrap())
            .collect();
        objects.sort();
        assert_eq!(objects[0].kind, "Deployment");
    }

    #[test]
    fn instance_addr_round_trips() {
        let addr: InstanceAddr = "apps/Deployment/default/web@eu-1".parse().unwrap();
        assert_eq!(addr.cluster.as_str(), "eu-1");
        assert_eq!(addr.to_string(), "apps/Deployment/default/web@eu-1");
    }

    #[test]
    fn group_of_splits_api_versions() {
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("policy.karmada.io/v1alpha1"), "policy.karmada.io");
    }
}
