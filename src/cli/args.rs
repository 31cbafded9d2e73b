//! Command-line flags (clap derive). Parsing only: no I/O here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

/// Plan and apply applications across a fleet of Kubernetes clusters, with Karmada's placement
/// model.
#[derive(Debug, Parser)]
#[command(name = "mcctl", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The workspace directory.
    #[arg(
        short = 'C',
        long = "directory",
        value_name = "DIR",
        default_value = ".",
        global = true
    )]
    pub directory: PathBuf,

    /// Never use colors (also with `NO_COLOR`).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the workspace's files without touching clusters or state.
    Validate(ValidateArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Change the clusters to match the workspace.
    Apply(ApplyArgs),
    /// Show a saved plan (`plan --out FILE`), or without FILE a summary of the state.
    Show(ShowArgs),
    /// Report what changed on the clusters since the last apply, for CI: exit 0 for no drift,
    /// 2 for drift, 1 for errors.
    Drift(DriftArgs),
    /// Print the apply order as a graph: templates, the edges that order them, and their waves.
    Graph(GraphArgs),
    /// Show how one template is scheduled: its policy, each cluster's filter verdict and score,
    /// the selection and the division, step by step.
    Explain(ExplainArgs),
    /// Delete everything the state says mcctl applied.
    Destroy(DestroyArgs),
    /// Clear lock info left behind by a killed mcctl.
    ForceUnlock(ForceUnlockArgs),
    /// Inspect and edit the state: list, show, forget or move what mcctl applied.
    #[command(subcommand)]
    State(StateCommand),
    /// Adopt an object that already exists on a cluster into the state, without changing it.
    Import(ImportArgs),
    /// Create a new workspace (in `-C DIR`) with one example of each block.
    Init,
    /// Rewrite HCL files in the canonical layout (Terraform's `terraform fmt` style).
    Fmt(FmtArgs),
}

/// `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `mcctl graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The output format: Graphviz DOT (`dot -Tsvg`) or a Mermaid flowchart.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,

    /// Also draw Helm's kind order between templates of adjacent kinds (dashed); it is left out
    /// by default because the waves already show it.
    #[arg(long)]
    pub kind_order: bool,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// How `mcctl graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Values of HCL variables.
#[derive(Debug, Args)]
pub struct VarArgs {
    /// Set a variable: `--var tag=1.25.3`, `--var 'zones=["a","b"]'` (repeatable; the last wins).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,

    /// Read variables from a file of `name = value` lines (repeatable, applied in order).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("`{text}` is not `NAME=VALUE`")),
    }
}

/// Flags of the commands that write state: they always lock it.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long to wait for a held lock, e.g. `30s`.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub lock_timeout: Duration,
}

/// Lock flags of `plan`, which only reads the state and may skip the lock.
#[derive(Debug, Args)]
pub struct PlanLockArgs {
    /// Lock the state while planning (`--lock=false` to skip, e.g. for a read-only CI job).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub wait: LockArgs,
}

/// Flags shared by the commands that plan.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Read the clusters before planning (`--refresh=false` plans from the state alone).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Clusters read at once (discovery and lists); writes follow `settings.rollout`.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Ask live clusters for the exact result of every update with a server-side dry run
    /// (`--server-dry-run=false` compares on the client only).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, value_name = "BOOL")]
    pub server_dry_run: bool,
}

impl RefreshArgs {
    /// How to read the clusters.
    #[must_use]
    pub fn reads(&self) -> crate::pipeline::Reads {
        crate::pipeline::Reads {
            parallelism: usize::from(self.parallelism),
            server_dry_run: self.server_dry_run,
        }
    }
}

/// `--clusters`.
#[derive(Debug, Args, Default)]
pub struct ClusterArgs {
    /// Limit the run to these clusters: names and/or a label selector, comma-separated
    /// (`eu-1,eu-2`, `env=prod,tier!=canary`, `region in (eu-west-1)`). Only their state is
    /// locked and written; placement still considers every cluster.
    #[arg(long, value_name = "SELECTOR")]
    pub clusters: Option<String>,
}

/// `plan`.
#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "command-line flags")]
pub struct PlanArgs {
    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,

