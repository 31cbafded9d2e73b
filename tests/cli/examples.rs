use crate::support::{TestContext, repo};

#[test]
fn every_example_plans_and_applies_cleanly() {
    let mut examples: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        // `examples/ci` holds a CI workflow, not a workspace. `examples/kind` has Push clusters
        // (local kind clusters) that a test cannot reach, so apply must refuse it: it is planned
        // offline by `the_kind_example_plans_without_its_clusters` below.
        .filter(|path| path.is_dir() && !path.ends_with("ci") && !path.ends_with("kind"))
        .collect();
    examples.sort();
    assert!(!examples.is_empty());
    for example in examples {
        let name = format!(
            "examples/{}",
            example.file_name().unwrap().to_string_lossy()
        );
        let context = TestContext::new(&name);
        assert!(
            context.path("README.md").is_file(),
            "{name} needs a README.md"
        );
        let validate = context.run(&["validate"]);
        validate.expect_code(0);
        assert!(
            validate.stderr.is_empty(),
            "{name} has warnings:\n{}",
            validate.stderr
        );
        context.run(&["apply", "--auto-approve"]).expect_code(0);
        context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
    }
}

/// `examples/kind` (three kind clusters, reached through the kubeconfig its `up.sh` writes) is
/// valid and plans without its clusters: each one is a warning, the placement is the documented
/// 4/2/2 with a region override, and apply refuses to start rather than skip them silently.
#[test]
fn the_kind_example_plans_without_its_clusters() {
    let context = TestContext::new("examples/kind");
    assert!(context.path("README.md").is_file());
    // A kubeconfig left by a local `up.sh` run would make this test depend on live clusters.
    let _ = std::fs::remove_file(context.path("kubeconfig"));
    let validate = context.run(&["validate"]);
    validate.expect_code(0);
    assert!(validate.stderr.is_empty(), "{}", validate.stderr);

    // Refreshed, each cluster is unreachable: a warning each, and nothing is placed on a
    // cluster that is not ready.
    let refreshed = context.run(&["plan", "--json"]);
    refreshed.expect_code(0);
    let refreshed = refreshed.json();
    let diagnostics = refreshed["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .all(|diagnostic| diagnostic["severity"] == "warning"),
        "{diagnostics:#?}"
    );
    for cluster in ["eu-1", "eu-2", "us-1"] {
        assert!(
            diagnostics
                .iter()
                .any(|diagnostic| diagnostic["cluster"] == cluster
                    && diagnostic["message"]
                        .as_str()
                        .unwrap()
                        .contains("unreachable")),
            "no warning for the unreachable cluster `{cluster}`: {diagnostics:#?}"
        );
    }
    assert_eq!(refreshed["changes"], serde_json::json!([]));

    // From the config alone (as CI without the clusters plans it), the placement shows.
    let plan = context.run(&["plan", "--refresh=false", "--json"]);
    plan.expect_code(0);
    let plan = plan.json();
    let web = plan["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|binding| binding["resource"]["kind"] == "Deployment")
        .unwrap();
    assert_eq!(
        web["clusters"],
        serde_json::json!([
            {"name": "eu-1", "replicas": 4},
            {"name": "eu-2", "replicas": 2},
            {"name": "us-1", "replicas": 2},
        ])
    );
    let regions: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|change| change["resource"]["kind"] == "Deployment")
        .map(|change| {
            (
                change["cluster"].as_str().unwrap().to_owned(),
                change["after"]["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        regions,
        [("eu-1", "eu"), ("eu-2", "eu"), ("us-1", "us")]
            .map(|(cluster, region)| (cluster.to_owned(), region.to_owned()))
    );

    // Applying needs the clusters.
    let apply = context.run(&["apply", "--auto-approve", "--refresh=false"]);
    apply.expect_code(1);
    assert!(apply.stderr.contains("unreachable"), "{}", apply.stderr);
}

/// Karmada's own samples (testdata/karmada-samples, each naming its source) load as they are and
/// plan without errors.
#[test]
fn karmada_samples_load_and_plan() {
    let mut samples: Vec<_> = std::fs::read_dir(repo().join("testdata/karmada-samples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    samples.sort();
    assert!(samples.len() >= 20, "{} samples", samples.len());
    for sample in samples {
        let name = format!(
            "testdata/karmada-samples/{}",
            sample.file_name().unwrap().to_string_lossy()
        );
        let context = TestContext::new(&name);
        let readme = context.read("README.md");
        assert!(
            readme.contains("Source:") || readme.contains("Sources:"),
            "{name}: the README must name its source"
        );
        let validate = context.run(&["validate"]);
        assert_eq!(validate.code, 0, "{name}:\n{}", validate.stderr);
        let plan = context.run(&["plan", "--json"]);
        assert_eq!(plan.code, 0, "{name}:\n{}", plan.stderr);
        assert!(
            plan.json()["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .all(|diagnostic| diagnostic["severity"] != "error"),
            "{name}"
        );
    }
}

#[test]
fn the_ci_workflow_is_valid_yaml_running_plan_and_drift() {
    let text = std::fs::read_to_string(repo().join("examples/ci/github-actions.yml")).unwrap();
    let workflow: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let plan = workflow["jobs"]["plan"]["steps"].to_string();
    assert!(plan.contains("mcctl plan --lock=false --detailed-exitcode --out plan.json"));
    let drift = workflow["jobs"]["drift"]["steps"].to_string();
    assert!(drift.contains("mcctl drift --lock-timeout 15m --format markdown"));
    assert!(text.contains("cron:") && text.contains("secrets.MCCTL_SECRET_KEY"));
}
