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

/// Why an `apiVersion` is not valid: `version` or `group/version`, the group a DNS subdomain
/// other than `core`.
pub fn check_api_version(api_version: &str) -> Result<(), String> {
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (Some(group), version),
        None => (None, api_version),
    };
    if let Some(group) = group {
        if group == "core" {
            return Err(
                "the core group is written without a group: `v1`, not `core/v1`".to_owned(),
            );
        }
        if !is_dns_subdomain(group) {
            return Err(format!(
                "`{group}` is not a valid API group (a DNS subdomain such as `apps` or `example.com`)"
            ));
        }
    }
    let version_ok = !version.is_empty()
        && version.len() <= 63
        && version.starts_with(|c: char| c.is_ascii_lowercase())
        && version
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if version_ok {
        Ok(())
    } else {
        Err(format!(
            "`{version}` is not a valid API version (such as `v1` or `v1beta1`)"
        ))
    }
}

/// Why a kind is not valid: letters and digits, starting with a letter.
pub fn check_kind(kind: &str) -> Result<(), String> {
    if kind.len() <= 63
        && kind.starts_with(|c: char| c.is_ascii_alphabetic())
        && kind.chars().all(|c| c.is_ascii_alphanumeric())
    {
        Ok(())
    } else {
        Err(format!(
            "`{kind}` is not a valid kind (letters and digits, such as `Deployment`)"
        ))
    }
}

/// Why an object name is not valid. Kubernetes accepts a path segment for some kinds (RBAC
/// names may hold `:`), so this allows what any kind may hold and nothing that could escape a
/// file name: no `/`, `%`, control characters, `.` or `..`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err("a name has 1 to 253 characters".to_owned());
    }
    if name == "."
        || name == ".."
        || name.contains(['/', '%', '\\'])
        || name.chars().any(char::is_control)
    {
        return Err(format!(
            "`{name}` is not a valid object name (no `/`, `%`, and not `.` or `..`)"
        ));
    }
    Ok(())
}

/// Why a namespace is not valid: a DNS label.
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    if is_dns_label(namespace) {
        Ok(())
    } else {
        Err(format!(
            "`{namespace}` is not a valid namespace (up to 63 lowercase letters, digits or `-`)"
        ))
    }
}

/// A DNS-1123 label: lowercase letters, digits and `-`, at most 63, not starting or ending with `-`.
#[must_use]
pub fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A DNS-1123 subdomain: dot-separated DNS labels, at most 253 characters.
#[must_use]
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
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
            || check_kind(kind).is_err()
            || check_name(name).is_err()
            || (*namespace != "_" && check_namespace(namespace).is_err())
            || (*group != "core" && !is_dns_subdomain(group))
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
        // Cluster names become file names (state shards, locks, output folders): only what the
        // config accepts for a cluster, a DNS label, may reach them.
        if !is_dns_label(cluster) {
            return Err(ParseAddrError {
                input: input.to_owned(),
                expected: "a cluster name after `@` (up to 63 lowercase letters, digits or `-`)",
            });
        }
        Ok(Self {
            object: object.parse()?,
            cluster: ClusterName::new(cluster),
        })
    }
}

/// Whether a short form names `object`: `name`, `Kind/name` or `Kind/namespace/name` (`_` for
/// no namespace); kinds compare case-insensitively.
#[must_use]
pub fn matches_short(object: &ObjectRef, query: &str) -> bool {
    let kind = |kind: &str| object.kind.eq_ignore_ascii_case(kind);
    match query.trim().split('/').collect::<Vec<_>>().as_slice() {
        [name] => object.name == *name,
        [kind_part, name] => kind(kind_part) && object.name == *name,
        [kind_part, namespace, name] => {
            kind(kind_part)
                && object.namespace.as_deref().unwrap_or("_") == *namespace
                && object.name == *name
        }
        _ => false,
    }
}

