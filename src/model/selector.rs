//! Label selectors and cluster affinities, checked once and matched many times.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::config::karmada;
use crate::diag::{Diagnostic, Span};

/// A set-based selector operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operator {
    /// The value is one of the values.
    In,
    /// The value is none of the values (or the key is absent).
    NotIn,
    /// The key is present.
    Exists,
    /// The key is absent.
    DoesNotExist,
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::In => "In",
            Self::NotIn => "NotIn",
            Self::Exists => "Exists",
            Self::DoesNotExist => "DoesNotExist",
        })
    }
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    /// Label key.
    pub key: String,
    /// Operator.
    pub operator: Operator,
    /// Values for `In` and `NotIn`.
    pub values: BTreeSet<String>,
}

impl Requirement {
    /// Whether a label value (or its absence) satisfies the requirement.
    #[must_use]
    pub fn matches(&self, value: Option<&str>) -> bool {
        match self.operator {
            Operator::In => value.is_some_and(|value| self.values.contains(value)),
            Operator::NotIn => value.is_none_or(|value| !self.values.contains(value)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

/// A `metav1.LabelSelector` with `matchLabels` folded into `In` requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LabelSelector {
    /// All must hold; none selects everything.
    pub requirements: Vec<Requirement>,
}

/// Finds the span of a part of a selector from its JSON pointer relative to the selector
/// (`""` for the selector itself, `/matchExpressions/0/operator` for a part).
pub type Locate<'a> = &'a dyn Fn(&str) -> Span;

impl LabelSelector {
    /// Checks and converts a selector; `at` locates its parts for error labels.
    pub fn build(
        selector: &karmada::LabelSelector,
        at: Locate<'_>,
    ) -> Result<Self, Box<Diagnostic>> {
        let mut requirements: Vec<Requirement> = selector
            .match_labels
            .iter()
            .map(|(key, value)| Requirement {
                key: key.clone(),
                operator: Operator::In,
                values: BTreeSet::from([value.clone()]),
            })
            .collect();
        for (key, value) in &selector.match_labels {
            let here = at(&format!(
                "/matchLabels/{}",
                crate::config::source::pointer_segment(key)
            ));
            check_label_key(key, &here)?;
            check_label_value(value, &here)?;
        }
        for (index, expression) in selector.match_expressions.iter().enumerate() {
            let part = |field: &str| at(&format!("/matchExpressions/{index}{field}"));
            check_label_key(&expression.key, &part("/key"))?;
            let operator = parse_operator(&expression.operator, &part("/operator"))?;
            let values: BTreeSet<String> = expression.values.iter().cloned().collect();
            match operator {
                Operator::In | Operator::NotIn if values.is_empty() => {
                    return Err(Box::new(
                        Diagnostic::error(
                            "mcctl::model::selector",
                            format!(
                                "`{operator}` on `{}` needs at least one value",
                                expression.key
                            ),
                        )
                        .with_label(part(""), "this requirement")
                        .with_help("add `values`, or use `Exists`"),
                    ));
                }
                Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                    return Err(Box::new(
                        Diagnostic::error(
                            "mcctl::model::selector",
                            format!("`{operator}` on `{}` takes no values", expression.key),
                        )
                        .with_label(part("/values"), "these values")
                        .with_help("remove `values`, or use `In`"),
                    ));
                }
                _ => {}
            }
            for value in &values {
                check_label_value(value, &part("/values"))?;
            }
            requirements.push(Requirement {
                key: expression.key.clone(),
                operator,
                values,
            });
        }
        Ok(Self { requirements })
    }

    /// Whether a label set matches.
    #[must_use]
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|requirement| {
            requirement.matches(labels.get(&requirement.key).map(String::as_str))
        })
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|requirement| {
                let values: Vec<&str> = requirement.values.iter().map(String::as_str).collect();
                match requirement.operator {
                    Operator::In if values.len() == 1 => {
                        format!("{}={}", requirement.key, values[0])
                    }
                    Operator::In => format!("{} in ({})", requirement.key, values.join(",")),
                    Operator::NotIn => format!("{} notin ({})", requirement.key, values.join(",")),
                    Operator::Exists => requirement.key.clone(),
                    Operator::DoesNotExist => format!("!{}", requirement.key),
                }
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

fn parse_operator(operator: &str, at: &Span) -> Result<Operator, Box<Diagnostic>> {
    match operator {
        "In" => Ok(Operator::In),
        "NotIn" => Ok(Operator::NotIn),
        "Exists" => Ok(Operator::Exists),
        "DoesNotExist" => Ok(Operator::DoesNotExist),
        other => Err(Box::new(
            Diagnostic::error(
                "mcctl::model::selector",
                format!("unknown selector operator `{other}`"),
            )
            .with_label(at.clone(), "unknown operator")
            .with_help(crate::config::source::one_of(
                other,
                &["In", "NotIn", "Exists", "DoesNotExist"],
            )),
        )),
    }
}

/// Checks a label key: an optional DNS-subdomain prefix and a name of at most 63 characters.
fn check_label_key(key: &str, at: &Span) -> Result<(), Box<Diagnostic>> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|prefix| {
        !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    if prefix_ok && is_label_name(name) && !name.is_empty() {
        return Ok(());
    }
    Err(Box::new(
        Diagnostic::error("mcctl::model::selector", format!("invalid label key `{key}`"))
            .with_label(at.clone(), "invalid key")
            .with_help("a label key is an optional DNS prefix and `/`, then up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
    ))
}

fn check_label_value(value: &str, at: &Span) -> Result<(), Box<Diagnostic>> {
    if value.is_empty() || is_label_name(value) {
        return Ok(());
    }
    Err(Box::new(
        Diagnostic::error("mcctl::model::selector", format!("invalid label value `{value}`"))
            .with_label(at.clone(), "invalid value")
            .with_help("a label value is up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
    ))
}

fn is_label_name(name: &str) -> bool {
    name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_none_or(|c| c.is_ascii_alphanumeric())
}

/// A cluster field a field selector can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClusterField {
    /// `spec.provider`.
    Provider,
    /// `spec.region`.
    Region,
    /// `spec.zones`.
    Zone,
}

/// One requirement of a cluster field selector (`In` or `NotIn` only, as Karmada validates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRequirement {
    /// Field.
    pub field: ClusterField,
    /// `In` or `NotIn`.
    pub operator: Operator,
    /// Values.
    pub values: BTreeSet<String>,
}

/// The fields of a cluster that affinities look at.
#[derive(Debug, Clone, Copy)]
pub struct ClusterFacts<'a> {
    /// Name.
    pub name: &'a str,
    /// Labels.
    pub labels: &'a BTreeMap<String, String>,
    /// Provider.
    pub provider: Option<&'a str>,
    /// Region.
    pub region: Option<&'a str>,
    /// Zones.
    pub zones: &'a [String],
}

/// A `ClusterAffinity`: which clusters a placement or override rule targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterAffinity {
    /// Over cluster labels.
    pub label_selector: Option<LabelSelector>,
    /// Over provider, region and zones.
    pub field_selector: Vec<FieldRequirement>,
    /// Allowed names (empty allows all).
    pub cluster_names: Vec<String>,
    /// Excluded names.
    pub exclude: Vec<String>,
}

impl ClusterAffinity {
    /// Checks and converts an affinity; `at` locates its parts for error labels.
    pub fn build(
        affinity: &karmada::ClusterAffinity,
        at: Locate<'_>,
    ) -> Result<Self, Box<Diagnostic>> {
        let label_selector = affinity
            .label_selector
            .as_ref()
            .map(|selector| {
                LabelSelector::build(selector, &|rest| at(&format!("/labelSelector{rest}")))
            })
            .transpose()?;
        let mut field_selector = Vec::new();
        for (index, expression) in affinity
            .field_selector
            .iter()
            .flat_map(|selector| &selector.match_expressions)
            .enumerate()
        {
            let part = |field: &str| at(&format!("/fieldSelector/matchExpressions/{index}{field}"));
            let field = match expression.key.as_str() {
                "provider" => ClusterField::Provider,
                "region" => ClusterField::Region,
                "zone" => ClusterField::Zone,
                other => {
                    return Err(Box::new(
                        Diagnostic::error(
                            "mcctl::model::field_selector",
                            format!("field selector key `{other}` is not supported"),
                        )
                        .with_label(part("/key"), "not a cluster field")
                        .with_help("use `provider`, `region` or `zone` (cluster labels go in `labelSelector`)"),
                    ));
                }
            };
            let operator = match expression.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                other => {
                    return Err(Box::new(
                        Diagnostic::error(
                            "mcctl::model::field_selector",
                            format!("field selector operator `{other}` is not supported"),
                        )
                        .with_label(part("/operator"), "not allowed here")
                        .with_help("a field selector takes `In` or `NotIn`"),
                    ));
                }
            };
            if expression.values.is_empty() {
                return Err(Box::new(
                    Diagnostic::error(
                        "mcctl::model::field_selector",
                        format!(
                            "`{}` on `{}` needs at least one value",
                            expression.operator, expression.key
                        ),
                    )
                    .with_label(part(""), "this requirement")
                    .with_help("add `values`; Karmada matches nothing with an empty list"),
                ));
            }
            field_selector.push(FieldRequirement {
                field,
                operator,
                values: expression.values.iter().cloned().collect(),
            });
        }
        Ok(Self {
            label_selector,
            field_selector,
            cluster_names: affinity.cluster_names.clone(),
            exclude: affinity.exclude.clone(),
        })
    }

