//! `mcctl state list|show|rm|mv`, `mcctl import`, Karmada's `conflictResolution`, and state
//! from another lineage or a newer mcctl.

use crate::support::{Outcome, TestContext};

/// The quickstart, applied: three clusters, each with a `Deployment`, a `Service` and a `ConfigMap`.
fn applied() -> TestContext {
    let context = TestContext::new("examples/quickstart");
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    context
}

fn serial(context: &TestContext, cluster: &str) -> u64 {
    let shard: serde_json::Value =
        serde_json::from_str(&context.read(&format!("mcctl.state/clusters/{cluster}.json")))
            .unwrap();
    shard["serial"].as_u64().unwrap()
}

fn lineage(context: &TestContext, cluster: &str) -> String {
    let shard: serde_json::Value =
        serde_json::from_str(&context.read(&format!("mcctl.state/clusters/{cluster}.json")))
            .unwrap();
    shard["lineage"].as_str().unwrap().to_owned()
}

#[track_caller]
fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "missing {wanted:?} in:\n{text}");
}

/// A `ConfigMap` named like the quickstart's, that nobody told mcctl about.
const FOREIGN_CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: default\ndata:\n  LOG_LEVEL: debug\n";
const FOREIGN_PATH: &str = "out/eu-1/default/configmap.core.web-config.yaml";

#[test]
fn state_list_prints_sorted_addresses_and_filters_them() {
    let context = applied();
    let all = context.run(&["state", "list"]);
    all.expect_code(0);
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{}", all.stdout);
    assert_eq!(lines[0], "apps/Deployment/default/web@eu-1");
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);

    let by_cluster = context.run(&["state", "list", "@us-1"]);
    by_cluster.expect_code(0);
    assert_eq!(
        by_cluster.stdout,
        "apps/Deployment/default/web@us-1\ncore/ConfigMap/default/web-config@us-1\ncore/Service/default/web@us-1\n"
    );
    let by_prefix = context.run(&["state", "list", "apps/"]);
    assert_eq!(by_prefix.stdout.lines().count(), 3, "{}", by_prefix.stdout);
    let by_name = context.run(&["state", "list", "Service/web@eu-2"]);
    assert_eq!(by_name.stdout, "core/Service/default/web@eu-2\n");

    let none = context.run(&["state", "list", "@ap-1"]);
    none.expect_code(1);
    assert_contains(&none.stderr, "nothing in the state matches `@ap-1`");
}

#[test]
fn state_list_json_holds_records_and_placements() {
    let context = applied();
    let outcome = context.run(&["state", "list", "--json", "Deployment/web@eu-1"]);
    outcome.expect_code(0);
    let json = outcome.json();
    let objects = json["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["address"], "apps/Deployment/default/web@eu-1");
    assert_eq!(objects[0]["record"]["api_version"], "apps/v1");
    assert_eq!(objects[0]["placement"]["replicas"], 4);
    assert_eq!(
        objects[0]["placement"]["policy"],
        "PropagationPolicy/default/web"
    );
}

#[test]
fn state_show_prints_the_record_and_the_manifest() {
    let context = applied();
    let outcome = context.run(&["state", "show", "Deployment/web@eu-1"]);
    outcome.expect_code(0);
    let text = &outcome.stdout;
    assert!(
        text.starts_with("# apps/Deployment/default/web@eu-1\n"),
        "{text}"
    );
    assert_contains(text, "api_version      = apps/v1\n");
    assert_contains(text, "digest           = sha256:");
    // A directory cluster's version of the object: the digest of the file mcctl wrote.
    assert_contains(text, "resource_version = sha256:");
    assert_contains(text, "implicit         = false\n");
    assert_contains(
        text,
        "placement:\n  replicas  = 4\n  policy    = PropagationPolicy/default/web\n",
    );
    assert_contains(text, "manifest:\n  apiVersion: apps/v1\n");
    assert_contains(text, "image: eu.registry.example.com/shop/web:1.4.2");
}

#[test]
fn state_show_never_shows_secret_values() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2-very-secret\n---\napiVersion: policy.karmada.io/v1alpha1\nkind: PropagationPolicy\nmetadata:\n  name: db\nspec:\n  resourceSelectors:\n    - apiVersion: v1\n      kind: Secret\n      name: db\n",
    );
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    for args in [
        &["state", "show", "Secret/db@eu-1"][..],
        &["state", "show", "--json", "Secret/db@eu-1"][..],
        &["state", "list", "--json"][..],
    ] {
        let outcome = context.run(args);
        outcome.expect_code(0);
        assert!(
            !outcome.stdout.contains("hunter2"),
            "{args:?}: {}",
            outcome.stdout
        );
    }
    let shown = context.run(&["state", "show", "Secret/db@eu-1"]);
    assert_contains(&shown.stdout, "password: (sensitive)");
}

