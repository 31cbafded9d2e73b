use crate::support::{TestContext, repo};

#[test]
fn every_example_plans_and_applies_cleanly() {
    let mut examples: Vec<_> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
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
