//! The CLI tests: one binary, one module per area. Each test runs `mcctl` on a temp copy of a
//! fixture workspace whose clusters are directories inside the temp dir.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on broken fixtures"
)]

mod support;
/// The in-process Kubernetes API test server, shared with future test binaries; not every binary
/// uses every control.
#[path = "../support/mod.rs"]
#[allow(
    dead_code,
    reason = "a shared library of test controls; each binary uses part of it"
)]
mod test_support;

/// Plan, apply, plan again; exit codes; the plan text and JSON.
mod plan_apply;
/// Hand edits under `out/` show as drift and apply restores them.
mod drift;
/// The plan text: context diffs, drift, masked Secrets, `--show-secrets`; no output leaks a
/// Secret.
mod plan_output;
/// `mcctl show`: saved plans and the state.
mod show;
/// Removing templates or clusters: deletes, orphans, destroy.
mod prune;
/// State locks and force-unlock.
mod locks;
/// `--clusters`: subsets of the fleet, side by side.
mod subsets;
/// The mass-delete guard; clusters that cannot be read are never taken as empty.
mod guards;
/// Ctrl-C and `kill -9` in the middle of a large apply.
mod interrupts;
/// Saved plans: `plan --out`, `apply FILE`, stale plans.
mod saved_plans;
/// `state list|show|rm|mv`, `import`, `conflictResolution`, foreign and newer state.
mod state_commands;
/// Errors in the workspace: `file:line:col`, every error at once.
mod errors;
/// HCL variables, locals and functions.
mod variables;
/// `mcctl init`.
mod init;
/// `mcctl fmt`: the canonical HCL layout, `--check` and `--diff`.
mod fmt;
/// Overrides: attribution in the plan, failures pointing at the overrider.
mod overrides;
/// Fields mcctl does not own: replicas an autoscaler scales, `mcctl.io/ignore-fields`.
mod ignored_fields;
/// Apply order: waves from references, CRDs and Namespaces; deletes in reverse; `mcctl graph`.
mod ordering;
/// Scheduling: Karmada's bindings from clusters with status, `explain`, failover, claims.
mod scheduling;
/// Every folder under `examples/` plans and applies.
mod examples;
/// Modules only use the modules listed above them in `lib.rs`.
mod architecture;
/// Inputs under `testdata/fuzz/` that once made a loader panic or hang now load.
mod fuzz_regressions;
/// The Kubernetes API test server itself, over real HTTP.
mod apiserver;
/// Push clusters through kube-rs against the API test server.
mod live;
