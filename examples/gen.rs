//! Writes a realistic, deterministic workspace for benchmarks:
//! `cargo run --release --example gen -- --clusters N --templates M --out DIR [--seed S]`.
//!
//! The workspace: `main.hcl` (settings and N directory clusters over regions, zones and providers,
//! with labels, a few taints and capacities), `templates-NN.yaml` (M resource templates in
//! multi-document files of 500: Deployments, Services, `ConfigMap`s, Secrets, HPAs, Ingresses, one
//! CRD and its custom resources), `policies.yaml` (a propagation policy per app cycling through
//! Duplicated, static weights, dynamic weights, Aggregated and spread constraints) and
//! `overrides.yaml` (a registry per region and a label per cluster). Few files, so loading is
//! bound by parsing. `benches/plan.sh` runs it at three sizes; the same seed gives the same bytes.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line example reports on stdout and stderr"
)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Flags of the generator.
#[derive(Parser)]
#[command(about = "Write a generated mcctl workspace for benchmarks")]
struct Arguments {
    /// How many member clusters.
    #[arg(long)]
    clusters: usize,
    /// How many resource templates (the CRD counts as one).
    #[arg(long)]
    templates: usize,
    /// The workspace directory to write (created; existing generated files are overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Varies replica counts, capacities and data; the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Regions with their provider and zones.
const REGIONS: [(&str, &str, [&str; 3]); 6] = [
    (
        "eu-west-1",
        "aws",
        ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    ),
    (
        "eu-central-1",
        "aws",
        ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
    ),
    (
        "us-east-1",
        "aws",
        ["us-east-1a", "us-east-1b", "us-east-1c"],
    ),
    (
        "us-central1",
        "gcp",
        ["us-central1-a", "us-central1-b", "us-central1-f"],
    ),
    (
        "europe-west4",
        "gcp",
        ["europe-west4-a", "europe-west4-b", "europe-west4-c"],
    ),
    (
        "westeurope",
        "azure",
        ["westeurope-1", "westeurope-2", "westeurope-3"],
    ),
];

/// The templates of one app, in the order they are generated; an app is seven templates.
const APP_KINDS: [&str; 7] = [
    "Deployment",
    "Service",
    "ConfigMap",
    "Secret",
    "HorizontalPodAutoscaler",
    "Ingress",
    "Widget",
];

/// How many templates go in one YAML file.
const TEMPLATES_PER_FILE: usize = 500;

/// A small deterministic generator (`SplitMix64`), so the example needs no `rand`.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    if arguments.clusters == 0 || arguments.templates == 0 {
        eprintln!("error: `--clusters` and `--templates` must be at least 1");
        return ExitCode::FAILURE;
    }
    let mut random = Random(arguments.seed);
    let mut files = vec![(
        "main.hcl".to_owned(),
        main_hcl(arguments.clusters, &mut random),
    )];
    let templates = templates(arguments.templates, &mut random);
    for (index, chunk) in templates.chunks(TEMPLATES_PER_FILE).enumerate() {
        files.push((format!("templates-{index:02}.yaml"), chunk.concat()));
    }
    let apps = arguments.templates.div_ceil(APP_KINDS.len());
    files.push(("policies.yaml".to_owned(), policies(apps)));
    files.push(("overrides.yaml".to_owned(), overrides(arguments.clusters)));

    if let Err(error) = std::fs::create_dir_all(&arguments.out) {
        eprintln!(
            "error: cannot create `{}`: {error}",
            arguments.out.display()
        );
        return ExitCode::FAILURE;
    }
    for (name, text) in &files {
        let path = arguments.out.join(name);
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "wrote {} clusters, {} templates, {apps} apps in {} files to {}",
        arguments.clusters,
        arguments.templates,
        files.len(),
        arguments.out.display()
    );
    ExitCode::SUCCESS
}

/// The cluster name of index `index`: `<region>-<n>`, e.g. `eu-west-1-003`.
fn cluster_name(index: usize) -> String {
    let (region, _, _) = REGIONS[index % REGIONS.len()];
    format!("{region}-{:03}", index / REGIONS.len())
}