    /// Exit 0 for no changes, 2 for changes or drift, 1 for errors.
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Also show unchanged objects.
    #[arg(long)]
    pub show_no_op: bool,

    /// Save the plan to FILE for `mcctl apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Schedule every template afresh, as Karmada's `WorkloadRebalancer` does: replicas are
    /// divided anew, affinity terms are tried from the first, and shares on unreachable or
    /// tainted clusters move.
    #[arg(long)]
    pub rebalance: bool,

    /// Show only drift: what changed on the clusters since the last apply, compared with the
    /// state (not with the config).
    #[arg(long, conflicts_with_all = ["out", "rebalance", "show_no_op"])]
    pub refresh_only: bool,

    /// Print Secret values in the terminal text (never in `--json` or `--out`); prints a
    /// warning line.
    #[arg(long, conflicts_with = "json")]
    pub show_secrets: bool,

    /// `--clusters`.
    #[command(flatten)]
    pub clusters: ClusterArgs,

    /// `--refresh`.
    #[command(flatten)]
    pub refresh: RefreshArgs,

    /// `--lock`, `--lock-timeout`.
    #[command(flatten)]
    pub lock: PlanLockArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The template: a full address (`apps/Deployment/default/web`), or `Kind/namespace/name`,
    /// `Kind/name` or `name` when that names one template.
    #[arg(value_name = "RESOURCE")]
    pub resource: String,

    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,

    /// Explain a fresh schedule (see `plan --rebalance`).
    #[arg(long)]
    pub rebalance: bool,

    /// `--refresh`.
    #[command(flatten)]
    pub refresh: RefreshArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `apply`.
#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "command-line flags")]
pub struct ApplyArgs {
    /// A plan saved with `mcctl plan --out FILE`; applied as saved, without asking.
    #[arg(value_name = "FILE")]
    pub plan_file: Option<PathBuf>,

    /// Apply without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,

    /// Schedule every template afresh before applying (see `plan --rebalance`).
    #[arg(long, conflicts_with = "plan_file")]
    pub rebalance: bool,

    /// Accept drift: record what the clusters hold now as the applied state, for every object
    /// that changed outside mcctl; nothing on the clusters changes.
    #[arg(long, conflicts_with_all = ["plan_file", "rebalance"])]
    pub refresh_only: bool,

    /// Skip unreachable and offline clusters instead of refusing to start.
    #[arg(long)]
    pub allow_unreachable: bool,

    /// Apply even if the plan deletes more than half of a cluster's managed objects.
    #[arg(long)]
    pub allow_mass_delete: bool,

    /// Limit the run to these clusters: names and/or a label selector, comma-separated
    /// (`eu-1,eu-2`, `env=prod,tier!=canary`); a saved plan keeps the limit it was made with.
    #[arg(long, value_name = "SELECTOR", conflicts_with = "plan_file")]
    pub clusters: Option<String>,

    /// `--refresh`.
    #[command(flatten)]
    pub refresh: RefreshArgs,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub lock: LockArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `mcctl plan --out FILE`; without it, the state is shown.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<PathBuf>,

    /// Print the saved plan as JSON (the `plan --json` format), or the state summary as JSON.
    #[arg(long)]
    pub json: bool,

    /// Print the Secret values of a saved plan, rendered again from the workspace (which must
    /// not have changed since the plan); terminal text only, with a warning line.
    #[arg(long, conflicts_with = "json", requires = "plan_file")]
    pub show_secrets: bool,

    /// `--var`, `--var-file` (for `--show-secrets`).
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// How to print the report: markdown (for a pull-request comment or an alert), plain text,
    /// or JSON.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,

    /// Exit 0 even when there is drift (errors still exit 1).
    #[arg(long)]
    pub exit_zero: bool,

    /// `--clusters`.
    #[command(flatten)]
    pub clusters: ClusterArgs,

    /// `--lock`, `--lock-timeout`.
    #[command(flatten)]
    pub lock: PlanLockArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// How `mcctl drift` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DriftFormat {
    /// Plain text.
    Text,
    /// Markdown.
    Markdown,
    /// JSON.
    Json,
}

/// `destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Destroy without asking for confirmation.
    #[arg(long)]
    pub auto_approve: bool,

