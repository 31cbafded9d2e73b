use crate::snapshot;
use crate::support::{TestContext, repo};

/// Every case under `testdata/config/invalid/` fails validation with a `file:line:col` location;
/// the rendered diagnostics are snapshotted.
#[test]
fn invalid_workspaces_fail_with_file_line_and_column() {
    let mut cases: Vec<String> = std::fs::read_dir(repo().join("testdata/config/invalid"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "{cases:?}");
    for case in cases {
        let context = TestContext::new(&format!("testdata/config/invalid/{case}"));
        let outcome = context.run(&["validate"]);
        outcome.expect_code(1);
        let located = outcome.stderr.lines().any(|line| {
            let Some(start) = line.find('[') else {
                return false;
            };
            let inner = &line[start + 1..line.rfind(']').unwrap_or(line.len())];
            let parts: Vec<&str> = inner.rsplitn(3, ':').collect();
            parts.len() == 3 && parts[0].parse::<u32>().is_ok() && parts[1].parse::<u32>().is_ok()
        });
        assert!(located, "{case}: no file:line:col in\n{}", outcome.stderr);
        snapshot!(context, format!("invalid_{case}"), outcome.stderr);
        // `plan` reports the same errors and touches nothing.
        let plan = context.run(&["plan"]);
        plan.expect_code(1);
        assert!(
            !context.path("mcctl.state").exists(),
            "{case}: plan wrote state"
        );
    }
}

#[test]
fn every_error_of_a_run_is_shown_together() {
    let context = TestContext::new("testdata/config/invalid/several-files");
    let outcome = context.run(&["validate"]);
    outcome.expect_code(1);
    for file in ["a.yaml", "b.hcl", "c.yaml"] {
        assert!(
            outcome.stderr.contains(&format!("[{file}:")),
            "{file} missing from\n{}",
            outcome.stderr
        );
    }
    assert!(
        outcome.stderr.contains("error: 3 errors in the workspace"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn plan_json_carries_config_errors() {
    let context = TestContext::new("testdata/config/invalid/unknown-field");
    let outcome = context.run(&["plan", "--json"]);
    outcome.expect_code(1);
    let json = outcome.json();
    assert_eq!(json["changes"], serde_json::json!([]));
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["file"], "policy.yaml");
    assert_eq!(diagnostic["line"], 9);
    assert_eq!(diagnostic["column"], 3);
    assert_eq!(diagnostic["help"], "did you mean `placement`?");
}

#[test]
fn a_missing_workspace_is_a_clear_error() {
    let context = TestContext::with_files(&[]);
    let outcome = context.run(&["validate"]);
    outcome.expect_code(1);
    assert!(
        outcome
            .stderr
            .contains("no `*.hcl`, `*.yaml` or `*.yml` files in"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn a_corrupt_state_file_is_an_error_and_is_left_alone() {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context.write("mcctl.state/clusters/eu-1.json", "{ broken");
    let outcome = context.run(&["apply", "--auto-approve"]);
    outcome.expect_code(1);
    snapshot!(context, outcome.stderr.replace('\\', "/"), @r"
    error: state file `[WORKSPACE]/mcctl.state/clusters/eu-1.json` is corrupt
      caused by: key must be a string at line 1 column 3
    help: restore `[WORKSPACE]/mcctl.state/clusters/eu-1.json` from version control (`git checkout -- [WORKSPACE]/mcctl.state/clusters/eu-1.json`)
    ");
    assert_eq!(context.read("mcctl.state/clusters/eu-1.json"), "{ broken");
}