#[test]
fn unknown_and_ambiguous_addresses_are_explained() {
    let context = applied();
    let typo = context.run(&["state", "show", "apps/Deployment/default/wbe@eu-1"]);
    typo.expect_code(1);
    assert_eq!(
        typo.stderr,
        "error: no object `apps/Deployment/default/wbe@eu-1` in the state; did you mean `apps/Deployment/default/web@eu-1`?\nhelp: `mcctl state list` shows every address in the state\n"
    );
    let before = serial(&context, "eu-1");
    let ambiguous = context.run(&["state", "rm", "web@eu-1"]);
    ambiguous.expect_code(1);
    assert_contains(
        &ambiguous.stderr,
        "`web@eu-1` matches 2 objects in the state: `apps/Deployment/default/web@eu-1`, `core/Service/default/web@eu-1`; give the full address",
    );
    // Nothing was written by the refused command.
    assert_eq!(serial(&context, "eu-1"), before);
}

#[test]
fn state_rm_forgets_without_touching_the_cluster_and_the_next_plan_creates() {
    let context = applied();
    let before = serial(&context, "eu-1");
    let lineage_before = lineage(&context, "eu-1");

    let dry = context.run(&["state", "rm", "--dry-run", "ConfigMap/web-config@eu-1"]);
    dry.expect_code(0);
    assert_contains(
        &dry.stdout,
        "Would remove core/ConfigMap/default/web-config@eu-1",
    );
    assert_eq!(serial(&context, "eu-1"), before);

    let rm = context.run(&[
        "state",
        "rm",
        "ConfigMap/web-config@eu-1",
        "Service/web@eu-2",
    ]);
    rm.expect_code(0);
    assert_contains(
        &rm.stdout,
        "Removed core/ConfigMap/default/web-config@eu-1\n",
    );
    assert_contains(&rm.stdout, "Removed core/Service/default/web@eu-2\n");
    assert_eq!(serial(&context, "eu-1"), before + 1);
    assert_eq!(serial(&context, "eu-2"), before + 1);
    assert_eq!(serial(&context, "us-1"), before);
    assert_eq!(lineage(&context, "eu-1"), lineage_before);
    assert!(
        context
            .path("out/eu-1/default/configmap.core.web-config.yaml")
            .is_file()
    );
    let listed = context.run(&["state", "list", "@eu-1"]);
    assert!(!listed.stdout.contains("web-config"), "{}", listed.stdout);

    // Planned from the state alone, the forgotten objects are created again.
    let plan = context.run(&["plan", "--refresh=false"]);
    plan.expect_code(0);
    assert_contains(
        &plan.stdout,
        "+ core/ConfigMap/default/web-config will be created",
    );
    assert_contains(&plan.stdout, "Plan: 2 to add, 0 to change, 0 to destroy.");
}

#[test]
fn state_mv_follows_a_renamed_cluster_and_the_plan_shows_no_change() {
    let context = applied();
    // `eu-2` is renamed `eu-3` in the config; it is the same cluster (the same folder).
    context.write(
        "clusters.yaml",
        &context
            .read("clusters.yaml")
            .replace("name: eu-2", "name: eu-3"),
    );
    context.write(
        "propagation.yaml",
        &context.read("propagation.yaml").replace("eu-2", "eu-3"),
    );
    let without = context.run(&["plan", "--refresh=false"]);
    assert_contains(&without.stdout, "Plan: 3 to add");

    for object in [
        "apps/Deployment/default/web",
        "core/Service/default/web",
        "core/ConfigMap/default/web-config",
    ] {
        let moved = context.run(&[
            "state",
            "mv",
            &format!("{object}@eu-2"),
            &format!("{object}@eu-3"),
        ]);
        moved.expect_code(0);
        assert_contains(
            &moved.stdout,
            &format!("Moved {object}@eu-2 to {object}@eu-3"),
        );
    }
    assert_eq!(lineage(&context, "eu-3"), lineage(&context, "eu-1"));
    assert_eq!(serial(&context, "eu-3"), 3, "one write per move");
    let plan = context.run(&["plan", "--refresh=false", "--detailed-exitcode"]);
    plan.expect_code(0);
    assert_contains(&plan.stdout, "No changes.");
    let refreshed = context.run(&["plan", "--detailed-exitcode"]);
    refreshed.expect_code(0);
}