    /// Also delete protected kinds (Namespace, `PersistentVolumeClaim`, `CustomResourceDefinition`).
    #[arg(long)]
    pub include_protected: bool,

    /// Skip unreachable and offline clusters instead of refusing to start.
    #[arg(long)]
    pub allow_unreachable: bool,

    /// `--clusters`.
    #[command(flatten)]
    pub clusters: ClusterArgs,

    /// `--refresh`.
    #[command(flatten)]
    pub refresh: RefreshArgs,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub lock: LockArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `force-unlock`.
#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock id, as the "locked by" error shows it.
    pub id: String,
}

/// `state`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List every applied object as `ADDRESS@CLUSTER`, sorted.
    List(StateListArgs),
    /// Show one object's record and the manifest mcctl applied.
    Show(StateShowArgs),
    /// Forget objects without touching the clusters.
    Rm(StateRmArgs),
    /// Move a record to another address: a renamed template, another namespace or cluster.
    Mv(StateMvArgs),
}

/// `state list`.
#[derive(Debug, Args)]
pub struct StateListArgs {
    /// Keep the objects matching any filter: `@eu-1` (a cluster), an address prefix
    /// (`apps/Deployment/`) or a short name (`web`, `Deployment/web`, `web@eu-1`).
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,

    /// Print the addresses and records as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `state show`.
#[derive(Debug, Args)]
pub struct StateShowArgs {
    /// The object, e.g. `apps/Deployment/default/web@eu-1` or `Deployment/web@eu-1`.
    #[arg(value_name = "ADDRESS")]
    pub address: String,

    /// Print the record as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `state rm`.
#[derive(Debug, Args)]
pub struct StateRmArgs {
    /// The objects to forget.
    #[arg(value_name = "ADDRESS", required = true)]
    pub addresses: Vec<String>,

    /// Show what would be forgotten and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `state mv`.
#[derive(Debug, Args)]
pub struct StateMvArgs {
    /// The object's current address.
    #[arg(value_name = "FROM")]
    pub from: String,

    /// Its new address, in full: `<group>/<Kind>/<namespace>/<name>@<cluster>`.
    #[arg(value_name = "TO")]
    pub to: String,

    /// Show what would be moved and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Move to a cluster the workspace does not declare (the next plan orphans what is recorded
    /// there until it is declared).
    #[arg(long)]
    pub force: bool,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub lock: LockArgs,

    /// `--var`, `--var-file` (to read the workspace's cluster declarations).
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The object on a cluster: `apps/Deployment/default/web@eu-1`, or a short form such as
    /// `Deployment/web@eu-1`. The template must be in the workspace and placed on that cluster.
    #[arg(value_name = "ADDRESS")]
    pub address: String,

    /// Adopt an object that mcctl did not make, as `conflictResolution: Overwrite` would.
    #[arg(long)]
    pub overwrite: bool,

    /// Show the difference and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// `--lock-timeout`.
    #[command(flatten)]
    pub lock: LockArgs,

    /// `--var`, `--var-file`.
    #[command(flatten)]
    pub variables: VarArgs,
}

/// `fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Write nothing: list the files that are not formatted, and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,

    /// Show each change as a unified diff.
    #[arg(long)]
    pub diff: bool,

    /// HCL files to format, or folders whose top-level `*.hcl` files to format [default: the
    /// workspace's top-level `*.hcl` files].
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("`{text}` is not a duration such as `30s` or `2m`: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("mcctl").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn boolean_flags_take_an_optional_value() {
        let Command::Plan(plan) = parse(&["plan", "--refresh=false", "--lock=false"]).command
        else {
            panic!()
        };
        assert!(!plan.refresh.refresh);
        assert!(!plan.lock.lock);
        let Command::Plan(plan) = parse(&["plan", "--refresh"]).command else {
            panic!()
        };
        assert!(plan.refresh.refresh);
        assert!(plan.lock.lock);
    }

    #[test]
    fn the_workspace_flag_is_global() {
        let cli = parse(&["plan", "-C", "examples/quickstart", "--lock-timeout", "30s"]);
        assert_eq!(cli.directory, PathBuf::from("examples/quickstart"));
        let Command::Plan(plan) = cli.command else {
            panic!()
        };
        assert_eq!(plan.lock.wait.lock_timeout, Duration::from_secs(30));
    }