/// Finds the object a user means among `known`: a full address (`apps/Deployment/default/web`),
/// or a shorter form — `Kind/namespace/name`, `Kind/name` or `name` — that names exactly one.
/// Kinds compare case-insensitively.
///
/// # Errors
/// A message naming the candidates when the query is ambiguous, or the closest address when
/// nothing matches.
pub fn resolve<'a>(
    query: &str,
    known: impl IntoIterator<Item = &'a ObjectRef>,
) -> Result<ObjectRef, String> {
    let known: Vec<&ObjectRef> = known.into_iter().collect();
    if let Ok(exact) = query.parse::<ObjectRef>() {
        return known
            .iter()
            .find(|object| **object == &exact)
            .map(|object| (*object).clone())
            .ok_or_else(|| format!("no template `{exact}` in the workspace"));
    }
    let found: Vec<&&ObjectRef> = known
        .iter()
        .filter(|object| matches_short(object, query))
        .collect();
    match found.as_slice() {
        [one] => Ok((**one).clone()),
        [] => {
            let closest = known
                .iter()
                .map(ToString::to_string)
                .min_by_key(|address| strsim::levenshtein(address, query));
            Err(match closest {
                Some(closest) => {
                    format!("no template matches `{query}`; did you mean `{closest}`?")
                }
                None => format!("no template matches `{query}`: the workspace has none"),
            })
        }
        many => Err(format!(
            "`{query}` matches {} templates: {}; give the full address",
            many.len(),
            many.iter()
                .map(|object| format!("`{object}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
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
    fn identities_are_checked() {
        assert!(check_api_version("apps/v1").is_ok());
        assert!(check_api_version("v1").is_ok());
        assert!(check_api_version("example.com/v1beta1").is_ok());
        for bad in ["core/v1", "a/b/v1", "apps/", "V1", "Apps/v1"] {
            assert!(check_api_version(bad).is_err(), "{bad}");
        }
        assert!(check_name("system:controller:web").is_ok());
        for bad in ["", ".", "..", "a/b", "../../x", "a%2f"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_namespace("_").is_err());
        assert!(check_kind("Deployment").is_ok());
        assert!(check_kind("Deploy-ment").is_err());
        assert!("core/ConfigMap/default/..".parse::<ObjectRef>().is_err());
    }

    #[test]
    fn instance_addr_round_trips() {
        let addr: InstanceAddr = "apps/Deployment/default/web@eu-1".parse().unwrap();
        assert_eq!(addr.cluster.as_str(), "eu-1");
        assert_eq!(addr.to_string(), "apps/Deployment/default/web@eu-1");
    }

    /// Cluster names become file names: nothing that could leave the state folder parses.
    #[test]
    fn instance_addrs_refuse_cluster_names_that_are_paths() {
        for cluster in ["../../evil", "/tmp/x", "EU 1", "..", "", "a/b"] {
            let text = format!("apps/Deployment/default/web@{cluster}");
            assert!(text.parse::<InstanceAddr>().is_err(), "{text}");
        }
    }

    #[test]
    fn group_of_splits_api_versions() {
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
        assert_eq!(group_of("policy.karmada.io/v1alpha1"), "policy.karmada.io");
    }

    #[test]
    fn short_addresses_resolve_when_unique() {
        let known: Vec<ObjectRef> = [
            "apps/Deployment/default/web",
            "core/Service/default/web",
            "core/ConfigMap/shop/web-config",
        ]
        .iter()
        .map(|address| address.parse().unwrap())
        .collect();
        let resolve = |query: &str| resolve(query, &known);
        assert_eq!(resolve("deployment/web").unwrap(), known[0]);
        assert_eq!(resolve("Service/default/web").unwrap(), known[1]);
        assert_eq!(resolve("web-config").unwrap(), known[2]);
        assert_eq!(resolve("apps/Deployment/default/web").unwrap(), known[0]);
        assert!(resolve("web").unwrap_err().contains("matches 2 templates"));
        assert!(
            resolve("deployment/wbe")
                .unwrap_err()
                .contains("did you mean `apps/Deployment/default/web`?")
        );
    }
}
