//! One function per command: build the request, call the pipeline, render the outcome.

use std::fmt::Write as _;
use std::io::{BufRead, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use crate::addr;
use crate::apply::{Observer, Report, Stop};
use crate::cli::args::{
    ApplyArgs, DestroyArgs, DriftArgs, DriftFormat, ExplainArgs, FmtArgs, ForceUnlockArgs,
    GraphArgs, GraphFormat, LockArgs, PlanArgs, ShowArgs, ValidateArgs, VarArgs,
};
use crate::cli::output::plan::{PlanView, render as render_plan};
use crate::cli::output::{self, Printer};
use crate::cli::{Context, who};
use crate::cli::{progress, signals};
use crate::config::format::{FormatError, format_hcl};
use crate::config::variables::VariableInputs;
use crate::diag::{Diagnostics, Sources};
use crate::pipeline::{self, ApplyOptions, LockRequest, PlanOptions, PlanRun, Reads};
use crate::plan::Action;
use crate::plan::json::{JsonOptions, render as render_json};
use crate::state::lock::LockInfo;

pub(crate) fn lock_request(lock: bool, args: &LockArgs, operation: &str) -> Option<LockRequest> {
    lock.then(|| required_lock(args, operation))
}

/// The lock of a command that writes state, which always locks.
pub(crate) fn required_lock(args: &LockArgs, operation: &str) -> LockRequest {
    LockRequest {
        info: LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            who: who(),
            pid: std::process::id(),
            operation: operation.to_owned(),
            created: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        },
        timeout: args.lock_timeout,
    }
}

/// Variable values from the flags and from `MCCTL_VAR_<name>`.
pub(crate) fn variable_inputs(args: &VarArgs) -> VariableInputs {
    let mut environment: Vec<(String, String)> = std::env::vars()
        .filter_map(|(name, value)| Some((name.strip_prefix("MCCTL_VAR_")?.to_owned(), value)))
        .collect();
    environment.sort();
    VariableInputs {
        environment,
        files: args.var_files.clone(),
        command_line: args.vars.clone(),
    }
}

/// `MCCTL_SECRET_KEY`, which keys the digests of Secrets in the state.
pub(crate) fn secret_key() -> Option<String> {
    std::env::var("MCCTL_SECRET_KEY")
        .ok()
        .filter(|key| !key.is_empty())
}

/// Prints a plan to stdout as `plan` shows it by default (no no-ops, Secret values hidden).
fn print_plan(context: &Context, plan: &crate::plan::Plan) {
    render_plan(
        plan,
        PlanView {
            color: context.printer.stdout_color(),
            ..PlanView::default()
        },
        &mut |part| context.printer.out(part),
    );
}

pub(crate) fn warnings(context: &Context, run: &PlanRun) {
    if !run.diagnostics.is_empty() {
        let text = crate::cli::output::diagnostics::render(
            &run.diagnostics,
            &run.config.sources,
            context.printer.color(),
        );
        context.printer.err(text.trim_end());
        context.printer.err("");
    }
}

/// `mcctl validate`.
pub(crate) fn validate(context: &Context, args: &ValidateArgs) -> ExitCode {
    let validated = pipeline::validate(&context.root, &variable_inputs(&args.variables));
    let valid = !validated.diagnostics.has_errors();
    if args.json {
        let diagnostics: Vec<serde_json::Value> = validated
            .diagnostics
            .iter()
            .map(|diagnostic| crate::plan::json::diagnostic(diagnostic, &validated.config.sources))
            .collect();
        let json = serde_json::json!({"valid": valid, "diagnostics": diagnostics});
        context.printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ));
    } else {
        if !validated.diagnostics.is_empty() {
            let text = crate::cli::output::diagnostics::render(
                &validated.diagnostics,
                &validated.config.sources,
                context.printer.color(),
            );
            context.printer.err(text.trim_end());
        }
        if let Some(model) = &validated.model {
            let policies = model.propagation_policies.len() + model.override_policies.len();
            context.printer.out(&format!(
                "The workspace `{}` is valid: {} cluster(s), {} template(s), {policies} polic{}.\n",
                model.workspace,
                model.clusters.len(),
                model.templates.len(),
                if policies == 1 { "y" } else { "ies" }
            ));
        }
    }
    if valid {
        ExitCode::SUCCESS
    } else {
        if !args.json {
            let errors = validated.diagnostics.error_count();
            context.printer.err(&format!(
                "\nerror: {errors} error{} in the workspace",
                if errors == 1 { "" } else { "s" }
            ));
        }
        ExitCode::FAILURE
    }
}