#[test]
fn state_edits_lock_only_the_shards_they_touch() {
    let context = applied();
    let held = crate::locks::hold(&context, "eu-2");
    // Reading needs no lock.
    context.run(&["state", "list", "@eu-2"]).expect_code(0);
    context
        .run(&["state", "rm", "ConfigMap/web-config@eu-1"])
        .expect_code(0);
    let before = serial(&context, "eu-2");
    let rm = context.run(&["state", "rm", "ConfigMap/web-config@eu-2"]);
    rm.expect_code(1);
    assert_contains(&rm.stderr, "the state of cluster `eu-2` is locked by");
    // A cluster the workspace does not declare needs `--force`.
    let undeclared = context.run(&[
        "state",
        "mv",
        "Service/web@eu-1",
        "core/Service/default/web@eu-2x",
    ]);
    undeclared.expect_code(1);
    assert_contains(
        &undeclared.stderr,
        "the workspace declares no cluster `eu-2x` (it declares `eu-1`, `eu-2`, `us-1`)",
    );
    let mv = context.run(&[
        "state",
        "mv",
        "--force",
        "Service/web@eu-1",
        "core/Service/default/web@eu-2x",
    ]);
    mv.expect_code(0);
    let across = context.run(&[
        "state",
        "mv",
        "core/Service/default/web@eu-2x",
        "core/Service/default/web2@eu-2",
    ]);
    across.expect_code(1);
    assert_contains(&across.stderr, "the state of cluster `eu-2` is locked by");
    assert_eq!(serial(&context, "eu-2"), before);
    drop(held);
    context
        .run(&[
            "state",
            "rm",
            "--lock-timeout",
            "5s",
            "ConfigMap/web-config@eu-2",
        ])
        .expect_code(0);
}

#[test]
fn state_mv_renames_within_a_cluster() {
    let context = applied();
    let moved = context.run(&[
        "state",
        "mv",
        "core/ConfigMap/default/web-config@eu-1",
        "core/ConfigMap/default/app-config@eu-1",
    ]);
    moved.expect_code(0);
    let dry = context.run(&[
        "state",
        "mv",
        "--dry-run",
        "core/ConfigMap/default/app-config@eu-1",
        "core/ConfigMap/default/other@eu-1",
    ]);
    dry.expect_code(0);
    assert_contains(
        &dry.stdout,
        "Would move core/ConfigMap/default/app-config@eu-1 to core/ConfigMap/default/other@eu-1\nNothing was written",
    );
    let shown = context.run(&["state", "show", "core/ConfigMap/default/app-config@eu-1"]);
    shown.expect_code(0);
    assert_contains(&shown.stdout, "name: app-config");
    // The config still says `web-config`: the plan creates it, and deletes what the state
    // now calls `app-config`.
    let plan = context.run(&["plan", "--refresh=false"]);
    assert_contains(&plan.stdout, "Plan: 1 to add, 0 to change, 1 to destroy.");
}

#[test]
fn state_mv_refuses_moves_that_make_no_sense() {
    let context = applied();
    let before = (serial(&context, "eu-1"), serial(&context, "us-1"));
    let taken = context.run(&[
        "state",
        "mv",
        "Deployment/web@eu-1",
        "apps/Deployment/default/web@us-1",
    ]);
    taken.expect_code(1);
    assert_contains(
        &taken.stderr,
        "`apps/Deployment/default/web@us-1` is already in the state; remove it first with `mcctl state rm apps/Deployment/default/web@us-1`",
    );
    let kind = context.run(&[
        "state",
        "mv",
        "Deployment/web@eu-1",
        "core/Service/default/web2@eu-1",
    ]);
    kind.expect_code(1);
    assert_contains(
        &kind.stderr,
        "the kinds differ (`apps/Deployment` and `core/Service`)",
    );
    let scope = context.run(&[
        "state",
        "mv",
        "Deployment/web@eu-1",
        "apps/Deployment/_/web@eu-1",
    ]);
    scope.expect_code(1);
    assert_contains(&scope.stderr, "one is namespaced and the other is not");
    let short = context.run(&["state", "mv", "Deployment/web@eu-1", "web2@eu-1"]);
    short.expect_code(1);
    assert_contains(&short.stderr, "is not an object address on a cluster");
    let unknown = context.run(&[
        "state",
        "mv",
        "Deployment/nope@eu-1",
        "apps/Deployment/default/x@eu-1",
    ]);
    unknown.expect_code(1);
    assert_contains(
        &unknown.stderr,
        "no object `Deployment/nope@eu-1` in the state",
    );
    assert_eq!((serial(&context, "eu-1"), serial(&context, "us-1")), before);
}