    #[test]
    fn commands_that_write_state_cannot_skip_the_lock() {
        assert!(Cli::try_parse_from(["mcctl", "apply", "--lock=false"]).is_err());
        assert!(Cli::try_parse_from(["mcctl", "destroy", "--lock=false"]).is_err());
    }

    #[test]
    fn variables_are_name_value_pairs() {
        let Command::Plan(plan) = parse(&[
            "plan",
            "--var",
            "tag=1.2",
            "--var",
            "list=[\"a=b\"]",
            "--var-file",
            "prod.vars",
        ])
        .command
        else {
            panic!()
        };
        assert_eq!(
            plan.variables.vars,
            [
                ("tag".to_owned(), "1.2".to_owned()),
                ("list".to_owned(), "[\"a=b\"]".to_owned())
            ]
        );
        assert_eq!(plan.variables.var_files, [PathBuf::from("prod.vars")]);
        assert!(Cli::try_parse_from(["mcctl", "plan", "--var", "novalue"]).is_err());
    }

    #[test]
    fn fmt_takes_flags_and_files() {
        let Command::Fmt(fmt) = parse(&["fmt", "--check", "--diff", "a.hcl", "b.hcl"]).command
        else {
            panic!()
        };
        assert!(fmt.check && fmt.diff);
        assert_eq!(fmt.files, [PathBuf::from("a.hcl"), PathBuf::from("b.hcl")]);
        let Command::Fmt(fmt) = parse(&["fmt"]).command else {
            panic!()
        };
        assert!(!fmt.check && !fmt.diff && fmt.files.is_empty());
    }

    #[test]
    fn refresh_only_and_show_secrets_exclude_what_they_cannot_mean() {
        assert!(Cli::try_parse_from(["mcctl", "plan", "--refresh-only", "--out", "p"]).is_err());
        assert!(Cli::try_parse_from(["mcctl", "plan", "--show-secrets", "--json"]).is_err());
        assert!(Cli::try_parse_from(["mcctl", "apply", "--refresh-only", "p.json"]).is_err());
        assert!(Cli::try_parse_from(["mcctl", "show", "--show-secrets"]).is_err());
        let Command::Drift(drift) =
            parse(&["drift", "--format", "markdown", "--lock=false"]).command
        else {
            panic!()
        };
        assert_eq!(drift.format, DriftFormat::Markdown);
        assert!(!drift.lock.lock);
    }

    #[test]
    fn apply_takes_an_optional_plan_file() {
        let Command::Apply(apply) = parse(&["apply", "plan.json"]).command else {
            panic!()
        };
        assert_eq!(apply.plan_file, Some(PathBuf::from("plan.json")));
    }

    #[test]
    fn state_commands_take_addresses_and_flags() {
        let Command::State(StateCommand::Rm(rm)) =
            parse(&["state", "rm", "--dry-run", "web@eu-1", "Service/web@eu-2"]).command
        else {
            panic!()
        };
        assert!(rm.dry_run);
        assert_eq!(rm.addresses, ["web@eu-1", "Service/web@eu-2"]);
        assert!(Cli::try_parse_from(["mcctl", "state", "rm"]).is_err());
        let Command::State(StateCommand::Mv(mv)) =
            parse(&["state", "mv", "a@eu-1", "b@eu-2", "--lock-timeout", "5s"]).command
        else {
            panic!()
        };
        assert_eq!((mv.from.as_str(), mv.to.as_str()), ("a@eu-1", "b@eu-2"));
        assert_eq!(mv.lock.lock_timeout, Duration::from_secs(5));
        let Command::State(StateCommand::List(list)) =
            parse(&["state", "list", "@eu-1", "--json"]).command
        else {
            panic!()
        };
        assert!(list.json);
        assert_eq!(list.filters, ["@eu-1"]);
        let Command::Import(import) = parse(&["import", "web@eu-1", "--overwrite"]).command else {
            panic!()
        };
        assert!(import.overwrite && !import.dry_run);
    }
}