/// `mcctl graph`: the dependency graph of a valid workspace, on stdout.
pub(crate) fn graph(context: &Context, args: &GraphArgs) -> ExitCode {
    let validated = pipeline::validate(&context.root, &variable_inputs(&args.variables));
    if !validated.diagnostics.is_empty() {
        let text = crate::cli::output::diagnostics::render(
            &validated.diagnostics,
            &validated.config.sources,
            context.printer.color(),
        );
        context.printer.err(text.trim_end());
    }
    if validated.model.is_none() {
        let errors = validated.diagnostics.error_count();
        context.printer.err(&format!(
            "\nerror: {errors} error{} in the workspace",
            if errors == 1 { "" } else { "s" }
        ));
        return ExitCode::FAILURE;
    }
    let options = crate::cli::output::graph::Options {
        kind_order: args.kind_order,
    };
    let text = match args.format {
        GraphFormat::Dot => crate::cli::output::graph::dot(&validated.graph, options),
        GraphFormat::Mermaid => crate::cli::output::graph::mermaid(&validated.graph, options),
    };
    context.printer.out(&text);
    ExitCode::SUCCESS
}

/// Refuses `--refresh-only` with `--refresh=false`: drift can only be seen on the clusters.
fn refresh_only_needs_refresh(context: &Context, refresh: bool) -> bool {
    if !refresh {
        context
            .printer
            .err("error: `--refresh-only` compares the clusters with the state, so it cannot run with `--refresh=false`");
    }
    refresh
}