fn import(context: &TestContext, args: &[&str]) -> Outcome {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    context.run(&all)
}

#[test]
fn importing_an_unmanaged_object_aborts_unless_overwrite() {
    let context = TestContext::new("examples/quickstart");
    context.write(FOREIGN_PATH, FOREIGN_CONFIG_MAP);
    let refused = import(&context, &["ConfigMap/web-config@eu-1"]);
    refused.expect_code(1);
    assert_eq!(
        refused.stderr,
        "error: `core/ConfigMap/default/web-config@eu-1` exists on the cluster but is not managed by workspace `quickstart`; the conflict resolution is `Abort`\nhelp: to take it over, run `mcctl import core/ConfigMap/default/web-config@eu-1 --overwrite`, or set `conflictResolution: Overwrite` on the template's PropagationPolicy\n"
    );
    assert!(!context.path("mcctl.state/clusters/eu-1.json").exists());

    let dry = import(
        &context,
        &["ConfigMap/web-config@eu-1", "--overwrite", "--dry-run"],
    );
    dry.expect_code(0);
    assert_contains(&dry.stdout, "Nothing was written");
    assert!(!context.path("mcctl.state/clusters/eu-1.json").exists());

    let imported = import(&context, &["ConfigMap/web-config@eu-1", "--overwrite"]);
    imported.expect_code(0);
    assert!(
        !imported.stderr.contains("apply will abort"),
        "{}",
        imported.stderr
    );
    assert_contains(
        &imported.stdout,
        "~ core/ConfigMap/default/web-config will be updated in place",
    );
    assert_contains(&imported.stdout, "-   LOG_LEVEL: debug\n");
    assert_contains(&imported.stdout, "+   LOG_LEVEL: info\n");
    assert_contains(
        &imported.stdout,
        "Imported core/ConfigMap/default/web-config@eu-1 into the state",
    );
    // The cluster was not touched.
    assert_eq!(context.read(FOREIGN_PATH), FOREIGN_CONFIG_MAP);
    let listed = context.run(&["state", "list", "@eu-1"]);
    assert_eq!(listed.stdout, "core/ConfigMap/default/web-config@eu-1\n");

    // The next plan updates it (no create, no drift), and apply brings it to the config.
    let plan = context.run(&["plan"]);
    assert_contains(
        &plan.stdout,
        "~ core/ConfigMap/default/web-config will be updated in place (config changed)",
    );
    assert!(!plan.stdout.contains("drift"), "{}", plan.stdout);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_contains(
        &context.read(FOREIGN_PATH),
        "app.kubernetes.io/managed-by: mcctl",
    );
    context.run(&["plan", "--detailed-exitcode"]).expect_code(0);

    let again = import(&context, &["ConfigMap/web-config@eu-1"]);
    again.expect_code(1);
    assert_contains(&again.stderr, "is already in the state");
    assert_contains(
        &again.stderr,
        "mcctl state rm core/ConfigMap/default/web-config@eu-1",
    );
}

#[test]
fn a_policy_with_conflict_resolution_overwrite_lets_import_and_apply_take_over() {
    let context = TestContext::new("examples/quickstart");
    context.write(
        "propagation.yaml",
        &format!(
            "{}  conflictResolution: Overwrite\n",
            context.read("propagation.yaml")
        ),
    );
    context.write(FOREIGN_PATH, FOREIGN_CONFIG_MAP);
    let validate = context.run(&["validate"]);
    validate.expect_code(0);
    assert!(
        !validate.stderr.contains("conflictResolution"),
        "{}",
        validate.stderr
    );
    let plan = context.run(&["plan"]);
    assert_contains(
        &plan.stdout,
        "takes over the existing object (conflictResolution: Overwrite)",
    );
    import(&context, &["ConfigMap/web-config@eu-1", "--dry-run"]).expect_code(0);
    context.run(&["apply", "--auto-approve"]).expect_code(0);
    assert_contains(&context.read(FOREIGN_PATH), "LOG_LEVEL: info");
}

#[test]
fn apply_aborts_a_create_onto_an_unmanaged_object() {
    let context = TestContext::new("examples/quickstart");
    context.write(FOREIGN_PATH, FOREIGN_CONFIG_MAP);
    let plan = context.run(&["plan"]);
    plan.expect_code(0);
    assert_contains(
        &plan.stderr,
        "`core/ConfigMap/default/web-config@eu-1` already exists and is not managed by this workspace;",
    );
    let apply = context.run(&["apply", "--auto-approve"]);
    apply.expect_code(1);
    assert_contains(
        &apply.stderr,
        "an object of that name already exists and is not managed by this workspace, and the conflict resolution is `Abort`",
    );
    assert_eq!(context.read(FOREIGN_PATH), FOREIGN_CONFIG_MAP);
}