/// Settings and clusters. One cluster in ten is a canary; one in eight is tainted for GPUs.
fn main_hcl(clusters: usize, random: &mut Random) -> String {
    let mut hcl = String::from(
        "# Generated by `cargo run --example gen`; benchmark input (docs/benchmarks.md).\n\
         settings {\n  workspace = \"bench\"\n\n  rollout {\n    order = [\"tier=canary\", \"*\"]\n  }\n}\n",
    );
    for index in 0..clusters {
        let (region, provider, zones) = REGIONS[index % REGIONS.len()];
        let zone = zones[(index / REGIONS.len()) % zones.len()];
        let tier = if index % 10 == 0 { "canary" } else { "main" };
        let cpu = random.between(4, 16) * 8;
        let memory = cpu * 4;
        let name = cluster_name(index);
        let _ = write!(
            hcl,
            "\ncluster \"{name}\" {{
  directory = \"out/{name}\"
  provider  = \"{provider}\"
  region    = \"{region}\"
  zones     = [\"{zone}\"]
  labels    = {{ env = \"prod\", region = \"{region}\", zone = \"{zone}\", provider = \"{provider}\", tier = \"{tier}\" }}
  capacity  = {{ cpu = \"{cpu}\", memory = \"{memory}Gi\", pods = 1100 }}
"
        );
        if index % 8 == 7 {
            hcl.push_str(
                "
  taint {
    key    = \"dedicated\"
    value  = \"gpu\"
    effect = \"NoSchedule\"
  }
",
            );
        }
        hcl.push_str("}\n");
    }
    hcl
}

/// The CRD, then apps of seven templates each until `count` templates are written.
fn templates(count: usize, random: &mut Random) -> Vec<String> {
    let mut documents = vec![CRD.to_owned()];
    let mut index = 0;
    while documents.len() < count {
        let app = index / APP_KINDS.len();
        let kind = APP_KINDS[index % APP_KINDS.len()];
        documents.push(template(kind, app, random));
        index += 1;
    }
    documents
}

/// The `CustomResourceDefinition` of the `Widget` custom resources.
const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    listKind: WidgetList
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
";

/// One template of app `app`.
fn template(kind: &str, app: usize, random: &mut Random) -> String {
    let name = format!("app{app:04}");
    let namespace = format!("team{}", app % 10);
    let header = format!(
        "metadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n    app: {name}\n    team: team{}\n",
        app % 10
    );
    match kind {
        "Deployment" => format!(
            "apiVersion: apps/v1
kind: Deployment
{header}spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: app
          image: registry.example.com/{namespace}/{name}:1.{minor}.0
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: {name}
          resources:
            requests:
              cpu: {cpu}m
              memory: {memory}Mi
            limits:
              memory: {memory}Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
            periodSeconds: 5
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 10
        - name: proxy
          image: registry.example.com/platform/proxy:2.3.1
          args: [\"--upstream=127.0.0.1:8080\", \"--listen=:8443\"]
          ports:
            - containerPort: 8443
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
---
",
            replicas = random.between(2, 24),
            minor = random.between(0, 30),
            cpu = random.between(1, 8) * 50,
            memory = random.between(1, 8) * 128,
        ),
        "Service" => format!(
            "apiVersion: v1
kind: Service
{header}spec:
  selector:
    app: {name}
  ports:
    - name: https
      port: 443
      targetPort: 8443
---
"
        ),
        "ConfigMap" => format!(
            "apiVersion: v1
kind: ConfigMap
{header}data:
  LOG_LEVEL: info
  CACHE_SIZE: \"{cache}\"
  FEATURES: search,checkout,recommendations
---
",
            cache = random.between(16, 4096),
        ),
        "Secret" => format!(
            "apiVersion: v1
kind: Secret
{header}type: Opaque
stringData:
  token: t{token:016x}
---
",
            token = random.next(),
        ),
        "HorizontalPodAutoscaler" => format!(
            "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
{header}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 2
  maxReplicas: {max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
---
",
            max = random.between(10, 40),
        ),
        "Ingress" => format!(
            "apiVersion: networking.k8s.io/v1
kind: Ingress
{header}spec:
  rules:
    - host: {name}.{namespace}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  number: 443
---
"
        ),
        _ => format!(
            "apiVersion: example.com/v1
kind: Widget
{header}spec:
  size: {size}
  color: blue
---
",
            size = random.between(1, 9),
        ),
    }
}

/// One `ClusterPropagationPolicy` per app, selecting the app's templates by label and cycling
/// through Karmada's strategies.
fn policies(apps: usize) -> String {
    let mut yaml = String::from("# Generated by `cargo run --example gen`.\n");
    for app in 0..apps {
        let placement = match app % 5 {
            // Duplicated to the canaries and one provider; tolerates the GPU taint.
            0 => "clusterAffinity:
      labelSelector:
        matchExpressions:
          - {key: provider, operator: In, values: [aws, gcp]}
    clusterTolerations:
      - {key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}
    replicaScheduling:
      replicaSchedulingType: Duplicated",
            // Static weights by region label.
            1 => "replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:
          - {targetCluster: {labelSelector: {matchLabels: {tier: canary}}}, weight: 1}
          - {targetCluster: {labelSelector: {matchExpressions: [{key: region, operator: In, values: [eu-west-1, eu-central-1, europe-west4, westeurope]}]}}, weight: 3}
          - {targetCluster: {labelSelector: {matchExpressions: [{key: region, operator: In, values: [us-east-1, us-central1]}]}}, weight: 2}",
            // Dynamic weights by available replicas, spread over regions.
            2 => "replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        dynamicWeight: AvailableReplicas
    spreadConstraints:
      - {spreadByField: region, minGroups: 2, maxGroups: 3}
      - {spreadByField: cluster, minGroups: 2, maxGroups: 12}",
            // Aggregated onto as few clusters as fit.
            3 => "clusterAffinity:
      labelSelector:
        matchLabels: {env: prod}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Aggregated",
            // Duplicated, spread over a few clusters.
            _ => "spreadConstraints:
      - {spreadByField: cluster, minGroups: 1, maxGroups: 8}",
        };
        let _ = write!(
            yaml,
            "---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: app{app:04}
spec:
  resourceSelectors:
    - {{apiVersion: apps/v1, kind: Deployment, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: v1, kind: Service, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: v1, kind: ConfigMap, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: v1, kind: Secret, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: networking.k8s.io/v1, kind: Ingress, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
    - {{apiVersion: example.com/v1, kind: Widget, labelSelector: {{matchLabels: {{app: app{app:04}}}}}}}
  placement:
    {placement}
"
        );
    }
    yaml.push_str(
        "---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata:
  name: crds
spec:
  resourceSelectors:
    - {apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition}
  placement:
    clusterTolerations:
      - {key: dedicated, operator: Exists, effect: NoSchedule}
",
    );
    yaml
}

/// A registry per region (image overrider) and, per cluster, a label naming it.
fn overrides(clusters: usize) -> String {
    let mut yaml = String::from(
        "# Generated by `cargo run --example gen`.
---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata:
  name: registry-per-region
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment}
  overrideRules:
",
    );
    for (region, _, _) in REGIONS {
        let _ = write!(
            yaml,
            "    - targetCluster:
        fieldSelector:
          matchExpressions:
            - {{key: region, operator: In, values: [{region}]}}
      overriders:
        imageOverrider:
          - {{component: Registry, operator: replace, value: {region}.registry.example.com}}
"
        );
    }
    yaml.push_str(
        "---
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterOverridePolicy
metadata:
  name: cluster-label
spec:
  resourceSelectors:
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
  overrideRules:
",
    );
    for index in 0..clusters {
        let name = cluster_name(index);
        let _ = write!(
            yaml,
            "    - targetCluster: {{clusterNames: [{name}]}}
      overriders:
        labelsOverrider:
          - {{operator: add, value: {{example.com/cluster: {name}}}}}
"
        );
    }
    yaml
}