/// `mcctl plan`.
pub(crate) async fn plan(context: &Context, args: &PlanArgs) -> Result<ExitCode, pipeline::Error> {
    if args.refresh_only && !refresh_only_needs_refresh(context, args.refresh.refresh) {
        return Ok(ExitCode::FAILURE);
    }
    let options = PlanOptions {
        refresh: args.refresh.refresh,
        reads: args.refresh.reads(),
        lock: lock_request(args.lock.lock, &args.lock.wait, "plan"),
        destroy: false,
        include_protected: false,
        secret_key: secret_key(),
        variables: variable_inputs(&args.variables),
        rebalance: args.rebalance,
        explain: None,
        clusters: args.clusters.clusters.clone(),
    };
    let run = match pipeline::plan(&context.root, &options).await {
        Ok(run) => run,
        Err(pipeline::Error::Diagnostics {
            sources,
            diagnostics,
        }) if args.json => {
            let json = render_json(None, &diagnostics, &sources, JsonOptions::default());
            context.printer.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            ));
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error),
    };
    if args.refresh_only {
        let report = pipeline::refresh_only(&run);
        if args.json {
            context.printer.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&output::drift::json(&report)).unwrap_or_default()
            ));
        } else {
            warnings(context, &run);
            context.printer.out(&output::drift::text(&report));
        }
        return Ok(if args.detailed_exitcode && report.has_drift() {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        });
    }
    if args.json {
        let json = render_json(
            Some(&run.plan),
            &run.diagnostics,
            &run.config.sources,
            JsonOptions {
                show_no_op: args.show_no_op,
            },
        );
        context.printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ));
    } else {
        warnings(context, &run);
        render_plan(
            &run.plan,
            PlanView {
                show_no_op: args.show_no_op,
                show_secrets: args.show_secrets,
                color: context.printer.stdout_color(),
            },
            &mut |part| context.printer.out(part),
        );
    }
    if let Some(path) = &args.out {
        pipeline::save_plan(&run, path)?;
        if !args.json {
            context.printer.out(&format!(
                "\nSaved the plan to `{}`. Apply exactly this plan with `mcctl apply {}`.\n",
                path.display(),
                path.display()
            ));
        }
    }
    let changed = run.plan.has_changes() || run.plan.has_drift();
    run.finish();
    Ok(if args.detailed_exitcode && changed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Asks for `yes` on stdin; anything else, or the end of input, cancels.
fn confirm(printer: Printer, question: &str) -> bool {
    printer.out(&format!(
        "\n{question}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    ));
    let mut answer = String::new();
    let read = std::io::stdin().lock().read_line(&mut answer);
    printer.out("\n");
    matches!(read, Ok(count) if count > 0) && answer.trim() == "yes"
}

/// `mcctl apply [FILE]`.
pub(crate) async fn apply(
    context: &Context,
    args: &ApplyArgs,
) -> Result<ExitCode, pipeline::Error> {
    let lock = lock_request(true, &args.lock, "apply");
    if args.refresh_only {
        return apply_refresh_only(context, args, lock).await;
    }
    let run = match &args.plan_file {
        Some(path) => {
            pipeline::plan_from_saved(
                &context.root,
                path,
                lock,
                secret_key(),
                variable_inputs(&args.variables),
            )
            .await?
        }
        None => {
            pipeline::plan(
                &context.root,
                &PlanOptions {
                    refresh: args.refresh.refresh,
                    reads: args.refresh.reads(),
                    lock,
                    destroy: false,
                    include_protected: false,
                    secret_key: secret_key(),
                    variables: variable_inputs(&args.variables),
                    rebalance: args.rebalance,
                    explain: None,
                    clusters: args.clusters.clone(),
                },
            )
            .await?
        }
    };
    warnings(context, &run);
    print_plan(context, &run.plan);
    let options = ApplyOptions {
        allow_unreachable: args.allow_unreachable,
        allow_mass_delete: args.allow_mass_delete,
        stop: Stop::default(),
    };
    // Refuse before asking: a `yes` must never be spent on a plan that cannot run.
    pipeline::check(&run, &options)?;
    let approved = args.auto_approve || args.plan_file.is_some() || !run.plan.has_changes();
    if !approved && !confirm(context.printer, "Do you want to perform these actions?") {
        context
            .printer
            .err("error: apply cancelled; nothing was changed");
        return Ok(ExitCode::FAILURE);
    }
    if !run.plan.has_changes() && !run.plan.state_outdated {
        return Ok(ExitCode::SUCCESS);
    }
    finish(context, run, options, "Apply").await
}

/// `mcctl apply --refresh-only`: shows the drift and, once approved, records it as the applied
/// state. Nothing on the clusters changes.
async fn apply_refresh_only(
    context: &Context,
    args: &ApplyArgs,
    lock: Option<LockRequest>,
) -> Result<ExitCode, pipeline::Error> {
    if !refresh_only_needs_refresh(context, args.refresh.refresh) {
        return Ok(ExitCode::FAILURE);
    }
    let run = pipeline::plan(
        &context.root,
        &PlanOptions {
            refresh: true,
            reads: Reads::default(),
            lock,
            destroy: false,
            include_protected: false,
            secret_key: secret_key(),
            variables: variable_inputs(&args.variables),
            rebalance: false,
            explain: None,
            clusters: args.clusters.clone(),
        },
    )
    .await?;
    warnings(context, &run);
    let report = pipeline::refresh_only(&run);
    context.printer.out(&output::drift::text(&report));
    if !report.has_drift() {
        return Ok(ExitCode::SUCCESS);
    }
    if !args.auto_approve
        && !confirm(
            context.printer,
            "Do you want to record what the clusters hold now as the applied state? Nothing on the clusters will change.",
        )
    {
        context
            .printer
            .err("error: apply cancelled; nothing was changed");
        return Ok(ExitCode::FAILURE);
    }
    let clusters = pipeline::accept_drift(run, &report)?;
    let names: Vec<String> = clusters.iter().map(ToString::to_string).collect();
    context.printer.out(&format!(
        "\nApply complete! Accepted the drift of {} into the state of: {}. No cluster was changed.\n",
        report.drifted.len(),
        names.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}

/// `mcctl show [PLANFILE]`.
pub(crate) async fn show(context: &Context, args: &ShowArgs) -> Result<ExitCode, pipeline::Error> {
    let Some(path) = &args.plan_file else {
        let state = pipeline::read_state(&context.root)?;
        if args.json {
            context.printer.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&output::state::json(&state)).unwrap_or_default()
            ));
        } else {
            context.printer.out(&output::state::text(&state));
        }
        return Ok(ExitCode::SUCCESS);
    };
    if args.show_secrets {
        // The saved plan holds no Secret values: render them again from the workspace, which
        // must be exactly what the plan was made from.
        let run = pipeline::plan_from_saved(
            &context.root,
            path,
            None,
            secret_key(),
            variable_inputs(&args.variables),
        )
        .await?;
        render_plan(
            &run.plan,
            PlanView {
                show_no_op: false,
                show_secrets: true,
                color: context.printer.stdout_color(),
            },
            &mut |part| context.printer.out(part),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let saved = pipeline::read_saved_plan(path)?;
    if args.json {
        context.printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&saved.plan).unwrap_or_default()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let plan =
        crate::plan::json::parse(&saved.plan).map_err(|message| pipeline::Error::PlanFile {
            action: "read",
            path: path.clone(),
            message,
        })?;
    context.printer.out(&format!(
        "Saved plan `{}` (workspace `{}`, mcctl {}):\n\n",
        path.display(),
        saved.workspace,
        saved.mcctl_version
    ));
    print_plan(context, &plan);
    Ok(ExitCode::SUCCESS)
}

/// `mcctl drift`: a refresh-only plan with `--detailed-exitcode` semantics.
pub(crate) async fn drift(
    context: &Context,
    args: &DriftArgs,
) -> Result<ExitCode, pipeline::Error> {
    let options = PlanOptions {
        refresh: true,
        reads: Reads::default(),
        lock: lock_request(args.lock.lock, &args.lock.wait, "drift"),
        destroy: false,
        include_protected: false,
        secret_key: secret_key(),
        variables: variable_inputs(&args.variables),
        rebalance: false,
        explain: None,
        clusters: args.clusters.clusters.clone(),
    };
    let run = pipeline::plan(&context.root, &options).await?;
    if args.format != DriftFormat::Json {
        warnings(context, &run);
    }
    let report = pipeline::refresh_only(&run);
    let text = match args.format {
        DriftFormat::Text => output::drift::text(&report),
        DriftFormat::Markdown => output::drift::markdown(&report),
        DriftFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&output::drift::json(&report)).unwrap_or_default()
        ),
    };
    context.printer.out(&text);
    Ok(if report.has_drift() && !args.exit_zero {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `mcctl explain`.
pub(crate) async fn explain(
    context: &Context,
    args: &ExplainArgs,
) -> Result<ExitCode, pipeline::Error> {
    let variables = variable_inputs(&args.variables);
    let validated = pipeline::validate(&context.root, &variables);
    let Some(model) = validated.model else {
        return Err(pipeline::Error::Diagnostics {
            sources: Box::new(validated.config.sources),
            diagnostics: validated.diagnostics,
        });
    };
    let object = match addr::resolve(
        &args.resource,
        model.templates.iter().map(|template| &template.object),
    ) {
        Ok(object) => object,
        Err(message) => {
            context.printer.err(&format!("error: {message}"));
            return Ok(ExitCode::FAILURE);
        }
    };
    let options = PlanOptions {
        refresh: args.refresh.refresh,
        reads: args.refresh.reads(),
        lock: None,
        destroy: false,
        include_protected: false,
        secret_key: secret_key(),
        variables,
        rebalance: args.rebalance,
        explain: Some(object.clone()),
        clusters: None,
    };
    let run = pipeline::plan(&context.root, &options).await?;
    let Some(binding) = run.placement.binding(&object) else {
        context
            .printer
            .err(&format!("error: no template `{object}` in the workspace"));
        return Ok(ExitCode::FAILURE);
    };
    let view = run.plan.bindings.iter().find(|view| view.object == object);
    if args.json {
        let json = output::explain::render_json(binding, view);
        context.printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        ));
    } else {
        context.printer.out(&output::explain::render(binding, view));
    }
    Ok(ExitCode::SUCCESS)
}

/// `mcctl destroy`.
pub(crate) async fn destroy(
    context: &Context,
    args: &DestroyArgs,
) -> Result<ExitCode, pipeline::Error> {
    let options = PlanOptions {
        refresh: args.refresh.refresh,
        reads: args.refresh.reads(),
        lock: lock_request(true, &args.lock, "destroy"),
        destroy: true,
        include_protected: args.include_protected,
        secret_key: secret_key(),
        variables: variable_inputs(&args.variables),
        rebalance: false,
        explain: None,
        clusters: args.clusters.clusters.clone(),
    };
    let run = pipeline::plan(&context.root, &options).await?;
    warnings(context, &run);
    print_plan(context, &run.plan);
    if !run.plan.has_changes() && !run.plan.state_outdated {
        return Ok(ExitCode::SUCCESS);
    }
    if run.plan.has_changes()
        && !args.auto_approve
        && !confirm(
            context.printer,
            "Do you really want to destroy every object mcctl applied?",
        )
    {
        context
            .printer
            .err("error: destroy cancelled; nothing was changed");
        return Ok(ExitCode::FAILURE);
    }
    let options = ApplyOptions {
        allow_unreachable: args.allow_unreachable,
        allow_mass_delete: true,
        stop: Stop::default(),
    };
    finish(context, run, options, "Destroy").await
}

/// Exit code of a run stopped by Ctrl-C, as shells report a process ended by SIGINT.
const INTERRUPTED: u8 = 130;

async fn finish(
    context: &Context,
    run: PlanRun,
    options: ApplyOptions,
    what: &str,
) -> Result<ExitCode, pipeline::Error> {
    let observer: Arc<dyn Observer> = progress::observer(context.printer);
    let signals = signals::install(options.stop.clone(), context.printer);
    let result = pipeline::apply(run, options, observer).await;
    signals.abort();
    let report = result?;
    print_report(context.printer, &report, what);
    Ok(if report.interrupted {
        ExitCode::from(INTERRUPTED)
    } else if report.failure.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(printer: Printer, report: &Report, what: &str) {
    let count = |action| report.done.get(&action).copied().unwrap_or(0);
    let replaced = count(Action::Replace);
    let mut line = format!(
        "Resources: {} added, {} changed, {} destroyed",
        count(Action::Create) + replaced,
        count(Action::Update),
        count(Action::Delete) + replaced
    );
    if report.orphaned > 0 {
        let _ = write!(line, ", {} left in place", report.orphaned);
    }
    if !report.skipped.is_empty() {
        let names: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
        printer.err(&format!(
            "warning: skipped unreachable or offline cluster(s): {}",
            names.join(", ")
        ));
    }
    if report.interrupted {
        printer.err(&format!(
            "\n{what} interrupted: {line}; {} change{} not made.",
            report.not_done,
            if report.not_done == 1 {
                " was"
            } else {
                "s were"
            }
        ));
        printer.err(&format!("The state records exactly what was done and the locks are released; run `mcctl {}` again to continue.", what.to_lowercase()));
        return;
    }
    match &report.failure {
        None => printer.out(&format!("\n{what} complete! {line}.\n")),
        Some(failure) => {
            printer.err(&format!(
                "\nerror: {} failed on `{}` for `{}`: {}",
                what.to_lowercase(),
                failure.cluster,
                failure.object,
                failure.message
            ));
            printer.err(&format!("{line} before the failure. The state records exactly what was done; fix the problem and run `mcctl {}` again to continue.", what.to_lowercase()));
            if !report.untouched.is_empty() {
                let names: Vec<String> = report
                    .untouched
                    .iter()
                    .map(|cluster| format!("`{cluster}`"))
                    .collect();
                printer.err(&format!(
                    "The rollout stopped before {}: {} untouched.",
                    names.join(", "),
                    if names.len() == 1 {
                        "it was"
                    } else {
                        "they were"
                    }
                ));
            }
        }
    }
}

/// `mcctl force-unlock ID`.
pub(crate) fn force_unlock(
    context: &Context,
    args: &ForceUnlockArgs,
) -> Result<ExitCode, pipeline::Error> {
    let unlocked = pipeline::force_unlock(&context.root, &args.id)?;
    let names: Vec<String> = unlocked.clusters.iter().map(ToString::to_string).collect();
    context.printer.out(&format!(
        "Released lock `{}` on: {}.\n",
        args.id,
        names.join(", ")
    ));
    Ok(ExitCode::SUCCESS)
}

/// The files `mcctl init` writes, as (path in the workspace, text).
const SCAFFOLD: &[(&str, &str)] = &[
    ("main.hcl", include_str!("scaffold/main.hcl")),
    (
        "manifests/app.yaml",
        include_str!("scaffold/manifests/app.yaml"),
    ),
    (".gitignore", include_str!("scaffold/gitignore")),
];

/// `mcctl init`: writes a small workspace that validates and plans as it is. Refuses to touch a
/// directory that already holds config, so it never overwrites anything.
pub(crate) fn init(context: &Context) -> ExitCode {
    let root = &context.root;
    let existing: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            [".hcl", ".yaml", ".yml"]
                .iter()
                .any(|suffix| name.ends_with(suffix))
                || SCAFFOLD
                    .iter()
                    .any(|(path, _)| path.split('/').next() == Some(name.as_str()))
        })
        .collect();
    if !existing.is_empty() {
        context.printer.err(&format!(
            "error: `{}` already holds {}; nothing was written\nhelp: run `mcctl init` in an empty directory, e.g. `mcctl -C my-app init`",
            root.display(),
            existing.join(", ")
        ));
        return ExitCode::FAILURE;
    }
    for (path, text) in SCAFFOLD {
        let target = root.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, text));
        if let Err(error) = written {
            context.printer.err(&format!(
                "error: cannot write `{}`: {error}",
                target.display()
            ));
            return ExitCode::FAILURE;
        }
    }
    let names: Vec<&str> = SCAFFOLD.iter().map(|(path, _)| *path).collect();
    context.printer.out(&format!(
        "Created a workspace in `{}`: {}.\nNext: `mcctl -C {} plan`, then `mcctl -C {} apply`.\n",
        root.display(),
        names.join(", "),
        root.display(),
        root.display()
    ));
    ExitCode::SUCCESS
}
/// An HCL file for `mcctl fmt`.
struct FmtFile {
    /// Where to read and write it.
    path: PathBuf,
    /// How to show it: relative to the workspace, or as given on the command line.
    name: String,
}

/// What `mcctl fmt` did with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Formatted {
    /// It was already formatted.
    Unchanged,
    /// It was not formatted: it was rewritten, or would be under `--check`.
    Changed,
    /// It could not be read, parsed or written; the error is printed.
    Failed,
}

