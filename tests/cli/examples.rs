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
