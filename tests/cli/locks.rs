use std::fs::OpenOptions;
use std::io::Write;

use crate::snapshot;
use crate::support::TestContext;

const INFO: &str = r#"{"id": "4d3c2b1a-0000-4000-8000-000000000001", "who": "ana@ci-runner", "pid": 4242, "operation": "apply", "created": "2026-11-25T10:00:00Z"}"#;

/// Holds the OS lock of a shard from this process, as another mcctl would.
pub(crate) fn hold(context: &TestContext, cluster: &str) -> std::fs::File {
    let path = context.path(&format!("mcctl.state/locks/{cluster}.lock"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .unwrap();
    file.try_lock().unwrap();
    file.write_all(INFO.as_bytes()).unwrap();
    file
}

#[test]
fn a_held_lock_fails_naming_its_holder() {
    let context = TestContext::new("examples/quickstart");
    let held = hold(&context, "eu-2");
    let outcome = context.run(&["plan"]);
    outcome.expect_code(1);
    snapshot!(context, outcome.stderr, @r"
    error: the state of cluster `eu-2` is locked by `[WHO]` (pid [PID], `mcctl apply` since [TIME], lock id `[UUID]`)
    help: wait for it to finish or retry with `--lock-timeout 2m`; if that process is gone, run `mcctl force-unlock [UUID]`
    ");
    let apply = context.run(&["apply", "--auto-approve"]);
    apply.expect_code(1);
    assert!(
        !context.path("out").exists(),
        "nothing may be applied while the state is locked"
    );

    // Planning without the lock is allowed.
    context.run(&["plan", "--lock=false"]).expect_code(0);
    drop(held);
    context.run(&["plan"]).expect_code(0);
}

#[test]
fn force_unlock_refuses_while_the_holder_runs_and_clears_stale_info() {
    let context = TestContext::new("examples/quickstart");
    let held = hold(&context, "eu-1");
    let refused = context.run(&["force-unlock", "4d3c2b1a-0000-4000-8000-000000000001"]);
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains("still held by a running process (pid 4242)"),
        "{}",
        refused.stderr
    );

    // The holder dies: its OS lock goes, its info stays behind.
    drop(held);
    let unlocked = context.run(&["force-unlock", "4d3c2b1a-0000-4000-8000-000000000001"]);
    unlocked.expect_code(0);
    assert!(
        unlocked
            .stdout
            .contains("Released lock `4d3c2b1a-0000-4000-8000-000000000001` on: eu-1."),
        "{}",
        unlocked.stdout
    );
    assert_eq!(context.read("mcctl.state/locks/eu-1.lock"), "");

    let unknown = context.run(&["force-unlock", "nope"]);
    unknown.expect_code(1);
    assert!(
        unknown.stderr.contains("no lock with id `nope`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn stale_lock_info_does_not_block() {
    let context = TestContext::new("examples/quickstart");
    // Info written by a process that was killed: no OS lock is held.
    context.write("mcctl.state/locks/eu-1.lock", INFO);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    // The lock file is cleared once apply is done.
    assert_eq!(context.read("mcctl.state/locks/eu-1.lock"), "");
}
