use crate::support::{TestContext, wait_for};

/// Apply slowed to a few milliseconds per object (a test-only switch of the directory backend),
/// so that it can be interrupted half way.
fn slow(delay_ms: &str) -> [(&str, &str); 1] {
    [("MCCTL_TEST_APPLY_DELAY_MS", delay_ms)]
}

/// How many objects the state records for `cluster` (0 without a shard).
fn recorded(context: &TestContext, cluster: &str) -> usize {
    let path = context.path(&format!("mcctl.state/clusters/{cluster}.json"));
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    let shard: serde_json::Value = serde_json::from_str(&text).unwrap();
    shard["objects"].as_object().map_or(0, serde_json::Map::len)
}

#[test]
fn ctrl_c_finishes_the_writes_in_flight_saves_the_state_and_exits_130() {
    // 2,000 objects: 500 ConfigMaps on each of four clusters, one cluster per batch.
    let context = TestContext::fleet(4, 500);
    let mut apply = context.spawn("apply", &["apply", "--auto-approve"], &slow("2"));
    wait_for("the apply to write its first objects", || {
        apply.assert_running();
        context.objects_in("c0") >= 20
    });
    apply.signal("INT");
    let outcome = apply.finish();
    outcome.expect_code(130);
    let stderr = outcome.stderr;
    assert!(
        stderr.contains("interrupted: finishing the writes in flight"),
        "{stderr}"
    );

    // Every object written is recorded, nothing after the interrupt was started.
    let written = context.objects_in("c0");
    assert!(
        written < 500,
        "the interrupt came too late to test anything"
    );
    assert_eq!(recorded(&context, "c0"), written);
    assert_eq!(context.objects_in("c1"), 0);
    assert!(!context.path("mcctl.state/clusters/c1.json").exists());
    assert!(
        stderr.contains(&format!(
            "Apply interrupted: Resources: {written} added, 0 changed, 0 destroyed; {} changes were not made.",
            2000 - written
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("run `mcctl apply` again to continue"),
        "{stderr}"
    );

    // The locks are free again and the plan picks up where apply stopped.
    let plan = context.run(&["plan", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.contains(&format!(
            "Plan: {} to add, 0 to change, 0 to destroy.",
            2000 - written
        )),
        "{}",
        plan.stdout.lines().last().unwrap_or_default()
    );
}

#[test]
fn kill_9_in_the_middle_of_an_apply_then_a_rerun_converges() {
    // 400 objects: 100 ConfigMaps on each of four clusters, one cluster per batch.
    let context = TestContext::fleet(4, 100);
    let mut apply = context.spawn("apply", &["apply", "--auto-approve"], &slow("5"));
    // The first batch is recorded and the second is half written.
    wait_for("the second batch to start", || {
        apply.assert_running();
        context.path("mcctl.state/clusters/c0.json").is_file() && context.objects_in("c1") > 0
    });
    apply.signal("KILL");
    apply.finish().expect_code(-1);
    let half = context.objects_in("c1");
    assert_eq!(context.objects_in("c0"), 100);
    assert!(half > 0 && half < 100, "c1 holds {half} objects");
    assert_eq!(recorded(&context, "c0"), 100);
    assert_eq!(
        recorded(&context, "c1"),
        0,
        "the batch in flight was not recorded"
    );

    // The killed run left its lock info behind, but not its OS lock: the rerun proceeds.
    let rerun = context.run(&["apply", "--auto-approve"]);
    rerun.expect_code(0);
    assert!(
        rerun.stdout.contains(&format!(
            "Apply complete! Resources: {} added, 0 changed, 0 destroyed.",
            300 - half
        )),
        "{}",
        rerun.stdout.lines().last().unwrap_or_default()
    );
    for cluster in ["c0", "c1", "c2", "c3"] {
        assert_eq!(context.objects_in(cluster), 100, "{cluster}");
        assert_eq!(recorded(&context, cluster), 100, "{cluster}");
    }
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}

#[test]
fn a_second_ctrl_c_exits_at_once_and_the_rerun_converges() {
    // More objects than a cluster takes writes at once (16), 1.5 s per write: when the first
    // writes land the next ones are in flight, long enough for a second Ctrl-C.
    let context = TestContext::fleet(2, 40);
    let mut apply = context.spawn("apply", &["apply", "--auto-approve"], &slow("1500"));
    wait_for("the first object", || {
        apply.assert_running();
        context.objects_in("c0") > 0
    });
    apply.signal("INT");
    let stderr = context.root.parent().unwrap().join("apply.stderr");
    wait_for("the first interrupt to be acknowledged", || {
        std::fs::read_to_string(&stderr)
            .unwrap()
            .contains("press Ctrl-C again to exit at once")
    });
    apply.signal("INT");
    let outcome = apply.finish();
    outcome.expect_code(130);
    assert!(
        outcome.stderr.contains("interrupted again: exiting now"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("Apply interrupted:"));
    // The batch never finished, so the state does not record it; the rerun picks it all up.
    assert!(!context.path("mcctl.state/clusters/c0.json").exists());
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_eq!(recorded(&context, "c0"), 40);
    assert_eq!(recorded(&context, "c1"), 40);
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);
}
