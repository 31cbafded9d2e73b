use crate::snapshot;
use crate::support::TestContext;

/// A workspace using every overrider: the text plan names, under each object, the policy and
/// overrider behind every changed path, and the JSON carries the same per change.
#[test]
fn the_plan_attributes_each_overridden_path_to_its_policy() {
    let context = TestContext::new("overrides-every-kind");
    let text = context.run(&["plan"]);
    text.expect_code(0);
    snapshot!(context, "overrides_every_kind_plan", text.stdout);
    // Attribution names paths, never values: the Secret's overridden value stays hidden.
    assert!(!text.stdout.contains("eu-only-value"), "{}", text.stdout);

    let outcome = context.run(&["plan", "--json"]);
    outcome.expect_code(0);
    assert!(!outcome.stdout.contains("eu-only-value"));
    let json = outcome.json();
    let overrides = |kind: &str| {
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|change| change["resource"]["kind"] == kind)
            .unwrap()["overrides"]
            .clone()
    };
    snapshot!(
        context,
        "overrides_every_kind_json",
        serde_json::to_string_pretty(&[
            overrides("Deployment"),
            overrides("ConfigMap"),
            overrides("Secret")
        ])
        .unwrap()
    );
}

/// An override that does not fit the object fails the plan with an error naming the policy, the
/// rule, the overrider, the cluster and the path, pointing at the overrider in the config.
#[test]
fn a_failing_override_points_at_the_overrider() {
    let context = TestContext::with_files(&[(
        "main.hcl",
        r#"cluster "eu-1" {
  directory = "out/eu-1"
  region    = "eu-west-1"
}

template "config" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "app" }
    data       = { "app.json" = "{\"level\": \"info\"}" }
  }
}

cluster_propagation_policy "all" {
  resource_selector {
    api_version = "v1"
    kind        = "ConfigMap"
  }
}

override_policy "levels" {
  override_rule {
    target_cluster {
      cluster_names = ["eu-1"]
    }

    field_overrider {
      field_path = "/data/app.yaml"

      json {
        sub_path = "/level"
        operator = "replace"
        value    = "debug"
      }
    }
  }
}
"#,
    )]);
    let outcome = context.run(&["plan"]);
    outcome.expect_code(1);
    snapshot!(context, "override_failure", outcome.stderr);
}
