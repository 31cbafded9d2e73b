use crate::support::{TestContext, wait_for};

#[test]
fn a_subset_limits_what_is_shown_locked_and_written_but_not_placement() {
    let context = TestContext::new("examples/quickstart-hcl");
    let full = context.run(&["plan", "--lock=false"]);
    full.expect_code(0);
    let placement = full
        .stdout
        .lines()
        .find(|line| line.contains("apps/Deployment/default/web:"))
        .unwrap()
        .to_owned();

    let plan = context.run(&[
        "plan",
        "--lock=false",
        "--clusters",
        "region in (eu-west-1)",
    ]);
    plan.expect_code(0);
    assert!(
        plan.stdout
            .starts_with("Limited to clusters: eu-1, eu-2 (2 of 3)\n"),
        "{}",
        plan.stdout
    );
    // Placement is computed over the whole fleet: the replicas do not move to the subset.
    assert!(plan.stdout.contains(&placement), "{}", plan.stdout);
    assert!(plan.stdout.contains("Cluster eu-2:"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("Cluster us-1:"), "{}", plan.stdout);

    context
        .run(&["apply", "--auto-approve", "--clusters", "us-1"])
        .expect_code(0);
    assert!(context.path("out/us-1").is_dir());
    assert!(!context.path("out/eu-1").exists());
    let shards: Vec<String> = std::fs::read_dir(context.path("mcctl.state/clusters"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(shards, ["us-1.json"]);
    assert!(!context.path("mcctl.state/locks/eu-1.lock").exists());
    assert!(
        context
            .read("mcctl.state/clusters/us-1.json")
            .contains("\"replicas\": 2")
    );

    context
        .run(&["plan", "--detailed-exitcode", "--clusters", "us-1"])
        .expect_code(0);
    context
        .run(&[
            "plan",
            "--detailed-exitcode",
            "--clusters",
            "env=prod,tier!=canary",
        ])
        .expect_code(2);
    context
        .run(&["apply", "--auto-approve", "--clusters", "eu-1,eu-2"])
        .expect_code(0);
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_selector_that_matches_nothing_is_an_error() {
    let context = TestContext::new("examples/quickstart-hcl");
    let unknown = context.run(&["apply", "--auto-approve", "--clusters", "eu-9"]);
    unknown.expect_code(1);
    assert!(
        unknown
            .stderr
            .contains("error: invalid `--clusters eu-9`: no cluster named `eu-9`; the workspace declares: eu-1, eu-2, us-1"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains("help: give cluster names"));
    let empty = context.run(&["plan", "--clusters", "env=staging"]);
    empty.expect_code(1);
    assert!(
        empty
            .stderr
            .contains("error: invalid `--clusters env=staging`: `env=staging` matches no cluster"),
        "{}",
        empty.stderr
    );
    let destroy = context.run(&["destroy", "--auto-approve", "--clusters", "tier in (none)"]);
    destroy.expect_code(1);
    assert!(!context.path("out").exists());
    assert!(!context.path("mcctl.state").exists());
}

#[test]
fn disjoint_subsets_apply_side_by_side_and_an_overlapping_one_fails_or_waits() {
    let context = TestContext::fleet(4, 100);
    // Each write is slowed to 15 ms so that the runs overlap: three seconds for 200 objects.
    let slow = [("MCCTL_TEST_APPLY_DELAY_MS", "15")];
    let mut even = context.spawn(
        "even",
        &["apply", "--auto-approve", "--clusters", "group=even"],
        &slow,
    );
    let pid = even.child.id();
    wait_for("the first apply to start writing", || {
        even.assert_running();
        context.objects_in("c0") > 0
    });

    // Overlapping (c2): fails at once, naming the holder.
    let overlapping = context.run(&["apply", "--auto-approve", "--clusters", "c2,c3"]);
    overlapping.expect_code(1);
    assert!(
        overlapping
            .stderr
            .contains("error: the state of cluster `c2` is locked by"),
        "{}",
        overlapping.stderr
    );
    assert!(
        overlapping
            .stderr
            .contains(&format!("(pid {pid}, `mcctl apply`")),
        "{}",
        overlapping.stderr
    );
    assert_eq!(context.objects_in("c3"), 0, "the refused run wrote nothing");

    // Disjoint (c1, c3): runs alongside; an overlapping run with `--lock-timeout` waits its turn.
    let odd = context.spawn(
        "odd",
        &["apply", "--auto-approve", "--clusters", "c1,c3"],
        &slow,
    );
    let waiting = context.spawn(
        "waiting",
        &[
            "apply",
            "--auto-approve",
            "--clusters",
            "c2",
            "--lock-timeout",
            "30s",
        ],
        &slow,
    );
    for outcome in [even.finish(), odd.finish()] {
        outcome.expect_code(0);
        assert!(
            outcome
                .stdout
                .contains("Apply complete! Resources: 200 added, 0 changed, 0 destroyed."),
            "{}",
            outcome.stdout
        );
    }
    let waited = waiting.finish();
    waited.expect_code(0);
    assert!(
        waited.stdout.contains("No changes."),
        "the waiting run saw the first one's work: {}",
        waited.stdout
    );

    for cluster in ["c0", "c1", "c2", "c3"] {
        assert_eq!(context.objects_in(cluster), 100, "{cluster}");
    }
    // One lineage for all four shards, though two runs started from an empty state.
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_saved_plan_keeps_its_limit() {
    let context = TestContext::new("examples/quickstart-hcl");
    let plan = context.run(&["plan", "--clusters", "us-1", "--out", "plan.json"]);
    plan.expect_code(0);
    let saved = context.read("plan.json");
    assert!(saved.contains("\"clusters\": \"us-1\""), "{saved}");
    let apply = context.run(&["apply", "plan.json"]);
    apply.expect_code(0);
    assert!(
        apply
            .stdout
            .starts_with("Limited to clusters: us-1 (1 of 3)\n"),
        "{}",
        apply.stdout
    );
    assert!(context.path("out/us-1").is_dir());
    assert!(!context.path("out/eu-1").exists());
    let json = context
        .run(&["plan", "--json", "--clusters", "us-1"])
        .json();
    assert_eq!(
        json["limited_to"],
        serde_json::json!({"clusters": ["us-1"], "of": 3})
    );
}
