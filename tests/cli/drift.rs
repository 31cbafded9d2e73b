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