/// `mcctl fmt [--check] [--diff] [FILES...]`.
pub(crate) fn fmt(context: &Context, args: &FmtArgs) -> ExitCode {
    let printer = context.printer;
    let Some(files) = fmt_files(context, &args.files) else {
        return ExitCode::FAILURE;
    };
    let outcomes: Vec<Formatted> = files
        .iter()
        .map(|file| fmt_file(context, args, file))
        .collect();
    let count = |wanted| {
        outcomes
            .iter()
            .filter(|outcome| **outcome == wanted)
            .count()
    };
    let failed = count(Formatted::Failed);
    if failed > 0 {
        printer.err(&format!(
            "\nerror: {failed} file{} could not be formatted and {} left as {}",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "was" } else { "were" },
            if failed == 1 { "it was" } else { "they were" },
        ));
        return ExitCode::FAILURE;
    }
    let changed = count(Formatted::Changed);
    if args.check && changed > 0 {
        printer.err(&format!(
            "error: {changed} file{} not formatted; run `mcctl fmt` to format {}",
            if changed == 1 { " is" } else { "s are" },
            if changed == 1 { "it" } else { "them" }
        ));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The files `mcctl fmt` works on: those named and the top-level `*.hcl` files of the folders
/// named, or else the workspace's top-level `*.hcl` files. `None` once an error is printed.
fn fmt_files(context: &Context, paths: &[PathBuf]) -> Option<Vec<FmtFile>> {
    let printer = context.printer;
    if paths.is_empty() {
        return match hcl_files_in(&context.root) {
            Ok(names) => Some(
                names
                    .into_iter()
                    .map(|name| FmtFile {
                        path: context.root.join(&name),
                        name: name.display().to_string(),
                    })
                    .collect(),
            ),
            Err(error) => {
                printer.err(&format!(
                    "error: cannot read the workspace `{}`: {error}",
                    context.root.display()
                ));
                printer.err("help: pass an existing workspace directory with `-C DIR`");
                None
            }
        };
    }
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(FmtFile {
                path: path.clone(),
                name: path.display().to_string(),
            });
            continue;
        }
        match hcl_files_in(path) {
            Ok(names) => files.extend(names.into_iter().map(|name| {
                let path = path.join(name);
                FmtFile {
                    name: path.display().to_string(),
                    path,
                }
            })),
            Err(error) => {
                printer.err(&format!(
                    "error: cannot read the folder `{}`: {error}",
                    path.display()
                ));
                return None;
            }
        }
    }
    Some(files)
}