#[test]
fn import_explains_what_it_cannot_import() {
    let context = TestContext::new("examples/quickstart");
    let no_cluster = import(&context, &["ConfigMap/web-config"]);
    no_cluster.expect_code(1);
    assert_contains(&no_cluster.stderr, "names no cluster");
    let unknown_cluster = import(&context, &["ConfigMap/web-config@ap-1"]);
    unknown_cluster.expect_code(1);
    assert_contains(
        &unknown_cluster.stderr,
        "no cluster `ap-1` in the workspace; the clusters are: eu-1, eu-2, us-1",
    );
    let typo = import(&context, &["ConfigMap/web-confg@eu-1"]);
    typo.expect_code(1);
    assert_contains(
        &typo.stderr,
        "did you mean `core/ConfigMap/default/web-config`?",
    );
    let absent = import(&context, &["ConfigMap/web-config@eu-1"]);
    absent.expect_code(1);
    assert_contains(
        &absent.stderr,
        "`core/ConfigMap/default/web-config@eu-1` does not exist on the cluster; `mcctl apply` creates it",
    );
}

#[test]
fn a_shard_of_another_lineage_is_refused_by_every_command() {
    let context = applied();
    let path = "mcctl.state/clusters/eu-2.json";
    let foreign = context.read(path).replace(
        &lineage(&context, "eu-2"),
        "00000000-0000-0000-0000-000000000000",
    );
    context.write(path, &foreign);
    for args in [
        &["state", "list"][..],
        &["state", "rm", "Deployment/web@eu-1"][..],
        &["plan"][..],
        &["import", "Deployment/web@eu-1"][..],
    ] {
        let outcome = context.run(args);
        outcome.expect_code(1);
        assert_contains(
            &outcome.stderr,
            "has lineage `00000000-0000-0000-0000-000000000000`",
        );
    }
    assert_eq!(context.read(path), foreign);
}

#[test]
fn state_written_by_a_newer_mcctl_is_refused() {
    let context = applied();
    let path = "mcctl.state/clusters/eu-1.json";
    context.write(
        path,
        &context
            .read(path)
            .replace("\"version\": 1", "\"version\": 7"),
    );
    let outcome = context.run(&["state", "list"]);
    outcome.expect_code(1);
    assert_contains(
        &outcome.stderr,
        "has format version 7; this mcctl reads version 1",
    );
    assert_contains(
        &outcome.stderr,
        "help: use the mcctl version that wrote this state",
    );
}

#[test]
fn a_saved_plan_of_another_lineage_or_an_older_serial_is_refused() {
    let context = applied();
    context.write(
        "app.yaml",
        &context
            .read("app.yaml")
            .replace("replicas: 8", "replicas: 9"),
    );
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);

    // A state edit since the plan bumps a serial: the plan is stale.
    let before = serial(&context, "eu-1");
    let other = serial(&context, "eu-2");
    context
        .run(&[
            "state",
            "mv",
            "Service/web@eu-1",
            "core/Service/default/web2@eu-1",
        ])
        .expect_code(0);
    context
        .run(&[
            "state",
            "mv",
            "core/Service/default/web2@eu-1",
            "core/Service/default/web@eu-1",
        ])
        .expect_code(0);
    let stale = context.run(&["apply", "plan.json"]);
    stale.expect_code(1);
    assert_contains(
        &stale.stderr,
        &format!(
            "the state of cluster `eu-1` changed since the plan was made (serial {before} then, {} now)",
            before + 2
        ),
    );

    // A plan made against another state (another lineage).
    context.run(&["plan", "--out", "plan.json"]).expect_code(0);
    let saved = context.read("plan.json");
    let current = lineage(&context, "eu-1");
    context.write(
        "plan.json",
        &saved.replace(&current, "00000000-0000-0000-0000-000000000000"),
    );
    let foreign = context.run(&["apply", "plan.json"]);
    foreign.expect_code(1);
    assert_contains(
        &foreign.stderr,
        "it was made against another state (lineage `00000000-0000-0000-0000-000000000000`",
    );
    assert_contains(&context.read("app.yaml"), "replicas: 9");
    assert_eq!(serial(&context, "eu-2"), other);
}
