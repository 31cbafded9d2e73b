//! Scheduling a large fleet: 10,000 templates onto 100 clusters, with every strategy Karmada
//! has (static weights, dynamic weights, aggregation, duplication with spread constraints).
//!
//! `cargo bench --bench schedule`. The workspace is generated into a temporary directory and
//! loaded once; only `scheduler::schedule` is measured.

#![expect(
    clippy::unwrap_used,
    reason = "a benchmark fails loudly on a broken fixture"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mcctl::config::variables::VariableInputs;
use mcctl::diag::Diagnostics;
use mcctl::model::Model;
use mcctl::pipeline;
use mcctl::scheduler::{self, Inputs};

const CLUSTERS: usize = 100;
const TEMPLATES: usize = 10_000;
const REGIONS: [&str; 5] = [
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
];

/// 100 clusters in five regions with resource summaries, 10,000 Deployments in 100 apps, and one
/// policy per app cycling through the strategies.
fn workspace() -> String {
    let mut yaml = String::new();
    for index in 0..CLUSTERS {
        let region = REGIONS[index % REGIONS.len()];
        let tier = if index % 10 == 0 { "canary" } else { "main" };
        let _ = write!(
            yaml,
            "apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata:
  name: member{index:03}
  labels: {{env: prod, tier: {tier}}}
spec:
  syncMode: Pull
  region: {region}
  zones: [{region}a]
status:
  resourceSummary:
    allocatable: {{cpu: \"{cpu}\", memory: 256Gi, pods: \"1100\"}}
    allocated: {{cpu: \"{used}\", pods: \"100\"}}
---
",
            cpu = 64 + index % 7 * 16,
            used = index % 5 * 4,
        );
    }
    for index in 0..TEMPLATES {
        let _ = write!(
            yaml,
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{app:03}-{index:05}
  namespace: team{team}
  labels: {{app: app{app:03}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: app{app:03}}}}}
  template:
    metadata: {{labels: {{app: app{app:03}}}}}
    spec:
      containers:
        - name: main
          image: registry.example.com/app:1.0
          resources: {{requests: {{cpu: 250m, memory: 512Mi}}}}
---
",
            app = index % 100,
            team = index % 10,
            replicas = 1 + index % 40,
        );
    }
    for app in 0..100 {
        let placement = match app % 4 {
            0 => {
                "replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference:
        staticWeightList:
          - {targetCluster: {labelSelector: {matchLabels: {tier: canary}}}, weight: 1}
          - {targetCluster: {labelSelector: {matchLabels: {tier: main}}}, weight: 3}"
            }
            1 => {
                "replicaScheduling:
      replicaSchedulingType: Divided
      weightPreference: {dynamicWeight: AvailableReplicas}
    spreadConstraints:
      - {spreadByField: region, minGroups: 2, maxGroups: 3}
      - {spreadByField: cluster, minGroups: 3, maxGroups: 12}"
            }
            2 => {
                "replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Aggregated"
            }
            _ => {
                "spreadConstraints:
      - {spreadByField: cluster, minGroups: 2, maxGroups: 20}"
            }
        };
        let _ = write!(
            yaml,
            "apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: app{app:03}
spec:
  resourceSelectors:
    - {{apiVersion: apps/v1, kind: Deployment, labelSelector: {{matchLabels: {{app: app{app:03}}}}}}}
  placement:
    clusterAffinity: {{labelSelector: {{matchLabels: {{env: prod}}}}}}
    {placement}
---
"
        );
    }
    yaml
}

fn load() -> Model {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fleet.yaml"), workspace()).unwrap();
    let validated = pipeline::validate(dir.path(), &VariableInputs::default());
    assert!(
        !validated.diagnostics.has_errors(),
        "{:?}",
        validated.diagnostics
    );
    validated.model.unwrap()
}

fn schedule(c: &mut Criterion) {
    let model = load();
    let statuses: BTreeMap<_, _> = model
        .clusters
        .iter()
        .map(|cluster| (cluster.name.clone(), cluster.declared_status.clone()))
        .collect();
    let previous = BTreeMap::new();
    let mut group = c.benchmark_group("schedule");
    group.sample_size(10);
    group.bench_function("10000 templates x 100 clusters", |bench| {
        bench.iter(|| {
            let mut diagnostics = Diagnostics::new();
            let placement = scheduler::schedule(
                black_box(&model),
                Inputs::new(&statuses, &previous),
                &mut diagnostics,
            );
            black_box(placement)
        });
    });
    group.finish();
}

criterion_group!(benches, schedule);
criterion_main!(benches);