    /// Why the cluster does not match, or `None` when it does (Karmada's `ClusterMatches`).
    #[must_use]
    pub fn mismatch(&self, cluster: &ClusterFacts<'_>) -> Option<String> {
        if self.exclude.iter().any(|name| name == cluster.name) {
            return Some("excluded by name".to_owned());
        }
        if let Some(selector) = &self.label_selector
            && !selector.matches(cluster.labels)
        {
            return Some(format!("labels do not match `{selector}`"));
        }
        for requirement in &self.field_selector {
            if !field_matches(requirement, cluster) {
                let values: Vec<&str> = requirement.values.iter().map(String::as_str).collect();
                let (field, actual) = match requirement.field {
                    ClusterField::Provider => {
                        ("provider", cluster.provider.unwrap_or("").to_owned())
                    }
                    ClusterField::Region => ("region", cluster.region.unwrap_or("").to_owned()),
                    ClusterField::Zone => ("zones", cluster.zones.join(", ")),
                };
                let actual = if actual.is_empty() {
                    "unset".to_owned()
                } else {
                    format!("`{actual}`")
                };
                return Some(match requirement.operator {
                    Operator::In => {
                        format!("{field} {actual} is not one of [{}]", values.join(", "))
                    }
                    _ => format!("{field} {actual} is excluded by [{}]", values.join(", ")),
                });
            }
        }
        if !self.cluster_names.is_empty()
            && !self.cluster_names.iter().any(|name| name == cluster.name)
        {
            return Some("not in clusterNames".to_owned());
        }
        None
    }

