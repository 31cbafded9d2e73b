//! `--clusters SELECTOR`: the clusters a run is limited to.
//!
//! Takes the selector text and the model's clusters; returns their names. A term without an
//! operator is a cluster name, the others form one label selector (`env=prod,tier!=canary`,
//! `region in (eu-west-1)`). Pure; the caller decides what the subset limits.

use std::collections::{BTreeMap, BTreeSet};

use crate::addr::ClusterName;
use crate::model::Model;
use crate::model::cluster::Cluster;
use crate::model::selector::{parse_label_selector, split_top_level};

/// The clusters `text` selects: the names it lists plus, if it has label requirements, every
/// cluster that meets all of them. `also_known` are names that exist only in the state (clusters
/// no longer declared), which may be named but carry no labels.
pub fn select(
    model: &Model,
    text: &str,
    also_known: &BTreeSet<ClusterName>,
) -> Result<BTreeSet<ClusterName>, String> {
    let mut names = BTreeSet::new();
    let mut requirements = Vec::new();
    for term in split_top_level(text) {
        let term = term.trim();
        if term.is_empty() {
            return Err(format!("empty entry in `{text}`"));
        }
        if is_requirement(term) {
            requirements.push(term);
            continue;
        }
        let name = ClusterName::new(term);
        if model.cluster(term).is_none() && !also_known.contains(&name) {
            let known: Vec<&str> = model
                .clusters
                .iter()
                .map(|cluster| cluster.name.as_str())
                .collect();
            return Err(format!(
                "no cluster named `{term}`; the workspace declares: {}",
                known.join(", ")
            ));
        }
        names.insert(name);
    }
    if !requirements.is_empty() {
        let selector = parse_label_selector(&requirements.join(","))?;
        names.extend(
            model
                .clusters
                .iter()
                .filter(|cluster| selector.matches(&labels_of(cluster)))
                .map(|cluster| cluster.name.clone()),
        );
    }
    if names.is_empty() {
        return Err(format!("`{text}` matches no cluster"));
    }
    Ok(names)
}

/// Whether a term is a label requirement rather than a cluster name. Cluster names are DNS
/// labels, so they never hold these characters or spaces.
fn is_requirement(term: &str) -> bool {
    term.contains(['=', '!', '(', ' '])
}

/// A cluster's labels, plus `provider` and `region` from its declaration when no label of that
/// name exists, so that `region in (eu-west-1)` works as it reads.
fn labels_of(cluster: &Cluster) -> BTreeMap<String, String> {
    let mut labels = cluster.labels.clone();
    for (key, value) in [("provider", &cluster.provider), ("region", &cluster.region)] {
        if let Some(value) = value {
            labels
                .entry(key.to_owned())
                .or_insert_with(|| value.clone());
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::model_from;

    fn fleet() -> Model {
        model_from(&[(
            "main.hcl",
            r#"
cluster "eu-1" {
  region = "eu-west-1"
  labels = { env = "prod", tier = "canary" }
}
cluster "eu-2" {
  region = "eu-west-1"
  labels = { env = "prod" }
}
cluster "us-1" {
  region = "us-east-1"
  labels = { env = "prod" }
}
cluster "dev" {
  labels = { env = "dev" }
}
"#,
        )])
    }

    fn names(selected: &BTreeSet<ClusterName>) -> Vec<&str> {
        selected.iter().map(ClusterName::as_str).collect()
    }

    #[test]
    fn names_and_label_selectors_combine() {
        let model = fleet();
        let none = BTreeSet::new();
        let select = |text| select(&model, text, &none).unwrap();
        assert_eq!(names(&select("eu-1,dev")), ["dev", "eu-1"]);
        assert_eq!(names(&select("env=prod,tier!=canary")), ["eu-2", "us-1"]);
        assert_eq!(names(&select("region in (eu-west-1)")), ["eu-1", "eu-2"]);
        assert_eq!(names(&select("dev,region in (us-east-1)")), ["dev", "us-1"]);
    }

    #[test]
    fn unknown_names_and_empty_matches_are_errors() {
        let model = fleet();
        let none = BTreeSet::new();
        let unknown = select(&model, "eu-9", &none).unwrap_err();
        assert!(unknown.contains("no cluster named `eu-9`"), "{unknown}");
        assert!(unknown.contains("eu-1, eu-2"), "{unknown}");
        let empty = select(&model, "env=staging", &none).unwrap_err();
        assert_eq!(empty, "`env=staging` matches no cluster");
        let removed = BTreeSet::from([ClusterName::new("old")]);
        assert_eq!(names(&select(&model, "old", &removed).unwrap()), ["old"]);
    }
}
