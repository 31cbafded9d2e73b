//! Upstream Karmada cluster-affinity cases (karmada-io/karmada
//! `pkg/util/selector_test.go@003ed16`), restated as data; rows name the Go test and sub-case.
//!
//! Karmada's webhook admits only field-selector keys `provider`, `region`, `zone` with `In` or
//! `NotIn`, and mcctl checks the same in [`ClusterAffinity::build`]. Upstream cases feeding
//! `ClusterMatches` other keys or operators (expecting "no match") assert that `build` fails.

use std::collections::BTreeMap;

use super::selector::{ClusterAffinity, ClusterFacts};
use crate::config::karmada;
use crate::diag::{Diagnostic, Sources, Span};

fn span() -> Span {
    let mut sources = Sources::default();
    Span::new(
        sources.add("karmada_cases.yaml".into(), String::new()),
        0..0,
    )
}

/// Builds an affinity from its YAML form (`{}` is the empty affinity).
fn build(yaml: &str) -> Result<ClusterAffinity, Box<Diagnostic>> {
    let raw: karmada::ClusterAffinity = serde_saphyr::from_str(yaml).expect("affinity YAML");
    ClusterAffinity::build(&raw, &|_| span())
}

/// Expected matches of one cluster: `(field key, operator, value, match)`.
type FieldChecks<'a> = Vec<(&'a str, &'a str, &'a str, bool)>;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn zones(names: &[&str]) -> Vec<String> {
    names.iter().map(|&zone| zone.to_owned()).collect()
}

