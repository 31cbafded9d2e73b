use crate::support::TestContext;

const DEPLOYMENT: &str = "out/eu-1/default/deployment.apps.web.yaml";

#[test]
fn a_hand_edit_is_drift_and_apply_restores_it() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let applied = context.read(DEPLOYMENT);
    context.write(DEPLOYMENT, &applied.replace("replicas: 4", "replicas: 5"));

    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("drift: changed outside mcctl since the last apply"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("-   replicas: 5\n      +   replicas: 4"),
        "{}",
        plan.stdout
    );
    let json = context.run(&["plan", "--json"]).json();
    assert_eq!(json["changes"][0]["drift"], true);
    assert_eq!(json["changes"][0]["before"]["spec"]["replicas"], 5);
    assert_eq!(json["changes"][0]["after"]["spec"]["replicas"], 4);

    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(context.read(DEPLOYMENT), applied);
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_deleted_file_is_recreated() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.remove(DEPLOYMENT);
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains("drift: deleted outside mcctl"),
        "{}",
        plan.stdout
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(context.path(DEPLOYMENT).is_file());
}

#[test]
fn a_broken_file_is_an_error_naming_it() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.write(DEPLOYMENT, "kind: [\n");
    let plan = context.run(&["plan"]);
    plan.expect_code(1);
    assert!(
        plan.stderr.contains("deployment.apps.web.yaml"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("cannot read cluster `eu-1`"),
        "{}",
        plan.stderr
    );
}

#[test]
fn refresh_only_shows_drift_and_apply_refresh_only_accepts_it() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context
        .run(&["plan", "--refresh-only", "--detailed-exitcode"])
        .expect_code(0);
    let applied = context.read(DEPLOYMENT);
    context.write(DEPLOYMENT, &applied.replace("replicas: 4", "replicas: 7"));

    let plan = context.run(&["plan", "--refresh-only", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout
            .contains("apps/Deployment/default/web: spec.replicas 4 → 7"),
        "{}",
        plan.stdout
    );

    let apply = context.run(&["apply", "--refresh-only", "--auto-approve"]);
    apply.expect_code(0);
    assert!(
        apply.stdout.contains("No cluster was changed"),
        "{}",
        apply.stdout
    );
    // The cluster keeps the hand edit; the state now records it.
    assert_eq!(
        context.read(DEPLOYMENT),
        applied.replace("replicas: 4", "replicas: 7")
    );
    let state = context.read("mcctl.state/clusters/eu-1.json");
    assert!(state.contains("\"replicas\": 7"), "{state}");
    context
        .run(&["plan", "--refresh-only", "--detailed-exitcode"])
        .expect_code(0);
    context.run(&["drift"]).expect_code(0);
    // The config still says 4: a normal plan changes it back, as a config change, not drift.
    let plan = context.run(&["plan", "--json"]).json();
    assert_eq!(plan["changes"][0]["drift"], false);
    assert_eq!(plan["changes"][0]["after"]["spec"]["replicas"], 4);
}

#[test]
fn refresh_only_needs_a_refresh() {
    let context = TestContext::new("examples/quickstart");
    let plan = context.run(&["plan", "--refresh-only", "--refresh=false"]);
    plan.expect_code(1);
    assert!(
        plan.stderr.contains("cannot run with `--refresh=false`"),
        "{}",
        plan.stderr
    );
}

#[test]
fn the_drift_command_exits_2_and_prints_markdown() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.run(&["drift", "--lock=false"]).expect_code(0);
    context.write(
        DEPLOYMENT,
        &context
            .read(DEPLOYMENT)
            .replace("replicas: 4", "replicas: 7"),
    );
    context.remove("out/us-1/default/service.core.web.yaml");
    let drift = context.run(&["drift", "--format", "markdown"]);
    drift.expect_code(2);
    crate::snapshot!(context, drift.stdout, @r"
    ### mcctl drift: clusters changed outside mcctl

    - **eu-1**: 1 object drifted
      - `apps/Deployment/default/web`: `spec.replicas` `4` → `7`
    - **eu-2**: no drift
    - **us-1**: 1 object drifted
      - `core/Service/default/web`: deleted

    Drift: 2 objects on 2 cluster(s). `mcctl apply` restores them; `mcctl apply --refresh-only` accepts them into the state.
    ");
    let json = context.run(&["drift", "--format", "json"]);
    json.expect_code(2);
    assert_eq!(json.json()["drift"], true);
    context
        .run(&["drift", "--exit-zero", "--format", "text"])
        .expect_code(0);
    // A broken cluster is an error, not drift.
    context.write(DEPLOYMENT, "kind: [\n");
    context.run(&["drift"]).expect_code(1);
}
