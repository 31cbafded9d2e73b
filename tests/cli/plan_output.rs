use crate::snapshot;
use crate::support::TestContext;

const DEPLOYMENT: &str = "out/eu-1/default/deployment.apps.web.yaml";
const SECRET_FILE: &str = "out/eu-1/default/secret.core.token.yaml";
/// The Secret's value, base64 of `hunter2`, and the value it is changed to.
const VALUE: &str = "aHVudGVyMg==";
const CHANGED: &str = "c2VjcmV0LTI=";

/// The quickstart with a Secret on eu-1, applied.
fn applied_with_secret() -> TestContext {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "secret.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\ndata:\n  password: {VALUE}\n  user: YWRtaW4=\n---\n\
             apiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: token\n\
             spec:\n  resourceSelectors:\n    - {{apiVersion: v1, kind: Secret, name: token}}\n  placement:\n    clusterAffinity:\n      clusterNames: [eu-1]\n"
        ),
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context
}

fn change_secret_in_config(context: &TestContext) {
    context.write(
        "secret.yaml",
        &context.read("secret.yaml").replace(VALUE, CHANGED),
    );
}

#[test]
fn an_update_shows_changed_lines_with_context_and_masks_secrets() {
    let context = applied_with_secret();
    change_secret_in_config(&context);
    context.write(
        "app.yaml",
        &context
            .read("app.yaml")
            .replace("replicas: 8", "replicas: 12"),
    );
    let plan = context.run(&["plan"]);
    plan.expect_code(0);
    assert!(!plan.stdout.contains(VALUE) && !plan.stdout.contains(CHANGED));
    // The unchanged value is marked unchanged, the changed one changed.
    assert!(plan.stdout.contains("+   password: (sensitive, changed)"));
    assert!(plan.stdout.contains("    user: (sensitive)"));
    snapshot!(context, "plan_update_with_context", plan.stdout);
}

#[test]
fn show_secrets_reveals_values_in_text_only_with_a_warning() {
    let context = applied_with_secret();
    change_secret_in_config(&context);
    let plan = context.run(&["plan", "--show-secrets"]);
    plan.expect_code(0);
    assert!(
        plan.stdout.contains(&format!("+   password: {CHANGED}")),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Warning: --show-secrets prints Secret values")
    );
    // Never in JSON.
    let json = context.run(&["plan", "--json", "--show-secrets"]);
    json.expect_code(1);
    assert!(!json.stdout.contains(CHANGED));
}

#[test]
fn drift_has_its_own_section_and_marker() {
    let context = applied_with_secret();
    context.write(
        DEPLOYMENT,
        &context
            .read(DEPLOYMENT)
            .replace("replicas: 4", "replicas: 7"),
    );
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    snapshot!(context, "plan_drift_section", plan.stdout);
}

/// Every output mcctl writes — plan text, plan JSON, saved plan, `show`, state files, drift
/// reports — is searched for the Secret's values, before and after a change and a hand edit.
#[test]
fn no_output_holds_a_secret_value() {
    let context = applied_with_secret();
    change_secret_in_config(&context);
    context.write(
        SECRET_FILE,
        &context.read(SECRET_FILE).replace(VALUE, "ZHJpZnRlZA=="),
    );
    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |name: &str, args: &[&str]| {
        let outcome = context.run(args);
        assert_ne!(outcome.code, 1, "{name}: {}", outcome.stderr);
        outputs.push((
            name.to_owned(),
            format!("{}{}", outcome.stdout, outcome.stderr),
        ));
    };
    run("plan", &["plan"]);
    run("plan json", &["plan", "--json"]);
    run("plan out", &["plan", "--out", "plan.json"]);
    run("show", &["show", "plan.json"]);
    run("show json", &["show", "--json", "plan.json"]);
    run("show state", &["show"]);
    run("show state json", &["show", "--json"]);
    run("plan refresh-only", &["plan", "--refresh-only"]);
    run(
        "plan refresh-only json",
        &["plan", "--refresh-only", "--json"],
    );
    for format in ["text", "markdown", "json"] {
        run(&format!("drift {format}"), &["drift", "--format", format]);
    }
    run(
        "apply refresh-only",
        &["apply", "--refresh-only", "--auto-approve"],
    );
    run("apply", &["apply", "--auto-approve"]);
    outputs.push(("saved plan".to_owned(), context.read("plan.json")));
    for entry in std::fs::read_dir(context.path("mcctl.state/clusters")).unwrap() {
        let path = entry.unwrap().path();
        outputs.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (name, text) in outputs {
        for value in [VALUE, CHANGED, "ZHJpZnRlZA==", "hunter2"] {
            assert!(
                !text.contains(value),
                "`{value}` leaked into {name}:\n{text}"
            );
        }
    }
    // The cluster itself gets the value.
    assert!(context.read(SECRET_FILE).contains(CHANGED));
}