/// `TestClusterMatches`: cluster `cluster1`, labels `foo: bar`, zones zone1..zone3, region
/// `region1`, provider `provider1`.
#[test]
fn cluster_matches_follows_karmadas_cluster_matches() {
    let cluster_labels = labels(&[("foo", "bar")]);
    let cluster_zones = zones(&["zone1", "zone2", "zone3"]);
    let cluster = ClusterFacts {
        name: "cluster1",
        labels: &cluster_labels,
        provider: Some("provider1"),
        region: Some("region1"),
        zones: &cluster_zones,
    };
    let zone_in = "{key: zone, operator: In, values: [zone1, zone2, zone3]}";
    let zone_not_in = "{key: zone, operator: NotIn, values: [zone1, zone2, zone3]}";
    let region_in = "{key: region, operator: In, values: [region1]}";
    let region_not_in = "{key: region, operator: NotIn, values: [region1]}";
    let provider_in = "{key: provider, operator: In, values: [provider1]}";
    let provider_not_in = "{key: provider, operator: NotIn, values: [provider1]}";
    let fields = |expressions: &[&str]| {
        format!(
            "fieldSelector: {{matchExpressions: [{}]}}",
            expressions.join(", ")
        )
    };
    let names = "clusterNames: [cluster1]";
    let labels_bar = "labelSelector: {matchLabels: {foo: bar}}";
    let with = |parts: &[&str]| format!("{{{}}}", parts.join(", "));
    #[rustfmt::skip]
    let cases: Vec<(u32, &str, String, bool)> = vec![
        // (row, sub-case, affinity, match)
        (1, "test cluster excluded and names", with(&["exclude: [cluster1]", names]), false),
        (2, "test cluster excluded and label selector", with(&["exclude: [cluster1]", labels_bar]), false),
        (3, "test cluster excluded and field selector", with(&["exclude: [cluster1]", &fields(&[zone_in])]), false),
        (4, "test cluster names", with(&[names]), true),
        (5, "test cluster names not matched", with(&["clusterNames: [cluster2]"]), false),
        (6, "test cluster names and label selector", with(&[names, labels_bar]), true),
        (7, "test cluster names and label selector not matched", with(&[names, "labelSelector: {matchLabels: {foo: unmatched}}"]), false),
        (8, "test cluster names and field selector(zone & region)", with(&[names, &fields(&[zone_in, region_in])]), true),
        (9, "test cluster names and field selector(provider)", with(&[names, &fields(&[provider_in])]), true),
        (10, "test cluster names and field selector(region)", with(&[names, &fields(&[region_in])]), true),
        (11, "test cluster names and field selector(zone not in)", with(&[names, &fields(&[zone_not_in])]), false),
        (12, "test cluster names and field selector(provider not in)", with(&[names, &fields(&[provider_not_in])]), false),
        (13, "test cluster names and field selector(region not in)", with(&[names, &fields(&[region_not_in])]), false),
        (14, "test label selector and field selector(zone)", with(&[labels_bar, &fields(&[zone_in])]), true),
        (15, "test label selector and field selector(provider)", with(&[labels_bar, &fields(&[provider_in])]), true),
        (16, "test label selector and field selector(region)", with(&[labels_bar, &fields(&[region_in])]), true),
        (17, "test label selector and field selector(zone not in)", with(&[labels_bar, &fields(&[zone_not_in])]), false),
        (18, "test label selector and field selector(provider) (2nd, NotIn)", with(&[labels_bar, &fields(&[provider_not_in])]), false),
        (19, "test label selector and field selector(region) (2nd, NotIn)", with(&[labels_bar, &fields(&[region_not_in])]), false),
        (20, "test label selector", with(&[labels_bar]), true),
        (21, "test label selector not matched", with(&["labelSelector: {matchLabels: {foo: unmatched}}"]), false),
        (22, "test empty cluster affinity matched", "{}".to_owned(), true),
        (25, "test field selector zone matched", with(&[&fields(&[zone_in])]), true),
        (26, "test field selector zone partially matched", with(&[names, &fields(&[zone_not_in])]), false),
        // Any overlap of the cluster's zones with the values is enough.
        (27, "test field selector zone not matched", with(&[names, &fields(&["{key: zone, operator: In, values: [zone2]}"])]), true),
        (28, "test field selector region matched", with(&[&fields(&[region_in])]), true),
        (29, "test field selector region not matched", with(&[names, &fields(&[region_not_in])]), false),
        (30, "test field selector region not matched (2nd)", with(&[names, &fields(&["{key: region, operator: In, values: [region2]}"])]), false),
        (31, "test field selector provider matched", with(&[&fields(&[provider_in])]), true),
        (32, "test field selector provider not matched", with(&[&fields(&[provider_not_in])]), false),
        (33, "test field selector provider not matched (2nd)", with(&[&fields(&["{key: provider, operator: In, values: [provider2]}"])]), false),
        (35, "test field selector cluster names and label selector", with(&[names, labels_bar, &fields(&[zone_in])]), true),
        (36, "test field selector cluster names and label selector not matched", with(&["clusterNames: [cluster2]", labels_bar, &fields(&[zone_in])]), false),
        (37, "test field selector cluster names and label selector not matched (2nd)", with(&[names, labels_bar, &fields(&[zone_not_in])]), false),
        (38, "test field selector cluster names and label selector not matched (3rd)", with(&[names, "labelSelector: {matchLabels: {foo: Unmatched}}", &fields(&[zone_in])]), false),
    ];
    for (row, name, yaml, expected) in cases {
        let affinity = build(&yaml).unwrap_or_else(|error| panic!("#{row} {name}: {error:?}"));
        assert_eq!(
            affinity.matches(&cluster),
            expected,
            "#{row} {name}: {yaml}"
        );
    }
}

/// `TestClusterMatches` rows where upstream reports "no match" for an affinity Karmada's webhook
/// would not admit: mcctl rejects them when building.
#[test]
fn invalid_affinities_are_rejected_when_built() {
    #[rustfmt::skip]
    let cases = [
        (23, "test label selector error", "{labelSelector: {matchLabels: {'': bar}}}"),
        // Upstream leaves the operator unset; Go's zero value is the empty string.
        (24, "test field selector error", "{fieldSelector: {matchExpressions: [{key: '', operator: ''}]}}"),
        (34, "test field selector other key not matched", "{fieldSelector: {matchExpressions: [{key: metadata.name, operator: In, values: [cluster1]}]}}"),
    ];
    for (row, name, yaml) in cases {
        assert!(build(yaml).is_err(), "#{row} {name}");
    }
}

