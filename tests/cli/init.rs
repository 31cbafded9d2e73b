use crate::support::TestContext;

#[test]
fn init_scaffolds_a_workspace_that_applies() {
    let context = TestContext::with_files(&[]);
    let outcome = context.run(&["init"]);
    outcome.expect_code(0);
    assert!(
        outcome.stdout.contains("Created a workspace"),
        "{}",
        outcome.stdout
    );
    for path in ["main.hcl", "manifests/app.yaml", ".gitignore"] {
        assert!(context.path(path).is_file(), "{path}");
    }
    context.run(&["fmt", "--check"]).expect_code(0);
    let validate = context.run(&["validate"]);
    validate.expect_code(0);
    assert!(validate.stderr.is_empty(), "{}", validate.stderr);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert!(
        context
            .read("out/staging/default/deployment.apps.app.yaml")
            .contains("registry.staging.example/nginx:1.27")
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn init_never_overwrites() {
    let context = TestContext::with_files(&[("main.hcl", "# mine\n")]);
    let outcome = context.run(&["init"]);
    outcome.expect_code(1);
    assert!(
        outcome
            .stderr
            .contains("already holds main.hcl; nothing was written"),
        "{}",
        outcome.stderr
    );
    assert_eq!(context.read("main.hcl"), "# mine\n");
}