/// Formats one file: prints its name (and diff) if it changes, and writes it unless `--check`.
fn fmt_file(context: &Context, args: &FmtArgs, file: &FmtFile) -> Formatted {
    let printer = context.printer;
    let text = match std::fs::read_to_string(&file.path) {
        Ok(text) => text,
        Err(error) => {
            printer.err(&format!("error: cannot read `{}`: {error}", file.name));
            return Formatted::Failed;
        }
    };
    let formatted = match format_hcl(&text) {
        Ok(formatted) => formatted,
        Err(FormatError::Syntax {
            line,
            column,
            message,
        }) => {
            let mut sources = Sources::default();
            let id = sources.add(PathBuf::from(&file.name), text);
            let mut diagnostics = Diagnostics::new();
            diagnostics.push(crate::config::hcl::syntax_error(
                id,
                sources.get(id),
                line,
                column,
                &message,
            ));
            let rendered =
                crate::cli::output::diagnostics::render(&diagnostics, &sources, printer.color());
            printer.err(rendered.trim_end());
            return Formatted::Failed;
        }
        Err(error @ FormatError::MeaningChanged) => {
            printer.err(&format!("error: cannot format `{}`: {error}", file.name));
            printer
                .err("help: the file was left as it is; this is a bug in mcctl, please report it");
            return Formatted::Failed;
        }
    };
    if formatted == text {
        return Formatted::Unchanged;
    }
    printer.out(&format!("{}\n", file.name));
    if args.diff {
        let name = file.name.trim_start_matches('/');
        let mut diff = similar::TextDiff::from_lines(&text, &formatted)
            .unified_diff()
            .header(&format!("old/{name}"), &format!("new/{name}"))
            .to_string();
        if !diff.ends_with('\n') {
            diff.push('\n');
        }
        printer.out(&diff);
    }
    if !args.check
        && let Err(error) = write_in_place(&file.path, &formatted)
    {
        printer.err(&format!("error: cannot write `{}`: {error}", file.name));
        return Formatted::Failed;
    }
    Formatted::Changed
}

/// The names of the `*.hcl` files at the top level of `dir` (not dotfiles), sorted.
fn hcl_files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = PathBuf::from(entry.file_name());
        let visible = !name.to_string_lossy().starts_with('.');
        let hcl = name.extension().is_some_and(|extension| extension == "hcl");
        if visible && hcl && entry.path().is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Replaces the file at `path` with `text` atomically: a temp file in the same folder, given the
/// file's permissions, fsynced and renamed over it.
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    // Through a symlink, rewrite the file it points at rather than replace the link.
    let path = std::fs::canonicalize(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(&path)?.permissions();
    let mut file = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().set_permissions(permissions)?;
    file.as_file().sync_all()?;
    file.persist(&path).map_err(|persist| persist.error)?;
    Ok(())
}