/// `Test_matchZones`: a zone expression against a cluster's `spec.zones` (`In` = any overlap,
/// `NotIn` = no overlap). `Exists`, `DoesNotExist` and other operators are refused by the webhook,
/// so mcctl rejects them at build time instead of evaluating them (upstream: false, true, false).
#[test]
fn zone_expressions_compare_against_the_list_of_zones() {
    let labels = BTreeMap::new();
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, &str, Vec<&str>, bool)> = vec![
        // (sub-case, operator, values, cluster zones, match)
        ("empty zones for In operator", "In", "[foo]", vec![], false),
        ("overlapping zones for In operator", "In", "[foo]", vec!["foo", "bar"], true),
        ("all zones for In operator", "In", "[foo, bar]", vec!["foo", "bar"], true),
        ("empty zones for NotIn operator", "NotIn", "[foo]", vec![], true),
        ("partial zones for NotIn operator", "NotIn", "[foo]", vec!["foo", "bar"], false),
    ];
    for (name, operator, values, cluster_zones, expected) in cases {
        let affinity = build(&format!("{{fieldSelector: {{matchExpressions: [{{key: zone, operator: {operator}, values: {values}}}]}}}}")).expect(name);
        let cluster_zones = zones(&cluster_zones);
        let cluster = ClusterFacts {
            name: "cluster1",
            labels: &labels,
            provider: None,
            region: None,
            zones: &cluster_zones,
        };
        assert_eq!(affinity.matches(&cluster), expected, "{name}");
    }
    for (name, expression) in [
        (
            "empty zones for Exists operator",
            "{key: zone, operator: Exists}",
        ),
        (
            "empty zones for DoesNotExist operator",
            "{key: zone, operator: DoesNotExist}",
        ),
        ("unknown operator", "{key: zone, operator: Gt}"),
    ] {
        assert!(
            build(&format!(
                "{{fieldSelector: {{matchExpressions: [{expression}]}}}}"
            ))
            .is_err(),
            "{name}"
        );
    }
}

/// `TestClusterNamesMatches`: an empty (or absent) `clusterNames` allows every cluster.
#[test]
fn cluster_names_allow_listed_clusters_or_all_when_empty() {
    let labels = BTreeMap::new();
    #[rustfmt::skip]
    let cases = [
        ("cluster1 in [cluster1, cluster2]", "cluster1", "{clusterNames: [cluster1, cluster2]}", true),
        ("cluster3 in [cluster1, cluster2]", "cluster3", "{clusterNames: [cluster1, cluster2]}", false),
        ("empty list", "cluster1", "{clusterNames: []}", true),
        ("nil list", "cluster1", "{}", true),
    ];
    for (name, cluster, yaml, expected) in cases {
        let facts = ClusterFacts {
            name: cluster,
            labels: &labels,
            provider: None,
            region: None,
            zones: &[],
        };
        assert_eq!(build(yaml).expect(name).matches(&facts), expected, "{name}");
    }
}

/// `Test_extractClusterFields`: provider and region are compared only when set, so `NotIn`
/// matches a cluster that lacks the field.
#[test]
fn unset_provider_and_region_are_absent_fields() {
    let labels = BTreeMap::new();
    let expression = |key: &str, operator: &str, value: &str| {
        build(&format!("{{fieldSelector: {{matchExpressions: [{{key: {key}, operator: {operator}, values: [{value}]}}]}}}}")).expect("a valid field expression")
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&str>, Option<&str>, FieldChecks)> = vec![
        // (sub-case, provider, region, [(key, operator, value, match)])
        ("empty cluster", None, None, vec![("provider", "In", "foo", false), ("provider", "NotIn", "foo", true), ("region", "In", "foo", false), ("region", "NotIn", "foo", true)]),
        ("provider foo", Some("foo"), None, vec![("provider", "In", "foo", true), ("region", "NotIn", "foo", true)]),
        ("region foo", None, Some("foo"), vec![("region", "In", "foo", true), ("provider", "NotIn", "foo", true)]),
        ("provider foo, region bar", Some("foo"), Some("bar"), vec![("provider", "In", "foo", true), ("region", "In", "bar", true), ("region", "NotIn", "bar", false)]),
    ];
    for (name, provider, region, checks) in cases {
        let cluster = ClusterFacts {
            name: "cluster1",
            labels: &labels,
            provider,
            region,
            zones: &[],
        };
        for (key, operator, value, expected) in checks {
            assert_eq!(
                expression(key, operator, value).matches(&cluster),
                expected,
                "{name}: {key} {operator} [{value}]"
            );
        }
    }
}
