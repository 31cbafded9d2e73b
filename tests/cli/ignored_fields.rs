use crate::snapshot;
use crate::support::TestContext;

/// An autoscaler on eu-1 owns `web`'s replicas there, and `mcctl.io/ignore-fields` / HCL
/// `ignore_fields` leave other fields to whoever writes them: the plan says what is not applied
/// and why, in text and JSON, and the files the directory clusters get lack those fields.
#[test]
fn fields_mcctl_does_not_own_are_left_out_and_named_in_the_plan() {
    let context = TestContext::new("autoscaled-and-ignored-fields");
    let text = context.run(&["plan"]);
    text.expect_code(0);
    snapshot!(context, "autoscaled_and_ignored_fields_plan", text.stdout);

    let outcome = context.run(&["plan", "--json"]);
    outcome.expect_code(0);
    let json = outcome.json();
    let ignored: Vec<String> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|change| {
            let fields = change.get("ignored_fields")?;
            Some(format!(
                "{} {}: {fields}",
                change["cluster"].as_str().unwrap(),
                change["resource"]["name"].as_str().unwrap()
            ))
        })
        .collect();
    snapshot!(context, ignored.join("\n"), @r#"
    eu-1 feature-flags: [{"pointer":"/data/rollout","reason":"ignore_fields"}]
    eu-1 web-config: [{"pointer":"/data/generated","reason":"mcctl.io/ignore-fields"},{"pointer":"/metadata/annotations/example.com~1restarted-at","reason":"mcctl.io/ignore-fields"}]
    us-1 feature-flags: [{"pointer":"/data/rollout","reason":"ignore_fields"}]
    us-1 web-config: [{"pointer":"/data/generated","reason":"mcctl.io/ignore-fields"},{"pointer":"/metadata/annotations/example.com~1restarted-at","reason":"mcctl.io/ignore-fields"}]
    eu-1 web: [{"pointer":"/spec/replicas","reason":"HorizontalPodAutoscaler default/web scales it"}]
    "#);

    // A saved plan shows the same, read back from its JSON.
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    let shown = context.run(&["show", "plan.json"]);
    shown.expect_code(0);
    assert!(
        shown.stdout.contains(
            "not applied: /spec/replicas (HorizontalPodAutoscaler default/web scales it)"
        ),
        "{}",
        shown.stdout
    );
    assert!(
        shown
            .stdout
            .contains("not applied: /data/rollout (ignore_fields)"),
        "{}",
        shown.stdout
    );

    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let written = |path: &str| -> serde_json::Value {
        serde_saphyr::from_str(&std::fs::read_to_string(context.path(path)).unwrap()).unwrap()
    };
    // Where the autoscaler runs, the replicas are its own; where it does not, mcctl's.
    let web_eu = written("out/eu-1/default/deployment.apps.web.yaml");
    assert_eq!(web_eu.pointer("/spec/replicas"), None, "{web_eu}");
    assert_eq!(
        web_eu["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.25"
    );
    let web_us = written("out/us-1/default/deployment.apps.web.yaml");
    assert_eq!(web_us["spec"]["replicas"], 3);
    let worker_eu = written("out/eu-1/default/deployment.apps.worker.yaml");
    assert_eq!(worker_eu["spec"]["replicas"], 2);
    let config = written("out/eu-1/default/configmap.core.web-config.yaml");
    assert_eq!(config["data"], serde_json::json!({"level": "info"}));
    assert_eq!(
        config["metadata"]["annotations"],
        serde_json::json!({"team": "storefront"})
    );
    let flags = written("out/us-1/default/configmap.core.feature-flags.yaml");
    assert_eq!(flags["data"], serde_json::json!({"checkout": "on"}));

    let again = context.run(&["plan", "--detailed-exitcode"]);
    again.expect_code(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}
