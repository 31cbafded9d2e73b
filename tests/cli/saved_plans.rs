use crate::support::TestContext;

#[test]
fn a_saved_plan_applies_without_asking() {
    let context = TestContext::new("examples/quickstart");
    let plan = context.run(&["plan", "--out", "plan.json"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains("Saved the plan to `plan.json`"),
        "{}",
        plan.stdout
    );
    let saved = context.read("plan.json");
    assert!(saved.contains("\"inputs\""), "{saved}");
    // Stdin is closed: a prompt would cancel.
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(0);
    assert!(
        apply.stdout.contains("Apply complete! Resources: 9 added"),
        "{}",
        apply.stdout
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_plan_made_before_a_config_change_is_stale() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    context.write(
        "app.yaml",
        &context
            .read("app.yaml")
            .replace("replicas: 8", "replicas: 9"),
    );
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(1);
    assert!(
        apply.stderr.contains(
            "saved plan `plan.json` is stale: `app.yaml` changed since the plan was made"
        ),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains("help: make a new plan"),
        "{}",
        apply.stderr
    );
    assert!(!context.path("out").exists());
}

#[test]
fn a_plan_made_before_another_apply_is_stale() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(1);
    assert!(apply.stderr.contains("is stale"), "{}", apply.stderr);
}

#[test]
fn secrets_stay_out_of_plans_and_state() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\ndata:\n  password: aHVudGVyMg==\n---\n\
         apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: token\n\
         spec:\n  resourceSelectors:\n    - {apiVersion: v1, kind: Secret, name: token}\n",
    );
    let text = context.run(&["plan", "--out", "plan.json"]);
    let json = context.run(&["plan", "--json"]);
    context.run(&["apply", "plan.json"]).expect_code(0);
    let state = context.read("mcctl.state/clusters/eu-1.json");
    for (what, output) in [
        ("plan text", &text.stdout),
        ("plan JSON", &json.stdout),
        ("saved plan", &context.read("plan.json")),
        ("state", &state),
    ] {
        assert!(
            !output.contains("aHVudGVyMg=="),
            "the Secret value leaked into the {what}"
        );
    }
    assert!(
        text.stdout.contains("password: (sensitive)"),
        "{}",
        text.stdout
    );
    // The cluster itself gets the value.
    assert!(
        context
            .read("out/eu-1/default/secret.core.token.yaml")
            .contains("aHVudGVyMg==")
    );
}

#[test]
fn a_tampered_saved_plan_is_refused() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    context.write(
        "plan.json",
        &context
            .read("plan.json")
            .replacen("\"action\": \"create\"", "\"action\": \"Create\"", 1),
    );
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(1);
    assert!(
        apply
            .stderr
            .contains("cannot read plan file `plan.json`: not a saved plan"),
        "{}",
        apply.stderr
    );
    assert!(!context.path("out").exists());
}

#[test]
fn files_read_by_functions_are_inputs_too() {
    let context = TestContext::new("examples/quickstart-hcl");
    let main = context.read("main.hcl");
    let start = main.find("template \"config\" {").unwrap();
    context.write(
        "main.hcl",
        &format!(
            "{}template \"config\" {{\n  manifest = yamldecode(file(\"config/web.yaml\"))\n}}\n",
            &main[..start]
        ),
    );
    context.write(
        "config/web.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  LOG_LEVEL: info\n",
    );
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    context.write(
        "config/web.yaml",
        &context.read("config/web.yaml").replace("info", "debug"),
    );
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(1);
    assert!(
        apply
            .stderr
            .contains("`config/web.yaml` changed since the plan was made"),
        "{}",
        apply.stderr
    );
}

#[test]
fn a_file_moved_by_hand_is_an_error() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    std::fs::rename(
        context.path("out/eu-1/default/configmap.core.web-config.yaml"),
        context.path("out/eu-1/default/configmap.core.other.yaml"),
    )
    .unwrap();
    let plan = context.run(&["plan"]);
    plan.expect_code(1);
    assert!(
        plan.stderr.contains("move it back or delete it"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr
            .contains("`out/eu-1/default/configmap.core.other.yaml` holds"),
        "{}",
        plan.stderr
    );
}
