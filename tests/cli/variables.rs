use crate::support::TestContext;

fn deployment(context: &TestContext, cluster: &str) -> String {
    context.read(&format!("out/{cluster}/default/deployment.apps.web.yaml"))
}

#[test]
fn defaults_locals_and_functions_render() {
    let context = TestContext::new("variables");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    let eu = deployment(&context, "eu");
    assert!(
        eu.contains("image: registry.example.com/shop/web:1.4.2"),
        "{eu}"
    );
    assert!(eu.contains("replicas: 2"), "{eu}");
    assert!(eu.contains("tier: frontend"), "{eu}");
    assert!(
        context
            .read("out/us/default/configmap.core.motd.yaml")
            .contains("Welcome to web 1.4.2")
    );
}

#[test]
fn later_sources_win_environment_then_files_then_flags() {
    let context = TestContext::new("variables");
    let json = |args: &[&str], env: Option<(&str, &str)>| {
        let mut command = context.command(args);
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let image = |plan: &serde_json::Value| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|change| change["resource"]["kind"] == "Deployment")
            .unwrap()["after"]["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(image(&json(&["plan", "--json"], Some(("MCCTL_VAR_tag", "env")))).ends_with(":env"));
    assert!(
        image(&json(
            &["plan", "--json", "--var-file", "prod.vars"],
            Some(("MCCTL_VAR_tag", "env"))
        ))
        .ends_with(":2.0.0")
    );
    assert!(
        image(&json(
            &[
                "plan",
                "--json",
                "--var-file",
                "prod.vars",
                "--var",
                "tag=flag"
            ],
            Some(("MCCTL_VAR_tag", "env"))
        ))
        .ends_with(":flag")
    );
    let replicas = json(&["plan", "--json", "--var-file", "prod.vars"], None)["bindings"][0]["clusters"][0]["replicas"].clone();
    assert_eq!(replicas, 3);
}

#[test]
fn bad_values_are_errors_naming_the_variable() {
    let context = TestContext::new("variables");
    let low = context.run(&["validate", "--var", "replicas=1"]);
    low.expect_code(1);
    assert!(
        low.stderr
            .contains("variable `replicas`: run at least 2 replicas"),
        "{}",
        low.stderr
    );
    let wrong = context.run(&["validate", "--var", "replicas=many"]);
    wrong.expect_code(1);
    assert!(
        wrong.stderr.contains("`--var replicas`"),
        "{}",
        wrong.stderr
    );
    let unknown = context.run(&["validate", "--var", "replicaz=3"]);
    unknown.expect_code(1);
    assert!(
        unknown.stderr.contains("did you mean `replicas`?"),
        "{}",
        unknown.stderr
    );
    let missing_file = context.run(&["validate", "--var-file", "nope.vars"]);
    missing_file.expect_code(1);
    assert!(
        missing_file
            .stderr
            .contains("cannot read var file `nope.vars`"),
        "{}",
        missing_file.stderr
    );
}

#[test]
fn a_saved_plan_is_stale_when_a_variable_changes() {
    let context = TestContext::new("variables");
    context
        .run(&["plan", "--out", "plan.json", "--var", "tag=3.0.0"])
        .expect_code(0);
    let apply = context.run(&["apply", "plan.json", "--var", "tag=3.0.1"]);
    apply.expect_code(1);
    assert!(
        apply
            .stderr
            .contains("the value of `var.tag` changed since the plan was made"),
        "{}",
        apply.stderr
    );
    context
        .run(&["apply", "plan.json", "--var", "tag=3.0.0"])
        .expect_code(0);
}