    /// Whether the cluster matches: [`Self::mismatch`] without building the reason, as the
    /// scheduler asks this for every (template, cluster) pair.
    #[must_use]
    pub fn matches(&self, cluster: &ClusterFacts<'_>) -> bool {
        !self.exclude.iter().any(|name| name == cluster.name)
            && self
                .label_selector
                .as_ref()
                .is_none_or(|selector| selector.matches(cluster.labels))
            && self
                .field_selector
                .iter()
                .all(|requirement| field_matches(requirement, cluster))
            && (self.cluster_names.is_empty()
                || self.cluster_names.iter().any(|name| name == cluster.name))
    }
}

fn field_matches(requirement: &FieldRequirement, cluster: &ClusterFacts<'_>) -> bool {
    match requirement.field {
        // Zones are a list: In means any overlap, NotIn means no overlap (KARMADA.md §1.1).
        ClusterField::Zone => {
            let overlap = cluster
                .zones
                .iter()
                .any(|zone| requirement.values.contains(zone));
            match requirement.operator {
                Operator::In => overlap,
                _ => !overlap,
            }
        }
        // Provider and region become a label selector over the fields that are set.
        ClusterField::Provider | ClusterField::Region => {
            let value = if requirement.field == ClusterField::Provider {
                cluster.provider
            } else {
                cluster.region
            };
            let value = value.filter(|value| !value.is_empty());
            let listed = value.is_some_and(|value| requirement.values.contains(value));
            match requirement.operator {
                Operator::In => listed,
                _ => !listed,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn span() -> Span {
        let mut sources = Sources::default();
        Span::new(sources.add("t".into(), String::new()), 0..0)
    }

    fn selector(yaml: &str) -> Result<LabelSelector, Box<Diagnostic>> {
        let raw: karmada::LabelSelector = serde_saphyr::from_str(yaml).unwrap();
        LabelSelector::build(&raw, &|_| span())
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let selector = selector(
            "matchLabels: {env: prod}\nmatchExpressions:\n- {key: tier, operator: NotIn, values: [canary]}\n",
        )
        .unwrap();
        assert!(selector.matches(&labels(&[("env", "prod")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("tier", "canary")])));
        assert!(!selector.matches(&labels(&[("env", "dev")])));
        assert_eq!(selector.to_string(), "env=prod,tier notin (canary)");
    }

    #[test]
    fn bad_selectors_are_rejected() {
        for yaml in [
            "matchExpressions: [{key: a, operator: Has}]",
            "matchExpressions: [{key: a, operator: In}]",
            "matchExpressions: [{key: a, operator: Exists, values: [x]}]",
            "matchLabels: {'bad key!': x}",
            "matchLabels: {a: 'not ok'}",
        ] {
            assert!(selector(yaml).is_err(), "{yaml}");
        }
    }

    fn facts<'a>(
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
        region: Option<&'a str>,
        zones: &'a [String],
    ) -> ClusterFacts<'a> {
        ClusterFacts {
            name,
            labels,
            provider: None,
            region,
            zones,
        }
    }

    fn affinity(yaml: &str) -> ClusterAffinity {
        let raw: karmada::ClusterAffinity = serde_saphyr::from_str(yaml).unwrap();
        ClusterAffinity::build(&raw, &|_| span()).unwrap()
    }

    #[test]
    fn exclude_beats_cluster_names() {
        let affinity = affinity("clusterNames: [a]\nexclude: [a]\n");
        let labels = BTreeMap::new();
        assert_eq!(
            affinity
                .mismatch(&facts("a", &labels, None, &[]))
                .as_deref(),
            Some("excluded by name")
        );
    }

    #[test]
    fn region_not_in_matches_clusters_without_a_region() {
        let affinity = affinity(
            "fieldSelector:\n  matchExpressions: [{key: region, operator: NotIn, values: [eu]}]\n",
        );
        let labels = BTreeMap::new();
        assert!(affinity.matches(&facts("a", &labels, None, &[])));
        assert!(!affinity.matches(&facts("a", &labels, Some("eu"), &[])));
    }

    #[test]
    fn zone_in_needs_an_overlap() {
        let affinity = affinity(
            "fieldSelector:\n  matchExpressions: [{key: zone, operator: In, values: [z1]}]\n",
        );
        let labels = BTreeMap::new();
        let zones = ["z0".to_owned(), "z1".to_owned()];
        assert!(affinity.matches(&facts("a", &labels, None, &zones)));
        assert!(!affinity.matches(&facts("a", &labels, None, &[])));
    }

    #[test]
    fn unsupported_field_keys_are_rejected() {
        let raw: karmada::ClusterAffinity = serde_saphyr::from_str(
            "fieldSelector:\n  matchExpressions: [{key: env, operator: In, values: [x]}]\n",
        )
        .unwrap();
        assert!(ClusterAffinity::build(&raw, &|_| span()).is_err());
    }
}

/// Parses the string form of a label selector: `env=prod,tier!=canary,region in (a,b),gpu,!spot`.
pub fn parse_label_selector(text: &str) -> Result<LabelSelector, String> {
    let mut requirements = Vec::new();
    for part in split_top_level(text) {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!("empty requirement in `{text}`"));
        }
        let requirement = if let Some(key) = part.strip_prefix('!') {
            Requirement {
                key: key.trim().to_owned(),
                operator: Operator::DoesNotExist,
                values: BTreeSet::new(),
            }
        } else if let Some((key, values)) = split_set(part, " notin ") {
            Requirement {
                key,
                operator: Operator::NotIn,
                values,
            }
        } else if let Some((key, values)) = split_set(part, " in ") {
            Requirement {
                key,
                operator: Operator::In,
                values,
            }
        } else if let Some((key, value)) = part.split_once("!=") {
            Requirement {
                key: key.trim().to_owned(),
                operator: Operator::NotIn,
                values: BTreeSet::from([value.trim().to_owned()]),
            }
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement {
                key: key.trim().to_owned(),
                operator: Operator::In,
                values: BTreeSet::from([value.trim().to_owned()]),
            }
        } else {
            Requirement {
                key: part.to_owned(),
                operator: Operator::Exists,
                values: BTreeSet::new(),
            }
        };
        if requirement.key.is_empty() || !is_label_key(&requirement.key) {
            return Err(format!(
                "invalid label key `{}` in `{text}`",
                requirement.key
            ));
        }
        requirements.push(requirement);
    }
    Ok(LabelSelector { requirements })
}

fn is_label_key(key: &str) -> bool {
    let mut sources = crate::diag::Sources::default();
    let span = Span::new(sources.add(std::path::PathBuf::new(), String::new()), 0..0);
    check_label_key(key, &span).is_ok()
}

pub(crate) fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0_i32;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn split_set(part: &str, keyword: &str) -> Option<(String, BTreeSet<String>)> {
    let (key, rest) = part.split_once(keyword)?;
    let rest = rest.trim();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let values = inner
        .split(',')
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .collect();
    Some((key.trim().to_owned(), values))
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    #[test]
    fn parses_the_kubectl_selector_syntax() {
        let selector =
            parse_label_selector("env=prod,tier!=canary,region in (a, b),gpu,!spot").unwrap();
        let operators: Vec<Operator> = selector.requirements.iter().map(|r| r.operator).collect();
        assert_eq!(
            operators,
            [
                Operator::In,
                Operator::NotIn,
                Operator::In,
                Operator::Exists,
                Operator::DoesNotExist
            ]
        );
        assert_eq!(selector.requirements[2].values.len(), 2);
        assert!(parse_label_selector("a=b,,c").is_err());
        assert!(parse_label_selector("bad key=x").is_err());
    }
}
